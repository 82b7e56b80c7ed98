"""optforge.specs: every optimizer's update rule, written once, and the properties relating them.

``SPECS`` maps a spec name to its :class:`~optforge.specs.language.Spec` (those that get a kernel,
a class and a sheet); ``PROPERTIES`` lists every declared property, in module order.
"""

from . import (adadelta, adagrad, adam, adamax, adamw, amsgrad, lion, momentum, nadam, nag, rmsprop, sgd,
               torch_options, torch_sgd, torch_variants)
from .language import Spec, SpecError

_MODULES = (sgd, momentum, nag, adagrad, adadelta, rmsprop, adam, adamw, nadam, adamax, amsgrad, lion, torch_sgd,
            torch_variants, torch_options)

SPECS: dict[str, Spec] = {s.name: s for mod in _MODULES for s in mod.SPECS}
PROPERTIES = [p for mod in _MODULES for p in mod.PROPERTIES]

__all__ = ["SPECS", "PROPERTIES", "Spec", "SpecError"]
