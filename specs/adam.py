"""Adam (Kingma & Ba, Algorithm 1): bias-corrected moment averages, eps outside the square root."""

import sympy as sp

from .common import beta1, beta2, epsilon, learning_rate
from .language import GRAD, THETA, T, Assign, ClosedForm, Scaling, Spec, State, StateCount, TorchEquivalent

lr, b1, b2, eps = learning_rate(1e-3), beta1(), beta2(), epsilon(1e-8)
m, v = sp.Symbol("m", real=True), sp.Symbol("v", nonnegative=True)
bc1, bc2 = sp.Symbol("bc1", real=True), sp.Symbol("bc2", real=True)
mhat, vhat = sp.Symbol("mhat", real=True), sp.Symbol("vhat", real=True)

ADAM = Spec(
    "adam", "Adam",
    hyperparameters=[lr, b1, b2, eps],
    state=[
        State("m", 0.0, "first moment: moving average of gradients", "m", torch_name="exp_avg"),
        State("v", 0.0, "second moment: moving average of squared gradients", "v", nonnegative=True,
              torch_name="exp_avg_sq"),
    ],
    assignments=[
        Assign(m, b1.symbol * m + (1 - b1.symbol) * GRAD, "first-moment average"),
        Assign(v, b2.symbol * v + (1 - b2.symbol) * GRAD**2, "second-moment average"),
        Assign(bc1, 1 - b1.symbol**T, "bias correction of the first moment", r"1 - \beta_1^t"),
        Assign(bc2, 1 - b2.symbol**T, "bias correction of the second moment", r"1 - \beta_2^t"),
        Assign(mhat, m / bc1, "bias-corrected first moment", r"\hat{m}"),
        Assign(vhat, v / bc2, "bias-corrected second moment", r"\hat{v}"),
        Assign(THETA, THETA - lr.symbol * mhat / (sp.sqrt(vhat) + eps.symbol), "adaptive step"),
    ],
    description="Adaptive per-coordinate steps from bias-corrected moment averages, with momentum.",
    torch_equivalent=TorchEquivalent("Adam",
                                     {"lr": "lr", "betas": ("b1", "b2"), "eps": "eps"},
                                     {"weight_decay": 0.0, "amsgrad": False, "maximize": False}),
    framework_notes=(
        "PyTorch (also fused=True, foreach=True) and optax adam (eps_root=0): identical.",
        "Keras Adam uses the 'epsilon hat' form, eps_t = eps / sqrt(1 - b2^t), default eps 1e-7: it differs.",
        "PyTorch Adam(weight_decay>0) adds an L2 term to g; that is not AdamW.",
    ),
    api_class="Adam",
)

g, c = sp.Symbol("g", real=True), sp.Symbol("c", positive=True)
SPECS = [ADAM]
PROPERTIES = [
    ClosedForm("adam_bias_correction", spec=ADAM,
               state={"m": g * (1 - b1.symbol**T), "v": g**2 * (1 - b2.symbol**T)},
               claims={"mhat": g, "vhat": g**2},
               statement="from zero state with a constant gradient g, mhat_t = g and vhat_t = g^2 for every t"),
    Scaling("adam_scale_invariant", spec=ADAM, fixed={"eps": 0}, scale={"g": c, "m": c, "v": c**2}, factor=1,
            statement="with eps = 0, scaling g by c > 0 (and m, v consistently) leaves Adam's update unchanged"),
    StateCount("adam_state_arrays", spec=ADAM, expected=2, statement="Adam keeps two state arrays per parameter"),
]
