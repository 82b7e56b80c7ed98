"""The stepping engine behind every generated optimizer: input checks, tensor tables, dispatch,
checkpoints.

The generated modules (``optforge.generated``) hold the math: per-step scalar functions and Numba
kernels printed from the specs, and a ``DESCRIPTION`` of themselves (hyperparameters, state, ...).
They import only the public contract, :mod:`optforge.runtime`.  This module is the one place that
validates what users pass in and calls the kernels: the NumPy classes (:class:`Optimizer`) and the
drop-in torch classes (:mod:`optforge.torch`) both hand it tensor tables (:class:`Table`: one
row per tensor, its addresses, size and shape) and it makes one compiled call per table and step.
It imports neither SymPy nor Jinja2.
"""

from __future__ import annotations

import ctypes
import functools
import math
import operator
import os
import sys
import sysconfig
import threading
from typing import Any, Callable, Iterable, Mapping, Sequence

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from optforge.runtime import STATE_COLUMN, Hyper, KernelDescription, StateInfo, column

#: Arrays (and, in ``Optimizer.step``, dtype groups of parameters) with at least this many elements
#: use the parallel (``prange``) kernel; smaller ones the serial kernel.  Measured with optforge-bench
#: (Adam float32, ``opt.step``, 2 threads, 2-core AVX-512 machine): one parallel launch costs about
#: 4-7 us and one serial call about 1-2 us; the two kernels break even near 2**14 elements, and at
#: 2**15 the parallel one takes 0.76x the serial one's time (8.6 us against 11.3 us).
PARALLEL_MIN_SIZE = 1 << 15

SUPPORTED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def check_hyperparameter(owner: str, hyper: Hyper, value: Any) -> float:
    """The value as a Python float, or a ValueError naming the optimizer, argument and domain."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        if not (isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"):
            raise TypeError(f"{owner}: {hyper.label} must be a real number, got {value!r}")
    x = float(value)
    if not hyper.contains(x):
        raise ValueError(f"{owner}: {hyper.label}={value!r} is outside its domain {hyper.domain_text()} "
                         f"({hyper.meaning})")
    return x


def _describe(a: Any) -> str:
    if isinstance(a, np.ndarray):
        return f"array of shape {a.shape} and dtype {a.dtype}"
    return type(a).__name__


def check_param(owner: str, i: int, p: Any) -> np.ndarray:
    """A parameter must be a writeable, C-contiguous float32/float64 ndarray: the kernels update
    it in place through a flat view, and a copy would be updated silently instead."""
    if not isinstance(p, np.ndarray):
        raise TypeError(f"{owner}: params[{i}] must be a numpy.ndarray, got {_describe(p)}")
    if p.dtype not in SUPPORTED_DTYPES:
        kind = "integer" if p.dtype.kind in "iub" else str(p.dtype)
        raise TypeError(f"{owner}: params[{i}] has dtype {p.dtype} ({kind}); the kernels support "
                        "float32 and float64 only")
    if not p.flags.writeable:
        raise ValueError(f"{owner}: params[{i}] is read-only; parameters are updated in place")
    if not p.flags.c_contiguous:
        raise ValueError(f"{owner}: params[{i}] is not C-contiguous (a strided view?); parameters are "
                         "updated in place through a flat view, so pass np.ascontiguousarray(p) and keep "
                         "that array")
    return p


def check_distinct(owner: str, params: Sequence[np.ndarray]) -> None:
    """No parameter may appear twice or overlap another in memory (it would be updated twice)."""
    seen: dict[int, int] = {}
    for i, p in enumerate(params):
        if id(p) in seen:
            raise ValueError(f"{owner}: params[{seen[id(p)]}] and params[{i}] are the same array; each "
                             "parameter must be distinct")
        seen[id(p)] = i
    spans = []
    for i, p in enumerate(params):
        start = p.__array_interface__["data"][0]
        spans.append((start, start + p.nbytes, i))
    spans.sort()
    for (s0, e0, i), (s1, e1, j) in zip(spans, spans[1:]):
        if s1 < e0 and e0 > s0 and e1 > s1:
            same = "the same array" if params[i] is params[j] else "overlapping memory"
            a, b = sorted((i, j))
            raise ValueError(f"{owner}: params[{a}] and params[{b}] are {same}; each parameter must be "
                             "distinct")


def check_grads(owner: str, params: Sequence[np.ndarray], grads: Any) -> list[np.ndarray]:
    """Gradients must match the parameters one to one in count, shape and dtype."""
    if isinstance(grads, np.ndarray) or not isinstance(grads, (list, tuple)):
        raise TypeError(f"{owner}: grads must be a list of arrays (one per parameter), got {_describe(grads)}")
    if len(grads) != len(params):
        raise ValueError(f"{owner}: got {len(grads)} gradients for {len(params)} parameters")
    flat = []
    for i, (p, g) in enumerate(zip(params, grads)):
        if isinstance(g, np.generic) and p.ndim == 0:
            g = np.asarray(g)  # NumPy arithmetic on a 0-d array returns a scalar: accept it for a 0-d param
        if not isinstance(g, np.ndarray):
            raise TypeError(f"{owner}: grads[{i}] must be a numpy.ndarray, got {_describe(g)}")
        if g.shape != p.shape:
            raise ValueError(f"{owner}: grads[{i}] has shape {g.shape}, params[{i}] has shape {p.shape}")
        if g.dtype != p.dtype:
            raise TypeError(f"{owner}: grads[{i}] has dtype {g.dtype}, params[{i}] has dtype {p.dtype}")
        flat.append(g.reshape(-1))  # a view when contiguous; a read-only copy otherwise is harmless
    return flat


# ----------------------------------------------------------------------------------------------
# Many tensors, one call.
#
# Design, chosen by measurement (Adam, float32, 2 threads, 2-core AVX-512 machine; see
# optforge.bench and the README's Performance section):
#
# * One kernel call per tensor (what PyTorch's single-tensor path does) costs 1-2 us serial and
#   4-7 us parallel per call: a ResNet-50-shaped list (161 tensors, 25.6M elements) ran 1.1-1.6x the
#   time of the same optimizer on one flat buffer, a transformer-shaped list (100 tensors, 10M)
#   1.3x, and 1,000 tensors of 1,000 elements 10x.
# * Handing numba the list of gradients costs more than the update itself: a reflected list is
#   about 9 us per array, building a numba.typed.List about 1.2 us per array, and reading each
#   array's address in Python (``a.ctypes.data``, ``a.__array_interface__``) about 1 us per array.
#   Even the cheapest per-array Python check (isinstance, shape, dtype) is about 0.2 us: 0.2 ms for
#   1,000 tensors, when the whole update of their 1M elements takes about 0.3 ms.
# * So each optimizer owns its per-element state as one flat, 64-byte-aligned buffer per dtype
#   (``state_arrays`` are views into it), keeps its parameters' addresses, sizes and shapes in
#   small int64 tables, and hands the gradient list itself (its address) to ``gather_gradients``,
#   a compiled function that checks every gradient (exact ndarray type, shape, dtype, C order)
#   and collects the data addresses in a few ns per array.  One generated ``*_multi`` kernel then
#   updates every tensor of the dtype group in one call: the serial kernel below PARALLEL_MIN_SIZE
#   elements in all, the parallel one above it, whose work is split into equal slices of the
#   concatenated elements (not per tensor), so both threads get the same share whatever the shapes.
# * Anything the compiled check does not accept (a list subclass, an ndarray subclass, a strided
#   or byte-swapped gradient, a wrong shape or dtype, a Python without the layout checked by
#   ``_layout_ok``) takes the old Python path: the same checks and error messages as before, then
#   the addresses of contiguous copies, then the same kernel.  Nothing is touched before all the
#   gradients have been checked.
#
# The compiled check reads CPython's list/tuple layout and NumPy's PyArrayObject fields (the public,
# ABI-stable ``PyArrayObject_fields``); ``_layout_ok`` verifies those offsets once per process with
# ctypes on known objects, and the fast path is off where they do not hold (free-threaded or
# non-CPython builds) or when OPTFORGE_PYTHON_GRADS=1.
# ----------------------------------------------------------------------------------------------

_HEAD = object.__basicsize__  # sizeof(PyObject): ob_refcnt, ob_type
_OB_TYPE = _HEAD - 8
_SEQ_ITEMS = _HEAD + 8  # after ob_size: PyListObject.ob_item (a pointer), PyTupleObject.ob_item[0]
_ARR_DATA = _HEAD  # PyArrayObject_fields: data, nd, dimensions, strides, base, descr, flags
_ARR_ND = _HEAD + 8
_ARR_DIMS = _HEAD + 16
_ARR_DESCR = _HEAD + 40
_ARR_FLAGS = _HEAD + 48
_C_CONTIGUOUS = 0x0001  # NPY_ARRAY_C_CONTIGUOUS


@intrinsic
def _load_i64(typingctx, address):
    """The int64 stored at an address."""
    def codegen(context, builder, signature, args):
        return builder.load(builder.inttoptr(args[0], ir.IntType(64).as_pointer()))
    return types.int64(types.int64), codegen


@intrinsic
def _load_i32(typingctx, address):
    """The int32 stored at an address, widened to int64."""
    def codegen(context, builder, signature, args):
        value = builder.load(builder.inttoptr(args[0], ir.IntType(32).as_pointer()))
        return builder.sext(value, ir.IntType(64))
    return types.int64(types.int64), codegen


#: Columns of the tensor table (optforge.runtime.TENSOR_COLUMNS).
T_INDEX, T_ADDRESS, T_SIZE, T_OFFSET, T_NDIM, T_SHAPE = (column(c) for c in (
    "index", "address", "size", "offset", "ndim", "shape"))


@numba.njit(cache=True, error_model="numpy")
def gather_gradients(seq, is_list, tensors, shapes, gptr, ndarray_type, descr):
    """Check the gradients in the list or tuple at address ``seq`` against the group's tensors and
    store their data addresses in ``gptr``.  0 when every one is a C-contiguous ndarray (exact type)
    of the parameter's shape and dtype; otherwise 1 + the first group position that is not."""
    items = _load_i64(seq + _SEQ_ITEMS) if is_list else seq + _SEQ_ITEMS
    for k in range(tensors.shape[0]):
        obj = _load_i64(items + 8 * tensors[k, T_INDEX])
        if _load_i64(obj + _OB_TYPE) != ndarray_type or _load_i64(obj + _ARR_DESCR) != descr:
            return k + 1
        if (_load_i32(obj + _ARR_FLAGS) & _C_CONTIGUOUS) == 0:
            return k + 1
        nd = _load_i32(obj + _ARR_ND)
        if nd != tensors[k, T_NDIM]:
            return k + 1
        dims = _load_i64(obj + _ARR_DIMS)
        first = tensors[k, T_SHAPE]
        for d in range(nd):
            if _load_i64(dims + 8 * d) != shapes[first + d]:
                return k + 1
        gptr[k] = _load_i64(obj + _ARR_DATA)
    return 0


def _layout_ok() -> bool:
    """Whether the offsets that gather_gradients reads hold in this process (checked with ctypes
    on objects whose answers are known)."""
    if sys.implementation.name != "cpython" or sysconfig.get_config_var("Py_GIL_DISABLED"):
        return False

    if os.environ.get("OPTFORGE_PYTHON_GRADS", "") not in ("", "0"):
        return False
    try:
        def i64(address):
            return ctypes.c_int64.from_address(address).value

        def i32(address):
            return ctypes.c_int32.from_address(address).value

        a = np.zeros((2, 3), np.float32)
        b = a[:, ::2]
        as_list, as_tuple = [b, a], (b, a)
        items = i64(id(as_list) + _SEQ_ITEMS)
        return (i64(items) == id(b) and i64(items + 8) == id(a)
                and i64(id(as_tuple) + _SEQ_ITEMS) == id(b) and i64(id(as_tuple) + _SEQ_ITEMS + 8) == id(a)
                and i64(id(a) + _OB_TYPE) == id(np.ndarray) and i64(id(a) + _ARR_DATA) == a.ctypes.data
                and i32(id(a) + _ARR_ND) == 2 and i64(i64(id(a) + _ARR_DIMS)) == 2
                and i64(i64(id(a) + _ARR_DIMS) + 8) == 3 and i64(id(a) + _ARR_DESCR) == id(a.dtype)
                and i32(id(a) + _ARR_FLAGS) & _C_CONTIGUOUS == _C_CONTIGUOUS
                and i32(id(b) + _ARR_FLAGS) & _C_CONTIGUOUS == 0
                and i64(id(b) + _ARR_DATA) == b.ctypes.data)
    except Exception:  # pragma: no cover - any surprise means: use the Python path
        return False


#: Whether Optimizer.step reads the gradient list with gather_gradients (set on first use).
FAST_GRADIENTS: bool | None = None

_NDARRAY = id(np.ndarray)
#: Each tensor's state starts on a 64-byte boundary (one cache line, one AVX-512 vector).
_ALIGN_BYTES = 64
#: Parallel work slices per dtype group: equal slices of its elements, at least this many elements
#: each, at most _MAX_SLICES (a power of two, so 1, 2, 4, ... threads get equal shares).
_MIN_SLICE, _MAX_SLICES = 1 << 14, 64


# ------------------------------------------------------------------------------------ preloading
# The first step in a fresh process pays Numba's one-time set-up (its typing and lowering registries,
# and a BLAS probe that imports scipy.linalg when SciPy is installed: together about 0.3 s here, 0.14 s
# without SciPy) plus loading the kernels from the cache (a few ms).  Building an optimizer therefore
# starts a daemon thread that loads the exact kernels its first step will call (``Dispatcher.compile``
# with the step's own argument types: from the cache when it is warm, compiled and cached when not),
# without running them.  A program that computes its first gradients before the first step (NumPy,
# BLAS and I/O release the GIL) finds that work done or under way; one that steps at once waits for
# the same work it would have done itself (done in another thread, a little slower).  Measured by
# optforge-bench ("start-up").  OPTFORGE_PRELOAD=0 turns it off.  Nothing depends on the thread: if
# anything in it fails, the step compiles as it always did and reports the error itself.
#
# fork: the thread holds Numba's compiler lock while it works, and a child forked meanwhile would
# inherit the lock held by a thread it does not have, and hang on its first compile.  So a fork waits
# for running preload threads to finish (os.register_at_fork below).

#: The preload threads started in this process, by kernel and dtype (bounded by the number of
#: kernels and dtypes in use).
PRELOADS: dict[tuple, threading.Thread] = {}
_PRELOAD_LOCK = threading.Lock()


def _load_kernels(jobs: list[tuple[Any, tuple]]) -> None:
    for dispatcher, args in jobs:
        try:
            signature = tuple(numba.typeof(a) for a in args)
            if signature not in dispatcher.overloads:
                dispatcher.compile(signature)
        except Exception:  # the step compiles again and raises it where the user sees it
            continue


def preload(opt: "Optimizer") -> threading.Thread | None:
    """Start loading, in a background thread, the compiled code that ``opt.step`` will call first;
    the thread (None when it is loaded or being loaded already, OPTFORGE_PRELOAD=0, or anything
    went wrong: the step then does the work itself)."""
    try:
        kernel_args, _ = opt._scalars(1, *opt._hyper_values, *opt._scalar_state)
        jobs = [table.preload_job(opt, kernel_args) for table in opt._tables]
        if FAST_GRADIENTS and len(opt._tables) == 1:
            g = opt._tables[0]
            jobs.append(((gather_gradients,), (gather_gradients, (0, True, g.tensors, g.shapes, g.gptr, 0, 0))))
        return start_preload(jobs)
    except Exception:  # never keeps an optimizer from being built
        return None


def start_preload(jobs: list[tuple[tuple, tuple[Any, tuple]]]) -> threading.Thread | None:
    """One preload thread for ``jobs``: (key, (dispatcher, example arguments)) pairs, the arguments of
    the types the kernel will be called with.  Keys already loaded or being loaded are skipped; None
    when nothing is left (or OPTFORGE_PRELOAD=0)."""
    if os.environ.get("OPTFORGE_PRELOAD", "1") == "0":
        return None
    with _PRELOAD_LOCK:
        todo = [(key, job) for key, job in dict(jobs).items() if key not in PRELOADS]
        if not todo:
            return None
        thread = threading.Thread(target=_load_kernels, args=([job for _, job in todo],),
                                  name="optforge-preload", daemon=True)
        for key, _ in todo:
            PRELOADS[key] = thread
    thread.start()
    return thread


def _finish_preloads_before_fork() -> None:
    # bounded: a preload stuck behind a lock that the forking thread holds (a fork in the middle of an
    # import) must not hang the fork; a cold compile takes a second or two
    for thread in list(PRELOADS.values()):
        if thread.is_alive() and thread is not threading.current_thread():
            thread.join(60)


def _forget_preloads_in_child() -> None:
    PRELOADS.clear()  # the threads are the parent's; their kernels are loaded (joined before the fork)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_finish_preloads_before_fork, after_in_child=_forget_preloads_in_child)


def _aligned_full(n: int, value: float, dtype: np.dtype) -> np.ndarray:
    """``np.full(n, value, dtype)`` whose data starts on an _ALIGN_BYTES boundary (NumPy only
    promises 16 bytes)."""
    raw = np.empty(n + _ALIGN_BYTES // dtype.itemsize, dtype)
    skip = (-raw.ctypes.data % _ALIGN_BYTES) // dtype.itemsize
    out = raw[skip:skip + n]
    out.fill(value)
    return out


class Table:
    """Tensors of one dtype that one compiled call updates: the tensor table the kernels read
    (optforge.runtime.TENSOR_COLUMNS: one row per tensor with its parameter's and its state
    arrays' addresses), the gradients' addresses (``gptr``, filled before each call) and the
    work slices.  The NumPy classes and optforge.torch both build these."""

    __slots__ = ("dtype", "index", "tensors", "shapes", "gptr", "slices", "like", "total", "parallel", "descr")

    def __init__(self, dtype: np.dtype, index: Sequence[int], addresses: Sequence[int], shapes: Sequence[tuple],
                 state_addresses: Sequence[Sequence[int]]):
        self.dtype = np.dtype(dtype)
        self.index = list(index)
        self.descr = id(self.dtype)  # the builtin descriptor that ordinary arrays carry
        n = len(self.index)
        n_state = len(state_addresses[0]) if n else 0
        self.tensors = np.zeros((n, STATE_COLUMN + n_state), np.int64)
        flat_shapes: list[int] = []
        offset = 0
        for k, (i, address, shape, states) in enumerate(zip(self.index, addresses, shapes, state_addresses)):
            size = math.prod(shape)
            self.tensors[k, :STATE_COLUMN] = (i, address, size, offset, len(shape), len(flat_shapes))
            self.tensors[k, STATE_COLUMN:] = states
            flat_shapes.extend(shape)
            offset += size
        self.shapes = np.array(flat_shapes + [0], np.int64)
        self.gptr = np.zeros(n, np.int64)
        self.total = offset
        self.like = np.empty(0, self.dtype)
        self.parallel = self.total >= PARALLEL_MIN_SIZE
        count = 1
        if self.parallel:
            while count < _MAX_SLICES and offset // (2 * count) >= _MIN_SLICE:
                count *= 2
            count = max(count, 2)
        bounds = (np.arange(count + 1, dtype=np.int64) * offset) // count
        ends = self.tensors[:, T_OFFSET] + self.tensors[:, T_SIZE]
        self.slices = np.stack([bounds, np.searchsorted(ends, bounds, side="right")], axis=1).astype(np.int64)

    def kernel(self, owner: Any) -> Callable:
        """The multi-tensor kernel of ``owner`` (a generated class) that this table's size calls for."""
        return owner._multi_parallel if self.parallel else owner._multi_serial

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The kernel's leading arguments, in its order; the step's scalars follow them."""
        return self.tensors, self.gptr, self.slices, self.like

    def run(self, owner: Any, kernel_args: Sequence[float]) -> None:
        """One update of every tensor in the table (``gptr`` filled)."""
        self.kernel(owner)(*self.arrays(), *kernel_args)

    def bound(self, owner: Any) -> Callable:
        """``run`` for a caller that steps the same owner each time: the kernel with the table's
        arrays bound, called with the step's scalars."""
        return functools.partial(self.kernel(owner), *self.arrays())

    def preload_job(self, owner: Any, kernel_args: Sequence[float]) -> tuple[tuple, tuple[Any, tuple]]:
        kernel = self.kernel(owner)
        return (kernel, self.dtype), (kernel, (*self.arrays(), *kernel_args))


class _StateBuffers:
    """The NumPy classes' per-element state of one dtype: one flat, 64-byte-aligned buffer per state
    array, each tensor's part starting on a 64-byte boundary."""

    def __init__(self, dtype: np.dtype, params: Sequence[np.ndarray], element_state: Sequence[StateInfo]):
        align = _ALIGN_BYTES // dtype.itemsize
        self.offsets = []
        offset = 0
        for p in params:
            self.offsets.append(offset)
            offset += -(-p.size // align) * align
        self.buffers = tuple(_aligned_full(offset, s.init, dtype) for s in element_state)

    def views(self, j: int, params: Sequence[np.ndarray]) -> list[np.ndarray]:
        flat = self.buffers[j]
        return [flat[o:o + p.size].reshape(p.shape) for p, o in zip(params, self.offsets)]

    def addresses(self, k: int) -> list[int]:
        return [b.ctypes.data + self.offsets[k] * b.itemsize for b in self.buffers]


def hyperparameter_doc(hypers: Sequence[Hyper]) -> str:
    """The documentation of one keyword (``help(optforge.Adam)`` shows it under ``lr``, ``betas``)."""
    if len(hypers) == 1:
        h = hypers[0]
        return f"{h.meaning} (default {h.default!r}; {h.domain_text()})"
    parts = "; ".join(f"{h.name}: {h.meaning}, default {h.default!r}, {h.domain_text()}" for h in hypers)
    return f"({', '.join(h.name for h in hypers)}): {parts}"


def unknown_keyword_message(cls: type, key: str) -> str:
    """Why ``cls`` refuses the keyword ``key``, and which optforge class takes it (read off the
    generated modules' torch equivalents and hyperparameters)."""
    own = sorted(dict.fromkeys(h.api for h in cls.hyperparameters))
    message = f"{cls.__name__} has no keyword argument {key!r} (it takes params, {', '.join(own)})"
    te = cls.description.torch if cls.description else None
    fixed = dict(te.options) if te else {}
    if key in fixed:
        message += f"; it is torch.optim.{te.cls} with {key}={fixed[key]!r} fixed"
    import optforge

    others = [o for o in dict.fromkeys(optforge.OPTIMIZERS.values()) if o is not cls and o.description]

    def differs(o) -> dict:
        """The torch keywords of ``o`` that set ``key`` or differ from this class's fixed options."""
        theirs = o.description.torch
        options = dict(theirs.options)
        shown = {k: "..." for k in dict(theirs.hypers) if k == key or k not in {h.api for h in cls.hyperparameters}}
        shown.update({k: repr(v) for k, v in options.items()
                      if (fixed[k] != v if k in fixed else v not in (0, 0.0, False, None))})
        return shown if key in shown else {}

    same = [(o, differs(o)) for o in others if te and o.description.torch and o.description.torch.cls == te.cls]
    same = [(o, d) for o, d in same if d]
    if same:
        calls = [f"optforge.{o.__name__} for torch.optim.{te.cls}({', '.join(f'{k}={v}' for k, v in d.items())})"
                 for o, d in same]
        return message + "; use " + " or ".join(calls)
    takers = [o.__name__ for o in others if key in {h.api for h in o.hyperparameters}]
    if takers and len(takers) <= 4:
        listed = ", ".join(f"optforge.{t}" for t in takers[:-1]) + (" and " if len(takers) > 1 else "") \
            + f"optforge.{takers[-1]}"
        return message + f"; {key} is a keyword of {listed}"
    return message + ("" if key in fixed else "; no optforge optimizer of this kind has that option")


def _form_class(spec_name: str) -> type:
    """The generated class of a form (a variant module, imported on use)."""
    import importlib

    generated = importlib.import_module("optforge.generated")
    module = importlib.import_module(f"optforge.generated.{spec_name}")
    return getattr(module, generated.VARIANTS.get(spec_name) or module.DESCRIPTION.class_name)


def with_torch_options(cls: type, args: tuple, kwargs: dict[str, Any]) -> "Optimizer | None":
    """``cls(*args, **kwargs)`` for a built-in class given torch.optim's options: an instance of the form
    that has them (``optforge.SGD(params, lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)`` is
    ``SGDNesterovTorch``, spec ``sgd_nesterov_torch``), chosen by the table optforge.torch reads
    (optforge/_forms.py).  None when ``cls`` has no such options or no keyword of ``kwargs`` is one."""
    from optforge import _forms

    family = _forms.numpy_family(cls.name) if cls.__module__.startswith("optforge.generated.") else None
    if family is None:
        return None
    owner = cls.__name__
    import inspect

    try:  # positional hyperparameters by this class's own signature
        bound = inspect.signature(cls.__init__).bind(None, *args)
    except TypeError as e:
        raise TypeError(f"{owner}: {e}") from None
    given = {k: v for k, v in list(bound.arguments.items())[1:]}
    if "params" not in given:
        raise TypeError(f"{owner}() missing 1 required positional argument: 'params'")
    twice = sorted(set(given) & set(kwargs))
    if twice:
        raise TypeError(f"{owner}() got multiple values for argument {twice[0]!r}")
    given.update(kwargs)
    params = given.pop("params")
    te = cls.description.torch
    implied = dict(te.options) if te else {}  # the class's own fixed torch options (NAG: nesterov=True)
    implied.update({h.api: h.default for h in cls.hyperparameters if h.index is None})
    for key, value in given.items():
        if key in _forms.OPTION_KEYWORDS and implied.get(key) is True and value is not True:
            raise ValueError(f"{owner} is torch.optim.{te.cls} with {key}={implied[key]!r}; {key}={value!r} is "
                             f"another algorithm (optforge.{te.cls} with {key}={value!r} is)")
    try:
        chosen = _forms.form(family, {**implied, **given})
    except (TypeError, ValueError) as e:
        raise type(e)(f"{owner}: {e}") from None
    target = _form_class(chosen.spec)
    api = {h.api for h in target.hyperparameters}
    passed: dict[str, Any] = {}
    for key, value in {**{k: v for k, v in implied.items() if k in api}, **given}.items():
        if key == "maximize" and "sign" in api:
            try:
                passed["sign"] = -1.0 if _forms.flag(given, key) else 1.0
            except TypeError as e:
                raise TypeError(f"{owner}: {e}") from None
        elif key in api:
            passed[key] = value
        elif key not in chosen.consumed:
            forms = [_form_class(name) for name in _forms.ALL_FORMS[family]]
            if key not in _forms.OPTION_KEYWORDS | {h.api for f in forms for h in f.hyperparameters}:
                raise TypeError(unknown_keyword_message(cls, key))
            raise TypeError(f"{owner}: with these options it runs {target.__name__} (spec {chosen.spec!r}, "
                            f"torch.optim.{family}'s form), which has no {key!r}; it takes params, "
                            f"{', '.join(sorted(api))}")
    instance = object.__new__(target)
    instance.__init__(params, **passed)
    return instance


class Optimizer:
    """Base of the generated optimizer classes.  Subclasses set the class attributes below (the
    generated module's ``DESCRIPTION`` and its kernels)."""

    description: KernelDescription | None = None
    name: str = ""
    hyperparameters: tuple[Hyper, ...] = ()
    state: tuple[StateInfo, ...] = ()
    _scalars: Callable = None
    _serial: Callable = None
    _parallel: Callable = None
    _multi_serial: Callable = None
    _multi_parallel: Callable = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for api in dict.fromkeys(h.api for h in cls.hyperparameters):
            setattr(cls, api, property(operator.methodcaller("get_hyperparameter", api),
                                       lambda self, value, api=api: self.set_hyperparameters(**{api: value}),
                                       doc=hyperparameter_doc([h for h in cls.hyperparameters if h.api == api])))

    def __new__(cls, *args: Any, **kwargs: Any):
        # torch.optim's options (weight_decay, maximize, nesterov, amsgrad, ...) on a built-in class choose
        # the spec that has them (optforge/_forms.py); an instance of that class is returned, initialised.
        # Any other keyword: say what to use instead, before __init__'s bare "unexpected keyword argument".
        accepted = {"params"} | {h.api for h in cls.hyperparameters}
        unknown = [key for key in kwargs if key not in accepted]
        if unknown:
            chosen = with_torch_options(cls, args, kwargs)
            if chosen is None:
                raise TypeError(unknown_keyword_message(cls, unknown[0]))
            return chosen
        return super().__new__(cls)

    def __init__(self, params: Iterable[np.ndarray], **api_values: Any):
        owner = type(self).__name__
        if isinstance(params, np.ndarray):
            raise TypeError(f"{owner}: params must be a list of arrays, not a single array")
        params = list(params)
        if not params:
            raise ValueError(f"{owner}: optimizer got an empty parameter list")  # as torch.optim
        self.params = [check_param(owner, i, p) for i, p in enumerate(params)]
        check_distinct(owner, self.params)
        self._values: dict[str, float] = {h.name: h.default for h in self.hyperparameters}
        self.set_hyperparameters(**api_values)
        self.t = 0
        self._element_state = [s for s in self.state if s.per_element]
        self._scalar_state = tuple(s.init for s in self.state if not s.per_element)
        self._build_groups()
        global FAST_GRADIENTS
        if FAST_GRADIENTS is None:
            FAST_GRADIENTS = _layout_ok()
        preload(self)

    def _build_groups(self) -> None:
        """Per dtype: the flat state buffers, the tensor table the kernels read, and ``state_arrays``,
        the per-parameter views into those buffers."""
        by_dtype: dict[np.dtype, list[int]] = {}
        for i, p in enumerate(self.params):
            by_dtype.setdefault(p.dtype, []).append(i)
        self._tables, self._buffers = [], []
        self.state_arrays: dict[str, list[np.ndarray]] = {s.name: [None] * len(self.params)  # type: ignore
                                                         for s in self._element_state}
        for dtype, index in by_dtype.items():
            params = [self.params[i] for i in index]
            buffers = _StateBuffers(dtype, params, self._element_state)
            self._buffers.append(buffers)
            self._tables.append(Table(dtype, index, [p.ctypes.data for p in params], [p.shape for p in params],
                                      [buffers.addresses(k) for k in range(len(params))]))
            for j, s in enumerate(self._element_state):
                for i, view in zip(index, buffers.views(j, params)):
                    self.state_arrays[s.name][i] = view

    # The groups hold raw addresses of the parameters: a copy or an unpickled optimizer builds its own
    # from its own arrays (and copies the state values into its new buffers), never reuses them.
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_tables", None)
        state.pop("_buffers", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        old = self.state_arrays
        self._build_groups()
        for name, views in self.state_arrays.items():
            for view, value in zip(views, old[name]):
                np.copyto(view, value)

    # ---------------------------------------------------------- hyperparameters
    @classmethod
    def check(cls, name: str, value: Any) -> float:
        """Validate one hyperparameter, by the spec's symbol name, against its domain."""
        for h in cls.hyperparameters:
            if h.name == name:
                return check_hyperparameter(cls.__name__, h, value)
        raise KeyError(f"{cls.__name__} has no hyperparameter {name!r}")

    def set_hyperparameters(self, **api_values: Any) -> None:
        """Change hyperparameters by their API names (``lr=...``, ``betas=(...)``); validated
        against the spec's domains, applied only if all are valid.  No recompilation."""
        owner = type(self).__name__
        known = {h.api for h in self.hyperparameters}
        for key in api_values:
            if key not in known:
                raise TypeError(f"{owner}: unexpected hyperparameter {key!r}; expected one of {sorted(known)}")
        new = dict(self._values)
        for h in self.hyperparameters:
            if h.api not in api_values:
                continue
            value = api_values[h.api]
            if h.index is not None:
                group = [x for x in self.hyperparameters if x.api == h.api]
                if not isinstance(value, (tuple, list)) or len(value) != len(group):
                    raise TypeError(f"{owner}: {h.api} must be a tuple of {len(group)} numbers, got {value!r}")
                value = value[h.index]
            new[h.name] = check_hyperparameter(owner, h, value)
        self._values = new
        self._hyper_values = tuple(new[h.name] for h in self.hyperparameters)

    def get_hyperparameter(self, api: str):
        group = [h for h in self.hyperparameters if h.api == api]
        if group[0].index is None:
            return self._values[group[0].name]
        return tuple(self._values[h.name] for h in sorted(group, key=lambda h: h.index))

    @property
    def hyperparameter_values(self) -> dict[str, float]:
        """The current values by the spec's symbol names."""
        return dict(self._values)

    # ---------------------------------------------------------------- stepping
    def step(self, grads: Sequence[np.ndarray]) -> None:
        """One update of every parameter, in place.  NaN and Inf in a gradient propagate into the
        parameters and state exactly as in PyTorch (no checks, no skipping)."""
        t = self.t + 1
        kernel_args, scalar_state = self._scalars(t, *self._hyper_values, *self._scalar_state)
        tables = self._tables
        kind = type(grads)
        if (len(tables) == 1 and FAST_GRADIENTS and (kind is list or kind is tuple)
                and len(grads) == len(self.params)):
            # The common case, one dtype: gradients checked and gathered in compiled code.
            g = tables[0]
            if gather_gradients(id(grads), kind is list, g.tensors, g.shapes, g.gptr, _NDARRAY, g.descr):
                keep = self._python_gradients(grads)  # raises the usual error, or gathers copies
            g.run(self, kernel_args)
        else:
            keep = self._python_gradients(grads)  # every table checked before any is updated
            for g in tables:
                g.run(self, kernel_args)
        self.t = t
        self._scalar_state = scalar_state

    def _python_gradients(self, grads: Any) -> list[np.ndarray]:
        """The Python path: check the gradients (the error messages users see), then fill every
        table's gradient addresses from C-contiguous flat views (copies where needed), which the
        caller keeps alive until the kernels have run."""
        flat = [np.ascontiguousarray(g) for g in check_grads(type(self).__name__, self.params, grads)]
        for g in self._tables:
            g.gptr[:] = [flat[i].ctypes.data for i in g.index]
        return flat

    @classmethod
    def step_arrays(cls, theta: np.ndarray, g: np.ndarray, states: Sequence[np.ndarray], t: Any,
                    scalar_state: Sequence[Any], hypers: Sequence[Any]) -> tuple[float, ...]:
        """The plain step functions (``adam(theta, g, m, v, t, ...)``): one update of arrays the caller
        keeps, in place; returns the new scalar state."""
        owner = cls.name
        arrays = flat_step_arrays(owner, theta, g, states)
        values = [check_hyperparameter(owner, h, x) for h, x in zip(cls.hyperparameters, hypers)]
        step = check_step(owner, "t", t, minimum=1)
        kernel_args, new_scalar_state = cls._scalars(step, *values, *(float(x) for x in scalar_state))
        dispatch(cls._serial, cls._parallel, theta.size)(*arrays, *kernel_args)
        return new_scalar_state

    # ------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """A flat dict of str -> numbers and arrays (copies), so that ``np.savez(f, **opt.state_dict())``
        and ``opt.load_state_dict(np.load(f))`` round-trip it exactly."""
        d: dict[str, Any] = {"optimizer": self.name, "step": self.t}
        d.update({f"hyper.{k}": v for k, v in self._values.items()})
        d.update({f"scalar.{s.name}": v for s, v in zip([s for s in self.state if not s.per_element],
                                                        self._scalar_state)})
        for s in self._element_state:
            for i, a in enumerate(self.state_arrays[s.name]):
                d[f"state.{s.name}.{i}"] = a.copy()
        return d

    def save(self, path: str | os.PathLike) -> None:
        """Write :meth:`state_dict` to ``path`` (NumPy ``.npz``) so that a crash at any moment leaves either
        the previous file or the new one whole: the data goes to a temporary file in the same folder, is
        flushed to disk, and then renamed over ``path`` in one step."""
        import tempfile

        path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **self.state_dict())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        if hasattr(os, "O_DIRECTORY"):  # the rename itself, on disk
            dir_fd = os.open(folder, os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def load(self, path: str | os.PathLike) -> None:
        """Restore a checkpoint written by :meth:`save` (checked whole before anything changes)."""
        with np.load(os.fspath(path)) as d:
            self.load_state_dict(d)

    def load_state_dict(self, d: Mapping[str, Any]) -> None:
        """Restore a checkpoint from :meth:`state_dict` (checked whole before anything changes)."""
        owner = type(self).__name__
        if not isinstance(d, Mapping) and not hasattr(d, "files"):  # a dict, or np.load's NpzFile
            raise TypeError(f"{owner}: load_state_dict takes the mapping state_dict() made (or np.load of its "
                            f"savez file), got {type(d).__name__}")
        found = str(np.asarray(d.get("optimizer", ""))[()])
        if found != self.name:
            raise ValueError(f"{owner}: the checkpoint is for optimizer {found!r}, not {self.name!r}")
        values = {}
        for h in self.hyperparameters:
            key = f"hyper.{h.name}"
            if key not in d:
                raise KeyError(f"{owner}: the checkpoint has no {key!r}")
            values[h.name] = check_hyperparameter(owner, h, float(np.asarray(d[key])[()]))
        arrays = {}
        for s in self._element_state:
            for i, p in enumerate(self.params):
                key = f"state.{s.name}.{i}"
                if key not in d:
                    raise KeyError(f"{owner}: the checkpoint has no {key!r} (does it hold {len(self.params)} "
                                   "parameters?)")
                a = np.asarray(d[key])
                if a.shape != p.shape or a.dtype != p.dtype:
                    raise ValueError(f"{owner}: checkpoint {key} is {_describe(a)}, params[{i}] is {_describe(p)}")
                arrays[key] = a
        keys = list(d.files) if hasattr(d, "files") else list(d)
        extra = sorted(k for k in keys if k.startswith("state.") and k not in arrays)
        if extra:  # more parameters (or other state) than this optimizer has: not silently dropped
            raise ValueError(f"{owner}: the checkpoint has {extra[:3]}{' ...' if len(extra) > 3 else ''}, which this "
                             f"optimizer of {len(self.params)} parameters does not have")
        for s in self._element_state:
            if s.nonnegative:
                for i in range(len(self.params)):
                    a = arrays[f"state.{s.name}.{i}"]
                    if a.size and not (a >= 0).all():  # NaN fails too
                        raise ValueError(f"{owner}: checkpoint state.{s.name}.{i} has negative or NaN values; "
                                         f"{s.name} is declared nonnegative ({s.meaning})")
        scalar_state = tuple(float(np.asarray(d[f"scalar.{s.name}"])[()]) for s in self.state if not s.per_element)
        if "step" not in d:
            raise KeyError(f"{owner}: the checkpoint has no 'step'")
        step = check_step(owner, "checkpoint step", np.asarray(d["step"])[()], minimum=0)
        for s in self._element_state:
            for i in range(len(self.params)):
                np.copyto(self.state_arrays[s.name][i], arrays[f"state.{s.name}.{i}"])
        self._values = values
        self._hyper_values = tuple(values[h.name] for h in self.hyperparameters)
        self._scalar_state = scalar_state
        self.t = step

    def __repr__(self) -> str:
        hp = ", ".join(f"{api}={self.get_hyperparameter(api)!r}" for api in dict.fromkeys(
            h.api for h in self.hyperparameters))
        return f"{type(self).__name__}({len(self.params)} params, {hp}, step={self.t})"


def flat_step_arrays(owner: str, theta: np.ndarray, g: np.ndarray, states: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Checks for the plain kernel functions: flat views of theta and state, and g."""
    check_param(owner, 0, theta)
    (flat_g,) = check_grads(owner, [theta], [g])
    flat = [theta.reshape(-1), flat_g]
    for name_i, s in enumerate(states):
        if not isinstance(s, np.ndarray) or s.shape != theta.shape or s.dtype != theta.dtype:
            raise ValueError(f"{owner}: state array {name_i} must match theta ({_describe(theta)}), "
                             f"got {_describe(s)}")
        check_param(owner, name_i + 1, s)
        flat.append(s.reshape(-1))
    check_distinct(owner, [theta] + list(states))
    return flat


#: The largest step number accepted: beyond it ``b**t`` and friends lose all precision in float64 and
#: integer powers of it overflow (checkpoints that claim more are refused).
MAX_STEP = 2**53


def check_step(owner: str, field: str, value: Any, minimum: int) -> int:
    """A step number as an int: a whole number >= ``minimum`` (1 for a step, 0 for a checkpoint) and at
    most MAX_STEP; otherwise a ValueError or TypeError naming ``field``."""
    raw = value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: {field} must be a whole number >= {minimum}, got {raw!r}")
    if isinstance(value, (float, np.floating)) and not (math.isfinite(value) and value == int(value)):
        raise ValueError(f"{owner}: {field} must be a whole number >= {minimum}, got {raw!r}")
    step = int(value)
    if step < minimum or step > MAX_STEP:
        raise ValueError(f"{owner}: {field}={raw!r} must be between {minimum} and 2**53")
    return step


def dispatch(serial: Callable, parallel: Callable, size: int) -> Callable:
    return parallel if size >= PARALLEL_MIN_SIZE else serial
