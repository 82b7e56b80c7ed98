"""``python -m optforge <command> ...``: the same as the ``optforge`` command."""
import sys

from optforge.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m optforge"))
