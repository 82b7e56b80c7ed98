"""Which generated kernel runs a combination of torch.optim's options: one table, read by
``optforge.torch`` for each param group and by the NumPy classes when they are given torch's options.

This module holds no arithmetic: each form is a spec (``specs/torch_options.py`` and the variants it
wraps), proved to reduce to its base at the neutral values; here the options only name the spec.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, NamedTuple

__all__ = ["Form", "ALL_FORMS", "FAMILIES", "NEUTRAL", "OPTION_KEYWORDS", "base_of", "flag", "form", "numpy_family"]


class Form(NamedTuple):
    """The spec that runs a combination of options, and the option keywords that chose it (they are
    not hyperparameters of that spec, and are dropped once they have chosen)."""

    spec: str
    consumed: frozenset[str]


#: torch keywords that choose a form rather than set a hyperparameter
OPTION_KEYWORDS = frozenset({"nesterov", "amsgrad", "centered", "decoupled_weight_decay", "maximize"})

#: every form of each family (an optforge.torch class name); :func:`form` chooses one of them
ALL_FORMS = {
    "SGD": ("sgd_torch", "sgd_dampened_torch", "sgd_nesterov_torch"),
    "Adagrad": ("adagrad_decayed_torch",),
    "Adadelta": ("adadelta_lr_torch",),
    "RMSprop": ("rmsprop_torch", "rmsprop_centered_torch", "rmsprop_momentum_torch",
                "rmsprop_centered_momentum_torch"),
    "Adam": ("adam_torch", "adam_amsgrad_torch", "adamw_torch", "adamw_amsgrad_torch"),
    "AdamW": ("adamw_torch", "adamw_amsgrad_torch"),
    "Adamax": ("adamax_torch",),
    "NAdam": ("nadam_torch", "nadam_decoupled_torch"),
    "NAdamT1": ("nadam_t1_product_torch", "nadam_t1_decoupled_torch"),
    "NAdamScheduled": ("nadam_scheduled_torch", "nadam_scheduled_decoupled_torch"),
    "Lion": ("lion_torch",),
}
FAMILIES = tuple(ALL_FORMS)

#: The values of the option hyperparameters a form adds to its base (by spec symbol: the gradient's sign
#: and L2 weight decay) at which the form is its base: each form ``<base>_torch`` carries the proved
#: property ``<base>_torch_neutral_is_<base>`` (specs/combinators.py, ``torch_options``).  optforge.torch
#: runs the base's kernel there, which does two fewer operations per element.
NEUTRAL = {"sgn": 1.0, "wd": 0.0}


def base_of(spec_name: str) -> str | None:
    """The spec a form wraps (``adam`` for ``adam_torch``), None for a spec that is not a form."""
    if spec_name.endswith("_torch") and any(spec_name in forms for forms in ALL_FORMS.values()):
        return spec_name[:-len("_torch")]
    return None


def _zero(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and x == 0


def flag(options: Mapping[str, Any], key: str) -> bool:
    """A boolean option (``nesterov``, ``amsgrad``, ``maximize``, ...): False when absent, else exactly a bool."""
    value = options.get(key, False)
    if not isinstance(value, bool):
        raise TypeError(f"{key} must be True or False, got {value!r}")
    return value


def form(family: str, options: Mapping[str, Any]) -> Form:
    """The form of ``family`` for torch's keyword ``options`` (absent keys: torch's defaults)."""
    if family == "SGD":
        if _zero(options.get("momentum", 0)):
            if flag(options, "nesterov"):
                raise ValueError("Nesterov momentum requires a momentum and zero dampening")
            return Form("sgd_torch", frozenset({"momentum", "dampening", "nesterov"}))  # torch ignores dampening
        if flag(options, "nesterov"):
            if not _zero(options.get("dampening", 0)):
                raise ValueError("Nesterov momentum requires a momentum and zero dampening")
            return Form("sgd_nesterov_torch", frozenset({"nesterov", "dampening"}))
        return Form("sgd_dampened_torch", frozenset({"nesterov"}))
    if family == "RMSprop":
        centered, momentum = flag(options, "centered"), not _zero(options.get("momentum", 0))
        name = "rmsprop" + ("_centered" if centered else "") + ("_momentum" if momentum else "")
        return Form(f"{name}_torch", frozenset({"centered"} | (set() if momentum else {"momentum"})))
    if family in ("Adam", "AdamW"):
        decoupled = family == "AdamW" or flag(options, "decoupled_weight_decay")
        amsgrad = flag(options, "amsgrad")
        return Form(f"{'adamw' if decoupled else 'adam'}{'_amsgrad' if amsgrad else ''}_torch",
                    frozenset({"amsgrad", "decoupled_weight_decay"}))
    if family in ("NAdam", "NAdamT1", "NAdamScheduled"):
        decoupled = flag(options, "decoupled_weight_decay")
        if family == "NAdamT1" and options.get("momentum_decay", math.inf) != math.inf:
            raise ValueError("NAdamT1 is NAdam with a constant momentum mu_t = b1 (momentum_decay = inf); for a "
                             "finite momentum_decay use NAdamScheduled")
        plain, decoupled_form = ALL_FORMS[family]
        consumed = {"decoupled_weight_decay"} | ({"momentum_decay"} if family == "NAdamT1" else set())
        return Form(decoupled_form if decoupled else plain, frozenset(consumed))
    if family in ALL_FORMS and len(ALL_FORMS[family]) == 1:
        return Form(ALL_FORMS[family][0], frozenset())
    raise KeyError(f"no torch.optim option forms for {family!r}; the families are {', '.join(FAMILIES)}")


#: The family of each exported NumPy class (by spec name) whose torch.optim options it accepts.
_NUMPY_FAMILIES = {"sgd": "SGD", "momentum": "SGD", "nag": "SGD", "adagrad": "Adagrad", "adadelta": "Adadelta",
                   "rmsprop": "RMSprop", "adam": "Adam", "adam_amsgrad": "Adam", "adamw": "AdamW",
                   "adamw_amsgrad": "AdamW", "adamax": "Adamax", "nadam": "NAdam", "nadam_t1": "NAdamT1",
                   "nadam_scheduled": "NAdamScheduled", "lion": "Lion"}


def numpy_family(spec_name: str) -> str | None:
    """The option family of a built-in NumPy class, None for a class without torch's options."""
    return _NUMPY_FAMILIES.get(spec_name)
