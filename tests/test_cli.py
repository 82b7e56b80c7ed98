"""The ``optforge`` command: help, version, subcommands, and where regenerate and sheets write."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT  # noqa: E402
COMMANDS = ("check", "regenerate", "sheets", "spec", "bench")
HEAVY = ("sympy", "jinja2", "numba", "optforge.codegen", "optforge.specs")


def optforge(*args, cwd=ROOT, timeout=300):
    return subprocess.run([sys.executable, "-m", "optforge", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def wrote_paths(stdout: str) -> list[str]:
    return [line.split(None, 1)[1] for line in stdout.splitlines() if re.match(r"(wrote|unchanged) ", line)]


def test_help_lists_every_command_with_an_example():
    result = optforge("--help")
    assert result.returncode == 0, result.stderr
    for name in COMMANDS:
        assert re.search(rf"^\s+{name}\s+\S", result.stdout, re.M), name
    assert "examples:" in result.stdout and "optforge check" in result.stdout


def test_help_imports_nothing_heavy():
    """The parser itself adds no import: whatever `optforge --help` loads beyond `import optforge` is light."""
    code = ("import contextlib, io, sys, optforge\n"
            "before = set(sys.modules)\n"
            "from optforge.cli import main\n"
            "try:\n    with contextlib.redirect_stdout(io.StringIO()):\n        main(['--help'])\n"
            "except SystemExit:\n    pass\n"
            "new = set(sys.modules) - before\n"
            f"print(sorted(m for m in new if m.split('.')[0] in {HEAVY!r} or m.startswith({HEAVY[3:]!r})))\n"
            "print('sympy' in sys.modules, 'jinja2' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["[]", "False False"], result.stdout


def test_version():
    import optforge as package

    for args in (["--version"], ["--version", "check"]):
        result = optforge(*args)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"python -m optforge {package.__version__}"


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_has_help_with_an_example(name):
    result = optforge(name, "--help")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"python -m optforge {name}" in result.stdout
    assert re.search(r"^examples?", result.stdout, re.M | re.I), result.stdout
    assert re.search(rf"^\s+python -m optforge {name}( |$)", result.stdout, re.M), result.stdout


def test_no_command_or_an_unknown_one_exits_2():
    assert optforge().returncode == 2
    unknown = optforge("prove")
    assert unknown.returncode == 2 and "invalid choice" in unknown.stderr


def test_scripts_table_keeps_the_old_names_as_aliases():
    tomllib = pytest.importorskip("tomllib")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["optforge"] == "optforge.cli:main"
    for name in COMMANDS:
        assert f"optforge-{name}" in scripts, name


def test_check_exits_0():
    result = optforge("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "properties got their declared verdict" in result.stdout


def test_regenerate_writes_where_told_and_prints_openable_paths(tmp_path):
    out = tmp_path / "gen"
    away = tmp_path / "elsewhere"
    away.mkdir()
    # From outside the output folder's parent: absolute paths.
    first = optforge("regenerate", "--out", str(out), cwd=away)
    assert first.returncode == 0, first.stdout + first.stderr
    paths = wrote_paths(first.stdout)
    assert paths and all(Path(p).is_absolute() and Path(p).is_file() for p in paths), paths
    assert str(out / "adam.py") in paths and str(out / "sheets" / "en" / "adam.tex") in paths
    assert all(Path(p).is_relative_to(out) for p in paths)
    # From inside: relative paths, openable from there.
    second = optforge("regenerate", "--out", "gen", cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    paths = wrote_paths(second.stdout)
    assert "gen/adam.py" in paths and all((tmp_path / p).is_file() for p in paths), paths
    assert (out / "adam.py").read_text() == (ROOT / "generated" / "adam.py").read_text()


def test_bench_outside_a_checkout_says_where_the_benchmark_is(monkeypatch, capsys):
    from optforge import cli

    monkeypatch.setattr(cli, "repository_root", lambda: None)
    assert cli.bench_main(["--quick"]) == 2
    err = capsys.readouterr().err
    assert "tool of the source repository" in err and "python scripts/bench.py --quick" in err


def test_bench_in_the_checkout_runs_the_repository_script(monkeypatch):
    from optforge import cli

    assert cli.repository_root() == ROOT
    calls = []
    monkeypatch.setattr(cli.subprocess, "run", lambda cmd, **kw: calls.append(cmd) or subprocess.CompletedProcess(cmd, 0))
    assert cli.bench_main(["--quick", "--out", "x"]) == 0
    assert calls == [[sys.executable, str(ROOT / "scripts" / "bench.py"), "--quick", "--out", "x"]]


def _tex_or_skip():
    from optforge.codegen import sheets

    missing = sheets.tex_missing("en")
    if missing:
        message = f"{missing} (the README's test command installs it: bash scripts/install-test-deps.sh)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def test_sheets_put_pdfs_in_the_build_folder_not_beside_the_sources(tmp_path):
    _tex_or_skip()
    result = optforge("sheets", "sgd", "--out", "gen/sheets", "--build-dir", "b/sheets", "--png-pages", "0",
                      cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in (tmp_path / "gen" / "sheets" / "en").iterdir()) == ["sgd.tex"]
    assert (tmp_path / "b" / "sheets" / "en" / "sgd.pdf").is_file()
    assert re.search(r"^\[1/1\] gen/sheets/en/sgd\.tex -> b/sheets/en/sgd\.pdf \(", result.stdout, re.M), result.stdout


def test_regenerate_removes_what_no_spec_produces_and_nothing_else(tmp_path):
    out = tmp_path / "gen"
    assert optforge("regenerate", "--out", str(out), cwd=tmp_path).returncode == 0
    orphan = out / "renamed_spec.py"  # what an earlier spec name left behind: the generator's header
    orphan.write_text((out / "adam.py").read_text())
    sheet_orphan = out / "sheets" / "en" / "renamed_spec.tex"
    sheet_orphan.write_text((out / "sheets" / "en" / "adam.tex").read_text())
    mine = out / "notes.py"  # a user's file in the folder: no header, never touched
    mine.write_text("# my notes\n")
    again = optforge("regenerate", "--out", str(out), cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert not orphan.exists() and not sheet_orphan.exists() and mine.read_text() == "# my notes\n"
    assert "removed   gen/renamed_spec.py (no spec produces it any more)" in again.stdout  # openable from cwd
    assert "2 removed" in again.stdout
