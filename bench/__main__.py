"""``python -m bench ARGS``: the benchmark (see :mod:`bench.cli`)."""

import sys

from bench.cli import main

sys.exit(main())
