"""Start-up: fresh interpreters (``bench/startup_child.py``) importing optforge and taking their
first steps from a warm cache, with and without the preload thread, after NumPy work, with SciPy
hidden; cold compiles; two processes compiling into one empty cache at once; a read-only install;
regeneration time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import optforge
import optforge.generated

#: The child program, a file of its own (run as ``python bench/startup_child.py MODE WORK_S``).
CHILD = Path(__file__).with_name("startup_child.py")

#: Seconds of NumPy work between building an optimizer and its first step, in the start-up rows
#: that stand for a program computing its first gradients.
STARTUP_WORK_S = 0.3


def _child(mode: str, env: dict[str, str] | None = None, work_s: float = 0.0) -> subprocess.Popen:
    """A fresh interpreter running bench/startup_child.py; with ``work_s``, it computes that long with NumPy
    between building each optimizer and its first step (the time not counted).  PYTHONDONTWRITEBYTECODE
    is dropped: an installed package has its .pyc files (pip writes them), and compiling 20 modules'
    source costs ~30 ms."""
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "OPTFORGE_PRELOAD")}
    return subprocess.Popen([sys.executable, str(CHILD), mode, str(work_s)], stdout=subprocess.PIPE,
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
