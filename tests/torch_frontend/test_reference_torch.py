"""optforge's generated optimizers against torch.optim (2.13, CPU), per docs/semantics.md §5.

* Every optimizer that torch has: 1000 steps of a parameter-dependent gradient (each side
  evaluates it at its own parameter variable), parameters and state compared through the
  documented mappings at steps 1, 2, 10, 100, 1000:
  Momentum/NAG v = lr * momentum_buffer (NAG: optforge's phi is torch's p, and
  document_params() is p + mu*lr*buf), Adagrad G = sum, Adadelta Eg2/Edtheta2 =
  square_avg/acc_delta, RMSprop v = square_avg, Adam/AdamW/NAdam m/v = exp_avg/exp_avg_sq,
  NAdamScheduled mu_product = mu_product, and the step counters.
* torch settings: foreach=False always, foreach=True and fused=True (SGD, Adagrad, Adam, AdamW
  only; never with fp16/bf16) as extra cases; Adadelta with lr=1.0; NAdamT1 is
  NAdam(momentum_decay=inf), NAdamScheduled is NAdam(momentum_decay=psi), both under a float64
  default dtype.  The document's NAdam and AdagradEpsInSqrt have no torch counterpart (NumPy only).
* float64 to rtol=atol=1e-12; float32 kernels against torch float64 to the 1000-step tolerances
  of docs/semantics.md §5 (rtol=1e-4, atol=5e-5 scaled with max|value|/4), and against torch
  float32 to twice those (two float32 runs, each within them of the float64 trajectory).
* docs/semantics.md §1.7 and §5, NAdam (a), (b): from a pre-populated torch state, m, v, step match and
  theta_doc = theta_torch - c_t.
"""

import contextlib

import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st

import _reference_helpers as H
import references as R

DTYPES = [np.float64, np.float32]
DTYPE_IDS = ["f64", "f32"]
TORCH_DTYPE = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}

#: Which torch code paths exist for each optimizer (docs/semantics.md §2.1): "single" is foreach=False.
PATHS = {
    "sgd": ("single", "foreach", "fused"),
    "momentum": ("single", "foreach", "fused"),
    "nag": ("single", "foreach", "fused"),
    "adagrad": ("single", "foreach", "fused"),
    "adadelta": ("single", "foreach"),
    "rmsprop": ("single", "foreach"),
    "adam": ("single", "foreach", "fused"),
    "adamw": ("single", "foreach", "fused"),
    "nadam_t1": ("single", "foreach"),
    "nadam_scheduled": ("single", "foreach"),
}
#: No torch counterpart: the document's NAdam (docs/semantics.md §1.7) and AdaGrad with eps inside the sqrt.
NUMPY_ONLY = {"nadam", "adagrad_eps_in_sqrt"}
#: optforge state name -> (torch state name, factor): optforge value = factor(h) * torch value.
STATE_MAP = {
    "momentum": {"v": ("momentum_buffer", lambda h: h["lr"])},
    "nag": {"v": ("momentum_buffer", lambda h: h["lr"])},
    "adagrad": {"G": ("sum", None)},
    "adadelta": {"Eg2": ("square_avg", None), "Edtheta2": ("acc_delta", None)},
    "rmsprop": {"v": ("square_avg", None)},
    **{n: {"m": ("exp_avg", None), "v": ("exp_avg_sq", None)}
       for n in ("adam", "adamw", "nadam_t1", "nadam_scheduled")},
}


def test_every_optimizer_is_covered():
    assert set(PATHS) | NUMPY_ONLY == set(H.NAMES)
    assert set(STATE_MAP) | {"sgd"} == set(PATHS)


@pytest.fixture(scope="module", autouse=True)
def _report_observed():
    yield
    H.write_observed_report()


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    """torch's fused CPU kernels parallelise with OpenMP; on a small, shared machine their spinning
    threads compete with Numba's.  The code paths are the same with one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def _torch_default_dtype_is_restored():
    before = torch.get_default_dtype()
    yield
    after = torch.get_default_dtype()
    torch.set_default_dtype(before)
    assert after == before, f"a test left torch's default dtype at {after}"


def torch_optimizer(name, h, params, path):
    kw = {"single": dict(foreach=False), "foreach": dict(foreach=True), "fused": dict(fused=True)}[path]
    O = torch.optim
    if name in ("sgd", "momentum", "nag"):
        return O.SGD(params, lr=h["lr"], momentum=0.0 if name == "sgd" else h["mu"], dampening=0, weight_decay=0,
                     nesterov=name == "nag", maximize=False, **kw)
    if name == "adagrad":
        return O.Adagrad(params, lr=h["lr"], lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=h["eps"],
                         maximize=False, **kw)
    if name == "adadelta":
        return O.Adadelta(params, lr=1.0, rho=h["rho"], eps=h["eps"], weight_decay=0, maximize=False, **kw)
    if name == "rmsprop":
        return O.RMSprop(params, lr=h["lr"], alpha=h["alpha"], eps=h["eps"], weight_decay=0, momentum=0,
                         centered=False, maximize=False, **kw)
    betas = (h["b1"], h["b2"])
    if name == "adam":
        return O.Adam(params, lr=h["lr"], betas=betas, eps=h["eps"], weight_decay=0, amsgrad=False, maximize=False,
                      **kw)
    if name == "adamw":
        return O.AdamW(params, lr=h["lr"], betas=betas, eps=h["eps"], weight_decay=h["lam"], amsgrad=False,
                       maximize=False, **kw)
    if name in ("nadam_t1", "nadam_scheduled"):
        psi = float("inf") if name == "nadam_t1" else h["psi"]
        return O.NAdam(params, lr=h["lr"], betas=betas, eps=h["eps"], weight_decay=0, momentum_decay=psi,
                       decoupled_weight_decay=False, maximize=False, **kw)
    raise KeyError(name)


def torch_context(name):
    """NAdam needs a float64 default dtype for its mu_product (docs/semantics.md §1.7 and §5)."""
    return H.default_dtype(torch.float64) if name.startswith("nadam") else contextlib.nullcontext()


class TorchImpl:
    """A torch.optim optimizer on the problem, with snapshots under optforge's names."""

    def __init__(self, name, hypers, problem, dtype, path):
        self.name, self.h, self.problem, self.dtype = name, dict(hypers), problem, np.dtype(dtype)
        self.params = [torch.from_numpy(x) for x in problem.initial(dtype)]
        self.opt = torch_optimizer(name, self.h, self.params, path)
        group = self.opt.param_groups[0]
        assert bool(group["foreach"]) is (path == "foreach")
        assert bool(group.get("fused")) is (path == "fused")
        self.t = 0

    def step(self, t):
        assert self.t == t - 1
        for i, p in enumerate(self.params):
            p.grad = torch.from_numpy(self.problem.grad(i, p.detach().numpy(), t))
        self.opt.step()
        self.t = t

    def snapshot(self):
        snap = {}
        steps = set()
        for i, p in enumerate(self.params):
            assert p.dtype == TORCH_DTYPE[self.dtype]
            snap[f"params.{i}"] = p.detach().numpy().astype(np.float64)
            st_ = self.opt.state[p]
            for ours, (theirs, factor) in STATE_MAP.get(self.name, {}).items():
                value = st_[theirs].detach().numpy().astype(np.float64)
                snap[f"state.{ours}.{i}"] = value * factor(self.h) if factor else value
            if self.name == "nag":
                buf = st_["momentum_buffer"].detach().numpy().astype(np.float64)
                snap[f"doc_params.{i}"] = snap[f"params.{i}"] + self.h["mu"] * self.h["lr"] * buf
            if "step" in st_:
                steps.add(int(st_["step"].item()))
            if self.name == "nadam_scheduled":
                mu_product = st_["mu_product"]
                assert mu_product.dtype == torch.float64, "NAdam must run under a float64 default dtype"
                snap["scalar.mu_product"] = float(mu_product.item())
        if self.name in ("sgd", "momentum", "nag"):
            assert not steps  # torch's SGD keeps no step counter
            steps = {self.t}
        assert len(steps) == 1, steps
        snap["t"] = steps.pop()
        return snap


CASES = [(name, path) for name, paths in PATHS.items() for path in paths]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("name,path", CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_matches_torch_1000_steps(name, path, dtype):
    @H.ref_settings(max_examples=3 if path == "single" else 1)
    @given(case=H.cases(name, dtype, mu_min=0.01))
    @example(case=H.small_example(name))
    def check(case):
        problem = H.Problem(case.shapes, case.seed)
        required = H.required_keys(name, problem)
        with torch_context(name):
            impls = {"optforge": H.OptforgeImpl(name, case.hypers, problem, dtype, case.layout),
                     "torch-f64": TorchImpl(name, case.hypers, problem, np.float64, path)}
            if dtype == np.float32:
                impls["torch-f32"] = TorchImpl(name, case.hypers, problem, np.float32, path)

            def compare(t, snaps):
                for ref in ("torch-f64", "torch-f32"):
                    if ref in snaps:
                        H.assert_snapshots_close(snaps["optforge"], snaps[ref], dtype=dtype, required=required,
                                                 label=f"{name}: {ref}/{path}", expected_is_float32=ref == "torch-f32",
                                                 where=f"{name} {np.dtype(dtype).name} vs {ref} {path} t={t} {case}")

            H.run_lockstep(impls, compare=compare)

    check()


# ==================================================== NAdam from a pre-populated torch state
def _prepopulated_nadam(h, psi, t, theta, m, v, mu_product):
    p = torch.from_numpy(theta.copy())
    opt = torch.optim.NAdam([p], lr=h["lr"], betas=(h["b1"], h["b2"]), eps=h["eps"], weight_decay=0,
                            momentum_decay=psi, foreach=False)
    opt.state[p] = {"step": torch.tensor(float(t - 1)), "mu_product": torch.tensor(mu_product),
                    "exp_avg": torch.from_numpy(m.copy()), "exp_avg_sq": torch.from_numpy(v.copy())}
    return p, opt


def _nadam_h():
    return st.fixed_dictionaries(dict(
        lr=st.floats(-5, -1).map(lambda e: 10.0**e), b1=st.floats(0.05, 0.999), b2=st.floats(0.0, 0.9999),
        eps=st.floats(-12, -4).map(lambda e: 10.0**e)))


@H.ref_settings(max_examples=20)
@given(h=_nadam_h(), t=st.integers(1, 300), seed=st.integers(0, 2**32 - 1))
@example(h=dict(lr=1e-2, b1=0.9, b2=0.999, eps=1e-8), t=7, seed=0)
def test_torch_nadam_psi_inf_one_step_is_document_plus_c_t(h, t, seed):
    """docs/semantics.md §5, NAdam (a) and (b), one step at step t from the same state."""
    rng = np.random.default_rng(seed)
    theta, g, m, v = rng.uniform(-4, 4, 64), rng.normal(0, 2, 64), rng.normal(0, 1, 64), rng.uniform(0, 4, 64)
    with H.default_dtype(torch.float64):
        p, opt = _prepopulated_nadam(h, float("inf"), t, theta, m, v, h["b1"] ** (t - 1))
        p.grad = torch.from_numpy(g.copy())
        opt.step()
        st_ = opt.state[p]
        assert st_["mu_product"].dtype == torch.float64
        got_theta, got_m, got_v = (x.detach().numpy() for x in (p, st_["exp_avg"], st_["exp_avg_sq"]))
        assert int(st_["step"].item()) == t
    doc, m_t, v_t = R.nadam_step(theta, m, v, g, t, **h)
    np.testing.assert_allclose(got_m, m_t, rtol=1e-12, atol=1e-12)  # (a)
    np.testing.assert_allclose(got_v, v_t, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got_theta - R.nadam_t1_gap(m_t, v_t, t, **h), doc, rtol=1e-12, atol=1e-12)  # (b)
    np.testing.assert_allclose(got_theta, R.nadam_t1_step(theta, m, v, g, t, **h)[0], rtol=1e-12, atol=1e-12)

    from optforge.generated.nadam import nadam
    from optforge.generated.nadam_t1 import nadam_t1

    k1, kd = theta.copy(), theta.copy()
    nadam_t1(k1, g, m.copy(), v.copy(), t, **h)
    nadam(kd, g, m.copy(), v.copy(), t, **h)
    np.testing.assert_allclose(k1, got_theta, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(kd, got_theta - R.nadam_t1_gap(m_t, v_t, t, **h), rtol=1e-12, atol=1e-12)
    if t == 7 and h["b1"] == 0.9:
        assert np.max(np.abs(got_theta - doc)) > 1e-6  # torch is not the document (docs/semantics.md §1.7: 4.2e-5)


@H.ref_settings(max_examples=20)
@given(h=_nadam_h(), psi=st.one_of(st.just(0.0), st.just(4e-3), st.floats(-4, 1).map(lambda e: 10.0**e)),
       t=st.integers(1, 300), seed=st.integers(0, 2**32 - 1))
def test_torch_nadam_scheduled_one_step_from_state(h, psi, t, seed):
    """torch.optim.NAdam(momentum_decay=psi) one step from an arbitrary state (mu_product included)
    against the generated nadam_scheduled function and the NumPy reference."""
    rng = np.random.default_rng(seed)
    theta, g, m, v = rng.uniform(-4, 4, 64), rng.normal(0, 2, 64), rng.normal(0, 1, 64), rng.uniform(0, 4, 64)
    mu_product = 1.0
    for i in range(1, t):
        mu_product *= R.nadam_mu(i, b1=h["b1"], psi=psi)
    with H.default_dtype(torch.float64):
        p, opt = _prepopulated_nadam(h, psi, t, theta, m, v, mu_product)
        p.grad = torch.from_numpy(g.copy())
        opt.step()
        st_ = opt.state[p]
        got = {"theta": p.detach().numpy(), "m": st_["exp_avg"].numpy(), "v": st_["exp_avg_sq"].numpy()}
        got_mu_product = float(st_["mu_product"].item())
    ref_theta, ref_m, ref_v, ref_mu_product = R.nadam_scheduled_step(theta, m, v, mu_product, g, t, psi=psi, **h)
    from optforge.generated.nadam_scheduled import nadam_scheduled

    k_theta, k_m, k_v = theta.copy(), m.copy(), v.copy()
    k_mu_product = nadam_scheduled(k_theta, g, k_m, k_v, t, mu_product, psi=psi, **h)
    for label, want in (("reference", dict(theta=ref_theta, m=ref_m, v=ref_v, mu=ref_mu_product)),
                        ("kernel", dict(theta=k_theta, m=k_m, v=k_v, mu=k_mu_product))):
        np.testing.assert_allclose(got_mu_product, want["mu"], rtol=1e-12, atol=0, err_msg=label)
        for key in ("theta", "m", "v"):
            np.testing.assert_allclose(want[key], got[key], rtol=1e-12, atol=1e-12, err_msg=f"{label} {key}")
