"""A bad spec raises SpecError naming the spec, the quantity and the reason, when it is built."""

import pytest
import sympy as sp

from optforge.specs import SPECS
from optforge.specs.language import (GRAD, POSITIVE, THETA, UNIT_INTERVAL, Assign, Hyperparameter, Spec, SpecError,
                                     State)

lr = Hyperparameter("lr", 0.1, POSITIVE, "learning rate", r"\eta")
beta = Hyperparameter("beta", 0.9, UNIT_INTERVAL, "decay", r"\beta")
m, u = sp.Symbol("m", real=True), sp.Symbol("u", real=True)


def build(assignments, hypers=(lr,), state=(), **kw):
    return Spec("toy", "Toy", hyperparameters=list(hypers), state=list(state), assignments=assignments, **kw)


def error_of(**kw) -> SpecError:
    with pytest.raises(SpecError) as info:
        build(**kw)
    assert info.value.spec == "toy"
    return info.value


def test_a_good_spec_builds():
    spec = build([Assign(THETA, THETA - lr.symbol * GRAD)])
    assert spec.one_step(gradient=GRAD)["theta"] == THETA - lr.symbol * GRAD


def test_undeclared_symbol():
    e = error_of(assignments=[Assign(THETA, THETA - sp.Symbol("eta") * GRAD)])
    assert e.quantity == "theta" and "undeclared symbol 'eta'" in str(e)


def test_use_before_assignment():
    e = error_of(assignments=[Assign(THETA, THETA - lr.symbol * u), Assign(u, GRAD)])
    assert e.quantity == "theta" and "uses 'u' before it is assigned" in str(e)


def test_unsupported_function():
    e = error_of(assignments=[Assign(THETA, THETA - lr.symbol * sp.sin(GRAD))])
    assert e.quantity == "theta" and "unsupported operation 'sin'" in str(e)


def test_unsupported_power():
    e = error_of(assignments=[Assign(THETA, THETA - lr.symbol * GRAD ** sp.Rational(1, 3))])
    assert "unsupported power" in str(e)


def test_per_element_symbolic_exponent():
    e = error_of(assignments=[Assign(THETA, THETA - lr.symbol ** GRAD)])
    assert "varies per element" in str(e)


def test_scalar_functions_are_allowed_on_scalars_only():
    build([Assign(THETA, THETA - sp.exp(-lr.symbol) * GRAD)])  # exp of a scalar: computed once per step
    e = error_of(assignments=[Assign(THETA, THETA - sp.exp(GRAD))])
    assert "unsupported operation 'exp' in a per-element expression" in str(e)


def test_missing_default():
    e = error_of(assignments=[Assign(THETA, THETA - GRAD)],
                 hypers=[Hyperparameter("lr", None, POSITIVE, "learning rate", r"\eta")])
    assert e.quantity == "lr" and "no default" in str(e)


def test_missing_domain():
    e = error_of(assignments=[Assign(THETA, THETA - GRAD)],
                 hypers=[Hyperparameter("lr", 0.1, None, "learning rate", r"\eta")])
    assert e.quantity == "lr" and "no domain" in str(e)


def test_default_outside_domain():
    e = error_of(assignments=[Assign(THETA, THETA - GRAD)],
                 hypers=[Hyperparameter("beta", 1.0, UNIT_INTERVAL, "decay", r"\beta")])
    assert e.quantity == "beta" and "outside its domain" in str(e)


def test_theta_never_updated():
    e = error_of(assignments=[Assign(u, GRAD)])
    assert e.quantity == "theta" and "never updates the parameters" in str(e)


def test_state_never_updated():
    e = error_of(assignments=[Assign(THETA, THETA - GRAD)], state=[State("m", 0.0, "momentum", "m")])
    assert e.quantity == "m" and "never updated" in str(e)


def test_assigning_a_hyperparameter():
    e = error_of(assignments=[Assign(lr.symbol, 2 * lr.symbol), Assign(THETA, THETA - GRAD)])
    assert e.quantity == "lr" and "cannot assign" in str(e)


def test_intermediate_assigned_twice():
    e = error_of(assignments=[Assign(u, GRAD), Assign(u, 2 * GRAD), Assign(THETA, THETA - u)])
    assert e.quantity == "u" and "assigned twice" in str(e)


def test_scalar_state_depending_on_elements():
    e = error_of(assignments=[Assign(m, m * GRAD), Assign(THETA, THETA - GRAD)],
                 state=[State("m", 1.0, "product", "m", per_element=False)])
    assert e.quantity == "m" and "scalar state" in str(e)


def test_error_points_at_the_file_that_built_the_spec():
    e = error_of(assignments=[Assign(THETA, THETA - sp.Symbol("eta") * GRAD)])
    assert e.source and e.source.startswith(__file__)


def test_symbols_are_matched_by_name_whatever_their_assumptions():
    # The author's Symbol('m') without assumptions is the declared state m.
    spec = build([Assign(sp.Symbol("m"), beta.symbol * sp.Symbol("m") + GRAD), Assign(THETA, THETA - sp.Symbol("m"))],
                 hypers=[beta], state=[State("m", 0.0, "momentum", "m")])
    after = spec.one_step(gradient=GRAD)
    assert after["theta"] == THETA - (beta.symbol * spec.state_named("m").symbol + GRAD)


def test_builtin_specs_declare_what_the_document_gives():
    assert SPECS["adadelta"].hyper("rho").default == 0.95  # the document's value wins over PyTorch's 0.9
    assert SPECS["adamw"].hyper("lam").default == 1e-2
    assert SPECS["nadam_scheduled"].hyper("psi").default == 4e-3
    assert [s.name for s in SPECS["nadam_scheduled"].scalar_state] == ["mu_product"]
    assert SPECS["nadam_t1"].parent == "adam" and SPECS["nadam_scheduled"].parent == "adam"


def test_nag_stored_form_is_derived_not_written():
    stored = SPECS["nag"].stored_gradient_form()
    theta_new = stored.assignment("theta").expr
    lr, mu = stored.hyper("lr").symbol, stored.hyper("mu").symbol
    v = stored.state_named("v").symbol
    assert sp.expand(theta_new - (THETA - mu**2 * v - (1 + mu) * lr * GRAD)) == 0
    assert [a.name for a in stored.assignments] == ["theta", "v"]  # theta reads the old v first


# ---------------------------------------------------------------- where and what the message says
def _line_of(marker: str) -> int:
    """The line of this file that holds ``marker`` (so the tests do not pin line numbers)."""
    lines = open(__file__, encoding="utf-8").read().splitlines()
    return next(i for i, text in enumerate(lines, 1) if marker in text and "_line_of" not in text)


def test_the_error_names_the_line_of_the_offending_assign_not_the_spec_line():
    bad = Assign(THETA, THETA - sp.Symbol("eta") * GRAD)  # <- offending assign
    e = error_of(assignments=[Assign(m, GRAD), bad])
    assert e.source == f"{__file__}:{_line_of('<- offending assign')}", e.source
    assert f"at {__file__}:{_line_of('<- offending assign')}" in str(e)


def test_a_bad_hyperparameter_is_reported_at_its_own_line():
    bad = Hyperparameter("lr", -1.0, POSITIVE, "learning rate", r"\eta")  # <- offending hyperparameter
    e = error_of(assignments=[Assign(THETA, THETA - bad.symbol * GRAD)], hypers=[bad])
    assert e.quantity == "lr" and e.source.endswith(f":{_line_of('<- offending hyperparameter')}")


def test_a_state_renamed_in_one_place_is_not_declared_state():
    # State declared as `s`, but the assignments still say `v`:
    v = sp.Symbol("v", real=True)
    e = error_of(assignments=[Assign(v, beta.symbol * v + GRAD), Assign(THETA, THETA - lr.symbol * v)],
                 hypers=[lr, beta], state=[State("s", 0.0, "momentum", "s")])
    assert e.quantity == "v"
    assert "'v' is not declared state" in str(e) and "the declared state: s" in str(e)
    assert "State('v', ...)" in str(e)


def test_a_variant_keeps_the_line_of_each_inherited_assignment():
    base = build([Assign(THETA, THETA - lr.symbol * GRAD)])
    line = _line_of("<- the variant's own assign")
    bad = Assign(THETA, THETA - lr.symbol * sp.Symbol("zeta"))  # <- the variant's own assign
    with pytest.raises(SpecError) as info:
        base.variant("toy2", assign=[bad])
    assert info.value.source == f"{__file__}:{line}"


def test_a_misspelled_key_in_a_property_is_an_error_naming_it():
    from optforge.specs.language import ClosedForm, Equivalent, Scaling

    spec = build([Assign(m, beta.symbol * m + GRAD), Assign(THETA, THETA - lr.symbol * m)],
                 hypers=[lr, beta], state=[State("m", 0.0, "momentum", "m")])
    c = sp.Symbol("c", positive=True)
    with pytest.raises(SpecError) as info:
        Scaling("toy_scale", spec=spec, scale={"theta": c, "w": c}, factor=c)  # <- misspelled key
    e = info.value
    assert e.quantity == "w" and "scale=" in str(e) and "'toy_scale'" in str(e)
    assert "theta, g, m" in str(e) and e.source.endswith(f":{_line_of('<- misspelled key')}")
    with pytest.raises(SpecError, match=r"fixed=.*'lr2'"):
        Scaling("toy_scale2", spec=spec, scale={"g": c}, fixed={"lr2": 1})
    with pytest.raises(SpecError, match=r"state=.*'mm'"):
        ClosedForm("toy_closed", spec=spec, state={"mm": GRAD})
    with pytest.raises(SpecError, match=r"hyper_map=.*'betta'"):
        Equivalent("toy_eq", a=spec, b=spec, hyper_map={"betta": 0})
    # The same declarations with the right keys build (and the prover decides them).
    Scaling("toy_scale_ok", spec=spec, scale={"theta": c}, fixed={"lr": 1})


def test_a_misspelled_symbol_in_an_identity_is_an_error():
    from optforge.specs.language import Identity

    spec = build([Assign(m, beta.symbol * m + GRAD), Assign(THETA, THETA - lr.symbol * m)],
                 hypers=[lr, beta], state=[State("m", 0.0, "momentum", "m")])
    with pytest.raises(SpecError, match=r"uses 'stepp' in lhs="):
        Identity("toy_id", spec=spec, lhs=sp.Symbol("stepp"), rhs=-lr.symbol * sp.Symbol("m"))
    Identity("toy_id_ok", spec=spec, lhs=sp.Symbol("step"), rhs=-lr.symbol * sp.Symbol("m"))


def test_a_checkpoint_conversion_must_map_one_state_to_one_state_solvably():
    from optforge.specs.language import Equivalent

    a = build([Assign(m, beta.symbol * m + GRAD), Assign(THETA, THETA - lr.symbol * m)],
              hypers=[lr, beta], state=[State("m", 0.0, "buffer", "m")])
    b = build([Assign(u, beta.symbol * u + lr.symbol * GRAD), Assign(THETA, THETA - u)],
              hypers=[lr, beta], state=[State("u", 0.0, "velocity", "u")])
    prop = Equivalent("toy_ckpt", a=a, b=b, b_from_a={"u": lr.symbol * m}, checkpoint=True)
    b_of_a, a_of_b = prop.checkpoint_conversion()
    assert b_of_a == {"u": lr.symbol * m} and sp.simplify(a_of_b["m"] - u / lr.symbol) == 0
    with pytest.raises(SpecError, match=r"exactly one per-element state of 'toy' and its hyperparameters; u = lr\*m\*u is not"):
        Equivalent("toy_ckpt2", a=a, b=b, b_from_a={"u": lr.symbol * m * u}, checkpoint=True)
    with pytest.raises(SpecError, match=r"cannot be solved uniquely for m"):
        Equivalent("toy_ckpt3", a=a, b=b, b_from_a={"u": m ** 2}, checkpoint=True)
    with pytest.raises(SpecError, match=r"gives no 'toy' state for 'toy''s \['m'\]"):
        Equivalent("toy_ckpt4", a=a, b=b, b_from_a={}, checkpoint=True)
