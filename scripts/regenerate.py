#!/usr/bin/env python3
"""Prove the properties, then regenerate generated/ (same as the ``optforge-regenerate`` command)."""
import sys

from optforge.codegen.cli import regenerate_main

if __name__ == "__main__":
    sys.exit(regenerate_main())
