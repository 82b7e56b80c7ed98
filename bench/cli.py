"""The benchmark's arguments: ``python scripts/bench.py ARGS`` or ``python -m bench ARGS``.

    python scripts/bench.py --quick                 # under two minutes
    python scripts/bench.py --out bench-results     # everything: bench.md, bench.json, bench.png
    python scripts/bench.py --dropin --quick        # optforge.torch vs torch fused, opt.step, DeepSpeed
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

import optforge
from bench import cases as C
from bench import dropin, report, targets
from bench.measure import Disturbance, GAP_S, measure, thread_counts, torch, wait_for_quiet
from bench.plot import plot
from bench.startup import startup
from optforge import _engine


DESCRIPTION = ("Measure optforge's optimizer steps against torch.optim, NumPy and the memory-bandwidth ceiling "
               "(--dropin: optforge.torch against torch's fused step, opt.step(grads), its torch floor and DeepSpeed).")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python scripts/bench.py", description=DESCRIPTION)
    p.add_argument("--quick", action="store_true", help="fewer sizes and repeats: under two minutes")
    p.add_argument("--dropin", action="store_true",
                   help="only the torch-engine comparison: optforge.torch vs torch fused vs opt.step(grads) vs "
                        "DeepSpeed's CPU Adam, float32, 2 threads (writes dropin.md and dropin.json)")
    p.add_argument("--no-deepspeed", action="store_true", help="--dropin without DeepSpeed")
    p.add_argument("--torch-options", action="store_true",
                   help="--dropin with L2 weight_decay and maximize=True on every method (torch's gradient "
                        "options; DeepSpeed, which has no maximize, is left out)")
    p.add_argument("--optimizers", nargs="+", metavar="NAME", help="spec names (default: all; with --dropin: "
                   + " ".join(dropin.OPTIMIZERS) + ")")
    p.add_argument("--sizes", nargs="*", type=float, metavar="N",
                   help="float32 element counts, e.g. 1e3 1e6 (none: no single-tensor cases, float64 ones only if "
                        "--float64-sizes names them)")
    p.add_argument("--float64-sizes", nargs="*", type=float, metavar="N", help="float64 sizes (default 1e6 1e7)")
    p.add_argument("--lists", nargs="*", metavar="NAME", choices=list(C.LISTS), help="parameter lists to run")
    p.add_argument("--list-optimizers", nargs="*", metavar="NAME",
                   help="optimizers for the lists (default adam adamw)")
    p.add_argument("--repeats", type=int, help="interleaved rounds per case")
    p.add_argument("--batch-ms", type=float, help="target length of one timed batch")
    p.add_argument("--no-numpy", action="store_true", help="leave out the NumPy baselines")
    p.add_argument("--no-torch", action="store_true", help="leave out torch.optim")
    p.add_argument("--no-startup", action="store_true", help="leave out the start-up measurements")
    p.add_argument("--startup-repeats", type=int, help="fresh interpreters per start-up number")
    p.add_argument("--wait-quiet", type=float, default=None, metavar="S",
                   help="before each case, wait up to S seconds for other processes to leave the cores idle, "
                        "and measure again a round they disturbed (default: 0 with --quick, 10 otherwise)")
    p.add_argument("--out", type=Path, default=Path("bench-results"), help="folder for the report files")
    return p


def _load() -> tuple[float, float] | None:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def main(argv: list[str] | None = None) -> int:
    """Measure optforge's optimizer steps against torch.optim, NumPy and the memory-bandwidth ceiling."""
    ap = parser()
    args = ap.parse_args(argv)
    if args.wait_quiet is None:
        args.wait_quiet = 0.0 if args.quick else 10.0
    names = args.optimizers or (list(dropin.OPTIMIZERS) if args.dropin else list(optforge.OPTIMIZERS))
    unknown = [n for n in names if n not in optforge.OPTIMIZERS]
    if unknown:
        ap.error(f"unknown optimizer(s) {unknown}; known: {sorted(optforge.OPTIMIZERS)}")
    if args.torch_options and not args.dropin:
        ap.error("--torch-options is an option of --dropin")
    if args.dropin:  # 24 cases of 4 or 5 methods, up to 25.6e6 elements: --quick takes fewer rounds
        rounds = args.repeats or (3 if args.quick else 11)
        batch_s = (args.batch_ms or (1.0 if args.quick else 3.0)) / 1e3
        return run_dropin(args, names, rounds, batch_s)
    rounds = args.repeats or (5 if args.quick else 11)
    batch_s = (args.batch_ms or (1.5 if args.quick else 3.0)) / 1e3
    return run_main(args, names, rounds, batch_s)


def _header(title: str, load_before, load_after, disturbance: Disturbance, wait_quiet: float) -> tuple[bool, list[str]]:
    unreliable, sentence = report.reliability(disturbance)
    text = [f"# {title}", "", f"Machine: {report.machine()}.",
            f"Load average before/after: {load_before:.2f} / {load_after:.2f}." if load_before is not None else "",
            (f"Each case waited up to {wait_quiet:.0f} s for the other processes on this shared machine to leave "
             f"the cores idle, and a round during which they kept more than {targets.BUSY_CORES_LIMIT} cores busy "
             "was measured again." if wait_quiet > 0 else ""),
            sentence, ""]
    return unreliable, text


def _write(out: Path, stem: str, report_text: str, data: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.md").write_text(report_text, encoding="utf-8")
    (out / f"{stem}.json").write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")


def run_dropin(args, names: list[str], rounds: int, batch_s: float) -> int:
    if torch is None:
        print("error: --dropin needs torch (pip install -e '.[bench]')", file=sys.stderr)
        return 2
    start_time = time.perf_counter()
    title = (f"optforge benchmark --dropin{' --quick' if args.quick else ''}"
             f"{' --torch-options' if args.torch_options else ''}")
    print(f"# {title}\n\nMachine: {report.machine()}.", flush=True)
    load_before = _load()
    cases = dropin.default_cases(args.lists, None if args.sizes is None else [int(s) for s in args.sizes])
    disturbance = Disturbance()
    measured, notes = dropin.run(names, cases, rounds, batch_s, args.wait_quiet, disturbance,
                                 use_deepspeed=not args.no_deepspeed,
                                 options=dropin.TORCH_OPTIONS if args.torch_options else None)
    table = dropin.rows(measured)
    unreliable, text = _header(title, load_before, _load(), disturbance, args.wait_quiet)
    verdicts = dropin.verdicts(table, unreliable)
    text += [f"float32, {dropin.THREADS} threads, `step()` only; medians of {rounds} interleaved rounds, batches of "
             f"about {batch_s * 1e3:.1f} ms. Ratios: optforge.torch's median over the other method's; "
             "the last, torch floor's over opt.step(grads)'s, bounds optforge.torch ÷ opt.step(grads) from below.",
             "",
             dropin.markdown_table(table), ""]
    text += [f"Note: {n}" for n in notes] + ([""] if notes else [])
    if verdicts:
        text += ["## Verdicts", "", report.verdict_table(verdicts), ""]
    text.append(f"Total benchmark time: {time.perf_counter() - start_time:.0f} s.")
    report_text = "\n".join(text) + "\n"
    print("\n".join(text[3:]))
    stem = "dropin-torch-options" if args.torch_options else "dropin"
    _write(args.out, stem, report_text, {"machine": report.machine(), "rows": table, "verdicts": verdicts,
                                             "unreliable": unreliable, "disturbance": disturbance.summary(),
                                             "notes": notes})
    print(f"wrote {args.out / (stem + '.md')}, {args.out / (stem + '.json')}", file=sys.stderr)
    return 0


def run_main(args, names: list[str], rounds: int, batch_s: float) -> int:
    quick = args.quick
    sizes = ([int(s) for s in args.sizes] if args.sizes is not None
             else ([10**3, 10**6] if quick else list(C.SIZES.values())))
    f64_sizes = ([int(s) for s in args.float64_sizes] if args.float64_sizes is not None
                 else [] if args.sizes == [] else ([10**6] if quick else [10**6, 10**7]))
    lists = args.lists if args.lists is not None else C.DEFAULT_LISTS
    if args.list_optimizers is not None:
        list_optimizers = args.list_optimizers
    elif args.optimizers:  # --optimizers sgd: the lists too run only what was named
        list_optimizers = list(names)
    else:
        list_optimizers = ["adam"] if quick else ["adam", "adamw"]
    threads = thread_counts()
    main_threads = threads[-1]
    torch_modes = () if (args.no_torch or torch is None) else ("single", "foreach", "fused")
    if quick and torch_modes:
        torch_modes = ("foreach", "fused")
    why_no_numpy = None if args.no_numpy else C.numpy_baselines_available()
    numpy_baselines = not args.no_numpy and why_no_numpy is None

    crossover_sizes = ((1 << 12, 1 << 13, 1 << 14, 1 << 15, 1 << 16, 1 << 17, 1 << 18)
                       if not quick and main_threads > 1 and args.sizes != [] and "adam" in names else ())
    total = len(names) * (len(sizes) + len(f64_sizes)) + len(list_optimizers) * len(lists) + len(crossover_sizes)
    start_time = time.perf_counter()
    title = f"optforge benchmark{' --quick' if quick else ''}"
    load_before = _load()
    print(f"# {title}\n\nMachine: {report.machine()}.", flush=True)
    print(f"{total} cases{', then the start-up measurements' if not args.no_startup else ''}"
          + ("; --quick finishes in under two minutes" if quick else "; this takes a while (--quick: under two "
             "minutes)"), file=sys.stderr, flush=True)
    measured: list[C.Case] = []
    disturbance = Disturbance()
    done = [0]

    def progress(text: str) -> None:
        done[0] += 1
        print(f"  case {done[0]}/{total} ({time.perf_counter() - start_time:.0f} s)  {text}", file=sys.stderr,
              flush=True)

    def run(case: C.Case) -> None:
        if args.wait_quiet > 0:
            wait_for_quiet(args.wait_quiet)
        measure(case.methods, rounds, batch_s, GAP_S, max_busy=targets.BUSY_CORES_LIMIT if args.wait_quiet > 0 else None,
                max_retries=max(2, rounds // 2), disturbance=disturbance)
        measured.append(case)
        best = case.get("optforge", main_threads)
        ref = case.torch_best(main_threads)
        progress(f"{case.optimizer:20s} {case.dtype:8s} {case.size:18s} optforge {report.fmt_time(best.median):>10s}"
                 + (f"  {ref.label} {report.fmt_time(ref.median):>10s}" if ref else ""))
        for m in case.methods:
            m.step = None  # free the arrays
        gc.collect()

    for name in names:
        info = C.optimizer_info(name)
        for n in sizes:
            run(C.single_tensor_case(info, np.float32, n, C.size_label(n), threads, numpy_baselines, torch_modes))
        for n in f64_sizes:
            run(C.single_tensor_case(info, np.float64, n, C.size_label(n), threads, False, torch_modes))
    for name in list_optimizers:
        for list_name in lists:
            run(C.list_case(C.optimizer_info(name), np.float32, list_name, C.LISTS[list_name](), threads, torch_modes))
    crossover: list[C.Case] = []
    if crossover_sizes:
        for n in crossover_sizes:
            case = C.crossover_case(C.optimizer_info("adam"), n, main_threads)
            if args.wait_quiet > 0:
                wait_for_quiet(args.wait_quiet)
            measure(case.methods, rounds, batch_s, GAP_S,
                    max_busy=targets.BUSY_CORES_LIMIT if args.wait_quiet > 0 else None,
                    max_retries=max(2, rounds // 2), disturbance=disturbance)
            crossover.append(case)
            progress(f"adam serial or parallel kernel, {n} elements")
    table = report.rows(measured)
    start = None
    if not args.no_startup:
        print("  start-up ...", file=sys.stderr, flush=True)
        start = startup(args.startup_repeats or (3 if quick else 5), regenerate=not quick)

    unreliable, text = _header(title, load_before, _load(), disturbance, args.wait_quiet)
    text += [f"{rounds} interleaved rounds per case, batches of about {batch_s * 1e3:.1f} ms; "
             f"ratios against torch's fastest path with the same threads (fused, else foreach); "
             f"the ceiling is the faster of the serial and parallel ceiling kernels with as many threads; the "
             f"sqrt/div ceiling, the same kernels with the optimizer's square roots and divisions per element "
             f"(bytes and operations per element: each generated module's DESCRIPTION).", "",
             report.markdown_table(table), ""]
    if why_no_numpy:
        text += [f"No NumPy baselines: {why_no_numpy}.", ""]
    verdicts = report.verdicts(table, start, main_threads, unreliable)
    if crossover:
        text += ["## Serial or parallel kernel (Adam, float32)", "",
                 f"PARALLEL_MIN_SIZE = {_engine.PARALLEL_MIN_SIZE}: dtype groups with at least this many elements "
                 "use the parallel kernel.", "", "| elements | serial kernel | parallel kernel | parallel ÷ serial |",
                 "|---:|---:|---:|---:|"]
        for case in crossover:
            a, b = case.methods
            text.append(f"| {case.elements} | {report.fmt_time(a.median)} | {report.fmt_time(b.median)} | "
                        f"{b.median / a.median:.2f} |")
        text.append("")
    if start:
        text += ["## Start-up", "", report.startup_table(start), ""]
    if verdicts:
        text += ["## Verdicts", "", report.verdict_table(verdicts), ""]
    text.append(f"Total benchmark time: {time.perf_counter() - start_time:.0f} s.")
    report_text = "\n".join(text) + "\n"
    print("\n".join(text[3:]))
    _write(args.out, "bench", report_text, {"machine": report.machine(), "rows": table, "startup": start,
                                            "crossover": report.rows(crossover), "verdicts": verdicts,
                                            "unreliable": unreliable, "disturbance": disturbance.summary()})
    why_not = plot(table, args.out / "bench.png", main_threads)
    if why_not is None:
        print(f"wrote {args.out / 'bench.md'}, {args.out / 'bench.json'}, {args.out / 'bench.png'}", file=sys.stderr)
    else:
        print(f"wrote {args.out / 'bench.md'}, {args.out / 'bench.json'} (no PNG: {why_not})", file=sys.stderr)
    return 0
