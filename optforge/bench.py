"""optforge-bench: optimizer steps against the memory-bandwidth ceiling, torch.optim and NumPy.

An optimizer step is memory-bound: Adam in float32 reads theta, g, m, v and writes theta, m, v,
28 bytes per element.  This benchmark measures, side by side in one process and one run:

* ``optforge``: ``opt.step(grads)``, the public call, with 1 and 2 threads;
* ``torch single`` / ``torch foreach`` / ``torch fused``: the same algorithm in ``torch.optim``
  (``foreach=False``, ``foreach=True``, ``fused=True`` where PyTorch has it), 1 and 2 threads;
* ``numpy naive`` (one temporary per operation) and ``numpy in-place`` (``out=`` into buffers
  allocated once), both derived from the generated kernel's loop body;
* ``ceiling``: a kernel with the optimizer's memory access pattern and trivial arithmetic
  (``sN``: read 2 + S arrays, write 1 + S, for S per-element state arrays), serial and parallel.
  Bytes per element are read off the generated class (its ``state`` metadata):
  ((1 + S) reads + the gradient + (1 + S) writes) x itemsize;
* ``sqrt/div ceiling``: the same kernel plus as many square roots and divisions per element as the
  optimizer's loop body has (read off it).  Where the data sits in cache, these correctly rounded
  operations, not memory, set the pace of any exact kernel.

Each method runs in batches of consecutive steps (after one untimed step, so thread pools are
awake and data is where a training loop would leave it); the batches of all methods are
interleaved in a shuffled order, 12 ms apart so that the other library's OpenMP threads have
stopped spinning, and repeated.  Reported: the median per-step time over the
repeats, the min-max, the ratio to torch's fastest path with the same thread count (fused
where it exists, else foreach), GB/s, and the percentage of the ceiling measured in the same run.

Then: parameter lists shaped like ResNet-50, a transformer and 1,000 x 1,000 elements, against
the same optimizer on one flat buffer; start-up (import, first step from a warm cache, cold
compiles, two processes compiling into one empty cache at once); regeneration time.

    optforge-bench --quick                 # under two minutes
    optforge-bench --out bench-results     # everything: bench.md, bench.json, bench.png

Nothing here needs SymPy: the NumPy baselines and the byte counts come from ``optforge.generated``.
"""

from __future__ import annotations

import argparse
import ast
import gc
import importlib
import inspect
import json
import math
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numba
import numpy as np

import optforge
from optforge import _runtime

# ------------------------------------------------------------------------------ the ceiling

_CEILING_KERNELS: dict[tuple[int, int, int], tuple[Callable, Callable]] = {}


def ceiling_kernels(n_state: int, n_sqrt: int = 0, n_div: int = 0) -> tuple[Callable, Callable]:
    """(serial, parallel): the sN ceiling kernel, which reads theta, g and ``n_state`` state arrays
    and writes theta and the states with trivial arithmetic; with ``n_sqrt`` square roots and ``n_div``
    divisions per element, of the loaded values (so nothing can be hoisted or folded; no fastmath).
    Where the data sits in cache these operations, not memory, set the pace of any exact kernel: that
    is the ceiling for an optimizer with those operations.  Built from source here, compiled on first
    use (not cached)."""
    key = (n_state, n_sqrt, n_div)
    if key not in _CEILING_KERNELS:
        states = [f"s{j}" for j in range(n_state)]
        loads = [f"{a}[i]" for a in states] or ["theta[i]"]
        body = ["x = g[i]", "y = c * x"]
        body += [f"y = y * np.sqrt({loads[k % len(loads)]} + c)" for k in range(n_sqrt)]
        body += [f"y = y / ({loads[k % len(loads)]} + c)" for k in range(n_div)]
        body += ["theta[i] = theta[i] + y", *[f"{a}[i] = {a}[i] + x" for a in states]]
        namespace: dict[str, Any] = {"np": np, "numba": numba}
        kernels = []
        for loop, options in (("range", ""), ("numba.prange", ", parallel=True")):
            source = "\n".join([f"@numba.njit(error_model='numpy'{options})",
                                f"def kernel(theta, g, {''.join(a + ', ' for a in states)}c):",
                                f"    for i in {loop}(theta.size):", *[f"        {line}" for line in body]]) + "\n"
            exec(compile(source, f"<optforge.bench ceiling {key}>", "exec"), namespace)
            kernels.append(namespace["kernel"])
        _CEILING_KERNELS[key] = (kernels[0], kernels[1])
    return _CEILING_KERNELS[key]


#: Ceiling kernels by number of per-element state arrays: (serial, parallel) (s3, s5, s7, s9).
CEILING_KERNELS = {n: ceiling_kernels(n) for n in range(4)}


# ------------------------------------------------------------------------- what a spec says


@dataclass
class SpecInfo:
    """What the benchmark needs to know about one optimizer, read off its generated module."""

    name: str
    cls: type
    module: Any
    states: list[str]  # per-element state arrays, in kernel order
    scalar_state: list[float]  # initial values of the scalar state
    kernel_args: list[str]  # the per-step scalars the loop body uses
    body: list[tuple[str, ast.expr]]  # the loop body: (target, expression)
    torch_class: str | None = None
    torch_kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def n_state(self) -> int:
        return len(self.states)

    def bytes_per_element(self, itemsize: int) -> int:
        """(1 + S) reads + the gradient's read + (1 + S) writes, times the itemsize."""
        return (2 * (1 + self.n_state) + 1) * itemsize

    @property
    def sqrt_div(self) -> tuple[int, int]:
        """Square roots and divisions per element in the loop body: correctly rounded operations
        that an exact kernel cannot skip, and that take longer than a load where data is in cache."""
        calls = [n for _, expr in self.body for n in ast.walk(expr)]
        return (sum(isinstance(n, ast.Call) and ast.unparse(n.func) == "np.sqrt" for n in calls),
                sum(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) for n in calls))

    def hyper_values(self) -> tuple[float, ...]:
        return tuple(h.default for h in self.cls.hyperparameters)

    def scalars(self, t: int, scalar_state: tuple[float, ...]) -> tuple[tuple[float, ...], tuple[float, ...]]:
        return getattr(self.module, f"{self.name}_scalars")(t, *self.hyper_values(), *scalar_state)


_TORCH_RE = re.compile(r"Matches ``torch\.optim\.(\w+)\(params, (.*?)\)(\s*#[^`]*)?``", re.S)


def spec_info(name: str) -> SpecInfo:
    """Read an optimizer's state, loop body and torch equivalent off its generated module."""
    cls = optforge.OPTIMIZERS[name]
    module = importlib.import_module(f"optforge.generated.{name}")
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == f"{name}_serial")
    args = [a.arg for a in fn.args.args]
    states = [a for a in args[2:] if not a.endswith("_f64")]
    kernel_args = [a[:-4] for a in args if a.endswith("_f64")]
    loop = next(n for n in fn.body if isinstance(n, ast.For))
    body = []
    for stmt in loop.body:
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
            continue
        target = stmt.targets[0]
        if isinstance(target, ast.Name) and not isinstance(stmt.value, ast.Subscript):
            body.append((target.id, stmt.value))
    per_element = [s.name for s in cls.state if s.per_element]
    if per_element != states:  # pragma: no cover - the template writes both from one list
        raise RuntimeError(f"{name}: kernel arrays {states} differ from the class's state {per_element}")
    info = SpecInfo(name, cls, module, states, [s.init for s in cls.state if not s.per_element], kernel_args, body)
    match = _TORCH_RE.search(cls.__doc__ or "")
    if match:
        values = {h.name: h.default for h in cls.hyperparameters}
        kwargs = eval(f"dict({match.group(2)})", {"__builtins__": {}, "dict": dict, "float": float}, values)
        for key in ("foreach", "fused", "maximize"):
            kwargs.pop(key, None)
        info.torch_class, info.torch_kwargs = match.group(1), kwargs
    return info


# ------------------------------------------------------------------------ NumPy baselines

_UFUNCS = {ast.Add: "np.add", ast.Sub: "np.subtract", ast.Mult: "np.multiply", ast.Div: "np.divide"}
_CALLS = {"np.sqrt": "np.sqrt", "np.sign": "np.sign", "abs": "np.absolute", "np.maximum": "np.maximum",
          "np.minimum": "np.minimum"}


def numpy_naive_source(info: SpecInfo) -> str:
    """The loop body applied to whole arrays: every operation allocates a temporary."""
    args = ", ".join(["theta", "g", *info.states, *info.kernel_args])
    lines = [f"def step({args}):", "    theta_i = theta", "    g_i = g"]
    lines += [f"    {s}_i = {s}" for s in info.states]
    lines += [f"    {target} = {ast.unparse(expr)}" for target, expr in info.body]
    for a in ["theta", *info.states]:
        lines.append(f"    if {a}_i is not {a}:")
        lines.append(f"        {a}[...] = {a}_i")
    return "\n".join(lines) + "\n"


class _InPlaceCompiler:
    """The loop body as ufunc calls with ``out=``: named intermediates get a buffer each,
    subexpressions share a small pool, and the last operation of an assignment to theta or a
    state array writes into that array (the body rebinds names, so no old value is read later)."""

    def __init__(self, info: SpecInfo):
        self.arrays = {"theta_i": "theta", "g_i": "g", **{f"{s}_i": s for s in info.states}}
        self.scalars = set(info.kernel_args)
        self.lines: list[str] = []
        self.free: list[str] = []
        self.n_buffers = 0
        self.where: dict[str, str] = dict(self.arrays)  # name -> the array holding its value now
        for target, expr in info.body:
            self.assign(target, expr)

    def buffer(self) -> str:
        if self.free:
            return self.free.pop()
        self.n_buffers += 1
        return f"_b[{self.n_buffers - 1}]"

    def release(self, ref: str) -> None:
        if ref.startswith("_b[") and ref not in self.where.values() and ref not in self.free:
            self.free.append(ref)

    def is_scalar(self, node: ast.expr) -> bool:
        return all(isinstance(n, ast.Constant) or (isinstance(n, ast.Name) and n.id in self.scalars)
                   for n in ast.walk(node) if isinstance(n, (ast.Name, ast.Constant)))

    def emit(self, node: ast.expr, out: str | None) -> str:
        """Code for ``node``; its value ends up in ``out`` (a fresh pool buffer if None)."""
        if self.is_scalar(node):
            return f"_dt({ast.unparse(node)})"
        if isinstance(node, ast.Name):
            return self.where[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _UFUNCS:
            operands = [node.left, node.right]
            fn = _UFUNCS[type(node.op)]
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            operands, fn = [node.operand], "np.negative"
        elif isinstance(node, ast.Call) and ast.unparse(node.func) in _CALLS:
            operands, fn = list(node.args), _CALLS[ast.unparse(node.func)]
        else:  # pragma: no cover - the printer emits nothing else
            raise ValueError(f"cannot compile {ast.unparse(node)}")
        refs = [self.emit(a, None) for a in operands]
        for r in refs:
            self.release(r)
        out = out or self.buffer()
        self.lines.append(f"    {fn}({', '.join(refs)}, out={out})")
        return out

    def assign(self, target: str, expr: ast.expr) -> None:
        # theta and the state arrays are written in place; a named intermediate (or a rebound g)
        # gets a buffer of its own, and its previous buffer is free once the name is rebound.
        out = self.arrays[target] if target in self.arrays and target != "g_i" else self.buffer()
        ref = self.emit(expr, out)
        if ref != out:  # a bare name or a scalar: copy
            self.lines.append(f"    np.copyto({out}, {ref})")
        old = self.where.get(target)
        self.where[target] = out
        if old is not None and old != out:
            self.release(old)

    def source(self, info: SpecInfo) -> str:
        args = ", ".join(["theta", "g", *info.states, *info.kernel_args, "_b", "_dt"])
        tail = []
        for a in ["theta", *info.states]:
            if self.where[f"{a}_i"] != a:
                tail.append(f"    np.copyto({a}, {self.where[a + '_i']})")
        return "\n".join([f"def step({args}):", *self.lines, *tail]) + "\n"


def numpy_inplace_source(info: SpecInfo) -> tuple[str, int]:
    compiler = _InPlaceCompiler(info)
    return compiler.source(info), compiler.n_buffers


def _compile(source: str) -> Callable:
    namespace: dict[str, Any] = {"np": np}
    exec(compile(source, "<optforge.bench numpy baseline>", "exec"), namespace)
    return namespace["step"]


class NumpyOptimizer:
    """A NumPy implementation of one optimizer on one flat array, naive or in-place."""

    def __init__(self, info: SpecInfo, theta: np.ndarray, inplace: bool):
        self.info, self.theta, self.t = info, theta, 0
        self.state = [np.full(theta.shape, s.init, theta.dtype) for s in info.cls.state if s.per_element]
        self.scalar_state = tuple(info.scalar_state)
        self.dt = theta.dtype.type
        if inplace:
            source, n = numpy_inplace_source(info)
            self.buffers = [np.empty_like(theta) for _ in range(n)]
            fn = _compile(source)
            self._step = lambda g, *k: fn(self.theta, g, *self.state, *k, self.buffers, self.dt)
        else:
            fn = _compile(numpy_naive_source(info))
            self._step = lambda g, *k: fn(self.theta, g, *self.state, *k)

    def step(self, g: np.ndarray) -> None:
        self.t += 1
        kernel_args, self.scalar_state = self.info.scalars(self.t, self.scalar_state)
        self._step(g, *(self.dt(k) for k in kernel_args))


# ------------------------------------------------------------------------------ torch side

try:  # torch is optional: without it the torch rows are left out
    import torch
except ImportError:  # pragma: no cover
    torch = None


def torch_optimizer(info: SpecInfo, params: list[np.ndarray], grads: list[np.ndarray], mode: str):
    """torch.optim's equivalent of ``info`` on copies of ``params``, or None where it has no such mode."""
    if torch is None or info.torch_class is None:
        return None
    tensors = [torch.from_numpy(p.copy()) for p in params]
    for t, g in zip(tensors, grads):
        t.grad = torch.from_numpy(g.copy())
    flags = {"single": {"foreach": False}, "foreach": {"foreach": True}, "fused": {"fused": True}}[mode]
    try:
        opt = getattr(torch.optim, info.torch_class)(tensors, **info.torch_kwargs, **flags)
        opt.step()
    except (TypeError, RuntimeError, ValueError):  # no such mode for this algorithm (e.g. fused NAdam)
        return None
    return opt


def optforge_torch_optimizer(info: SpecInfo, params: list[np.ndarray], grads: list[np.ndarray]):
    """The drop-in ``optforge.torch`` class for ``info`` (same constructor as torch's), or None."""
    if torch is None or info.torch_class is None:
        return None
    import optforge.torch as oft

    name = info.torch_class
    if name == "NAdam":  # torch's NAdam is optforge.torch.NAdamScheduled (finite psi) or NAdamT1 (psi = inf)
        name = "NAdamT1" if info.torch_kwargs.get("momentum_decay") == float("inf") else "NAdamScheduled"
    cls = getattr(oft, name, None)
    if cls is None:
        return None
    tensors = [torch.from_numpy(p.copy()) for p in params]
    for t, g in zip(tensors, grads):
        t.grad = torch.from_numpy(g.copy())
    try:
        opt = cls(tensors, **info.torch_kwargs)
        opt.step()
    except (TypeError, ValueError):  # an option the drop-in refuses
        return None
    return opt


# ------------------------------------------------------------------------------- measuring


def set_threads(n: int) -> None:
    numba.set_num_threads(n)
    if torch is not None and torch.get_num_threads() != n:
        torch.set_num_threads(n)


def thread_counts() -> list[int]:
    return sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)})


@dataclass
class Method:
    label: str  # "optforge", "torch fused", "numpy naive", "ceiling parallel", ...
    threads: int
    step: Callable[[], None]
    times: list[float] = field(default_factory=list)
    batch: int = 1

    @property
    def median(self) -> float:
        return float(np.median(self.times))


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
            options += [m.median for m in self.methods if m.label == f"{kind} parallel" and m.threads == threads]
        return min(options) if options else None

    def torch_best(self, threads: int) -> Method | None:
        return self.get("torch fused", threads) or self.get("torch foreach", threads)


def _cpu_snapshot() -> tuple[float, float, float] | None:
    """(all cores' busy seconds, this process's CPU seconds, wall seconds), or None off Linux."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):  # pragma: no cover
        return None
    hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    t = os.times()
    return (sum(fields) - fields[3] - fields[4]) / hz, t.user + t.system, time.monotonic()


def others_busy(before, after) -> float:
    """Cores that other processes kept busy between two snapshots."""
    if before is None or after is None:
        return 0.0
    wall = max(after[2] - before[2], 1e-3)
    return max(0.0, ((after[0] - before[0]) - (after[1] - before[1])) / wall)


def measure(methods: list[Method], rounds: int, batch_s: float, gap_s: float, seed: int = 0,
            max_busy: float | None = None, max_retries: int = 0) -> int:
    """Interleaved, repeated batches: see the module docstring.  With ``max_busy``, a round during
    which other processes kept more than that many cores busy is measured again (at most
    ``max_retries`` times in all).  Returns the number of rounds measured again."""
    for m in methods:  # warm up (compiles, allocates), then size each method's batch
        set_threads(m.threads)
        m.step()
        n, t0 = 0, time.perf_counter()
        while True:
            m.step()
            n += 1
            elapsed = time.perf_counter() - t0
            if elapsed > batch_s / 4 or n >= 64:
                break
        m.batch = max(1, min(20000, int(batch_s / (elapsed / n))))
    rng = random.Random(seed)
    done = retries = 0
    while done < rounds:
        order = list(methods)
        rng.shuffle(order)
        before = _cpu_snapshot()
        times = []
        for m in order:
            set_threads(m.threads)
            time.sleep(gap_s)
            m.step()
            t0 = time.perf_counter()
            for _ in range(m.batch):
                m.step()
            times.append((time.perf_counter() - t0) / m.batch)
        if max_busy is not None and retries < max_retries and others_busy(before, _cpu_snapshot()) > max_busy:
            retries += 1
            wait_for_quiet(2.0, max_busy)
            continue
        for m, t in zip(order, times):
            m.times.append(t)
        done += 1
    return retries


def busy_cores(sample_s: float = 0.25) -> float | None:
    """How many cores other processes kept busy while this one slept for ``sample_s`` (Linux)."""
    def read() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields[:8]) - idle, sum(fields[:8])
    try:
        busy0, total0 = read()
        time.sleep(sample_s)
        busy1, total1 = read()
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        return None
    return (os.cpu_count() or 1) * (busy1 - busy0) / max(1, total1 - total0)


def wait_for_quiet(max_wait_s: float, threshold: float = 0.2) -> float:
    """Wait (up to ``max_wait_s``) until other processes use less than ``threshold`` of a core: on a
    shared 2-core machine one busy neighbour makes every 2-thread barrier wait for a scheduler tick.
    Returns the busy cores seen last."""
    deadline = time.monotonic() + max_wait_s
    while True:
        busy = busy_cores()
        if busy is None or busy < threshold or time.monotonic() >= deadline:
            return busy or 0.0
        time.sleep(0.5)


def _data(rng: np.random.Generator, shapes: list[tuple[int, ...]], dtype) -> tuple[list, list]:
    params = [rng.uniform(-1, 1, s).astype(dtype) for s in shapes]
    grads = [rng.uniform(-1, 1, s).astype(dtype) for s in shapes]
    return params, grads


def ceiling_methods(n_state: int, total: int, dtype, threads: list[int], sqrt_div: tuple[int, int] = (0, 0)
                    ) -> list[Method]:
    """The ceiling kernels; and where the optimizer has square roots or divisions, the same kernels
    with as many of them ("sqrt/div ceiling")."""
    # Every array holds nonzero data: an array from np.zeros that is only read (the gradient) maps
    # the kernel's one shared zero page and costs no memory traffic, which made this ceiling ~20% too
    # fast from DRAM.  The gradient is positive, so the states stay positive under the square roots.
    rng = np.random.default_rng(3)
    arrays = [np.ones(total, dtype), rng.uniform(0.5e-3, 1e-3, total).astype(dtype)]
    arrays += [np.ones(total, dtype) for _ in range(n_state)]
    c = np.dtype(dtype).type(1e-3)
    methods = []
    kinds = [("ceiling", CEILING_KERNELS[n_state])]
    if any(sqrt_div):
        kinds.append(("sqrt/div ceiling", ceiling_kernels(n_state, *sqrt_div)))
    for label, (serial, parallel) in kinds:
        methods.append(Method(f"{label} serial", 1, lambda serial=serial: serial(*arrays, c)))
        methods += [Method(f"{label} parallel", t, lambda parallel=parallel: parallel(*arrays, c))
                    for t in threads if t > 1]
    return methods


def single_tensor_case(info: SpecInfo, dtype, n: int, label: str, threads: list[int], numpy_baselines: bool,
                       torch_modes: tuple[str, ...]) -> Case:
    rng = np.random.default_rng(0)
    (p,), (g,) = _data(rng, [(n,)], dtype)
    case = Case(info.name, np.dtype(dtype).name, label, n, info.bytes_per_element(np.dtype(dtype).itemsize))
    for t in threads:
        opt = info.cls([p.copy()])
        grads = [g]
        case.methods.append(Method("optforge", t, lambda opt=opt: opt.step(grads)))
    for mode in torch_modes:
        for t in threads:
            set_threads(t)
            topt = torch_optimizer(info, [p], [g], mode)
            if topt is not None:
                case.methods.append(Method(f"torch {mode}", t, topt.step))
    for t in threads:
        dropin = optforge_torch_optimizer(info, [p], [g])
        if dropin is not None:
            case.methods.append(Method("optforge.torch", t, dropin.step))
    if numpy_baselines:
        for kind, inplace in (("naive", False), ("in-place", True)):
            nopt = NumpyOptimizer(info, p.copy(), inplace)
            case.methods.append(Method(f"numpy {kind}", 1, lambda nopt=nopt: nopt.step(g)))
    case.methods += ceiling_methods(info.n_state, n, dtype, threads, info.sqrt_div)
    return case


def list_case(info: SpecInfo, dtype, name: str, shapes: list[tuple[int, ...]], threads: list[int],
              torch_modes: tuple[str, ...]) -> Case:
    rng = np.random.default_rng(1)
    params, grads = _data(rng, shapes, dtype)
    total = sum(p.size for p in params)
    case = Case(info.name, np.dtype(dtype).name, name, total, info.bytes_per_element(np.dtype(dtype).itemsize))
    flat_p, flat_g = _data(rng, [(total,)], dtype)
    for t in threads:
        opt = info.cls([p.copy() for p in params])
        case.methods.append(Method("optforge", t, lambda opt=opt: opt.step(grads)))
        flat = info.cls([flat_p[0].copy()])
        case.methods.append(Method("optforge flat", t, lambda flat=flat: flat.step(flat_g)))
    for mode in torch_modes:
        for t in threads:
            set_threads(t)
            topt = torch_optimizer(info, params, grads, mode)
            if topt is not None:
                case.methods.append(Method(f"torch {mode}", t, topt.step))
    for t in threads:
        dropin = optforge_torch_optimizer(info, params, grads)
        if dropin is not None:
            case.methods.append(Method("optforge.torch", t, dropin.step))
    case.methods += ceiling_methods(info.n_state, total, dtype, threads, info.sqrt_div)
    return case


def crossover_case(info: SpecInfo, n: int, threads: int) -> Case:
    """The same step through the serial and through the parallel kernel, to place PARALLEL_MIN_SIZE."""
    rng = np.random.default_rng(2)
    (p,), (g,) = _data(rng, [(n,)], np.float32)
    case = Case(info.name, "float32", _size_label(n), n, info.bytes_per_element(4))
    saved = _runtime.PARALLEL_MIN_SIZE
    try:
        for label, threshold in (("optforge serial kernel", n + 1), ("optforge parallel kernel", 0)):
            _runtime.PARALLEL_MIN_SIZE = threshold
            opt = info.cls([p.copy()])
            case.methods.append(Method(label, threads if threshold == 0 else 1, lambda opt=opt: opt.step([g])))
    finally:
        _runtime.PARALLEL_MIN_SIZE = saved
    return case


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


LISTS = {"resnet50 (161)": resnet50_shapes, "transformer (100)": transformer_shapes,
         "1000 x 1e3": lambda: [(1000,)] * 1000,
         # for tests: small and mixed (scalars, empty tensors, several ndims)
         "tiny mixed (12)": lambda: [(3, 4), (), (0,), (7,), (2, 3, 5), (100,), (1,), (17, 3), (64,), (5, 5), (9,), (2,)]}
DEFAULT_LISTS = ["resnet50 (161)", "transformer (100)", "1000 x 1e3"]


# ------------------------------------------------------------------------------- start-up

_STARTUP_CHILD = r"""
import json, os, sys, time
if os.environ.get("OPTFORGE_BENCH_HIDE_SCIPY") == "1":  # as if SciPy were not installed
    class _NoSciPy:
        def find_spec(self, name, path=None, target=None):
            if name == "scipy" or name.startswith("scipy."):
                raise ImportError("hidden by optforge-bench")
    sys.meta_path.insert(0, _NoSciPy())
work_s = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0


def first_gradients(seconds):
    # Stands for a program's forward and backward pass before its first step: NumPy matrix
    # products (which release the GIL, as BLAS, I/O and most of NumPy do).
    import numpy as np
    a = np.random.default_rng(1).standard_normal((1000, 1000))
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a = a @ a
        a /= np.abs(a).max()


t0 = time.perf_counter()
import optforge
t_import = time.perf_counter() - t0
import numpy as np
out = {"import_s": t_import}
mode = sys.argv[1]
if mode == "refresh-first":
    from numba.core.registry import cpu_target
    t0 = time.perf_counter(); cpu_target.target_context.refresh(); out["refresh_s"] = time.perf_counter() - t0
    out["scipy_linalg_imported"] = "scipy.linalg" in sys.modules
if mode == "compile":
    from numba.core.registry import cpu_target
    cpu_target.target_context.refresh()
    from optforge import _runtime
    from optforge.generated import adam
    opt = optforge.Adam([np.ones(1000, np.float32)])
    g = opt._groups[0]
    grads = [np.ones(1000, np.float32)]
    t0 = time.perf_counter()
    _runtime.gather_gradients(id(grads), True, g.tensors, g.shapes, g.gptr, _runtime._NDARRAY, g.descr)
    out["compile_gather_s"] = time.perf_counter() - t0
rng = np.random.default_rng(0)
p = rng.uniform(-1, 1, 1000).astype(np.float32); grad = rng.uniform(-1, 1, 1000).astype(np.float32)
big = rng.uniform(-1, 1, 1 << 17).astype(np.float32); gbig = rng.uniform(-1, 1, 1 << 17).astype(np.float32)
t0 = time.perf_counter()
opt = optforge.Adam([p])
t_build = time.perf_counter() - t0
if work_s:
    first_gradients(work_s)
t0 = time.perf_counter()
opt.step([grad])
out["first_step_s"] = t_build + time.perf_counter() - t0
t0 = time.perf_counter()
opt2 = optforge.Adam([big])
t_build = time.perf_counter() - t0
if work_s:
    first_gradients(work_s)
t0 = time.perf_counter()
opt2.step([gbig])
out["first_parallel_step_s"] = t_build + time.perf_counter() - t0
out["scipy_imported"] = "scipy" in sys.modules
out["checksum"] = [float(p.astype(np.float64).sum()), float(big.astype(np.float64).sum())]
out["pid"] = os.getpid()
print(json.dumps(out))
"""


def _child(mode: str, env: dict[str, str] | None = None, work_s: float = 0.0) -> subprocess.Popen:
    """A fresh interpreter running _STARTUP_CHILD; with ``work_s``, it computes that long with NumPy
    between building each optimizer and its first step (the time not counted).  PYTHONDONTWRITEBYTECODE
    is dropped: an installed package has its .pyc files (pip writes them), and compiling 20 modules'
    source costs ~30 ms."""
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "OPTFORGE_PRELOAD")}
    return subprocess.Popen([sys.executable, "-c", _STARTUP_CHILD, mode, str(work_s)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**base, **(env or {})})


def _result(proc: subprocess.Popen, timeout: float = 300) -> dict[str, Any]:
    out, err = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        return {"error": err.strip().splitlines()[-1] if err.strip() else f"exit {proc.returncode}",
                "returncode": proc.returncode}
    return json.loads(out.strip().splitlines()[-1])


def expected_startup_checksum() -> list[float]:
    """What the start-up child's two parameters sum to after one Adam step (computed here, in-process)."""
    rng = np.random.default_rng(0)
    p = rng.uniform(-1, 1, 1000).astype(np.float32); grad = rng.uniform(-1, 1, 1000).astype(np.float32)
    optforge.Adam([p]).step([grad])
    big = rng.uniform(-1, 1, 1 << 17).astype(np.float32); gbig = rng.uniform(-1, 1, 1 << 17).astype(np.float32)
    optforge.Adam([big]).step([gbig])
    return [float(p.astype(np.float64).sum()), float(big.astype(np.float64).sum())]


def concurrent_cold_start(cache_dir: str | None = None, processes: int = 2) -> list[dict[str, Any]]:
    """``processes`` fresh interpreters started at once, compiling into one empty Numba cache."""
    owned = cache_dir is None
    cache_dir = cache_dir or tempfile.mkdtemp(prefix="optforge-cold-")
    try:
        procs = [_child("plain", {"NUMBA_CACHE_DIR": cache_dir}) for _ in range(processes)]
        return [_result(p) for p in procs]
    finally:
        if owned:
            shutil.rmtree(cache_dir, ignore_errors=True)


def readonly_install_check(workdir: str | None = None) -> dict[str, Any]:
    """Copy the runtime part of the package (optforge/ with generated/) into a read-only folder, run
    a serial and a parallel step from it (no writable ``__pycache__``), and say where Numba put its
    cache.  As root, who writes anywhere, the child runs without CAP_DAC_OVERRIDE (``setpriv``)."""
    owned = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix="optforge-ro-")
    root = Path(workdir)
    site, cache_home = root / "site", root / "cache-home"
    try:
        package = Path(optforge.__file__).parent
        generated = Path(optforge.generated.__file__).parent
        shutil.copytree(package, site / "optforge", ignore=shutil.ignore_patterns("__pycache__", "generated"))
        shutil.copytree(generated, site / "optforge" / "generated", ignore=shutil.ignore_patterns("__pycache__", "sheets"))
        cache_home.mkdir()
        as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        for path in sorted([root, *root.rglob("*")], key=lambda q: len(q.parts), reverse=True):
            if path == cache_home or cache_home in path.parents:
                continue
            path.chmod(0o555 if path.is_dir() else 0o444)
        code = ("import json, sys, numpy as np, optforge\n"
                "p = np.ones(100000, np.float32); q = np.ones(10, np.float32)\n"
                "optforge.Adam([p], lr=0.1).step([np.ones(100000, np.float32)])\n"
                "optforge.Adam([q], lr=0.1).step([np.ones(10, np.float32)])\n"
                "print(json.dumps({'file': optforge.__file__, 'value': float(p[0]), 'small': float(q[0])}))\n")
        env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "PYTHONPATH")}
        env.update(PYTHONPATH=str(site), XDG_CACHE_HOME=str(cache_home), HOME=str(cache_home),
                   PYTHONDONTWRITEBYTECODE="1")
        prefix: list[str] = []
        if as_root:  # root writes anywhere: drop the capability that lets it
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                return {"returncode": None, "skipped": "running as root without setpriv: cannot make a folder "
                        "read-only for this process"}
            prefix = [setpriv, "--inh-caps=-dac_override,-dac_read_search",
                      "--bounding-set=-dac_override,-dac_read_search", "--"]
        t0 = time.perf_counter()
        proc = subprocess.run([*prefix, sys.executable, "-c", code], capture_output=True, text=True, env=env,
                              cwd=str(root), timeout=600)
        wall = time.perf_counter() - t0
        result: dict[str, Any] = {"returncode": proc.returncode, "wall_s": wall,
                                  "how": "root without CAP_DAC_OVERRIDE" if as_root else "read-only files"}
        if proc.returncode == 0:
            result.update(json.loads(proc.stdout.strip().splitlines()[-1]))
        else:
            result["error"] = proc.stderr.strip()[-2000:]
        result["pycache_in_package"] = any(p.name == "__pycache__" for p in (site / "optforge").rglob("*"))
        result["numba_cache_files"] = len([p for p in cache_home.rglob("*.nbi")])
        return result
    finally:
        if owned:
            for path in [root, *root.rglob("*")]:
                try:
                    path.chmod(0o777 if path.is_dir() else 0o666)
                except OSError:
                    pass
            shutil.rmtree(root, ignore_errors=True)


#: Seconds of NumPy work between building an optimizer and its first step, in the start-up rows
#: that stand for a program computing its first gradients.
STARTUP_WORK_S = 0.3


def startup(repeats: int, regenerate: bool) -> dict[str, Any]:
    """Start-up numbers, each the median over ``repeats`` fresh interpreters."""
    res: dict[str, Any] = {}
    warm = [_result(_child("plain")) for _ in range(repeats + 1)][1:]  # the first may fill the cache
    refresh = [_result(_child("refresh-first", {"OPTFORGE_PRELOAD": "0"})) for _ in range(repeats)]
    for key in ("import_s", "first_step_s", "first_parallel_step_s"):
        res[key] = [r.get(key) for r in warm]
    # The same first steps: without the preload thread; after 0.3 s of NumPy work (standing for the
    # first forward and backward pass), with and without it; and with SciPy hidden from Numba's probe.
    variants = {"no_preload": ({"OPTFORGE_PRELOAD": "0"}, 0.0), "after_work": ({}, STARTUP_WORK_S),
                "after_work_no_preload": ({"OPTFORGE_PRELOAD": "0"}, STARTUP_WORK_S),
                "without_scipy": ({"OPTFORGE_BENCH_HIDE_SCIPY": "1"}, 0.0)}
    variant_runs: dict[str, list[dict[str, Any]]] = {}
    for name, (env, work_s) in variants.items():
        runs = variant_runs[name] = [_result(_child("plain", env, work_s)) for _ in range(repeats)]
        res[f"first_step_{name}_s"] = [r.get("first_step_s") for r in runs]
        res[f"first_parallel_step_{name}_s"] = [r.get("first_parallel_step_s") for r in runs]
    res["scipy_installed"] = any(r.get("scipy_imported") for r in warm)
    res["refresh_s"] = [r.get("refresh_s") for r in refresh]
    res["first_step_after_refresh_s"] = [r.get("first_step_s") for r in refresh]
    res["scipy_linalg_imported_by_numba"] = any(r.get("scipy_linalg_imported") for r in refresh)
    cold = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="optforge-cold-") as d:
            # one kernel at a time: without the preload thread, which would compile them together
            cold.append(_result(_child("compile", {"NUMBA_CACHE_DIR": d, "OPTFORGE_PRELOAD": "0"})))
    res["compile_gather_s"] = [r.get("compile_gather_s") for r in cold]
    res["compile_multi_serial_s"] = [r.get("first_step_s") for r in cold]
    res["compile_multi_parallel_s"] = [r.get("first_parallel_step_s") for r in cold]
    runs_by_label = {"warm cache": warm, "set-up first": refresh, "cold compile": cold, **variant_runs}
    res["errors"] = sorted({f"{label}: {r['error']}" for label, runs in runs_by_label.items() for r in runs
                            if "error" in r})
    expected = expected_startup_checksum()
    t0 = time.perf_counter()
    both = concurrent_cold_start()
    res["concurrent_wall_s"] = time.perf_counter() - t0
    res["concurrent_ok"] = all("error" not in r and np.allclose(r["checksum"], expected, rtol=1e-6) for r in both)
    res["concurrent_errors"] = [r.get("error") for r in both if "error" in r]
    ro = readonly_install_check()
    res["readonly_ok"] = ro["returncode"] == 0 and not ro.get("pycache_in_package") and ro.get("numba_cache_files", 0) > 0
    res["readonly"] = {k: ro.get(k) for k in ("returncode", "wall_s", "how", "pycache_in_package",
                                              "numba_cache_files", "value", "small", "error", "skipped")}
    if regenerate:
        try:
            import jinja2  # noqa: F401
            import sympy  # noqa: F401
        except ImportError:
            res["regenerate_s"] = None
        else:
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", "import sys; from optforge.codegen.cli import regenerate_main; "
                                   "sys.exit(regenerate_main(['--check']))"], capture_output=True, text=True)
            res["regenerate_s"] = time.perf_counter() - t0
            res["regenerate_returncode"] = proc.returncode
    return res


# ------------------------------------------------------------------------------- reporting


def _fmt_time(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        flags = next((ln for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("flags")), "")
        simd = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else ""
    except OSError:  # pragma: no cover
        simd = ""
    parts = [f"{model}, {os.cpu_count()} cores" + (f" ({simd})" if simd else ""),
             f"Python {platform.python_version()}", f"NumPy {np.__version__}", f"Numba {numba.__version__}"]
    if torch is not None:
        parts.append(f"torch {torch.__version__}")
    try:
        parts.append(f"Numba threading layer {numba.threading_layer()}")
    except ValueError:
        pass
    return ", ".join(parts)


def rows(cases: list[Case]) -> list[dict[str, Any]]:
    out = []
    for case in cases:
        for m in case.methods:
            if not m.times:
                continue
            best = case.torch_best(m.threads)
            ceiling = case.ceiling(m.threads)
            arith = case.ceiling(m.threads, "sqrt/div ceiling")
            med = m.median
            out.append(dict(optimizer=case.optimizer, dtype=case.dtype, size=case.size, elements=case.elements,
                            method=m.label, threads=m.threads, median_s=med, min_s=min(m.times), max_s=max(m.times),
                            repeats=len(m.times), batch=m.batch,
                            vs_torch=(med / best.median) if best is not None and best.times else None,
                            torch_ref=best.label if best is not None else None,
                            gb_s=case.bytes_per_element * case.elements / med / 1e9,
                            pct_ceiling=(100 * ceiling / med) if ceiling else None,
                            pct_sqrt_div=(100 * arith / med) if arith else None))
    return out


def markdown_table(table: list[dict[str, Any]]) -> str:
    lines = ["| optimizer | dtype | size | method | threads | median | min-max | ÷ torch best | GB/s | % of ceiling "
             "| % of sqrt/div ceiling |",
             "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in table:
        ratio = f"{r['vs_torch']:.2f}" if r["vs_torch"] is not None else "—"
        pct = f"{r['pct_ceiling']:.0f}%" if r["pct_ceiling"] is not None else "—"
        pct2 = f"{r['pct_sqrt_div']:.0f}%" if r.get("pct_sqrt_div") is not None else "—"
        lines.append(f"| {r['optimizer']} | {r['dtype']} | {r['size']} | {r['method']} | {r['threads']} | "
                     f"{_fmt_time(r['median_s'])} | {_fmt_time(r['min_s'])}–{_fmt_time(r['max_s'])} | {ratio} | "
                     f"{r['gb_s']:.1f} | {pct} | {pct2} |")
    return "\n".join(lines)


def _find(table, **kw) -> dict[str, Any] | None:
    return next((r for r in table if all(r.get(k) == v for k, v in kw.items())), None)


def _sqrt_div_note(r: dict[str, Any]) -> str:
    if r.get("pct_sqrt_div") is None or r["pct_sqrt_div"] == r["pct_ceiling"]:
        return ""
    return f"; {r['pct_sqrt_div']:.0f}% of the ceiling with its square roots and divisions"


def targets(table: list[dict[str, Any]], start: dict[str, Any] | None, threads: int) -> list[tuple[str, str, str]]:
    """(target, verdict, numbers) for the issue's targets that this run measured."""
    out = []

    def verdict(ok: bool | None) -> str:
        return "—" if ok is None else ("met" if ok else "NOT met")

    for name in ("adam", "adamw"):
        for size, limit, pct in (("1e3", 0.2, None), ("1e6", 0.8, 90), ("1e7", 0.92, 90)):
            r = _find(table, optimizer=name, dtype="float32", size=size, method="optforge", threads=threads)
            if r is None or r["vs_torch"] is None:
                continue
            ok = r["vs_torch"] <= limit and (pct is None or (r["pct_ceiling"] or 0) >= pct)
            extra = f", {r['pct_ceiling']:.0f}% of ceiling (≥ {pct}%){_sqrt_div_note(r)}" if pct else ""
            out.append((f"1. {name} float32 {size}", verdict(ok),
                        f"{r['vs_torch']:.2f}x {r['torch_ref']} (≤ {limit}){extra}"))
    for r in table:
        if (r["method"] != "optforge" or r["threads"] != threads or r["dtype"] != "float32"
                or r["size"] not in ("1e6", "1e7") or r["optimizer"] in ("adam", "adamw")):
            continue
        limit = 0.35 if r["optimizer"] in ("adadelta", "rmsprop", "nadam_t1", "nadam_scheduled") else 1.0
        ok = (r["pct_ceiling"] or 0) >= 85 and (r["vs_torch"] is None or r["vs_torch"] < limit or
                                                (limit < 1 and r["vs_torch"] <= limit))
        ratio = f"{r['vs_torch']:.2f}x {r['torch_ref']} (< {limit})" if r["vs_torch"] is not None else "no torch equivalent"
        out.append((f"2. {r['optimizer']} float32 {r['size']}", verdict(ok),
                    f"{r['pct_ceiling']:.0f}% of ceiling (≥ 85%){_sqrt_div_note(r)}, {ratio}"))
    for r in table:
        if r["method"] == "optforge" and r["threads"] == threads and r["size"] in LISTS:
            flat = _find(table, optimizer=r["optimizer"], dtype=r["dtype"], size=r["size"], method="optforge flat",
                         threads=threads)
            vs_flat = r["median_s"] / flat["median_s"] if flat else None
            ok = r["vs_torch"] is not None and r["vs_torch"] <= 0.9 and vs_flat is not None and vs_flat <= 1.1
            out.append((f"3. {r['optimizer']} {r['size']}", verdict(ok),
                        f"{r['vs_torch']:.2f}x torch fused (≤ 0.9), {vs_flat:.2f}x one flat buffer (≤ 1.10)"))
    for r in table:
        if r["method"] == "optforge" and r["threads"] == threads and r["dtype"] == "float64" and r["size"] in ("1e6", "1e7"):
            out.append((f"4. {r['optimizer']} float64 {r['size']}", verdict((r["pct_ceiling"] or 0) >= 90),
                        f"{r['pct_ceiling']:.0f}% of the float64 ceiling (≥ 90%){_sqrt_div_note(r)}"))
    if start:
        med = lambda key: float(np.median([x for x in start.get(key, []) if x is not None])) if any(
            x is not None for x in start.get(key, [])) else None  # noqa: E731
        def sec(key: str, digits: int = 3) -> str:  # a median, or why there is none
            x = med(key)
            return f"{x:.{digits}f} s" if x is not None else "not measured (see the start-up errors)"

        imp, first = med("import_s"), med("first_step_s")
        out.append(("5. import optforge", verdict(None if imp is None else imp < 0.35), f"{sec('import_s')} (< 0.35 s)"))
        out.append(("5. first step, warm cache, beyond import", verdict(None if first is None else first < 0.25),
                    f"{sec('first_step_s')} (< 0.25 s), of which Numba's one-time set-up {sec('refresh_s')}"
                    + (" (it imports scipy.linalg to probe BLAS)" if start.get("scipy_linalg_imported_by_numba") else "")))
        after = med("first_step_after_work_s")
        if after is not None:
            out.append((f"5. same, after {STARTUP_WORK_S:g} s of NumPy work (preload thread)", verdict(after < 0.25),
                        f"{after:.3f} s (< 0.25 s); without the preload thread "
                        f"{sec('first_step_after_work_no_preload_s')}"))
        hidden = med("first_step_without_scipy_s")
        if hidden is not None and start.get("scipy_installed"):
            out.append(("5. same, at once, SciPy hidden from Numba's BLAS probe", verdict(hidden < 0.25),
                        f"{hidden:.3f} s (< 0.25 s): what an environment without SciPy sees"))
        compiles = [med(k) for k in ("compile_gather_s", "compile_multi_serial_s", "compile_multi_parallel_s")]
        out.append(("5. cold compile per kernel",
                    verdict(None if None in compiles else max(compiles) < 0.6),
                    f"gather {sec('compile_gather_s', 2)}, serial {sec('compile_multi_serial_s', 2)}, "
                    f"parallel {sec('compile_multi_parallel_s', 2)} (< 0.6 s each)"))
        out.append(("5. two cold processes at once", verdict(start.get("concurrent_ok")),
                    f"both succeeded with the right result in {start['concurrent_wall_s']:.2f} s" if start.get(
                        "concurrent_ok") else f"failed: {start.get('concurrent_errors')}"))
        out.append(("5. read-only install", verdict(start.get("readonly_ok")),
                    f"step ran, cache in the user's cache dir ({start['readonly']['numba_cache_files']} index files)"
                    if start.get("readonly_ok") else f"failed: {start['readonly']}"))
        if start.get("regenerate_s") is not None:
            out.append(("6. regenerate everything (--check)", verdict(start["regenerate_s"] < 60),
                        f"{start['regenerate_s']:.1f} s (< 60 s)"))
    return out


def startup_table(start: dict[str, Any]) -> str:
    def cell(key):
        xs = [x for x in start.get(key, []) if x is not None]
        if not xs:
            return "—", "—"
        return f"{np.median(xs):.3f} s", f"{min(xs):.3f}–{max(xs):.3f} s"

    names = [("import_s", "import optforge"),
             ("first_step_s", "first step (Adam, 1e3, serial kernel) beyond import, warm cache"),
             ("first_parallel_step_s", "then the first parallel step (1.3e5), warm cache"),
             ("first_step_no_preload_s", "first step, at once, OPTFORGE_PRELOAD=0"),
             ("first_step_after_work_s", f"first step after {STARTUP_WORK_S:g} s of NumPy work (not counted)"),
             ("first_parallel_step_after_work_s", f"then the first parallel step, after {STARTUP_WORK_S:g} s of work"),
             ("first_step_after_work_no_preload_s", f"first step after {STARTUP_WORK_S:g} s of work, OPTFORGE_PRELOAD=0"),
             ("first_step_without_scipy_s", "first step, at once, SciPy hidden from Numba"),
             ("refresh_s", "Numba's one-time set-up alone (target-context refresh)"),
             ("first_step_after_refresh_s", "first step after that set-up, warm cache"),
             ("compile_gather_s", "cold compile: gather_gradients"),
             ("compile_multi_serial_s", "cold compile: adam_multi_serial (first step, empty cache)"),
             ("compile_multi_parallel_s", "cold compile: adam_multi_parallel")]
    lines = ["| start-up | median | min-max |", "|---|---:|---:|"]
    for key, label in names:
        med, rng = cell(key)
        lines.append(f"| {label} | {med} | {rng} |")
    lines.append(f"| two processes at once, empty cache | {start['concurrent_wall_s']:.3f} s (wall) | "
                 f"{'both ok' if start['concurrent_ok'] else 'FAILED'} |")
    ro = start["readonly"]
    if ro.get("wall_s") is not None:
        lines.append(f"| read-only install ({ro.get('how')}) | {ro['wall_s']:.3f} s (wall) | "
                     f"{'ok' if start['readonly_ok'] else 'FAILED'} |")
    if start.get("regenerate_s") is not None:
        lines.append(f"| regenerate everything (properties, kernels, sheets; --check) | {start['regenerate_s']:.1f} s | |")
    for error in start.get("errors", []):  # a fresh interpreter that failed: its numbers are missing above
        lines.append(f"| FAILED: {error} | | |")
    return "\n".join(lines)


def plot(table: list[dict[str, Any]], path: Path, threads: int) -> str | None:
    """Time per element against size, one panel per optimizer (float32), one line per method.
    None when written, else why not."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed"
    single = [r for r in table if r["dtype"] == "float32" and r["size"] not in LISTS]
    names = list(dict.fromkeys(r["optimizer"] for r in single))
    if not names:
        return "no float32 single-tensor sizes were measured"
    cols = min(4, len(names))
    nrows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.4 * nrows), squeeze=False)
    styles = {"optforge": ("C0", "-"), "torch fused": ("C3", "-"), "torch foreach": ("C1", "--"),
              "torch single": ("C5", ":"), "numpy naive": ("C7", ":"), "numpy in-place": ("C2", "--"),
              "ceiling parallel": ("k", "-"), "ceiling serial": ("0.5", "-"),
              "sqrt/div ceiling parallel": ("k", "--")}
    for ax, name in zip(axes.flat, names):
        for label, (color, style) in styles.items():
            for t in sorted({r["threads"] for r in single}):
                main = t == threads or label.startswith("numpy") or label == "ceiling serial"
                if not main and label != "optforge":
                    continue  # one thread count per method, and optforge's other one faintly
                pts = sorted((r["elements"], r["median_s"] / r["elements"] * 1e9) for r in single
                             if r["optimizer"] == name and r["method"] == label and r["threads"] == t)
                if not pts:
                    continue
                xs, ys = zip(*pts)
                ax.plot(xs, ys, color=color, linestyle=style, marker="o", markersize=3, alpha=1.0 if main else 0.4,
                        label=f"{label} ({t}T)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(name)
        ax.set_xlabel("elements")
        ax.set_ylabel("ns per element")
        ax.grid(True, which="both", alpha=0.3)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(5, len(labels)), fontsize="small")
    fig.suptitle(f"optforge-bench: one step, float32 ({machine().split(', Python')[0]})", fontsize="medium")
    fig.tight_layout(rect=(0, 0.06 + 0.05 * math.ceil(len(labels) / 5) / nrows, 1, 0.96))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return None


# ------------------------------------------------------------------------------------ main

SIZES = {"1e3": 10**3, "1e4": 10**4, "1e5": 10**5, "1e6": 10**6, "1e7": 10**7}


def _size_label(n: int) -> str:
    for k, v in SIZES.items():
        if v == n:
            return k
    return str(n)


def main(argv: list[str] | None = None) -> int:
    """Measure optforge's optimizer steps against torch.optim, NumPy and the memory-bandwidth ceiling."""
    parser = argparse.ArgumentParser(prog="optforge-bench", description=main.__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer sizes and repeats: under two minutes")
    parser.add_argument("--optimizers", nargs="+", metavar="NAME", help="spec names (default: all)")
    parser.add_argument("--sizes", nargs="*", type=float, metavar="N", help="float32 element counts, e.g. 1e3 1e6 (none: no single-tensor cases, float64 ones only if "
                             "--float64-sizes names them)")
    parser.add_argument("--float64-sizes", nargs="*", type=float, metavar="N", help="float64 sizes (default 1e6 1e7)")
    parser.add_argument("--lists", nargs="*", metavar="NAME", choices=list(LISTS), help="parameter lists to run")
    parser.add_argument("--list-optimizers", nargs="*", metavar="NAME", help="optimizers for the lists (default adam adamw)")
    parser.add_argument("--repeats", type=int, help="interleaved rounds per case")
    parser.add_argument("--batch-ms", type=float, help="target length of one timed batch")
    parser.add_argument("--no-numpy", action="store_true", help="leave out the NumPy baselines")
    parser.add_argument("--no-torch", action="store_true", help="leave out torch.optim")
    parser.add_argument("--no-startup", action="store_true", help="leave out the start-up measurements")
    parser.add_argument("--startup-repeats", type=int, help="fresh interpreters per start-up number")
    parser.add_argument("--wait-quiet", type=float, default=None, metavar="S",
                        help="before each case, wait up to S seconds for other processes to leave the cores idle, "
                             "and measure again a round they disturbed (default: 0 with --quick, 10 otherwise)")
    parser.add_argument("--out", type=Path, default=Path("bench-results"), help="folder for bench.md/.json/.png")
    args = parser.parse_args(argv)

    quick = args.quick
    if args.wait_quiet is None:
        args.wait_quiet = 0.0 if quick else 10.0
    names = args.optimizers or list(optforge.OPTIMIZERS)
    unknown = [n for n in names if n not in optforge.OPTIMIZERS]
    if unknown:
        parser.error(f"unknown optimizer(s) {unknown}; known: {sorted(optforge.OPTIMIZERS)}")
    sizes = ([int(s) for s in args.sizes] if args.sizes is not None
             else ([10**3, 10**6] if quick else list(SIZES.values())))
    f64_sizes = ([int(s) for s in args.float64_sizes] if args.float64_sizes is not None
                 else [] if args.sizes == [] else ([10**6] if quick else [10**6, 10**7]))
    lists = args.lists if args.lists is not None else DEFAULT_LISTS
    list_optimizers = args.list_optimizers if args.list_optimizers is not None else (["adam"] if quick else ["adam", "adamw"])
    rounds = args.repeats or (5 if quick else 11)
    batch_s = (args.batch_ms or (1.5 if quick else 3.0)) / 1e3
    # OpenMP worker threads (libgomp's, in torch and in Numba) spin up to ~300,000 pause instructions,
    # several milliseconds, after each parallel region; on 2 cores the next library's workers would
    # wait for them, so batches of different libraries are this far apart.
    gap_s = 0.012
    threads = thread_counts()
    main_threads = threads[-1]
    torch_modes = () if (args.no_torch or torch is None) else ("single", "foreach", "fused")
    if quick and torch_modes:
        torch_modes = ("foreach", "fused")

    start_time = time.perf_counter()
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"# optforge-bench{' --quick' if quick else ''}\n\nMachine: {machine()}.", flush=True)
    if load_before and load_before[0] > 0.5 * (os.cpu_count() or 1):
        print(f"warning: load average {load_before[0]:.1f} on {os.cpu_count()} cores: other processes compete for the "
              "cores, and multi-threaded timings suffer first", file=sys.stderr, flush=True)
    cases: list[Case] = []

    busy_seen: list[float] = []
    redone: list[int] = []

    def run(case: Case) -> None:
        if args.wait_quiet > 0:
            busy_seen.append(wait_for_quiet(args.wait_quiet))
            redone.append(measure(case.methods, rounds, batch_s, gap_s, max_busy=0.25, max_retries=max(2, rounds // 2)))
        else:
            measure(case.methods, rounds, batch_s, gap_s)
        cases.append(case)
        best = case.get("optforge", main_threads)
        ref = case.torch_best(main_threads)
        print(f"  {case.optimizer:20s} {case.dtype:8s} {case.size:18s} optforge {_fmt_time(best.median):>10s}"
              + (f"  {ref.label} {_fmt_time(ref.median):>10s}" if ref else ""), file=sys.stderr, flush=True)
        for m in case.methods:
            m.step = None  # free the arrays
        gc.collect()

    infos = {n: spec_info(n) for n in dict.fromkeys([*names, *list_optimizers])}
    for name in names:
        info = infos[name]
        for n in sizes:
            run(single_tensor_case(info, np.float32, n, _size_label(n), threads, not args.no_numpy, torch_modes))
        for n in f64_sizes:
            run(single_tensor_case(info, np.float64, n, _size_label(n), threads, False, torch_modes))
    for name in list_optimizers:
        for list_name in lists:
            run(list_case(infos[name], np.float32, list_name, LISTS[list_name](), threads, torch_modes))
    crossover: list[Case] = []
    if not quick and main_threads > 1 and args.sizes != []:
        for n in (1 << 12, 1 << 13, 1 << 14, 1 << 15, 1 << 16, 1 << 17, 1 << 18):
            case = crossover_case(spec_info("adam"), n, main_threads)
            if args.wait_quiet > 0:
                wait_for_quiet(args.wait_quiet)
            measure(case.methods, rounds, batch_s, gap_s, max_busy=0.25 if args.wait_quiet > 0 else None,
                    max_retries=max(2, rounds // 2))
            crossover.append(case)
    table = rows(cases)
    start = None
    if not args.no_startup:
        print("  start-up ...", file=sys.stderr, flush=True)
        start = startup(args.startup_repeats or (3 if quick else 5), regenerate=not quick)
    load_after = os.getloadavg() if hasattr(os, "getloadavg") else None

    text = [f"# optforge-bench{' --quick' if quick else ''}", "",
            f"Machine: {machine()}.",
            f"Load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f}." if load_before else "",
            (f"Each case waited up to {args.wait_quiet:.0f} s for the other processes on this shared machine to "
             f"leave the cores idle, and a round during which they kept more than 0.25 cores busy was measured "
             f"again ({sum(redone)} rounds in all)." if busy_seen else ""),
            f"{rounds} interleaved rounds per case, batches of about {batch_s * 1e3:.1f} ms; "
            f"ratios against torch's fastest path with the same threads (fused, else foreach); "
            f"the ceiling is the faster of the serial and parallel sN kernels with as many threads; the sqrt/div "
            f"ceiling, the same kernels with the optimizer's square roots and divisions per element.", "",
            markdown_table(table), ""]
    verdicts = targets(table, start, main_threads)
    if crossover:
        text += ["## Serial or parallel kernel (Adam, float32)", "",
                 f"PARALLEL_MIN_SIZE = {_runtime.PARALLEL_MIN_SIZE}: dtype groups with at least this many elements "
                 "use the parallel kernel.", "", "| elements | serial kernel | parallel kernel | parallel ÷ serial |",
                 "|---:|---:|---:|---:|"]
        for case in crossover:
            a, b = case.methods
            text.append(f"| {case.elements} | {_fmt_time(a.median)} | {_fmt_time(b.median)} | {b.median / a.median:.2f} |")
        text.append("")
    if start:
        text += ["## Start-up", "", startup_table(start), ""]
    if verdicts:
        text += ["## Targets", "", "| target | verdict | measured |", "|---|---|---|"]
        text += [f"| {a} | {b} | {c} |" for a, b, c in verdicts]
        text.append("")
    text.append(f"Total benchmark time: {time.perf_counter() - start_time:.0f} s.")
    report = "\n".join(text) + "\n"
    print("\n".join(text[3:]) if len(text) > 3 else report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.md").write_text(report, encoding="utf-8")
    (args.out / "bench.json").write_text(json.dumps({"machine": machine(), "rows": table, "startup": start,
                                                     "crossover": rows(crossover),
                                                     "targets": verdicts, "load": [load_before, load_after]},
                                                    indent=1, default=str), encoding="utf-8")
    why_not = plot(table, args.out / "bench.png", main_threads)
    if why_not is None:
        print(f"wrote {args.out / 'bench.md'}, {args.out / 'bench.json'}, {args.out / 'bench.png'}", file=sys.stderr)
    else:
        print(f"wrote {args.out / 'bench.md'}, {args.out / 'bench.json'} (no PNG: {why_not})", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
