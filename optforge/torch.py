"""Drop-in ``torch.optim`` optimizers backed by optforge's generated Numba kernels.

Import it explicitly (``import optforge.torch``); ``import optforge`` never imports torch, which is an
optional dependency (``pip install 'optforge[torch]'``).  Changing an existing training script is two lines::

    import optforge.torch                                               # was: import torch.optim
    opt = optforge.torch.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)  # was: torch.optim.AdamW

The classes subclass :class:`torch.optim.Optimizer` and keep its behaviour: ``param_groups`` with their
own hyperparameters, ``add_param_group``, ``zero_grad``, ``step(closure)``, parameters whose ``.grad``
is ``None`` are skipped, learning-rate schedulers (``torch.optim.lr_scheduler``) just write
``group["lr"]`` (the kernels take every hyperparameter as a runtime float64 argument, so nothing is
recompiled), step hooks, and ``state_dict()`` / ``load_state_dict()`` (plain tensors and numbers, so
``torch.save`` / ``torch.load`` work).

How a step runs.  The same engine as the NumPy classes' ``opt.step(grads)`` (``optforge._engine``): per
param group, the parameters that have a gradient are put in buckets of one dtype, step count and scalar
state, each an engine ``Table`` (the addresses of the parameters and their state tensors), and each
bucket is one compiled multi-tensor call per step, with the per-step scalars computed once.  The buckets
are cached; each step checks cheaply that they still hold (the same parameters with gradients, at the
same addresses and sizes, gradients dense, contiguous and of the parameter's dtype, no state entry
replaced, no other ``opt.state``) and rebuilds them, after the full checks, when anything changed.  A
bucket's ``state["step"]`` tensors are 0-d views of one buffer, so one operation advances them all and
``state_dict()``, hooks and ``opt.state`` show torch's per-parameter values.  On a rebuild every group
is validated first (hyperparameters, flags, devices, dtypes, layouts, gradients, existing state); if
anything is refused, nothing has been changed.  A contiguous copy of a non-contiguous *gradient* is used
(it is only read); a non-contiguous *parameter* (a transposed or sliced view) is stepped in a contiguous
copy that is then written back into it in place, each step.  As for the NumPy optimizers, building
one starts a background thread that loads the kernels its first step will call (Numba's one-time set-up
and the cache load, about 0.3 s, then overlap the first forward and backward pass);
``OPTFORGE_PRELOAD=0`` turns it off.

torch's options are the specs' (specs/combinators.py, specs/torch_options.py, specs/torch_sgd.py,
specs/torch_variants.py): ``weight_decay`` (L2, added to the gradient) and ``maximize`` (the gradient's
sign) are runtime arguments of every class's kernel, as are SGD's ``dampening``; ``decoupled_weight_decay``
(Adam: it is AdamW, as in torch; NAdam), RMSprop's ``centered`` and ``momentum``, and Adadelta's ``lr``
(it scales the applied step while the accumulator keeps the unscaled update) choose a variant's kernel.
The prover shows each variant is its base at the neutral values, so a weight decay of 0 and a nonzero
one run the same compiled kernel.  ``lr = 0`` is a valid step (the state still updates, as in torch), so
a scheduler may reach it (``CosineAnnealingLR`` with its default ``eta_min=0``).  Hyperparameters are
checked by torch.optim's own constructor first (its exceptions and messages), then against the spec's
domains (``Optimizer.check``), which are sometimes stricter than torch's: ``eps`` must be > 0, betas,
``momentum``, ``rho`` and ``alpha`` in [0, 1).

Refused with a clear error: parameters or gradients on CUDA or any other non-CPU device (the device is
named), sparse gradients and non-strided layouts, integer and boolean dtypes (complex64 and complex128 are
stepped as pairs of reals, their ``view_as_real`` view, as torch.optim does; float16 and bfloat16 in float32,
rounded back to the parameter's dtype with the state kept in it, as torch's fused CPU kernels do),
``capturable=True`` (a CUDA-graph option) and ``differentiable=True``
(the kernels update in place outside autograd).  ``foreach`` and ``fused`` only choose between torch's
own code paths; they are accepted so that existing calls keep working and have no effect.

Classes, the torch.optim algorithm each one is (float64: to rounding, see the tests), and the spec
(defaults are torch's):

* ``SGD``: ``torch.optim.SGD``, momentum and nesterov per group, torch's own forms (sgd_torch /
  sgd_momentum_torch / sgd_nesterov_torch: ``momentum_buffer`` without the learning rate)
* ``Momentum``: the document's Momentum, ``torch.optim.SGD(momentum=0.9)`` at a constant lr (momentum)
* ``NAG``: the document's NAG, ``torch.optim.SGD(momentum=0.9, nesterov=True)`` at a constant lr (nag)
* ``Adagrad``: ``torch.optim.Adagrad``, with ``lr_decay`` and ``initial_accumulator_value`` (adagrad)
* ``Adadelta``: ``torch.optim.Adadelta`` (adadelta_lr; the document's Adadelta at lr = 1)
* ``RMSprop``: ``torch.optim.RMSprop``, ``centered`` and ``momentum`` per group (rmsprop and its variants)
* ``Adam``, ``AdamW``: ``torch.optim.Adam``, ``torch.optim.AdamW``, ``amsgrad`` per group
  (adam / adam_amsgrad, adamw / adamw_amsgrad)
* ``Adamax``: ``torch.optim.Adamax`` (adamax)
* ``NAdamScheduled``: ``torch.optim.NAdam`` with a finite ``momentum_decay`` (nadam_scheduled)
* ``NAdamT1``: ``torch.optim.NAdam(momentum_decay=float("inf"))`` (nadam_t1)
* ``NAdam``: no torch class; the source document's NAdam (nadam)
* ``AMSGrad``: ``torch.optim.Adam(amsgrad=True)`` (adam_amsgrad)
* ``Lion``: no torch class in 2.13; Chen et al.'s Lion (lion)
* ``optimizer_class(module)``: a class of this kind for a module generated from a user's own spec

So ``torch.optim.NAdam`` is replaced by ``optforge.torch.NAdamScheduled``; ``optforge.torch.NAdam`` is the
source document's NAdam, which no torch setting reproduces.

State dicts use torch's keys and layout (``step``, ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``,
``exp_inf``, ``square_avg``, ``acc_delta``, ``sum``, ``mu_product``, ``momentum_buffer``; ``step`` and
``mu_product`` are 0-dim tensors of the default dtype, float32 unless
``torch.set_default_dtype(torch.float64)``), and the param-group keys are torch's, so a checkpoint of
``torch.optim.AdamW`` resumes in ``optforge.torch.AdamW`` and the other way round.  Loading validates the
whole checkpoint before anything changes, refuses checkpoints written with options the spec does not have
(a finite ``momentum_decay`` into ``NAdamT1``, a nesterov SGD into ``Momentum``,
torch-only state such as RMSprop's ``grad_avg``), and copies the tensors (the optimizer never shares state
tensors with the dict it loaded).

Momentum and NAG (the document's forms; ``SGD`` runs torch's).  The kernels keep the document's velocity ``v = mu v + lr g`` (it includes the
learning rate); torch keeps ``momentum_buffer = buf = mu buf + g`` and steps by ``lr * buf``.  Internally
``state[p]["velocity"]`` holds ``v``; ``state_dict()`` exports ``momentum_buffer = v / lr`` and
``load_state_dict()`` imports ``v = lr * momentum_buffer`` (the generated module's ``CHECKPOINT``, printed
from the proved change of variables in specs/torch_sgd.py), with the group's ``lr`` in that checkpoint
(computed in float64; an own round trip reproduces ``v`` to at most one unit in the last place).  For a
constant lr the two forms are the same algorithm.  Under a changing lr they are not: optforge follows the
document (and Sutskever et al.), ``v_t = mu v_{t-1} + lr_t g_t``, i.e. a new lr scales only new
gradients, whereas torch rescales the whole accumulated buffer by the current lr.  So a checkpoint
moved between optforge.torch and torch.optim continues on the same trajectory only while the lr stays
constant (an optforge-to-optforge round trip keeps following the document under any schedule).  NAG's kernel
stores the look-ahead point ``phi = theta - mu v`` in the parameter, exactly as torch's
``SGD(nesterov=True)`` does, so parameters need no conversion; the document's theta is ``p + mu * v``.

Adadelta.  The document's Adadelta has no learning rate; torch's ``lr`` scales only the applied step
while the accumulator keeps the unscaled update (docs/semantics.md §1.3).  ``Adadelta`` runs torch's
form (spec ``adadelta_lr``), which at ``lr = 1`` (the default) is the document's (proved).

Precision.  float64 parameters follow torch.optim to rounding: the tests train a small MLP for 200 steps
and compare parameters with ``rtol=atol=1e-12``.  float32 parameters do the element arithmetic in float32
(scalars in float64, cast once), in a different operation order than torch, so the two float32
trajectories drift apart by rounding: within ``rtol=1e-4, atol=5e-5`` (docs/semantics.md §5, the bound used by
the tests; measured at most 3.1e-6 for the MLP).  For NAdam variants under a float32 default dtype,
``mu_product`` is stored in float32 like torch's but this step's coefficients use the float64 product.
"""

from __future__ import annotations

import copy
import functools
import importlib
import itertools
from collections import OrderedDict
import math
import operator
from typing import Any, Callable, NamedTuple

import torch
import torch.optim.optimizer as _optimizer

import numpy as np

from optforge import _engine, _forms
from optforge._engine import Table
from optforge.runtime import StateInfo

__all__ = ["SGD", "Momentum", "NAG", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW", "AMSGrad", "Adamax", "NAdam",
           "NAdamT1", "NAdamScheduled", "Lion", "optimizer_class"]

SUPPORTED_DTYPES = (torch.float32, torch.float64, torch.complex64, torch.complex128, torch.float16, torch.bfloat16)
#: stepped in float32 and rounded back to their dtype each step, as torch's fused CPU kernels do
_HALF = (torch.float16, torch.bfloat16)
#: torch's C methods, mapped over a group's tensors each step
_DATA_PTR, _NUMEL, _IS_CONTIGUOUS = torch.Tensor.data_ptr, torch.Tensor.numel, torch.Tensor.is_contiguous
_GRAD, _DTYPE, _LAYOUT = (operator.attrgetter(a) for a in ("grad", "dtype", "layout"))
# The kernels' element dtype: a complex tensor is stepped as its real view (torch.view_as_real), pairs of
# reals, as torch.optim's own algorithms treat complex parameters.
_NUMPY_DTYPES = {torch.float32: np.dtype(np.float32), torch.float64: np.dtype(np.float64),
                 torch.complex64: np.dtype(np.float32), torch.complex128: np.dtype(np.float64),
                 torch.float16: np.dtype(np.float32), torch.bfloat16: np.dtype(np.float32)}


def _real_shape(p: torch.Tensor) -> tuple:
    """The shape the kernels see: a complex tensor's real view has a last axis of 2."""
    return tuple(p.shape) + ((2,) if p.is_complex() else ())

# Group keys that some torch.optim optimizer uses as a hyperparameter or option.  A checkpoint whose group
# carries one that this class does not know was written by another optimizer (custom keys pass).
_TORCH_GROUP_KEYS = frozenset({
    "lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "foreach", "capturable", "differentiable",
    "fused", "decoupled_weight_decay", "momentum", "dampening", "nesterov", "lr_decay",
    "initial_accumulator_value", "rho", "alpha", "centered", "momentum_decay", "lambd", "t0", "etas",
    "step_sizes", "max_iter", "max_eval", "tolerance_grad", "tolerance_change", "history_size",
    "line_search_fn"})

_NEUTRAL = {
    "maximize": (False, "the spec minimises; negate the loss instead"),
    "capturable": (False, "CUDA-graph capture is a GPU feature; optforge.torch runs on the CPU"),
    "differentiable": (False, "the Numba kernels update in place outside autograd"),
    "dampening": (0, "the spec's momentum has no dampening"),
    "centered": (False, "the spec's RMSprop is not centred"),
}
_L2_REASON = ("the document's velocity form has no L2 weight decay; optforge.torch.SGD, which keeps torch's "
              "momentum_buffer form, takes weight_decay (and maximize)")


class _Spec(NamedTuple):
    """One generated optimizer, as the torch adapter needs it (read off its module's DESCRIPTION)."""

    name: str
    cls: type  # the generated class: hyperparameters, state, check, the kernels
    elements: tuple[tuple[str, StateInfo], ...]  # (state key, info) of the per-element state, kernel order
    scalar_state: tuple[tuple[str, StateInfo], ...]  # (state key, info) of the scalar state, N_scalars order

    @property
    def scalars(self) -> Callable:
        return self.cls._scalars


@functools.lru_cache(maxsize=None)
def _cached_spec(name: str) -> _Spec:
    return _load_spec(name)


@functools.lru_cache(maxsize=None)
def _base_spec(name: str) -> tuple[_Spec, tuple[int, ...], tuple[int, ...]] | None:
    """For a form (``adam_torch``): its base's spec, the positions of the base's hyperparameters among the
    form's, and the positions of the ones the form adds; None when ``name`` is not a form or its base
    keeps its state under other keys."""
    base_name = _forms.base_of(name)
    if base_name is None:
        return None
    form, base = _cached_spec(name), _cached_spec(base_name)
    if (base.elements, base.scalar_state) != (form.elements, form.scalar_state):
        return None
    names = [h.name for h in form.cls.hyperparameters]
    kept = tuple(names.index(h.name) for h in base.cls.hyperparameters)
    added = tuple(k for k, n in enumerate(names) if k not in kept)
    return base, kept, added


def _neutral_base(spec: _Spec, values: tuple[float, ...]) -> tuple[_Spec, tuple[float, ...]]:
    """``(spec, values)``, or the base's when the options the form adds are at their neutral values
    (``_forms.NEUTRAL``), where the form is proved equal to its base."""
    found = _base_spec(spec.name)
    if found is None:
        return spec, values
    base, kept, added = found
    hypers = spec.cls.hyperparameters
    if any(values[k] != _forms.NEUTRAL.get(hypers[k].name) for k in added):
        return spec, values
    return base, tuple(values[k] for k in kept)


def _load_spec(name: str, internal_names: dict[str, str] | None = None) -> _Spec:
    generated = importlib.import_module("optforge.generated")
    if name in generated.OPTIMIZERS:
        cls = generated.OPTIMIZERS[name]
    else:  # a variant's module (specs/torch_options.py), imported on use
        cls = getattr(importlib.import_module(f"optforge.generated.{name}"), generated.VARIANTS[name])
    internal_names = internal_names or {}

    def key(s: StateInfo) -> str:
        k = internal_names.get(s.name) or s.torch_name
        if not k:
            raise RuntimeError(f"optforge.torch: spec {name!r} state {s.name!r} has no torch name")
        return k

    desc = cls.description
    return _Spec(name, cls, tuple((key(s), s) for s in desc.element_state),
                 tuple((key(s), s) for s in desc.scalar_state))


@functools.lru_cache(maxsize=None)
def _constructor_keywords(cls: type) -> frozenset[str]:
    import inspect

    return frozenset(inspect.signature(cls.__init__).parameters) - {"self", "params"}


def _flag(owner: str, group: dict, key: str, where: str) -> bool:
    """A group's boolean option (``maximize``, ...), as optforge/_forms.py reads it, the error naming the group."""
    try:
        return _forms.flag(group, key)
    except TypeError as e:
        raise TypeError(f"{owner}: {where}: {e}") from None


def _scalar_dtype() -> torch.dtype:
    """torch's dtype for ``step`` and ``mu_product`` (non-fused): float64 under a float64 default dtype."""
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32


def _number(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise TypeError(f"a tensor hyperparameter must have one element, got shape {tuple(value.shape)}")
        return value.item()
    return value


class _TrackedState(dict):
    """A parameter's state dict that tells its plan when an entry is replaced (``state["exp_avg"] = ...``),
    so that a step never runs on the addresses of tensors that are no longer the state."""

    __slots__ = ("plan",)

    def _touch(self) -> None:
        plan = getattr(self, "plan", None)
        if plan is not None:
            plan.valid = False

    def __setitem__(self, key, value):
        self._touch()
        super().__setitem__(key, value)

    def __delitem__(self, key):
        self._touch()
        super().__delitem__(key)

    def update(self, *args, **kwargs):
        self._touch()
        super().update(*args, **kwargs)

    def pop(self, *args):
        self._touch()
        return super().pop(*args)

    def popitem(self):
        self._touch()
        return super().popitem()

    def clear(self):
        self._touch()
        super().clear()

    def setdefault(self, key, default=None):
        if key not in self:
            self._touch()
        return super().setdefault(key, default)

    def __reduce__(self):  # pickles, deep-copies and torch.save as a plain dict
        return dict, (dict(self),)


class _Bucket:
    """Parameters of one group that share dtype, step count and scalar state: one engine Table, one
    compiled call per step.  Their ``step`` (and scalar state) tensors are 0-d views of one buffer
    per key, so a step updates them all in one operation."""

    __slots__ = ("params", "index", "table", "step_buffer", "scalar_buffers", "t", "scalar_in",
                 "param_ptrs", "param_sizes", "grad_ptrs", "whole", "dtype", "scalars", "run", "step_view")

    def __init__(self, spec, params, index, table, step_buffer, scalar_buffers, t, scalar_in):
        self.params, self.index, self.table = params, index, table
        self.step_buffer, self.scalar_buffers = step_buffer, scalar_buffers
        self.t, self.scalar_in = t, scalar_in
        self.param_ptrs = [p.data_ptr() for p in params]
        self.param_sizes = [p.numel() for p in params]
        self.grad_ptrs: list[int] = []  # what table.gptr holds (set by the plan, then by holds)
        self.whole = False  # whether the bucket is its whole group, in order (set by the plan)
        self.dtype = params[0].dtype
        # what each step calls, bound once: the spec's scalar function and the table's kernel
        self.scalars = spec.scalars
        self.run = table.bound(spec.cls)
        # the step counts written through a NumPy view of their buffer (a third of torch's fill_ here)
        self.step_view = _numpy_view(step_buffer)

    def advance(self, values: tuple[float, ...]) -> None:
        """One step of the bucket's tensors (``table.gptr`` filled): the kernel, then the step counts
        and scalar state that torch's ``state`` shows."""
        t = self.t + 1
        kernel_args, scalar_out = self.scalars(t, *values, *self.scalar_in)
        self.run(*kernel_args)
        self.t, self.scalar_in = t, tuple(scalar_out)
        if self.step_view is not None:
            self.step_view.fill(t)
        elif self.step_buffer is not None:
            self.step_buffer.fill_(t)
        for buffer, x in zip(self.scalar_buffers, scalar_out):
            buffer.fill_(x)


def _numpy_view(buffer: torch.Tensor | None) -> np.ndarray | None:
    """A NumPy array sharing ``buffer``'s memory, or None (no buffer, or a dtype NumPy lacks)."""
    if buffer is None:
        return None
    try:
        return buffer.numpy()
    except TypeError:  # bfloat16 and the like
        return None


class _GroupPlan:
    """How one param group steps: its buckets, and what to check each step that they still hold
    (the same parameters with gradients, at the same addresses, the same state tensors)."""

    def __init__(self, spec: _Spec, params: list, present: list, state_obj, buckets: list[_Bucket]):
        self.spec, self.params, self.present, self.state_obj, self.buckets = spec, params, present, state_obj, buckets
        self.valid = True
        self.grads: list = []
        self.staged: list = []
        self.keep: list = []

    def holds(self, spec: _Spec, params: list, grads: list, state_obj) -> bool:
        """Whether the cached buckets still describe this step; fills each table's gradient addresses."""
        if not self.valid or spec is not self.spec or state_obj is not self.state_obj:
            return False
        if len(params) != len(self.params) or not all(map(operator.is_, params, self.params)):
            return False
        if list(map(operator.is_not, grads, itertools.repeat(None))) != self.present:
            return False
        same_grads = len(grads) == len(self.grads) and all(map(operator.is_, grads, self.grads))
        for b in self.buckets:
            ps = b.params
            # map over torch's C methods and attributes: no Python frame per tensor
            if (list(map(_DATA_PTR, ps)) != b.param_ptrs or list(map(_NUMEL, ps)) != b.param_sizes
                    or not all(map(_IS_CONTIGUOUS, ps))):
                return False
            gs = grads if b.whole else [grads[i] for i in b.index]
            # torch's .grad setter already enforces the parameter's shape and device, not dtype
            # (``p.grad.data = ...``), layout or strides
            if not same_grads and (not all(map(operator.is_, map(_DTYPE, gs), itertools.repeat(b.dtype)))
                                   or not all(map(operator.is_, map(_LAYOUT, gs), itertools.repeat(torch.strided)))
                                   or not all(map(_IS_CONTIGUOUS, gs))):
                return False
            ptrs = list(map(_DATA_PTR, gs))
            if ptrs != b.grad_ptrs:  # a freed gradient's memory is often handed to the next one
                b.table.gptr[:] = b.grad_ptrs = ptrs
        self.grads = grads
        return True


class _KernelOptimizer(torch.optim.Optimizer):
    """Base class: validation, lazy state, the kernel loop and torch-compatible checkpoints."""

    _spec: _Spec | None = None  # the kernel, unless _spec_for chooses per group
    _fixed: dict[str, tuple[Any, str]] = {}  # group key -> (the only value accepted, why)
    _has_step = True  # torch keeps a 'step' tensor per parameter

    #: the torch.optim class whose constructor checks the hyperparameters first (torch's exceptions and messages)
    _torch_class: str | None = None

    # ------------------------------------------------------------------ construction
    def __init__(self, params, defaults: dict[str, Any]):
        self._torch_checks(defaults)
        super().__init__(params, defaults)
        self._plans: dict[int, _GroupPlan] = {}  # by group index; each step checks that its plan still holds
        self._resolved: dict[int, tuple] = {}  # by group index: (the group's values, what _resolve made of them)
        self._preload()

    def _torch_checks(self, defaults: dict[str, Any]) -> None:
        """torch.optim's own validation of the hyperparameters, before anything about the parameters (as
        torch orders it): its constructor is run on one dummy tensor, so a script that catches torch's
        ``ValueError`` catches the same one here.  Options torch accepts and no spec has are refused after."""
        if self._torch_class is None:
            return
        cls = getattr(torch.optim, self._torch_class)
        accepted = _constructor_keywords(cls)
        cls([torch.zeros(1)], **{k: v for k, v in defaults.items() if k in accepted})

    def _preload(self) -> None:
        """Load the kernels that the first step will call, in a background thread (as the NumPy
        optimizers do; OPTFORGE_PRELOAD=0 turns it off): per group and dtype, the multi-tensor kernel
        with the argument types ``step`` passes."""
        try:
            jobs = []
            for group in self.param_groups:
                spec, values = self._resolve(group, "")
                scalar_in = tuple(float(info.init) for _, info in spec.scalar_state)
                kernel_args, _ = spec.scalars(1, *values, *scalar_in)
                by_dtype: dict[torch.dtype, list] = {}
                for p in group["params"]:
                    by_dtype.setdefault(p.dtype, []).append(p)
                for dtype, ps in by_dtype.items():
                    table = Table(_NUMPY_DTYPES[dtype], range(len(ps)), [0] * len(ps), [_real_shape(p) for p in ps],
                                  [[0] * len(spec.elements)] * len(ps))
                    jobs.append(table.preload_job(spec.cls, kernel_args))
            _engine.start_preload(jobs)
        except Exception:  # never keeps an optimizer from being built: the step does the work itself
            pass

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self.__dict__.setdefault("_plans", {})  # unpickled (torch pickles only defaults, state, groups)
        self.__dict__.setdefault("_resolved", {})
        for group in self.param_groups:
            for k, v in self.defaults.items():
                group.setdefault(k, v)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        where = f"param_groups[{len(self.param_groups) - 1}]"
        try:
            self._resolve(group, where)
            for i, p in enumerate(group["params"]):
                self._check_param(p, f"{where} parameter {i}")
        except Exception:
            self.param_groups.pop()  # nothing half-added
            raise

    @property
    def _owner(self) -> str:
        return f"optforge.torch.{type(self).__name__}"

    # ------------------------------------------------------------------ validation
    #: the option family (optforge/_forms.py) whose table chooses each group's kernel; None: ``_spec``
    _family: str | None = None

    def _spec_for(self, group: dict[str, Any], where: str) -> _Spec:
        if self._family is None:
            return self._spec
        try:
            options = {k: _number(v) for k, v in group.items() if k != "params"}
            return _cached_spec(_forms.form(self._family, options).spec)
        except (TypeError, ValueError) as e:
            raise type(e)(f"{self._owner}: {where}: {e}") from None

    def _all_specs(self) -> list[_Spec]:
        if self._family is None:
            return [self._spec]
        return [_cached_spec(name) for name in _forms.ALL_FORMS[self._family]]

    def _check_extra(self, group: dict[str, Any], where: str) -> None:
        """Checks of group keys that are neither spec hyperparameters nor fixed flags."""

    def _resolve(self, group: dict[str, Any], where: str) -> tuple[_Spec, tuple[float, ...]]:
        """The kernel and the spec-ordered hyperparameter values of a group; raises if it is refused."""
        owner = self._owner
        for key, (only, why) in self._fixed.items():
            if key not in group:
                continue
            value = _number(group[key])
            ok = isinstance(value, (bool, int, float)) and value == only  # False == 0, 1 == 1.0
            if not ok:
                raise ValueError(f"{owner}: {where} has {key}={group[key]!r}, but only {key}={only!r} is "
                                 f"supported: {why}")
        self._check_extra(group, where)
        spec = self._spec_for(group, where)
        values = []
        for h in spec.cls.hyperparameters:
            if h.api == "sign":  # the spec's runtime sign of the gradient is torch's maximize flag
                values.append(-1.0 if _flag(owner, group, "maximize", where) else 1.0)
                continue
            if h.api not in group:
                raise KeyError(f"{owner}: {where} has no {h.api!r}")
            raw = group[h.api]
            if h.index is not None:
                if not isinstance(raw, (tuple, list)) or len(raw) <= h.index:
                    raise TypeError(f"{owner}: {where}: {h.api} must be a tuple, got {raw!r}")
                raw = raw[h.index]
            try:
                values.append(spec.cls.check(h.name, _number(raw)))
            except (TypeError, ValueError) as e:
                raise type(e)(f"{owner}: {where}: {e}") from None
        return _neutral_base(spec, tuple(values))

    def _check_param(self, p: torch.Tensor, what: str) -> None:
        owner = self._owner
        if not isinstance(p, torch.Tensor):
            raise TypeError(f"{owner}: {what} is not a tensor")
        if p.device.type != "cpu":
            raise RuntimeError(
                f"{owner}: {what} is on device {p.device}; optforge.torch runs the generated Numba kernels "
                f"on CPU memory through .numpy() views, so {p.device.type} tensors are not supported (keep "
                f"the model on the CPU, or use torch.optim for {p.device} tensors)")
        if p.layout != torch.strided:
            raise RuntimeError(f"{owner}: {what} has layout {p.layout}; only dense (strided) tensors are "
                               "supported")
        if p.dtype not in SUPPORTED_DTYPES:
            raise TypeError(f"{owner}: {what} has dtype {p.dtype}; the kernels support torch.float32 and "
                            "torch.float64 (complex64/complex128 as pairs of reals, float16/bfloat16 in float32) "
                            "only")
        if p.is_inference():
            raise RuntimeError(f"{owner}: {what} is an inference tensor and cannot be updated in place")

    def _check_grad(self, p: torch.Tensor, what: str) -> torch.Tensor:
        owner = self._owner
        g = p.grad
        if g.layout != torch.strided:
            raise RuntimeError(f"{owner}: {what} has a sparse gradient (layout {g.layout}); the kernels are "
                               "dense (use dense gradients, e.g. nn.Embedding(sparse=False), or "
                               "torch.optim.SparseAdam)")
        if g.device.type != "cpu":
            raise RuntimeError(f"{owner}: the gradient of {what} is on device {g.device}; only CPU tensors "
                               "are supported")
        if g.dtype != p.dtype:
            raise TypeError(f"{owner}: the gradient of {what} has dtype {g.dtype}, the parameter {p.dtype}")
        if g.shape != p.shape:
            raise ValueError(f"{owner}: the gradient of {what} has shape {tuple(g.shape)}, the parameter "
                             f"{tuple(p.shape)}")
        if not g.is_contiguous():
            g = g.contiguous()  # only read: a copy is harmless
        return g

    def _required_keys(self, spec: _Spec) -> list[str]:
        keys = ["step"] if self._has_step else []
        return keys + [k for k, _ in spec.scalar_state] + [k for k, _ in spec.elements]

    def _check_state(self, p: torch.Tensor, state: dict, spec: _Spec, what: str, required: list[str]) -> None:
        """Existing state must be complete and fit the kernel (it may have been set by hand);
        ``required``: ``self._required_keys(spec)``."""
        owner = self._owner
        present = [k for k in required if k in state]
        if not present:
            return  # created lazily
        if len(present) != len(required):
            missing = [k for k in required if k not in state]
            raise ValueError(f"{owner}: the state of {what} lacks {missing}")
        for k, _ in spec.elements:
            s = state[k]
            if (not isinstance(s, torch.Tensor) or s.dtype != p.dtype or s.shape != p.shape
                    or s.device.type != "cpu" or not s.is_contiguous() or s.layout != torch.strided):
                raise ValueError(f"{owner}: state[{k!r}] of {what} must be a contiguous CPU tensor of the "
                                 f"parameter's shape {tuple(p.shape)} and dtype {p.dtype}, got "
                                 f"{_describe(s)}")
        for k in ["step"] * self._has_step + [k for k, _ in spec.scalar_state]:
            s = state[k]
            if not isinstance(s, torch.Tensor) or s.numel() != 1 or s.device.type != "cpu":
                raise ValueError(f"{owner}: state[{k!r}] of {what} must be a one-element CPU tensor, got "
                                 f"{_describe(s)}")

    # ------------------------------------------------------------------ stepping
    def _element_init(self, info: StateInfo, group: dict) -> float:
        return info.init

    def _init_state(self, p: torch.Tensor, state: dict, spec: _Spec, group: dict) -> None:
        if self._has_step:
            state["step"] = torch.tensor(0.0, dtype=_scalar_dtype())
        for k, info in spec.scalar_state:
            state[k] = torch.tensor(info.init, dtype=_scalar_dtype())
        for k, info in spec.elements:
            state[k] = torch.full_like(p, self._element_init(info, group), memory_format=torch.contiguous_format)

    def _validate_group(self, gi: int, group: dict) -> tuple[_Spec, tuple[float, ...], list]:
        """Everything torch.optim would refuse in this group, before anything changes: the
        hyperparameters, each parameter with a gradient, its gradient and its existing state.
        Returns the spec, the hyperparameter values and the (parameter, gradient) pairs (a
        contiguous copy of a strided gradient: it is only read)."""
        where = f"param_groups[{gi}]"
        spec, values = self._resolve(group, where)
        required = self._required_keys(spec)
        items = []
        for i, p in enumerate(group["params"]):
            if p.grad is None:
                continue
            what = f"{where} parameter {i}"
            self._check_param(p, what)
            g = self._check_grad(p, what)
            state = self.state.get(p)
            if state:
                self._check_state(p, state, spec, what, required)
            items.append((p, g))
        return spec, values, items


    def _build_plan(self, group: dict, spec: _Spec, items: list) -> _GroupPlan:
        """Create missing state (as torch does on the first step), then bucket the parameters by dtype,
        step count and scalar state, each bucket's step and scalar-state tensors made 0-d views of one
        buffer (their values kept)."""
        required = self._required_keys(spec)
        keyed: dict[tuple, list] = {}
        for k, (p, g) in enumerate(items):
            if not required:  # like torch, plain SGD keeps no state
                keyed.setdefault((p.dtype, 0.0, ()), []).append(k)
                continue
            state = self.state[p]
            created = not all(key in state for key in required)
            if created:
                self._init_state(p, state, spec, group)
            if not isinstance(state, _TrackedState):
                state = self.state[p] = _TrackedState(state)
            # without torch's 'step' (SGD), only whether this is the buffer's first step is known, and used
            t = float(state["step"].item()) if self._has_step else (0.0 if created else 1.0)
            scalar_in = tuple(float(state[key].item()) for key, _ in spec.scalar_state)
            keyed.setdefault((p.dtype, t, scalar_in), []).append(k)
        positions = [i for i, p in enumerate(group["params"]) if p.grad is not None]  # items' places in the group
        buckets = []
        staged: list[tuple[torch.Tensor, torch.Tensor]] = []  # (tensor, the copy the kernels step), written back
        keep: list[torch.Tensor] = []  # float32 copies of half gradients, alive until the kernels ran

        def stage(x: torch.Tensor) -> torch.Tensor:
            """What the kernels address for ``x``: ``x`` itself, or a contiguous (for a strided view) or
            float32 (for float16/bfloat16, the arithmetic of torch's fused CPU kernels) copy that ``_step``
            writes back into ``x`` in place after the step, rounding to its dtype."""
            if x.dtype not in _HALF and x.is_contiguous():
                return x
            copy_ = x.detach().to(dtype=torch.float32 if x.dtype in _HALF else x.dtype,
                                  memory_format=torch.contiguous_format, copy=True)
            staged.append((x, copy_))
            return copy_

        def read(g: torch.Tensor) -> torch.Tensor:
            if g.dtype in _HALF:
                keep.append(g.float())
                return keep[-1]
            return g
        for (dtype, t, scalar_in), ks in keyed.items():
            ps = [items[k][0] for k in ks]
            states = [self.state[p] for p in ps] if required else [{} for _ in ps]
            table = Table(_NUMPY_DTYPES[dtype], ks, [stage(p).data_ptr() for p in ps], [_real_shape(p) for p in ps],
                          [[stage(st[key]).data_ptr() for key, _ in spec.elements] for st in states])
            step_buffer = self._shared_scalars(states, "step", t) if self._has_step else None
            scalar_buffers = [self._shared_scalars(states, key, x) for (key, _), x in zip(spec.scalar_state, scalar_in)]
            bucket = _Bucket(spec, ps, [positions[k] for k in ks], table, step_buffer, scalar_buffers, t, scalar_in)
            bucket.table.gptr[:] = bucket.grad_ptrs = [read(items[k][1]).data_ptr() for k in ks]
            buckets.append(bucket)
        params = list(group["params"])
        if len(buckets) == 1 and buckets[0].index == list(range(len(params))):
            buckets[0].whole = True
        plan = _GroupPlan(spec, params, [p.grad is not None for p in params], self.state, buckets)
        plan.staged, plan.keep = staged, keep
        if staged or keep:
            plan.valid = False  # the copies are this step's: the next step checks and copies again
        for b in buckets:
            for p in b.params:
                if required:
                    self.state[p].plan = plan
        return plan

    @staticmethod
    def _shared_scalars(states: list[dict], key: str, value: float) -> torch.Tensor:
        """One buffer for ``state[key]`` of every parameter in ``states`` (all equal to ``value``), each
        ``state[key]`` becoming a 0-d view of it in the dtype it had."""
        buffer = torch.full((len(states),), value, dtype=states[0][key].dtype)
        for k, st in enumerate(states):
            dict.__setitem__(st, key, buffer[k])  # not a user's replacement: the plan stays valid
        return buffer

    def step(self, *args, **kwargs):
        """One update of every parameter that has a gradient: ``step(closure=None)``, returns the
        closure's loss (if any).  Runs the step hooks as torch.optim does; the profiler's record is made
        only while a profiler runs (torch's own wrapper costs about 20 us per step making it always)."""
        if torch.autograd._profiler_enabled():
            with torch.autograd.profiler.record_function(f"Optimizer.step#{type(self).__name__}.step"):
                return self._hooked_step(args, kwargs)
        return self._hooked_step(args, kwargs)

    step.hooked = True  # torch.optim.Optimizer wraps a step that is not marked so: this one does it itself

    def _hooked_step(self, args: tuple, kwargs: dict):
        if _optimizer._global_optimizer_pre_hooks or self._optimizer_step_pre_hooks:
            for pre_hook in (*_optimizer._global_optimizer_pre_hooks.values(),
                             *self._optimizer_step_pre_hooks.values()):
                result = pre_hook(self, args, kwargs)
                if result is not None:
                    if isinstance(result, tuple) and len(result) == 2:
                        args, kwargs = result
                    else:
                        raise RuntimeError(f"{self.step} must return None or a tuple of (new_args, new_kwargs), "
                                           f"but got {result}.")
        out = self._step(*args, **kwargs)
        self._optimizer_step_code()
        if self._optimizer_step_post_hooks or _optimizer._global_optimizer_post_hooks:
            for post_hook in (*self._optimizer_step_post_hooks.values(),
                              *_optimizer._global_optimizer_post_hooks.values()):
                post_hook(self, args, kwargs)
        return out

    def _resolve_group(self, gi: int, group: dict) -> tuple[_Spec, tuple[float, ...]]:
        """``_resolve`` of a group, reused while every value in the group is the very object it was (a
        scheduler that writes ``group["lr"]`` makes a new float, so it is checked again); lists, dicts
        and tensors are checked every step."""
        values = list(group.values())  # "params" too: a new list is resolved again, which is harmless
        cached = self._resolved.get(gi)
        if (cached is not None and cached[2] and len(values) == len(cached[0])
                and all(map(operator.is_, values, cached[0]))):
            return cached[1]
        resolved = self._resolve(group, f"param_groups[{gi}]")
        # the very same objects are the same values unless one can change in place
        reusable = not any(isinstance(v, (list, dict, torch.Tensor)) for k, v in group.items() if k != "params")
        self._resolved[gi] = (values, resolved, reusable)
        return resolved

    def _step(self, closure: Callable[[], Any] | None = None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        plans = self._plans
        todo = []
        for gi, group in enumerate(self.param_groups):  # everything is validated before anything changes
            params = group["params"]
            grads = list(map(_GRAD, params))
            plan = plans.get(gi)
            spec, values = self._resolve_group(gi, group)
            if plan is None or not plan.holds(spec, params, grads, self.state):
                spec, values, items = self._validate_group(gi, group)
                todo.append((gi, group, spec, values, items, None))
                continue
            todo.append((gi, group, spec, values, None, plan))
        updated = []
        for gi, group, spec, values, items, plan in todo:
            if plan is None:
                plan = plans[gi] = self._build_plan(group, spec, items)
                keep = items  # holds contiguous copies of strided gradients until the kernels ran
                plan.grads = [p.grad for p in group["params"]]
                if any(g is not p.grad for p, g in items):
                    plan.valid = False  # the copies are this step's: the next step checks everything again
            for b in plan.buckets:
                b.advance(values)
                updated.extend(b.params)
            if plan.staged:
                with torch.no_grad():
                    for x, copy_ in plan.staged:
                        x.copy_(copy_)  # in place, into the tensor's own strides and dtype (rounding)
        if updated:
            torch.autograd.graph.increment_version(updated)  # as torch's in-place updates would
        return loss

    # ------------------------------------------------------------------ checkpoints
    def _export_state(self, state: dict, p: torch.Tensor, group: dict) -> dict:
        return state

    def _import_state(self, saved: dict, p: torch.Tensor, group: dict, spec: _Spec, values: tuple,
                      what: str) -> dict:
        """Validate one parameter's saved state and return fresh tensors in the internal layout."""
        owner = self._owner
        if not isinstance(saved, dict):
            raise TypeError(f"{owner}: checkpoint state of {what} is not a dict")
        if not saved:
            return {}
        required = self._required_keys(spec)
        unknown = [k for k in saved if k not in required]
        if unknown:
            raise ValueError(f"{owner}: checkpoint state of {what} has {unknown}, which {owner} does not use "
                             f"(it keeps {required}); was it written by another optimizer or with other "
                             "options?")
        missing = [k for k in required if k not in saved]
        if missing:
            raise ValueError(f"{owner}: checkpoint state of {what} lacks {missing}")
        out = {}
        for k in required:
            if k in dict(spec.elements):
                out[k] = _import_elements(owner, saved[k], p, f"state[{k!r}] of {what}")
            elif k == "step":
                out[k] = _import_step(owner, saved[k], f"state['step'] of {what}")
            else:  # scalar state: torch casts it to the parameter's dtype on load
                out[k] = _import_scalar(owner, saved[k], p.dtype, f"state[{k!r}] of {what}")
        return out

    def _normalize_loaded_group(self, group: dict, where: str) -> None:
        pass

    def state_dict(self) -> dict[str, Any]:
        """torch's ``state_dict``, in torch's layout before its post-hooks see it."""
        post_hooks, self._optimizer_state_dict_post_hooks = self._optimizer_state_dict_post_hooks, OrderedDict()
        try:
            sd = super().state_dict()
        finally:
            self._optimizer_state_dict_post_hooks = post_hooks
        for packed, group in zip(sd["param_groups"], self.param_groups):
            for idx, p in zip(packed["params"], group["params"]):
                if idx in sd["state"]:
                    sd["state"][idx] = self._export_state(sd["state"][idx], p, group)
        for hook in post_hooks.values():
            result = hook(self, sd)
            if result is not None:
                sd = result
        return sd

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a checkpoint of this class or of the torch.optim class with the same algorithm.

        The whole checkpoint is validated and converted before anything changes."""
        owner = self._owner
        if isinstance(state_dict, dict):  # torch's pre-hooks first: one may repair a legacy checkpoint
            state_dict = state_dict.copy()
            for hook in self._optimizer_load_state_dict_pre_hooks.values():
                result = hook(self, state_dict)
                if result is not None:
                    state_dict = result
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise TypeError(f"{owner}: a state dict has 'state' and 'param_groups'")
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for g, s in zip(self.param_groups, saved_groups):
            if len(g["params"]) != len(s["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                                 "optimizer's group")
        saved_state = state_dict["state"]
        new_state = {}
        for gi, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            where = f"checkpoint param_groups[{gi}]"
            foreign = sorted(k for k in saved if k in _TORCH_GROUP_KEYS and k not in self.defaults)
            if foreign:
                raise ValueError(f"{owner}: {where} has {foreign}, which {owner} does not have; the checkpoint "
                                 "was written by another optimizer")
            hyper_keys = {h.api for spec in self._all_specs() for h in spec.cls.hyperparameters}
            for k, v in self.defaults.items():  # options torch fills in on load; hyperparameters must be there
                if k not in hyper_keys:
                    saved.setdefault(k, v)
            self._normalize_loaded_group(saved, where)
            spec, values = self._resolve(saved, where)
            for i, (idx, p) in enumerate(zip(saved["params"], group["params"])):
                if idx in saved_state:
                    new_state[idx] = self._import_state(saved_state[idx], p, saved, spec, values,
                                                        f"{where} parameter {i}")
        for idx, v in saved_state.items():  # state of no parameter: kept as torch does
            new_state.setdefault(idx, v)
        converted = dict(state_dict)
        converted["state"] = new_state
        converted["param_groups"] = saved_groups
        pre_hooks, self._optimizer_load_state_dict_pre_hooks = self._optimizer_load_state_dict_pre_hooks, OrderedDict()
        try:  # they ran above, on what the caller passed
            super().load_state_dict(converted)
        finally:
            self._optimizer_load_state_dict_pre_hooks = pre_hooks


def _describe(x: Any) -> str:
    if isinstance(x, torch.Tensor):
        return f"a {x.device} tensor of shape {tuple(x.shape)} and dtype {x.dtype}"
    return type(x).__name__


def _import_elements(owner: str, value: Any, p: torch.Tensor, what: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor) or value.shape != p.shape or not (
            (value.is_floating_point() or value.is_complex() == p.is_complex()) and value.layout == torch.strided):
        raise ValueError(f"{owner}: checkpoint {what} must be a dense floating tensor of shape "
                         f"{tuple(p.shape)}, got {_describe(value)}")
    out = torch.empty_like(p, memory_format=torch.contiguous_format)
    out.copy_(value.detach())
    return out


def _finite_scalar(owner: str, value: Any, what: str) -> float:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1 or value.is_complex():
            raise ValueError(f"{owner}: checkpoint {what} must be a real number, got {_describe(value)}")
        x = float(value.item())
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        x = float(value)
    else:
        raise ValueError(f"{owner}: checkpoint {what} must be a number, got {_describe(value)}")
    if not math.isfinite(x):
        raise ValueError(f"{owner}: checkpoint {what} is {x}")
    return x


def _import_step(owner: str, value: Any, what: str) -> torch.Tensor:
    x = _finite_scalar(owner, value, what)
    if x < 0 or x != int(x):
        raise ValueError(f"{owner}: checkpoint {what} must be a non-negative whole number, got {x}")
    if isinstance(value, torch.Tensor) and value.is_floating_point():  # torch keeps the saved dtype
        return value.detach().to(device="cpu", copy=True).reshape(())
    return torch.tensor(x, dtype=_scalar_dtype())


def _import_scalar(owner: str, value: Any, dtype: torch.dtype, what: str) -> torch.Tensor:
    return torch.tensor(_finite_scalar(owner, value, what), dtype=dtype)


# ============================================================================ SGD family
_DOCUMENT_SGD = {"plain": _load_spec("sgd", {"v": "velocity"}), "momentum": _load_spec("momentum", {"v": "velocity"}),
                 "nesterov": _load_spec("nag", {"v": "velocity"})}


class SGD(_KernelOptimizer):
    """``torch.optim.SGD`` on the generated kernels: per group, ``momentum == 0`` runs the ``sgd_torch`` spec,
    ``momentum > 0`` ``sgd_dampened_torch`` and ``nesterov=True`` ``sgd_nesterov_torch`` (torch's own
    forms, ``momentum_buffer`` without the learning rate, with ``dampening``, ``weight_decay`` and
    ``maximize`` as runtime arguments: specs/torch_sgd.py, specs/torch_options.py).  A parameter's first
    step with momentum is the step that creates its buffer (torch's clone of the gradient).
    """

    _torch_class = "SGD"
    _family = "SGD"
    _fixed = {"differentiable": _NEUTRAL["differentiable"]}
    _has_step = False

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)

    def _required_keys(self, spec):
        return [k for k, _ in spec.elements]


class _DocumentMomentum(SGD):
    """The document's velocity form, ``v = mu v + lr g`` (specs ``momentum`` and ``nag``): checkpoints hold
    torch's ``momentum_buffer``, converted by the change of variables the spec module declares (its
    ``CHECKPOINT``, printed from the proved property ``sgd_momentum_is_momentum_with_v_lr_buf`` resp.
    ``sgd_nesterov_is_nag_with_v_lr_buf``: ``v = lr * momentum_buffer``)."""

    _specs = _DOCUMENT_SGD
    _family = None
    _nesterov: bool
    _fixed = {"dampening": _NEUTRAL["dampening"], "weight_decay": (0, _L2_REASON),
              "maximize": _NEUTRAL["maximize"], "differentiable": _NEUTRAL["differentiable"]}

    def _spec_for(self, group, where):
        owner = self._owner
        momentum = _number(group["momentum"])
        nesterov = bool(group.get("nesterov", False))
        if nesterov != self._nesterov:
            other = "NAG" if nesterov else "Momentum"
            raise ValueError(f"{owner}: {where} has nesterov={nesterov}; {owner} is "
                             f"{'NAG' if self._nesterov else 'heavy-ball momentum'}: use optforge.torch.{other} "
                             "or optforge.torch.SGD")
        if isinstance(momentum, (int, float)) and not isinstance(momentum, bool) and momentum == 0:
            if nesterov:
                raise ValueError(f"{owner}: {where}: Nesterov momentum requires a momentum > 0")
            return self._specs["plain"]
        return self._specs["nesterov" if nesterov else "momentum"]

    def _all_specs(self):
        return list(self._specs.values())

    def _export_state(self, state, p, group):
        spec = self._spec_for(group, "state_dict")
        form, internal = spec.cls.checkpoint, dict((info.name, key) for key, info in spec.elements)
        if form is None or any(internal[name] not in state for name, _ in form.state):
            return state
        out = {k: v for k, v in state.items() if k not in {internal[name] for name, _ in form.state}}
        ours = {name: state[internal[name]] for name, _ in form.state}
        out.update(_convert(self._owner, form, form.to_checkpoint, ours, spec, group, "state_dict"))
        return out

    def _import_state(self, saved, p, group, spec, values, what):
        owner = self._owner
        if not isinstance(saved, dict):
            raise TypeError(f"{owner}: checkpoint state of {what} is not a dict")
        form = spec.cls.checkpoint
        keys = [key for _, key in form.state] if form is not None else []
        unknown = [k for k in saved if k not in keys]
        if unknown:
            raise ValueError(f"{owner}: checkpoint state of {what} has {unknown}; torch's SGD keeps only "
                             f"{keys or 'momentum_buffer'}")
        if not saved:
            return {}
        missing = [k for k in keys if k not in saved]
        if missing:
            raise ValueError(f"{owner}: checkpoint state of {what} lacks {missing}")
        theirs = {k: _import_elements(owner, saved[k], p, f"state[{k!r}] of {what}") for k in keys}
        internal = dict((info.name, key) for key, info in spec.elements)
        ours = _convert(owner, form, form.from_checkpoint, theirs, spec, group, what)
        return {internal[name]: value for name, value in ours.items()}


def _convert(owner: str, form, function: Callable, tensors: dict, spec: _Spec, group: dict, what: str) -> dict:
    """One direction of a generated module's checkpoint conversion (its ``CHECKPOINT``), on ``tensors``
    (computed in float64 and returned in their own dtype), with the group's hyperparameter values."""
    values = {}
    for h in spec.cls.hyperparameters:
        if h.name in form.hypers:
            x = _number(group[h.api])
            values[h.name] = float(x if h.index is None else _number(x[h.index]))
    for name in form.nonzero:
        if values[name] == 0:
            raise ValueError(f"{owner}: {what}: torch.optim.{form.torch_class}'s checkpoint state converts by "
                             f"the change of variables of property {form.property!r}, which divides by "
                             f"{name}; it needs {name} != 0")
    dtype = next(iter(tensors.values())).dtype
    out = function(**{k: t.double() for k, t in tensors.items()}, **values)
    return {k: v.to(dtype) for k, v in out.items()}


class Momentum(_DocumentMomentum):
    """The document's Momentum, ``v = mu v + lr g; theta -= v`` (spec ``momentum``): the same algorithm as
    ``torch.optim.SGD(momentum=mu)`` for a constant lr, with ``momentum_buffer = v / lr``."""

    _nesterov = False

    def __init__(self, params, lr=1e-3, momentum=0.9, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        super().__init__(params, lr, momentum, dampening, weight_decay, nesterov, maximize=maximize,
                         foreach=foreach, differentiable=differentiable, fused=fused)


class NAG(_DocumentMomentum):
    """The document's NAG (spec ``nag``): the parameters hold the look-ahead point ``phi = theta - mu v``
    exactly like ``torch.optim.SGD(momentum=mu, nesterov=True)``'s ``p``; ``momentum_buffer = v / lr``."""

    _nesterov = True

    def __init__(self, params, lr=1e-3, momentum=0.9, dampening=0, weight_decay=0, nesterov=True, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        super().__init__(params, lr, momentum, dampening, weight_decay, nesterov, maximize=maximize,
                         foreach=foreach, differentiable=differentiable, fused=fused)


# ============================================================================ Adagrad, Adadelta, RMSprop
class Adagrad(_KernelOptimizer):
    """``torch.optim.Adagrad`` (eps outside the square root; spec ``adagrad``).  ``lr_decay`` (torch's
    ``lr / (1 + (step - 1) lr_decay)``) and ``initial_accumulator_value`` are supported; the state is
    created at construction, as torch does."""

    _torch_class = "Adagrad"

    _family = "Adagrad"
    _fixed = {"differentiable": _NEUTRAL["differentiable"]}

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if not self.state[p]:
                    self._init_state(p, self.state[p], self._spec_for(group, "param_groups"), group)

    def _check_extra(self, group, where):
        x = _number(group.get("initial_accumulator_value", 0))
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not (0 <= x < math.inf):
            raise ValueError(f"{self._owner}: {where}: initial_accumulator_value="
                             f"{group.get('initial_accumulator_value')!r} must be a finite number >= 0")

    def _element_init(self, info, group):
        return float(_number(group["initial_accumulator_value"]))

    def share_memory(self) -> None:
        """As ``torch.optim.Adagrad.share_memory``: the state tensors move to shared memory (for
        ``torch.multiprocessing``); the kernels' cached addresses are dropped with them."""
        for group in self.param_groups:
            for p in group["params"]:
                for value in self.state[p].values():
                    if isinstance(value, torch.Tensor):
                        value.share_memory_()
        self._plans.clear()


class Adadelta(_KernelOptimizer):
    """``torch.optim.Adadelta`` (spec ``adadelta_lr_torch``): torch's ``lr`` scales the applied step while
    the average of squared updates keeps the unscaled one; ``lr = 1`` (the default) is the document's
    Adadelta (the property ``adadelta_lr_1_is_adadelta``)."""

    _torch_class = "Adadelta"
    _family = "Adadelta"
    _fixed = {"capturable": _NEUTRAL["capturable"], "differentiable": _NEUTRAL["differentiable"]}

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "capturable": capturable, "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)


class RMSprop(_KernelOptimizer):
    """``torch.optim.RMSprop`` (eps outside the root): ``centered`` and ``momentum > 0`` choose the kernel per
    group (specs ``rmsprop_torch``, ``rmsprop_centered_torch``, ``rmsprop_momentum_torch``,
    ``rmsprop_centered_momentum_torch``)."""

    _torch_class = "RMSprop"
    _family = "RMSprop"
    _fixed = {"capturable": _NEUTRAL["capturable"], "differentiable": _NEUTRAL["differentiable"]}

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)


# ============================================================================ Adam family
_ADAM_FLAGS = {"capturable": _NEUTRAL["capturable"], "differentiable": _NEUTRAL["differentiable"]}


class Adam(_KernelOptimizer):
    """``torch.optim.Adam`` (spec ``adam_torch``, or ``adam_amsgrad_torch`` for ``amsgrad=True``: the running
    maximum of the raw second moment, ``max_exp_avg_sq``, as torch keeps it); ``weight_decay`` is L2 (added to
    the gradient), or decoupled with ``decoupled_weight_decay=True`` (then it is AdamW, as in torch)."""

    _torch_class = "Adam"
    _family = "Adam"
    _fixed = dict(_ADAM_FLAGS)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)


class AdamW(_KernelOptimizer):
    """``torch.optim.AdamW`` (spec ``adamw``, or ``adamw_amsgrad`` for ``amsgrad=True``): ``p *= 1 - lr wd``
    then the Adam step, from the raw gradient."""

    _torch_class = "AdamW"
    _family = "AdamW"
    _fixed = {**_ADAM_FLAGS, "decoupled_weight_decay": (True, "AdamW's weight decay is decoupled")}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused, "decoupled_weight_decay": True}
        super().__init__(params, defaults)

    def _normalize_loaded_group(self, group, where):
        # torch.optim.AdamW forces decoupled_weight_decay=True on load; an Adam checkpoint with L2 decay
        # (decoupled_weight_decay=False, weight_decay != 0) is a different algorithm and is refused.
        if not group.get("decoupled_weight_decay", True) and _number(group.get("weight_decay", 0)) != 0:
            raise ValueError(f"{self._owner}: {where} is Adam with L2 weight_decay={group['weight_decay']!r} "
                             "(decoupled_weight_decay=False), a different algorithm from AdamW")
        group["decoupled_weight_decay"] = True


class Adamax(_KernelOptimizer):
    """``torch.optim.Adamax`` (spec ``adamax``): ``u = max(b2 u, |g| + eps)``, ``p -= lr m / ((1 - b1^t) u)``."""

    _torch_class = "Adamax"

    _family = "Adamax"
    _fixed = {"capturable": _NEUTRAL["capturable"], "differentiable": _NEUTRAL["differentiable"]}

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)


_NADAM_FLAGS = {"capturable": _NEUTRAL["capturable"], "differentiable": _NEUTRAL["differentiable"]}


class NAdamScheduled(_KernelOptimizer):
    """``torch.optim.NAdam``: Dozat's Algorithm 2 with the momentum schedule (spec ``nadam_scheduled``)."""

    _torch_class = "NAdam"

    _family = "NAdamScheduled"
    _fixed = dict(_NADAM_FLAGS)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)


class NAdamT1(_KernelOptimizer):
    """NAdam with bias-correction exponent t+1 on the momentum term (spec ``nadam_t1_product_torch``), i.e.
    ``torch.optim.NAdam(momentum_decay=float("inf"))`` and optax ``nadam``.  ``momentum_decay`` stays inf;
    ``mu_product = b1**t`` is the spec's scalar state (spec ``nadam_t1_product``, proved equal to b1^t), for
    torch's checkpoint layout."""

    _torch_class = "NAdam"

    _family = "NAdamT1"
    _fixed = {**_NADAM_FLAGS, "momentum_decay": (math.inf, "NAdamT1 is NAdam with a constant momentum "
                                                            "mu_t = b1; for a finite momentum_decay use "
                                                            "optforge.torch.NAdamScheduled")}

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=math.inf, decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)


class NAdam(_KernelOptimizer):
    """The source document's NAdam (spec ``nadam``): ``theta -= lr (b1 mhat + (1 - b1) g / (1 - b1^t)) /
    (sqrt(vhat) + eps)``.  No torch.optim class computes it (docs/semantics.md §1.7); the state is ``step``,
    ``exp_avg``, ``exp_avg_sq`` and the signature is torch NAdam's without ``momentum_decay``."""

    _torch_class = "NAdam"

    _family = "NAdam"
    _fixed = dict(_NADAM_FLAGS)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable}
        super().__init__(params, defaults)


# ============================================================================ Lion, AMSGrad, a user's spec
class Lion(_KernelOptimizer):
    """Lion (spec ``lion_torch``: the spec ``lion`` with torch's ``maximize``); torch 2.13 has no Lion, so the
    keywords are the spec's (``lr``, ``betas``, ``weight_decay``, decoupled and multiplied by lr) and the state
    is ``exp_avg``."""

    _family = "Lion"
    _fixed = {"differentiable": _NEUTRAL["differentiable"]}

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0, *, maximize=False, foreach=None,
                 differentiable=False):
        defaults = {"lr": lr, "betas": betas, "weight_decay": weight_decay, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)


class AMSGrad(Adam):
    """``torch.optim.Adam(amsgrad=True)`` under its own name (the same class with ``amsgrad=True`` by default)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=True, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=decoupled_weight_decay)


def optimizer_class(generated: Any, name: str | None = None) -> type:
    """A ``torch.optim.Optimizer`` class for a generated module (or its optimizer class): a user's spec made
    with ``optforge spec`` works in training scripts like the built-in classes, with the same rules: its
    hyperparameters are keyword arguments (their ``api`` names, their defaults), a hyperparameter with the
    api name ``sign`` is torch's ``maximize`` flag, ``state[p]`` holds ``step`` and the spec's arrays under
    their ``torch_name`` (else their own name), and every check, the engine and the checkpoints are the
    built-in classes' own.

        from optforge.torch import optimizer_class
        AdaBelief = optimizer_class(adabelief)       # the module made by `optforge spec my_adabelief.py`
        opt = AdaBelief(model.parameters(), lr=1e-3)
    """
    cls = generated if isinstance(generated, type) else getattr(generated, generated.DESCRIPTION.class_name)
    desc = cls.description
    spec = _Spec(desc.name, cls, tuple((s.torch_name or s.name, s) for s in desc.element_state),
                 tuple((s.torch_name or s.name, s) for s in desc.scalar_state))
    defaults: dict[str, Any] = {}
    for h in cls.hyperparameters:
        if h.api == "sign":
            defaults["maximize"] = False
        elif h.index is None:
            defaults[h.api] = h.default
        else:
            values = list(defaults.get(h.api, ()))
            values += [None] * (h.index + 1 - len(values))
            values[h.index] = h.default
            defaults[h.api] = tuple(values)
    keywords = dict(defaults)

    def __init__(self, params, **kwargs):
        unknown = sorted(set(kwargs) - set(keywords) - {"foreach", "differentiable"})
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected keyword argument(s) {unknown}; it takes "
                            f"{', '.join(keywords)}")
        _KernelOptimizer.__init__(self, params, {**keywords, "differentiable": False, "foreach": None, **kwargs})

    return type(name or cls.__name__, (_KernelOptimizer,), {
        "__init__": __init__, "_spec": spec, "_fixed": {"differentiable": _NEUTRAL["differentiable"]},
        "__doc__": f"torch.optim-style {cls.__name__} on the kernels of spec {desc.name!r}.", "__module__": __name__})
