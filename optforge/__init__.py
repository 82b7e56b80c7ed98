"""optforge: gradient-descent optimizers written once as SymPy specs, proved, generated.

``from optforge import Adam`` gives the generated, Numba-compiled optimizer; importing it
does not import SymPy or Jinja2 (those are needed only by ``optforge.specs`` and
``optforge.codegen``, the tools that produce ``optforge.generated``).

    opt = AdamW(params, lr=1e-3, weight_decay=1e-2)   # params: list of float32/float64 arrays
    opt.step(grads)                                  # in place
"""

import importlib.util as _util

__version__ = "0.1.0"

if _util.find_spec("optforge.generated") is None:  # the checkout's optforge/ folder, not the package
    raise ImportError(
        "optforge is being imported from a source checkout that is not installed: the package maps "
        "specs/, codegen/ and generated/ into the optforge namespace only when installed. From the "
        "checkout's top folder run `pip install -e '.[codegen]'` (or `pip install -e '.[test]'` for the "
        "tests), then import optforge again")

try:
    from optforge import generated
    from optforge.generated import *  # noqa: F401,F403 - one class per spec, listed in generated.__all__
    from optforge.generated import OPTIMIZERS
except Exception as _error:  # generated/ made for another runtime contract, or broken: say so on use
    _GENERATED_ERROR = _error
    generated, OPTIMIZERS = None, {}

    def __getattr__(name: str):
        if name.startswith("__") or _util.find_spec(f"optforge.{name}") is not None:
            raise AttributeError(name)  # a dunder, or a submodule (optforge.runtime) not imported yet
        raise ImportError(f"optforge.{name} is unavailable: the generated modules failed to import: "
                          f"{_GENERATED_ERROR}") from _GENERATED_ERROR


def _normalized(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def get_optimizer(name: str):
    """The optimizer class for a spec name (``'nadam_t1'``, ``'adam'``) or a class name (``'AdamW'``),
    in any case."""
    if name in OPTIMIZERS:
        return OPTIMIZERS[name]
    wanted = _normalized(name)
    for spec_name, cls in OPTIMIZERS.items():
        if wanted in (_normalized(spec_name), _normalized(cls.__name__)):
            return cls
    raise KeyError(f"no optimizer named {name!r}; known: {sorted(OPTIMIZERS)}") from None


__all__ = (list(generated.__all__) if generated is not None else []) + ["get_optimizer", "__version__"]
