"""AMSGrad (Reddi et al. 2018) as a variant of Adam and of AdamW, with PyTorch's semantics:
the running maximum of the raw v, divided by the current sqrt(1 - b2^t).

(optax's scale_by_amsgrad takes the maximum of the bias-corrected v instead: a different algorithm.)
"""

import sympy as sp

from .adam import ADAM, b2, bc2, eps, lr, v, vhat
from .adamw import ADAMW
from .language import T, Assign, Identity, NonNegative, State, StateCount, TorchEquivalent

vmax = sp.Symbol("vmax", nonnegative=True)
_amsgrad = dict(
    state=[State("vmax", 0.0, "running maximum of the second moment v", r"v^{\max}", nonnegative=True,
                 torch_name="max_exp_avg_sq")],
    assign=[
        Assign(vmax, sp.Max(vmax, v), "running maximum of v"),
        Assign(vhat, vmax / bc2, "bias-corrected maximum", r"\hat{v}"),
    ],
    framework_notes=("PyTorch amsgrad=True: identical (max of the raw v, current bias correction).",
                     "optax scale_by_amsgrad: maximum of the bias-corrected v by default, a different algorithm.",
                     "Keras amsgrad=True: as PyTorch, with Keras' epsilon-hat Adam."),
)

ADAM_AMSGRAD = ADAM.variant(
    "adam_amsgrad", "Adam (AMSGrad)", **_amsgrad,
    description="Adam whose second moment is replaced by its running maximum, so steps cannot grow from a "
                "shrinking v.",
    torch_equivalent=TorchEquivalent("Adam",
                                     {"lr": "lr", "betas": ("b1", "b2"), "eps": "eps"},
                                     {"weight_decay": 0.0, "amsgrad": True}),
    api_class="AdamAMSGrad")

ADAMW_AMSGRAD = ADAMW.variant(
    "adamw_amsgrad", "AdamW (AMSGrad)", **_amsgrad,
    description="AdamW with the AMSGrad running maximum of the second moment.",
    torch_equivalent=TorchEquivalent("AdamW",
                                     {"lr": "lr", "betas": ("b1", "b2"), "eps": "eps", "weight_decay": "lam"},
                                     {"amsgrad": True}),
    api_class="AdamWAMSGrad")

_g = sp.Symbol("g", real=True)
SPECS = [ADAM_AMSGRAD, ADAMW_AMSGRAD]
PROPERTIES = [
    NonNegative("amsgrad_max_never_decreases", spec=ADAM_AMSGRAD, expr=vmax - sp.Symbol("vmax_prev"),
                statement="AMSGrad's running maximum vmax_t >= vmax_{t-1}, so sqrt(vmax) never decreases"),
    NonNegative("amsgrad_corrected_denominator_can_decrease", spec=ADAM_AMSGRAD, holds=False,
                expr=sp.sqrt(vhat) - sp.sqrt(sp.Symbol("vmax_prev") / (1 - b2.symbol**(T - 1))),
                statement="the bias-corrected denominator sqrt(vmax_t/(1-b2^t)) can be smaller than the previous "
                          "step's, because the correction 1/(1-b2^t) shrinks"),
    NonNegative("amsgrad_step_bounded_by_adam_denominator", spec=ADAM_AMSGRAD,
                expr=vmax - sp.Symbol("v"),
                statement="vmax_t >= v_t: AMSGrad's denominator is at least Adam's"),
    Identity("amsgrad_first_step_is_bias_corrected", spec=ADAM_AMSGRAD, state={"m": 0, "v": 0, "vmax": 0}, t=1,
             lhs=vhat, rhs=_g**2,
             statement="from zero state vhat_1 = vmax_1 / (1 - b2) = g^2: the maximum is bias-corrected like Adam's v"),
    Identity("amsgrad_first_step", spec=ADAM_AMSGRAD, state={"m": 0, "v": 0, "vmax": 0}, t=1,
             lhs=sp.Symbol("step"), rhs=-lr.symbol * _g / (sp.Abs(_g) + eps.symbol),
             statement="AMSGrad's first step from zero state is Adam's, -lr g / (|g| + eps)"),
    Identity("amsgrad_keeps_a_larger_maximum", spec=ADAM_AMSGRAD, state={"v": 0, "vmax": 2 * _g**2}, t=2,
             lhs=vhat, rhs=2 * _g**2 / (1 - b2.symbol**2),
             statement="a maximum above the new v is kept: with vmax_1 = 2 g^2 and v_1 = 0 the second step divides by "
                       "sqrt(2 g^2 / (1 - b2^2)), not by Adam's sqrt(v_2 / (1 - b2^2))"),
    StateCount("adam_amsgrad_state_arrays", spec=ADAM_AMSGRAD, expected=3,
               statement="AMSGrad keeps three state arrays per parameter (m, v, vmax)"),
]
