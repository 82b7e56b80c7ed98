"""One namespace in site-packages: a wheel holds only optforge/, installs, and imports."""

import os
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from conftest import ROOT  # noqa: E402


def test_wheel_installs_into_a_fresh_venv_and_imports(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                    "-w", str(dist), "-q"], check=True, cwd=tmp_path)
    (wheel,) = dist.glob("optforge-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert top == {"optforge", next(t for t in top if t.endswith(".dist-info"))}, top
    for sub in ("specs/adam.py", "codegen/prover.py", "codegen/templates/kernel.py.j2", "generated/adam.py"):
        assert f"optforge/{sub}" in names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    # Reuse this interpreter's third-party packages (numpy, numba, sympy) without running their .pth
    # files, so the editable install of this checkout stays invisible to the venv.
    venv_site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                    capture_output=True, text=True, check=True).stdout.strip())
    # (The folders that hold them, in case this interpreter is itself a venv that reaches them by a .pth.)
    import jinja2, numba, numpy, sympy  # noqa: E401

    host = dict.fromkeys([sysconfig.get_paths()["purelib"]]
                         + [str(Path(m.__file__).resolve().parent.parent) for m in (numpy, numba, sympy, jinja2)])
    (venv_site / "_host_packages.pth").write_text("".join(f"{d}\n" for d in host))
    subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], check=True)
    code = ("import optforge, optforge.specs, optforge.codegen.prover, optforge.generated, numpy as np\n"
            "from optforge import AdamW\n"
            "p = np.ones(4); AdamW([p], lr=0.1).step([np.ones(4)])\n"
            "print(optforge.__file__); print(optforge.specs.__file__); print(p[0])\n")
    result = subprocess.run([str(py), "-c", code], capture_output=True, text=True, cwd=tmp_path,
                            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert result.returncode == 0, result.stderr
    init, specs_init, value = result.stdout.split()
    assert init.startswith(str(venv_site)) and specs_init.startswith(str(venv_site / "optforge" / "specs"))
    assert abs(float(value) - (1 - 0.1 * 1.0 - 0.1 * 0.01)) < 1e-6
    for generic in ("specs", "codegen", "generated"):
        assert not (venv_site / generic).exists()
    _the_command_from_the_wheel(venv, venv_site, tmp_path)


def _files(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def _the_command_from_the_wheel(venv: Path, venv_site: Path, tmp_path: Path):
    """`optforge` from the wheel: help, version, check, and regenerate writing ./generated/, not site-packages."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    command = venv / "bin" / "optforge"
    run = lambda *args, cwd=tmp_path: subprocess.run([str(a) for a in args], capture_output=True, text=True,
                                                     cwd=cwd, env=env, timeout=300)
    help_ = run(command, "--help")
    assert help_.returncode == 0 and "regenerate" in help_.stdout, help_.stderr
    version = run(command, "--version")
    assert version.returncode == 0 and version.stdout.split() == ["optforge", "0.1.0"], version.stdout + version.stderr
    check = run(venv / "bin" / "python", "-m", "optforge", "check")
    assert check.returncode == 0 and "properties got their declared verdict" in check.stdout, check.stdout + check.stderr
    bench = run(command, "bench", "--quick")
    assert bench.returncode == 2 and "tool of the source repository" in bench.stderr, bench.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    before = _files(venv_site)
    regen = run(command, "regenerate", cwd=empty)
    assert regen.returncode == 0, regen.stdout + regen.stderr
    assert "wrote     generated/adam.py" in regen.stdout and "wrote     generated/sheets/en/adam.tex" in regen.stdout
    assert (empty / "generated" / "adam.py").read_text() == (ROOT / "generated" / "adam.py").read_text()
    assert _files(venv_site) == before, "regenerate wrote into site-packages"
    into_package = run(command, "regenerate", "--out", venv_site / "optforge" / "generated", cwd=empty)
    assert into_package.returncode == 2 and "refusing to write into the installed package" in into_package.stderr
    assert _files(venv_site) == before
