"""The README's "Write your own optimizer" section, run exactly as written, from a temporary directory."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT  # noqa: E402
README = ROOT / "README.md"
INSTALL_TEX = "bash scripts/install-test-deps.sh"


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
    no_tex = None
    if "--pdf" in command and shutil.which("latexmk") is None:
        no_tex = (f"TeX (latexmk) not found: the walkthrough's --pdf needs it; `{INSTALL_TEX}` installs it "
                  f"(the README's test command runs it)")
        command = command.replace(" --pdf", "")  # everything else still runs as written
    result = subprocess.run(command, shell=True, cwd=work, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return work, b, result.stdout, no_tex


def test_command_proves_and_writes(walkthrough):
    work, _, out, _ = walkthrough
    assert "ok   adabelief_scale_invariant" in out and "2/2 properties got their declared verdict" in out
    for f in ("adabelief.py", "adabelief.tex"):
        assert (work / "build" / f).is_file(), f
        assert f"wrote build/{f}" in out
    header = (work / "build" / "adabelief.py").read_text().splitlines()[0]
    assert "spec 'adabelief' (my_adabelief.py)" in header


def test_command_builds_the_pdf(walkthrough):
    work, _, out, no_tex = walkthrough
    if no_tex:  # in CI the README's test command has installed TeX: its absence is a failure there
        (pytest.fail if os.environ.get("CI") else pytest.skip)(no_tex)
    assert (work / "build" / "adabelief.pdf").is_file() and "wrote build/adabelief.pdf" in out


def test_kernel_excerpt_is_what_was_generated(walkthrough):
    work, b, _, _ = walkthrough
    path, excerpt = b["kernel"]
    generated = (work / path).read_text()
    for line in excerpt.strip("\n").splitlines():
        assert line in generated.splitlines(), line


def test_usage_snippet_runs_and_converges(walkthrough, monkeypatch):
    work, b, _, _ = walkthrough
    monkeypatch.chdir(work)
    namespace = {}
    exec(compile(b["use"][1], "README-use", "exec"), namespace)
    assert np.abs(namespace["x"]).max() < 1e-3
    sys.modules.pop("adabelief", None)


def test_sheet_shows_the_users_properties(walkthrough):
    work, _, _, _ = walkthrough
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


def test_readme_test_command_is_what_ci_runs():
    """The README's test command installs what the tests need (TeX included) and is .ci/run's command."""
    readme = README.read_text()
    section = readme[readme.index("## The two commands"):readme.index("\n## ", readme.index("## The two commands") + 3)]
    commands = re.findall(r"```bash\n(.*?)\n```", section, re.S)
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command.startswith(INSTALL_TEX + " && ")
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci, "the README's test command is not a line of .ci/run"


USERS_ADAM = '''
import sympy as sp
from optforge.specs.common import learning_rate
from optforge.specs.language import GRAD, THETA, Assign, Spec

lr = learning_rate(1e-3)
SPECS = [Spec("{name}", "My SGD", hyperparameters=[lr], state=[],
              assignments=[Assign(THETA, THETA - lr.symbol * GRAD)]{extra})]
'''


@pytest.mark.parametrize("name, extra, expected", [
    ("adam", "", "has the name of the built-in spec 'adam' (specs/adam.py, optforge.Adam)"),
    ("my_sgd", ', api_class="AdamW"', "makes the class AdamW, the name of the built-in optforge.AdamW"),
    ("my_sgd", "", None),
])
def test_a_user_spec_named_like_a_builtin_gets_a_warning(tmp_path, capsys, name, extra, expected):
    from optforge.codegen import user

    (tmp_path / "mine.py").write_text(USERS_ADAM.format(name=name, extra=extra))
    assert user.main([str(tmp_path / "mine.py"), "--out", str(tmp_path / "build")]) == 0
    err = capsys.readouterr().err
    if expected:
        assert f"warning: spec {name!r}" in err and expected in err, err
    else:
        assert "warning" not in err, err
