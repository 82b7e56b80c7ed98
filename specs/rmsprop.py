"""RMSprop (not in the document; PyTorch's plain form, eps outside the square root)."""

import sympy as sp

from .adam import ADAM, b2, vhat
from .common import epsilon, learning_rate
from .language import (GRAD, THETA, T, UNIT_INTERVAL, Assign, Equivalent, Hyperparameter, Spec, State,
                       StateCount, TorchEquivalent)

lr, eps = learning_rate(1e-2), epsilon(1e-8)
alpha = Hyperparameter("alpha", 0.99, UNIT_INTERVAL, "decay rate of the squared-gradient average", r"\alpha",
                       api="alpha")
v, denom = sp.Symbol("v", nonnegative=True), sp.Symbol("denom", real=True)

RMSPROP = Spec(
    "rmsprop", "RMSprop",
    hyperparameters=[lr, alpha, eps],
    state=[State("v", 0.0, "moving average of squared gradients", "v", nonnegative=True, torch_name="square_avg")],
    assignments=[
        Assign(v, alpha.symbol * v + (1 - alpha.symbol) * GRAD**2, "average of squared gradients"),
        Assign(denom, sp.sqrt(v) + eps.symbol, "RMS of the gradients, eps outside the square root",
               r"\sqrt{v_t} + \epsilon"),
        Assign(THETA, THETA - lr.symbol * GRAD / denom, "scaled step"),
    ],
    description="Gradient scaled by the root of a moving average of squared gradients (Hinton's lecture 6e).",
    torch_equivalent=TorchEquivalent("RMSprop",
                                     {"lr": "lr", "alpha": "alpha", "eps": "eps"},
                                     {"weight_decay": 0.0, "momentum": 0.0, "centered": False}),
    framework_notes=("PyTorch: identical.",
                     "optax rmsprop and Keras RMSprop put eps inside the square root; defaults 0.9 and eps 1e-7."),
    api_class="RMSprop",
)

#: RMSprop with a bias-corrected average: Adam with b1 = 0 (used by a property).
RMSPROP_BIAS_CORRECTED = RMSPROP.variant(
    "rmsprop_bias_corrected", "RMSprop (bias-corrected)",
    assign=[Assign(denom, sp.sqrt(v / (1 - alpha.symbol**T)) + eps.symbol, "RMS with bias correction")],
    api_class=None)

ADAM_B1_0 = ADAM.substitute({"b1": 0}, "adam_b1_0")
g = sp.Symbol("g", real=True)
v_new = sp.Symbol("v", nonnegative=True)
SPECS = [RMSPROP]
PROPERTIES = [
    Equivalent("adam_b1_0_is_bias_corrected_rmsprop", a=ADAM_B1_0, b=RMSPROP_BIAS_CORRECTED,
               hyper_map={"alpha": b2.symbol},
               statement="Adam with b1 = 0 is RMSprop (alpha = b2) with a bias-corrected v"),
    Equivalent("adam_b1_0_vs_rmsprop_difference", a=ADAM_B1_0, b=RMSPROP, hyper_map={"alpha": b2.symbol},
               difference=lr.symbol * g / (sp.sqrt(v_new) + eps.symbol) - lr.symbol * g / (sp.sqrt(vhat) + eps.symbol),
               statement="Adam with b1 = 0 minus RMSprop (alpha = b2) is exactly "
                         "lr g/(sqrt(v_t)+eps) - lr g/(sqrt(vhat_t)+eps)"),
    StateCount("rmsprop_state_arrays", spec=RMSPROP, expected=1,
               statement="RMSprop keeps one state array per parameter"),
]
