"""The start-up benchmark's child program: one fresh interpreter's first steps, as JSON on stdout.

    python bench/startup_child.py MODE [WORK_S]

MODE: ``plain`` (import, build, first serial then first parallel step), ``refresh-first`` (Numba's
one-time set-up alone first), ``compile`` (the gradient check's cold compile timed on its own; the
steps then compile their kernels).  WORK_S: seconds of NumPy work between building each optimizer
and its first step (not counted), standing for a program's first forward and backward pass.
OPTFORGE_BENCH_HIDE_SCIPY=1 hides SciPy, as if it were not installed.  Imports only optforge,
NumPy and Numba (this folder is taken off ``sys.path`` first, so its modules shadow nothing)."""

import json
import os
import sys
import time

if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]


class _NoSciPy:
    def find_spec(self, name, path=None, target=None):
        if name == "scipy" or name.startswith("scipy."):
            raise ImportError("hidden by the optforge benchmark")


def first_gradients(seconds: float) -> None:
    """NumPy matrix products for ``seconds`` (they release the GIL, as BLAS, I/O and most of NumPy do)."""
    import numpy as np
    a = np.random.default_rng(1).standard_normal((1000, 1000))
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a = a @ a
        a /= np.abs(a).max()


def main(mode: str, work_s: float) -> dict:
    t0 = time.perf_counter()
    import optforge
    out = {"import_s": time.perf_counter() - t0}
    import numpy as np
    if mode == "refresh-first":
        from numba.core.registry import cpu_target
        t0 = time.perf_counter()
        cpu_target.target_context.refresh()
        out["refresh_s"] = time.perf_counter() - t0
        out["scipy_linalg_imported"] = "scipy.linalg" in sys.modules
    if mode == "compile":
        from numba.core.registry import cpu_target
        cpu_target.target_context.refresh()
        from optforge import _engine
        table = optforge.Adam([np.ones(1000, np.float32)])._tables[0]
        grads = [np.ones(1000, np.float32)]
        t0 = time.perf_counter()
        _engine.gather_gradients(id(grads), True, table.tensors, table.shapes, table.gptr, _engine._NDARRAY,
                                 table.descr)
        out["compile_gather_s"] = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    p = rng.uniform(-1, 1, 1000).astype(np.float32)
    grad = rng.uniform(-1, 1, 1000).astype(np.float32)
    big = rng.uniform(-1, 1, 1 << 17).astype(np.float32)
    gbig = rng.uniform(-1, 1, 1 << 17).astype(np.float32)
    for key, param, g in (("first_step_s", p, grad), ("first_parallel_step_s", big, gbig)):
        t0 = time.perf_counter()
        opt = optforge.Adam([param])
        t_build = time.perf_counter() - t0
        if work_s:
            first_gradients(work_s)
        t0 = time.perf_counter()
        opt.step([g])
        out[key] = t_build + time.perf_counter() - t0
    out["scipy_imported"] = "scipy" in sys.modules
    out["checksum"] = [float(p.astype(np.float64).sum()), float(big.astype(np.float64).sum())]
    out["pid"] = os.getpid()
    return out


if __name__ == "__main__":
    if os.environ.get("OPTFORGE_BENCH_HIDE_SCIPY") == "1":
        sys.meta_path.insert(0, _NoSciPy())
    print(json.dumps(main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)))
