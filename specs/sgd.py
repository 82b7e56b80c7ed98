"""SGD: the baseline the source document compares against."""

from .common import learning_rate
from .language import GRAD, THETA, Assign, Spec, TorchEquivalent

lr = learning_rate(1e-3)

SGD = Spec(
    "sgd", "SGD",
    hyperparameters=[lr],
    state=[],
    assignments=[Assign(THETA, THETA - lr.symbol * GRAD, "descend along the gradient")],
    description="Plain gradient descent.",
    torch_equivalent=TorchEquivalent("SGD", {"lr": "lr"}, {"momentum": 0.0}),
    framework_notes=("PyTorch, optax and Keras: identical.",),
    api_class="SGD",
)

SPECS = [SGD]
PROPERTIES = []
