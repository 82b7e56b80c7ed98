"""Adamax, AMSGrad and Lion against independent references: NumPy written from the papers, and
torch.optim.Adamax / Adam(amsgrad=True) / AdamW(amsgrad=True) with foreach=False (plus foreach=True)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from optforge import Adamax, AdamAMSGrad, AdamWAMSGrad, Lion
from references import adamax_ref, amsgrad_ref, lion_ref, objective_grad  # noqa: F401

STEPS = 1000
SHAPES = [(), (0,), (1,), (7,), (33, 3), (1000,)]


def run_optforge(cls, x0, steps, dtype, **kw):
    x = x0.astype(dtype)
    opt = cls([x], **kw)
    for t in range(1, steps + 1):
        opt.step([np.asarray(objective_grad(x.astype(np.float64), t), dtype=dtype)])
    return x, opt


def tol(dtype):
    return dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-4, atol=5e-5)


hyper = dict(lr=st.floats(1e-4, 1e-2), b1=st.floats(0.0, 0.95), b2=st.floats(0.5, 0.999))


@settings(max_examples=6, deadline=None)
@given(shape=st.sampled_from(SHAPES), dtype=st.sampled_from([np.float64, np.float32]), **hyper)
def test_adamax_vs_numpy(shape, dtype, lr, b1, b2):
    x0 = np.random.default_rng(0).uniform(-2, 2, shape)
    x, opt = run_optforge(Adamax, x0, STEPS, dtype, lr=lr, betas=(b1, b2), eps=1e-8)
    ref, state = adamax_ref(x0, STEPS, lr, b1, b2, 1e-8)
    np.testing.assert_allclose(x, ref, **tol(dtype))
    np.testing.assert_allclose(opt.state_arrays["u"][0], state["u"], **tol(dtype))


@settings(max_examples=6, deadline=None)
@given(shape=st.sampled_from(SHAPES), dtype=st.sampled_from([np.float64, np.float32]),
       wd=st.sampled_from([0.0, 0.1]), **hyper)
def test_amsgrad_vs_numpy(shape, dtype, wd, lr, b1, b2):
    x0 = np.random.default_rng(1).uniform(-2, 2, shape)
    if wd:
        x, opt = run_optforge(AdamWAMSGrad, x0, STEPS, dtype, lr=lr, betas=(b1, b2), eps=1e-8, weight_decay=wd)
    else:
        x, opt = run_optforge(AdamAMSGrad, x0, STEPS, dtype, lr=lr, betas=(b1, b2), eps=1e-8)
    ref, state = amsgrad_ref(x0, STEPS, lr, b1, b2, 1e-8, wd)
    np.testing.assert_allclose(x, ref, **tol(dtype))
    np.testing.assert_allclose(opt.state_arrays["vmax"][0], state["vmax"], **tol(dtype))


@settings(max_examples=6, deadline=None)
@given(shape=st.sampled_from(SHAPES), wd=st.sampled_from([0.0, 0.5]), **hyper)
def test_lion_vs_numpy(shape, wd, lr, b1, b2):
    # float64 only: sign() makes float32 trajectories diverge where c is within rounding of 0.
    x0 = np.random.default_rng(2).uniform(-2, 2, shape)
    x, opt = run_optforge(Lion, x0, STEPS, np.float64, lr=lr, betas=(b1, b2), weight_decay=wd)
    ref, state = lion_ref(x0, STEPS, lr, b1, b2, wd)
    np.testing.assert_allclose(x, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(opt.state_arrays["m"][0], state["m"], rtol=1e-12, atol=1e-12)


def test_lion_float32_first_steps():
    x0 = np.random.default_rng(3).uniform(-2, 2, 64)
    x, _ = run_optforge(Lion, x0, 20, np.float32, lr=1e-3, betas=(0.9, 0.99), weight_decay=0.1)
    ref, _ = lion_ref(x0, 20, 1e-3, 0.9, 0.99, 0.1)
    np.testing.assert_allclose(x, ref, rtol=1e-5, atol=1e-5)


def run_torch(make, x0, steps, dtype):
    p = torch.nn.Parameter(torch.tensor(x0, dtype=dtype))
    opt = make([p])
    for t in range(1, steps + 1):
        p.grad = torch.tensor(objective_grad(p.detach().double().numpy(), t), dtype=dtype)
        opt.step()
    return p.detach().numpy(), opt.state[p]


@pytest.mark.parametrize("foreach", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adamax_vs_torch(foreach, dtype):
    x0 = np.random.default_rng(4).uniform(-2, 2, (17, 5))
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    ref, state = run_torch(lambda ps: torch.optim.Adamax(ps, lr=3e-3, betas=(0.8, 0.99), eps=1e-8, weight_decay=0,
                                                         foreach=foreach), x0, STEPS, tdtype)
    x, opt = run_optforge(Adamax, x0, STEPS, dtype, lr=3e-3, betas=(0.8, 0.99), eps=1e-8)
    np.testing.assert_allclose(x, ref, **tol(dtype))
    np.testing.assert_allclose(opt.state_arrays["u"][0], state["exp_inf"].numpy(), **tol(dtype))
    np.testing.assert_allclose(opt.state_arrays["m"][0], state["exp_avg"].numpy(), **tol(dtype))


@pytest.mark.parametrize("path", [dict(foreach=False), dict(foreach=True), dict(fused=True)])
@pytest.mark.parametrize("decoupled", [False, True])
def test_amsgrad_vs_torch(path, decoupled):
    x0 = np.random.default_rng(5).uniform(-2, 2, (40, 3))
    if decoupled:
        make = lambda ps: torch.optim.AdamW(ps, lr=5e-3, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.05, amsgrad=True,
                                            **path)
        ours = dict(cls=AdamWAMSGrad, weight_decay=0.05)
    else:
        make = lambda ps: torch.optim.Adam(ps, lr=5e-3, betas=(0.9, 0.99), eps=1e-8, weight_decay=0, amsgrad=True,
                                           **path)
        ours = dict(cls=AdamAMSGrad)
    ref, state = run_torch(make, x0, STEPS, torch.float64)
    cls = ours.pop("cls")
    x, opt = run_optforge(cls, x0, STEPS, np.float64, lr=5e-3, betas=(0.9, 0.99), eps=1e-8, **ours)
    np.testing.assert_allclose(x, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(opt.state_arrays["vmax"][0], state["max_exp_avg_sq"].numpy(), rtol=1e-12, atol=1e-12)


def test_references_are_not_trivial():
    # Adamax's first step from zero state is lr * g/(|g| + eps): about lr * sign(g).
    x0 = np.array([1.0, -3.0])
    x1, _ = adamax_ref(x0, 1, 0.1, 0.9, 0.999, 1e-8)
    g = objective_grad(x0, 1)
    np.testing.assert_allclose(x1, x0 - 0.1 * np.sign(g), rtol=1e-7)
    # Lion moves every coordinate by exactly lr without weight decay.
    x1, _ = lion_ref(x0, 1, 0.01, 0.9, 0.99, 0.0)
    np.testing.assert_allclose(np.abs(x1 - x0), [0.01, 0.01], rtol=0, atol=1e-15)
