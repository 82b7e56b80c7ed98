"""The benchmark (the repository's bench/ package, run as python scripts/bench.py).  No test here
asserts a time.

* the --quick path and the --dropin path run end to end on tiny sizes, so the benchmark cannot rot;
* its NumPy baselines (printed by the code generator) equal the generated kernel's result;
* bytes and operations per element, the per-step scalars and the torch equivalent come from each
  generated module's DESCRIPTION, and the torch equivalent builds the right torch.optim class;
* nothing in bench/ reads generated source text; a disturbed run gives no verdicts;
* start-up: two processes compiling into one empty cache at once, a read-only install.
"""

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT  # noqa: E402
if str(ROOT) not in sys.path:  # bench/ is a tool of the checkout, not an installed package
    sys.path.insert(0, str(ROOT))

import optforge  # noqa: E402
from bench import cases, ceilings, cli, dropin, report, startup  # noqa: E402
from bench.measure import Disturbance  # noqa: E402

ALL = list(optforge.OPTIMIZERS)
torch = pytest.importorskip("torch")


# ------------------------------------------------------------------------------ end to end
def test_quick_benchmark_runs_on_tiny_sizes(tmp_path):
    out = tmp_path / "results"
    code = cli.main(["--quick", "--optimizers", "adam", "adadelta", "sgd", "--sizes", "100", "1000",
                     "--float64-sizes", "300", "--lists", "tiny mixed (12)", "--repeats", "2",
                     "--batch-ms", "0.2", "--startup-repeats", "1", "--out", str(out)])
    assert code == 0
    text = (out / "bench.md").read_text()
    assert "| optimizer | dtype | size | method | threads | median | min-max | ÷ torch best | GB/s | % of ceiling |" in text
    assert "## Start-up" in text and "## Verdicts" in text and "Machine:" in text and "cores busy" in text
    data = json.loads((out / "bench.json").read_text())
    methods = {(r["optimizer"], r["method"]) for r in data["rows"]}
    for name in ("adam", "adadelta", "sgd"):
        assert {(name, "optforge"), (name, "numpy naive"), (name, "numpy in-place"), (name, "ceiling serial")} <= methods
    assert ("adam", "torch fused") in methods and ("adadelta", "torch foreach") in methods
    assert ("adam", "optforge flat") in methods  # the list case
    # Adam and Adadelta divide and take square roots; SGD does neither, so it has no such ceiling
    assert ("adam", "sqrt/div ceiling serial") in methods and ("adadelta", "sqrt/div ceiling serial") in methods
    assert ("sgd", "sqrt/div ceiling serial") not in methods
    sizes = {(r["optimizer"], r["dtype"], r["size"]) for r in data["rows"]}
    assert ("adam", "float64", "300") in sizes and ("adam", "float32", "tiny mixed (12)") in sizes
    for r in data["rows"]:
        assert r["median_s"] > 0 and r["min_s"] <= r["median_s"] <= r["max_s"] and r["gb_s"] > 0
    assert not any("target" in name.lower() or name[:1].isdigit() for name, _, _ in data["verdicts"])
    if data["unreliable"]:  # a busy shared machine: no met / not met on timings
        assert all(v[1] in (report.UNRELIABLE, "—") for v in data["verdicts"]
                   if v[0] not in ("two cold processes at once", "read-only install"))
    start = data["startup"]
    assert start["concurrent_ok"] and start["readonly_ok"], start
    assert not start["errors"], start["errors"]
    assert all(x is not None and x > 0 for x in start["import_s"] + start["first_step_s"])
    pytest.importorskip("matplotlib")
    assert (out / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_dropin_quick_runs_on_tiny_cases(tmp_path):
    out = tmp_path / "dropin"
    code = cli.main(["--dropin", "--quick", "--no-deepspeed", "--optimizers", "adamw", "momentum", "adagrad",
                     "--lists", "tiny mixed (12)", "--sizes", "100", "--repeats", "1", "--batch-ms", "0.2",
                     "--out", str(out)])
    assert code == 0
    text = (out / "dropin.md").read_text()
    assert ("| optimizer | case | elements | optforge.torch | torch fused | opt.step(grads) | torch floor | DeepSpeed |"
            in text)
    data = json.loads((out / "dropin.json").read_text())
    assert [(r["optimizer"], r["case"]) for r in data["rows"]] == [
        (n, c) for n in ("adamw", "momentum", "adagrad") for c in ("tiny mixed (12)", "100")]
    for r in data["rows"]:
        assert r["torch_ref"] == "torch fused"  # all four have a fused CPU kernel in torch 2.13
        assert "opt.step(grads)" in r["medians"] and "DeepSpeed" not in r["medians"]
        if dropin.optforge_torch_error() is None:
            assert "optforge.torch" in r["medians"] and r["vs_torch"] > 0 and r["vs_numpy_api"] > 0
            assert r["floor"] == r["medians"]["torch floor"] / r["medians"]["opt.step(grads)"]


def test_dropin_torch_options_switch_them_on_in_every_method():
    torch = pytest.importorskip("torch")
    params, grads = cases.data(np.random.default_rng(0), [(5, 3), (7,)], np.float32)
    for name in ("adam", "momentum"):
        info = cases.optimizer_info(name)
        case = dropin.dropin_case(info, "tiny", params, grads, None, dropin.TORCH_OPTIONS)
        labels = [m.label for m in case.methods]
        assert labels[:3] == ["optforge.torch", "torch fused", "opt.step(grads)"], labels
        numpy_opt = case.methods[2].step.__closure__  # the NumPy class ran the <base>_torch form
        opt = next(c.cell_contents for c in numpy_opt if hasattr(c.cell_contents, "hyperparameter_values"))
        assert opt.hyperparameter_values["sgn"] == -1.0 and opt.hyperparameter_values["wd"] == 1e-4
        torch_opt = case.methods[1].step.__self__
        assert torch_opt.defaults["maximize"] is True and torch_opt.defaults["weight_decay"] == 1e-4
        case.methods[0].step()
        assert case.methods[0].step.__self__.param_groups[0]["maximize"] is True
    assert dropin.options_for(cases.optimizer_info("adamw"), dropin.TORCH_OPTIONS) == {"maximize": True}
    del torch


def test_dropin_deepspeed_column():
    pytest.importorskip("deepspeed")
    ds_cls, why = dropin.deepspeed_adam()
    assert why is None, why
    info = cases.optimizer_info("adamw")
    params, grads = cases.data(np.random.default_rng(0), [(5, 3), (7,)], np.float32)
    case = dropin.dropin_case(info, "tiny", params, grads, ds_cls)
    assert "DeepSpeed" in [m.label for m in case.methods]
    ds = next(m for m in case.methods if m.label == "DeepSpeed")
    ds.step()  # the third step (one in the constructor helper): runs without error


def test_dropin_verdicts_use_the_thresholds_and_none_when_unreliable():
    rows = [dict(optimizer="adamw", case="resnet50 (161)", torch_ref="torch fused", vs_torch=0.85, vs_numpy_api=1.2,
                 vs_deepspeed=0.5),
            dict(optimizer="adam", case="1e7", torch_ref="torch fused", vs_torch=1.01, vs_numpy_api=1.0,
                 vs_deepspeed=None)]
    got = {name: v for name, v, _ in dropin.verdicts(rows, unreliable=False)}
    assert got == {"AdamW resnet50 (161): optforge.torch ÷ torch fused": "met",
                   "AdamW resnet50 (161): optforge.torch ÷ opt.step(grads)": "NOT met",
                   "AdamW resnet50 (161): optforge.torch ÷ DeepSpeed": "met",
                   "Adam 1e7: optforge.torch ÷ torch fused": "NOT met",
                   "Adam 1e7: optforge.torch ÷ opt.step(grads)": "met"}
    assert {v for _, v, _ in dropin.verdicts(rows, unreliable=True)} == {report.UNRELIABLE}


def test_a_dropin_miss_never_prints_as_its_limit():
    rows = [dict(optimizer="adam", case="transformer (100)", torch_ref="torch fused", vs_torch=0.9504,
                 vs_numpy_api=1.1049, vs_deepspeed=0.8)]
    got = {name: (v, text) for name, v, text in dropin.verdicts(rows, unreliable=False)}
    assert got["Adam transformer (100): optforge.torch ÷ opt.step(grads)"] == ("NOT met", "1.105 (≤ 1.10)")
    assert got["Adam transformer (100): optforge.torch ÷ torch fused"] == ("NOT met", "0.950 (≤ 0.95)")
    assert got["Adam transformer (100): optforge.torch ÷ DeepSpeed"] == ("met", "0.80 (< 1.00)")


def test_the_torch_floor_steps_the_numpy_class_and_changes_no_torch_value():
    """``torch floor`` is the ``opt.step(grads)`` call plus torch's unavoidable per-step work: the NumPy
    optimizer steps as a separate one does, the torch parameters keep their values, and their version
    counters move (what makes autograd notice an in-place update)."""
    torch = pytest.importorskip("torch")
    if dropin.optforge_torch_error() is not None:
        pytest.skip(dropin.optforge_torch_error())
    info = cases.optimizer_info("adam")
    params, grads = cases.data(np.random.default_rng(0), [(5, 3), (7,)], np.float32)
    case = dropin.dropin_case(info, "tiny", params, grads)
    floor = next(m for m in case.methods if m.label == "torch floor")
    tensors = case.methods[0].step.__self__.param_groups[0]["params"]
    before = [t.detach().clone() for t in tensors]
    versions = [t._version for t in tensors]
    floor.step()
    floor.step()
    assert all(torch.equal(a, b) for a, b in zip(before, tensors))
    assert all(t._version > v for t, v in zip(tensors, versions))
    numpy_opt = next(c.cell_contents for c in floor.step.__closure__ if hasattr(c.cell_contents, "params"))
    alone = info.cls([p.copy() for p in params])
    alone.step(grads)
    alone.step(grads)
    for a, b, p in zip(numpy_opt.params, alone.params, params):
        assert np.array_equal(a, b) and not np.array_equal(a, p)
    row = dict(optimizer="adam", case="1e3", torch_ref="torch fused", vs_torch=0.2, vs_numpy_api=3.0,
               vs_deepspeed=None, floor=1.3)
    assert dict((n, t) for n, _, t in dropin.verdicts([row], unreliable=False))[
        "Adam 1e3: optforge.torch ÷ opt.step(grads)"] == "3.00 (≤ 1.10); torch floor 1.30"


def test_a_busy_machine_makes_the_figures_unreliable():
    quiet, busy = Disturbance([0.0, 0.1, 0.3]), Disturbance([0.9, 1.0, 0.1])
    assert not report.reliability(quiet)[0]
    unreliable, text = report.reliability(busy)
    assert unreliable and "unreliable" in text
    table = [dict(optimizer="adam", dtype="float32", size="1e3", method="optforge", threads=2, median_s=1e-6,
                  vs_torch=0.1, torch_ref="torch fused", pct_ceiling=50, pct_sqrt_div=None)]
    assert report.verdicts(table, None, 2, unreliable=False)[0][1] == "met"
    assert report.verdicts(table, None, 2, unreliable=True)[0][1] == report.UNRELIABLE


# --------------------------------------------------------------------- facts from DESCRIPTION
@pytest.mark.parametrize("name, expected", [
    ("adam", (1, 1)),  # lr * mhat / (sqrt(vhat) + eps)
    ("adadelta", (2, 1)),  # sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps)
    ("adamax", (0, 1)),  # lr * mhat / u: a division, no square root
    ("sgd", (0, 0)), ("lion", (0, 0)),
])
def test_square_roots_and_divisions_come_from_the_description(name, expected):
    info = cases.optimizer_info(name)
    assert info.sqrt_div == expected == (info.cls.description.ops.sqrt, info.cls.description.ops.div)


def test_sqrt_div_ceiling_kernel_does_the_arithmetic_it_names():
    serial, parallel = ceilings.ceiling_kernels(1, 2, 1)
    for kernel in (serial, parallel):
        theta, g, s = np.zeros(5), np.arange(5.0), np.full(5, 3.0)
        kernel(theta, g, s, 0.5)
        # y = c x sqrt(s + c) sqrt(s + c) / (s + c), then theta += y and s += x
        np.testing.assert_allclose(theta, 0.5 * np.arange(5.0), rtol=1e-15)
        np.testing.assert_array_equal(s, 3.0 + np.arange(5.0))


def test_bytes_per_element_come_from_the_description():
    # (1 + S) reads + the gradient + (1 + S) writes, S per-element state arrays
    assert cases.optimizer_info("adam").bytes_per_element(4) == 28  # Adam float32: theta, g, m, v in; theta, m, v out
    assert cases.optimizer_info("sgd").bytes_per_element(4) == 12
    assert cases.optimizer_info("momentum").bytes_per_element(8) == 40
    assert cases.optimizer_info("adam_amsgrad").bytes_per_element(4) == 36
    for name in ALL:
        info = cases.optimizer_info(name)
        d = info.description
        assert info.bytes_per_element(4) == d.bytes_per_element(4) == (d.arrays_read + d.arrays_written) * 4
        assert info.n_state == len(d.element_state) == d.arrays_written - 1 and info.n_state in ceilings.CEILING_KERNELS


def test_torch_equivalents_come_from_the_description():
    kw = {n: cases.optimizer_info(n).torch_kwargs() for n in ALL}
    assert (cases.optimizer_info("adadelta").torch.cls, kw["adadelta"]["lr"]) == ("Adadelta", 1.0)
    assert kw["adamw"]["weight_decay"] == 0.01 and kw["adam"]["betas"] == (0.9, 0.999)
    assert kw["adam_amsgrad"]["amsgrad"] is True and kw["nag"]["nesterov"] is True
    assert kw["momentum"]["momentum"] == 0.9
    assert math.isinf(kw["nadam_t1"]["momentum_decay"])
    assert cases.optimizer_info("lion").torch is None  # no torch.optim equivalent: no torch rows
    p, g = [np.ones(4, np.float32)], [np.ones(4, np.float32)]
    assert cases.torch_optimizer(cases.optimizer_info("lion"), p, g, "single") is None


@pytest.mark.parametrize("name", [n for n in ALL if optforge.OPTIMIZERS[n].description.torch is not None])
def test_the_torch_equivalent_builds_the_right_torch_class(name):
    info = cases.optimizer_info(name)
    rng = np.random.default_rng(3)
    p, g = [rng.uniform(-1, 1, 50)], [rng.uniform(-1, 1, 50)]
    opt = cases.torch_optimizer(info, p, g, "single")
    assert type(opt) is getattr(torch.optim, info.torch.cls)
    for key, value in info.torch_kwargs().items():
        assert opt.param_groups[0][key] == value
    if not info.torch.note:  # one step of the same update (the NAdam variants need torch's float64 default)
        ours = p[0].copy()
        info.cls([ours]).step(g)  # torch_optimizer took one step already
        np.testing.assert_allclose(opt.param_groups[0]["params"][0].numpy(), ours, rtol=1e-12, atol=1e-14)


def test_per_step_scalars_come_from_the_module():
    info = cases.optimizer_info("adam")
    kernel_args, state = info.scalars(1, ())
    assert len(kernel_args) == len(info.description.kernel_args) and state == ()
    named = dict(zip(info.description.kernel_args, kernel_args))
    assert named["inv_bc1"] == pytest.approx(1 / (1 - 0.9)) and named["lr"] == 1e-3


# ----------------------------------------------------------------------------- NumPy baselines
@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("inplace", [False, True], ids=["naive", "in-place"])
def test_numpy_baselines_equal_the_generated_kernel(name, inplace):
    pytest.importorskip("sympy")
    info = cases.optimizer_info(name)
    rng = np.random.default_rng(7)
    theta = rng.uniform(-1, 1, 301)
    grads = [rng.uniform(-1, 1, 301) for _ in range(4)]
    ref = theta.copy()
    opt = info.cls([ref])
    baseline = cases.NumpyOptimizer(info, theta.copy(), inplace)
    for g in grads:
        opt.step([g])
        baseline.step(g)
    np.testing.assert_allclose(baseline.theta, ref, rtol=1e-13, atol=1e-15)
    for s, a in zip(info.states, baseline.state):
        np.testing.assert_allclose(a, opt.state_arrays[s][0], rtol=1e-13, atol=1e-15)


def test_in_place_baseline_allocates_nothing_per_step():
    pytest.importorskip("sympy")
    _, source, n = cases.numpy_sources("adam")
    assert "out=" in source and n <= 6
    assert source.count("out=m)") == 1 and source.count("out=v)") == 1 and "out=theta)" in source


def test_parameter_lists_have_the_documented_sizes():
    resnet, transformer, mlp = cases.resnet50_shapes(), cases.transformer_shapes(), cases.mlp_shapes()
    assert (len(resnet), sum(math.prod(s) for s in resnet)) == (161, 25_557_032)
    assert (len(transformer), sum(math.prod(s) for s in transformer)) == (100, 10_033_664)
    assert len(mlp) == 6 and 0.8e5 <= cases.total_elements(mlp) <= 1.2e5
    assert len(cases.LISTS["1000 x 1e3"]()) == 1000
    assert set(dropin.LIST_CASES) <= set(cases.LISTS)
    assert {n for n, _ in dropin.default_cases(None, None)} == set(dropin.LIST_CASES) | {"1e3", "1e7"}


def test_the_benchmark_reads_no_generated_source():
    for path in (ROOT / "bench").glob("*.py"):
        text = path.read_text()
        for needle in ("ast.parse", "eval(", "re.compile", "__doc__", "inspect.getsource", "__file__).read"):
            assert needle not in text, f"{path.name} contains {needle}"
    assert not (ROOT / "optforge" / "bench.py").exists()


# ---------------------------------------------------------------------------------- start-up
def test_start_up_report_names_failed_interpreters_instead_of_crashing():
    start = {"import_s": [0.2], "first_step_s": [None], "refresh_s": [], "compile_gather_s": [0.1],
             "compile_multi_serial_s": [None], "compile_multi_parallel_s": [0.5], "first_step_after_work_s": [0.1],
             "first_step_after_work_no_preload_s": [None], "concurrent_ok": True, "concurrent_wall_s": 2.0,
             "readonly_ok": True, "readonly": {"numba_cache_files": 3, "wall_s": 1.0, "how": "read-only files"},
             "errors": ["warm cache: ImportError: no module named optforge"]}
    verdicts = {name: (verdict, text) for name, verdict, text in report.verdicts([], start, 2)}
    assert verdicts["import optforge"][0] == "met"
    assert verdicts["first step, warm cache, beyond import"][0] == "—"  # no number, no verdict
    assert verdicts["cold compile per kernel"][0] == "—" and "serial not measured" in verdicts["cold compile per kernel"][1]
    assert "| FAILED: warm cache: ImportError: no module named optforge | | |" in report.startup_table(start)
    busy = {name: v for name, v, _ in report.verdicts([], start, 2, unreliable=True)}
    assert busy["import optforge"] == report.UNRELIABLE and busy["two cold processes at once"] == "met"


def test_two_processes_compiling_into_one_empty_cache_at_once(tmp_path):
    results = startup.concurrent_cold_start(str(tmp_path), processes=2)
    expected = startup.expected_startup_checksum()
    assert [r.get("error") for r in results] == [None, None], results
    assert results[0]["pid"] != results[1]["pid"]
    for r in results:
        np.testing.assert_allclose(r["checksum"], expected, rtol=1e-6)
    assert list(tmp_path.rglob("*.nbi")), "nothing was cached"


def test_read_only_install_works(tmp_path):
    result = startup.readonly_install_check(str(tmp_path / "ro"))
    if result.get("skipped"):
        pytest.skip(result["skipped"])
    assert result["returncode"] == 0, result.get("error")
    assert result["file"].startswith(str(tmp_path / "ro" / "site" / "optforge"))  # the copy, not this checkout
    assert not result["pycache_in_package"]  # nothing could be written next to the sources...
    assert result["numba_cache_files"] > 0  # ...so Numba cached into the user's cache folder
    expected = 1.0 - 0.1 * 1.0 / (1.0 + 1e-8)
    assert result["value"] == pytest.approx(expected, rel=1e-6) and result["small"] == pytest.approx(expected, rel=1e-6)


def test_optimizers_sgd_runs_only_sgd_with_case_progress(tmp_path, capsys):
    out = tmp_path / "sgd"
    code = cli.main(["--quick", "--optimizers", "sgd", "--sizes", "100", "--float64-sizes", "--lists",
                     "tiny mixed (12)", "--repeats", "1", "--batch-ms", "0.2", "--no-startup", "--out", str(out)])
    assert code == 0
    err = capsys.readouterr().err
    assert "2 cases; --quick finishes in under two minutes" in err, err
    assert "case 1/2 (" in err and "case 2/2 (" in err and "case 3/" not in err, err
    data = json.loads((out / "bench.json").read_text())
    assert {r["optimizer"] for r in data["rows"]} == {"sgd"}
    assert {r["size"] for r in data["rows"]} == {"100", "tiny mixed (12)"}


def test_every_line_of_the_plot_is_in_its_legend():
    pytest.importorskip("matplotlib")
    from bench import plot

    def row(optimizer, method, n, threads=2):
        return dict(optimizer=optimizer, method=method, dtype="float32", size=str(n), elements=n, threads=threads,
                    median_s=n * 1e-9)
    # torch fused only in the second panel, numpy only in the third: both must still be in the legend
    table = [row("adam", "optforge", n) for n in (10, 100)] + [row("adam", "optforge", 100, threads=1)]
    table += [row("sgd", "optforge", n) for n in (10, 100)] + [row("sgd", "torch fused", n) for n in (10, 100)]
    table += [row("lion", "numpy naive", n, threads=1) for n in (10, 100)]
    fig = plot.figure(table, threads=2)
    legend = {t.get_text() for t in fig.legends[0].get_texts()}
    drawn = {line.get_label() for ax in fig.axes for line in ax.get_lines()}
    assert drawn == legend == {"optforge (2T)", "optforge (1T)", "torch fused (2T)", "numpy naive (1T)"}, (drawn, legend)
