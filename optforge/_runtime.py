"""The runtime behind every generated optimizer: input checks, state, dispatch, checkpoints.

The generated modules (``optforge.generated``) hold the math: per-step scalar functions
and Numba kernels printed from the specs, and a small class per optimizer carrying the
spec's hyperparameters and state as plain data.  This module is the one place that
validates what users pass in, owns the state arrays and calls the kernels.  It imports
neither SymPy nor Jinja2.
"""

from __future__ import annotations

import math
import operator
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Sequence

import numpy as np

#: Arrays at least this large use the parallel (``prange``) kernel; smaller ones the serial
#: kernel, because one parallel launch costs a few microseconds.
PARALLEL_MIN_SIZE = 1 << 15

SUPPORTED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


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
    name: str
    init: float
    per_element: bool
    torch_name: str | None
    meaning: str


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
        if not isinstance(g, np.ndarray):
            raise TypeError(f"{owner}: grads[{i}] must be a numpy.ndarray, got {_describe(g)}")
        if g.shape != p.shape:
            raise ValueError(f"{owner}: grads[{i}] has shape {g.shape}, params[{i}] has shape {p.shape}")
        if g.dtype != p.dtype:
            raise TypeError(f"{owner}: grads[{i}] has dtype {g.dtype}, params[{i}] has dtype {p.dtype}")
        flat.append(g.reshape(-1))  # a view when contiguous; a read-only copy otherwise is harmless
    return flat


class Optimizer:
    """Base of the generated optimizer classes.  Subclasses set the class attributes below."""

    name: str = ""
    hyperparameters: tuple[Hyper, ...] = ()
    state: tuple[StateInfo, ...] = ()
    _scalars: Callable = None
    _serial: Callable = None
    _parallel: Callable = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for api in dict.fromkeys(h.api for h in cls.hyperparameters):
            setattr(cls, api, property(operator.methodcaller("get_hyperparameter", api),
                                       lambda self, value, api=api: self.set_hyperparameters(**{api: value})))

    def __init__(self, params: Iterable[np.ndarray], **api_values: Any):
        owner = type(self).__name__
        if isinstance(params, np.ndarray):
            raise TypeError(f"{owner}: params must be a list of arrays, not a single array")
        params = list(params)
        self.params = [check_param(owner, i, p) for i, p in enumerate(params)]
        check_distinct(owner, self.params)
        self._values: dict[str, float] = {h.name: h.default for h in self.hyperparameters}
        self.set_hyperparameters(**api_values)
        self.t = 0
        self._element_state = [s for s in self.state if s.per_element]
        self._scalar_state = tuple(s.init for s in self.state if not s.per_element)
        self._flat_params = [p.reshape(-1) for p in self.params]
        self.state_arrays: dict[str, list[np.ndarray]] = {
            s.name: [np.full(p.shape, s.init, dtype=p.dtype) for p in self.params] for s in self._element_state}
        self._flat_state = [tuple(self.state_arrays[s.name][i].reshape(-1) for s in self._element_state)
                            for i in range(len(self.params))]

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
        flat_grads = check_grads(type(self).__name__, self.params, grads)
        t = self.t + 1
        kernel_args, scalar_state = self._scalars(t, *self._hyper_values, *self._scalar_state)
        serial, parallel = self._serial, self._parallel
        for p, g, states in zip(self._flat_params, flat_grads, self._flat_state):
            (parallel if p.size >= PARALLEL_MIN_SIZE else serial)(p, g, *states, *kernel_args)
        self.t = t
        self._scalar_state = scalar_state

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

    def load_state_dict(self, d: Mapping[str, Any]) -> None:
        """Restore a checkpoint from :meth:`state_dict` (checked whole before anything changes)."""
        owner = type(self).__name__
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
        scalar_state = tuple(float(np.asarray(d[f"scalar.{s.name}"])[()]) for s in self.state if not s.per_element)
        step = int(np.asarray(d["step"])[()])
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


def dispatch(serial: Callable, parallel: Callable, size: int) -> Callable:
    return parallel if size >= PARALLEL_MIN_SIZE else serial
