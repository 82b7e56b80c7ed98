"""optforge: gradient-descent optimizers written once as SymPy specs, proved, generated.

``from optforge import Adam`` gives the generated, Numba-compiled optimizer; importing it
does not import SymPy or Jinja2 (those are needed only by ``optforge.specs`` and
``optforge.codegen``, the tools that produce ``optforge.generated``).

    opt = AdamW(params, lr=1e-3, weight_decay=1e-2)   # params: list of float32/float64 arrays
    opt.step(grads)                                  # in place
"""

from optforge import generated
from optforge.generated import *  # noqa: F401,F403 - one class per spec, listed in generated.__all__
from optforge.generated import OPTIMIZERS

__version__ = "0.1.0"


def get_optimizer(name: str):
    """The optimizer class for a spec name (``'nadam_t1'``, ``'nadam_scheduled'``, ...)."""
    try:
        return OPTIMIZERS[name]
    except KeyError:
        raise KeyError(f"no optimizer named {name!r}; known: {sorted(OPTIMIZERS)}") from None


__all__ = list(generated.__all__) + ["get_optimizer", "__version__"]
