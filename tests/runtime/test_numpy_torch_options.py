"""The NumPy classes take torch.optim's options (README, "torch.optim's options in the NumPy classes").

``optforge.SGD(params, lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)`` and the like run the
same ``<base>_torch`` specs and kernels as optforge.torch, chosen by the same table
(optforge/_forms.py).  Each case trains a small MLP for 200 steps beside ``torch.optim`` with the
same keywords (float64, foreach=False, under a float64 default dtype so that torch's ``step`` and
``mu_product`` are float64 too) and compares the parameters to 1e-10 relative (rounding differences,
which centred RMSprop with momentum grows to about 2e-11 in 200 steps); the gradient of each side is
taken at its own parameters (with ``maximize=True``, of minus the loss).
"""

import math

import numpy as np
import pytest
import torch

import optforge

#: (optforge class, torch class, keywords both take, keywords only torch takes)
CASES = [
    ("SGD", "SGD", dict(lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True), {}),
    ("SGD", "SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=1e-3), {}),
    ("SGD", "SGD", dict(lr=0.05, weight_decay=1e-3, maximize=True), {}),
    ("SGD", "SGD", dict(lr=0.05, momentum=0.5), {}),
    ("Momentum", "SGD", dict(lr=0.05, momentum=0.8, weight_decay=1e-3), {}),
    ("NAG", "SGD", dict(lr=0.05, momentum=0.8, weight_decay=1e-3), dict(nesterov=True)),
    ("Adam", "Adam", dict(lr=1e-2, weight_decay=1e-4), {}),
    ("Adam", "Adam", dict(lr=1e-2, weight_decay=1e-4, amsgrad=True, maximize=True), {}),
    ("Adam", "Adam", dict(lr=1e-2, weight_decay=1e-2, decoupled_weight_decay=True), {}),
    ("AdamW", "AdamW", dict(lr=1e-2, weight_decay=1e-2, amsgrad=True), {}),
    ("AdamW", "AdamW", dict(lr=1e-2, maximize=True), {}),
    ("AdamAMSGrad", "Adam", dict(lr=1e-2, weight_decay=1e-3), dict(amsgrad=True)),
    ("RMSprop", "RMSprop", dict(lr=1e-2, momentum=0.9, centered=True, weight_decay=1e-3), {}),
    ("RMSprop", "RMSprop", dict(lr=1e-2, centered=True), {}),
    ("Adagrad", "Adagrad", dict(lr=0.05, lr_decay=1e-2, weight_decay=1e-3), {}),
    ("Adadelta", "Adadelta", dict(lr=0.5, rho=0.9, weight_decay=1e-3), {}),
    ("Adamax", "Adamax", dict(lr=1e-2, weight_decay=1e-3, maximize=True), {}),
    # lr=1e-2 makes NAdam's trajectory on this MLP chaotic near step 170 (rounding grows to 1e-3 for the
    # document's class and torch alike); at torch's default lr it is not
    ("NAdamScheduled", "NAdam", dict(lr=2e-3, weight_decay=1e-3), {}),
    ("NAdamScheduled", "NAdam", dict(lr=2e-3, weight_decay=1e-2, decoupled_weight_decay=True), {}),
    ("NAdamT1", "NAdam", dict(lr=1e-2, weight_decay=1e-3), dict(momentum_decay=math.inf)),
]


def _ids(case):
    cls, _, kw, _ = case
    return cls + "-" + "-".join(f"{k}={v}" for k, v in kw.items() if k != "lr")


def _model(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()


def _grads(model, x, y, sign=1.0):
    model.zero_grad()
    (sign * torch.nn.functional.mse_loss(model(x), y)).backward()
    return [p.grad for p in model.parameters()]


@pytest.fixture
def float64_default():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_torch_options_follow_torch_optim_over_200_steps(case, float64_default):
    ours_name, torch_name, kwargs, torch_only = case
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(32, 4, generator=generator, dtype=torch.float64)
    y = torch.randn(32, 1, generator=generator, dtype=torch.float64)
    reference, model = _model(), _model()
    ref_opt = getattr(torch.optim, torch_name)(reference.parameters(), foreach=False, **kwargs, **torch_only)
    arrays = [p.detach().numpy() for p in model.parameters()]  # shares memory with the model
    opt = getattr(optforge, ours_name)(arrays, **kwargs)
    assert type(opt).__name__.endswith("Torch"), type(opt).__name__  # torch's form, a <base>_torch spec
    sign = -1.0 if kwargs.get("maximize") else 1.0  # maximize -loss: both sides ascend to the same optimum
    for _ in range(200):
        _grads(reference, x, y, sign)
        ref_opt.step()
        opt.step([g.numpy() for g in _grads(model, x, y, sign)])
    for ours, theirs in zip(arrays, reference.parameters()):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-13)
    assert not np.allclose(arrays[0], _model().state_dict()["0.weight"].numpy())  # it trained


def test_the_form_is_the_one_optforge_torch_runs():
    import optforge.torch as oft

    p = np.zeros(3)
    for kwargs in (dict(momentum=0.9, nesterov=True, weight_decay=5e-4), dict(momentum=0.9, dampening=0.5),
                   dict(weight_decay=1e-3)):
        numpy_form = optforge.SGD([p], lr=0.1, **kwargs).name
        t = torch.zeros(3, dtype=torch.float64, requires_grad=True)
        torch_opt = oft.SGD([t], lr=0.1, **kwargs)
        assert numpy_form == torch_opt._spec_for(torch_opt.param_groups[0], "").name


def test_plain_keywords_keep_the_documents_class():
    p = np.zeros(3)
    assert type(optforge.SGD([p], lr=0.1)) is optforge.SGD
    assert type(optforge.Momentum([p], lr=0.1, momentum=0.9)) is optforge.Momentum
    assert type(optforge.Adadelta([p], rho=0.9)) is optforge.Adadelta


def test_maximize_ascends():
    p = np.zeros(2)
    opt = optforge.Adam([p], lr=0.1, maximize=True)
    opt.step([np.array([1.0, -1.0])])
    assert p[0] > 0 and p[1] < 0  # along +g, not -g


@pytest.mark.parametrize("cls, kwargs, error, text", [
    ("SGD", dict(nesterov=True), ValueError, "SGD: Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(momentum=0.9, nesterov=True, dampening=0.1), ValueError, "zero dampening"),
    ("SGD", dict(momentum=0.9, amsgrad=True), TypeError,
     "it runs SGDDampenedTorch (spec 'sgd_dampened_torch', torch.optim.SGD's form), which has no 'amsgrad'"),
    ("SGD", dict(maximize=1), TypeError, "SGD: maximize must be True or False, got 1"),
    ("NAG", dict(nesterov=False), ValueError, "NAG is torch.optim.SGD with nesterov=True"),
    ("Adam", dict(weight_decay=-1.0), ValueError, "weight_decay=-1.0 is outside its domain"),
    ("NAdamT1", dict(momentum_decay=4e-3), ValueError, "for a finite momentum_decay use NAdamScheduled"),
    ("SGD", dict(foo=1), TypeError, "SGD has no keyword argument 'foo'"),
    ("AdagradEpsInSqrt", dict(weight_decay=1.0), TypeError,
     "AdagradEpsInSqrt has no keyword argument 'weight_decay'"),
])
def test_bad_options_are_refused_with_the_reason(cls, kwargs, error, text):
    with pytest.raises(error) as info:
        getattr(optforge, cls)([np.zeros(3)], **kwargs)
    assert text in str(info.value), str(info.value)
