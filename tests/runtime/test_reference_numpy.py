"""optforge's generated optimizers against the independent float64 NumPy references.

* Sanity checks of the references themselves against numbers stated in the docs.
* Every optimizer, class API and plain kernel function, float64 and float32, over 1000 steps of
  a parameter-dependent gradient, parameters and state compared at steps 1, 2, 10, 100, 1000
  (float64 to rtol=atol=1e-12; float32 against the float64 reference to docs/semantics.md §5's
  1000-step tolerances, rtol=1e-4, atol=5e-5 scaled with max|value|/4).
* Every optimizer, one step from an arbitrary state over the full hyperparameter domains
  (one-step tolerances: float64 1e-12, float32 rtol=2e-6, atol=1e-6).
* docs/semantics.md §1.7 (the c_t gap): from the same state, theta_doc = theta_t1 - c_t.
"""

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import _reference_helpers as H
import references as R

DTYPES = [np.float64, np.float32]
DTYPE_IDS = ["f64", "f32"]


@pytest.fixture(scope="module", autouse=True)
def _report_observed():
    yield
    H.write_observed_report()


# =========================================================== the references are not trivially wrong
def test_sgd_reference_by_hand():
    np.testing.assert_allclose(R.sgd_step(np.array([1.0, -2.0]), np.array([2.0, 0.5]), lr=0.1), [0.8, -2.05],
                               rtol=0, atol=1e-15)


def test_momentum_reference_by_hand_and_mu0_is_sgd():
    theta, v = np.array(1.0), np.array(0.0)
    theta, v = R.momentum_step(theta, v, np.array(2.0), lr=0.1, mu=0.5)  # v1 = 0.2
    theta, v = R.momentum_step(theta, v, np.array(-1.0), lr=0.1, mu=0.5)  # v2 = 0.1 - 0.1 = 0.0
    np.testing.assert_allclose([theta, v], [0.8, 0.0], rtol=0, atol=1e-15)
    th = np.linspace(-3, 3, 7)
    g = np.cos(th)
    np.testing.assert_array_equal(R.momentum_step(th, np.zeros(7), g, lr=0.01, mu=0.0)[0], R.sgd_step(th, g, lr=0.01))


def test_nag_reference_uses_the_lookahead_point_and_the_stored_form():
    theta, v, lr, mu = np.array([1.0, -2.0]), np.array([0.3, -0.1]), 0.05, 0.9
    seen = []

    def grad_at(x):
        seen.append(x.copy())
        return 3.0 * x - 1.0

    new_theta, new_v = R.nag_step(theta, v, grad_at, lr=lr, mu=mu)
    np.testing.assert_allclose(seen[0], theta - mu * v, rtol=0, atol=1e-15)
    g = 3.0 * (theta - mu * v) - 1.0
    np.testing.assert_allclose(new_v, mu * v + lr * g, rtol=0, atol=1e-15)
    # docs/semantics.md §1.1: phi_t = phi_{t-1} - (1+mu) eta g_t - mu^2 v_{t-1}, with phi = theta - mu v.
    phi_prev, phi_new = theta - mu * v, new_theta - mu * new_v
    np.testing.assert_allclose(phi_new, phi_prev - (1 + mu) * lr * g - mu**2 * v, rtol=0, atol=1e-14)
    # Corollary: with a gradient stream that does not depend on theta, NAG's theta is Momentum's.
    a, b = np.array([0.5, 4.0]), np.array([0.5, 4.0])
    va, vb = np.zeros(2), np.zeros(2)
    for t in range(1, 30):
        gt = np.array([math.sin(t), math.cos(2 * t)])
        a, va = R.nag_step(a, va, lambda x: gt, lr=lr, mu=mu)
        b, vb = R.momentum_step(b, vb, gt, lr=lr, mu=mu)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)
    assert not np.allclose(a - mu * va, b, atol=1e-6)  # the stored variables do differ


def test_adagrad_references_eps_placement_and_vanishing_steps():
    g, lr = np.array([1e-6, -3.0]), 0.1
    out, G = R.adagrad_step(np.zeros(2), np.zeros(2), g, lr=lr, eps=1e-10)
    inn, G2 = R.adagrad_eps_in_sqrt_step(np.zeros(2), np.zeros(2), g, lr=lr, eps=1e-10)
    np.testing.assert_allclose(G, g * g, rtol=1e-15)
    np.testing.assert_allclose(G2, g * g, rtol=1e-15)
    np.testing.assert_allclose(out, [-lr * 1e-6 / (1e-6 + 1e-10), lr * 3 / (3 + 1e-10)], rtol=1e-12)  # outside
    np.testing.assert_allclose(inn, [-lr * 1e-6 / math.sqrt(1e-12 + 1e-10), lr * 3 / math.sqrt(9 + 1e-10)],
                               rtol=1e-12)  # eps inside sqrt
    assert abs(inn[0]) < 0.11 * abs(out[0])
    # Constant gradient: the t-th step is lr*|g|/(sqrt(t)|g| + eps) ~ lr/sqrt(t).
    theta, G = np.array(0.0), np.array(0.0)
    for t in range(1, 101):
        new, G = R.adagrad_step(theta, G, np.array(2.0), lr=lr, eps=1e-10)
        np.testing.assert_allclose(theta - new, lr / math.sqrt(t), rtol=1e-9)
        theta = new


def test_adadelta_reference_first_steps():
    rho, eps, g = 0.95, 1e-6, np.array([2.0, -0.5])
    theta, Eg2, Ed2 = R.adadelta_step(np.zeros(2), np.zeros(2), np.zeros(2), g, rho=rho, eps=eps)
    d1 = -math.sqrt(eps) / np.sqrt((1 - rho) * g * g + eps) * g
    np.testing.assert_allclose(Eg2, (1 - rho) * g * g, rtol=1e-15)
    np.testing.assert_allclose(theta, d1, rtol=1e-14)
    np.testing.assert_allclose(Ed2, (1 - rho) * d1 * d1, rtol=1e-14)
    # No learning rate, and the steps do not vanish for a constant gradient (unlike AdaGrad's).
    steps = []
    for _ in range(2000):
        new, Eg2, Ed2 = R.adadelta_step(theta, Eg2, Ed2, g, rho=rho, eps=eps)
        steps.append(np.abs(new - theta))
        theta = new
    assert np.all(steps[-1] >= steps[100])


def test_rmsprop_reference_first_step():
    g, lr, alpha, eps = np.array([2.0, -0.5]), 0.01, 0.99, 1e-8
    theta, v = R.rmsprop_step(np.ones(2), np.zeros(2), g, lr=lr, alpha=alpha, eps=eps)
    np.testing.assert_allclose(v, 0.01 * g * g, rtol=1e-14)
    np.testing.assert_allclose(theta, 1 - lr * g / (0.1 * np.abs(g) + eps), rtol=1e-14)


@pytest.mark.parametrize("b1,b2", [(0.9, 0.999), (0.0, 0.5), (0.99, 0.9)])
def test_adam_reference_first_step_is_lr_sign_g(b1, b2):
    g = np.array([3.0, -0.25, 1e-2, -7.0])
    lr = 1e-3
    theta, m, v = R.adam_step(np.ones(4), np.zeros(4), np.zeros(4), g, 1, lr=lr, b1=b1, b2=b2, eps=1e-8)
    np.testing.assert_allclose(theta, 1 - lr * np.sign(g), rtol=0, atol=lr * 1e-5)
    np.testing.assert_allclose(m, (1 - b1) * g, rtol=1e-15)
    np.testing.assert_allclose(v, (1 - b2) * g * g, rtol=1e-15)


def test_adam_reference_bias_correction_for_a_constant_gradient():
    # docs/algorithms.md §7: for a constant gradient mhat_t = g and vhat_t = g^2 for every t, so every
    # step is lr*g/(|g| + eps).
    g, lr, eps = np.array([0.5, -2.0]), 1e-2, 1e-8
    theta, m, v = np.zeros(2), np.zeros(2), np.zeros(2)
    for t in range(1, 101):
        new, m, v = R.adam_step(theta, m, v, g, t, lr=lr, b1=0.9, b2=0.999, eps=eps)
        np.testing.assert_allclose(theta - new, lr * g / (np.abs(g) + eps), rtol=1e-10)
        theta = new


def test_adamw_reference_is_adam_plus_decoupled_decay():
    rng = np.random.default_rng(0)
    theta, m, v, g = rng.normal(size=5), rng.normal(size=5), rng.uniform(0, 2, 5), rng.normal(size=5)
    kw = dict(lr=1e-2, b1=0.8, b2=0.99, eps=1e-8)
    a = R.adam_step(theta, m, v, g, 7, **kw)
    w0 = R.adamw_step(theta, m, v, g, 7, lam=0.0, **kw)
    w = R.adamw_step(theta, m, v, g, 7, lam=0.3, **kw)
    for x, y in zip(a, w0):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_allclose(w[0], a[0] - 1e-2 * 0.3 * theta, rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(w[1], a[1])


def test_nadam_references_first_steps_match_semantics_17():
    # docs/semantics.md §1.7: first step, document 1.9*lr*sign(g); exponent t+1 (1 + b1/(1+b1))*lr*sign(g).
    g, lr = np.array([2.0, -0.3]), 1e-3
    kw = dict(lr=lr, b1=0.9, b2=0.999, eps=1e-8)
    doc = R.nadam_step(np.zeros(2), np.zeros(2), np.zeros(2), g, 1, **kw)[0]
    t1 = R.nadam_t1_step(np.zeros(2), np.zeros(2), np.zeros(2), g, 1, **kw)[0]
    np.testing.assert_allclose(-doc, 1.9 * lr * np.sign(g), rtol=1e-7)
    np.testing.assert_allclose(-t1, (1 + 0.9 / 1.9) * lr * np.sign(g), rtol=1e-7)
    # Dropping the Nesterov term gives Adam back (docs/algorithms.md §5): b1*mhat + (1-b1)*g/(1-b1^t) -> mhat.
    rng = np.random.default_rng(1)
    th, m, v, gg = rng.normal(size=4), rng.normal(size=4), rng.uniform(0, 1, 4), rng.normal(size=4)
    d = R.nadam_step(th, m, v, gg, 5, **kw)
    a = R.adam_step(th, m, v, gg, 5, **kw)
    m5, v5 = 0.9 * m + 0.1 * gg, 0.999 * v + 0.001 * gg * gg
    denom = np.sqrt(v5 / (1 - 0.999**5)) + 1e-8
    nesterov = 0.9 * m5 / (1 - 0.9**5) + 0.1 * gg / (1 - 0.9**5)
    np.testing.assert_allclose(th - d[0], lr * nesterov / denom, rtol=1e-12)
    np.testing.assert_allclose(th - a[0], lr * (m5 / (1 - 0.9**5)) / denom, rtol=1e-12)


def test_nadam_scheduled_reference_schedule_and_psi_inf_limit():
    # docs/semantics.md §1.7: psi = 4e-3, b1 = 0.9 gives mu_1 = 0.450, mu_1000 = 0.518.
    assert R.nadam_mu(1, b1=0.9, psi=4e-3) == pytest.approx(0.450, abs=5e-4)
    assert R.nadam_mu(1000, b1=0.9, psi=4e-3) == pytest.approx(0.518, abs=5e-4)
    psi = R.constant_mu_psi()
    assert R.nadam_mu(1, b1=0.9, psi=psi) == 0.9 and psi < 1e3
    # With mu_t == b1 the schedule form is the exponent-(t+1) form, mu_product = b1^t.
    rng = np.random.default_rng(2)
    a = b = rng.normal(size=6)
    ma = mb = va = vb = np.zeros(6)
    mu_product = 1.0
    for t in range(1, 60):
        g = rng.normal(size=6)
        a, ma, va, mu_product = R.nadam_scheduled_step(a, ma, va, mu_product, g, t, lr=1e-2, b1=0.9, b2=0.99,
                                                       eps=1e-8, psi=psi)
        b, mb, vb = R.nadam_t1_step(b, mb, vb, g, t, lr=1e-2, b1=0.9, b2=0.99, eps=1e-8)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert mu_product == pytest.approx(0.9**59, rel=1e-12)


def test_reference_runner_matches_the_step_functions():
    """The multi-parameter runner that the comparisons use is the step functions, per parameter."""
    problem = H.Problem([(3,), ()], seed=5)
    h = dict(lr=1e-2, b1=0.8, b2=0.99, eps=1e-8, psi=0.1)
    ref = R.Reference("nadam_scheduled", h, problem.initial(np.float64))
    th = problem.initial(np.float64)
    m = [np.zeros(s) for s in problem.shapes]
    v = [np.zeros(s) for s in problem.shapes]
    mu_product = 1.0
    for t in range(1, 6):
        ref.step(problem.grad)
        new_mu_product = None
        for i in range(2):
            th[i], m[i], v[i], new_mu_product = R.nadam_scheduled_step(th[i], m[i], v[i], mu_product,
                                                                       problem.grad(i, th[i], t), t, **h)
        mu_product = new_mu_product
    for i in range(2):
        np.testing.assert_array_equal(ref.theta[i], th[i])
        np.testing.assert_array_equal(ref.state["m"][i], m[i])
    assert ref.scalars["mu_product"] == mu_product and ref.t == 5


# ======================================================= 1000 steps: class API and plain functions
def _lockstep_check(name, dtype, case, impl_cls, label):
    expected = H.reference_snapshots(name, case)
    problem = H.Problem(case.shapes, case.seed)
    impl = impl_cls(name, case.hypers, problem, dtype, case.layout)
    required = H.required_keys(name, problem)
    for t in range(1, H.STEPS + 1):
        impl.step(t)
        if t in expected:
            H.assert_snapshots_close(impl.snapshot(), expected[t], dtype=dtype, required=required,
                                     label=f"{name}: {label}", where=f"{label} {name} {dtype} t={t} {case}")
    assert max(expected) == H.STEPS


# The parallel (prange) kernels are exercised over 1000 steps by the explicit large example of the
# float64 class test, and for both dtypes, class and plain function, by the explicit large example
# of test_one_step_full_domain.
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("name", H.NAMES)
def test_class_matches_numpy_reference_1000_steps(name, dtype):
    @H.ref_settings(max_examples=5)
    @given(case=H.cases(name, dtype))
    @example(case=H.small_example(name))
    @example(case=H.strided_example(name))
    def check(case):
        _lockstep_check(name, dtype, case, H.OptforgeImpl, "numpy-ref/class")

    if dtype == np.float64:
        check = example(case=H.large_example(name))(check)
    check()


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("name", H.NAMES)
def test_kernel_function_matches_numpy_reference_1000_steps(name, dtype):
    @H.ref_settings(max_examples=2)
    @given(case=H.cases(name, dtype))
    @example(case=H.small_example(name))
    def check(case):
        _lockstep_check(name, dtype, case, H.KernelImpl, "numpy-ref/kernel")

    check()


@pytest.mark.parametrize("name", H.NAMES)
def test_class_with_mixed_dtypes_matches_numpy_reference_1000_steps(name):
    """float32 and float64 parameters in one optimizer (one dtype group each): every parameter
    and its state to its own dtype's tolerance."""

    @H.ref_settings(max_examples=2)
    @given(case=H.cases(name, np.float32), data=st.data())
    @example(case=H.Case(shapes=((), (7,), (0,), (33,)), seed=H.EXPLICIT_SEEDS[0], hypers=dict(H.DEFAULTS[name])),
             data=None)
    def check(case, data):
        n = len(case.shapes)
        if data is None:
            dtypes = [np.float64, np.float32, np.float32, np.float64]
        else:
            dtypes = data.draw(st.lists(st.sampled_from([np.float32, np.float64]), min_size=n, max_size=n))
        _lockstep_check(name, dtypes, case, H.OptforgeImpl, "numpy-ref/class-mixed")

    check()


# ===================================================== one step from an arbitrary state, full domain
def _arbitrary_state(name, shape, rng, h):
    def nonneg(lo_exp, hi_exp):
        x = 10.0 ** rng.uniform(lo_exp, hi_exp, shape)
        return np.where(rng.random(shape) < 0.1, 0.0, x)

    make = {
        "v": (lambda: h.get("lr", 1.0) * rng.normal(0.0, 3.0, shape)) if name in ("momentum", "nag")
        else (lambda: nonneg(-8, 2)),
        "G": lambda: nonneg(-6, 3),
        "Eg2": lambda: nonneg(-8, 2),
        "Edtheta2": lambda: nonneg(-10, -1),
        "m": lambda: rng.normal(0.0, 2.0, shape),
    }
    return {s: make[s]() for s in R.ALGORITHMS[name]["arrays"]}


def _reference_one_step(name, h, theta, g, state, t, mu_product):
    """The reference's step from (theta, state) in float64; NAG in the stored form phi."""
    s = dict(state)
    if name == "sgd":
        return {"theta": R.sgd_step(theta, g, **h)}
    if name == "momentum":
        th, s["v"] = R.momentum_step(theta, s["v"], g, **h)
    elif name == "nag":
        doc_theta = theta + h["mu"] * s["v"]  # phi -> theta

        def grad_at(x):
            np.testing.assert_allclose(x, theta, rtol=1e-14, atol=1e-14)  # the look-ahead point is phi
            return g

        doc_new, s["v"] = R.nag_step(doc_theta, s["v"], grad_at, **h)
        th = doc_new - h["mu"] * s["v"]
    elif name in ("adagrad", "adagrad_eps_in_sqrt"):
        fn = R.adagrad_step if name == "adagrad" else R.adagrad_eps_in_sqrt_step
        th, s["G"] = fn(theta, s["G"], g, **h)
    elif name == "adadelta":
        th, s["Eg2"], s["Edtheta2"] = R.adadelta_step(theta, s["Eg2"], s["Edtheta2"], g, **h)
    elif name == "rmsprop":
        th, s["v"] = R.rmsprop_step(theta, s["v"], g, **h)
    elif name == "nadam_scheduled":
        th, s["m"], s["v"], mu_product = R.nadam_scheduled_step(theta, s["m"], s["v"], mu_product, g, t, **h)
    else:
        fn = {"adam": R.adam_step, "adamw": R.adamw_step, "nadam": R.nadam_step, "nadam_t1": R.nadam_t1_step}[name]
        th, s["m"], s["v"] = fn(theta, s["m"], s["v"], g, t, **h)
    out = {"theta": th, **s}
    if name == "nadam_scheduled":
        out["mu_product"] = mu_product
    return out


def _one_step_tolerances(expected, dtype):
    if np.dtype(dtype) == np.float64:
        return 1e-12, 1e-12
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    return 2e-6, 1e-6 * max(1.0, scale / 4.0)  # docs/semantics.md §5, one step from an arbitrary state


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("name", H.NAMES)
def test_one_step_full_domain(name, dtype):
    """Plain function and class API (state loaded through load_state_dict), one step at step t from
    an arbitrary state, hyperparameters over their whole domains (decay rates from 0)."""

    @H.ref_settings(max_examples=15)
    @given(h=H.hyper_strategy(name, "full"), shape=st.sampled_from(H.SMALL_SHAPES), seed=st.integers(0, 2**32 - 1),
           t=st.integers(1, 3000))
    @example(h=dict(H.DEFAULTS[name]), shape=H.LARGE_SHAPE, seed=3, t=1)
    def check(h, shape, seed, t):
        rng = np.random.default_rng(seed)
        # np.array(..., dtype): 0-d results of NumPy arithmetic are scalars, and optforge takes arrays.
        theta = np.array(rng.uniform(-4.0, 4.0, shape), dtype=dtype)
        g = np.array(rng.normal(0.0, 3.0, shape) * 10.0 ** rng.uniform(-4, 0, shape), dtype=dtype)
        state = {k: np.array(a, dtype=dtype) for k, a in _arbitrary_state(name, shape, rng, h).items()}
        mu_product = 1.0
        if name == "nadam_scheduled":
            for i in range(1, t):
                mu_product *= R.nadam_mu(i, b1=h["b1"], psi=h["psi"])
        f64 = {k: np.array(a, dtype=np.float64) for k, a in state.items()}
        exp = _reference_one_step(name, h, np.array(theta, dtype=np.float64), np.array(g, dtype=np.float64), f64, t,
                                  mu_product)

        # Plain kernel function.
        k_theta, k_state = theta.copy(), {k: a.copy() for k, a in state.items()}
        fn = H.kernel_function(name)
        arrays = [k_state[s] for s in R.ALGORITHMS[name]["arrays"]]
        if name == "nadam_scheduled":
            k_mu = fn(k_theta, g, *arrays, t, mu_product, **h)
            np.testing.assert_allclose(k_mu, exp["mu_product"], rtol=1e-12, atol=0)
        else:
            assert fn(k_theta, g, *arrays, t, **h) is None

        # Class API from a checkpoint holding the same state at step t - 1.
        c_theta = theta.copy()
        opt = H.optforge_class(name)([c_theta], **H.optforge_kwargs(name, h))
        sd = opt.state_dict()
        assert sd["step"] == 0
        sd["step"] = t - 1
        for s in R.ALGORITHMS[name]["arrays"]:
            sd[f"state.{s}.0"] = state[s].copy()
        if name == "nadam_scheduled":
            sd["scalar.mu_product"] = mu_product
        opt.load_state_dict(sd)
        opt.step([g])
        assert opt.t == t
        if name == "nadam_scheduled":
            np.testing.assert_allclose(opt.state_dict()["scalar.mu_product"], exp["mu_product"], rtol=1e-12, atol=0)

        for label, got_theta, got_state in (("kernel", k_theta, k_state),
                                            ("class", c_theta, {s: opt.state_arrays[s][0] for s in state})):
            for key, want in exp.items():
                if key == "mu_product":
                    continue
                got = got_theta if key == "theta" else got_state[key]
                want = np.asarray(want, dtype=np.float64)
                assert got.dtype == np.dtype(dtype) and got.shape == want.shape
                assert np.all(np.isfinite(want))
                rtol, atol = _one_step_tolerances(want, dtype)
                np.testing.assert_allclose(got.astype(np.float64), want, rtol=rtol, atol=atol,
                                           err_msg=f"{label} {name} {key} t={t} h={h}")

    check()


# ========================================================= docs/semantics.md §1.7: the c_t gap
def _nadam_state_strategy():
    return st.fixed_dictionaries(dict(
        lr=st.floats(-5, -1).map(lambda e: 10.0**e), b1=st.floats(0.05, 0.999), b2=st.floats(0.0, 0.9999),
        eps=st.floats(-12, -4).map(lambda e: 10.0**e)))


@H.ref_settings(max_examples=25)
@given(h=_nadam_state_strategy(), t=st.integers(1, 300), seed=st.integers(0, 2**32 - 1))
@example(h=dict(lr=1e-2, b1=0.9, b2=0.999, eps=1e-8), t=7, seed=0)
def test_nadam_document_is_t1_minus_c_t_from_the_same_state(h, t, seed):
    """docs/semantics.md §1.7 (the c_t gap), on the references and on the generated kernels nadam / nadam_t1 (float64)."""
    rng = np.random.default_rng(seed)
    theta, g, m = rng.uniform(-4, 4, 50), rng.normal(0, 2, 50), rng.normal(0, 1, 50)
    v = rng.uniform(0, 4, 50)
    doc, m_doc, v_doc = R.nadam_step(theta, m, v, g, t, **h)
    t1, m_t1, v_t1 = R.nadam_t1_step(theta, m, v, g, t, **h)
    np.testing.assert_array_equal(m_doc, m_t1)
    np.testing.assert_array_equal(v_doc, v_t1)
    c_t = R.nadam_t1_gap(m_doc, v_doc, t, **h)
    np.testing.assert_allclose(doc, t1 - c_t, rtol=1e-12, atol=1e-12)

    from optforge.generated.nadam import nadam
    from optforge.generated.nadam_t1 import nadam_t1

    kd, kmd, kvd = theta.copy(), m.copy(), v.copy()
    k1, km1, kv1 = theta.copy(), m.copy(), v.copy()
    nadam(kd, g, kmd, kvd, t, **h)
    nadam_t1(k1, g, km1, kv1, t, **h)
    np.testing.assert_allclose(kd, doc, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(k1, t1, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(kd, k1 - R.nadam_t1_gap(kmd, kvd, t, **h), rtol=1e-12, atol=1e-12)
    if t == 7 and h["b1"] == 0.9:
        assert np.max(np.abs(doc - t1)) > 1e-6  # the gap is real (docs/semantics.md §1.7: 4.2e-5 at t = 7)
