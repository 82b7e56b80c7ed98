"""Shared helpers of the test suite, which is grouped by layer:

- ``spec/``: the spec language and the prover (property verdicts, spec validation, text mutations,
  the specs' defaults against torch's and the document's);
- ``codegen/``: lowering, the mutation command, the claims, ``generated/`` being what the specs produce;
- ``runtime/``: the NumPy classes and plain functions, the runtime contract, the stepping engine,
  packaging, and the independent NumPy references;
- ``torch_frontend/``: ``optforge.torch`` against ``torch.optim`` (its options, its test database, DDP);
- ``sheets/``: the LaTeX equation sheets and booklets;
- ``bench/``: the benchmark tool;
- this folder: the commands, the documentation and the README walkthrough, across layers.

The independent references that several layers use live here: ``references.py`` (hand-written NumPy
from the document), ``_reference_helpers.py`` (the harness that runs them against the kernels and
torch.optim) and ``mutation_references.py`` (the mutation command's reference layer).  pytest puts
this folder on ``sys.path`` (it holds this conftest.py), so a test in any layer imports them by name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: this folder, and the checkout's top folder
TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
#: the mutation command's references for the built-in specs
MUTATION_REFERENCES = TESTS / "mutation_references.py"


@pytest.fixture(scope="session")
def root() -> Path:
    """The checkout's top folder."""
    return ROOT
