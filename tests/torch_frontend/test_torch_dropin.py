"""optforge.torch: drop-in torch.optim optimizers on the generated kernels, checked against torch.optim 2.13.

Trajectories: a small MLP (two parameter groups with their own hyperparameters, a 0-dim parameter and a
parameter that never gets a gradient) trained for 200 minibatch steps on a synthetic regression task,
from the same seed, with torch.optim.X (foreach=False) and optforge.torch.X: float64 to rtol = atol =
1e-12, float32 within rtol=1e-4, atol=5e-5 (docs/semantics.md §5; the module docstring of optforge.torch).
The document's NAdam has no torch counterpart and is compared with the document's formula written here
in torch ops.
"""

import copy
import io
import json
import math
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import optforge.torch as oft

HERE = Path(__file__).resolve().parent
STEPS = 200
BATCH = 32
F64_TOL = dict(rtol=1e-12, atol=1e-12)
F32_TOL = dict(rtol=1e-4, atol=5e-5)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """The MLP is tiny: intra-op threads only cost synchronisation (a lot on a busy machine)."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture
def default_dtype(request):
    """Run with torch's default dtype set (torch keeps step/mu_product in it); restored afterwards."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(getattr(request, "param", torch.float64))
    yield torch.get_default_dtype()
    torch.set_default_dtype(old)


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 8, generator=g, dtype=torch.float64)
    w = torch.randn(8, 1, generator=g, dtype=torch.float64)
    y = torch.sin(x @ w) + 0.1 * torch.randn(256, 1, generator=g, dtype=torch.float64)
    return x, y


X, Y = _data()


class MLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(8, 32)
        self.out = torch.nn.Linear(32, 1)
        self.scale = torch.nn.Parameter(torch.tensor(1.0))  # 0-dim
        self.unused = torch.nn.Parameter(torch.ones(3))  # never gets a gradient: must be skipped

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x))) * self.scale


def make_model(dtype, seed=1):
    torch.manual_seed(seed)
    return MLP().to(dtype)


def groups(model, group0):
    """Two groups; the first has its own hyperparameters."""
    return [{"params": list(model.hidden.parameters()), **group0},
            {"params": [*model.out.parameters(), model.scale, model.unused]}]


def batch(step, dtype):
    i = (step * BATCH) % X.shape[0]
    return X[i:i + BATCH].to(dtype), Y[i:i + BATCH].to(dtype)


def train(model, opt, steps, start=0, closure=False):
    dtype = next(model.parameters()).dtype
    losses = []
    for s in range(start, start + steps):
        x, y = batch(s, dtype)

        def loss_fn():
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            return loss

        if closure:
            losses.append(opt.step(loss_fn).item())
        else:
            losses.append(loss_fn().item())
            opt.step()
    return losses


def params_of(model):
    return [p.detach().clone() for p in model.parameters()]


def assert_params_close(a, b, **tol):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        torch.testing.assert_close(x, y, **tol)


# ----------------------------------------------------------------------------- the document's NAdam, in torch ops
class DocumentNAdam(torch.optim.Optimizer):
    """theta -= lr (b1 mhat + (1 - b1) g / (1 - b1^t)) / (sqrt(vhat) + eps): the reference for oft.NAdam."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            (b1, b2), lr, eps = group["betas"], group["lr"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st.update(step=torch.tensor(0.0), exp_avg=torch.zeros_like(p), exp_avg_sq=torch.zeros_like(p))
                st["step"] += 1
                t = st["step"].item()
                g = p.grad
                st["exp_avg"].mul_(b1).add_((1 - b1) * g)
                st["exp_avg_sq"].mul_(b2).add_((1 - b2) * g * g)
                mhat = st["exp_avg"] / (1 - b1 ** t)
                vhat = st["exp_avg_sq"] / (1 - b2 ** t)
                p.sub_(lr * (b1 * mhat + (1 - b1) * g / (1 - b1 ** t)) / (vhat.sqrt() + eps))


class DocumentMomentum(torch.optim.Optimizer):
    """v = mu v + lr g; theta -= v (the document's Momentum, lr inside the velocity)."""

    def __init__(self, params, lr, momentum):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                v = self.state[p].setdefault("v", torch.zeros_like(p))
                v.mul_(group["momentum"]).add_(group["lr"] * p.grad)
                p.sub_(v)


# ----------------------------------------------------------------------------- cases
def _torch(cls, **fixed):
    return lambda params, **kw: cls(params, **fixed, **kw)


# name: (reference factory, optforge factory, constructor kwargs, group-0 overrides)
CASES = {
    "SGD": (_torch(torch.optim.SGD, foreach=False), oft.SGD, dict(lr=0.05), dict(lr=0.02)),
    "Momentum": (_torch(torch.optim.SGD, foreach=False), oft.Momentum, dict(lr=0.05, momentum=0.9),
                 dict(lr=0.02, momentum=0.8)),
    "NAG": (_torch(torch.optim.SGD, foreach=False, nesterov=True), oft.NAG, dict(lr=0.05, momentum=0.9),
            dict(lr=0.02, momentum=0.8)),
    "Adagrad": (_torch(torch.optim.Adagrad, foreach=False), oft.Adagrad,
                dict(lr=0.03, lr_decay=1e-3, initial_accumulator_value=0.1), dict(lr=0.01, eps=1e-8)),
    "Adadelta": (_torch(torch.optim.Adadelta, foreach=False), oft.Adadelta, dict(rho=0.95, eps=1e-6),
                 dict(rho=0.9)),
    "RMSprop": (_torch(torch.optim.RMSprop, foreach=False), oft.RMSprop, dict(lr=1e-2, alpha=0.99),
                dict(lr=3e-3, alpha=0.9)),
    "Adam": (_torch(torch.optim.Adam, foreach=False), oft.Adam, dict(lr=1e-2), dict(lr=3e-3, betas=(0.8, 0.99))),
    "AdamW": (_torch(torch.optim.AdamW, foreach=False), oft.AdamW, dict(lr=1e-2, weight_decay=1e-2),
              dict(lr=3e-3, weight_decay=0.1)),
    "AdamAMSGrad": (_torch(torch.optim.Adam, foreach=False), oft.Adam, dict(lr=1e-2, amsgrad=True),
                    dict(lr=3e-3, betas=(0.8, 0.99))),
    "AdamWAMSGrad": (_torch(torch.optim.AdamW, foreach=False), oft.AdamW, dict(lr=1e-2, amsgrad=True),
                     dict(lr=3e-3, amsgrad=False)),  # one group each way
    "Adamax": (_torch(torch.optim.Adamax, foreach=False), oft.Adamax, dict(lr=1e-2),
               dict(lr=3e-3, betas=(0.8, 0.99), eps=1e-6)),
    "NAdamScheduled": (_torch(torch.optim.NAdam, foreach=False), oft.NAdamScheduled, dict(lr=1e-2),
                       dict(lr=3e-3, momentum_decay=1e-2)),
    "NAdamT1": (_torch(torch.optim.NAdam, foreach=False, momentum_decay=math.inf), oft.NAdamT1, dict(lr=1e-2),
                dict(lr=3e-3, betas=(0.8, 0.99))),
    "NAdam": (DocumentNAdam, oft.NAdam, dict(lr=1e-2), dict(lr=3e-3, betas=(0.8, 0.99))),
}
TORCH_CASES = [name for name in CASES if name != "NAdam"]


def run_pair(name, dtype, steps=STEPS):
    ref_cls, our_cls, kw, g0 = CASES[name]
    out = []
    for make in (ref_cls, our_cls):
        model = make_model(dtype)
        opt = make(groups(model, g0), **kw)
        train(model, opt, steps)
        out.append((model, opt))
    return out


# ----------------------------------------------------------------------------- trajectories
@pytest.mark.parametrize("default_dtype", [torch.float64, torch.float32], indirect=True, ids=["f64", "f32"])
@pytest.mark.parametrize("name", list(CASES))
def test_mlp_trajectory_matches_torch_optim(name, default_dtype):
    dtype = default_dtype
    (ref_model, ref_opt), (model, opt) = run_pair(name, dtype)
    fresh = make_model(dtype)
    init = params_of(fresh)
    tol = F64_TOL if dtype == torch.float64 else F32_TOL
    assert_params_close(params_of(model), params_of(ref_model), **tol)
    # The comparison means something: the trained parameters moved, and the gradient-less one did not.
    moved = max((a - b).abs().max().item() for a, b in zip(params_of(model), init))
    assert moved > 1e-2
    assert torch.equal(model.unused, fresh.unused)
    unused_state = opt.state.get(model.unused, {})
    assert not unused_state or unused_state["step"].item() == 0  # Adagrad creates its state eagerly, as torch
    if name == "NAdam":
        return
    # Same state, in torch's keys and layout (momentum_buffer = v / lr for the SGD family).
    ours, theirs = opt.state_dict(), ref_opt.state_dict()
    assert [list(g) for g in ours["param_groups"]] == [list(g) for g in theirs["param_groups"]]
    strip = lambda g: {k: v for k, v in g.items() if k != "foreach"}  # noqa: E731  (torch's was given False)
    assert [strip(g) for g in ours["param_groups"]] == [strip(g) for g in theirs["param_groups"]]
    assert list(ours["state"]) == list(theirs["state"])
    for i in theirs["state"]:
        assert list(ours["state"][i]) == list(theirs["state"][i])
        for k, v in theirs["state"][i].items():
            assert ours["state"][i][k].dtype == v.dtype and ours["state"][i][k].shape == v.shape, k
            torch.testing.assert_close(ours["state"][i][k], v, **tol)


@pytest.mark.parametrize("default_dtype", [torch.float64], indirect=True)
def test_large_parameter_uses_the_parallel_kernel(default_dtype):
    from optforge._engine import PARALLEL_MIN_SIZE
    from optforge.generated import adamw as gen  # maximize=False: the base kernel (optforge/_forms.py NEUTRAL)

    g = torch.Generator().manual_seed(3)
    p0 = torch.randn(256, 256, generator=g)
    assert p0.numel() >= PARALLEL_MIN_SIZE
    grads = [torch.randn(256, 256, generator=g) for _ in range(5)]
    results = []
    for make in (lambda ps: torch.optim.AdamW(ps, lr=1e-2, foreach=False), lambda ps: oft.AdamW(ps, lr=1e-2)):
        p = torch.nn.Parameter(p0.clone())
        opt = make([p])
        for gr in grads:
            p.grad = gr.clone()
            opt.step()
        results.append(p.detach())
    torch.testing.assert_close(results[1], results[0], **F64_TOL)
    assert any(sig[3].dtype.name == "float64" for sig in gen.adamw_multi_parallel.signatures)


@pytest.mark.parametrize("default_dtype", [torch.float64], indirect=True)
def test_step_closure_and_zero_grad(default_dtype):
    losses, models = [], []
    for make in (lambda ps: torch.optim.Adam(ps, lr=1e-2, foreach=False), lambda ps: oft.Adam(ps, lr=1e-2)):
        model = make_model(torch.float64)
        opt = make(model.parameters())
        losses.append(train(model, opt, 30, closure=True))
        models.append(model)
        opt.zero_grad(set_to_none=False)  # zero gradients are still a step (the moments decay)
        assert all(p.grad is None or not p.grad.any() for p in model.parameters())
        opt.step()
        opt.zero_grad()
        assert all(p.grad is None for p in model.parameters())
    assert losses[0] == pytest.approx(losses[1], rel=1e-12) and losses[1][-1] < losses[1][0]
    assert_params_close(params_of(models[1]), params_of(models[0]), **F64_TOL)


@pytest.mark.parametrize("default_dtype", [torch.float64], indirect=True)
@pytest.mark.parametrize("name", ["AdamW", "Momentum", "Adagrad"])
def test_add_param_group(name, default_dtype):
    ref_cls, our_cls, kw, g0 = CASES[name]
    out = []
    for make in (ref_cls, our_cls):
        model = make_model(torch.float64)
        opt = make(list(model.hidden.parameters()), **kw)
        train(model, opt, 50)
        before = model.out.weight.detach().clone()
        opt.add_param_group({"params": [*model.out.parameters(), model.scale], **g0})
        train(model, opt, 50, start=50)
        assert not torch.equal(model.out.weight, before)  # the new group trains
        out.append(model)
    assert_params_close(params_of(out[1]), params_of(out[0]), **F64_TOL)


def test_non_contiguous_gradient_is_read_through_a_copy():
    p0 = torch.randn(4, 3, dtype=torch.float64)
    g = torch.randn(3, 4, dtype=torch.float64).t()  # a strided view
    assert not g.is_contiguous()
    out = []
    for make in (lambda ps: torch.optim.Adam(ps, lr=0.1, foreach=False), lambda ps: oft.Adam(ps, lr=0.1)):
        p = torch.nn.Parameter(p0.clone())
        p.grad = g
        make([p]).step()
        out.append(p.detach())
    torch.testing.assert_close(out[1], out[0], **F64_TOL)
    assert not torch.equal(out[1], p0)


def test_inplace_update_bumps_the_autograd_version():
    p = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    p.grad = torch.ones(3, dtype=torch.float64)
    version = p._version
    oft.SGD([p], lr=0.1).step()
    assert p._version > version and torch.equal(p.detach(), torch.full((3,), 0.9, dtype=torch.float64))


# ----------------------------------------------------------------------------- schedulers
@pytest.mark.parametrize("default_dtype", [torch.float64], indirect=True)
def test_one_cycle_scheduler_changes_lr_and_betas_without_recompiling(default_dtype):
    from optforge.generated import adamw as gen  # maximize=False: the base kernel (optforge/_forms.py NEUTRAL)

    out, lrs = [], []
    for make in (lambda ps: torch.optim.AdamW(ps, lr=1e-2, foreach=False), lambda ps: oft.AdamW(ps, lr=1e-2)):
        model = make_model(torch.float64)
        opt = make(groups(model, {}))
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-2, total_steps=STEPS)  # cycles betas too
        seen = []
        for s in range(STEPS):
            train(model, opt, 1, start=s)
            if s == 0:
                signatures = list(gen.adamw_multi_serial.signatures)
            seen.append((opt.param_groups[0]["lr"], opt.param_groups[0]["betas"][0]))
            sched.step()
        out.append(model)
        lrs.append(seen)
    assert len({lr for lr, _ in lrs[1]}) > 100 and len({b for _, b in lrs[1]}) > 100
    assert lrs[0] == lrs[1]
    assert list(gen.adamw_multi_serial.signatures) == signatures  # a new lr or beta is an argument, not a compile
    assert_params_close(params_of(out[1]), params_of(out[0]), **F64_TOL)


@pytest.mark.parametrize("default_dtype", [torch.float64], indirect=True)
def test_momentum_under_a_schedule_follows_the_document(default_dtype):
    """Under a changing lr, optforge's Momentum is the document's v = mu v + lr_t g (a new lr scales only new
    gradients); torch's SGD rescales its whole buffer by the current lr, a different trajectory."""
    out = []
    for make in (lambda ps: DocumentMomentum(ps, lr=0.05, momentum=0.9), lambda ps: oft.Momentum(ps, lr=0.05),
                 lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, foreach=False)):
        model = make_model(torch.float64)
        opt = make(model.parameters())
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=20, gamma=0.5)
        for s in range(100):
            train(model, opt, 1, start=s)
            sched.step()
        out.append(params_of(model))
    document, ours, torch_sgd = out
    assert_params_close(ours, document, **F64_TOL)
    assert max((a - b).abs().max().item() for a, b in zip(ours, torch_sgd)) > 1e-4


def test_adadelta_follows_torch_under_a_scheduled_lr(default_dtype):
    """torch's lr scales Adadelta's applied step only (spec adadelta_lr): a schedule follows torch."""
    out = []
    for make in (lambda ps: torch.optim.Adadelta(ps, foreach=False), oft.Adadelta):
        model = make_model(torch.float64)
        opt = make(model.parameters())
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
        for s in range(6):
            train(model, opt, 1, start=s)
            sched.step()
        out.append(params_of(model))
    assert_params_close(out[1], out[0], **F64_TOL)


# ----------------------------------------------------------------------------- checkpoints
def save_load(sd):
    buf = io.BytesIO()
    torch.save(sd, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


def resume(make, params, sd, start, steps):
    model = make_model(torch.float64)
    with torch.no_grad():
        for p, q in zip(model.parameters(), params):
            p.copy_(q)
    opt = make(model)
    opt.load_state_dict(save_load(sd))
    train(model, opt, steps, start=start)
    return model, opt


@pytest.mark.parametrize("default_dtype", [torch.float64], indirect=True)
@pytest.mark.parametrize("name", TORCH_CASES)
def test_checkpoints_cross_load_with_torch_optim(name, default_dtype):
    ref_cls, our_cls, kw, g0 = CASES[name]
    make_ref = lambda m: ref_cls(groups(m, g0), **kw)  # noqa: E731
    make_our = lambda m: our_cls(groups(m, g0), **kw)  # noqa: E731
    half = STEPS // 2

    # Uninterrupted runs: torch for 200 steps, optforge for 200 steps.
    ref_model = make_model(torch.float64)
    ref_opt = make_ref(ref_model)
    train(ref_model, ref_opt, half)
    ref_mid_params, ref_mid_sd = params_of(ref_model), copy.deepcopy(ref_opt.state_dict())
    train(ref_model, ref_opt, half, start=half)
    our_model = make_model(torch.float64)
    our_opt = make_our(our_model)
    train(our_model, our_opt, half)
    our_mid_params, our_mid_sd = params_of(our_model), copy.deepcopy(our_opt.state_dict())
    train(our_model, our_opt, half, start=half)

    # torch.optim checkpoint -> optforge.torch, and optforge.torch checkpoint -> torch.optim.
    a, _ = resume(make_our, ref_mid_params, ref_mid_sd, half, half)
    b, _ = resume(make_ref, our_mid_params, our_mid_sd, half, half)
    assert_params_close(params_of(a), params_of(ref_model), **F64_TOL)
    assert_params_close(params_of(b), params_of(our_model), **F64_TOL)
    # Own round trip through torch.save: exact except the SGD family's v -> v/lr -> v (<= 1 ulp).
    c, c_opt = resume(make_our, our_mid_params, our_mid_sd, half, half)
    exact = name not in ("Momentum", "NAG")
    assert_params_close(params_of(c), params_of(our_model), **(dict(rtol=0, atol=0) if exact else F64_TOL))
    assert not torch.equal(params_of(a)[0], ref_mid_params[0])  # the resumed run did train


@pytest.mark.parametrize("default_dtype", [torch.float64], indirect=True)
def test_momentum_checkpoint_converts_the_velocity(default_dtype):
    model = make_model(torch.float64)
    opt = oft.Momentum(model.parameters(), lr=0.05, momentum=0.9)
    train(model, opt, 3)
    p = model.hidden.weight
    v = opt.state[p]["velocity"]
    index = [i for i, q in enumerate(model.parameters()) if q is p][0]
    buf = opt.state_dict()["state"][index]["momentum_buffer"]
    torch.testing.assert_close(buf, v / 0.05, rtol=1e-15, atol=0)
    assert not torch.allclose(buf, v)
    # The conversion is the module's CHECKPOINT, printed from the proved change of variables.
    assert oft.Momentum._specs["momentum"].cls.checkpoint.property == "sgd_momentum_is_momentum_with_v_lr_buf"
    assert oft.NAG._specs["nesterov"].cls.checkpoint.property == "sgd_nesterov_is_nag_with_v_lr_buf"
    # At lr = 0 (a valid step) the buffer v / lr does not exist: state_dict says why instead of writing inf.
    opt.param_groups[0]["lr"] = 0.0
    with pytest.raises(ValueError, match=r"property 'sgd_momentum_is_momentum_with_v_lr_buf', which divides "
                                         r"by lr; it needs lr != 0"):
        opt.state_dict()


@pytest.mark.parametrize("cls", [oft.Adam, oft.NAdamScheduled, oft.Momentum])
def test_loading_copies_the_tensors(cls):
    model = make_model(torch.float64)
    opt = cls(model.parameters())
    train(model, opt, 2)
    sd = opt.state_dict()
    kept = copy.deepcopy(sd)
    other_model = make_model(torch.float64)
    other = cls(other_model.parameters())
    other.load_state_dict(sd)
    assert other.state_dict()["state"].keys() == kept["state"].keys()
    train(other_model, other, 2, start=2)  # the dict given to load_state_dict must not move with it
    for i, st in sd["state"].items():
        for k, v in st.items():
            assert torch.equal(v, kept["state"][i][k]), (i, k)
    other_state = [t for st in other.state.values() for t in st.values()]
    assert not any(t is u for t in other_state for st in sd["state"].values() for u in st.values())


def _torch_checkpoint(make, steps=2):
    model = make_model(torch.float64)
    opt = make(model.parameters())
    train(model, opt, steps)
    return save_load(opt.state_dict())


@pytest.mark.parametrize("target, source, match", [
    (oft.AdamW, lambda ps: torch.optim.Adam(ps, weight_decay=0.1, foreach=False), "L2 weight_decay"),
    (oft.NAdamT1, lambda ps: torch.optim.NAdam(ps, foreach=False), "NAdamScheduled"),
    (oft.NAdam, lambda ps: torch.optim.NAdam(ps, foreach=False), "momentum_decay"),
    (oft.Momentum, lambda ps: torch.optim.SGD(ps, momentum=0.9, nesterov=True, foreach=False), "NAG"),
    (oft.NAG, lambda ps: torch.optim.SGD(ps, momentum=0.9, foreach=False), "Momentum"),
])
def test_incompatible_checkpoints_are_refused_whole(target, source, match):
    sd = _torch_checkpoint(source)
    model = make_model(torch.float64)
    opt = target(model.parameters())
    train(model, opt, 1)
    before_groups = copy.deepcopy(opt.param_groups)
    before_state = {id(p): {k: v.clone() for k, v in st.items()} for p, st in opt.state.items()}
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(sd)
    assert [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups] == \
        [{k: v for k, v in g.items() if k != "params"} for g in before_groups]
    assert {id(p): list(st) for p, st in opt.state.items()} == {i: list(st) for i, st in before_state.items()}
    for p, st in opt.state.items():
        for k, v in st.items():
            assert torch.equal(v, before_state[id(p)][k])


def test_checkpoint_with_wrong_shapes_is_refused():
    sd = _torch_checkpoint(lambda ps: torch.optim.Adam(ps, foreach=False))
    i = [n for n, _ in make_model(torch.float64).named_parameters()].index("hidden.weight")
    sd["state"][i]["exp_avg"] = sd["state"][i]["exp_avg"][:, :4]
    opt = oft.Adam(make_model(torch.float64).parameters())
    with pytest.raises(ValueError, match="shape"):
        opt.load_state_dict(sd)
    assert not opt.state


# ----------------------------------------------------------------------------- refusals
def _param(*shape, dtype=torch.float64, device="cpu"):
    return torch.nn.Parameter(torch.zeros(*shape, dtype=dtype, device=device))


@pytest.mark.parametrize("cls", [oft.AdamW, oft.SGD, oft.Adagrad])
def test_non_cpu_parameters_are_refused_naming_the_device(cls):
    with pytest.raises(RuntimeError, match="device meta"):
        cls([_param(3, device="meta")])


def test_parameters_are_checked_again_at_step():
    """A dtype or a strided p.data set after construction is checked again at step: module.half() steps in
    float32 and rounds to float16, a transposed view is stepped in place."""
    model = torch.nn.Linear(4, 3).double()
    opt = oft.Adam(model.parameters())
    model.half()  # replaces p.data in place; the optimizer holds the same Parameter objects
    model(torch.ones(2, 4, dtype=torch.float16)).sum().backward()
    before = model.weight.detach().clone()
    opt.step()
    assert model.weight.dtype == torch.float16 and opt.state[model.weight]["exp_avg"].dtype == torch.float16
    assert not torch.equal(model.weight.detach(), before)
    p = torch.nn.Parameter(torch.zeros(3, 4, dtype=torch.float64))
    opt = oft.SGD([p], lr=0.1)
    p.data = torch.ones(4, 3, dtype=torch.float64).t()  # a transposed view replaces the data between steps
    p.grad = torch.ones(3, 4, dtype=torch.float64)
    opt.step()
    assert torch.equal(p.detach(), torch.full((3, 4), 0.9, dtype=torch.float64)) and not p.is_contiguous()


@pytest.mark.parametrize("dtype", [torch.int32, torch.uint8, torch.bool])
def test_unsupported_dtypes_are_refused(dtype):
    with pytest.raises(TypeError, match=f"dtype {dtype}"):
        oft.Adam([torch.zeros(3, dtype=dtype)])


def test_integer_tensors_are_refused():
    with pytest.raises(TypeError, match="torch.int64"):
        oft.SGD([torch.zeros(3, dtype=torch.int64)])


@pytest.mark.parametrize("view", ["transposed", "sliced"])
def test_non_contiguous_parameters_are_updated_in_place_as_torch_does(view):
    """A strided parameter is stepped in a contiguous copy written back into its own storage each step."""
    def make():
        g = torch.Generator().manual_seed(2)
        base = torch.randn(6, 8, generator=g, dtype=torch.float64)
        return torch.nn.Parameter(base.t() if view == "transposed" else base[:, ::2])
    grads = [torch.randn(make().shape, generator=torch.Generator().manual_seed(10 + k), dtype=torch.float64)
             for k in range(5)]
    out = []
    for cls in (lambda ps: torch.optim.Adam(ps, lr=1e-2, weight_decay=0.1, foreach=False),
                lambda ps: oft.Adam(ps, lr=1e-2, weight_decay=0.1)):
        p = make()
        storage, strides = p.data_ptr(), p.stride()
        opt = cls([p])
        for g in grads:
            p.grad = g.clone()
            opt.step()
        assert p.data_ptr() == storage and p.stride() == strides and not p.is_contiguous()
        out.append(p.detach().clone())
    torch.testing.assert_close(out[1], out[0], **F64_TOL)


_PRELOAD_CHILD = """
import json, torch, optforge.torch as oft
from optforge import _engine as _runtime
from optforge.generated import adamw  # maximize=False: the base kernel
big = torch.nn.Parameter(torch.zeros(1 << 16)); small = torch.nn.Parameter(torch.zeros(10, dtype=torch.float64))
opt = oft.AdamW([big, small], lr=0.1)
threads = set(_runtime.PRELOADS.values())
for t in threads:
    t.join(120)
kernels = (adamw.adamw_multi_serial, adamw.adamw_multi_parallel)
before = [len(k.overloads) for k in kernels]
big.grad = torch.ones_like(big); small.grad = torch.ones_like(small)
opt.step()
print(json.dumps({"threads": len(threads), "before": before, "after": [len(k.overloads) for k in kernels],
                  "hits": [k.stats.cache_hits.total() for k in kernels], "big": big[0].item(), "small": small[0].item()}))
"""


@pytest.mark.parametrize("preload", ["1", "0"])
def test_building_an_optimizer_loads_its_first_kernels_in_the_background(tmp_path, preload):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "OPTFORGE_PRELOAD": "0"}
    subprocess.run([sys.executable, "-c", _PRELOAD_CHILD], env=env, check=True, capture_output=True)  # fills the cache
    env["OPTFORGE_PRELOAD"] = preload
    run = json.loads(subprocess.run([sys.executable, "-c", _PRELOAD_CHILD], capture_output=True, text=True,
                                    env=env, check=True).stdout)
    if preload == "1":
        # the parallel kernel for the float32 tensor, the serial one for the float64 tensor, from the cache
        assert run["threads"] == 1 and run["before"] == [1, 1] and run["hits"] == [1, 1]
    else:
        assert run["threads"] == 0 and run["before"] == [0, 0]
    assert run["after"] == [1, 1], "the step compiled another specialisation than the preloaded one"
    expected = -0.1 * 1.0 / (1.0 + 1e-8)  # AdamW's first step from 0 (decay of 0 is 0): -lr g / (|g| + eps)
    assert run["big"] == pytest.approx(expected, rel=1e-6) and run["small"] == pytest.approx(expected, rel=1e-12)


def _tables(opt):
    return [b.table for plan in opt._plans.values() for b in plan.buckets]


def test_the_kernels_get_the_tensors_own_memory():
    """The engine's table holds the parameters' and the state tensors' own addresses: no copies."""
    ps = [torch.nn.Parameter(torch.randn(3, 4, dtype=torch.float64)), torch.nn.Parameter(torch.randn(5))]
    opt = oft.AdamW(ps, lr=0.1)
    for p in ps:
        p.grad = torch.ones_like(p)
    opt.step()
    tables = _tables(opt)
    assert len(tables) == 2  # one per dtype
    for table in tables:
        for row in table.tensors:
            p = ps[row[0]]
            assert row[1] == p.data_ptr() and row[2] == p.numel()
            assert list(row[6:]) == [opt.state[p]["exp_avg"].data_ptr(), opt.state[p]["exp_avg_sq"].data_ptr()]


def _reference_pair(make, seed=0):
    g = torch.Generator().manual_seed(seed)
    init = [torch.randn(4, 3, generator=g, dtype=torch.float64), torch.randn(7, generator=g, dtype=torch.float64)]
    grads = [[torch.randn(t.shape, generator=g, dtype=torch.float64) for t in init] for _ in range(6)]
    return init, grads


@pytest.mark.parametrize("cls", ["AdamW", "SGD"])
def test_the_engine_notices_a_replaced_parameter_and_reallocated_gradients(cls):
    """Between steps: zero_grad(set_to_none=True) makes every gradient a new tensor, and one parameter's
    storage is replaced (``p.data = ...``); the cached plan must follow both, as torch.optim does."""
    kwargs = {"lr": 0.05, "momentum": 0.9} if cls == "SGD" else {"lr": 0.05}
    init, grads = _reference_pair(None)
    results = []
    for make in (getattr(torch.optim, cls), getattr(oft, cls)):
        ps = [torch.nn.Parameter(t.clone()) for t in init]
        opt = make(ps, **kwargs)
        for step, gs in enumerate(grads):
            opt.zero_grad(set_to_none=True)
            for p, gr in zip(ps, gs):
                p.grad = gr.clone()
            if step == 3:
                ps[0].data = ps[0].data.clone() + 1.0  # new storage, other values
            opt.step()
        results.append([p.detach().clone() for p in ps])
    for ours, theirs in zip(results[1], results[0]):
        torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cls", ["Adam", "SGD"])
def test_the_engine_notices_a_kept_gradient_whose_storage_changed(cls):
    """The same gradient objects every step (``zero_grad(set_to_none=False)``), but between steps one
    gradient gets new storage (``p.grad.data = ...``) and another is overwritten in place: the engine
    reads the addresses again and steps what the gradients hold, as torch.optim does."""
    kwargs = {"lr": 0.05, "momentum": 0.9} if cls == "SGD" else {"lr": 0.05}
    init, grads = _reference_pair(None, seed=3)
    results = []
    for make in (getattr(torch.optim, cls), getattr(oft, cls)):
        ps = [torch.nn.Parameter(t.clone()) for t in init]
        for p in ps:
            p.grad = torch.zeros_like(p)
        opt = make(ps, **kwargs)
        kept = [p.grad for p in ps]
        for step, gs in enumerate(grads):
            opt.zero_grad(set_to_none=False)
            if step == 2:
                ps[1].grad.data = gs[1].clone()  # same object, new storage
                ps[0].grad.copy_(gs[0])
            else:
                for p, gr in zip(ps, gs):
                    p.grad.copy_(gr)
            opt.step()
        assert all(p.grad is g for p, g in zip(ps, kept))
        results.append([p.detach().clone() for p in ps])
    for ours, theirs in zip(results[1], results[0]):
        torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)


def test_the_engine_notices_state_replaced_by_load_state_dict_and_by_hand():
    init, grads = _reference_pair(None, seed=1)
    ref_ps = [torch.nn.Parameter(t.clone()) for t in init]
    ps = [torch.nn.Parameter(t.clone()) for t in init]
    ref, opt = torch.optim.Adam(ref_ps, lr=0.05), oft.Adam(ps, lr=0.05)
    for gs in grads[:2]:
        for a, b, gr in zip(ref_ps, ps, gs):
            a.grad, b.grad = gr.clone(), gr.clone()
        ref.step()
        opt.step()
    # A checkpoint with other moments: loading it replaces every state tensor.
    sd = copy.deepcopy(ref.state_dict())
    for st in sd["state"].values():
        st["exp_avg"].mul_(-3.0)
    ref.load_state_dict(copy.deepcopy(sd))
    opt.load_state_dict(copy.deepcopy(sd))
    for gs in grads[2:4]:
        for a, b, gr in zip(ref_ps, ps, gs):
            a.grad, b.grad = gr.clone(), gr.clone()
        ref.step()
        opt.step()
    # By hand: a state entry replaced with a new tensor.
    for a, b in zip(ref_ps, ps):
        ref.state[a]["exp_avg_sq"] = ref.state[a]["exp_avg_sq"] * 4.0
        opt.state[b]["exp_avg_sq"] = opt.state[b]["exp_avg_sq"] * 4.0
    for gs in grads[4:]:
        for a, b, gr in zip(ref_ps, ps, gs):
            a.grad, b.grad = gr.clone(), gr.clone()
        ref.step()
        opt.step()
    for a, b in zip(ref_ps, ps):
        torch.testing.assert_close(b.detach(), a.detach(), rtol=1e-12, atol=1e-12)
        assert opt.state[b]["step"].item() == ref.state[a]["step"].item() == 6


def test_step_counts_are_per_parameter_when_some_parameters_miss_gradients():
    """torch skips a parameter without a gradient, so its step count falls behind; the engine buckets
    parameters by step count and shows each its own."""
    init, grads = _reference_pair(None, seed=2)
    results = []
    for make in (torch.optim.Adam, oft.Adam):
        ps = [torch.nn.Parameter(t.clone()) for t in init]
        opt = make(ps, lr=0.05)
        for step, gs in enumerate(grads):
            for p, gr in zip(ps, gs):
                p.grad = gr.clone()
            if step in (1, 2):
                ps[1].grad = None
            opt.step()
        results.append(([p.detach().clone() for p in ps], [opt.state[p]["step"].item() for p in ps]))
    assert results[1][1] == results[0][1] == [6.0, 4.0]
    for ours, theirs in zip(results[1][0], results[0][0]):
        torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)


def test_a_strided_gradient_is_read_through_a_copy_every_step():
    p = torch.nn.Parameter(torch.zeros(3, 4, dtype=torch.float64))
    q = torch.nn.Parameter(torch.zeros(3, 4, dtype=torch.float64))
    opt, ref = oft.SGD([p], lr=1.0), torch.optim.SGD([q], lr=1.0)
    base = torch.arange(12, dtype=torch.float64).reshape(4, 3)
    for k in range(3):
        g = (base * (k + 1)).t()  # the same object's values change between steps
        p.grad, q.grad = g, g.clone()
        opt.step()
        ref.step()
    torch.testing.assert_close(p.detach(), q.detach(), rtol=0, atol=0)


def test_sparse_gradients_are_refused_and_nothing_is_half_updated():
    dense = torch.nn.Linear(4, 2).double()
    emb = torch.nn.Embedding(10, 4, sparse=True).double()
    opt = oft.Adam([{"params": dense.parameters()}, {"params": emb.parameters(), "lr": 0.1}])
    before = [p.detach().clone() for p in (*dense.parameters(), *emb.parameters())]
    dense(emb(torch.tensor([1, 2]))).sum().backward()
    assert emb.weight.grad.is_sparse and dense.weight.grad is not None
    with pytest.raises(RuntimeError, match="sparse gradient"):
        opt.step()
    after = [p.detach() for p in (*dense.parameters(), *emb.parameters())]
    assert all(torch.equal(a, b) for a, b in zip(after, before))
    assert not opt.state  # group 0 was valid but was not stepped


def test_a_bad_group_leaves_earlier_groups_and_state_untouched():
    model = make_model(torch.float64)
    opt = oft.AdamW(groups(model, {}), lr=1e-2)
    train(model, opt, 2)
    opt.param_groups[1]["lr"] = -1.0  # e.g. set by hand after construction
    before = params_of(model)
    state_before = copy.deepcopy(opt.state_dict()["state"])
    with pytest.raises(ValueError, match=r"param_groups\[1\].*lr=-1.0"):
        train(model, opt, 1, start=2)
    assert_params_close(params_of(model), before, rtol=0, atol=0)
    state_after = opt.state_dict()["state"]
    for i in state_before:
        for k in state_before[i]:
            assert torch.equal(state_after[i][k], state_before[i][k]), (i, k)


@pytest.mark.parametrize("cls, kwargs, match", [
    (oft.Adam, dict(lr=-1e-3), "Invalid learning rate: -0.001"),  # torch's own message
    (oft.RMSprop, dict(momentum=-0.5), "momentum"),
    (oft.Adam, dict(weight_decay=-0.1), "weight_decay"),
    (oft.Momentum, dict(weight_decay=0.1), "L2 weight decay"),
    (oft.AdamW, dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0"),
    (oft.Adam, dict(eps=0.0), "eps"),
    (oft.Momentum, dict(momentum=1.0), "momentum"),
    (oft.Adadelta, dict(rho=1.0), "rho"),
    (oft.NAdamScheduled, dict(momentum_decay=-1.0), "momentum_decay"),
    (oft.SGD, dict(nesterov=True), "Nesterov momentum requires a momentum"),
    (oft.Momentum, dict(nesterov=True), "NAG"),
    (oft.Adagrad, dict(lr_decay=-1.0), "lr_decay"),
    (oft.NAdamT1, dict(momentum_decay=4e-3), "NAdamScheduled"),
])
def test_invalid_hyperparameters_and_options_are_refused(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls([_param(3)], **kwargs)


def test_a_refused_param_group_is_not_added():
    opt = oft.Adam([_param(3)])
    with pytest.raises(ValueError, match="lr"):
        opt.add_param_group({"params": [_param(2)], "lr": -1.0})
    assert len(opt.param_groups) == 1


def test_foreach_and_fused_are_accepted():
    p = _param(3)
    p.grad = torch.ones(3, dtype=torch.float64)
    oft.AdamW([p], foreach=True).step()
    oft.AdamW([p], fused=True).step()
    assert (p.detach() < 0).all()
    with pytest.raises(RuntimeError, match="cannot be `True` together"):  # torch refuses both, so does this
        oft.AdamW([p], foreach=True, fused=True)


# ----------------------------------------------------------------------------- packaging
def test_importing_optforge_does_not_import_torch():
    code = "import sys, optforge; assert 'torch' not in sys.modules, 'torch imported'; import optforge.torch; " \
           "assert 'torch' in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# ----------------------------------------------------------------------------- DistributedDataParallel
def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _two_ranks(tmp_path, *mode):
    """Run tests/torch_frontend/_ddp_worker.py as two gloo ranks; each rank's saved results."""
    env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()), GLOO_SOCKET_IFNAME="lo",
               OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    procs = [subprocess.Popen([sys.executable, str(HERE / "_ddp_worker.py"), str(rank), "2", str(tmp_path), *mode],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for rank in range(2)]
    outputs = []
    try:
        for proc in procs:
            outputs.append(proc.communicate(timeout=120)[0].decode(errors="replace"))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert [p.returncode for p in procs] == [0, 0], "\n".join(outputs)
    return [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2)]


def test_ddp_two_ranks_gloo(tmp_path):
    r0, r1 = _two_ranks(tmp_path)
    # Identical on both ranks (DDP broadcast rank 0's init and averaged the gradients), ...
    assert all(torch.equal(a, b) for a, b in zip(r0["optforge"], r1["optforge"]))
    assert all(torch.equal(a, b) for a, b in zip(r0["init"], r1["init"]))
    # ... equal to the same run with torch.optim.AdamW, and trained.
    assert_params_close(r0["optforge"], r0["torch"], **F64_TOL)
    assert max((a - b).abs().max().item() for a, b in zip(r0["optforge"], r0["init"])) > 1e-2


def test_zero_redundancy_optimizer_runs_optforge_torch_on_each_rank(tmp_path):
    """torch.distributed.optim.ZeroRedundancyOptimizer(optimizer_class=optforge.torch.AdamW), two gloo
    processes: each rank steps its share of the parameters with optforge's kernels; the end is the same as
    with torch.optim.AdamW."""
    r0, r1 = _two_ranks(tmp_path, "zero")
    assert r0["optforge_local"] == r1["optforge_local"] == "optforge.torch.AdamW"
    assert all(torch.equal(a, b) for a, b in zip(r0["optforge"], r1["optforge"]))
    assert_params_close(r0["optforge"], r0["torch"], **F64_TOL)
    assert max((a - b).abs().max().item() for a, b in zip(r0["optforge"], r0["init"])) > 1e-2
