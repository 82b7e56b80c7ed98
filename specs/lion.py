"""Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Algorithm 2):
the sign of an interpolation of momentum and gradient, with decoupled weight decay."""

import sympy as sp

from .common import learning_rate, weight_decay
from .language import GRAD, THETA, UNIT_INTERVAL, T, Assign, ClosedForm, Hyperparameter, Identity, Spec, State, StateCount

lr, lam = learning_rate(1e-4), weight_decay(0.0)
b1 = Hyperparameter("b1", 0.9, UNIT_INTERVAL, "interpolation weight of the momentum in the update direction",
                    r"\beta_1", api="betas", api_index=0)
b2 = Hyperparameter("b2", 0.99, UNIT_INTERVAL, "decay rate of the momentum", r"\beta_2", api="betas", api_index=1)
m, c = sp.Symbol("m", real=True), sp.Symbol("c", real=True)

LION = Spec(
    "lion", "Lion",
    hyperparameters=[lr, b1, b2, lam],
    state=[State("m", 0.0, "momentum: moving average of gradients", "m", torch_name="exp_avg")],
    assignments=[
        Assign(c, b1.symbol * m + (1 - b1.symbol) * GRAD, "interpolation of momentum and gradient", "c"),
        Assign(THETA, THETA - lr.symbol * (sp.sign(c) + lam.symbol * THETA),
               "signed step plus decoupled weight decay of theta_{t-1}"),
        Assign(m, b2.symbol * m + (1 - b2.symbol) * GRAD, "momentum, updated after the step"),
    ],
    description="EvoLved Sign Momentum: every coordinate moves by exactly lr (before weight decay).",
    torch_equivalent=None,
    framework_notes=("PyTorch 2.13 has no Lion.", "optax lion: identical (decoupled decay multiplied by lr)."),
    api_class="Lion",
)

_g = sp.Symbol("g", real=True)
SPECS = [LION]
PROPERTIES = [
    Identity("lion_step_has_magnitude_lr", spec=LION.substitute({"lam": 0}, "lion_no_decay"),
             lhs=sp.Abs(sp.Symbol("step")), rhs=lr.symbol * sp.Abs(sp.sign(c)),
             statement="without weight decay every coordinate of Lion's step has magnitude lr (0 where c = 0)"),
    Identity("lion_decay_is_decoupled", spec=LION, lhs=sp.Symbol("step"),
             rhs=-lr.symbol * sp.sign(c) - lr.symbol * lam.symbol * sp.Symbol("theta_prev"),
             statement="Lion's weight decay acts on theta_{t-1}, outside the sign"),
    ClosedForm("lion_constant_gradient", spec=LION, state={"m": _g * (1 - b2.symbol**T)},
               claims={"c": _g * (1 - b1.symbol * b2.symbol**(T - 1))},
               statement="with a constant gradient g, m_t = (1 - b2^t) g, and the direction's argument is "
                         "c_t = (1 - b1 b2^(t-1)) g: it interpolates with the momentum of the previous step"),
    Identity("lion_first_step", spec=LION, state={"m": 0}, t=1, lhs=sp.Symbol("c"), rhs=(1 - b1.symbol) * _g,
             statement="from zero momentum the first direction is sign((1 - b1) g) = sign(g)"),
    StateCount("lion_state_arrays", spec=LION, expected=1, statement="Lion keeps one state array per parameter"),
]
