"""Momentum: velocity accumulates the scaled gradient (the document's form, v includes eta)."""

import sympy as sp

from .common import learning_rate, momentum
from .language import GRAD, THETA, Assign, Equivalent, Spec, StateCount, State, TorchEquivalent
from .sgd import SGD

lr, mu = learning_rate(1e-3), momentum(0.9)
v = sp.Symbol("v", real=True)

MOMENTUM = Spec(
    "momentum", "Momentum",
    hyperparameters=[lr, mu],
    state=[State("v", 0.0, "velocity (includes the learning rate)", "v")],
    assignments=[
        Assign(v, mu.symbol * v + lr.symbol * GRAD, "velocity: decayed history plus the scaled gradient"),
        Assign(THETA, THETA - v, "move against the velocity"),
    ],
    description="Gradient descent with a velocity term; the gradient is taken at the current parameters.",
    torch_equivalent=TorchEquivalent("SGD",
                                     {"lr": "lr", "momentum": "mu"},
                                     {"dampening": 0.0, "nesterov": False}),
    framework_notes=(
        "PyTorch and optax keep the learning rate outside the buffer: v = lr * momentum_buffer "
        "(theta identical for a constant lr; not under a learning-rate schedule).",
        "Keras SGD(momentum) is this form with v = -m.",
    ),
    api_class="Momentum",
)

SPECS = [MOMENTUM]
PROPERTIES = [
    Equivalent("momentum_mu0_is_sgd", a=MOMENTUM.substitute({"mu": 0}, "momentum_mu0"), b=SGD,
               compare={"theta": sp.Symbol("theta", real=True)},
               statement="Momentum with mu = 0 is SGD"),
    StateCount("momentum_state_arrays", spec=MOMENTUM, expected=1,
               statement="Momentum keeps one state array per parameter"),
]
