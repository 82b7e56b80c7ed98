"""NAG: the gradient is taken at the look-ahead point theta - mu v (Nesterov, 1983).

The spec states the document's look-ahead form and the change of variables
phi = theta - mu v.  Kernels implement the form the toolkit derives from them
(``NAG.stored_gradient_form()``), which needs the gradient only at the stored
variable phi; the property ``nag_lookahead_equals_stored_form`` proves the two
agree.  Users of the kernels hold phi; theta = phi + mu v.
"""

import sympy as sp

from .common import learning_rate, momentum
from .language import (GRAD, THETA, Assign, ChangeOfVariables, Equivalent, Identity, Scaling, Spec, StateCount, State,
                       TorchEquivalent)
from .momentum import MOMENTUM

lr, mu = learning_rate(1e-3), momentum(0.9)
v = sp.Symbol("v", real=True)
lookahead = THETA - mu.symbol * v

NAG = Spec(
    "nag", "NAG",
    hyperparameters=[lr, mu],
    state=[State("v", 0.0, "velocity (includes the learning rate)", "v")],
    assignments=[
        Assign(v, mu.symbol * v + lr.symbol * GRAD, "velocity, with the gradient taken at the look-ahead point"),
        Assign(THETA, THETA - v, "move against the velocity"),
    ],
    gradient_at=lookahead,
    stored_variable=ChangeOfVariables("phi", lookahead, r"\phi", "look-ahead point theta - mu v"),
    description="Momentum whose gradient is evaluated at the look-ahead point theta - mu v.",
    torch_equivalent=TorchEquivalent("SGD",
                                     {"lr": "lr", "momentum": "mu"},
                                     {"dampening": 0.0, "nesterov": True}),
    framework_notes=(
        "PyTorch, optax and Keras store the look-ahead point: their parameter is phi = theta - mu v, "
        "with v = lr * momentum_buffer (PyTorch, optax).",
    ),
    api_class="NAG",
)

NAG_STORED = NAG.stored_gradient_form()
theta, phi_of = sp.Symbol("theta", real=True), lookahead

_x, _a, _c = sp.Symbol("x", real=True), sp.Symbol("a", positive=True), sp.Symbol("c", positive=True)
SPECS = [NAG]
PROPERTIES = [
    Equivalent("nag_without_lookahead_is_momentum", a=NAG.variant("nag_no_lookahead", gradient_at=None,
                                                                   stored_variable=None),
               b=MOMENTUM, statement="NAG with the gradient taken at theta is Momentum"),
    Equivalent("nag_is_not_momentum", a=NAG, b=MOMENTUM, holds=False,
               statement="the look-ahead matters: NAG is not Momentum"),
    Equivalent("nag_lookahead_equals_stored_form", a=NAG, b=NAG_STORED,
               b_from_a={"theta": lookahead, "v": v},
               compare={"theta": lookahead, "v": v},
               statement="NAG's look-ahead form equals its derived form under phi = theta - mu v"),
    Identity("nag_step_on_a_quadratic", spec=NAG, objective_gradient=sp.Lambda(_x, _a * _x),
             lhs=v, rhs=mu.symbol * (1 - lr.symbol * _a) * sp.Symbol("v_prev") + lr.symbol * _a * sp.Symbol("theta_prev"),
             statement="on f(x) = a x^2 / 2, NAG's velocity is v_t = mu (1 - lr a) v_{t-1} + lr a theta_{t-1}: "
                       "the gradient at theta - mu v damps the momentum by (1 - lr a), which Momentum's does not"),
    Scaling("nag_update_scales_with_the_gradient", spec=NAG_STORED, scale={"g": _c, "v": _c}, factor=_c,
            statement="scaling the gradient (and the velocity) by c > 0 scales NAG's update by c: one learning rate "
                      "for every parameter, no per-coordinate normalisation"),
    StateCount("nag_state_arrays", spec=NAG, expected=1, statement="NAG keeps one state array per parameter"),
]
