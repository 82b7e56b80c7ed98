"""Adamax (Kingma & Ba, section 7.1): Adam with the infinity norm, u_t = max(b2 u_{t-1}, |g_t|).

eps follows PyTorch's placement, inside the max (``max(b2 u, |g| + eps)``), so that the
first step cannot divide by zero; the paper has no eps.
"""

import dataclasses

import sympy as sp

from .common import beta1, beta2, epsilon, learning_rate
from .language import GRAD, THETA, T, Assign, ClosedForm, Identity, Spec, State, StateCount, TorchEquivalent

lr, b1 = learning_rate(2e-3), beta1()
b2 = dataclasses.replace(beta2(), meaning="decay rate of the infinity-norm average")
eps = epsilon(1e-8, "added to |g| inside the max against division by zero")
m, u = sp.Symbol("m", real=True), sp.Symbol("u", nonnegative=True)

ADAMAX = Spec(
    "adamax", "Adamax",
    hyperparameters=[lr, b1, b2, eps],
    state=[
        State("m", 0.0, "first moment: moving average of gradients", "m", torch_name="exp_avg"),
        State("u", 0.0, "exponentially weighted infinity norm of the gradients", "u", nonnegative=True,
              torch_name="exp_inf"),
    ],
    assignments=[
        Assign(m, b1.symbol * m + (1 - b1.symbol) * GRAD, "first-moment average"),
        Assign(u, sp.Max(b2.symbol * u, sp.Abs(GRAD) + eps.symbol), "decayed running maximum of |g|"),
        Assign(THETA, THETA - lr.symbol / (1 - b1.symbol**T) * m / u, "bias-corrected step scaled by the max norm"),
    ],
    description="Adam with the infinity norm in place of the second moment (no bias correction needed for u).",
    torch_equivalent=TorchEquivalent("Adamax",
                                     {"lr": "lr", "betas": ("b1", "b2"), "eps": "eps"},
                                     {"weight_decay": 0.0}),
    framework_notes=("PyTorch and optax adamax: identical (eps inside the max).",
                     "Keras Adamax adds eps outside: m / (u + eps) with u = max(b2 u, |g|)."),
    api_class="Adamax",
)

g = sp.Symbol("g", real=True)
SPECS = [ADAMAX]
PROPERTIES = [
    Identity("adamax_b1_0_first_step", spec=ADAMAX.substitute({"b1": 0}, "adamax_b1_0"), state={"m": 0, "u": 0}, t=1,
             lhs=sp.Symbol("step"), rhs=-lr.symbol * g / (sp.Abs(g) + eps.symbol),
             statement="Adamax with b1 = 0 from zero state first moves by -lr g/(|g| + eps), about -lr sign(g)"),
    Identity("adamax_b1_0_step_is_normalised_gradient", spec=ADAMAX.substitute({"b1": 0}, "adamax_b1_0"),
             lhs=sp.Symbol("step"), rhs=-lr.symbol * g / sp.Symbol("u"),
             statement="Adamax with b1 = 0 steps by -lr g_t / u_t (no momentum, no bias correction)"),
    Identity("adamax_first_step", spec=ADAMAX, state={"m": 0, "u": 0}, t=1, lhs=sp.Symbol("step"),
             rhs=-lr.symbol * g / (sp.Abs(g) + eps.symbol),
             statement="for every b1, Adamax from zero state first moves by -lr g/(|g| + eps): the bias "
                       "correction 1/(1 - b1) undoes m's factor (1 - b1)"),
    ClosedForm("adamax_constant_gradient_momentum", spec=ADAMAX, state={"m": g * (1 - b1.symbol**T)},
               claims={"step": -lr.symbol * g / u},
               statement="with a constant gradient g, m_t = (1 - b1^t) g and the bias-corrected step is "
                         "-lr g / u_t for every b1 and t"),
    Identity("adamax_large_norm_decays", spec=ADAMAX, state={"u": 2 * (sp.Abs(g) + eps.symbol) / b2.symbol},
             lhs=u, rhs=2 * (sp.Abs(g) + eps.symbol),
             statement="while b2 u_{t-1} exceeds |g| + eps (here it is twice that), u_t = b2 u_{t-1}: the "
                       "running maximum decays by b2"),
    StateCount("adamax_state_arrays", spec=ADAMAX, expected=2, statement="Adamax keeps two state arrays per parameter"),
]
