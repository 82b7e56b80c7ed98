"""Reporting: rows out of measured cases, the Markdown tables, and the verdicts against the
thresholds in :mod:`bench.targets`.

A verdict names what it checks in words a reader of the report can see (the optimizer, the size,
the comparison), never an internal numbering.  When other processes kept the cores busy during
too many rounds (:class:`bench.measure.Disturbance`), the timing verdicts are left out ("—") and
the report says the figures are unreliable; functional checks (two processes compiling at once,
the read-only install) keep their verdicts."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

import numba
import numpy as np

from bench import targets
from bench.cases import LISTS, Case
from bench.measure import Disturbance, torch
from bench.startup import STARTUP_WORK_S

UNRELIABLE = "— (unreliable)"


def fmt_time(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    simd = ""
    try:
        text = Path("/proc/cpuinfo").read_text().splitlines()
        model = next((ln.split(":", 1)[1].strip() for ln in text if ln.startswith("model name")), model)
        flags = next((ln for ln in text if ln.startswith("flags")), "")
        simd = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else ""
    except OSError:  # pragma: no cover
        pass
    parts = [f"{model}, {os.cpu_count()} cores" + (f" ({simd})" if simd else ""),
             f"Python {platform.python_version()}", f"NumPy {np.__version__}", f"Numba {numba.__version__}"]
    if torch is not None:
        parts.append(f"torch {torch.__version__}")
    try:
        parts.append(f"Numba threading layer {numba.threading_layer()}")
    except ValueError:
        pass
    return ", ".join(parts)


def reliability(disturbance: Disturbance) -> tuple[bool, str]:
    """(unreliable, a sentence for the report) from other processes' busy cores in every round."""
    s = disturbance.summary()
    bad = disturbance.disturbed(targets.BUSY_CORES_LIMIT)
    unreliable = disturbance.unreliable(targets.BUSY_CORES_LIMIT, targets.DISTURBED_SHARE_LIMIT)
    text = (f"Other processes kept {s['median_busy_cores']:.2f} cores busy in the median round (at most "
            f"{s['max_busy_cores']:.2f}); {bad} of {s['rounds']} rounds had more than {targets.BUSY_CORES_LIMIT} "
            f"cores busy" + (f" ({s['redone']} rounds were measured again)" if s["redone"] else "") + ".")
    if unreliable:
        text += (" **The figures are unreliable: the machine's other processes kept the cores busy, so this "
                 "report gives no met / not met verdicts on timings.**")
    return unreliable, text


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
                     f"{fmt_time(r['median_s'])} | {fmt_time(r['min_s'])}–{fmt_time(r['max_s'])} | {ratio} | "
                     f"{r['gb_s']:.1f} | {pct} | {pct2} |")
    return "\n".join(lines)


def find(table, **kw) -> dict[str, Any] | None:
    return next((r for r in table if all(r.get(k) == v for k, v in kw.items())), None)


def _sqrt_div_note(r: dict[str, Any]) -> str:
    if r.get("pct_sqrt_div") is None or r["pct_sqrt_div"] == r["pct_ceiling"]:
        return ""
    return f"; {r['pct_sqrt_div']:.0f}% of the ceiling with its square roots and divisions"


def _verdict(ok: bool | None, unreliable: bool = False) -> str:
    if ok is None:
        return "—"
    if unreliable:
        return UNRELIABLE
    return "met" if ok else "NOT met"


def verdicts(table: list[dict[str, Any]], start: dict[str, Any] | None, threads: int,
             unreliable: bool = False) -> list[tuple[str, str, str]]:
    """(what is checked, verdict, numbers) for the thresholds of :mod:`bench.targets` that this run
    measured; with ``unreliable``, timing verdicts are "— (unreliable)"."""
    T = targets
    out = []

    def timing(ok: bool | None) -> str:
        return _verdict(ok, unreliable)

    for name in T.ADAM_FAMILY:
        for size, limit, pct in T.ADAM_SINGLE_TENSOR:
            r = find(table, optimizer=name, dtype="float32", size=size, method="optforge", threads=threads)
            if r is None or r["vs_torch"] is None:
                continue
            ok = r["vs_torch"] <= limit and (pct is None or (r["pct_ceiling"] or 0) >= pct)
            extra = f", {r['pct_ceiling']:.0f}% of ceiling (≥ {pct}%){_sqrt_div_note(r)}" if pct else ""
            out.append((f"{name} float32 {size}: against torch" + (" and the ceiling" if pct else ""), timing(ok),
                        f"{r['vs_torch']:.2f}x {r['torch_ref']} (≤ {limit}){extra}"))
    for r in table:
        if (r["method"] != "optforge" or r["threads"] != threads or r["dtype"] != "float32"
                or r["size"] not in ("1e6", "1e7") or r["optimizer"] in T.ADAM_FAMILY):
            continue
        limit = T.OTHERS_VS_TORCH.get(r["optimizer"], T.OTHERS_VS_TORCH_DEFAULT)
        faster = r["vs_torch"] is None or (r["vs_torch"] <= limit if limit < 1 else r["vs_torch"] < limit)
        ok = (r["pct_ceiling"] or 0) >= T.OTHERS_CEILING_PCT and faster
        sign = "≤" if limit < 1 else "<"
        ratio = (f"{r['vs_torch']:.2f}x {r['torch_ref']} ({sign} {limit})" if r["vs_torch"] is not None
                 else "no torch equivalent")
        out.append((f"{r['optimizer']} float32 {r['size']}: the ceiling and torch", timing(ok),
                    f"{r['pct_ceiling']:.0f}% of ceiling (≥ {T.OTHERS_CEILING_PCT}%){_sqrt_div_note(r)}, {ratio}"))
    for r in table:
        if r["method"] == "optforge" and r["threads"] == threads and r["size"] in LISTS:
            flat = find(table, optimizer=r["optimizer"], dtype=r["dtype"], size=r["size"], method="optforge flat",
                        threads=threads)
            vs_flat = r["median_s"] / flat["median_s"] if flat else None
            ok = (r["vs_torch"] is not None and r["vs_torch"] <= T.LIST_VS_TORCH and vs_flat is not None
                  and vs_flat <= T.LIST_VS_FLAT)
            vs_torch = f"{r['vs_torch']:.2f}x {r['torch_ref']}" if r["vs_torch"] is not None else "no torch"
            vs_flat_text = f"{vs_flat:.2f}x" if vs_flat is not None else "—"
            out.append((f"{r['optimizer']} {r['size']}: against torch and one flat buffer", timing(ok),
                        f"{vs_torch} (≤ {T.LIST_VS_TORCH}), {vs_flat_text} one flat buffer (≤ {T.LIST_VS_FLAT:.2f})"))
    for r in table:
        if r["method"] == "optforge" and r["threads"] == threads and r["dtype"] == "float64" and r["size"] in ("1e6", "1e7"):
            out.append((f"{r['optimizer']} float64 {r['size']}: the float64 ceiling",
                        timing((r["pct_ceiling"] or 0) >= T.FLOAT64_CEILING_PCT),
                        f"{r['pct_ceiling']:.0f}% of the float64 ceiling (≥ {T.FLOAT64_CEILING_PCT}%){_sqrt_div_note(r)}"))
    if start:
        out += startup_verdicts(start, unreliable)
    return out


def startup_verdicts(start: dict[str, Any], unreliable: bool = False) -> list[tuple[str, str, str]]:
    T = targets

    def med(key: str) -> float | None:
        xs = [x for x in start.get(key, []) if x is not None]
        return float(np.median(xs)) if xs else None

    def sec(key: str, digits: int = 3) -> str:  # a median, or why there is none
        x = med(key)
        return f"{x:.{digits}f} s" if x is not None else "not measured (see the start-up errors)"

    def timing(ok: bool | None) -> str:
        return _verdict(ok, unreliable)

    out = []
    imp, first = med("import_s"), med("first_step_s")
    out.append(("import optforge", timing(None if imp is None else imp < T.IMPORT_S),
                f"{sec('import_s')} (< {T.IMPORT_S} s)"))
    out.append(("first step, warm cache, beyond import", timing(None if first is None else first < T.FIRST_STEP_S),
                f"{sec('first_step_s')} (< {T.FIRST_STEP_S} s), of which Numba's one-time set-up {sec('refresh_s')}"
                + (" (it imports scipy.linalg to probe BLAS)" if start.get("scipy_linalg_imported_by_numba") else "")))
    after = med("first_step_after_work_s")
    if after is not None:
        out.append((f"first step after {STARTUP_WORK_S:g} s of NumPy work (preload thread)",
                    timing(after < T.FIRST_STEP_S),
                    f"{after:.3f} s (< {T.FIRST_STEP_S} s); without the preload thread "
                    f"{sec('first_step_after_work_no_preload_s')}"))
    hidden = med("first_step_without_scipy_s")
    if hidden is not None and start.get("scipy_installed"):
        out.append(("first step at once, SciPy hidden from Numba's BLAS probe", timing(hidden < T.FIRST_STEP_S),
                    f"{hidden:.3f} s (< {T.FIRST_STEP_S} s): what an environment without SciPy sees"))
    compiles = [med(k) for k in ("compile_gather_s", "compile_multi_serial_s", "compile_multi_parallel_s")]
    out.append(("cold compile per kernel", timing(None if None in compiles else max(compiles) < T.COLD_COMPILE_S),
                f"gather {sec('compile_gather_s', 2)}, serial {sec('compile_multi_serial_s', 2)}, "
                f"parallel {sec('compile_multi_parallel_s', 2)} (< {T.COLD_COMPILE_S} s each)"))
    if "concurrent_ok" in start:
        out.append(("two cold processes at once", _verdict(start.get("concurrent_ok")),
                    f"both succeeded with the right result in {start['concurrent_wall_s']:.2f} s"
                    if start.get("concurrent_ok") else f"failed: {start.get('concurrent_errors')}"))
    if "readonly_ok" in start:
        out.append(("read-only install", _verdict(start.get("readonly_ok")),
                    f"step ran, cache in the user's cache dir ({start['readonly']['numba_cache_files']} index files)"
                    if start.get("readonly_ok") else f"failed: {start['readonly']}"))
    if start.get("regenerate_s") is not None:
        out.append(("regenerate everything (--check)", timing(start["regenerate_s"] < T.REGENERATE_S),
                    f"{start['regenerate_s']:.1f} s (< {T.REGENERATE_S} s)"))
    return out


def verdict_table(items: list[tuple[str, str, str]]) -> str:
    lines = ["| check | verdict | measured |", "|---|---|---|"]
    return "\n".join(lines + [f"| {a} | {b} | {c} |" for a, b, c in items])


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
    if "concurrent_wall_s" in start:
        lines.append(f"| two processes at once, empty cache | {start['concurrent_wall_s']:.3f} s (wall) | "
                     f"{'both ok' if start['concurrent_ok'] else 'FAILED'} |")
    ro = start.get("readonly", {})
    if ro.get("wall_s") is not None:
        lines.append(f"| read-only install ({ro.get('how')}) | {ro['wall_s']:.3f} s (wall) | "
                     f"{'ok' if start['readonly_ok'] else 'FAILED'} |")
    if start.get("regenerate_s") is not None:
        lines.append(f"| regenerate everything (properties, kernels, sheets; --check) | {start['regenerate_s']:.1f} s | |")
    for error in start.get("errors", []):  # a fresh interpreter that failed: its numbers are missing above
        lines.append(f"| FAILED: {error} | | |")
    return "\n".join(lines)
