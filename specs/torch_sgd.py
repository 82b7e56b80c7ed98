"""SGD with momentum as ``torch.optim.SGD`` keeps it: the buffer holds no learning rate.

The document's Momentum and NAG keep a velocity that includes the learning rate (``v = mu v + lr g``);
torch keeps ``momentum_buffer = mu buf + g`` and multiplies by the learning rate at each step, so a
learning-rate schedule changes the whole step at once.  The two are related by the change of variables
``v = lr * buf`` at an unchanged learning rate; the properties below prove it, step by step.
"""

import sympy as sp

from .common import learning_rate, momentum
from .language import (GRAD, THETA, T, Assign, Equivalent, Hyperparameter, Identity, Spec, State, StateCount,
                       TorchEquivalent)
from .momentum import MOMENTUM
from .nag import NAG_STORED
from .sgd import SGD

lr, mu = learning_rate(1e-3), momentum(0.9)
buf = sp.Symbol("buf", real=True)
_buffer = State("buf", 0.0, "momentum buffer (without the learning rate)", "b", torch_name="momentum_buffer")
_accumulate = Assign(buf, mu.symbol * buf + GRAD, "momentum buffer: decayed history plus the gradient")

SGD_MOMENTUM = Spec(
    "sgd_momentum", "Heavy-ball SGD (torch.optim form)",
    hyperparameters=[lr, mu],
    state=[_buffer],
    assignments=[_accumulate, Assign(THETA, THETA - lr.symbol * buf, "step along the buffer")],
    description="Heavy-ball momentum as torch.optim.SGD computes it: the learning rate scales the buffer at "
                "each step.",
    torch_equivalent=TorchEquivalent("SGD", {"lr": "lr", "momentum": "mu"}, {"dampening": 0.0, "nesterov": False}),
    framework_notes=("PyTorch SGD(momentum) with dampening 0: identical, under a learning-rate schedule too; its "
                     "first buffer is the gradient itself, as mu 0 + g is here.",),
    api_class="SGDMomentum", export=False, parent="momentum",  # on the sheets, a form of the document's Momentum
)

SGD_NESTEROV = Spec(
    "sgd_nesterov", "Nesterov SGD (torch.optim form)",
    hyperparameters=[lr, mu],
    state=[_buffer],
    assignments=[_accumulate, Assign(THETA, THETA - lr.symbol * (GRAD + mu.symbol * buf),
                                     "Nesterov step: the gradient plus the decayed new buffer")],
    description="Nesterov momentum as torch.optim.SGD(nesterov=True) computes it: the parameters are the "
                "look-ahead point and the learning rate scales the step.",
    torch_equivalent=TorchEquivalent("SGD", {"lr": "lr", "momentum": "mu"}, {"dampening": 0.0, "nesterov": True}),
    framework_notes=("PyTorch SGD(momentum, nesterov=True) with dampening 0: identical, under a learning-rate "
                     "schedule too.",),
    api_class="SGDNesterov", export=False, parent="nag",
)

# torch's dampening scales the gradient into the buffer from the second step on: its first buffer is a
# clone of the gradient.  Min(1, t - 1) is 0 at t = 1 and 1 after, a per-step scalar.
dampening = Hyperparameter("d", 0.0, sp.Interval(0, 1), "dampening of the gradient entering the buffer",
                           r"\delta", api="dampening")
SGD_DAMPENED = SGD_MOMENTUM.variant(
    "sgd_dampened", "Heavy-ball SGD, dampened (torch.optim form)",
    hyperparameters=[dampening],
    assign=[Assign(buf, mu.symbol * buf + (1 - dampening.symbol * sp.Min(1, T - 1)) * GRAD,
                   "momentum buffer: the gradient enters scaled by 1 - dampening, except on the first step")],
    description="torch.optim.SGD's momentum with dampening: from the second step on the gradient enters the "
                "buffer scaled by 1 - dampening; the first buffer is the gradient itself.",
    framework_notes=("PyTorch SGD(momentum, dampening): identical.",),
    api_class="SGDDampened", export=False, torch_equivalent=None)

theta, v = sp.Symbol("theta", real=True), sp.Symbol("v", real=True)
SPECS = [SGD_MOMENTUM, SGD_NESTEROV, SGD_DAMPENED]
PROPERTIES = [
    Equivalent("sgd_momentum_is_momentum_with_v_lr_buf", a=SGD_MOMENTUM, b=MOMENTUM,
               b_from_a={"v": lr.symbol * buf}, compare={"theta": theta, "v": lr.symbol * buf}, checkpoint=True,
               statement="with v = lr buf (at an unchanged lr), one step of torch's form is one step of the "
                         "document's Momentum; optforge.torch.Momentum's checkpoints convert by it"),
    Equivalent("sgd_nesterov_is_nag_with_v_lr_buf", a=SGD_NESTEROV, b=NAG_STORED,
               b_from_a={"v": lr.symbol * buf}, compare={"theta": theta, "v": lr.symbol * buf}, checkpoint=True,
               statement="with v = lr buf (at an unchanged lr), one step of torch's Nesterov form is one step of "
                         "the document's NAG in its stored form; optforge.torch.NAG's checkpoints convert by it"),
    Equivalent("sgd_momentum_mu0_is_sgd", a=SGD_MOMENTUM.substitute({"mu": 0}, "sgd_momentum_mu0"), b=SGD,
               compare={"theta": theta}, statement="torch's momentum form with mu = 0 is SGD"),
    Equivalent("sgd_dampened_0_is_sgd_momentum", a=SGD_DAMPENED.substitute({"d": 0}, "sgd_dampened_0"),
               b=SGD_MOMENTUM, statement="with dampening 0 it is torch's undamped momentum form"),
    Identity("sgd_dampened_first_buffer_is_the_gradient", spec=SGD_DAMPENED, state={"buf": 0}, t=1,
             lhs=buf, rhs=GRAD, statement="the first buffer is the gradient itself, whatever the dampening"),
    Identity("sgd_dampened_later_buffers_are_dampened", spec=SGD_DAMPENED, t=T + 1, lhs=buf,
             rhs=mu.symbol * sp.Symbol("buf_prev") + (1 - dampening.symbol) * GRAD,
             statement="from the second step on (t + 1 for every t >= 1) the gradient enters the buffer scaled by "
                       "1 - dampening"),
    StateCount("sgd_momentum_state_arrays", spec=SGD_MOMENTUM, expected=1,
               statement="torch's momentum form keeps one state array per parameter"),
]
