"""The ceiling kernels: the optimizer's memory traffic with trivial arithmetic, and the same with
as many square roots and divisions per element as the optimizer has (its ``DESCRIPTION.ops``).

Where the data sits in cache, these correctly rounded operations, not memory, set the pace of any
exact kernel: that is the ceiling for an optimizer with those operations.  The kernels are built
from source here (the benchmark's own code) and compiled on first use (not cached)."""

from __future__ import annotations

from typing import Any, Callable

import numba
import numpy as np

from bench.measure import Method

_KERNELS: dict[tuple[int, int, int], tuple[Callable, Callable]] = {}


def ceiling_kernels(n_state: int, n_sqrt: int = 0, n_div: int = 0) -> tuple[Callable, Callable]:
    """(serial, parallel): a kernel that reads theta, g and ``n_state`` state arrays and writes theta
    and the states with trivial arithmetic; with ``n_sqrt`` square roots and ``n_div`` divisions per
    element, of the loaded values (so nothing can be hoisted or folded; no fastmath)."""
    key = (n_state, n_sqrt, n_div)
    if key not in _KERNELS:
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
            exec(compile(source, f"<bench ceiling {key}>", "exec"), namespace)
            kernels.append(namespace["kernel"])
        _KERNELS[key] = (kernels[0], kernels[1])
    return _KERNELS[key]


#: The plain ceiling kernels by number of per-element state arrays (0 to 3 in the built-in specs).
CEILING_KERNELS = {n: ceiling_kernels(n) for n in range(4)}


def ceiling_methods(n_state: int, total: int, dtype, threads: list[int], sqrt_div: tuple[int, int] = (0, 0)
                    ) -> list[Method]:
    """The ceiling kernels as methods ("ceiling serial", "ceiling parallel"); and where the optimizer
    has square roots or divisions, the same kernels with as many of them ("sqrt/div ceiling ...")."""
    # Every array holds nonzero data: an array from np.zeros that is only read (the gradient) maps
    # the kernel's one shared zero page and costs no memory traffic, which made this ceiling ~20% too
    # fast from DRAM.  The gradient is positive, so the states stay positive under the square roots.
    rng = np.random.default_rng(3)
    arrays = [np.ones(total, dtype), rng.uniform(0.5e-3, 1e-3, total).astype(dtype)]
    arrays += [np.ones(total, dtype) for _ in range(n_state)]
    c = np.dtype(dtype).type(1e-3)
    methods = []
    kinds = [("ceiling", ceiling_kernels(n_state))]
    if any(sqrt_div):
        kinds.append(("sqrt/div ceiling", ceiling_kernels(n_state, *sqrt_div)))
    for label, (serial, parallel) in kinds:
        methods.append(Method(f"{label} serial", 1, lambda serial=serial: serial(*arrays, c)))
        methods += [Method(f"{label} parallel", t, lambda parallel=parallel: parallel(*arrays, c))
                    for t in threads if t > 1]
    return methods
