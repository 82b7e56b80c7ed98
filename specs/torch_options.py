"""torch.optim's gradient options on every optimizer optforge.torch mirrors, as specs (``<base>_torch``).

Each is :func:`~optforge.specs.combinators.torch_options` applied to its base: the sign of the
gradient (``maximize``) and, except for the decoupled-decay optimizers, L2 ``weight_decay``, both
runtime hyperparameters, so changing them compiles nothing.  The combinator declares the properties
that reduce each variant to its base at the neutral values (sign 1, weight_decay 0); optforge.torch runs
the base's kernel there (optforge/_forms.py, ``NEUTRAL``).
"""

from . import adam, adamax, adamw, amsgrad, lion, nadam, rmsprop, sgd, torch_sgd, torch_variants
from .combinators import decoupled_weight_decay, torch_options
from .language import Equivalent

#: bases whose torch class adds L2 weight decay to the gradient
WITH_L2 = (sgd.SGD, torch_sgd.SGD_DAMPENED, torch_sgd.SGD_NESTEROV, torch_variants.ADAGRAD_DECAYED,
           torch_variants.ADADELTA_LR,
           rmsprop.RMSPROP, torch_variants.RMSPROP_CENTERED, torch_variants.RMSPROP_MOMENTUM,
           torch_variants.RMSPROP_CENTERED_MOMENTUM, adam.ADAM, amsgrad.ADAM_AMSGRAD, adamax.ADAMAX, nadam.NADAM,
           torch_variants.NADAM_T1_PRODUCT, nadam.NADAM_SCHEDULED)
#: bases whose weight decay is decoupled (their own weight_decay hyperparameter): the sign only
SIGN_ONLY = (adamw.ADAMW, amsgrad.ADAMW_AMSGRAD, lion.LION, torch_variants.NADAM_DECOUPLED, torch_variants.NADAM_T1_DECOUPLED,
             torch_variants.NADAM_SCHEDULED_DECOUPLED)

SPECS, PROPERTIES = [], []
for _base in WITH_L2 + SIGN_ONLY:
    _spec, _properties = torch_options(_base, l2=_base not in SIGN_ONLY)
    SPECS.append(_spec)
    PROPERTIES.extend(_properties)


# For SGD (and only for the optimizers whose step is linear in the gradient), L2 weight decay is weight
# decay: theta - lr (g + wd theta) = theta (1 - lr wd) - lr g.  The property pins the L2 term's sign and
# factor; adam_l2_is_not_adamw (specs/adamw.py) shows it fails for Adam.
_sgd_torch = next(s for s in SPECS if s.name == "sgd_torch")
PROPERTIES.append(Equivalent(
    "sgd_l2_is_decoupled_weight_decay", a=_sgd_torch.substitute({"sgn": 1}, "sgd_torch_descending"),
    b=decoupled_weight_decay(sgd.SGD, "sgd_decoupled")[0], hyper_map={"lam": _sgd_torch.hyper("wd").symbol},
    statement="for SGD, L2 weight decay wd is decoupled weight decay with lam = wd: "
              "theta - lr (g + wd theta) = theta (1 - lr wd) - lr g"))
