"""One namespace in site-packages: a wheel holds only optforge/, installs, and imports."""

import os
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
    (venv_site / "_host_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
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
