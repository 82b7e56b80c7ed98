"""The benchmark: a tool of the optforge source repository, not part of the installed package.

Run it as ``python scripts/bench.py ARGS`` or ``python -m bench ARGS`` from the checkout (with
``pip install -e '.[bench]'``).  What each module does:

* :mod:`bench.cases`: what is measured (optimizers, sizes, parameter-shape lists, the methods of a
  case: optforge, torch.optim, optforge.torch, the NumPy baselines);
* :mod:`bench.measure`: timing (batches, interleaved shuffled rounds, threads, busy-core detection);
* :mod:`bench.ceilings`: the ceiling kernels (memory traffic, and square roots and divisions);
* :mod:`bench.dropin`: ``--dropin``, optforge.torch against torch's fused step, opt.step, the torch floor and DeepSpeed;
* :mod:`bench.startup` and :mod:`bench.startup_child`: start-up in fresh interpreters;
* :mod:`bench.targets`: the project's thresholds; :mod:`bench.report`: tables and verdicts;
* :mod:`bench.plot`: the PNG; :mod:`bench.cli`: the arguments.

Everything about an optimizer comes from its generated module's ``DESCRIPTION``
(:class:`optforge.runtime.KernelDescription`); the NumPy baselines are printed by the code
generator from the lowered kernel.  Nothing here reads generated source text.
"""
