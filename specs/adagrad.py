"""AdaGrad: the accumulated squared gradient scales each coordinate (Adadelta's predecessor).

The document does not place eps; this spec follows PyTorch (outside the square
root).  ``ADAGRAD_EPS_IN_SQRT`` is the optax/Keras placement, kept as a variant.
"""

import sympy as sp

from .common import epsilon, learning_rate
from .language import GRAD, THETA, T, Assign, ClosedForm, Identity, Limit, Spec, State, StateCount, TorchEquivalent

lr, eps = learning_rate(1e-2), epsilon(1e-10)
Gsum, denom = sp.Symbol("G", nonnegative=True), sp.Symbol("denom", real=True)

ADAGRAD = Spec(
    "adagrad", "Adagrad",
    hyperparameters=[lr, eps],
    state=[State("G", 0.0, "sum of all past squared gradients", "G", nonnegative=True, torch_name="sum")],
    assignments=[
        Assign(Gsum, Gsum + GRAD**2, "accumulate the squared gradient"),
        Assign(denom, sp.sqrt(Gsum) + eps.symbol, "per-coordinate scale, eps outside the square root",
               r"\sqrt{G_t} + \epsilon"),
        Assign(THETA, THETA - lr.symbol * GRAD / denom, "scaled step"),
    ],
    description="Per-coordinate step sizes shrinking with the accumulated squared gradients.",
    torch_equivalent=TorchEquivalent("Adagrad",
                                     {"lr": "lr", "eps": "eps"},
                                     {"lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0}),
    framework_notes=(
        "PyTorch: identical (eps outside the square root, accumulator starts at 0).",
        "optax and Keras: eps inside the square root (the Adagrad-eps-in-sqrt variant), accumulator starts "
        "at 0.1, eps 1e-7.",
    ),
    api_class="Adagrad",
)

ADAGRAD_EPS_IN_SQRT = ADAGRAD.variant(
    "adagrad_eps_in_sqrt", "Adagrad (eps inside the square root)",
    assign=[Assign(denom, sp.sqrt(Gsum + eps.symbol), "per-coordinate scale, eps inside the square root",
                   r"\sqrt{G_t + \epsilon}")],
    description="AdaGrad with eps inside the square root, as optax and Keras place it.",
    torch_equivalent=None, api_class="AdagradEpsInSqrt",
    framework_notes=("optax adagrad and Keras Adagrad place eps here (their accumulator starts at 0.1).",),
)

g = sp.Symbol("g", real=True)
SPECS = [ADAGRAD, ADAGRAD_EPS_IN_SQRT]
PROPERTIES = [
    ClosedForm("adagrad_constant_gradient_accumulator", spec=ADAGRAD, state={"G": T * g**2},
               claims={"step": -lr.symbol * g / (sp.sqrt(T) * sp.Abs(g) + eps.symbol)},
               statement="with a constant gradient, G_t = t g^2 and the step is -lr g / (sqrt(t) |g| + eps)"),
    Identity("adagrad_first_step", spec=ADAGRAD, state={"G": 0}, t=1, lhs=sp.Symbol("step"),
             rhs=-lr.symbol * g / (sp.Abs(g) + eps.symbol),
             statement="from zero state AdaGrad first moves by -lr g / (|g| + eps), about -lr sign(g)"),
    Identity("adagrad_eps_in_sqrt_first_step", spec=ADAGRAD_EPS_IN_SQRT, state={"G": 0}, t=1,
             lhs=sp.Symbol("step"), rhs=-lr.symbol * g / sp.sqrt(g**2 + eps.symbol),
             statement="with eps inside the root, the first step is -lr g / sqrt(g^2 + eps)"),
    ClosedForm("adagrad_eps_in_sqrt_constant_gradient", spec=ADAGRAD_EPS_IN_SQRT, state={"G": T * g**2},
               claims={"step": -lr.symbol * g / sp.sqrt(T * g**2 + eps.symbol)},
               statement="with eps inside the root and a constant gradient, the step is -lr g / sqrt(t g^2 + eps)"),
    Limit("adagrad_step_vanishes", spec=ADAGRAD, state={"G": T * g**2},
          expr=sp.Symbol("step"), value=0,
          statement="with a constant gradient, Adagrad's step tends to 0 as t -> oo"),
    StateCount("adagrad_state_arrays", spec=ADAGRAD, expected=1,
               statement="AdaGrad keeps one state array per parameter"),
]
