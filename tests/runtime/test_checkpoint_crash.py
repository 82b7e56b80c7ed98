"""Checkpoints that survive a crash: ``opt.save(path)`` writes a temporary file, flushes it and renames it
over the old one, so a writer killed at any moment leaves a checkpoint that loads and equals one of the
states the writer saved.  The writer is killed (SIGKILL) at random points, 20 times in a row."""

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import optforge

N = 200_000  # big enough that a save takes a few milliseconds: kills land inside writes

WRITER = """
import sys, numpy as np, optforge
path, n = sys.argv[1], int(sys.argv[2])
opt = optforge.Adam([np.zeros(n)], lr=1e-3)
t = 0
while True:
    t += 1
    opt.step([np.full(n, float(t % 7) - 3.0)])
    opt.save(path)
    print(t, flush=True)
"""


def replay(steps: int) -> optforge.Adam:
    opt = optforge.Adam([np.zeros(N)], lr=1e-3)
    for t in range(1, steps + 1):
        opt.step([np.full(N, float(t % 7) - 3.0)])
    return opt


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_a_writer_killed_at_random_points_always_leaves_a_whole_checkpoint(tmp_path):
    path = tmp_path / "ckpt.npz"
    rng = random.Random(12)
    for kill in range(20):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(N)], stdout=subprocess.PIPE, text=True)
        first = proc.stdout.readline()  # one whole save, then a kill at a random moment of the next ones
        assert first.strip(), "the writer did not start"
        time.sleep(rng.uniform(0.0, 0.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        loaded = optforge.Adam([np.zeros(N)], lr=1e-3)
        loaded.load(path)  # never a torn file
        assert loaded.t >= 1
        expected = replay(loaded.t)
        for name in ("m", "v"):
            assert np.array_equal(loaded.state_arrays[name][0], expected.state_arrays[name][0]), (kill, name)
    # A write killed before its rename leaves only its own temporary file, never a torn checkpoint.
    assert all(p == "ckpt.npz" or (p.startswith(".ckpt.npz.") and p.endswith(".tmp")) for p in os.listdir(tmp_path))
