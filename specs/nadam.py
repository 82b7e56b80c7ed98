"""NAdam: Adam with a Nesterov look-ahead on the first moment.

Three forms, one spec and two variants of it (``docs/semantics.md`` §1.7):

* ``NADAM``, the document's simplified form: ``b1 mhat_t + (1 - b1) g_t / (1 - b1^t)``;
* ``NADAM_T1``, exponent ``t+1`` on the momentum term: optax ``nadam``, PyTorch
  ``NAdam(momentum_decay=inf)``;
* ``NADAM_SCHEDULED``, PyTorch's default, with the momentum schedule ``mu_t`` and the
  running product ``mu_product`` (Dozat's Algorithm 2).
"""

import sympy as sp

from .adam import ADAM, b1, eps, lr, m, mhat, vhat
from .language import (GRAD, NONNEGATIVE, THETA, T, Assign, ClosedForm, Equivalent, Hyperparameter, Identity, Limit,
                       Scaling, State, StateCount, TorchEquivalent)

nesterov = sp.Symbol("nesterov", real=True)
B1 = b1.symbol

NADAM = ADAM.variant(
    "nadam", "NAdam",
    defaults={"lr": 2e-3},
    assign=[
        Assign(nesterov, B1 * mhat + (1 - B1) * GRAD / (1 - B1**T), "Nesterov look-ahead of the first moment",
               r"\bar{m}"),
        Assign(THETA, THETA - lr.symbol * nesterov / (sp.sqrt(vhat) + eps.symbol), "adaptive Nesterov step"),
    ],
    description="The document's NAdam: Adam whose first moment looks one step ahead.",
    torch_equivalent=None,
    framework_notes=(
        "No PyTorch setting reproduces this form; NAdam(momentum_decay=inf) and optax nadam use exponent "
        "t+1 on the momentum term (the NAdam-t+1 variant), PyTorch's default adds a momentum schedule.",
        "Keras Nadam: mu_t = b1 (1 - 0.5 * 0.96^t), i.e. PyTorch NAdam(momentum_decay=1.0).",
    ),
    api_class="NAdam",
)

NADAM_T1 = NADAM.variant(
    "nadam_t1", "NAdam (exponent t+1)",
    assign=[Assign(nesterov, B1 * m / (1 - B1**(T + 1)) + (1 - B1) * GRAD / (1 - B1**T),
                   "Nesterov look-ahead, momentum term corrected with exponent t+1")],
    description="NAdam as optax nadam and PyTorch NAdam(momentum_decay=inf) compute it.",
    torch_equivalent=TorchEquivalent("NAdam",
                                     {"lr": "lr", "betas": ("b1", "b2"), "eps": "eps"},
                                     {"weight_decay": 0.0, "momentum_decay": float("inf")},
                                     note=("It matches to rounding when torch's default dtype is float64 "
                                           "(torch.set_default_dtype(torch.float64)); otherwise torch keeps "
                                           "its running product mu_product in float32.")),
    framework_notes=("optax nadam: identical.", "Differs from the document's NAdam by c_t (see the properties)."),
    api_class="NAdamT1",
)

psi = Hyperparameter("psi", 4e-3, NONNEGATIVE, "momentum decay of the schedule mu_t", r"\psi",
                     api="momentum_decay")
mu_t, mu_next = sp.Symbol("mu_t", real=True), sp.Symbol("mu_next", real=True)
mu_product = sp.Symbol("mu_product", real=True)
decay = sp.Rational(24, 25)  # Dozat's constant 0.96

NADAM_SCHEDULED = NADAM.variant(
    "nadam_scheduled", "NAdam (momentum schedule)",
    hyperparameters=[psi],
    state=[State("mu_product", 1.0, "running product of the momentum schedule", r"\prod_{i \le t} \mu_i",
                 per_element=False, torch_name="mu_product")],
    assign=[
        Assign(mu_t, B1 * (1 - sp.Rational(1, 2) * decay**(T * psi.symbol)), "momentum schedule at t", r"\mu_t"),
        Assign(mu_next, B1 * (1 - sp.Rational(1, 2) * decay**((T + 1) * psi.symbol)), "momentum schedule at t+1",
               r"\mu_{t+1}"),
        Assign(mu_product, mu_product * mu_t, "running product of the schedule"),
        Assign(nesterov, mu_next * m / (1 - mu_product * mu_next) + (1 - mu_t) * GRAD / (1 - mu_product),
               "Nesterov look-ahead with the scheduled momentum"),
    ],
    description="PyTorch's default NAdam: Dozat's Algorithm 2 with the momentum schedule mu_t.",
    torch_equivalent=TorchEquivalent("NAdam",
                                     {"lr": "lr", "betas": ("b1", "b2"), "eps": "eps", "momentum_decay": "psi"},
                                     {"weight_decay": 0.0},
                                     note=("It matches to rounding when torch's default dtype is float64 "
                                           "(torch.set_default_dtype(torch.float64)); otherwise torch keeps "
                                           "its running product mu_product in float32.")),
    framework_notes=("PyTorch NAdam defaults (psi = 4e-3): identical.",
                     "Keras Nadam is this variant with psi = 1."),
    api_class="NAdamScheduled",
)

c_t = lr.symbol * B1 * m * (1 / (1 - B1**T) - 1 / (1 - B1**(T + 1))) / (sp.sqrt(vhat) + eps.symbol)
_g, _c = sp.Symbol("g", real=True), sp.Symbol("c", positive=True)


def _mu(k):
    """Dozat's schedule at step k (the document's constants 0.96 and 1/2), for the properties below."""
    return B1 * (1 - sp.Rational(1, 2) * sp.Rational(96, 100)**(k * psi.symbol))

SPECS = [NADAM, NADAM_T1, NADAM_SCHEDULED]
PROPERTIES = [
    Equivalent("nadam_without_nesterov_is_adam", a=NADAM.variant("nadam_no_nesterov", assign=[Assign(nesterov, mhat)]),
               b=ADAM, statement="NAdam with the Nesterov term replaced by mhat is Adam"),
    Equivalent("nadam_vs_t1_differ_by_c_t", a=NADAM, b=NADAM_T1, difference=-c_t,
               statement="the document's NAdam and the t+1 variant differ by exactly c_t: "
                         "theta_doc = theta_t1 - c_t"),
    Limit("nadam_c_t_vanishes", spec=NADAM, expr=c_t, value=0, others=(NADAM_T1,),
          statement="c_t tends to 0 as t -> oo"),
    StateCount("nadam_state_arrays", spec=NADAM, expected=2, statement="NAdam keeps two state arrays per parameter"),
    Scaling("nadam_scale_invariant", spec=NADAM, fixed={"eps": 0}, scale={"g": _c, "m": _c, "v": _c**2}, factor=1,
            statement="with eps = 0, scaling g by c > 0 (and m, v consistently) leaves NAdam's update unchanged"),
    ClosedForm("nadam_scheduled_psi_0_is_constant_b1_half", spec=NADAM_SCHEDULED.substitute({"psi": 0}, "nadam_scheduled_psi_0"),
               state={"mu_product": (B1 / 2)**T}, claims={"mu_t": B1 / 2, "mu_next": B1 / 2},
               statement="with psi = 0 the schedule is the constant mu_t = b1/2, and mu_product_t = (b1/2)^t"),
    Identity("nadam_scheduled_first_step", spec=NADAM_SCHEDULED, state={"m": 0, "v": 0, "mu_product": 1}, t=1,
             lhs=sp.Symbol("step"), rhs=-lr.symbol * _g * (1 + _mu(2) * (1 - B1) / (1 - _mu(1) * _mu(2)))
             / (sp.Abs(_g) + eps.symbol),
             statement="from zero state the first step is -lr g (1 + mu_2 (1 - b1) / (1 - mu_1 mu_2)) / (|g| + eps), "
                       "with mu_k = b1 (1 - 0.96^(k psi) / 2)"),
    Identity("nadam_scheduled_second_product", spec=NADAM_SCHEDULED, state={"mu_product": _mu(1)}, t=2,
             lhs=mu_product, rhs=_mu(1) * _mu(2),
             statement="after two steps mu_product = mu_1 mu_2: the product runs over the schedule, one factor a step"),
]
