"""Plausible mistakes in a spec are caught, by a property or by validation.

Each case copies the spec modules to a temporary package, applies one textual mistake
(as a developer would make it), imports the copy and runs every property on it.
"""

import importlib
import shutil
import sys
from pathlib import Path

import pytest

from optforge.codegen import prover
from optforge.specs.language import SpecError

from conftest import ROOT  # noqa: E402
SPECS_DIR = ROOT / "specs"

MUTATIONS = {
    "bias correction power off by one": ("adam.py", "Assign(bc1, 1 - b1.symbol**T,", "Assign(bc1, 1 - b1.symbol**(T + 1),"),
    "eps moved inside the square root": ("adam.py", "THETA - lr.symbol * mhat / (sp.sqrt(vhat) + eps.symbol)",
                                         "THETA - lr.symbol * mhat / sp.sqrt(vhat + eps.symbol)"),
    "weight decay applied to theta_t": (
        "adamw.py",
        "THETA - lr.symbol * mhat / (sp.sqrt(vhat) + eps.symbol) - lr.symbol * lam.symbol * THETA,",
        "(THETA - lr.symbol * mhat / (sp.sqrt(vhat) + eps.symbol)) * (1 - lr.symbol * lam.symbol),"),
    "NAG gradient taken at theta": ("nag.py", "    gradient_at=lookahead,", "    gradient_at=THETA,"),
    "sign of the Adam step flipped": ("adam.py", "THETA - lr.symbol * mhat", "THETA + lr.symbol * mhat"),
    "b1 where b2 belongs": ("adam.py", "Assign(v, b2.symbol * v", "Assign(v, b1.symbol * v"),
    "Adadelta's update average decays with 1 - rho twice": (
        "adadelta.py", "rho.symbol * Edx2 + (1 - rho.symbol) * dtheta**2", "rho.symbol * Edx2 + (1 - rho.symbol) * dtheta"),
    "Momentum velocity forgets the gradient's learning rate": (
        "momentum.py", "mu.symbol * v + lr.symbol * GRAD,", "mu.symbol * v + GRAD,"),
    # mistakes that no property caught before the properties of the first steps, closed forms and the
    # quadratic were added (the look-ahead's sign is shared by the gradient point, the change of
    # variables and the stored-form property, so all three flip together)
    "NAG's look-ahead sign flipped everywhere": ("nag.py", "lookahead = THETA - mu.symbol * v", "lookahead = THETA + mu.symbol * v"),
    "Adagrad's eps moved inside the root": ("adagrad.py", "Assign(denom, sp.sqrt(Gsum) + eps.symbol,",
                                            "Assign(denom, sp.sqrt(Gsum + eps.symbol),"),
    "Adadelta's rho and 1 - rho swapped": ("adadelta.py", "rho.symbol * Eg2 + (1 - rho.symbol) * GRAD**2",
                                           "(1 - rho.symbol) * Eg2 + rho.symbol * GRAD**2"),
    "AMSGrad without bias correction": ("amsgrad.py", "Assign(vhat, vmax / bc2,", "Assign(vhat, vmax,"),
    "Lion interpolates with b2": ("lion.py", "Assign(c, b1.symbol * m + (1 - b1.symbol) * GRAD,",
                                  "Assign(c, b2.symbol * m + (1 - b2.symbol) * GRAD,"),
    "Adamax without its bias correction": ("adamax.py", "THETA - lr.symbol / (1 - b1.symbol**T) * m / u",
                                           "THETA - lr.symbol * m / u"),
}


def load_mutated(tmp_path: Path, file: str, old: str, new: str, tag: str):
    package = tmp_path / f"mutated_specs_{tag}"
    shutil.copytree(SPECS_DIR, package, ignore=shutil.ignore_patterns("__pycache__", "language.py"))
    for path in package.glob("*.py"):
        # The prover dispatches on the real language's classes: import it, not a copy.
        path.write_text(path.read_text().replace("from .language import", "from optforge.specs.language import"))
    target = package / file
    text = target.read_text()
    assert text.count(old) == 1, f"the mutation no longer applies to {file}: {old!r}"
    target.write_text(text.replace(old, new))
    sys.path.insert(0, str(tmp_path))
    try:
        return importlib.import_module(package.name)
    finally:
        sys.path.remove(str(tmp_path))


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutation_is_caught(tmp_path, name):
    file, old, new = MUTATIONS[name]
    tag = "".join(c if c.isalnum() else "_" for c in name)
    try:
        mutated = load_mutated(tmp_path, file, old, new, tag)
    except SpecError as error:
        caught_by = f"validation: {error}"
    else:
        failures = [v for v in prover.check_all(mutated.PROPERTIES) if not v.ok]
        assert failures, f"no property catches: {name}"
        caught_by = ", ".join(v.prop.name for v in failures)
    print(f"{name}: caught by {caught_by}")


def test_unmutated_copy_passes(tmp_path):
    # The harness itself: a faithful copy gets every declared verdict, so a catch above is the mutation's.
    package = load_mutated(tmp_path, "adam.py", "Assign(bc1, 1 - b1.symbol**T,", "Assign(bc1, 1 - b1.symbol**T,", "same")
    assert all(v.ok for v in prover.check_all(package.PROPERTIES))
