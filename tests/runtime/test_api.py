"""The public API: construction, stepping, checkpoints, and one refusal test per bad input."""

import re
import subprocess
import sys

import numpy as np
import pytest

import optforge
from optforge import NAG, SGD, Adadelta, Adam, AdamW, NAdamScheduled
import importlib

adam_module = importlib.import_module("optforge.generated.adam")


def make(shape=(3, 4), dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------- hyperparameters
@pytest.mark.parametrize("kwargs,message", [
    ({"lr": -1e-3}, "Adam: lr=-0.001 is outside its domain 0.0 <= lr"),
    ({"betas": (1.0, 0.999)}, "Adam: betas[0]=1.0 is outside its domain 0.0 <= b1 < 1.0"),
    ({"betas": (0.9, -0.1)}, "Adam: betas[1]=-0.1 is outside its domain 0.0 <= b2 < 1.0"),
    ({"eps": 0.0}, "Adam: eps=0.0 is outside its domain 0.0 < eps"),
    ({"lr": float("nan")}, "Adam: lr=nan is outside its domain"),
])
def test_hyperparameter_outside_domain(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Adam([make()], **kwargs)


def test_lr_0_is_a_step_that_moves_nothing_but_the_state():
    p = np.ones(3)
    opt = Adam([p], lr=0.0)
    opt.step([np.full(3, 2.0)])
    assert np.array_equal(p, np.ones(3)) and np.allclose(opt.state_arrays["m"][0], 0.2)


def test_weight_decay_domain():
    with pytest.raises(ValueError, match=re.escape("AdamW: weight_decay=-0.01 is outside its domain 0.0 <= lam")):
        AdamW([make()], weight_decay=-0.01)


def test_betas_must_be_a_pair():
    with pytest.raises(TypeError, match=re.escape("Adam: betas must be a tuple of 2 numbers, got 0.9")):
        Adam([make()], betas=0.9)


@pytest.mark.parametrize("cls, kwargs, expected", [
    # torch's initial_accumulator_value sets the state's start, which no spec declares as a hyperparameter
    ("Adagrad", {"initial_accumulator_value": 0.1}, [
        "Adagrad has no keyword argument 'initial_accumulator_value' (it takes params, eps, lr)",
        "torch.optim.Adagrad with initial_accumulator_value=0.0 fixed"]),
    ("AdagradEpsInSqrt", {"weight_decay": 1e-4}, ["weight_decay is a keyword of optforge.AdamW"]),
    ("AdamW", {"betas1": 0.9}, ["AdamW has no keyword argument 'betas1'", "no optforge optimizer of this kind"]),
])
def test_a_keyword_no_form_takes_says_what_to_use(cls, kwargs, expected):
    # torch.optim's options (weight_decay, amsgrad, nesterov, lr of Adadelta...) choose a form instead:
    # tests/runtime/test_numpy_torch_options.py
    with pytest.raises(TypeError) as info:
        getattr(optforge, cls)([make()], **kwargs)
    for text in expected:
        assert text in str(info.value), str(info.value)


def test_help_shows_each_hyperparameters_own_documentation():
    assert Adam.lr.__doc__ == "learning rate (step size) (default 0.001; 0.0 <= lr)"
    assert Adam.betas.__doc__.startswith("(b1, b2): b1: decay rate of the first-moment average, default 0.9")
    import pydoc

    text = pydoc.render_doc(Adam, renderer=pydoc.plaintext)
    assert "added to the denominator against division by zero (default 1e-08; 0.0 < eps)" in text
    assert "methodcaller" not in text
    opt = Adam([make()], lr=0.1)  # the properties still read and set
    opt.lr = 0.2
    assert opt.lr == 0.2


def test_setting_a_bad_hyperparameter_changes_nothing():
    opt = Adam([make()], lr=1e-3)
    with pytest.raises(ValueError, match="outside its domain"):
        opt.lr = -1.0
    assert opt.lr == 1e-3


# ------------------------------------------------------------------- bad arrays
def test_grad_count_mismatch():
    opt = SGD([make(), make()])
    with pytest.raises(ValueError, match=re.escape("SGD: got 1 gradients for 2 parameters")):
        opt.step([make()])


def test_grad_shape_mismatch_touches_nothing():
    p0, p1 = make(seed=1), make(seed=2)
    before = [p0.copy(), p1.copy()]
    opt = Adam([p0, p1])
    with pytest.raises(ValueError, match=re.escape("Adam: grads[1] has shape (4, 3), params[1] has shape (3, 4)")):
        opt.step([make(), make((4, 3))])
    assert np.array_equal(p0, before[0]) and np.array_equal(p1, before[1])
    assert opt.t == 0 and not opt.state_arrays["m"][0].any()


def test_grad_dtype_mismatch():
    opt = SGD([make()])
    with pytest.raises(TypeError, match=re.escape("SGD: grads[0] has dtype float32, params[0] has dtype float64")):
        opt.step([make(dtype=np.float32)])


def test_integer_params_refused():
    with pytest.raises(TypeError, match=re.escape("SGD: params[0] has dtype int64 (integer); the kernels support "
                                                  "float32 and float64 only")):
        SGD([np.arange(6)])


def test_float16_params_refused():
    with pytest.raises(TypeError, match=re.escape("params[0] has dtype float16")):
        SGD([np.zeros(3, np.float16)])


def test_same_array_twice_refused():
    p = make()
    with pytest.raises(ValueError, match=re.escape("SGD: params[0] and params[1] are the same array")):
        SGD([p, p])


def test_overlapping_views_refused():
    base = np.zeros(10)
    with pytest.raises(ValueError, match=re.escape("SGD: params[0] and params[1] are overlapping memory")):
        SGD([base[:6], base[4:]])


def test_disjoint_views_of_one_buffer_are_fine():
    base = np.zeros(10)
    opt = SGD([base[:5], base[5:]], lr=1.0)
    opt.step([np.ones(5), 2 * np.ones(5)])
    assert np.array_equal(base, np.r_[-np.ones(5), -2 * np.ones(5)])


def test_read_only_params_refused():
    p = make()
    p.flags.writeable = False
    with pytest.raises(ValueError, match=re.escape("SGD: params[0] is read-only")):
        SGD([p])


def test_non_contiguous_params_refused():
    p = make((4, 6))[:, ::2]
    with pytest.raises(ValueError, match=re.escape("SGD: params[0] is not C-contiguous")):
        SGD([p])


def test_non_contiguous_grads_are_read_correctly():
    p = np.zeros((3, 4))
    g_full = make((3, 8))
    opt = SGD([p], lr=1.0)
    opt.step([g_full[:, ::2]])
    assert np.array_equal(p, -g_full[:, ::2])


def test_params_must_be_arrays():
    with pytest.raises(TypeError, match=re.escape("SGD: params[0] must be a numpy.ndarray, got list")):
        SGD([[1.0, 2.0]])
    with pytest.raises(TypeError, match="params must be a list of arrays, not a single array"):
        SGD(make())


def test_grads_must_be_a_list():
    opt = SGD([make()])
    with pytest.raises(TypeError, match="grads must be a list of arrays"):
        opt.step(make())


# ------------------------------------------------------------------ semantics
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_gradients_propagate(bad):
    p = np.ones(4)
    g = np.ones(4)
    g[2] = bad
    opt = Adam([p], lr=0.1)
    opt.step([g])
    assert np.isnan(p[2])  # m/(sqrt(v)+eps) is inf/inf = nan for Inf, nan for NaN, as in PyTorch
    assert np.all(np.isfinite(p[[0, 1, 3]]))
    assert not np.isfinite(opt.state_arrays["m"][0][2])


def test_numpy_scalar_gradient_for_a_0d_param():
    p = np.array(1.5)
    opt = SGD([p], lr=0.5)
    opt.step([2.0 * p])  # a numpy.float64, not a 0-d array
    assert p == 1.5 - 0.5 * 3.0
    with pytest.raises(TypeError, match=re.escape("SGD: grads[0] must be a numpy.ndarray, got float")):
        opt.step([2.0])  # a Python float is still refused
    q = np.ones(2)
    with pytest.raises(TypeError, match=re.escape("SGD: grads[0] must be a numpy.ndarray, got float64")):
        SGD([q]).step([np.float64(1.0)])  # a scalar for a 1-d param is refused


def test_scalar_and_empty_params():
    s, e = np.array(1.0), np.zeros((0, 3))
    opt = SGD([s, e], lr=0.5)
    opt.step([np.array(2.0), np.zeros((0, 3))])
    assert s == 0.0 and e.shape == (0, 3)


def test_schedule_does_not_recompile():
    p = make(dtype=np.float32)
    opt = Adam([p])
    opt.step([make(dtype=np.float32)])
    before = len(adam_module.adam_serial.signatures)
    for lr in (1e-2, 3e-3, 1e-4):
        opt.lr = lr
        opt.step([make(dtype=np.float32)])
    assert len(adam_module.adam_serial.signatures) == before


def test_float32_loop_has_no_double_arithmetic():
    # Compile the generated source afresh (cached code cannot be inspected) with the same options.
    import numba

    kernel = numba.njit(error_model="numpy")(adam_module.adam_serial.py_func)
    x = make(dtype=np.float32)
    kernel(x.reshape(-1), x.reshape(-1).copy(), np.zeros(12, np.float32), np.zeros(12, np.float32), *([0.5] * 8))
    ir = kernel.inspect_llvm(kernel.signatures[0])
    assert re.search(r"fmul (fast )?(<\d+ x )?float", ir)
    assert not re.search(r"f(mul|add|sub|div) (fast )?(<\d+ x )?double", ir)


def test_resume_is_bitwise_identical_through_savez(tmp_path):
    rng = np.random.default_rng(3)
    grads = [[rng.standard_normal((5, 7)).astype(np.float32), rng.standard_normal(3).astype(np.float32)]
             for _ in range(20)]
    a = [make((5, 7), np.float32, 4), make(3, np.float32, 5)]
    b = [x.copy() for x in a]
    full = NAdamScheduled(a, lr=1e-2)
    for g in grads:
        full.step(g)
    first = NAdamScheduled(b, lr=1e-2)
    for g in grads[:8]:
        first.step(g)
    np.savez(tmp_path / "ckpt.npz", **first.state_dict())
    resumed = NAdamScheduled(b, lr=1e-2)
    resumed.load_state_dict(np.load(tmp_path / "ckpt.npz"))
    for g in grads[8:]:
        resumed.step(g)
    assert resumed.t == full.t == 20
    for x, y in zip(a, b):
        assert np.array_equal(x, y)
    assert resumed.state_dict()["scalar.mu_product"] == full.state_dict()["scalar.mu_product"]


def test_load_refuses_another_optimizer():
    d = Adam([make()]).state_dict()
    with pytest.raises(ValueError, match="the checkpoint is for optimizer 'adam', not 'adamw'"):
        AdamW([make()]).load_state_dict(d)


def test_load_refuses_mismatched_shapes_and_changes_nothing():
    opt = Adam([make()])
    opt.step([make()])
    m_before = opt.state_arrays["m"][0].copy()
    d = Adam([make((2, 2))]).state_dict()
    with pytest.raises(ValueError, match=re.escape("checkpoint state.m.0 is array of shape (2, 2)")):
        opt.load_state_dict(d)
    assert np.array_equal(opt.state_arrays["m"][0], m_before) and opt.t == 1


def test_nag_document_params():
    phi = np.array([1.0, -2.0])
    opt = NAG([phi], lr=0.1, momentum=0.9)
    opt.step([np.array([1.0, 1.0])])
    v = opt.state_arrays["v"][0]
    assert np.allclose(v, [0.1, 0.1])
    # document: theta_1 = theta_0 - v_1, and phi = theta - mu v
    assert np.allclose(opt.document_params()[0], [1.0 - 0.1, -2.0 - 0.1])
    assert np.allclose(phi, opt.document_params()[0] - 0.9 * v)


def test_plain_kernel_function():
    from optforge.generated.adam import adam

    theta, m, v = np.ones(5), np.zeros(5), np.zeros(5)
    adam(theta, np.full(5, 2.0), m, v, t=1, lr=0.1)
    assert np.allclose(theta, 1 - 0.1 * 2.0 / (2.0 + 1e-8))
    with pytest.raises(ValueError, match="adam: lr=-1 is outside its domain|Adam: lr=-1 is outside its domain"):
        adam(theta, np.ones(5), m, v, t=2, lr=-1)


def test_optimizers_by_name():
    assert optforge.get_optimizer("nadam_t1") is optforge.NAdamT1
    with pytest.raises(KeyError, match="no optimizer named 'nadam2'"):
        optforge.get_optimizer("nadam2")


def test_import_does_not_load_sympy_or_jinja2():
    code = ("import sys, numpy as np; from optforge import AdamW; o = AdamW([np.ones(3)]); o.step([np.ones(3)]); "
            "print(sorted(m for m in ('sympy', 'jinja2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------- checkpoints that cannot load wrong
def _trained(n=3):
    opt = Adam([make((4,)) for _ in range(n)], lr=0.1)
    opt.step([make((4,), seed=k + 1) for k in range(n)])
    return opt


def _unchanged(opt, before):
    return all(np.array_equal(a, b) for name in ("m", "v") for a, b in zip(opt.state_arrays[name], before[name]))


@pytest.mark.parametrize("bad, kind, message", [
    ("a string", TypeError, "load_state_dict takes the mapping state_dict() made"),
    (None, TypeError, "got NoneType"),
])
def test_load_state_dict_refuses_what_is_not_a_checkpoint(bad, kind, message):
    opt = _trained()
    with pytest.raises(kind, match=re.escape(message)):
        opt.load_state_dict(bad)


def test_a_checkpoint_of_more_parameters_is_refused_whole():
    opt = _trained(2)
    before = {k: [a.copy() for a in v] for k, v in opt.state_arrays.items()}
    with pytest.raises(ValueError, match=r"checkpoint has \['state.m.2', 'state.v.2'\].*2 parameters"):
        opt.load_state_dict(_trained(3).state_dict())
    assert _unchanged(opt, before) and opt.t == 1


@pytest.mark.parametrize("value", [-1e-3, np.nan])
def test_a_negative_second_moment_is_refused(value):
    """v is declared nonnegative in the spec: a checkpoint breaking that would write NaN at the next step."""
    opt = _trained(1)
    sd = dict(opt.state_dict())
    sd["state.v.0"] = np.array([0.1, value, 0.2, 0.3])
    before = {k: [a.copy() for a in v] for k, v in opt.state_arrays.items()}
    with pytest.raises(ValueError, match="state.v.0 has negative or NaN values; v is declared nonnegative"):
        opt.load_state_dict(sd)
    assert _unchanged(opt, before)


def test_an_empty_parameter_list_is_refused_like_torch():
    with pytest.raises(ValueError, match="Adam: optimizer got an empty parameter list"):
        Adam([])


# ---------------------------------------------------------------- inputs that name themselves, and change nothing
@pytest.mark.parametrize("kwargs, kind, message", [
    ({"lr": "0.1"}, TypeError, "Adam: lr must be a real number, got '0.1'"),
    ({"lr": None}, TypeError, "Adam: lr must be a real number, got None"),
    ({"betas": (0.9, "x")}, TypeError, "Adam: betas[1] must be a real number, got 'x'"),
    ({"eps": [1e-8]}, TypeError, "Adam: eps must be a real number, got [1e-08]"),
])
def test_a_hyperparameter_of_the_wrong_type_names_itself(kwargs, kind, message):
    with pytest.raises(kind, match=re.escape(message)):
        Adam([make()], **kwargs)


@pytest.mark.parametrize("t, kind, message", [
    (0, ValueError, "adam: t=0 must be between 1 and 2**53"),
    (-1, ValueError, "adam: t=-1 must be between 1 and 2**53"),
    (2.5, ValueError, "adam: t must be a whole number >= 1, got 2.5"),
    (10**400, ValueError, "must be between 1 and 2**53"),
    ("3", TypeError, "adam: t must be a whole number >= 1, got '3'"),
    (float("nan"), ValueError, "adam: t must be a whole number >= 1, got nan"),
])
def test_the_plain_functions_refuse_a_bad_step_count_and_write_nothing(t, kind, message):
    theta, g, m, v = make((5,)), make((5,), seed=1), make((5,), seed=2), np.abs(make((5,), seed=3))
    before = [a.copy() for a in (theta, m, v)]
    with pytest.raises(kind, match=re.escape(message)):
        adam_module.adam(theta, g, m, v, t)
    assert all(np.array_equal(a, b) for a, b in zip((theta, m, v), before))


@pytest.mark.parametrize("step, kind, message", [
    (-5, ValueError, "Adam: checkpoint step=np.int64(-5) must be between 0 and 2**53"),
    (2.7, ValueError, "Adam: checkpoint step must be a whole number >= 0, got np.float64(2.7)"),
    (10**400, ValueError, "Adam: checkpoint step="),
    (float("nan"), ValueError, "Adam: checkpoint step must be a whole number >= 0, got np.float64(nan)"),
    ("a", TypeError, "Adam: checkpoint step must be a whole number >= 0"),
])
def test_a_checkpoint_step_that_is_not_a_step_count_is_refused_whole(step, kind, message):
    opt = _trained(1)
    sd = dict(opt.state_dict())
    sd["step"] = step
    before = {k: [a.copy() for a in v] for k, v in opt.state_arrays.items()}
    with pytest.raises(kind, match=re.escape(message)):
        opt.load_state_dict(sd)
    assert _unchanged(opt, before) and opt.t == 1
