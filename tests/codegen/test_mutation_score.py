"""The bar the built-in specs keep: every mutant of every authored assignment, default and domain bound
(codegen/mutants.py), classified with the built-ins' references (tests/mutation_references.py).

For every built-in spec the prover alone kills at least 90% of the non-equivalent assignment mutants,
and no mutant of any kind survives every layer.  A property removed, or an assignment added without a
property that pins it, fails here with the survivors listed.  (The full run: about 6 minutes on 2 cores.)
"""

import os
from pathlib import Path

import pytest

from optforge.codegen import mutants
from conftest import MUTATION_REFERENCES  # noqa: E402

REFERENCES = MUTATION_REFERENCES


@pytest.fixture(scope="module")
def outcomes():
    pytest.importorskip("torch")  # the references run torch.optim for the variants without a NumPy one
    refs = mutants.References.load(REFERENCES)
    return mutants.run(mutants._builtin_loader, jobs=min(4, os.cpu_count() or 1), timeout=120, references=refs)


def test_the_prover_kills_at_least_90_percent_of_every_specs_assignment_mutants(outcomes):
    rows = mutants.scores(outcomes)
    assert len(rows) >= 25 and sum(r["mutants"] for r in rows) >= 800
    low = {r["spec"]: r["rate"] for r in rows if r["rate"] is not None and r["rate"] < 0.9}
    assert not low, mutants.report(outcomes, 0)


def test_no_mutant_survives_every_layer(outcomes):
    survivors = [o for o in outcomes if o.status == mutants.SURVIVED]
    assert not survivors, mutants.report(outcomes, 0)
    # defaults and domain bounds were mutated too, and the references caught what the prover cannot see
    values = [o for o in outcomes if isinstance(o.mutant, mutants.HyperMutant)]
    assert len(values) >= 100
    assert sum(o.status == mutants.KILLED_BY_REFERENCES for o in values) >= 80
