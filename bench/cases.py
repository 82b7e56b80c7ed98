"""What is measured: the optimizers (as their generated modules describe themselves), the sizes
and parameter-shape lists, and the methods of a case (optforge, torch.optim, optforge.torch, the
NumPy baselines, the ceilings).

Everything about an optimizer is read from its ``DESCRIPTION`` (an
:class:`optforge.runtime.KernelDescription`): bytes per element, square roots and divisions per
element, the per-step scalars, the torch equivalent.  The NumPy baselines are printed by the code
generator from the lowered kernel (:func:`optforge.codegen.printing.numpy_naive_source` and
``numpy_inplace_source``), which needs ``optforge[codegen]`` (SymPy); without it they are left out."""

from __future__ import annotations

import functools
import importlib
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import optforge
from bench.ceilings import ceiling_methods
from bench.measure import Method, set_threads, torch
from optforge import _engine
from optforge.runtime import KernelDescription, TorchEquivalent

# ------------------------------------------------------------------------------ sizes and lists
SIZES = {"1e3": 10**3, "1e4": 10**4, "1e5": 10**5, "1e6": 10**6, "1e7": 10**7}


def size_label(n: int) -> str:
    return next((k for k, v in SIZES.items() if v == n), str(n))


def resnet50_shapes() -> list[tuple[int, ...]]:
    """torchvision's ResNet-50: 161 parameter tensors, 25,557,032 elements."""
    shapes: list[tuple[int, ...]] = [(64, 3, 7, 7), (64,), (64,)]
    inplanes = 64
    for planes, blocks in ((64, 3), (128, 4), (256, 6), (512, 3)):
        for b in range(blocks):
            shapes += [(planes, inplanes, 1, 1), (planes,), (planes,), (planes, planes, 3, 3), (planes,), (planes,),
                       (planes * 4, planes, 1, 1), (planes * 4,), (planes * 4,)]
            if b == 0:
                shapes += [(planes * 4, inplanes, 1, 1), (planes * 4,), (planes * 4,)]
            inplanes = planes * 4
    return shapes + [(1000, 2048), (1000,)]


def transformer_shapes(d: int = 256, layers: int = 8, vocab: int = 14000, context: int = 512) -> list[tuple[int, ...]]:
    """A small GPT-like model: 100 parameter tensors, 10,033,664 elements."""
    shapes: list[tuple[int, ...]] = [(vocab, d), (context, d)]
    for _ in range(layers):
        shapes += [(3 * d, d), (3 * d,), (d, d), (d,), (d,), (d,), (4 * d, d), (4 * d,), (d, 4 * d), (d,), (d,), (d,)]
    return shapes + [(d,), (d,)]


def mlp_shapes() -> list[tuple[int, ...]]:
    """A 784-128-64-10 MLP: 6 parameter tensors, 109,386 elements."""
    return [(128, 784), (128,), (64, 128), (64,), (10, 64), (10,)]


LISTS: dict[str, Callable[[], list[tuple[int, ...]]]] = {
    "resnet50 (161)": resnet50_shapes, "transformer (100)": transformer_shapes, "mlp (6)": mlp_shapes,
    "1000 x 1e3": lambda: [(1000,)] * 1000,
    # for tests: small and mixed (scalars, empty tensors, several ndims)
    "tiny mixed (12)": lambda: [(3, 4), (), (0,), (7,), (2, 3, 5), (100,), (1,), (17, 3), (64,), (5, 5), (9,), (2,)]}
DEFAULT_LISTS = ["resnet50 (161)", "transformer (100)", "1000 x 1e3"]


def data(rng: np.random.Generator, shapes: list[tuple[int, ...]], dtype) -> tuple[list, list]:
    """Parameters and gradients of real (nonzero) data."""
    params = [rng.uniform(-1, 1, s).astype(dtype) for s in shapes]
    grads = [rng.uniform(-1, 1, s).astype(dtype) for s in shapes]
    return params, grads


# ------------------------------------------------------------------------- what a module says
@dataclass(frozen=True)
class OptimizerInfo:
    """One optimizer as the benchmark needs it: its class, module and ``DESCRIPTION``."""

    name: str
    cls: type
    module: Any
    description: KernelDescription

    @property
    def states(self) -> list[str]:
        """The per-element state arrays, in kernel argument order."""
        return [s.name for s in self.description.element_state]

    @property
    def n_state(self) -> int:
        return len(self.description.element_state)

    def bytes_per_element(self, itemsize: int) -> int:
        return self.description.bytes_per_element(itemsize)

    @property
    def sqrt_div(self) -> tuple[int, int]:
        """Square roots and divisions per element: correctly rounded operations that an exact
        kernel cannot skip, and that take longer than a load where data is in cache."""
        return self.description.ops.sqrt, self.description.ops.div

    @property
    def torch(self) -> TorchEquivalent | None:
        return self.description.torch

    def hyper_values(self) -> tuple[float, ...]:
        return tuple(h.default for h in self.description.hyperparameters)

    def torch_kwargs(self) -> dict[str, Any]:
        """torch.optim's keyword arguments for the spec's default hyperparameters ({} without one)."""
        if self.torch is None:
            return {}
        return self.torch.kwargs({h.name: h.default for h in self.description.hyperparameters})

    def scalars(self, t: int, scalar_state: tuple[float, ...]) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """``<name>_scalars(t, *hyperparameters, *scalar state)``: (kernel_args, new scalar state)."""
        return getattr(self.module, f"{self.name}_scalars")(t, *self.hyper_values(), *scalar_state)


@functools.lru_cache(maxsize=None)
def optimizer_info(name: str) -> OptimizerInfo:
    cls = optforge.OPTIMIZERS[name]
    module = importlib.import_module(f"optforge.generated.{name}")
    return OptimizerInfo(name, cls, module, module.DESCRIPTION)


# ------------------------------------------------------------------------------ NumPy baselines
def numpy_baselines_available() -> str | None:
    """None when the code generator (SymPy) is importable, else why not."""
    try:
        importlib.import_module("optforge.codegen.printing")
        importlib.import_module("optforge.codegen.lower")
    except ImportError as e:
        return f"the NumPy baselines need optforge[codegen] ({e})"
    return None


@functools.lru_cache(maxsize=None)
def numpy_sources(name: str) -> tuple[str, str, int]:
    """(naive source, in-place source, scratch buffers), printed by the code generator."""
    from optforge.codegen import printing
    from optforge.codegen.lower import lower
    from optforge.specs import SPECS

    kernel = lower(SPECS[name])
    described = optimizer_info(name).description
    if (kernel.kernel_args != described.kernel_args
            or kernel.element_state != tuple(s.name for s in described.element_state)):
        raise RuntimeError(f"{name}: the lowered spec's kernel arguments {kernel.kernel_args} / state "
                           f"{kernel.element_state} differ from the generated module's DESCRIPTION: regenerate it")
    inplace, n_buffers = printing.numpy_inplace_source(kernel)
    return printing.numpy_naive_source(kernel), inplace, n_buffers


def compile_step(source: str) -> Callable:
    """The ``step`` function of source the code generator printed for the benchmark."""
    namespace: dict[str, Any] = {"np": np}
    exec(compile(source, "<bench numpy baseline>", "exec"), namespace)
    return namespace["step"]


class NumpyOptimizer:
    """A NumPy implementation of one optimizer on one flat array, naive or in-place."""

    def __init__(self, info: OptimizerInfo, theta: np.ndarray, inplace: bool):
        self.info, self.theta, self.t = info, theta, 0
        self.state = [np.full(theta.shape, s.init, theta.dtype) for s in info.description.element_state]
        self.scalar_state = tuple(s.init for s in info.description.scalar_state)
        self.dt = theta.dtype.type
        naive, inplace_source, n = numpy_sources(info.name)
        if inplace:
            self.buffers = [np.empty_like(theta) for _ in range(n)]
            fn = compile_step(inplace_source)
            self._step = lambda g, *k: fn(self.theta, g, *self.state, *k, self.buffers, self.dt)
        else:
            fn = compile_step(naive)
            self._step = lambda g, *k: fn(self.theta, g, *self.state, *k)

    def step(self, g: np.ndarray) -> None:
        self.t += 1
        kernel_args, self.scalar_state = self.info.scalars(self.t, self.scalar_state)
        self._step(g, *(self.dt(k) for k in kernel_args))


# ---------------------------------------------------------------------------------- torch side
def torch_tensors(params: list[np.ndarray], grads: list[np.ndarray], copy_grads: bool = True) -> list:
    """Leaf tensors holding copies of ``params``, their ``.grad`` the gradients (copies, or shared)."""
    tensors = [torch.from_numpy(p.copy()) for p in params]
    for t, g in zip(tensors, grads):
        t.grad = torch.from_numpy(g.copy() if copy_grads else g)
    return tensors


def torch_optimizer(info: OptimizerInfo, params: list[np.ndarray], grads: list[np.ndarray], mode: str,
                    copy_grads: bool = True, options: dict[str, Any] | None = None):
    """torch.optim's equivalent of ``info`` (``mode``: single, foreach or fused) on copies of
    ``params``, after one step; None where torch has no such mode for it.  ``options``: more torch
    keywords (``weight_decay``, ``maximize``)."""
    if torch is None or info.torch is None:
        return None
    flags = {"single": {"foreach": False}, "foreach": {"foreach": True}, "fused": {"fused": True}}[mode]
    try:
        opt = getattr(torch.optim, info.torch.cls)(torch_tensors(params, grads, copy_grads),
                                                   **{**info.torch_kwargs(), **(options or {})}, **flags)
        opt.step()
    except (TypeError, RuntimeError, ValueError):  # no such mode for this algorithm (e.g. fused NAdam)
        return None
    return opt


def optforge_torch_optimizer(info: OptimizerInfo, params: list[np.ndarray], grads: list[np.ndarray],
                             copy_grads: bool = True, options: dict[str, Any] | None = None):
    """The drop-in ``optforge.torch.<torch class>`` built with torch's keyword arguments, after one
    step; None where there is none or it refuses them."""
    if torch is None or info.torch is None:
        return None
    try:
        import optforge.torch as oft
    except Exception:  # noqa: BLE001 - the drop-in layer is optional for the rest of the benchmark
        return None
    cls = getattr(oft, info.torch.cls, None)
    if cls is None:
        return None
    try:
        opt = cls(torch_tensors(params, grads, copy_grads), **{**info.torch_kwargs(), **(options or {})})
        opt.step()
    except (TypeError, ValueError):  # an option the drop-in refuses
        return None
    return opt


# --------------------------------------------------------------------------------------- cases
@dataclass
class Case:
    """One optimizer, dtype and size (or list of shapes): its methods, measured together."""

    optimizer: str
    dtype: str
    size: str  # "1e6" or a list's name
    elements: int
    bytes_per_element: int
    methods: list[Method] = field(default_factory=list)

    def get(self, label: str, threads: int) -> Method | None:
        return next((m for m in self.methods if m.label == label and m.threads == threads), None)

    def ceiling(self, threads: int, kind: str = "ceiling") -> float | None:
        """The faster of the serial and (with this many threads) parallel ceiling kernels; with
        ``kind="sqrt/div ceiling"``, of those with the optimizer's square roots and divisions (None
        where it has none, and so none were measured)."""
        options = [m.median for m in self.methods if m.label == f"{kind} serial" and m.times]
        if threads > 1:
            options += [m.median for m in self.methods if m.label == f"{kind} parallel" and m.threads == threads
                        and m.times]
        return min(options) if options else None

    def torch_best(self, threads: int) -> Method | None:
        return self.get("torch fused", threads) or self.get("torch foreach", threads)


def _torch_methods(case: Case, info: OptimizerInfo, params, grads, threads: list[int],
                   torch_modes: tuple[str, ...]) -> None:
    for mode in torch_modes:
        for t in threads:
            set_threads(t)
            topt = torch_optimizer(info, params, grads, mode)
            if topt is not None:
                case.methods.append(Method(f"torch {mode}", t, topt.step))
    if torch_modes:
        for t in threads:
            dropin = optforge_torch_optimizer(info, params, grads)
            if dropin is not None:
                case.methods.append(Method("optforge.torch", t, dropin.step))


def single_tensor_case(info: OptimizerInfo, dtype, n: int, label: str, threads: list[int], numpy_baselines: bool,
                       torch_modes: tuple[str, ...]) -> Case:
    rng = np.random.default_rng(0)
    (p,), (g,) = data(rng, [(n,)], dtype)
    case = Case(info.name, np.dtype(dtype).name, label, n, info.bytes_per_element(np.dtype(dtype).itemsize))
    grads = [g]
    for t in threads:
        opt = info.cls([p.copy()])
        case.methods.append(Method("optforge", t, lambda opt=opt: opt.step(grads)))
    _torch_methods(case, info, [p], [g], threads, torch_modes)
    if numpy_baselines:
        for kind, inplace in (("naive", False), ("in-place", True)):
            nopt = NumpyOptimizer(info, p.copy(), inplace)
            case.methods.append(Method(f"numpy {kind}", 1, lambda nopt=nopt: nopt.step(g)))
    case.methods += ceiling_methods(info.n_state, n, dtype, threads, info.sqrt_div)
    return case


def list_case(info: OptimizerInfo, dtype, name: str, shapes: list[tuple[int, ...]], threads: list[int],
              torch_modes: tuple[str, ...]) -> Case:
    rng = np.random.default_rng(1)
    params, grads = data(rng, shapes, dtype)
    total = sum(p.size for p in params)
    case = Case(info.name, np.dtype(dtype).name, name, total, info.bytes_per_element(np.dtype(dtype).itemsize))
    flat_p, flat_g = data(rng, [(total,)], dtype)
    for t in threads:
        opt = info.cls([p.copy() for p in params])
        case.methods.append(Method("optforge", t, lambda opt=opt: opt.step(grads)))
        flat = info.cls([flat_p[0].copy()])
        case.methods.append(Method("optforge flat", t, lambda flat=flat: flat.step(flat_g)))
    _torch_methods(case, info, params, grads, threads, torch_modes)
    case.methods += ceiling_methods(info.n_state, total, dtype, threads, info.sqrt_div)
    return case


def crossover_case(info: OptimizerInfo, n: int, threads: int) -> Case:
    """The same step through the serial and through the parallel kernel, to place PARALLEL_MIN_SIZE."""
    rng = np.random.default_rng(2)
    (p,), (g,) = data(rng, [(n,)], np.float32)
    case = Case(info.name, "float32", size_label(n), n, info.bytes_per_element(4))
    saved = _engine.PARALLEL_MIN_SIZE
    try:
        for label, threshold in (("optforge serial kernel", n + 1), ("optforge parallel kernel", 0)):
            _engine.PARALLEL_MIN_SIZE = threshold  # read when the optimizer builds its table
            opt = info.cls([p.copy()])
            case.methods.append(Method(label, threads if threshold == 0 else 1, lambda opt=opt: opt.step([g])))
    finally:
        _engine.PARALLEL_MIN_SIZE = saved
    return case


def total_elements(shapes: list[tuple[int, ...]]) -> int:
    return sum(math.prod(s) for s in shapes)
