"""The runtime contract: everything generated code may import from optforge, with a version.

A generated module (``optforge.generated.*``, or one a user generated with ``optforge spec``)
imports only this module.  It is stamped with the :data:`CONTRACT_VERSION` it was generated
for and calls :func:`require_contract` when it is imported, so a module generated for another
version fails with a message that says to regenerate it instead of running against a runtime
it was not written for.

Bump :data:`CONTRACT_VERSION` whenever generated code would have to change: a descriptor's
fields, the tensor table's columns, an argument of :class:`Optimizer`, or the compiled helper
:func:`typed_pointer`.  The last matters beyond imports: Numba inlines compiled helpers into
the kernels and caches the machine code keyed on the kernel's own source file only, so a
changed helper would otherwise keep running stale cached code.  Regenerating stamps the new
version into every generated file, which changes the file and so invalidates Numba's cache.
``tests/runtime/test_contract.py`` holds a digest of the compiled helpers' source that fails
until the version is bumped.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from llvmlite import ir  # noqa: F401 - used by typed_pointer's code generator
from numba import types
from numba.extending import intrinsic

__all__ = ["CONTRACT_VERSION", "ContractError", "require_contract", "Hyper", "StateInfo", "OpCounts",
           "TorchEquivalent", "KernelDescription", "CheckpointForm", "TENSOR_COLUMNS", "STATE_COLUMN", "column",
           "typed_pointer", "Optimizer"]

#: The version of this contract; generated modules are stamped with the one they were made for.
CONTRACT_VERSION = 3


class ContractError(ImportError):
    """A generated module was made for another version of the runtime contract."""


def require_contract(version: int, module: str) -> None:
    """Called by every generated module at import: refuse to run code made for another contract."""
    if version != CONTRACT_VERSION:
        raise ContractError(
            f"{module} was generated for optforge runtime contract {version}, but this optforge implements "
            f"contract {CONTRACT_VERSION}: regenerate it (`optforge regenerate` for the built-in modules, "
            "`optforge spec YOUR_SPEC.py` for your own)")


# ---------------------------------------------------------------------------------- descriptors
class Hyper(NamedTuple):
    """A hyperparameter as the public API sees it (read off the spec by the generator)."""

    name: str  # the spec's symbol
    api: str  # the keyword argument (PyTorch's name where it has one)
    index: int | None  # position inside a tuple argument such as ``betas``
    default: float
    lo: float
    hi: float
    lo_open: bool
    hi_open: bool
    meaning: str

    def domain_text(self) -> str:
        left = f"{self.lo!r} {'<' if self.lo_open else '<='} " if math.isfinite(self.lo) else ""
        right = f" {'<' if self.hi_open else '<='} {self.hi!r}" if math.isfinite(self.hi) else ""
        return f"{left}{self.name}{right}"

    def contains(self, x: float) -> bool:
        if math.isnan(x):
            return False
        lo_ok = x > self.lo if self.lo_open else x >= self.lo
        hi_ok = x < self.hi if self.hi_open else x <= self.hi
        return lo_ok and hi_ok

    @property
    def label(self) -> str:
        return self.api if self.index is None else f"{self.api}[{self.index}]"


class StateInfo(NamedTuple):
    """One piece of optimizer state: an array per parameter (``per_element``) or a scalar."""

    name: str
    init: float
    per_element: bool
    torch_name: str | None
    meaning: str
    nonnegative: bool = False


class OpCounts(NamedTuple):
    """Arithmetic per element of a kernel's loop body."""

    add: int
    mul: int
    div: int
    sqrt: int
    other: int  # negations, abs, sign, max, min


class TorchEquivalent(NamedTuple):
    """The ``torch.optim`` call that computes the same update: ``cls`` in ``torch.optim``,
    ``hypers`` (torch keyword, spec hyperparameter name or tuple of names), ``options`` (torch
    keyword, fixed value), ``note`` (when the match needs more, e.g. a default dtype)."""

    cls: str
    hypers: tuple[tuple[str, str | tuple[str, ...]], ...]
    options: tuple[tuple[str, object], ...]
    note: str = ""

    def kwargs(self, values: dict[str, float]) -> dict[str, object]:
        """torch's keyword arguments for the spec's hyperparameter ``values`` (by spec name)."""
        out: dict[str, object] = {}
        for key, names in self.hypers:
            out[key] = tuple(values[n] for n in names) if isinstance(names, tuple) else values[names]
        out.update(self.options)
        return out


class KernelDescription(NamedTuple):
    """What a generated module says about itself (its ``DESCRIPTION``), read by the runtime,
    ``optforge.torch``, the benchmark and the sheets; nothing reads generated source text."""

    name: str
    title: str
    class_name: str
    contract: int
    hyperparameters: tuple[Hyper, ...]
    state: tuple[StateInfo, ...]
    kernel_args: tuple[str, ...]  # the per-step scalars the element loop reads, in argument order
    arrays_read: int  # per element: theta, the gradient and the per-element state
    arrays_written: int  # per element: theta and the per-element state
    ops: OpCounts
    torch: TorchEquivalent | None

    def bytes_per_element(self, itemsize: int) -> int:
        return (self.arrays_read + self.arrays_written) * itemsize

    @property
    def element_state(self) -> tuple[StateInfo, ...]:
        return tuple(s for s in self.state if s.per_element)

    @property
    def scalar_state(self) -> tuple[StateInfo, ...]:
        return tuple(s for s in self.state if not s.per_element)


class CheckpointForm(NamedTuple):
    """How a torch.optim class's checkpoints hold this module's state, and the conversions both ways.

    Printed by the generator from a property declared with ``checkpoint=True`` (a change of variables
    the prover proved invariant under a step, e.g. ``v = lr * momentum_buffer``).  ``state`` pairs each
    per-element state of this module with the torch state key it is converted from; the conversion
    functions take the torch keys (resp. this module's state names) and the hyperparameters in
    ``hypers`` by their spec names as keyword arguments, and return a dict of the other layout.
    ``nonzero`` names the hyperparameters the conversions divide by."""

    torch_class: str
    property: str
    state: tuple[tuple[str, str], ...]
    hypers: tuple[str, ...]
    nonzero: tuple[str, ...]
    from_checkpoint: object  # callable: torch keys and hypers -> {state name: value}
    to_checkpoint: object  # callable: state names and hypers -> {torch key: value}


# ------------------------------------------------------------------------------- tensor table
#: Columns of the int64 table through which the multi-tensor kernels reach every tensor of a call:
#: list index, parameter address, size, offset of the tensor in the concatenation of all elements
#: (the kernels' slices are ranges of it), ndim, start of its shape in the shape table, and from
#: STATE_COLUMN on the address of each per-element state array, in kernel argument order.
TENSOR_COLUMNS = ("index", "address", "size", "offset", "ndim", "shape")
STATE_COLUMN = len(TENSOR_COLUMNS)


def column(name: str) -> int:
    """The tensor table's column of ``name`` (the generator prints these numbers)."""
    return TENSOR_COLUMNS.index(name)


@intrinsic
def typed_pointer(typingctx, address, like):
    """An address as a pointer to ``like``'s dtype (the generated kernels index it like an array)."""
    pointer = types.CPointer(like.dtype)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(pointer))
    return pointer(types.int64, like), codegen


def __getattr__(name: str):
    # The engine imports the descriptors above, so it is loaded on first use of its class.
    if name == "Optimizer":
        from optforge._engine import Optimizer
        return Optimizer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
