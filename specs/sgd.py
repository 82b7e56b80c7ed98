"""SGD: the baseline the source document compares against."""

from .common import learning_rate
from .language import GRAD, THETA, Assign, Spec

lr = learning_rate(1e-3)

SGD = Spec(
    "sgd", "SGD",
    hyperparameters=[lr],
    state=[],
    assignments=[Assign(THETA, THETA - lr.symbol * GRAD, "descend along the gradient")],
    description="Plain gradient descent.",
    torch_equivalent="torch.optim.SGD(params, lr=lr, momentum=0, foreach=False)",
    framework_notes=("PyTorch, optax and Keras: identical.",),
    api_class="SGD",
)

SPECS = [SGD]
PROPERTIES = []
