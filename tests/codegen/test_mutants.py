"""Mutation testing of specs as values (codegen/mutants.py, ``optforge check --mutants``).

A small spec file of a user's: heavy-ball momentum written in torch's buffer form, with an
intermediate nothing reads, and one property relating it to the document's Momentum.  Its mutants
are enumerated structurally and classified by the prover; the expected classes are argued from the
mathematics, not read off the code.
"""

import textwrap

import pytest

from optforge.codegen import cli, mutants

USER_SPEC = textwrap.dedent('''
    import sympy as sp
    from optforge.specs.common import learning_rate, momentum
    from optforge.specs.language import GRAD, THETA, Assign, Equivalent, Spec, State
    from optforge.specs.momentum import MOMENTUM

    lr, mu = learning_rate(1e-3), momentum(0.9)
    b, unused = sp.Symbol("b", real=True), sp.Symbol("unused", real=True)
    HEAVY = Spec("heavy", "Heavy ball", hyperparameters=[lr, mu], state=[State("b", 0.0, "buffer", "b")],
                 assignments=[Assign(b, mu.symbol * b + GRAD, "buffer"),
                              Assign(unused, 2 * lr.symbol * GRAD, "read by nothing"),
                              Assign(THETA, THETA - lr.symbol * b, "step")])
    SPECS = [HEAVY]
    PROPERTIES = [Equivalent("heavy_is_momentum", a=HEAVY, b=MOMENTUM, b_from_a={"v": lr.symbol * b},
                             compare={"theta": THETA, "v": lr.symbol * b})]
''')


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    path = tmp_path_factory.mktemp("user") / "heavy.py"
    path.write_text(USER_SPEC)
    return path, mutants.run(mutants.user_loader(path), files=[path], jobs=2, timeout=60)


def by_change(outcomes, target, change):
    found = [o for o in outcomes if o.mutant.site.target == target and o.mutant.change == change]
    assert len(found) == 1, [(o.mutant.site.target, o.mutant.change) for o in outcomes]
    return found[0]


def test_every_authored_assignment_is_mutated_and_only_those_of_the_file(outcomes):
    path, result = outcomes
    assert {o.mutant.site.target for o in result} == {"b", "unused", "theta"}
    assert all(o.mutant.site.source.startswith(str(path)) for o in result)  # MOMENTUM's own lines are not
    kinds = {o.mutant.kind for o in result}
    assert {"symbol", "sign", "drop term", "drop factor", "constant", "one minus"} <= kinds


def test_real_mistakes_are_killed_by_the_property(outcomes):
    _, result = outcomes
    for target, change in [("b", "mu -> lr"), ("b", "dropped the term g"), ("b", "g -> b"),
                           ("b", "mu -> 1 - mu"), ("theta", "dropped the factor lr"),
                           ("theta", "negated the term -b*lr")]:
        o = by_change(result, target, change)
        assert o.status == mutants.KILLED, (change, o.status, o.detail)
        assert o.detail.startswith("heavy_is_momentum: refuted")


def test_a_change_to_an_intermediate_nothing_reads_is_equivalent(outcomes):
    _, result = outcomes
    o = by_change(result, "unused", "2 -> 3")
    assert o.status == mutants.EQUIVALENT and "proved equal to the original: heavy" in o.detail
    assert all(o.status == mutants.EQUIVALENT for o in result if o.mutant.site.target == "unused")


def test_scores_count_equivalent_mutants_out(outcomes):
    _, result = outcomes
    (row,) = mutants.scores(result)
    assert row["spec"] == "heavy" and row["mutants"] == len(result)
    counted = row["mutants"] - row[mutants.EQUIVALENT]
    assert row["rate"] == pytest.approx((row[mutants.KILLED] + row[mutants.REJECTED]) / counted)
    assert row[mutants.EQUIVALENT] >= 1 and row[mutants.KILLED] >= 6


def test_a_spec_without_properties_leaves_every_mutant_surviving(tmp_path, capsys):
    path = tmp_path / "bare.py"
    path.write_text(USER_SPEC.replace('PROPERTIES = [Equivalent(', 'UNUSED = [Equivalent(') + "PROPERTIES = []\n")
    code = cli.check_main(["--mutants", "--file", str(path), "--jobs", "1", "--sample", "3", "--seed", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Survivors" in out or "Equivalent mutants" in out
    assert "no property covers the changed specs" in out
    assert out.count("heavy ") >= 1 and "3 mutants in" in out


def test_a_builtin_sample_runs_through_the_command(capsys):
    code = cli.check_main(["--mutants", "--spec", "sgd", "--jobs", "2"])
    out = capsys.readouterr().out
    assert code == 0
    # SGD's one assignment, theta - lr g: every structural change is a different update that the
    # properties relating SGD to Momentum and torch's forms refute.
    assert "sgd " in out and "100%" in out and "Survivors" not in out
