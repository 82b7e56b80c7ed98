#!/usr/bin/env python3
"""Build the equation sheets' PDFs with latexmk (same as the ``optforge-sheets`` command)."""
import sys

from optforge.codegen.cli import sheets_main

if __name__ == "__main__":
    sys.exit(sheets_main())
