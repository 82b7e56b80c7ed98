#!/usr/bin/env python3
"""The benchmark: optimizer steps against the memory-bandwidth ceiling, torch.optim and NumPy, and
(``--dropin``) optforge.torch against torch's fused step, opt.step and DeepSpeed.  The same as
``python -m bench``; ``--quick`` finishes in under two minutes.  The code is the repository's
``bench/`` package (a tool of the checkout, not installed with optforge)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
