"""Timing: batches of steps, interleaved in shuffled rounds, thread control, and how busy other
processes kept the cores meanwhile.

Each method runs in batches of consecutive steps (after one untimed step, so thread pools are
awake and data is where a training loop would leave it); the batches of all methods of a case are
interleaved in a shuffled order, ``gap_s`` apart so that the other library's OpenMP threads have
stopped spinning, and repeated.  For every round the cores that other processes kept busy are
recorded (from ``/proc/stat`` against this process's own CPU time), so that the report can say
when the figures are unreliable."""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numba
import numpy as np

try:  # torch is optional: without it the torch rows are left out
    import torch
except ImportError:  # pragma: no cover
    torch = None

#: OpenMP worker threads (libgomp's, in torch and in Numba) spin up to ~300,000 pause instructions,
#: several milliseconds, after each parallel region; on 2 cores the next library's workers would
#: wait for them, so batches of different libraries are this far apart.
GAP_S = 0.012


@dataclass
class Method:
    """One way of doing a case's step, and its per-step times (one per round)."""

    label: str  # "optforge", "torch fused", "numpy naive", "ceiling parallel", ...
    threads: int
    step: Callable[[], None] | None
    times: list[float] = field(default_factory=list)
    batch: int = 1

    @property
    def median(self) -> float:
        return float(np.median(self.times))


@dataclass
class Disturbance:
    """Other processes' busy cores in every measured round of a run."""

    rounds: list[float] = field(default_factory=list)
    redone: int = 0

    def disturbed(self, limit: float) -> int:
        return sum(b > limit for b in self.rounds)

    def unreliable(self, limit: float, share: float) -> bool:
        return bool(self.rounds) and self.disturbed(limit) > share * len(self.rounds)

    def summary(self) -> dict[str, float | int]:
        xs = self.rounds or [0.0]
        return {"rounds": len(self.rounds), "median_busy_cores": float(np.median(xs)),
                "max_busy_cores": float(max(xs)), "redone": self.redone}


def set_threads(n: int) -> None:
    numba.set_num_threads(n)
    if torch is not None and torch.get_num_threads() != n:
        torch.set_num_threads(n)


def thread_counts() -> list[int]:
    return sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)})


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


def measure(methods: list[Method], rounds: int, batch_s: float, gap_s: float = GAP_S, seed: int = 0,
            max_busy: float | None = None, max_retries: int = 0,
            disturbance: Disturbance | None = None) -> int:
    """Interleaved, repeated batches (see the module docstring).  With ``max_busy``, a round during
    which other processes kept more than that many cores busy is measured again (at most
    ``max_retries`` times in all).  Each kept round's busy cores go to ``disturbance``.  Returns the
    number of rounds measured again."""
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
        busy = others_busy(before, _cpu_snapshot())
        if max_busy is not None and retries < max_retries and busy > max_busy:
            retries += 1
            wait_for_quiet(2.0, max_busy)
            continue
        for m, t in zip(order, times):
            m.times.append(t)
        if disturbance is not None:
            disturbance.rounds.append(busy)
        done += 1
    if disturbance is not None:
        disturbance.redone += retries
    return retries
