"""torch.optim's weight_decay (L2), maximize, decoupled_weight_decay and lr = 0 on optforge.torch, checked
against torch.optim 2.13 (the specs of specs/torch_options.py and specs/torch_sgd.py, run by the engine).

Independent reference: torch.optim itself, single-tensor path (foreach=False), float64, compared to
1e-12 relative; float32 to the documented tolerance.
"""

import pytest

torch = pytest.importorskip("torch")

import optforge.torch as oft  # noqa: E402

F64_TOL = dict(rtol=1e-12, atol=1e-12)
F32_TOL = dict(rtol=1e-4, atol=5e-5)


@pytest.fixture(autouse=True, scope="module")
def float64_default_and_one_thread():
    """torch keeps NAdam's mu_product in the default dtype: float64 makes it the spec's per-step float64."""
    old_dtype, old_threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    yield
    torch.set_default_dtype(old_dtype)
    torch.set_num_threads(old_threads)


def mlp(dtype, seed=3):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3)).to(dtype)


def batch(step, dtype):
    g = torch.Generator().manual_seed(1000 + step)
    return torch.randn(32, 6, generator=g, dtype=dtype), torch.randn(32, 3, generator=g, dtype=dtype)


def run(make_opt, steps, dtype=torch.float64, scheduler=None):
    """Train a small MLP with the optimizer ``make_opt(params)``; its parameters after ``steps``, and
    every learning rate the scheduler set."""
    model = mlp(dtype)
    opt = make_opt(model.parameters())
    sched = scheduler(opt) if scheduler else None
    lrs = []
    for s in range(steps):
        x, y = batch(s, dtype)
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()
        lrs.append(opt.param_groups[0]["lr"])
        if sched is not None:
            sched.step()
    return [p.detach().clone() for p in model.parameters()], lrs


def assert_same(ours, theirs, tol):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, **tol)


CASES = [
    ("SGD", dict(lr=0.05, weight_decay=1e-2)),
    ("SGD", dict(lr=0.05, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=5e-4)),
    ("SGD", dict(lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=True, maximize=True)),
    ("Adagrad", dict(lr=0.05, weight_decay=1e-2)),
    ("Adagrad", dict(lr=0.05, maximize=True, lr_decay=1e-2, weight_decay=1e-3)),
    ("Adadelta", dict(weight_decay=1e-2)),
    ("Adadelta", dict(maximize=True)),
    ("RMSprop", dict(lr=1e-3, weight_decay=1e-2)),
    ("RMSprop", dict(lr=1e-3, maximize=True)),
    ("Adam", dict(lr=1e-2, weight_decay=1e-2)),
    ("Adam", dict(lr=1e-2, maximize=True, weight_decay=1e-3)),
    ("Adam", dict(lr=1e-2, amsgrad=True, weight_decay=1e-2)),
    ("Adam", dict(lr=1e-2, weight_decay=1e-2, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=1e-2, maximize=True)),
    ("AdamW", dict(lr=1e-2, amsgrad=True, maximize=True, weight_decay=0.1)),
    ("Adamax", dict(lr=1e-2, weight_decay=1e-2, maximize=True)),
    ("NAdam", dict(lr=1e-2, weight_decay=1e-2)),  # torch's NAdam: optforge.torch.NAdamScheduled
    ("NAdam", dict(lr=1e-2, maximize=True)),
]
OURS = {"NAdam": oft.NAdamScheduled}


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{'-'.join(k for k in kw if k != 'lr')}"
                                                      for n, kw in CASES])
def test_option_follows_torch_in_float64(name, kwargs):
    ours_cls = OURS.get(name, getattr(oft, name))
    theirs, _ = run(lambda ps: getattr(torch.optim, name)(ps, foreach=False, **kwargs), 25)
    ours, _ = run(lambda ps: ours_cls(ps, **kwargs), 25)
    assert_same(ours, theirs, F64_TOL)
    # and the option matters: without it the result is another one
    neutral = {k: v for k, v in kwargs.items() if k not in ("weight_decay", "maximize", "decoupled_weight_decay")}
    plain, _ = run(lambda ps: ours_cls(ps, **neutral), 25)
    assert any(not torch.allclose(a, b, rtol=1e-6, atol=0) for a, b in zip(plain, ours))


@pytest.mark.parametrize("name, kwargs", [("SGD", dict(lr=0.05, momentum=0.9, weight_decay=5e-4)),
                                          ("Adam", dict(lr=1e-2, weight_decay=1e-2, maximize=True))])
def test_option_follows_torch_in_float32(name, kwargs):
    theirs, _ = run(lambda ps: getattr(torch.optim, name)(ps, foreach=False, **kwargs), 25, torch.float32)
    ours, _ = run(lambda ps: getattr(oft, name)(ps, **kwargs), 25, torch.float32)
    assert_same(ours, theirs, F32_TOL)


def test_the_resnet_recipe_and_adam_with_l2_follow_torch_for_200_steps():
    for name, kwargs in (("SGD", dict(lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True)),
                         ("Adam", dict(lr=1e-3, weight_decay=1e-4))):
        theirs, _ = run(lambda ps: getattr(torch.optim, name)(ps, foreach=False, **kwargs), 200)
        ours, _ = run(lambda ps: getattr(oft, name)(ps, **kwargs), 200)
        assert_same(ours, theirs, F64_TOL)


@pytest.mark.parametrize("name, kwargs", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=1e-2)),
                                          ("Adagrad", dict(lr=0.1))])
def test_cosine_annealing_to_lr_0_trains_to_the_end_as_torch_does(name, kwargs):
    """CosineAnnealingLR's default eta_min = 0 reaches lr = 0 at T_max; the step there is valid and the
    state still updates.  torch's momentum buffer holds no lr, so SGD follows torch under the schedule."""
    def cosine(opt):
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
    theirs, lrs_t = run(lambda ps: getattr(torch.optim, name)(ps, foreach=False, **kwargs), 120, scheduler=cosine)
    ours, lrs_o = run(lambda ps: getattr(oft, name)(ps, **kwargs), 120, scheduler=cosine)
    assert lrs_o == lrs_t and min(lrs_o) == 0.0
    assert_same(ours, theirs, F64_TOL)


def test_lr_0_still_updates_the_state():
    p = torch.nn.Parameter(torch.ones(4))
    opt = oft.Adam([p], lr=0.0)
    p.grad = torch.full((4,), 2.0)
    opt.step()
    assert torch.equal(p.detach(), torch.ones(4))
    assert torch.allclose(opt.state[p]["exp_avg"], torch.full((4,), 0.2)) and opt.state[p]["step"].item() == 1


def test_sgd_checkpoints_carry_torchs_buffer_both_ways():
    """The buffer is torch's own momentum_buffer (no lr in it): a torch checkpoint continues here and back."""
    kwargs = dict(lr=0.05, momentum=0.9, weight_decay=5e-4)
    model_t, model_o = mlp(torch.float64), mlp(torch.float64)
    opt_t = torch.optim.SGD(model_t.parameters(), foreach=False, **kwargs)
    for s in range(3):
        x, y = batch(s, torch.float64)
        opt_t.zero_grad()
        torch.nn.functional.mse_loss(model_t(x), y).backward()
        opt_t.step()
    model_o.load_state_dict(model_t.state_dict())
    opt_o = oft.SGD(model_o.parameters(), **kwargs)
    opt_o.load_state_dict(opt_t.state_dict())
    for model, opt in ((model_t, opt_t), (model_o, opt_o)):
        for s in range(3, 8):
            x, y = batch(s, torch.float64)
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            opt.step()
    assert_same(list(model_o.parameters()), list(model_t.parameters()), F64_TOL)
    sd = opt_o.state_dict()
    assert set(sd["state"][0]) == {"momentum_buffer"}
    torch.testing.assert_close(sd["state"][0]["momentum_buffer"], opt_t.state_dict()["state"][0]["momentum_buffer"],
                               **F64_TOL)


def test_the_kernel_is_the_same_for_every_weight_decay_and_sign():
    """weight_decay and maximize are runtime arguments of one compiled kernel: changing them compiles nothing."""
    from optforge.generated import adam_torch

    p = torch.nn.Parameter(torch.ones(8))
    opt = oft.Adam([p], lr=1e-2)
    p.grad = torch.ones(8)
    opt.step()
    compiled = {k: len(f.overloads) for k, f in vars(adam_torch).items() if hasattr(f, "overloads")}
    for wd, maximize in ((1e-2, False), (0.0, True), (0.3, True)):
        opt.param_groups[0].update(weight_decay=wd, maximize=maximize)
        opt.step()
    assert {k: len(f.overloads) for k, f in vars(adam_torch).items() if hasattr(f, "overloads")} == compiled
