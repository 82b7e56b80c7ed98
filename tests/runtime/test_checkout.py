"""A source checkout that is not installed explains itself instead of failing with a circular import."""

import subprocess
import sys
from pathlib import Path

from conftest import ROOT  # noqa: E402


def test_importing_an_uninstalled_checkout_says_what_to_run():
    # -S: no site-packages, so nothing installed (no editable install of this checkout) is visible.
    result = subprocess.run([sys.executable, "-S", "-c", "import optforge"], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: optforge is being imported from a source checkout that is not installed")
    assert "pip install -e '.[codegen]'" in last and "circular" not in result.stderr
