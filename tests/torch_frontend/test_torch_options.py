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
    opt = oft.Adam([p], lr=1e-2, weight_decay=1e-3)
    p.grad = torch.ones(8)
    opt.step()
    compiled = {k: len(f.overloads) for k, f in vars(adam_torch).items() if hasattr(f, "overloads")}
    assert any(compiled.values())
    for wd, maximize in ((1e-2, False), (0.0, True), (0.3, True)):
        opt.param_groups[0].update(weight_decay=wd, maximize=maximize)
        opt.step()
    assert {k: len(f.overloads) for k, f in vars(adam_torch).items() if hasattr(f, "overloads")} == compiled


@pytest.mark.parametrize("name", ["Adam", "SGD", "Adagrad", "AdamW", "NAdamScheduled", "Lion"])
def test_neutral_options_run_the_base_kernel_and_switching_follows_torch(name):
    """At weight_decay=0 and maximize=False a form is its base (a proved property), so optforge.torch runs
    the base's kernel, with two fewer operations per element; a group that switches options between steps
    changes kernel and still follows torch.optim in float64."""
    from optforge import _forms

    kwargs = {"momentum": 0.9} if name == "SGD" else {}
    torch_cls = {"Lion": None, "NAdamScheduled": torch.optim.NAdam}.get(name, getattr(torch.optim, name, None))
    g = torch.Generator().manual_seed(5)
    p0 = torch.randn(40, dtype=torch.float64, generator=g)
    grads = [torch.randn(40, dtype=torch.float64, generator=g) for _ in range(6)]
    ours = torch.nn.Parameter(p0.clone())
    opt = getattr(oft, name)([ours], lr=1e-2, **kwargs)
    spec, _ = opt._resolve(opt.param_groups[0], "")
    assert _forms.base_of(spec.name) is None and not spec.name.endswith("_torch"), spec.name
    decay_key = "weight_decay" if name not in ("AdamW", "Lion") else None  # theirs is decoupled: its own
    opt.param_groups[0]["maximize"] = True
    assert opt._resolve(opt.param_groups[0], "")[0].name == f"{spec.name}_torch"
    if torch_cls is None:
        return
    theirs = torch.nn.Parameter(p0.clone())
    topt = torch_cls([theirs], lr=1e-2, foreach=False, **kwargs)
    opt.param_groups[0]["maximize"] = False
    settings = [(0.0, False), (0.1, False), (0.0, False), (0.0, True), (0.0, False), (0.2, True)]
    for gr, (wd, maximize) in zip(grads, settings):
        for o in (opt, topt):
            o.param_groups[0]["maximize"] = maximize
            if decay_key:
                o.param_groups[0][decay_key] = wd
        ours.grad, theirs.grad = gr.clone(), gr.clone()
        opt.step()
        topt.step()
        torch.testing.assert_close(ours.detach(), theirs.detach(), **F64_TOL)


def test_sgd_dampening_follows_torch_across_a_checkpoint_and_set_to_none():
    """torch's first buffer is the gradient itself, later ones take (1 - dampening) g: the step that creates
    a buffer is its first, also after zero_grad(set_to_none=True) and after loading a checkpoint."""
    kwargs = dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=1e-3)
    runs = []
    for make in (lambda ps: torch.optim.SGD(ps, foreach=False, **kwargs), lambda ps: oft.SGD(ps, **kwargs)):
        model = mlp(torch.float64)
        opt = make(model.parameters())
        for s in range(12):
            if s == 6:  # resume from a checkpoint in a fresh optimizer of the same class
                sd = opt.state_dict()
                opt = make(model.parameters())
                opt.load_state_dict(sd)
            x, y = batch(s, torch.float64)
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.mse_loss(model(x), y).backward()
            opt.step()
        runs.append([p.detach().clone() for p in model.parameters()])
    assert_same(runs[1], runs[0], F64_TOL)


def lion_reference(params, grads, lr, b1, b2, wd, maximize):
    """Chen et al. 2023, Algorithm 2 (decoupled decay times lr), with torch's maximize: written here."""
    ps, ms = [p.clone() for p in params], [torch.zeros_like(p) for p in params]
    for step in grads:
        for p, m, g in zip(ps, ms, step):
            g = -g if maximize else g
            c = b1 * m + (1 - b1) * g
            p -= lr * (torch.sign(c) + wd * p)
            m.mul_(b2).add_((1 - b2) * g)
    return ps


@pytest.mark.parametrize("maximize", [False, True])
def test_lion_follows_its_reference(maximize):
    g = torch.Generator().manual_seed(5)
    params = [torch.randn(4, 3, generator=g), torch.randn(7, generator=g)]
    grads = [[torch.randn(p.shape, generator=g) for p in params] for _ in range(15)]
    ours = [torch.nn.Parameter(p.clone()) for p in params]
    opt = oft.Lion(ours, lr=1e-2, betas=(0.9, 0.99), weight_decay=0.1, maximize=maximize)
    for step in grads:
        for p, gr in zip(ours, step):
            p.grad = gr.clone()
        opt.step()
    assert_same([p.detach() for p in ours], lion_reference(params, grads, 1e-2, 0.9, 0.99, 0.1, maximize), F64_TOL)
    assert set(opt.state[ours[0]]) == {"step", "exp_avg"}


def test_amsgrad_is_adam_with_amsgrad():
    theirs, _ = run(lambda ps: torch.optim.Adam(ps, amsgrad=True, foreach=False, lr=1e-2), 20)
    ours, _ = run(lambda ps: oft.AMSGrad(ps, lr=1e-2), 20)
    assert_same(ours, theirs, F64_TOL)


def test_a_users_spec_runs_as_a_torch_optimizer(tmp_path):
    """optimizer_class(module) for a module generated from a user's spec: keywords, state, maximize,
    checkpoints, on the same engine; checked against the same module's NumPy class."""
    import importlib.util
    import sys

    import numpy as np

    from optforge.codegen import user

    (tmp_path / "mine.py").write_text('''
import sympy as sp
from optforge.specs.combinators import maximize
from optforge.specs.common import learning_rate
from optforge.specs.language import GRAD, THETA, Assign, Hyperparameter, Spec, State, UNIT_INTERVAL

lr, b = learning_rate(1e-2), Hyperparameter("b", 0.8, UNIT_INTERVAL, "decay", r"\\\\beta", api="decay")
m = sp.Symbol("m", real=True)
BASE = Spec("heavy", "Heavy", hyperparameters=[lr, b], state=[State("m", 0.0, "average", "m", torch_name="avg")],
            assignments=[Assign(m, b.symbol * m + GRAD), Assign(THETA, THETA - lr.symbol * m)])
SIGNED, PROPERTIES = maximize(BASE, "heavy_signed", api_class="HeavySigned")
SPECS = [SIGNED]
''')
    assert user.main([str(tmp_path / "mine.py"), "--out", str(tmp_path / "build")]) == 0
    spec = importlib.util.spec_from_file_location("heavy_signed", tmp_path / "build" / "heavy_signed.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["heavy_signed"] = module
    spec.loader.exec_module(module)
    Heavy = oft.optimizer_class(module)
    with pytest.raises(TypeError, match="unexpected keyword"):
        Heavy([torch.nn.Parameter(torch.zeros(2))], momentum=0.9)
    p = torch.nn.Parameter(torch.ones(5))
    opt = Heavy([p], lr=0.1, decay=0.5, maximize=True)
    x = np.ones(5)
    ref = module.HeavySigned([x], lr=0.1, decay=0.5, sign=-1.0)
    for k in range(4):
        g = torch.full((5,), float(k + 1))
        p.grad = g.clone()
        opt.step()
        ref.step([g.numpy().astype(np.float64)])
    assert np.allclose(p.detach().numpy(), x, rtol=1e-15, atol=0) and x[0] > 1  # maximize: ascends
    assert set(opt.state[p]) == {"step", "avg"} and opt.state[p]["step"].item() == 4
    other = Heavy([torch.nn.Parameter(p.detach().clone())], lr=0.1, decay=0.5, maximize=True)
    other.load_state_dict(opt.state_dict())
    assert torch.equal(other.state_dict()["state"][0]["avg"], opt.state_dict()["state"][0]["avg"])


def test_load_pre_hooks_run_first_and_state_dict_post_hooks_see_torchs_layout():
    p = torch.nn.Parameter(torch.ones(3))
    opt = oft.Momentum([p], lr=0.1, momentum=0.9)
    p.grad = torch.ones(3)
    opt.step()
    seen = []
    opt.register_state_dict_post_hook(lambda o, sd: seen.append(sorted(sd["state"][0])))
    sd = opt.state_dict()
    assert seen == [["momentum_buffer"]]  # not the internal 'velocity'
    legacy = {"state": {0: {"buf": sd["state"][0]["momentum_buffer"]}}, "param_groups": sd["param_groups"]}

    def rename(optimizer, state_dict):  # a pre-hook that repairs a legacy key
        return {"state": {0: {"momentum_buffer": state_dict["state"][0]["buf"]}},
                "param_groups": state_dict["param_groups"]}
    fresh = oft.Momentum([torch.nn.Parameter(torch.ones(3))], lr=0.1, momentum=0.9)
    fresh.register_load_state_dict_pre_hook(rename)
    fresh.load_state_dict(legacy)
    torch.testing.assert_close(fresh.state_dict()["state"][0]["momentum_buffer"], sd["state"][0]["momentum_buffer"])


def test_adagrad_share_memory():
    p = torch.nn.Parameter(torch.ones(3))
    opt = oft.Adagrad([p], lr=0.1)
    p.grad = torch.ones(3)
    opt.step()
    opt.share_memory()
    assert all(t.is_shared() for t in opt.state[p].values() if isinstance(t, torch.Tensor) and t.dim())
    before = opt.state[p]["sum"].clone()
    opt.step()  # the kernels use the moved state
    assert torch.equal(opt.state[p]["sum"], before + 1)


COMPLEX = [("Adam", dict(lr=1e-2, weight_decay=0.1)), ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
           ("Adagrad", dict(lr=0.1, lr_decay=0.01)), ("RMSprop", dict(lr=1e-2, centered=True, momentum=0.5)),
           ("Adamax", dict(lr=1e-2)), ("Adadelta", dict(lr=0.5)), ("AdamW", dict(amsgrad=True, maximize=True)),
           ("NAdam", dict(lr=1e-2, decoupled_weight_decay=True, weight_decay=0.1))]


@pytest.mark.parametrize("dtype", [torch.complex128, torch.complex64], ids=["complex128", "complex64"])
@pytest.mark.parametrize("name, kwargs", COMPLEX, ids=[n for n, _ in COMPLEX])
def test_complex_parameters_are_pairs_of_reals_as_in_torch(name, kwargs, dtype):
    """torch.optim steps a complex parameter as its real view (torch.view_as_real); so do the kernels."""
    g = torch.Generator().manual_seed(0)
    p0 = torch.randn(5, 3, dtype=dtype, generator=g)
    grads = [torch.randn(5, 3, dtype=dtype, generator=g) for _ in range(12)]
    out = []
    for make in (lambda ps: getattr(torch.optim, name)(ps, foreach=False, **kwargs),
                 lambda ps: OURS.get(name, getattr(oft, name))(ps, **kwargs)):
        p = torch.nn.Parameter(p0.clone())
        opt = make([p])
        for gr in grads:
            p.grad = gr.clone()
            opt.step()
        out.append(p.detach())
        assert all(v.dtype == dtype for v in opt.state[p].values() if isinstance(v, torch.Tensor) and v.dim())
    torch.testing.assert_close(out[1], out[0], **(F64_TOL if dtype == torch.complex128 else F32_TOL))


def _emulated_half(name, kwargs, p0, grads):
    """The semantics of a half-precision step, written here: load the parameter and state in float32, step
    with torch.optim's single-tensor code in float32, round the parameter and the state back to their dtype."""
    dtype = p0.dtype
    p = torch.nn.Parameter(p0.float())
    opt = getattr(torch.optim, name)([p], foreach=False, **kwargs)
    for g in grads:
        p.grad = g.float()
        opt.step()
        with torch.no_grad():
            p.copy_(p.to(dtype).float())
            for k, v in opt.state[p].items():
                if isinstance(v, torch.Tensor) and v.dim():
                    v.copy_(v.to(dtype).float())
    return p.detach().to(dtype)


HALF = [("Adam", dict(lr=1e-2, weight_decay=0.1)), ("AdamW", dict(lr=1e-2, amsgrad=True)),
        ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=1e-2)), ("Adagrad", dict(lr=0.1)),
        ("RMSprop", dict(lr=1e-2)), ("Adamax", dict(lr=1e-2))]


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=["bfloat16", "float16"])
@pytest.mark.parametrize("name, kwargs", HALF, ids=[n for n, _ in HALF])
def test_half_precision_parameters_step_in_float32_and_round(name, kwargs, dtype):
    """float16/bfloat16: the arithmetic in float32, parameter and state rounded to the parameter's dtype each
    step (state kept in that dtype), as torch's fused CPU Adam and AdamW do (compared with them too; torch
    2.13's fused SGD leaves some bfloat16 elements unchanged, so SGD is compared with the semantics only)."""
    g = torch.Generator().manual_seed(0)
    p0 = torch.randn(40, 25, generator=g).to(dtype)
    grads = [torch.randn(40, 25, generator=g).to(dtype) for _ in range(8)]
    p = torch.nn.Parameter(p0.clone())
    opt = getattr(oft, name)([p], **kwargs)
    for gr in grads:
        p.grad = gr.clone()
        opt.step()
    assert p.dtype == dtype and all(v.dtype == dtype for v in opt.state[p].values()
                                    if isinstance(v, torch.Tensor) and v.dim())
    ulp = 2.0 ** (-7 if dtype == torch.bfloat16 else -10)
    expected = _emulated_half(name, kwargs, p0, grads)
    close = torch.isclose(p.detach().float(), expected.float(), rtol=2 * ulp, atol=2 * ulp)
    assert (~close).sum() <= 3, f"{int((~close).sum())} of {close.numel()} elements differ by more than 2 ulp"
    if name in ("Adam", "AdamW"):
        q = torch.nn.Parameter(p0.clone())
        fused = getattr(torch.optim, name)([q], fused=True, **kwargs)
        for gr in grads:
            q.grad = gr.clone()
            fused.step()
        torch.testing.assert_close(p.detach().float(), q.detach().float(), rtol=2 * ulp, atol=2 * ulp)


def test_optforge_torch_holds_no_update_arithmetic():
    """The math is in specs/: optforge/torch.py translates between torch's objects and the engine.  Its
    only arithmetic is list building and counting (no division, power or product of values, no tensor
    math method); the checkpoint conversion of Momentum/NAG is the generated module's CHECKPOINT."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(oft.__file__).read_text())
    tensor_math = {"add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_", "addcmul_", "addcdiv_", "lerp_",
                   "sqrt", "sqrt_", "pow", "pow_", "maximum", "clamp", "clamp_", "exp", "sign", "neg", "neg_"}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Pow, ast.MatMult, ast.Mod)):
                found.append(ast.unparse(node))
            elif isinstance(node.op, ast.Mult) and not (isinstance(node.left, ast.List)
                                                        or isinstance(node.right, ast.List)):
                found.append(ast.unparse(node))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in tensor_math:
            found.append(ast.unparse(node))
    assert not found, found
