"""Hyperparameters several specs share.  Each spec passes its own default."""

from .language import NONNEGATIVE, POSITIVE, UNIT_INTERVAL, Hyperparameter, factory_module

factory_module(__name__)  # a hyperparameter made here was declared by the line that called the factory


def learning_rate(default: float) -> Hyperparameter:
    return Hyperparameter("lr", default, NONNEGATIVE, "learning rate (step size)", r"\eta", api="lr")


def epsilon(default: float, meaning: str = "added to the denominator against division by zero") -> Hyperparameter:
    return Hyperparameter("eps", default, POSITIVE, meaning, r"\epsilon", api="eps")


def beta1(default: float = 0.9) -> Hyperparameter:
    return Hyperparameter("b1", default, UNIT_INTERVAL, "decay rate of the first-moment average",
                          r"\beta_1", api="betas", api_index=0)


def beta2(default: float = 0.999) -> Hyperparameter:
    return Hyperparameter("b2", default, UNIT_INTERVAL, "decay rate of the second-moment average",
                          r"\beta_2", api="betas", api_index=1)


def momentum(default: float = 0.9) -> Hyperparameter:
    return Hyperparameter("mu", default, UNIT_INTERVAL, "momentum coefficient (decay of the velocity)",
                          r"\mu", api="momentum")


def weight_decay(default: float) -> Hyperparameter:
    return Hyperparameter("lam", default, NONNEGATIVE, "weight decay coefficient", r"\lambda",
                          api="weight_decay")
