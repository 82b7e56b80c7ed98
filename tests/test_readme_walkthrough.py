"""The README's "Write your own optimizer" section, run exactly as written, from a temporary directory."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def blocks() -> dict[str, tuple[str, str]]:
    """The code blocks after each ``<!-- walkthrough:KIND ARG -->`` marker: {kind: (arg, code)}."""
    found = {}
    pattern = re.compile(r"<!-- walkthrough:(\w+) ?([^ ]*) -->\n```\w*\n(.*?)```", re.S)
    for kind, arg, code in pattern.findall(README.read_text()):
        found[kind] = (arg, code)
    return found


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory):
    work = tmp_path_factory.mktemp("walkthrough")
    b = blocks()
    assert set(b) == {"spec", "command", "kernel", "use"}, "the README's walkthrough markers changed"
    name, code = b["spec"]
    (work / name).write_text(code)
    command = b["command"][1].strip()
    if "--pdf" in command and shutil.which("latexmk") is None:
        pytest.fail("the walkthrough compiles the sheet: install TeX (see .ci/run)")
    result = subprocess.run(command, shell=True, cwd=work, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return work, b, result.stdout


def test_command_proves_and_writes(walkthrough):
    work, _, out = walkthrough
    assert "ok   adabelief_scale_invariant" in out and "2/2 properties got their declared verdict" in out
    for f in ("adabelief.py", "adabelief.tex", "adabelief.pdf"):
        assert (work / "build" / f).is_file(), f
    header = (work / "build" / "adabelief.py").read_text().splitlines()[0]
    assert "spec 'adabelief' (my_adabelief.py)" in header


def test_kernel_excerpt_is_what_was_generated(walkthrough):
    work, b, _ = walkthrough
    path, excerpt = b["kernel"]
    generated = (work / path).read_text()
    for line in excerpt.strip("\n").splitlines():
        assert line in generated.splitlines(), line


def test_usage_snippet_runs_and_converges(walkthrough, monkeypatch):
    work, b, _ = walkthrough
    monkeypatch.chdir(work)
    namespace = {}
    exec(compile(b["use"][1], "README-use", "exec"), namespace)
    assert np.abs(namespace["x"]).max() < 1e-3
    sys.modules.pop("adabelief", None)


def test_sheet_shows_the_users_properties(walkthrough):
    work, _, _ = walkthrough
    tex = (work / "build" / "adabelief.tex").read_text()
    assert "adabelief" in tex.lower() and r"\hat{s}" in tex


def test_error_in_users_spec_points_at_file_and_quantity(tmp_path):
    name, code = blocks()["spec"]
    broken = code.replace("(GRAD - m) ** 2", '(GRAD - sp.Symbol("mu")) ** 2')
    assert broken != code
    (tmp_path / name).write_text(broken)
    result = subprocess.run([sys.executable, "-m", "optforge.codegen.user", name, "--out", "build"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert f"{name}:" in result.stderr and "quantity 's'" in result.stderr and "'mu'" in result.stderr
    assert not (tmp_path / "build").exists()


def test_python_error_in_users_file_names_the_line(tmp_path):
    (tmp_path / "bad.py").write_text("import sympy as sp\n\nx = undefined_name\n")
    result = subprocess.run([sys.executable, "-m", "optforge.codegen.user", "bad.py", "--out", "b"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 2 and "bad.py:3: NameError" in result.stderr
