"""``--dropin``: the torch-engine comparison.  Interleaved in one run, float32, 2 threads, the
``step()`` call only:

* ``optforge.torch``: ``optforge.torch.<Cls>(params, **torch's keyword arguments).step()``;
* ``torch fused``: ``torch.optim.<Cls>(..., fused=True).step()`` (``foreach=True`` where torch has
  no fused kernel for it; the table says so);
* ``opt.step(grads)``: ``optforge.<Cls>(arrays).step(grads)`` on NumPy arrays of the same shapes;
* ``torch floor``: the least a torch front end can do per step: the same ``opt.step(grads)`` call, plus
  reading every parameter's gradient and its address (a gradient's storage can change between steps) and
  bumping the parameters' version counters, as torch's in-place updates do.  Its ratio to
  ``opt.step(grads)`` is a lower bound on optforge.torch's: where it is above the 1.10 target, no torch
  front end can meet it;
* ``DeepSpeed``: ``deepspeed.ops.adam.DeepSpeedCPUAdam`` (Adam and AdamW only, when
  ``import deepspeed`` works; its CPU op is compiled with g++ on first use, about two minutes).

The keyword arguments are the generated module's torch equivalent (``DESCRIPTION.torch``) at the
spec's default hyperparameters, so all four compute the same update.  ``--torch-options`` adds
:data:`TORCH_OPTIONS` (L2 ``weight_decay``, or AdamW's own, and ``maximize=True``) to every method: the
NumPy class then runs the ``<base>_torch`` form too; DeepSpeed, which has no ``maximize``, is left out."""

from __future__ import annotations

import gc
import operator
import os
import sys
import time
from typing import Any

import numpy as np

from bench import targets
from bench.cases import Case, LISTS, OptimizerInfo, data, optforge_torch_optimizer, size_label, torch_optimizer
from bench.measure import Disturbance, Method, measure, set_threads, torch, wait_for_quiet
from bench.report import fmt_time

#: The optimizers compared (spec names), with the label the table shows.
OPTIMIZERS = {"adamw": "AdamW", "adam": "Adam", "momentum": "SGD (momentum 0.9)", "adagrad": "Adagrad"}
#: The cases: parameter lists by name (bench.cases.LISTS) and single tensors by size.
LIST_CASES = ["resnet50 (161)", "transformer (100)", "mlp (6)", "1000 x 1e3"]
SINGLE_SIZES = [10**3, 10**7]
THREADS = 2

METHODS = ("optforge.torch", "torch fused", "opt.step(grads)", "torch floor", "DeepSpeed")
#: ``--torch-options``: torch.optim's gradient options switched on (AdamW keeps its decoupled weight decay)
TORCH_OPTIONS = {"weight_decay": 1e-4, "maximize": True}


def options_for(info: OptimizerInfo, options: dict[str, Any] | None) -> dict[str, Any]:
    """The options for one optimizer: AdamW's weight_decay is its own hyperparameter, kept at its default."""
    if not options:
        return {}
    return {k: v for k, v in options.items() if not (k == "weight_decay" and info.torch.cls == "AdamW")}


def optforge_torch_error() -> str | None:
    """None when ``optforge.torch`` imports, else the error (its classes are then left out)."""
    try:
        import optforge.torch  # noqa: F401
    except Exception as e:  # noqa: BLE001 - reported, not raised
        return f"{type(e).__name__}: {e}"
    return None


def deepspeed_adam() -> tuple[Any, str | None]:
    """(DeepSpeedCPUAdam, None), or (None, why not)."""
    try:
        from deepspeed.ops.adam import DeepSpeedCPUAdam
    except Exception as e:  # noqa: BLE001 - an optional comparison
        return None, f"DeepSpeed is not installed or does not import ({type(e).__name__}: {e})"
    return DeepSpeedCPUAdam, None


def _deepspeed_optimizer(ds_cls, info: OptimizerInfo, params, grads):
    kw = info.torch_kwargs()
    tensors = [torch.from_numpy(p.copy()) for p in params]
    for t, g in zip(tensors, grads):
        t.grad = torch.from_numpy(g)
    opt = ds_cls(tensors, lr=kw["lr"], betas=kw["betas"], eps=kw["eps"], weight_decay=kw.get("weight_decay", 0.0),
                 adamw_mode=info.torch.cls == "AdamW")
    opt.step()
    return opt


def dropin_case(info: OptimizerInfo, size: str, params: list[np.ndarray], grads: list[np.ndarray],
                ds_cls=None, options: dict[str, Any] | None = None) -> Case:
    """The methods on copies of ``params`` (the gradients are shared: every method only reads them),
    with torch's ``options`` added to every method's keywords."""
    total = sum(p.size for p in params)
    case = Case(info.name, "float32", size, total, info.bytes_per_element(4))
    set_threads(THREADS)
    options = options_for(info, options)
    dropin = optforge_torch_optimizer(info, params, grads, copy_grads=False, options=options)
    if dropin is not None:
        case.methods.append(Method("optforge.torch", THREADS, dropin.step))
    for mode in ("fused", "foreach"):
        topt = torch_optimizer(info, params, grads, mode, copy_grads=False, options=options)
        if topt is not None:
            case.methods.append(Method(f"torch {mode}", THREADS, topt.step))
            break
    opt = info.cls([p.copy() for p in params], **options)
    case.methods.append(Method("opt.step(grads)", THREADS, lambda: opt.step(grads)))
    if dropin is not None:
        case.methods.append(Method("torch floor", THREADS, torch_floor(info.cls([p.copy() for p in params], **options),
                                                                       grads, dropin)))
    if ds_cls is not None and info.torch.cls in ("Adam", "AdamW") and not options.get("maximize"):
        dso = _deepspeed_optimizer(ds_cls, info, params, grads)
        case.methods.append(Method("DeepSpeed", THREADS, dso.step))
    return case


def torch_floor(numpy_opt, grads: list[np.ndarray], torch_opt) -> Any:
    """The ``torch floor`` method: ``numpy_opt.step(grads)`` and the per-step work on ``torch_opt``'s
    parameters that no torch front end can skip (it changes no value)."""
    tensors = [p for group in torch_opt.param_groups for p in group["params"]]
    grad, address, bump = operator.attrgetter("grad"), torch.Tensor.data_ptr, torch.autograd.graph.increment_version

    def step():
        numpy_opt.step(grads)
        list(map(address, map(grad, tensors)))
        bump(tensors)
    return step


def options_text(options: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in options.items())


def rows(cases: list[Case]) -> list[dict[str, Any]]:
    out = []
    for case in cases:
        med = {m.label: m.median for m in case.methods if m.times}
        torch_label = "torch fused" if "torch fused" in med else "torch foreach" if "torch foreach" in med else None
        mine = med.get("optforge.torch")

        def ratio(label):
            return mine / med[label] if mine is not None and label in med else None
        out.append(dict(optimizer=case.optimizer, case=case.size, elements=case.elements, medians=med,
                        min_max={m.label: (min(m.times), max(m.times)) for m in case.methods if m.times},
                        torch_ref=torch_label, vs_torch=ratio(torch_label) if torch_label else None,
                        vs_numpy_api=ratio("opt.step(grads)"), vs_deepspeed=ratio("DeepSpeed"),
                        floor=(med["torch floor"] / med["opt.step(grads)"]
                               if "torch floor" in med and "opt.step(grads)" in med else None)))
    return out


def _against(x: float, sign: str, limit: float) -> str:
    """``x`` against its limit, with a third decimal where two would print a miss as the limit itself."""
    digits = 3 if f"{x:.2f}" == f"{limit:.2f}" else 2
    return f"{x:.{digits}f} ({sign} {limit:.2f})"


def verdicts(table: list[dict[str, Any]], unreliable: bool) -> list[tuple[str, str, str]]:
    T = targets

    def v(ok: bool) -> str:
        return "— (unreliable)" if unreliable else ("met" if ok else "NOT met")

    out = []
    for r in table:
        who = f"{OPTIMIZERS.get(r['optimizer'], r['optimizer'])} {r['case']}"
        limit = T.DROPIN_VS_TORCH.get(r["case"])
        if limit is not None and r["vs_torch"] is not None:
            out.append((f"{who}: optforge.torch ÷ {r['torch_ref']}", v(r["vs_torch"] <= limit),
                        _against(r["vs_torch"], "≤", limit)))
        if r["vs_numpy_api"] is not None:
            floor = f"; torch floor {r['floor']:.2f}" if r.get("floor") is not None else ""
            out.append((f"{who}: optforge.torch ÷ opt.step(grads)", v(r["vs_numpy_api"] <= T.DROPIN_VS_NUMPY_API),
                        _against(r["vs_numpy_api"], "≤", T.DROPIN_VS_NUMPY_API) + floor))
        if r["vs_deepspeed"] is not None:
            out.append((f"{who}: optforge.torch ÷ DeepSpeed", v(r["vs_deepspeed"] < T.DROPIN_VS_DEEPSPEED),
                        _against(r["vs_deepspeed"], "<", T.DROPIN_VS_DEEPSPEED)))
    return out


def markdown_table(table: list[dict[str, Any]]) -> str:
    lines = ["| optimizer | case | elements | optforge.torch | torch fused | opt.step(grads) | torch floor | DeepSpeed "
             "| ÷ torch fused | ÷ opt.step(grads) | ÷ DeepSpeed | torch floor ÷ opt.step(grads) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in table:
        med = r["medians"]

        def cell(label):
            return fmt_time(med[label]) if label in med else "—"

        def num(x):
            return f"{x:.2f}" if x is not None else "—"
        torch_cell = cell(r["torch_ref"]) if r["torch_ref"] else "—"
        if r["torch_ref"] == "torch foreach":
            torch_cell += " (foreach: no fused)"
        lines.append(f"| {OPTIMIZERS.get(r['optimizer'], r['optimizer'])} | {r['case']} | {r['elements']:,} | "
                     f"{cell('optforge.torch')} | {torch_cell} | {cell('opt.step(grads)')} | {cell('torch floor')} | "
                     f"{cell('DeepSpeed')} | {num(r['vs_torch'])} | {num(r['vs_numpy_api'])} | "
                     f"{num(r['vs_deepspeed'])} | {num(r.get('floor'))} |")
    return "\n".join(lines)


def run(names: list[str], cases: list[tuple[str, list[tuple[int, ...]]]], rounds: int, batch_s: float,
        wait_quiet_s: float, disturbance: Disturbance, use_deepspeed: bool = True,
        options: dict[str, Any] | None = None) -> tuple[list[Case], list[str]]:
    """Measure every optimizer on every case; returns the cases and notes for the report."""
    from bench.cases import optimizer_info

    notes = []
    error = optforge_torch_error()
    if error:
        notes.append(f"optforge.torch is unavailable, its column is empty: {error}")
    ds_cls = None
    if options:
        notes.append(f"torch.optim options on every method: {options_text(options)} (AdamW keeps its own "
                     "weight_decay); DeepSpeed has no maximize and is left out")
        use_deepspeed = False
    if use_deepspeed and any(optimizer_info(n).torch and optimizer_info(n).torch.cls in ("Adam", "AdamW")
                             for n in names):
        os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))  # DeepSpeed's own OpenMP runtime
        ds_cls, why = deepspeed_adam()
        if why:
            notes.append(why)
    measured = []
    total, start = len(cases) * len(names), time.perf_counter()
    for size, shapes in cases:  # one set of data per case, for every optimizer
        params, grads = data(np.random.default_rng(4), shapes, np.float32)
        for name in names:
            info = optimizer_info(name)
            try:
                case = dropin_case(info, size, params, grads, ds_cls, options)
            except Exception as e:  # noqa: BLE001 - e.g. DeepSpeed's op failing to build: say so, go on
                notes.append(f"{name} {size}: {type(e).__name__}: {e}")
                if ds_cls is None:
                    raise
                ds_cls = None
                case = dropin_case(info, size, params, grads, None, options)
            if wait_quiet_s > 0:
                wait_for_quiet(wait_quiet_s)
            measure(case.methods, rounds, batch_s, max_busy=targets.BUSY_CORES_LIMIT if wait_quiet_s > 0 else None,
                    max_retries=max(2, rounds // 2), disturbance=disturbance)
            for m in case.methods:
                m.step = None  # free the arrays
            gc.collect()
            measured.append(case)
            meds = ", ".join(f"{m.label} {fmt_time(m.median)}" for m in case.methods)
            print(f"  case {len(measured)}/{total} ({time.perf_counter() - start:.0f} s)  {name:10s} {size:18s} "
                  f"{meds}", file=sys.stderr, flush=True)
        del params, grads
        gc.collect()
    order = {n: k for k, n in enumerate(names)}
    measured.sort(key=lambda c: order[c.optimizer])  # the table by optimizer, then case
    return measured, notes


def default_cases(lists: list[str] | None, sizes: list[int] | None) -> list[tuple[str, list[tuple[int, ...]]]]:
    chosen = LIST_CASES if lists is None else lists
    singles = SINGLE_SIZES if sizes is None else sizes
    return [(n, LISTS[n]()) for n in chosen] + [(size_label(n), [(n,)]) for n in singles]
