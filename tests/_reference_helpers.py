"""Shared machinery of the reference tests (test_reference_numpy.py, test_reference_torch.py).

A *case* is a list of parameter shapes, a seed for the problem data and the hyperparameters
(by optforge's spec symbols: lr, mu, eps, rho, alpha, b1, b2, lam, psi).  The problem is a
separable quadratic with a parameter-dependent gradient plus small deterministic noise,

    g_t(x) = a * x - c + 0.1 * sin(0.9 t + phase),   a in [0.5, 2],  c/a in [-3, 3],  x0 in [-4, 4],

and every implementation evaluates it at its *own* parameter variable, in its own dtype
(the reference NAG at its look-ahead point theta - mu v).  Several implementations are
stepped in lockstep and their *snapshots* (params and state under common, mapped names)
are compared at a few checkpoints up to step 1000.
"""

from __future__ import annotations

import contextlib
import math
import os
from dataclasses import dataclass, field

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from references import ALGORITHMS, Reference

STEPS = 1000
CHECKPOINTS = (1, 2, 10, 100, STEPS)
#: The noise amplitude: small next to the gradients far from the optimum (up to ~14), yet it keeps the
#: adaptive methods' denominators sqrt(v) away from 0 near it.  With 0.01 they settle at the edge of
#: stability (lr / sqrt(v) ~ 1), where rounding differences grew chaotically (measured: RMSprop at
#: torch's defaults, float64 vs float64, ~1e-16 at step 100, ~1e-10 at step 300, ~5e-6 at step 1000).
NOISE = 0.1

#: float64: docs/semantics.md §5 (observed <= 8.9e-15 after 1000 steps).
RTOL64 = ATOL64 = 1e-12
#: float32 kernel vs float64 reference after 1000 steps, docs/semantics.md §5, measured with
#: |theta| <= ~4 ("scale atol with max|theta|").
RTOL32, ATOL32, ATOL32_SCALE = 1e-4, 5e-5, 4.0

NAMES = tuple(ALGORITHMS)
#: Shapes drawn by hypothesis: 0-d scalars, empty arrays, odd sizes.
SMALL_SHAPES = [(), (0,), (1,), (7,), (33,), (3, 11), (2, 0, 3), (4, 5, 6), (1000,)]
#: At least PARALLEL_MIN_SIZE = 32768 elements: exercises optforge's parallel (prange) kernels.
LARGE_SHAPE = (200, 201)
#: Many odd-sized tensors, one of them >= 40000 elements, 80,111 elements in all: the class API's
#: parallel multi-tensor kernel splits them into 4 equal work slices, which start inside tensors
#: (two inside the run of 2003-element tensors, one inside the large one).
LARGE_SHAPES = ((), (7,), (0,)) + ((2003,),) * 20 + ((3, 11), (40009,), (1,))

DEFAULTS = {
    "sgd": dict(lr=1e-3),
    "momentum": dict(lr=1e-3, mu=0.9),
    "nag": dict(lr=1e-3, mu=0.9),
    "adagrad": dict(lr=1e-2, eps=1e-10),
    "adagrad_eps_in_sqrt": dict(lr=1e-2, eps=1e-10),
    "adadelta": dict(rho=0.95, eps=1e-6),
    "rmsprop": dict(lr=1e-2, alpha=0.99, eps=1e-8),
    "adam": dict(lr=1e-3, b1=0.9, b2=0.999, eps=1e-8),
    "adamw": dict(lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, lam=1e-2),
    "nadam": dict(lr=2e-3, b1=0.9, b2=0.999, eps=1e-8),
    "nadam_t1": dict(lr=2e-3, b1=0.9, b2=0.999, eps=1e-8),
    "nadam_scheduled": dict(lr=2e-3, b1=0.9, b2=0.999, eps=1e-8, psi=4e-3),
}


def _log_uniform(lo_exp: float, hi_exp: float):
    return st.floats(lo_exp, hi_exp).map(lambda e: 10.0**e)


#: Hyperparameter ranges, all inside optforge's domains (lr, eps > 0; mu, b1, b2, rho, alpha in
#: [0, 1); lam, psi >= 0).  The 1000-step trajectory comparisons need dynamics that do not amplify
#: rounding: second-moment decay rates (b2, alpha, rho) near 0 turn the adaptive methods into
#: sign-like updates (lr * m / |g_t|) whose rounding differences grow chaotically (measured: 1e-16
#: differences became 1e-2 within 300 steps in float64 for b2 = 0, rho = 0, alpha = 0.02).  So the
#: long runs draw those rates from [0.5, 0.999] (float64) / [0.9, 0.999] (float32, also b1 <= 0.99
#: and lr >= 1e-3, the regime in which docs/semantics.md §5 measured its float32 tolerances),
#: and the full domains, including every rate at 0, are covered by one-step checks from an
#: arbitrary state (test_reference_numpy.py::test_one_step_full_domain), where nothing amplifies.
RANGES = {
    "long64": dict(lr=(-4, -2), b1_max=0.999, decay_min=0.5),
    "long32": dict(lr=(-3, -2), b1_max=0.99, decay_min=0.9),
    "full": dict(lr=(-6, 0), b1_max=0.9999, decay_min=0.0),
}


def hyper_strategy(name: str, regime: str = "long64", *, mu_min: float = 0.0):
    """Hyperparameters by spec symbol for ``regime`` (see RANGES).  ``mu_min > 0`` for torch,
    whose SGD keeps no momentum buffer at momentum=0 and rejects nesterov with momentum=0."""
    r = RANGES[regime]
    full = regime == "full"
    top = 0.9999 if full else 0.999
    if full:
        eps = _log_uniform(-12, -3)
    else:
        eps = {"adagrad": _log_uniform(-12, -6), "adagrad_eps_in_sqrt": _log_uniform(-12, -6),
               "adadelta": _log_uniform(-8, -4)}.get(name, _log_uniform(-10, -6))
    pool = {
        "lr": _log_uniform(*r["lr"]),
        "mu": st.floats(mu_min, top if full else 0.99),
        "eps": eps,
        "rho": st.floats(r["decay_min"], top),
        "alpha": st.floats(r["decay_min"], top),
        "b1": st.floats(0.0, r["b1_max"]),
        "b2": st.floats(r["decay_min"], top),
        "lam": st.one_of(st.just(0.0), st.floats(0.0, 1.0 if full else 0.1)),
        # psi = 0 (constant mu = b1/2), torch's default 4e-3, up to mu_t == b1 exactly (psi >= 900).
        "psi": st.one_of(st.just(0.0), st.just(4e-3), _log_uniform(-4, 1), st.just(1e3)),
    }
    return st.fixed_dictionaries({k: pool[k] for k in ALGORITHMS[name]["hypers"]})


def regime_for(dtype) -> str:
    return "long64" if np.dtype(dtype) == np.float64 else "long32"


#: How gradients are handed over: a list of C-contiguous arrays (optforge's compiled fast path),
#: a tuple, or a list of non-contiguous views (its Python fallback path).
LAYOUTS = ("list", "tuple", "strided")


@dataclass(frozen=True)
class Case:
    shapes: tuple
    seed: int
    hypers: dict = field(hash=False)
    layout: str = "list"


SHAPE_LISTS = st.lists(st.sampled_from(SMALL_SHAPES), min_size=1, max_size=3).map(tuple)


def cases(name: str, dtype, *, mu_min: float = 0.0):
    return st.builds(Case, shapes=SHAPE_LISTS, seed=st.integers(0, 2**32 - 1),
                     hypers=hyper_strategy(name, regime_for(dtype), mu_min=mu_min), layout=st.sampled_from(LAYOUTS))


EXPLICIT_SEEDS = (1, 2)


def small_example(name: str) -> Case:
    """An explicit example: default hyperparameters on 0-d, empty and odd-sized arrays."""
    return Case(shapes=((), (0,), (1,), (7,), (33,)), seed=EXPLICIT_SEEDS[0], hypers=dict(DEFAULTS[name]))


def strided_example(name: str) -> Case:
    """An explicit example whose gradients are non-contiguous views (optforge's Python path)."""
    return Case(shapes=((7,), (3, 11), ()), seed=EXPLICIT_SEEDS[0], hypers=dict(DEFAULTS[name]), layout="strided")


def large_example(name: str) -> Case:
    """An explicit example with a parameter above the parallel-kernel threshold."""
    return Case(shapes=LARGE_SHAPES, seed=EXPLICIT_SEEDS[1], hypers=dict(DEFAULTS[name]))


def ref_settings(max_examples: int):
    """Small example counts keep the suite at a few minutes on 2 cores; OPTFORGE_REFERENCE_SCALE=k
    runs k times as many (a longer search, e.g. nightly)."""
    scale = max(1, int(os.environ.get("OPTFORGE_REFERENCE_SCALE", "1")))
    return settings(max_examples=max_examples * scale, deadline=None, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ------------------------------------------------------------------------------- the problem
class Problem:
    def __init__(self, shapes, seed: int):
        rng = np.random.default_rng(seed)
        self.shapes = [tuple(s) for s in shapes]
        self.a, self.c, self.phase, self.x0 = [], [], [], []
        for shape in self.shapes:
            a = rng.uniform(0.5, 2.0, shape)
            self.a.append(a)
            self.c.append(a * rng.uniform(-3.0, 3.0, shape))
            self.phase.append(rng.uniform(0.0, 2.0 * math.pi, shape))
            # Representable in float32, so that float32 and float64 runs start at the same point.
            self.x0.append(np.array(rng.uniform(-4.0, 4.0, shape).astype(np.float32), dtype=np.float64))

    def noise(self, i: int, t: int) -> np.ndarray:
        if getattr(self, "_noise_t", None) != t:  # every implementation asks for the same t in turn
            self._noise = [NOISE * np.sin(0.9 * t + ph) for ph in self.phase]
            self._noise_t = t
        return self._noise[i]

    def grad(self, i: int, x: np.ndarray, t: int) -> np.ndarray:
        """The gradient of parameter i at x for step t, computed in float64, returned in x's dtype."""
        x = np.asarray(x)
        g = self.a[i] * x.astype(np.float64) - self.c[i] + self.noise(i, t)
        return np.array(g, dtype=x.dtype)

    def initial(self, dtype) -> list[np.ndarray]:
        """The starting parameters; ``dtype`` is one dtype or one per parameter."""
        return [np.array(x, dtype=d) for x, d in zip(self.x0, per_param(dtype, len(self.x0)))]


def per_param(dtype, n: int) -> list[np.dtype]:
    if isinstance(dtype, (list, tuple)):
        assert len(dtype) == n
        return [np.dtype(d) for d in dtype]
    return [np.dtype(dtype)] * n


def with_layout(grads: list[np.ndarray], layout: str):
    """The same gradient values, handed over as ``layout`` says (see LAYOUTS)."""
    if layout == "tuple":
        return tuple(grads)
    if layout == "strided":
        out = []
        for g in grads:
            if g.ndim == 0:
                out.append(g)
                continue
            big = np.zeros(g.shape[:-1] + (2 * g.shape[-1],), g.dtype)
            big[..., ::2] = g
            view = big[..., ::2]
            assert view.size == 0 or not view.flags.c_contiguous or g.shape[-1] <= 1
            out.append(view)
        return out
    assert layout == "list"
    return grads


# --------------------------------------------------------------------------- implementations
class RefImpl:
    """The float64 NumPy reference (tests/references.py)."""

    def __init__(self, name: str, hypers: dict, problem: Problem):
        self.name, self.problem = name, problem
        self.ref = Reference(name, hypers, problem.initial(np.float64))

    def step(self, t: int) -> None:
        assert self.ref.t == t - 1
        self.ref.step(self.problem.grad)

    def snapshot(self) -> dict:
        snap = {"t": self.ref.t}
        for i, p in enumerate(self.ref.stored_params()):
            snap[f"params.{i}"] = p
        if self.name == "nag":
            for i, p in enumerate(self.ref.theta):
                snap[f"doc_params.{i}"] = p.copy()
        for s, arrays in self.ref.state.items():
            for i, a in enumerate(arrays):
                snap[f"state.{s}.{i}"] = a.copy()
        for s, value in self.ref.scalars.items():
            snap[f"scalar.{s}"] = float(value)
        return snap


def optforge_class(name: str):
    import optforge

    return optforge.get_optimizer(name)


def optforge_kwargs(name: str, h: dict) -> dict:
    """Constructor arguments (PyTorch names) from spec symbols."""
    kw = {}
    if "lr" in h:
        kw["lr"] = h["lr"]
    if "mu" in h:
        kw["momentum"] = h["mu"]
    if "b1" in h:
        kw["betas"] = (h["b1"], h["b2"])
    for sym, api in (("eps", "eps"), ("rho", "rho"), ("alpha", "alpha"), ("lam", "weight_decay"),
                     ("psi", "momentum_decay")):
        if sym in h:
            kw[api] = h[sym]
    return kw


class OptforgeImpl:
    """optforge's public class API (``dtype``: one dtype, or one per parameter)."""

    def __init__(self, name: str, hypers: dict, problem: Problem, dtype, layout: str = "list"):
        self.name, self.problem, self.layout = name, problem, layout
        self.dtypes = per_param(dtype, len(problem.shapes))
        self.params = problem.initial(dtype)
        self.opt = optforge_class(name)(self.params, **optforge_kwargs(name, hypers))

    def step(self, t: int) -> None:
        assert self.opt.t == t - 1
        self.opt.step(with_layout([self.problem.grad(i, p, t) for i, p in enumerate(self.params)], self.layout))

    def snapshot(self) -> dict:
        snap = {"t": self.opt.t}
        for i, p in enumerate(self.opt.params):
            assert p is self.params[i] and p.dtype == self.dtypes[i], "parameters must be updated in place"
            snap[f"params.{i}"] = p.copy()
        if self.name == "nag":
            for i, p in enumerate(self.opt.document_params()):
                snap[f"doc_params.{i}"] = np.array(p)
        for s, arrays in self.opt.state_arrays.items():
            for i, a in enumerate(arrays):
                assert a.dtype == self.dtypes[i] and a.shape == self.params[i].shape
                snap[f"state.{s}.{i}"] = a.copy()
        for key, value in self.opt.state_dict().items():
            if key.startswith("scalar."):
                snap[key] = float(value)
        return snap


def kernel_function(name: str):
    """The plain step function, imported from its own generated module."""
    import importlib

    return getattr(importlib.import_module(f"optforge.generated.{name}"), name)


class KernelImpl:
    """optforge's plain kernel function, with the state kept here."""

    def __init__(self, name: str, hypers: dict, problem: Problem, dtype, layout: str = "list"):
        self.name, self.problem, self.dtype, self.layout = name, problem, np.dtype(dtype), layout
        self.fn = kernel_function(name)
        self.h = dict(hypers)
        self.params = problem.initial(dtype)
        self.state = {s: [np.zeros(p.shape, dtype) for p in self.params] for s in ALGORITHMS[name]["arrays"]}
        self.scalars = dict(ALGORITHMS[name]["scalars"])
        self.t = 0

    def step(self, t: int) -> None:
        assert self.t == t - 1
        names = ALGORITHMS[self.name]["arrays"]
        new_mu_product = None
        for i, p in enumerate(self.params):
            (g,) = with_layout([self.problem.grad(i, p, t)], "strided" if self.layout == "strided" else "list")
            arrays = [self.state[s][i] for s in names]
            if self.name == "nadam_scheduled":
                new_mu_product = self.fn(p, g, *arrays, t, self.scalars["mu_product"], **self.h)
            else:
                assert self.fn(p, g, *arrays, t, **self.h) is None
        if new_mu_product is not None:
            self.scalars["mu_product"] = float(new_mu_product)
        self.t = t

    def snapshot(self) -> dict:
        snap = {"t": self.t}
        for i, p in enumerate(self.params):
            snap[f"params.{i}"] = p.copy()
        if self.name == "nag":
            for i, (p, v) in enumerate(zip(self.params, self.state["v"])):
                # The derived form's change of variables: theta = phi + mu v (in float64 here).
                snap[f"doc_params.{i}"] = p.astype(np.float64) + self.h["mu"] * v.astype(np.float64)
        for s, arrays in self.state.items():
            for i, a in enumerate(arrays):
                snap[f"state.{s}.{i}"] = a.copy()
        for s, value in self.scalars.items():
            snap[f"scalar.{s}"] = float(value)
        return snap


# -------------------------------------------------------------------------------- comparing
#: Largest observed |actual - expected| per (label, key kind), for reports; tests never read it.
OBSERVED: dict = {}


def write_observed_report() -> None:
    """With OPTFORGE_REFERENCE_REPORT=path, merge OBSERVED into that JSON file (for reports)."""
    path = os.environ.get("OPTFORGE_REFERENCE_REPORT")
    if not path:
        return
    import json

    old = {}
    if os.path.exists(path):
        with open(path) as f:
            old = json.load(f)
    for k, v in OBSERVED.items():
        key = " | ".join(k)
        old[key] = max(v, old.get(key, 0.0))
    with open(path, "w") as f:
        json.dump(old, f, indent=1, sort_keys=True)


def _kind(key: str) -> str:
    return key.rsplit(".", 1)[0] if key.split(".")[0] in ("params", "doc_params", "state") else key


def _key_dtype(key: str, dtype) -> np.dtype:
    """The dtype a snapshot entry is held in: ``dtype`` itself, or per parameter (by the key's index)."""
    if isinstance(dtype, (list, tuple)):
        return np.dtype(dtype[int(key.rsplit(".", 1)[1])])
    return np.dtype(dtype)


def tolerances(expected: np.ndarray, actual_dtype) -> tuple[float, float]:
    if np.dtype(actual_dtype) == np.float64:
        return RTOL64, ATOL64
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    return RTOL32, ATOL32 * max(1.0, scale / ATOL32_SCALE)


def assert_snapshots_close(actual: dict, expected: dict, *, dtype, where: str, label: str = "",
                           required=None, expected_is_float32: bool = False) -> None:
    """Every key of ``expected`` must be in ``actual`` and agree: float64 to rtol=atol=1e-12,
    float32 arrays to docs/semantics.md §5's 1000-step tolerances; step counters exactly;
    float64 scalar state (NAdam's mu_product, computed in float64 for both dtypes) to 1e-12.

    ``expected_is_float32``: the expected values are themselves a float32 run (torch's), not the
    float64 truth.  Each float32 run may be off the float64 trajectory by the float32 tolerance, so
    two of them may be twice that apart (triangle inequality; docs/semantics.md §5 measured torch-f32 vs
    numpy-f32 at about twice f32 vs f64, and 1.3e-4 relative was seen here on AdamW's v)."""
    for key in (required or ()):
        assert key in expected and key in actual, f"{where}: snapshot key {key!r} missing"
    assert expected, where
    for key, exp in expected.items():
        assert key in actual, f"{where}: {key!r} missing from the implementation's snapshot"
        act = actual[key]
        if key == "t":
            assert int(act) == int(exp), f"{where}: step counter {act} != {exp}"
            continue
        exp = np.asarray(exp, dtype=np.float64)
        act_arr = np.asarray(act)
        assert act_arr.shape == exp.shape, f"{where}: {key} has shape {act_arr.shape}, expected {exp.shape}"
        assert np.all(np.isfinite(exp)), f"{where}: the expected {key} is not finite (ill-posed case)"
        if key.startswith("scalar."):
            rtol, atol = RTOL64, ATOL64
        else:
            rtol, atol = tolerances(exp, _key_dtype(key, dtype))
            if expected_is_float32 and _key_dtype(key, dtype) == np.float32:
                rtol, atol = 2.0 * rtol, 2.0 * atol
        act64 = act_arr.astype(np.float64)
        if exp.size:
            diff = np.abs(act64 - exp)
            k = (label, _key_dtype(key, dtype).name if not key.startswith("scalar.") else "scalar", _kind(key))
            OBSERVED[k] = max(OBSERVED.get(k, 0.0), float(np.max(diff)))
            # The share of the tolerance used (assert_allclose fails above 1).
            k = k[:2] + (k[2] + " (share of tolerance)",)
            OBSERVED[k] = max(OBSERVED.get(k, 0.0), float(np.max(diff / (atol + rtol * np.abs(exp)))))
        np.testing.assert_allclose(act64, exp, rtol=rtol, atol=atol, err_msg=f"{where}: {key}")


def run_lockstep(impls: dict, problem_steps: int = STEPS, checkpoints=CHECKPOINTS, *, compare) -> None:
    """Step every implementation from t = 1 to ``problem_steps``; at each checkpoint call
    ``compare(t, snapshots)`` with the snapshots by implementation name."""
    for t in range(1, problem_steps + 1):
        for impl in impls.values():
            impl.step(t)
        if t in checkpoints:
            compare(t, {k: impl.snapshot() for k, impl in impls.items()})


_REFERENCE_CACHE: dict = {}


def reference_snapshots(name: str, case: Case, steps: int = STEPS, checkpoints=CHECKPOINTS) -> dict:
    """The float64 reference's snapshots at the checkpoints, by step.  Cached for the small
    explicit examples, which the class and kernel tests share in both dtypes (the reference is
    float64 either way); neither the large example (used once) nor random cases are cached."""
    key = (name, case.shapes, case.seed, tuple(sorted(case.hypers.items())), steps, tuple(checkpoints))
    if key in _REFERENCE_CACHE:
        return _REFERENCE_CACHE[key]
    problem = Problem(case.shapes, case.seed)
    ref = RefImpl(name, case.hypers, problem)
    snaps = {}
    for t in range(1, steps + 1):
        ref.step(t)
        if t in checkpoints:
            snaps[t] = ref.snapshot()
    if case.seed == EXPLICIT_SEEDS[0]:
        _REFERENCE_CACHE[key] = snaps
    return snaps


def required_keys(name: str, problem: Problem, *, doc_params: bool = True, scalars: bool = True) -> list[str]:
    """The keys a snapshot must carry for this optimizer (so a mapping can never be skipped)."""
    keys = ["t"] + [f"params.{i}" for i in range(len(problem.shapes))]
    if name == "nag" and doc_params:
        keys += [f"doc_params.{i}" for i in range(len(problem.shapes))]
    for s in ALGORITHMS[name]["arrays"]:
        keys += [f"state.{s}.{i}" for i in range(len(problem.shapes))]
    if scalars:
        keys += [f"scalar.{s}" for s in ALGORITHMS[name]["scalars"]]
    return keys


@contextlib.contextmanager
def default_dtype(dtype):
    """torch.set_default_dtype for a block, restored afterwards even on failure."""
    import torch

    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(old)
