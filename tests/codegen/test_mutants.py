"""Mutation testing of specs as values (codegen/mutants.py, ``optforge check --mutants``).

A small spec file of a user's: heavy-ball momentum written in torch's buffer form, with an
intermediate nothing reads, and one property relating it to the document's Momentum.  Its mutants
are enumerated structurally and classified by the prover; the expected classes are argued from the
mathematics, not read off the code.
"""

import textwrap
from pathlib import Path

import pytest

from optforge.codegen import cli, mutants
from conftest import MUTATION_REFERENCES  # noqa: E402

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
    # the three assignments, and the two hyperparameters declared on the file's own line
    assert {o.mutant.site.target for o in result} == {"b", "unused", "theta", "lr", "mu"}
    assert all(o.mutant.site.source.startswith(str(path)) for o in result)  # MOMENTUM's own lines are not
    kinds = {o.mutant.kind for o in result}
    assert {"symbol", "sign", "drop term", "drop factor", "constant", "one minus", "default", "domain"} <= kinds


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
    assert o.status == mutants.EQUIVALENT and "proved equal to the original" in o.detail
    assert o.detail.endswith(": heavy") and "simplifies to 0" in o.detail  # the proof's own words
    assert all(o.status == mutants.EQUIVALENT for o in result if o.mutant.site.target == "unused")


def test_scores_count_equivalent_mutants_out(outcomes):
    _, result = outcomes
    (row,) = mutants.scores(result)
    assert row["spec"] == "heavy" and row["mutants"] + row["values"] == len(result)
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


def test_defaults_and_domains_are_mutated_and_the_prover_does_not_see_defaults(outcomes):
    _, result = outcomes
    lr_up = by_change(result, "lr", "default 0.001 -> 0.01")
    mu_up = by_change(result, "mu", "default 0.9 -> 0.99")
    # the property relates the two updates for every lr and mu: which value a caller gets by default is
    # not a question it asks
    assert lr_up.status == mu_up.status == mutants.SURVIVED
    # mu's domain [0, 1) closed at 1: still inside what the property needs (it holds for every mu)
    assert by_change(result, "mu", "domain Interval.Ropen(0, 1) -> Interval(0, 1)").status == mutants.SURVIVED


REFERENCES = textwrap.dedent('''
    import numpy as np

    def heavy_steps(theta0, grad_fn, steps, hypers):
        """heavy ball, written from its paper: b <- mu b + g; theta <- theta - lr b"""
        theta, b, out = theta0.copy(), np.zeros_like(theta0), []
        for t in range(1, steps + 1):
            b = hypers["mu"] * b + grad_fn(theta, t)
            theta = theta - hypers["lr"] * b
            out.append(theta.copy())
        return out

    STEPS = {"heavy": heavy_steps}
    DEFAULTS = {"heavy": {"lr": 1e-3, "mu": 0.9}}
    ACCEPTS = {"heavy": {"lr": [(0.0, True)], "mu": [(0.0, True), (1.0, False)]}}
''')


def test_references_kill_what_the_prover_lets_through(tmp_path, outcomes):
    path, _ = outcomes
    refs_path = tmp_path / "refs.py"
    refs_path.write_text(REFERENCES)
    refs = mutants.References.load(refs_path)
    result = mutants.run(mutants.user_loader(path), files=[path], jobs=2, timeout=60, references=refs)
    for target, change in [("lr", "default 0.001 -> 0.01"), ("mu", "default 0.9 -> 0.99")]:
        o = by_change(result, target, change)
        assert o.status == mutants.KILLED_BY_REFERENCES and "the references say" in o.detail, o.detail
    closed = by_change(result, "mu", "domain Interval.Ropen(0, 1) -> Interval(0, 1)")
    assert closed.status == mutants.KILLED_BY_REFERENCES and "refuse" in closed.detail
    assert not [o for o in result if o.status == mutants.SURVIVED], mutants.report(result, 0, refs)
    # the structural mutants the prover kills stay the prover's
    assert by_change(result, "b", "mu -> lr").status == mutants.KILLED


def test_references_that_contradict_the_unmutated_spec_are_refused(tmp_path, outcomes):
    path, _ = outcomes
    refs_path = tmp_path / "wrong.py"
    refs_path.write_text(REFERENCES.replace('"mu": 0.9}', '"mu": 0.8}'))
    with pytest.raises(ValueError, match=r"do not describe the unmutated specs: heavy: default mu=0.9, the "
                                         r"references say 0.8"):
        mutants.run(mutants.user_loader(path), files=[path], jobs=1, references=mutants.References.load(refs_path))


def test_a_builtin_sample_runs_through_the_command(capsys):
    refs = MUTATION_REFERENCES
    code = cli.check_main(["--mutants", "--spec", "sgd", "--jobs", "2", "--references", str(refs)])
    out = capsys.readouterr().out
    assert code == 0, out
    # SGD's one assignment, theta - lr g: every structural change is a different update that the
    # properties relating SGD to Momentum and torch's forms refute; its lr's default (torch's 1e-3)
    # and its domain's closed end at 0 (torch accepts lr = 0) are the references' to catch.
    assert "sgd " in out and "100%" in out and "Survivors" not in out
    assert "2/2" in out or "3/3" in out


def test_the_builtin_references_describe_every_unmutated_spec():
    refs = mutants.References.load(MUTATION_REFERENCES)
    original = mutants.build(mutants._builtin_loader)
    covered = [s for s in original.specs if refs.covers(s.name)]
    assert [d for d in map(refs.disagreement, covered) if d] == []
    # steps for all but a few of the 49 specs, and a spec changed by a real mistake disagrees
    assert len(refs.steps) >= 45
    adam = next(s for s in original.specs if s.name == "adam")
    import dataclasses
    wrong = dataclasses.replace(adam, assignments=adam.assignments[:-1] + (dataclasses.replace(
        adam.assignments[-1], expr=adam.assignments[-1].expr.subs(adam.hyper("eps").symbol, 0)),))
    assert refs.disagreement(wrong) and "step 1" in refs.disagreement(wrong)
