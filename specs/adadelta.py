"""Adadelta (document section 1): no learning rate; the step has the units of theta."""

import sympy as sp

from .common import epsilon
from .language import (GRAD, THETA, UNIT_INTERVAL, Assign, ClosedForm, FixedPoint, Hyperparameter, Identity, Scaling,
                       Spec, State, StateCount, T, TorchEquivalent)
from .sgd import SGD

rho = Hyperparameter("rho", 0.95, UNIT_INTERVAL, "decay rate of both moving averages", r"\rho", api="rho")
eps = epsilon(1e-6, "added inside both square roots (conditioning, and the first steps' size)")
Eg2 = sp.Symbol("Eg2", nonnegative=True)
Edx2 = sp.Symbol("Edtheta2", nonnegative=True)
dtheta = sp.Symbol("dtheta", real=True)

ADADELTA = Spec(
    "adadelta", "Adadelta",
    hyperparameters=[rho, eps],
    state=[
        State("Eg2", 0.0, "moving average of squared gradients", "E[g^2]", nonnegative=True,
              torch_name="square_avg"),
        State("Edtheta2", 0.0, "moving average of squared updates", r"E[\Delta\theta^2]", nonnegative=True,
              torch_name="acc_delta"),
    ],
    assignments=[
        Assign(Eg2, rho.symbol * Eg2 + (1 - rho.symbol) * GRAD**2, "average of squared gradients"),
        Assign(dtheta, -sp.sqrt(Edx2 + eps.symbol) / sp.sqrt(Eg2 + eps.symbol) * GRAD,
               "update: RMS of past updates over RMS of gradients, times the gradient", r"\Delta\theta"),
        Assign(Edx2, rho.symbol * Edx2 + (1 - rho.symbol) * dtheta**2, "average of squared updates"),
        Assign(THETA, THETA + dtheta, "apply the update"),
    ],
    description="Adadelta (Zeiler 2012): an EMA of squared gradients and of squared updates; no learning rate.",
    torch_equivalent=TorchEquivalent("Adadelta",
                                     {"rho": "rho", "eps": "eps"},
                                     {"lr": 1.0, "weight_decay": 0.0}),
    framework_notes=(
        "PyTorch: identical with lr=1.0 (its default) and rho passed explicitly (its default is 0.9).",
        "optax: adadelta(learning_rate=1.0, rho=0.95) is identical; the default learning_rate=None "
        "performs gradient ascent.",
        "Keras: Adadelta(learning_rate=1.0, rho=0.95, epsilon=1e-6) is identical; its defaults are not.",
        "All three accumulate the unscaled update, so lr != 1 is not a scaled Adadelta.",
    ),
    api_class="Adadelta",
)

g, c = sp.Symbol("g", real=True), sp.Symbol("c", positive=True)
SPECS = [ADADELTA]
PROPERTIES = [
    FixedPoint("adadelta_fixed_point_nonzero_step", spec=ADADELTA, state={"Eg2": g**2, "Edtheta2": g**2},
               step=-g, statement="with a constant gradient g, E[g^2] = E[dtheta^2] = g^2 is a fixed point "
                                  "whose step is -g (not 0)"),
    Scaling("adadelta_update_has_units_of_theta", spec=ADADELTA, fixed={"eps": 0},
            scale={"theta": c, "g": 1 / c, "Eg2": c**-2, "Edtheta2": c**2}, factor=c,
            statement="rescaling theta by c (g by 1/c, E[g^2] by 1/c^2, E[dtheta^2] by c^2, eps = 0) "
                      "multiplies Adadelta's update by c"),
    Scaling("sgd_update_lacks_units_of_theta", spec=SGD, scale={"theta": c, "g": 1 / c}, factor=c, holds=False,
            statement="SGD's update is not multiplied by c when theta is rescaled by c"),
    ClosedForm("adadelta_constant_gradient_average", spec=ADADELTA, state={"Eg2": g**2 * (1 - rho.symbol**T)},
               statement="with a constant gradient g, E[g^2]_t = (1 - rho^t) g^2 (whatever E[dtheta^2] does)"),
    Identity("adadelta_first_step", spec=ADADELTA, state={"Eg2": 0, "Edtheta2": 0}, t=1, lhs=sp.Symbol("step"),
             rhs=-sp.sqrt(eps.symbol) * g / sp.sqrt((1 - rho.symbol) * g**2 + eps.symbol),
             statement="from zero state Adadelta first moves by -sqrt(eps) g / sqrt((1 - rho) g^2 + eps): "
                       "eps alone sets the first step's size"),
    Identity("adadelta_first_update_average", spec=ADADELTA, state={"Eg2": 0, "Edtheta2": 0}, t=1,
             lhs=Edx2, rhs=(1 - rho.symbol) * eps.symbol * g**2 / ((1 - rho.symbol) * g**2 + eps.symbol),
             statement="after the first step, E[dtheta^2] = (1 - rho) times the first step squared"),
    Identity("adadelta_second_step_uses_the_first", spec=ADADELTA, t=2,
             state={"Eg2": (1 - rho.symbol) * g**2}, lhs=sp.Symbol("step"),
             rhs=-sp.sqrt(sp.Symbol("Edtheta2_prev") + eps.symbol) * g
             / sp.sqrt((1 - rho.symbol**2) * g**2 + eps.symbol),
             statement="on the second step of a constant gradient g, Adadelta moves by "
                       "-sqrt(E[dtheta^2]_1 + eps) g / sqrt((1 - rho^2) g^2 + eps): the numerator holds the "
                       "earlier updates, the denominator the gradients"),
    StateCount("adadelta_state_arrays", spec=ADADELTA, expected=2,
               statement="Adadelta keeps two state arrays per parameter (AdaGrad one)"),
]
