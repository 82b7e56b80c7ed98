#!/usr/bin/env python3
"""The benchmark: optimizer steps against the memory-bandwidth ceiling, torch.optim and NumPy
(same as the ``optforge-bench`` command; ``--quick`` finishes in under two minutes)."""
import sys

from optforge.bench import main

if __name__ == "__main__":
    sys.exit(main())
