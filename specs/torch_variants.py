"""The torch.optim options that change an update beyond its gradient, as variants with the properties
that relate each to its base: Adadelta's ``lr`` (it scales the applied step while the accumulator keeps
the unscaled update), RMSprop's ``centered`` and ``momentum``, and NAdam's ``decoupled_weight_decay``.
"""

import sympy as sp

from .adadelta import ADADELTA, dtheta
from .adagrad import ADAGRAD
from .adagrad import denom as agrad_denom
from .adam import ADAM
from .adamw import ADAMW
from .combinators import decoupled_weight_decay
from .common import learning_rate, momentum
from .language import (GRAD, NONNEGATIVE, THETA, T, Assign, ClosedForm, Equivalent, Hyperparameter, Identity, State,
                       StateCount)
from .nadam import NADAM, NADAM_SCHEDULED, NADAM_T1
from .rmsprop import RMSPROP, alpha, denom, eps, v

theta = sp.Symbol("theta", real=True)
_g = sp.Symbol("g", real=True)

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

# ---------------------------------------------------------------- Adagrad's lr_decay
lr_decay = Hyperparameter("lr_decay", 0.0, NONNEGATIVE, "decay of the learning rate: lr / (1 + (t - 1) lr_decay)",
                          r"\kappa", api="lr_decay")
ADAGRAD_DECAYED = ADAGRAD.variant(
    "adagrad_decayed", "Adagrad with a decaying learning rate (torch.optim form)",
    hyperparameters=[lr_decay],
    assign=[Assign(THETA, THETA - ADAGRAD.hyper("lr").symbol / (1 + (T - 1) * lr_decay.symbol) * GRAD / agrad_denom,
                   "scaled step, the learning rate divided by 1 + (t - 1) lr_decay")],
    description="torch.optim.Adagrad's lr_decay: the step at t uses lr / (1 + (t - 1) lr_decay).",
    framework_notes=("PyTorch Adagrad(lr_decay): identical.",), api_class="AdagradDecayed", export=False,
    torch_equivalent=None)

# ---------------------------------------------------------------- NAdam (t+1) with torch's running product
nadam_b1 = NADAM_T1.hyper("b1").symbol
mu_product = sp.Symbol("mu_product", real=True)
NADAM_T1_PRODUCT = NADAM_T1.variant(
    "nadam_t1_product", "NAdam (exponent t+1) with torch's running product",
    state=[State("mu_product", 1.0, "running product of the momentum b1 (torch's state; the update does not read it)",
                 r"\prod_{i \le t} \beta_1", per_element=False, torch_name="mu_product")],
    assign=[Assign(mu_product, mu_product * nadam_b1, "running product of the constant momentum b1")],
    description="NAdam with the exponent t+1, keeping torch's mu_product = b1^t (NAdam with momentum_decay = inf).",
    framework_notes=(), api_class="NAdamT1Product", export=False, torch_equivalent=None)

# ---------------------------------------------------------------- NAdam with decoupled weight decay
_nadam_decoupled = [decoupled_weight_decay(base, f"{name}_decoupled", api_class=f"{base.api_class}Decoupled",
                                           export=False, torch_equivalent=None, framework_notes=(),
                                           description="NAdam with torch.optim's decoupled_weight_decay=True: "
                                                       "theta shrinks by 1 - lr lam before the step.")
                    for name, base in (("nadam", NADAM), ("nadam_t1", NADAM_T1_PRODUCT),
                                       ("nadam_scheduled", NADAM_SCHEDULED))]
NADAM_DECOUPLED, NADAM_T1_DECOUPLED, NADAM_SCHEDULED_DECOUPLED = (spec for spec, _ in _nadam_decoupled)
_adam_decoupled, _adam_decoupled_properties = decoupled_weight_decay(ADAM, "adam_decoupled")

SPECS = [ADAGRAD_DECAYED, NADAM_T1_PRODUCT, ADADELTA_LR, RMSPROP_CENTERED, RMSPROP_MOMENTUM, RMSPROP_CENTERED_MOMENTUM, NADAM_DECOUPLED,
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
    ClosedForm("rmsprop_centered_constant_gradient", spec=RMSPROP_CENTERED,
               state={"ga": _g * (1 - alpha.symbol**T), "v": _g**2 * (1 - alpha.symbol**T)},
               statement="with a constant gradient g, the mean ga_t = (1 - alpha^t) g and v_t = (1 - alpha^t) g^2"),
    Identity("rmsprop_centered_first_denominator", spec=RMSPROP_CENTERED, state={"ga": 0, "v": 0}, t=1,
             lhs=denom, rhs=sp.sqrt(alpha.symbol * (1 - alpha.symbol)) * sp.Abs(_g) + eps.symbol,
             statement="after the first gradient the centred denominator is sqrt(alpha (1 - alpha)) |g| + eps: the "
                       "mean square (1 - alpha) g^2 minus the squared mean (1 - alpha)^2 g^2"),
    Identity("rmsprop_momentum_first_step", spec=RMSPROP_MOMENTUM, state={"v": 0, "buf": 0}, t=1,
             lhs=sp.Symbol("step"), rhs=-RMSPROP.hyper("lr").symbol * _g / (sp.sqrt(1 - alpha.symbol) * sp.Abs(_g) + eps.symbol),
             statement="from zero state RMSprop with momentum first moves by -lr g / (sqrt(1 - alpha) |g| + eps), as "
                       "RMSprop does"),
    Identity("rmsprop_momentum_buffer_decays", spec=RMSPROP_MOMENTUM, state={"v": 0}, t=1, lhs=buf,
             rhs=mu.symbol * sp.Symbol("buf_prev") + _g / (sp.sqrt(1 - alpha.symbol) * sp.Abs(_g) + eps.symbol),
             statement="the buffer decays by mu and takes the scaled gradient: after a first average "
                       "v_1 = (1 - alpha) g^2, buf_1 = mu buf_0 + g / (sqrt(1 - alpha) |g| + eps)"),
    ClosedForm("adagrad_decayed_constant_gradient", spec=ADAGRAD_DECAYED, state={"G": T * _g**2},
               claims={"step": -ADAGRAD.hyper("lr").symbol / (1 + (T - 1) * lr_decay.symbol) * _g
                       / (sp.sqrt(T) * sp.Abs(_g) + ADAGRAD.hyper("eps").symbol)},
               statement="with a constant gradient g, step t is -lr / (1 + (t - 1) lr_decay) g / (sqrt(t) |g| + eps): "
                         "the first step is Adagrad's, later ones shrink by the decay as well"),
    Equivalent("adagrad_decayed_0_is_adagrad", a=ADAGRAD_DECAYED.substitute({"lr_decay": 0}, "adagrad_decayed_0"),
               b=ADAGRAD, statement="Adagrad with lr_decay = 0 is Adagrad"),
    ClosedForm("nadam_t1_product_is_b1_to_the_t", spec=NADAM_T1_PRODUCT, state={"mu_product": nadam_b1**T},
               statement="torch's running product mu_product is b1^t at every step t"),
    Equivalent("nadam_t1_product_is_nadam_t1", a=NADAM_T1_PRODUCT, b=NADAM_T1,
               statement="keeping the product changes nothing in NAdam's update"),
    *[p for _, props in _nadam_decoupled for p in props],
    Equivalent("adamw_is_adam_with_decoupled_decay", a=_adam_decoupled, b=ADAMW, hyper_map={},
               statement="AdamW is Adam with the decoupled-weight-decay combinator"),
]
