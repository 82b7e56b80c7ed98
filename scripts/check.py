#!/usr/bin/env python3
"""Check every declared property of the specs (same as the ``optforge-check`` command)."""
import sys

from optforge.codegen.cli import check_main

if __name__ == "__main__":
    sys.exit(check_main())
