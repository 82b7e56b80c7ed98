"""generated/ is output: it must equal what the specs produce, byte for byte."""

import subprocess
import sys
from pathlib import Path

from optforge.codegen import generate
from optforge.specs import SPECS

from conftest import ROOT  # noqa: E402


def test_generated_matches_specs():
    files = generate.render_package(SPECS.values())
    diff = generate.stale(files, ROOT / "generated", managed=lambda p: p.suffix == ".py")
    assert not diff, f"generated/ is stale; run {generate.REGENERATE_COMMAND}\n{diff}"


def test_rendering_is_reproducible():
    a = generate.render_package(SPECS.values())
    b = generate.render_package(SPECS.values())
    assert [(f.path, f.text) for f in a] == [(f.path, f.text) for f in b]


def test_check_command_reports_a_stale_file(tmp_path):
    out = tmp_path / "generated"
    for f in generate.render_package(SPECS.values()):
        generate.write_atomic(out / f.path, f.text)
    target = out / "adam.py"
    target.write_text(target.read_text().replace("mhat = inv_bc1*m_i", "mhat = inv_bc1*m_i*2"))
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "regenerate.py"), "--check", "--out", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "-        mhat = inv_bc1*m_i*2" in result.stdout and "+        mhat = inv_bc1*m_i" in result.stdout
    ok = subprocess.run([sys.executable, str(ROOT / "scripts" / "regenerate.py"), "--out", str(out)],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and f"wrote     {out / 'adam.py'}" in ok.stdout
    again = subprocess.run([sys.executable, str(ROOT / "scripts" / "regenerate.py"), "--check", "--out", str(out)],
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stdout + again.stderr


def test_header_names_spec_template_and_sympy():
    import sympy

    text = (ROOT / "generated" / "adam.py").read_text()
    assert "from spec 'adam' (specs/adam.py) with template kernel.py.j2" in text
    assert "Do not edit" in text and f"SymPy {sympy.__version__}" in text


def test_interrupted_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "adam.py"
    target.write_text("old contents\n")

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(generate.os, "replace", interrupted)
    try:
        generate.write_atomic(target, "new contents\n" * 1000)
    except KeyboardInterrupt:
        pass
    assert target.read_text() == "old contents\n"
    assert [p.name for p in tmp_path.iterdir()] == ["adam.py"]  # no temporary file left behind
