"""The property prover: a verdict for each declared property.

``proved`` means SymPy reduced the difference to zero under the declared assumptions,
for symbolic ``t`` where the statement is about every step.  ``refuted`` comes with the
residual and a concrete counterexample (exact rational arithmetic at sample values).
``undecided`` means neither: simplification did not reach zero and no sample point made
the residual nonzero; the numeric spot check is reported as such and never counts as a
proof.
"""

from __future__ import annotations

import dataclasses
import random
import time
from dataclasses import dataclass, field
from functools import singledispatch
from typing import Callable, Iterable, Mapping

import sympy as sp

from optforge.specs.language import (GRAD, THETA, T, ClosedForm, Equivalent, FixedPoint, GradAt, Identity, Limit,
                                     NonNegative, Property, Scaling, Spec, StateCount)

PROVED, REFUTED, UNDECIDED = "proved", "refuted", "undecided"
STEP = "step"  # in claims and limits: theta_t - theta_{t-1}


@dataclass
class Verdict:
    """The outcome of checking one property."""

    prop: Property
    status: str
    detail: str = ""
    residual: sp.Expr | None = None
    counterexample: Mapping[str, object] | None = None
    numeric: str = ""  # a numeric spot check's outcome, reported as numeric, never a proof
    seconds: float = 0.0

    @property
    def expected(self) -> str:
        return PROVED if self.prop.holds else REFUTED

    @property
    def ok(self) -> bool:
        return self.status == self.expected

    @property
    def specs(self) -> list[str]:
        return [s.name for s in self.prop.specs if s is not None]

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        declared = "" if self.prop.holds else " (declared refuted)"
        return (f"{mark} {self.prop.name:42s} {','.join(self.specs):38s} "
                f"{self.status}{declared} {self.seconds:6.2f}s")


class ProofError(RuntimeError):
    """A property declared to hold was not proved (or one declared refuted was not refuted)."""

    def __init__(self, failures: list[Verdict]):
        self.failures = failures
        lines = []
        for v in failures:
            lines.append(f"property {v.prop.name!r} on spec(s) {', '.join(v.specs)}: expected {v.expected}, "
                         f"got {v.status}. {v.detail}")
        super().__init__("\n".join(lines))


# ------------------------------------------------------------------ algebra
def is_zero(expr: sp.Expr) -> bool:
    """True when SymPy reduces ``expr`` to zero (a proof); False means 'not shown'."""
    expr = sp.sympify(expr)
    if expr == 0:
        return True
    for step in (sp.cancel, lambda e: sp.expand(sp.powsimp(sp.expand_power_exp(e), force=False)),
                 sp.together, sp.simplify):
        try:
            expr = step(expr)
        except (TypeError, NotImplementedError, sp.PolynomialError):  # pragma: no cover
            continue
        if expr == 0:
            return True
    return False


def _sample_value(symbol: sp.Symbol, rng: random.Random, domains: Mapping[str, sp.Set]) -> sp.Expr:
    domain = domains.get(symbol.name)
    if symbol == T or symbol.is_integer:
        return sp.Integer(rng.randint(2, 7))
    if isinstance(domain, sp.Interval):
        lo = domain.inf if domain.inf.is_finite else sp.Integer(-3)
        hi = domain.sup if domain.sup.is_finite else lo + 3
        lo = max(lo, -3) if lo.is_finite else -3
        frac = sp.Rational(rng.randint(1, 99), 100)
        return lo + (hi - lo) * frac
    if symbol.is_positive:
        return sp.Rational(rng.randint(10, 300), 100)
    if symbol.is_nonnegative:
        return sp.Rational(rng.randint(1, 300), 100)
    value = sp.Rational(rng.randint(-300, 300), 100)
    return value if value != 0 else sp.Rational(1, 7)


def _gradient_field(rng: random.Random) -> sp.Lambda:
    x = sp.Symbol("x", real=True)
    return sp.Lambda(x, sp.Rational(rng.randint(50, 200), 100) * x - sp.Rational(rng.randint(-100, 100), 100))


def find_counterexample(residual: sp.Expr, domains: Mapping[str, sp.Set], tries: int = 8, seed: int = 0,
                        violates: Callable[[sp.Expr], bool] | None = None):
    """Sample points in the declared domains; return (values, residual value) where the residual
    violates the claim (default: is nonzero), or None.  Exact rationals, evaluated to 30 digits."""
    violates = violates or (lambda number: abs(number) > sp.Float("1e-20"))
    rng = random.Random(seed)
    for _ in range(tries):
        field_ = _gradient_field(rng)
        expr = sp.sympify(residual).replace(GradAt, field_)
        values = {s: _sample_value(s, rng, domains) for s in sorted(expr.free_symbols, key=str)}
        try:
            number = sp.N(expr.xreplace(values), 30)
        except (ZeroDivisionError, TypeError):  # pragma: no cover
            continue
        if number.is_number and number.is_finite and violates(number):
            shown = {str(k): v for k, v in values.items()}
            if residual.has(GradAt):
                shown["grad f(x)"] = field_(sp.Symbol("x"))
            return shown, number
    return None


def _domains(*specs: Spec) -> dict[str, sp.Set]:
    return {h.name: h.domain for s in specs if s is not None for h in s.hyperparameters}


def _by_name(expr: sp.Expr, values: Mapping[str, sp.Expr]) -> sp.Expr:
    """Substitute symbols by name (``m`` -> the post-step m); ``x_prev`` names a pre-step value."""
    expr = sp.sympify(expr)
    return expr.xreplace({s: values[s.name] for s in expr.free_symbols
                          if isinstance(s, sp.Symbol) and s.name in values})


def _positive_bias_corrections(expr: sp.Expr, domains: Mapping[str, sp.Set]) -> sp.Expr:
    """Replace ``1 - b**e`` by a positive symbol where ``0 <= b < 1`` and ``e > 0`` (so the
    replacement is sound); SymPy then treats ``sqrt(x / (1 - b**t))`` one way on both sides."""
    unit = {n for n, d in domains.items()
            if isinstance(d, sp.Interval) and d.inf >= 0 and d.sup <= 1 and d.right_open}
    subs = {}
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Add) and len(node.args) == 2 and sp.S.One in node.args:
            other = node.args[0] if node.args[1] == 1 else node.args[1]
            if other.could_extract_minus_sign():
                power = -other
                if (isinstance(power, sp.Pow) and isinstance(power.base, sp.Symbol)
                        and power.base.name in unit and power.exp.is_positive):
                    subs[node] = sp.Symbol(f"pos_{sp.sstr(node)}", positive=True)
    return expr.xreplace(subs) if subs else expr


def _interior_of_unit_intervals(expr: sp.Expr, domains: Mapping[str, sp.Set]) -> tuple[sp.Expr, list[str]]:
    """``expr`` with each hyperparameter whose domain is [0, 1) or (0, 1) written ``1/(1 + s)``, ``s > 0``."""
    expr = sp.sympify(expr)
    subs, names = {}, []
    for symbol in expr.free_symbols:
        d = domains.get(getattr(symbol, "name", None))
        if isinstance(d, sp.Interval) and d.inf == 0 and d.sup == 1 and d.right_open:
            subs[symbol] = 1 / (1 + sp.Symbol(f"s_{symbol.name}", positive=True))
            names.append(symbol.name)
    return (expr.xreplace(subs) if subs else expr), names


def _refuted(prop: Property, what: str, name: str, residual: sp.Expr, found) -> Verdict:
    values, number = found
    return Verdict(prop, REFUTED, f"{what}: {name} differs by {sp.sstr(residual)}; at "
                   f"{values} the difference is {sp.N(number, 6)}",
                   residual=residual, counterexample=values, numeric=f"residual {sp.N(number, 6)} at a sample point")


def _residual_verdict(prop: Property, residuals: Mapping[str, sp.Expr], domains, what: str) -> Verdict:
    # A residual that is nonzero at a sample point (exact rationals, 30 digits) is refuted there and
    # then, before any simplification: simplifying a nonzero expression is the slow part of a check.
    for name, residual in residuals.items():
        if sp.sympify(residual) == 0:
            continue
        found = find_counterexample(residual, domains)
        if found:
            return _refuted(prop, what, name, residual, found)
    unresolved = {k: r for k, r in residuals.items()
                  if not is_zero(r) and not is_zero(_positive_bias_corrections(r, domains))}
    # Last, with each [0, 1) hyperparameter written b = 1/(1 + s), s > 0, so that SymPy knows 1 - b > 0
    # (a Max of (1 - b) g^2 and 0, a root of (1 - b)^2): proved for 0 < b < 1, and at b = 0 by continuity.
    interior = {k: r for k, r in unresolved.items() if not is_zero(_interior_of_unit_intervals(r, domains)[0])}
    if unresolved and not interior:
        names = sorted({n for r in unresolved.values() for n in _interior_of_unit_intervals(r, domains)[1]})
        return Verdict(prop, PROVED, f"{what}: every difference simplifies to 0 (for 0 < {', '.join(names)} < 1; "
                                     "at 0 by continuity)")
    unresolved = interior
    if not unresolved:
        return Verdict(prop, PROVED, f"{what}: every difference simplifies to 0")
    name, residual = next(iter(unresolved.items()))
    found = find_counterexample(residual, domains)
    if found:
        return _refuted(prop, what, name, residual, found)
    return Verdict(prop, UNDECIDED, f"{what}: {name}: residual {sp.sstr(residual)} did not simplify to 0 "
                   "and vanished at every sample point (numeric only, not a proof). " + NEXT_STEPS,
                   residual=residual, numeric="zero at 8 sample points")


#: What an undecided verdict suggests (docs/spec-language.md, section 3, says more).
NEXT_STEPS = ("Next: the claim is probably true but SymPy could not show it. Try narrowing the hyperparameters' "
              "domains (a positive or unit-interval domain lets SymPy cancel roots and powers), stating the "
              "closed form or change of variables the proof needs (ClosedForm, b_from_a=), or splitting the "
              "property into smaller identities; docs/spec-language.md section 3 shows each kind")


# ------------------------------------------------------------------ checks
@singledispatch
def _check(prop: Property) -> Verdict:  # pragma: no cover
    raise TypeError(f"no checker for property type {type(prop).__name__}")


@_check.register
def _(prop: Equivalent) -> Verdict:
    a, b = prop.a, prop.b
    before_a = {"theta": THETA, **{s.name: s.symbol for s in a.state}}
    after_a = a.one_step()
    b_pre = {}
    for s in b.state:
        b_pre[s.symbol] = _by_name(prop.b_from_a.get(s.name, before_a.get(s.name, s.symbol)), before_a)
    b_pre[THETA] = _by_name(prop.b_from_a.get("theta", THETA), before_a)
    after_b = b.one_step(values=b_pre)
    hyper_subs = {b.hyper(k).symbol: sp.sympify(v) for k, v in prop.hyper_map.items()}
    after_b = {k: sp.sympify(v).xreplace(hyper_subs) for k, v in after_b.items()}
    names_a = dict(after_a) | {f"{k}_prev": v for k, v in before_a.items()}
    if prop.compare is not None:
        compare = dict(prop.compare)
    else:
        shared = [s.name for s in b.state if s.name in {x.name for x in a.state}]
        compare = {"theta": THETA, **{n: sp.Symbol(n) for n in shared}}
    residuals = {}
    for quantity, expr in compare.items():
        residuals[quantity] = _by_name(expr, names_a) - after_b[quantity]
    if prop.difference is not None:
        residuals["theta"] = residuals["theta"] - _by_name(prop.difference, names_a)
    what = f"one step of {a.name} vs {b.name} from an arbitrary state, symbolic t"
    if prop.difference is not None:
        what += f", stated difference {sp.sstr(prop.difference)}"
    return _residual_verdict(prop, residuals, _domains(a, b), what)


def _closed_state(spec: Spec, state: Mapping[str, sp.Expr], t: sp.Expr) -> dict[sp.Symbol, sp.Expr]:
    return {spec.state_named(k).symbol: sp.sympify(v).xreplace({T: t}) for k, v in state.items()}


def _induction(spec: Spec, state: Mapping[str, sp.Expr]) -> tuple[dict[str, sp.Expr], dict[str, sp.Expr]]:
    """Residuals of the base case and the induction step of a closed form, and the step at t."""
    residuals = {}
    for name, expr in state.items():
        residuals[f"{name}_0"] = sp.sympify(expr).xreplace({T: 0}) - spec.state_named(name).init
    after = spec.one_step(values=_closed_state(spec, state, T - 1), gradient=GRAD)
    for name, expr in state.items():
        residuals[f"{name}_t"] = after[name] - sp.sympify(expr)
    after[STEP] = after["theta"] - THETA
    return residuals, after


@_check.register
def _(prop: ClosedForm) -> Verdict:
    residuals, after = _induction(prop.spec, prop.state)
    for name, claim in prop.claims.items():  # a claim may name the step's quantities (post-step u, step)
        residuals[name] = after[name] - _by_name(claim, after)
    return _residual_verdict(prop, residuals, _domains(prop.spec),
                             "induction on t from the initial state, constant gradient")


def _unit_interval_substitution(expr: sp.Expr, specs: Iterable[Spec]) -> tuple[sp.Expr, list[str]]:
    """Rewrite hyperparameters with domain [0, 1) as 1/(1+s), s > 0, so that SymPy knows b^t -> 0.
    (The endpoint 0 is left out; the statement says so.)"""
    subs, notes = {}, []
    for spec in specs:
        for h in spec.hyperparameters:
            if isinstance(h.domain, sp.Interval) and h.domain.inf == 0 and h.domain.sup == 1 and h.domain.right_open:
                if h.symbol in expr.free_symbols:
                    s = sp.Symbol(f"s_{h.name}", positive=True)
                    subs[h.symbol] = 1 / (1 + s)
                    notes.append(f"0 < {h.name} < 1")
    return expr.xreplace(subs), notes


@_check.register
def _(prop: Limit) -> Verdict:
    expr = sp.sympify(prop.expr)
    if prop.state:
        _, after = _induction(prop.spec, prop.state)
        expr = _by_name(expr, after)
    specs = (prop.spec,) + tuple(prop.others)
    expr, notes = _unit_interval_substitution(expr, specs)
    t_real = sp.Symbol("t_real", positive=True)
    found = sp.limit(expr.xreplace({T: t_real}), t_real, sp.oo)
    residual = found - sp.sympify(prop.value)
    what = f"limit t -> oo is {sp.sstr(found)}" + (f" (for {', '.join(notes)})" if notes else "")
    verdict = _residual_verdict(prop, {"limit": residual}, _domains(*specs), what)
    verdict.detail = what if verdict.status == PROVED else verdict.detail
    return verdict


@_check.register
def _(prop: FixedPoint) -> Verdict:
    spec = prop.spec
    after = spec.one_step(values=_closed_state(spec, prop.state, T), gradient=GRAD)
    residuals = {name: after[name] - sp.sympify(v) for name, v in prop.state.items()}
    residuals[STEP] = after["theta"] - THETA - sp.sympify(prop.step)
    verdict = _residual_verdict(prop, residuals, _domains(spec), "one step from the stated point, constant gradient")
    if verdict.status == PROVED:
        if is_zero(prop.step):
            return Verdict(prop, REFUTED, "the fixed point's step is 0")
        verdict.detail += f"; the step {sp.sstr(prop.step)} is not identically 0"
    return verdict


@_check.register
def _(prop: Scaling) -> Verdict:
    spec = prop.spec.substitute(prop.fixed, prop.spec.name) if prop.fixed else prop.spec
    base = spec.one_step(gradient=GRAD)
    delta = base["theta"] - THETA
    scale = {k: sp.sympify(v) for k, v in prop.scale.items()}
    values = {s.symbol: scale.get(s.name, 1) * s.symbol for s in spec.state}
    values[THETA] = scale.get("theta", 1) * THETA
    scaled = spec.one_step(values=values, gradient=scale.get("g", 1) * GRAD)
    delta_scaled = scaled["theta"] - values[THETA]
    residual = delta_scaled - sp.sympify(prop.factor) * delta
    domains = _domains(spec)
    return _residual_verdict(prop, {"update": residual}, domains,
                             f"update with scaled inputs vs {sp.sstr(prop.factor)} x update, fixed {dict(prop.fixed)}")


@_check.register
def _(prop: StateCount) -> Verdict:
    found = prop.spec.state_arrays_per_parameter()
    names = [s.name for s in prop.spec.element_state]
    if found == prop.expected:
        return Verdict(prop, PROVED, f"{found} state array(s) per parameter: {names}")
    return Verdict(prop, REFUTED, f"{found} state array(s) per parameter {names}, the document says {prop.expected}",
                   counterexample={"found": found, "expected": prop.expected})


def _one_step_names(spec: Spec, state: Mapping[str, sp.Expr] | None = None, t: sp.Expr | None = None,
                    objective_gradient: sp.Lambda | None = None) -> dict:
    """The quantities of one step with a plain gradient (or with ``objective_gradient`` evaluated where
    the spec takes its gradient), by name, plus ``step`` and ``x_prev``."""
    before = {"theta": THETA, **{s.name: s.symbol for s in spec.state}}
    values = {spec.state_named(k).symbol: sp.sympify(v) for k, v in (state or {}).items()}
    gradient = GRAD
    if objective_gradient is not None:
        point = THETA if spec.gradient_at is None else sp.sympify(spec.gradient_at)
        gradient = objective_gradient(point.xreplace(values))
    after = spec.one_step(values=values, gradient=gradient, t=T if t is None else sp.sympify(t))
    after[STEP] = after["theta"] - THETA
    after.update({f"{k}_prev": sp.sympify(v).xreplace(values) for k, v in before.items()})
    return after


@_check.register
def _(prop: Identity) -> Verdict:
    names = _one_step_names(prop.spec, prop.state, prop.t, prop.objective_gradient)
    residual = _by_name(prop.lhs, names) - _by_name(prop.rhs, names)
    return _residual_verdict(prop, {"identity": residual}, _domains(prop.spec),
                             f"one step, {sp.sstr(prop.lhs)} == {sp.sstr(prop.rhs)}")


def _absorb_into_max(expr: sp.Expr) -> sp.Expr:
    """``Max(a, b) + c`` -> ``Max(a + c, b + c)``, so that ``Max(x, y) - x`` becomes ``Max(0, y - x)``."""
    if isinstance(expr, sp.Add):
        maxes = [a for a in expr.args if isinstance(a, sp.Max)]
        if len(maxes) == 1:
            rest = expr - maxes[0]
            return sp.Max(*[sp.expand(a + rest) for a in maxes[0].args])
    return expr


@_check.register
def _(prop: NonNegative) -> Verdict:
    expr = sp.expand(_by_name(prop.expr, _one_step_names(prop.spec)))
    domains = _domains(prop.spec)
    for form in (expr, _absorb_into_max(expr)):
        if form.is_nonnegative:
            return Verdict(prop, PROVED, f"{sp.sstr(form)} is nonnegative under the declared assumptions")
    found = find_counterexample(expr, domains, tries=64, violates=lambda n: n < 0)
    if found:
        values, number = found
        return Verdict(prop, REFUTED, f"{sp.sstr(expr)} is {sp.N(number, 6)} < 0 at {values}",
                       residual=expr, counterexample=values, numeric=f"{sp.N(number, 6)} at a sample point")
    return Verdict(prop, UNDECIDED, f"{sp.sstr(expr)}: not shown nonnegative; no negative value at 64 sample "
                   "points (numeric only, not a proof). Next: declare the state it reads nonnegative (State(..., "
                   "nonnegative=True)), state the expression in a form whose sign is evident (a square, a Max "
                   "with 0), or narrow the hyperparameters' domains", residual=expr,
                   numeric="nonnegative at 64 sample points")


def check(prop: Property) -> Verdict:
    """Check one property and time it."""
    start = time.perf_counter()
    verdict = _check(prop)
    verdict.seconds = time.perf_counter() - start
    return verdict


def check_all(properties: Iterable[Property], report: Callable[[Verdict], None] | None = None) -> list[Verdict]:
    verdicts = []
    for prop in properties:
        verdict = check(prop)
        if report:
            report(verdict)
        verdicts.append(verdict)
    return verdicts


def require(verdicts: Iterable[Verdict]) -> None:
    """Raise :class:`ProofError` unless every property got its declared verdict."""
    failures = [v for v in verdicts if not v.ok]
    if failures:
        raise ProofError(failures)
