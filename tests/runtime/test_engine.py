"""The stepping engine (optforge._engine) behind the generated classes.  No test here asserts a time.

* the multi-tensor step (one compiled call per dtype table, gradients gathered in compiled code)
  gives exactly what the per-tensor kernels give, for every optimizer, and keeps the Python path's
  behaviour for everything the compiled check turns away;
* tables: serial below PARALLEL_MIN_SIZE, equal parallel slices above it; state in one aligned
  buffer per dtype, its addresses in the table's state columns;
* start-up: a fresh process loads the kernels from the cache, the preload thread loads them before
  the first step (and never breaks building an optimizer), a fork during a preload leaves a child
  that can step; copies and pickles own their addresses.
"""

import json
import os
import subprocess
import sys

import numba
import numpy as np
import pytest

import optforge
from optforge import _engine
from optforge.runtime import STATE_COLUMN

ALL = list(optforge.OPTIMIZERS)


def test_fresh_process_with_a_warm_cache_loads_the_kernels_from_it(tmp_path):
    code = ("import json, numpy as np, optforge\n"
            "from optforge import _engine\n"
            "from optforge.generated import adam\n"
            "p = np.ones(1000, np.float32); q = np.ones(1 << 16, np.float32)\n"
            "optforge.Adam([p], lr=0.1).step([np.ones(1000, np.float32)])\n"
            "optforge.Adam([q], lr=0.1).step([np.ones(1 << 16, np.float32)])\n"
            "stats = {k.__name__: [k.stats.cache_hits.total(), k.stats.cache_misses.total()] for k in\n"
            "         (adam.adam_multi_serial, adam.adam_multi_parallel, _engine.gather_gradients)}\n"
            "print(json.dumps({'stats': stats, 'p': float(p[0]), 'q': float(q[0])}))\n")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    runs = [json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                      check=True).stdout) for _ in range(2)]
    first, second = runs
    assert all(hits == 0 and misses == 1 for hits, misses in first["stats"].values()), first
    assert all(hits == 1 and misses == 0 for hits, misses in second["stats"].values()), second
    expected = 1.0 - 0.1 * 1.0 / (1.0 + 1e-8)  # the first Adam step is -lr * g / (|g| + eps)
    for run in runs:
        assert run["p"] == pytest.approx(expected, rel=1e-6) and run["q"] == pytest.approx(expected, rel=1e-6)


_PRELOAD_CHILD = """
import json, numpy as np, optforge
from optforge import _engine
from optforge.generated import adam
p = np.ones(1000, np.float32); q = np.ones(1 << 16, np.float32)
a = optforge.Adam([p], lr=0.1); b = optforge.Adam([q], lr=0.1)
threads = set(_engine.PRELOADS.values())
for t in threads:
    t.join(120)
kernels = (adam.adam_multi_serial, adam.adam_multi_parallel, _engine.gather_gradients)
before = [len(k.overloads) for k in kernels]
a.step([np.ones(1000, np.float32)]); b.step([np.ones(1 << 16, np.float32)])
after = [len(k.overloads) for k in kernels]
hits = [k.stats.cache_hits.total() for k in kernels]
print(json.dumps({'threads': len(threads), 'names': sorted(t.name for t in threads), 'before': before,
                  'after': after, 'hits': hits, 'p': float(p[0]), 'q': float(q[0])}))
"""


@pytest.mark.parametrize("preload", ["1", "0"])
def test_building_an_optimizer_loads_its_first_kernels_in_the_background(tmp_path, preload):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "OPTFORGE_PRELOAD": "0"}
    subprocess.run([sys.executable, "-c", _PRELOAD_CHILD], env=env, check=True, capture_output=True)  # fills the cache
    env["OPTFORGE_PRELOAD"] = preload
    run = json.loads(subprocess.run([sys.executable, "-c", _PRELOAD_CHILD], capture_output=True, text=True,
                                    env=env, check=True).stdout)
    if preload == "1":
        # one thread per optimizer (the second needs the parallel kernel, which the first did not load)
        assert run["threads"] == 2 and run["names"] == ["optforge-preload"] * 2
        assert run["before"] == [1, 1, 1], "the kernels were not loaded before the first step"
        assert run["hits"] == [1, 1, 1], "the preload compiled instead of loading from the warm cache"
    else:
        assert run["threads"] == 0 and run["before"] == [0, 0, 0]
    assert run["after"] == [1, 1, 1], "the step compiled a second specialisation"
    expected = 1.0 - 0.1 * 1.0 / (1.0 + 1e-8)  # the first Adam step is -lr * g / (|g| + eps)
    assert run["p"] == pytest.approx(expected, rel=1e-6) and run["q"] == pytest.approx(expected, rel=1e-6)


def test_a_failing_preload_job_is_skipped_quietly_and_the_others_still_load():
    class Broken:
        overloads: dict = {}

        def compile(self, signature):
            raise RuntimeError("no compiler today")

    class Recorder:
        def __init__(self):
            self.overloads, self.signatures = {}, []

        def compile(self, signature):
            self.signatures.append(signature)

    after = Recorder()
    _engine._load_kernels([(Broken(), (np.zeros(3, np.float32),)), (Recorder(), (object(),)),
                            (after, (np.zeros(3, np.float32), 1.5))])
    assert after.signatures == [(numba.typeof(np.zeros(3, np.float32)), numba.float64)]


def test_building_an_optimizer_never_fails_because_of_the_preload():
    class Stub:  # what preload reads off an optimizer, with a per-step scalar function that raises
        _hyper_values, _scalar_state, _tables = (), (), []

        @staticmethod
        def _scalars(*args):
            raise ZeroDivisionError("bad hyperparameters reach the step, not the constructor")

    assert _engine.preload(Stub()) is None


_FORK_CHILD = """
import os, signal, numpy as np, optforge
p = np.ones(1000, np.float32)
opt = optforge.Adam([p], lr=0.1)  # the preload thread starts compiling (the cache is empty)
pid = os.fork()
if pid == 0:
    signal.alarm(60)  # a child that inherited Numba's compiler lock held would hang here
    opt.step([np.ones(1000, np.float32)])
    os._exit(0 if abs(p[0] - (1 - 0.1 / (1 + 1e-8))) < 1e-6 else 3)
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_fork_while_the_preload_compiles_leaves_a_child_that_can_step(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "OPTFORGE_PRELOAD": "1"}
    out = subprocess.run([sys.executable, "-c", _FORK_CHILD], capture_output=True, text=True, env=env,
                         timeout=300, check=True).stdout
    assert out.strip() == "0", out  # -14 (SIGALRM): the child hung on the compiler lock


# ------------------------------------------------------------- the multi-tensor runtime
SHAPES = [(3, 4), (), (0,), (7,), (2, 3, 5), (40000,), (1,), (17, 3)]


def _per_tensor_reference(cls, params, grads_per_step, **kw):
    """The optimizer as separate one-tensor optimizers using the bare per-tensor kernels."""
    ref = [p.copy() for p in params]
    opts = [cls([p], **kw) for p in ref]
    for grads in grads_per_step:
        for o, p, g in zip(opts, ref, grads):
            kernel_args, o._scalar_state = o._scalars(o.t + 1, *o._hyper_values, *o._scalar_state)
            flat = [p.reshape(-1), g.reshape(-1), *[o.state_arrays[s.name][0].reshape(-1) for s in o._element_state]]
            _engine.dispatch(o._serial, o._parallel, p.size)(*flat, *kernel_args)
            o.t += 1
    return ref, opts


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_multi_tensor_step_equals_the_per_tensor_kernels(name, dtype):
    cls = optforge.OPTIMIZERS[name]
    rng = np.random.default_rng(11)
    params = [rng.uniform(-1, 1, s).astype(dtype) for s in SHAPES]
    steps = [[rng.uniform(-1, 1, s).astype(dtype) for s in SHAPES] for _ in range(3)]
    mine = [p.copy() for p in params]
    opt = cls(mine)
    assert opt._tables[0].parallel  # 40,000 elements in all: the prange kernel
    for grads in steps:
        opt.step(grads)
    ref, ref_opts = _per_tensor_reference(cls, params, steps)
    for a, b in zip(mine, ref):
        assert a.shape == b.shape and np.array_equal(a, b)
    for s in opt._element_state:
        for i, o in enumerate(ref_opts):
            assert np.array_equal(opt.state_arrays[s.name][i], o.state_arrays[s.name][0])


def test_small_tables_use_the_serial_kernel_and_big_ones_split_evenly():
    small = optforge.Adam([np.zeros(10, np.float32), np.zeros((3, 3), np.float32)])
    assert not small._tables[0].parallel and len(small._tables[0].slices) == 2
    big = optforge.Adam([np.zeros(3_000_000, np.float32), np.zeros(5, np.float32)])
    slices = big._tables[0].slices
    assert big._tables[0].parallel and len(slices) - 1 == _engine._MAX_SLICES
    widths = np.diff(slices[:, 0])
    assert widths.max() - widths.min() <= 1


def test_state_is_one_aligned_buffer_per_dtype_with_views():
    params = [np.zeros((3, 5), np.float32), np.zeros(7, np.float64), np.zeros(2, np.float32)]
    opt = optforge.Adam(params)
    assert len(opt._tables) == 2
    for s in ("m", "v"):
        views = opt.state_arrays[s]
        assert [v.shape for v in views] == [p.shape for p in params]
        assert [v.dtype for v in views] == [p.dtype for p in params]
        for v in views:
            assert v.base is not None and v.ctypes.data % 64 == 0  # each tensor's state starts a cache line
    for buffers in opt._buffers:
        assert all(state.ctypes.data % 64 == 0 for state in buffers.buffers)
    for table in opt._tables:  # the kernels reach the state through the table's state columns
        for k, i in enumerate(table.index):
            assert list(table.tensors[k, STATE_COLUMN:]) == [opt.state_arrays[s][i].ctypes.data for s in ("m", "v")]


def test_mixed_dtypes_step_each_table():
    rng = np.random.default_rng(2)
    params = [rng.standard_normal(5).astype(np.float32), rng.standard_normal((2, 2)), rng.standard_normal(3).astype(np.float32)]
    grads = [rng.standard_normal(p.shape).astype(p.dtype) for p in params]
    mine = [p.copy() for p in params]
    optforge.Adam(mine, lr=0.1).step(grads)
    ref, _ = _per_tensor_reference(optforge.Adam, params, [grads], lr=0.1)
    for a, b in zip(mine, ref):
        assert np.array_equal(a, b)


def test_a_bad_gradient_in_a_mixed_table_touches_nothing():
    params = [np.ones(4, np.float32), np.ones(3)]
    opt = optforge.Adam(params)
    with pytest.raises(ValueError, match=r"grads\[1\] has shape \(4,\), params\[1\] has shape \(3,\)"):
        opt.step([np.ones(4, np.float32), np.ones(4)])
    assert np.all(params[0] == 1) and not opt.state_arrays["m"][0].any() and opt.t == 0


class _Sub(np.ndarray):
    pass


class _List(list):
    pass


@pytest.mark.parametrize("kind", ["tuple", "list subclass", "ndarray subclass", "strided", "fortran",
                                  "byte-swapped", "python path"])
def test_gradients_the_compiled_check_turns_away_take_the_python_path(kind, monkeypatch):
    rng = np.random.default_rng(5)
    shapes = [(6, 4), (9,)]
    params = [rng.standard_normal(s) for s in shapes]
    grads = [rng.standard_normal(s) for s in shapes]
    expected, _ = _per_tensor_reference(optforge.Adam, params, [grads], lr=0.1)
    given: object = list(grads)
    if kind == "tuple":
        given = tuple(grads)
    elif kind == "list subclass":
        given = _List(grads)
    elif kind == "ndarray subclass":
        given = [grads[0].view(_Sub), grads[1]]
    elif kind == "strided":
        wide = np.zeros((6, 8))
        wide[:, ::2] = grads[0]
        given = [wide[:, ::2], grads[1]]
    elif kind == "fortran":
        given = [np.asfortranarray(grads[0]), grads[1]]
    elif kind == "byte-swapped":
        given = [grads[0], grads[1].astype(grads[1].dtype.newbyteorder())]
    elif kind == "python path":
        monkeypatch.setattr(_engine, "FAST_GRADIENTS", False)
    mine = [p.copy() for p in params]
    opt = optforge.Adam(mine, lr=0.1)
    if kind == "byte-swapped":  # a different dtype: refused as before, nothing touched
        with pytest.raises(TypeError, match=r"grads\[1\] has dtype >f8, params\[1\] has dtype float64"):
            opt.step(given)
        assert all(np.array_equal(a, b) for a, b in zip(mine, params))
        return
    opt.step(given)
    for a, b in zip(mine, expected):
        assert np.array_equal(a, b)


def test_gather_reports_the_first_gradient_it_turns_away():
    params = [np.zeros(3, np.float32), np.zeros((2, 2), np.float32), np.zeros(5, np.float32)]
    table = optforge.SGD(params)._tables[0]

    def gather(grads):
        return _engine.gather_gradients(id(grads), type(grads) is list, table.tensors, table.shapes, table.gptr,
                                         _engine._NDARRAY, table.descr)

    good = [np.ones(3, np.float32), np.ones((2, 2), np.float32), np.ones(5, np.float32)]
    assert gather(good) == 0 and gather(tuple(good)) == 0
    assert list(table.gptr) == [g.ctypes.data for g in good]
    assert gather([good[0], np.ones((4,), np.float32), good[2]]) == 2  # ndim
    assert gather([good[0], np.ones((2, 3), np.float32), good[2]]) == 2  # shape
    assert gather([good[0], good[1], np.ones(5)]) == 3  # dtype
    assert gather([good[0], np.ones((2, 2), np.float32).T, good[2]]) == 2  # Fortran order
    assert gather([good[0], [[1.0, 1.0], [1.0, 1.0]], good[2]]) == 2  # not an array
    assert gather([good[0], good[1], good[2].view(_Sub)]) == 3  # a subclass


def test_copies_and_pickles_own_their_addresses():
    import copy
    import pickle

    rng = np.random.default_rng(9)
    params = [rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal(5).astype(np.float32)]
    grads = [rng.standard_normal(p.shape).astype(np.float32) for p in params]
    opt = optforge.Adam(params, lr=0.1)
    opt.step(grads)
    before = [p.copy() for p in params]
    for twin in (copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))):
        assert twin.t == 1 and np.array_equal(twin.state_arrays["m"][0], opt.state_arrays["m"][0])
        twin.step(grads)
        assert all(np.array_equal(a, b) for a, b in zip(params, before))  # the original is untouched
        opt_again = copy.deepcopy(opt)
        opt_again.step(grads)
        assert all(np.array_equal(a, b) for a, b in zip(twin.params, opt_again.params))
