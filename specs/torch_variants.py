"""The torch.optim options that change an update beyond its gradient, as variants with the properties
that relate each to its base: Adadelta's ``lr`` (it scales the applied step while the accumulator keeps
the unscaled update), RMSprop's ``centered`` and ``momentum``, and NAdam's ``decoupled_weight_decay``.
"""

import sympy as sp

from .adadelta import ADADELTA, dtheta
from .adam import ADAM
from .adamw import ADAMW
from .combinators import decoupled_weight_decay
from .common import learning_rate, momentum
from .language import GRAD, THETA, Assign, Equivalent, State, StateCount
from .nadam import NADAM, NADAM_SCHEDULED, NADAM_T1
from .rmsprop import RMSPROP, alpha, denom, eps, v

theta = sp.Symbol("theta", real=True)

# ---------------------------------------------------------------- Adadelta with a learning rate
ADADELTA_LR = ADADELTA.variant(
    "adadelta_lr", "Adadelta with a learning rate (torch.optim form)",
    hyperparameters=[learning_rate(1.0)],
    assign=[Assign(THETA, THETA + learning_rate(1.0).symbol * dtheta,
                   "apply the update scaled by lr (the average of squared updates keeps the unscaled one)")],
    description="torch.optim.Adadelta's lr: it scales the applied step only, so lr != 1 is not a rescaled "
                "Adadelta.",
    framework_notes=("PyTorch Adadelta(lr): identical; lr = 1 (its default) is the document's Adadelta.",),
    api_class="AdadeltaLR", export=False, torch_equivalent=None)

# ---------------------------------------------------------------- RMSprop: centred, with momentum
ga, buf = sp.Symbol("ga", real=True), sp.Symbol("buf", real=True)
mu = momentum(0.0)
_grad_avg = State("ga", 0.0, "moving average of gradients (the mean subtracted)", r"\bar{g}", torch_name="grad_avg")
_buffer = State("buf", 0.0, "momentum buffer of the scaled gradients", "b", torch_name="momentum_buffer")
_centred = dict(
    state=[_grad_avg],
    assign=[Assign(ga, alpha.symbol * ga + (1 - alpha.symbol) * GRAD, "average of gradients"),
            Assign(denom, sp.sqrt(v - ga**2) + eps.symbol, "RMS of the gradients around their mean, eps outside",
                   r"\sqrt{v_t - \bar{g}_t^2} + \epsilon")])
_with_momentum = dict(
    hyperparameters=[mu], state=[_buffer],
    assign=[Assign(buf, mu.symbol * buf + GRAD / denom, "momentum buffer of the scaled gradients"),
            Assign(THETA, THETA - RMSPROP.hyper("lr").symbol * buf, "step along the buffer")])
RMSPROP_CENTERED = RMSPROP.variant(
    "rmsprop_centered", "RMSprop (centred)", **_centred,
    description="RMSprop dividing by the root of the variance of the gradients instead of their mean square, as "
                "torch.optim.RMSprop does with centered=True.",
    framework_notes=("PyTorch RMSprop(centered=True): identical.",), api_class="RMSpropCentered", export=False,
    torch_equivalent=None)
RMSPROP_MOMENTUM = RMSPROP.variant(
    "rmsprop_momentum", "RMSprop with momentum", **_with_momentum,
    description="RMSprop whose scaled gradients accumulate in a momentum buffer, as torch.optim.RMSprop does with momentum.",
    framework_notes=("PyTorch RMSprop(momentum): identical.",), api_class="RMSpropMomentum", export=False,
    torch_equivalent=None)
RMSPROP_CENTERED_MOMENTUM = RMSPROP_CENTERED.variant(
    "rmsprop_centered_momentum", "RMSprop (centred) with momentum", **_with_momentum,
    description="Centred RMSprop with a momentum buffer, as torch.optim.RMSprop does with centered=True and momentum.",
    framework_notes=("PyTorch RMSprop(centered=True, momentum): identical.",), api_class="RMSpropCenteredMomentum",
    export=False, torch_equivalent=None)

# ---------------------------------------------------------------- NAdam with decoupled weight decay
_nadam_decoupled = [decoupled_weight_decay(base, f"{base.name}_decoupled", api_class=f"{base.api_class}Decoupled",
                                           export=False, torch_equivalent=None, framework_notes=(),
                                           description="NAdam with torch.optim's decoupled_weight_decay=True: "
                                                       "theta shrinks by 1 - lr lam before the step.")
                    for base in (NADAM, NADAM_T1, NADAM_SCHEDULED)]
NADAM_DECOUPLED, NADAM_T1_DECOUPLED, NADAM_SCHEDULED_DECOUPLED = (spec for spec, _ in _nadam_decoupled)
_adam_decoupled, _adam_decoupled_properties = decoupled_weight_decay(ADAM, "adam_decoupled")

SPECS = [ADADELTA_LR, RMSPROP_CENTERED, RMSPROP_MOMENTUM, RMSPROP_CENTERED_MOMENTUM, NADAM_DECOUPLED,
         NADAM_T1_DECOUPLED, NADAM_SCHEDULED_DECOUPLED]
PROPERTIES = [
    Equivalent("adadelta_lr_1_is_adadelta", a=ADADELTA_LR.substitute({"lr": 1}, "adadelta_lr_1"), b=ADADELTA,
               statement="Adadelta with lr = 1 is the document's Adadelta"),
    Equivalent("adadelta_lr_is_not_a_scaled_step", a=ADADELTA_LR, b=ADADELTA, holds=False,
               statement="with lr != 1 it is not the document's Adadelta: the averages see the unscaled update"),
    Equivalent("rmsprop_centered_mean_0_is_rmsprop",
               a=RMSPROP_CENTERED.variant("rmsprop_centered_mean_0", assign=[Assign(ga, sp.S.Zero, "mean held at 0")]),
               b=RMSPROP, compare={"theta": theta, "v": v},
               statement="centred RMSprop with the mean held at 0 is RMSprop"),
    Equivalent("rmsprop_momentum_0_is_rmsprop", a=RMSPROP_MOMENTUM.substitute({"mu": 0}, "rmsprop_momentum_0"),
               b=RMSPROP, compare={"theta": theta, "v": v}, statement="RMSprop with momentum 0 is RMSprop"),
    Equivalent("rmsprop_centered_momentum_0_is_centered",
               a=RMSPROP_CENTERED_MOMENTUM.substitute({"mu": 0}, "rmsprop_centered_momentum_0"), b=RMSPROP_CENTERED,
               compare={"theta": theta, "v": v, "ga": ga},
               statement="centred RMSprop with momentum 0 is centred RMSprop"),
    StateCount("rmsprop_centered_momentum_state_arrays", spec=RMSPROP_CENTERED_MOMENTUM, expected=3,
               statement="centred RMSprop with momentum keeps three state arrays per parameter"),
    *[p for _, props in _nadam_decoupled for p in props],
    Equivalent("adamw_is_adam_with_decoupled_decay", a=_adam_decoupled, b=ADAMW, hyper_map={},
               statement="AdamW is Adam with the decoupled-weight-decay combinator"),
]
