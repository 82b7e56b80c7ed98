"""The claims layer (specs/claims.py, codegen/claims.py, codegen/experiments.py, ``optforge claims``):
the decision machinery on cases whose answer is known, the claims' data, and the committed verdicts."""

import re

import pytest

from optforge.codegen import claims as C
from optforge.codegen import experiments as E
from optforge.specs import PROPERTIES, SPECS
from optforge.specs.claims import CLAIMS, ByProperties, Claim, Compare, Experiment, NotDecidable


# ------------------------------------------------------------------ the machinery, on known answers
def test_a_true_structural_claim_is_proved_and_a_false_one_refuted():
    assert C.decide_compare(Compare("state_arrays", "adam", "sgd", ">"), SPECS)[0] == C.PROVED
    verdict, evidence = C.decide_compare(Compare("state_arrays", "sgd", "adam", ">"), SPECS)
    assert verdict == C.REFUTED and "sgd 0 not > adam 2" in evidence
    assert C.decide_compare(Compare("operations", "sgd", ("momentum", "adam"), "<"), SPECS)[0] == C.PROVED
    assert C.decide_compare(Compare("hyperparameters", "adadelta", "adam", "="), SPECS)[0] == C.REFUTED


def test_a_claim_resting_on_a_property_follows_its_verdict_and_a_wrong_one_is_an_error():
    assert C.decide_properties(ByProperties(("adam_state_arrays",)), PROPERTIES)[0] == C.PROVED
    assert C.decide_properties(ByProperties(("adam_l2_is_not_adamw",), refutes=True), PROPERTIES)[0] == C.REFUTED
    with pytest.raises(KeyError, match="no property named no_such_property"):
        C.decide_properties(ByProperties(("no_such_property",)), PROPERTIES)


def test_a_deliberately_false_numerical_claim_is_not_supported():
    """'SGD converges faster than best-tuned Adam on ill-conditioned quadratics': on quad1000 the
    adaptive step does not depend on the curvature's spread, so SGD loses."""
    data = E.tuned_comparison(("sgd", "adam"), ("quad1000",))
    verdict, text = C._majority(C._tuned_wins(data, "sgd", "adam"), 1, "SGD faster")
    assert verdict == C.NOT_SUPPORTED and "on 0 of 1 problems" in text
    # and the true direction of the same numbers is supported
    assert C._majority(C._tuned_wins(data, "adam", "sgd"), 1, "Adam faster")[0] == C.SUPPORTED


def test_the_experiments_are_reproducible_to_the_last_digit():
    assert E.rate_vs_condition() == E.rate_vs_condition()
    first = E.late_step_size()
    assert first == E.late_step_size() and len(first["adagrad"]["late_over_early"]) == len(E.SEEDS)


def test_decide_all_uses_every_kind(monkeypatch):
    claims = (
        Claim("t_structure", ("adam",), "메모리", "memory", Compare("state_arrays", "adamw", "adam", "=")),
        Claim("t_property", ("nadam",), "결합", "combines", ByProperties(("nadam_without_nesterov_is_adam",))),
        Claim("t_rate", ("nag",), "속도", "rate", Experiment("rate_vs_condition", "exponent below 0.6")),
        Claim("t_scale", ("adamw",), "큰 모델", "large", NotDecidable("scale")),
    )
    monkeypatch.setitem(C.CRITERIA, "t_rate", C._rate)
    result = C.decide_all(claims, figures=False)
    assert [c["verdict"] for c in result["claims"]] == [C.PROVED, C.PROVED, C.SUPPORTED, C.NOT_DECIDABLE]
    assert result["claims"][2]["decided_by"] == "experiment rate_vs_condition"
    assert set(result["experiments"]) == {"rate_vs_condition"}


# ------------------------------------------------------------------ the data
def test_the_claims_cover_the_document_and_each_is_decidable_by_its_kind():
    ids = [c.id for c in CLAIMS]
    assert len(ids) == len(set(ids)) and len(ids) >= 30
    about = {o for c in CLAIMS for o in c.optimizers}
    assert {"adadelta", "adamw", "nag", "nadam", "adagrad", "adam", "momentum"} <= about <= set(SPECS)
    for c in CLAIMS:
        assert re.search(r"[\uac00-\ud7a3]", c.quote), f"{c.id}: the quote is the document's Korean words"
        assert c.english and c.kind in ("pro", "con", "comparison")
        if isinstance(c.decide, Experiment):
            assert c.decide.name in E.EXPERIMENTS and c.id in C.CRITERIA and c.id in C.KO_EVIDENCE, c.id
        elif isinstance(c.decide, NotDecidable):
            from optforge.specs.claims import KO_REASONS

            assert c.decide.reason in KO_REASONS, c.id
        elif isinstance(c.decide, ByProperties):
            assert set(c.decide.properties) <= {p.name for p in PROPERTIES}, c.id


# ------------------------------------------------------------------ the committed verdicts
@pytest.fixture(scope="module")
def committed(tmp_path_factory):
    out = tmp_path_factory.mktemp("claims")
    assert C.main(["--out", str(out)]) == 0
    return (out / C.OUTPUT).read_text()


def test_the_committed_verdicts_are_what_the_command_produces(committed):
    from optforge.codegen.cli import default_generated

    assert (default_generated() / C.OUTPUT).read_text() == committed, "run optforge claims and commit generated/claims/"


def test_claims_for_another_folder_run_that_folders_kernels(tmp_path, monkeypatch):
    """``regenerate --out FOLDER`` decides the claims on the kernels it wrote into FOLDER, not on the
    installed ones: the child imports ``optforge.generated`` from the folder (a copy here, whose package
    leaves a mark when imported), and its kernels, the same as the committed ones, give the committed
    verdicts and numbers."""
    import json
    import shutil
    from pathlib import Path

    from optforge.codegen.cli import default_generated

    copy = tmp_path / "gen"
    shutil.copytree(default_generated(), copy, ignore=shutil.ignore_patterns("__pycache__"))
    for module in ("__init__", "adam"):  # the package and one of its kernels leave a mark
        with open(copy / f"{module}.py", "a") as f:
            f.write(f"\nimport os as _os\n\nwith open(_os.environ['OPTFORGE_TEST_MARK'] + '.{module}', 'w') as _f:\n"
                    "    _f.write(__file__)\n")
    mark = tmp_path / "mark"
    monkeypatch.setenv("OPTFORGE_TEST_MARK", str(mark))
    assert C.imported_folder() == default_generated().resolve()
    result = C.decide_in_subprocess(copy)
    for module in ("__init__", "adam"):
        assert Path(f"{mark}.{module}").read_text() == str((copy / f"{module}.py").resolve())
    assert result == json.loads((default_generated() / C.OUTPUT).read_text())


def test_the_claims_are_never_decided_on_stale_kernels(tmp_path, monkeypatch):
    """``decide_on`` picks where the kernels the specs produce are: the imported package when it holds
    them, the output folder (in a child) when only it does, or a temporary folder written for the child
    when neither does (a stale ``--check`` folder).  Which it picked is recorded by fakes."""
    from optforge.codegen import generate

    kernels = generate.render_package(SPECS.values(), PROPERTIES)
    calls = []
    monkeypatch.setattr(C, "decide_all", lambda **kw: calls.append(("here", None)) or {})

    def child(folder):
        calls.append(("child", folder, generate.stale(kernels, folder)))
        return {}
    monkeypatch.setattr(C, "decide_in_subprocess", child)
    current, old = tmp_path / "current", tmp_path / "old"
    for f in kernels:
        generate.write_atomic(current / f.path, f.text)
        generate.write_atomic(old / f.path, f.text.replace("Do not edit", "Do not edit (old)"))

    monkeypatch.setattr(C, "imported_folder", lambda: current.resolve())
    C.decide_on(kernels, old)  # the imported package is current: no child, whatever --out holds
    C.decide_on(kernels, current, written=True)  # rewritten after import: a child on it
    monkeypatch.setattr(C, "imported_folder", lambda: old.resolve())
    C.decide_on(kernels, current)  # only the output folder is current
    C.decide_on(kernels, old)  # neither: a child on freshly written kernels
    assert calls[0] == ("here", None)
    assert calls[1] == ("child", current.resolve(), "") and calls[2] == ("child", current.resolve(), "")
    assert calls[3][0] == "child" and calls[3][1] not in (current.resolve(), old.resolve()) and calls[3][2] == ""


def test_the_child_refuses_a_folder_without_a_generated_package_or_one_of_its_modules(tmp_path):
    with pytest.raises(RuntimeError, match="holds no generated package"):
        C.decide_in_subprocess(tmp_path)
    (tmp_path / "__init__.py").write_text("from . import adam  # noqa: F401\n")
    with pytest.raises(RuntimeError, match="cannot import name 'adam'"):  # not the installed adam instead
        C.decide_in_subprocess(tmp_path)


def test_no_experiment_says_proved_and_every_verdict_is_one_of_six(committed):
    import json

    result = json.loads(committed)
    for c in result["claims"]:
        assert c["verdict"] in C.VERDICTS
        if c["decided_by"].startswith("experiment"):
            assert c["verdict"] in (C.SUPPORTED, C.NOT_SUPPORTED, C.MIXED), c
            assert "Criterion:" in c["evidence"]
    assert sum(c["verdict"] == C.NOT_DECIDABLE for c in result["claims"]) <= 5
