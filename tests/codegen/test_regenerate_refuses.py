"""The generator proves the properties first and writes nothing when one fails."""

import sympy as sp

import optforge.specs
from optforge.codegen import cli
from optforge.specs import SPECS
from optforge.specs.language import Equivalent


def test_refuses_to_emit_when_a_property_fails(tmp_path, monkeypatch, capsys):
    wrong = Equivalent("adam_is_adamw_claimed", a=SPECS["adam"], b=SPECS["adamw"],
                       statement="a false claim: Adam equals AdamW")
    monkeypatch.setattr(optforge.specs, "PROPERTIES", optforge.specs.PROPERTIES + [wrong])
    out = tmp_path / "generated"
    assert cli.regenerate_main(["--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "refusing to generate anything" in err
    assert "property 'adam_is_adamw_claimed' on spec(s) adam, adamw: expected proved, got refuted" in err
    assert "lam*lr*theta" in err  # the residual
    assert not out.exists()


def test_refuses_when_a_refutation_is_proved(tmp_path, monkeypatch, capsys):
    wrong = Equivalent("adamw_lambda0_claimed_different", a=SPECS["adamw"].substitute({"lam": 0}), b=SPECS["adam"],
                       holds=False)
    monkeypatch.setattr(optforge.specs, "PROPERTIES", [wrong])
    assert cli.regenerate_main(["--out", str(tmp_path / "g")]) == 1
    assert "expected refuted, got proved" in capsys.readouterr().err


def test_check_command_lists_every_property(capsys):
    assert cli.check_main([]) == 0
    out = capsys.readouterr().out
    for prop in optforge.specs.PROPERTIES:
        line = next(l for l in out.splitlines() if f" {prop.name} " in l)
        assert line.startswith("ok") and ("proved" in line or "refuted" in line) and line.rstrip().endswith("s")
    assert f"{len(optforge.specs.PROPERTIES)}/{len(optforge.specs.PROPERTIES)} properties" in out
