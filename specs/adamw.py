"""AdamW (document section "Adamw", 2017): Adam with weight decay decoupled from the gradient."""

import sympy as sp

from .adam import ADAM, eps, lr, mhat, vhat
from .common import weight_decay
from .language import GRAD, THETA, Assign, Equivalent, StateCount, TorchEquivalent

lam = weight_decay(1e-2)

ADAMW = ADAM.variant(
    "adamw", "AdamW",
    hyperparameters=[lam],
    assign=[Assign(THETA, THETA - lr.symbol * mhat / (sp.sqrt(vhat) + eps.symbol) - lr.symbol * lam.symbol * THETA,
                   "adaptive step plus decay of the previous parameters")],
    description="Adam whose weight decay shrinks theta_{t-1} directly instead of entering the gradient.",
    torch_equivalent=TorchEquivalent("AdamW",
                                     {"lr": "lr", "betas": ("b1", "b2"), "eps": "eps", "weight_decay": "lam"},
                                     {"amsgrad": False}),
    framework_notes=(
        "PyTorch AdamW (also fused=True, foreach=True) and optax adamw: identical (decay multiplied by lr); "
        "default lambda: PyTorch 1e-2, optax 1e-4.",
        "Keras AdamW: the same decoupled decay, but Keras' epsilon-hat Adam, so it differs.",
        "The paper multiplies lambda by the schedule multiplier only, not by lr.",
    ),
    api_class="AdamW",
)

#: Adam with an L2 term in the gradient (PyTorch's Adam(weight_decay=lam)): not AdamW.
ADAM_L2 = ADAM.variant("adam_l2", "Adam with L2", hyperparameters=[lam],
                       assign=[Assign(GRAD, GRAD + lam.symbol * THETA, "L2 term added to the gradient")])

theta = sp.Symbol("theta", real=True)
SPECS = [ADAMW]
PROPERTIES = [
    Equivalent("adamw_lambda0_is_adam", a=ADAMW.substitute({"lam": 0}, "adamw_lambda0"), b=ADAM,
               statement="AdamW with lambda = 0 is Adam"),
    Equivalent("adam_l2_is_not_adamw", a=ADAM_L2, b=ADAMW, holds=False,
               statement="Adam with an L2 term (g + lambda theta) is not AdamW"),
    Equivalent("adamw_decay_is_decoupled", a=ADAMW, b=ADAM,
               difference=-lr.symbol * lam.symbol * sp.Symbol("theta_prev"),
               statement="AdamW - Adam = -lr lambda theta_{t-1}: the decay acts on the previous parameters"),
    StateCount("adamw_state_arrays", spec=ADAMW, expected=2,
               statement="AdamW keeps two state arrays per parameter, as Adam"),
]
