"""The spec language: an optimizer's update rule as a plain, checked value.

A :class:`Spec` declares hyperparameters, state, the inputs (``theta``, ``g``,
``t``) and an ordered list of elementwise assignments.  Assignments have
sequential semantics, as in the kernel: before a state symbol is assigned it
denotes the previous value (``m_{t-1}``), after it the new one (``m_t``).
Everything is validated when the spec is built; a bad spec raises
:class:`SpecError` naming the spec, the quantity and the reason.

Properties (relations between specs, proved by ``optforge.codegen.prover``)
are declared here too, as plain values, so that a spec module can declare the
properties of the specs it defines beside them.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

import sympy as sp

__all__ = [
    "SpecError", "Hyperparameter", "State", "Assign", "Spec",
    "THETA", "GRAD", "T", "GradAt", "POSITIVE", "NONNEGATIVE", "UNIT_INTERVAL",
    "Property", "Equivalent", "ClosedForm", "FixedPoint", "Limit", "Scaling",
    "StateCount", "Identity", "NonNegative", "ChangeOfVariables", "TorchEquivalent",
]

# The inputs every spec shares: parameter, gradient, step counter (1 on the first update).
THETA = sp.Symbol("theta", real=True)
GRAD = sp.Symbol("g", real=True)
T = sp.Symbol("t", integer=True, positive=True)

POSITIVE = sp.Interval.open(0, sp.oo)
NONNEGATIVE = sp.Interval(0, sp.oo)
UNIT_INTERVAL = sp.Interval.Ropen(0, 1)  # 0 <= beta < 1

#: ``GradAt(x)``: the gradient of the objective evaluated at the point ``x``.
#: The prover substitutes it for ``g`` so that specs whose gradients are taken
#: at different points are not confused with each other.
GradAt = sp.Function("GradAt", real=True)

# Functions a kernel printer supports, on per-element and on per-step scalar values.
ELEMENT_FUNCTIONS = (sp.Abs, sp.sign, sp.Max, sp.Min)
SCALAR_FUNCTIONS = ELEMENT_FUNCTIONS + (sp.exp, sp.log)


class SpecError(ValueError):
    """A spec (or a property declaration) is malformed."""

    def __init__(self, spec: str, quantity: str, reason: str, source: str | None = None):
        self.spec, self.quantity, self.reason, self.source = spec, quantity, reason, source
        where = f" (at {source})" if source else ""
        super().__init__(f"spec {spec!r}{where}, quantity {quantity!r}: {reason}")

    def __reduce__(self):  # picklable (a worker process reports it to its parent)
        return type(self), (self.spec, self.quantity, self.reason, self.source)


#: Modules whose functions build declarations for their callers (``common.learning_rate(1e-3)``): a
#: declaration's source is the first frame outside them, the line that chose its values.
_FACTORY_MODULES = {__name__, "dataclasses"}  # dataclasses.replace(h, ...) is its caller's declaration


def factory_module(name: str) -> None:
    """Declare the module ``name`` a factory of declarations (see :data:`_FACTORY_MODULES`)."""
    _FACTORY_MODULES.add(name)


def _caller_source(depth: int = 2) -> str | None:
    """'file:line' of the code that built a spec, so errors point at the user's file."""
    try:
        frame = sys._getframe(depth)
    except ValueError:  # pragma: no cover - shallow stacks
        return None
    while frame is not None and frame.f_globals.get("__name__") in _FACTORY_MODULES:
        frame = frame.f_back
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else None


def _set_source(item) -> None:
    """Record where a frozen declaration was written (the first frame outside this module)."""
    if item.source is None:
        object.__setattr__(item, "source", _caller_source(2))


#: While ``optforge.codegen.mutants`` rebuilds the specs with one mistake, a function called with every
#: ``Assign`` as its author writes it (not the copies that ``variant`` and ``substitute`` make, which
#: carry their source already); it returns the expression to use.  None otherwise.
AUTHORED_ASSIGN_HOOK: Callable[["Assign"], sp.Expr] | None = None
#: The same for every ``Hyperparameter`` as its author declares it: returns the fields to change
#: (``{"default": 0.99}``, ``{"domain": ...}``), or an empty mapping.
AUTHORED_HYPER_HOOK: Callable[["Hyperparameter"], Mapping[str, object]] | None = None


def _exact(value) -> sp.Rational:
    """A default as the exact rational its decimal spelling names (``1e-8`` -> 1/10**8), for the domain
    check; an integer stays an integer.  (``nsimplify`` would search for a closed form, slowly.)"""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or \
            value in (float("inf"), float("-inf")):
        return sp.sympify(value)
    return sp.Rational(repr(value)) if isinstance(value, float) else sp.Integer(value)


def _symbol_assumptions(domain: sp.Set) -> dict:
    """SymPy assumptions implied by a hyperparameter's domain (used by the prover)."""
    assumptions = {"real": True}
    if isinstance(domain, sp.Interval):
        lo = domain.inf
        if lo.is_number and (lo > 0 or (lo == 0 and domain.left_open)):
            assumptions["positive"] = True
        elif lo.is_number and lo >= 0:
            assumptions["nonnegative"] = True
    return assumptions


@dataclass(frozen=True)
class Hyperparameter:
    """A per-step scalar input the user chooses.

    ``api`` is the keyword the public optimizer classes use (PyTorch's name where
    PyTorch has one); ``api_index`` places it inside a tuple argument such as
    ``betas``.
    """

    name: str
    default: float | None
    domain: sp.Set | None
    meaning: str
    latex: str
    api: str | None = None
    api_index: int | None = None
    #: 'file:line' that declared it (set when built; errors about it point there)
    source: str | None = field(default=None, compare=False, repr=False, kw_only=True)

    def __post_init__(self):
        authored = self.source is None
        _set_source(self)
        if authored and AUTHORED_HYPER_HOOK is not None:
            for key, value in AUTHORED_HYPER_HOOK(self).items():
                object.__setattr__(self, key, value)

    @property
    def symbol(self) -> sp.Symbol:
        return sp.Symbol(self.name, **_symbol_assumptions(self.domain or sp.Reals))

    @property
    def api_name(self) -> str:
        return self.api or self.name


@dataclass(frozen=True)
class State:
    """Optimizer state: one array per parameter (``per_element``) or one scalar per step."""

    name: str
    init: float
    meaning: str
    latex: str
    per_element: bool = True
    nonnegative: bool = False
    torch_name: str | None = None  # key in torch.optim's state dict, where it has one
    source: str | None = field(default=None, compare=False, repr=False, kw_only=True)

    def __post_init__(self):
        _set_source(self)

    @property
    def symbol(self) -> sp.Symbol:
        if self.nonnegative:
            return sp.Symbol(self.name, nonnegative=True)
        return sp.Symbol(self.name, real=True)


@dataclass(frozen=True)
class Assign:
    """``target := expr``; ``meaning`` and ``latex`` name intermediates on the sheets."""

    target: sp.Symbol
    expr: sp.Expr
    meaning: str = ""
    latex: str | None = None
    #: 'file:line' of the ``Assign(...)``: errors about this assignment point there
    source: str | None = field(default=None, compare=False, repr=False, kw_only=True)

    def __post_init__(self):
        authored = self.source is None
        _set_source(self)
        if authored and AUTHORED_ASSIGN_HOOK is not None:
            object.__setattr__(self, "expr", AUTHORED_ASSIGN_HOOK(self))

    @property
    def name(self) -> str:
        return self.target.name


@dataclass(frozen=True)
class TorchEquivalent:
    """The ``torch.optim`` call that computes a spec exactly, as data.

    ``hypers`` maps torch's keyword arguments to the spec's hyperparameter names (a tuple of names
    for a tuple argument such as ``betas``); ``options`` are torch keywords with fixed values;
    ``state`` maps the spec's per-element and scalar state to torch's state keys (read off each
    :class:`State`'s ``torch_name``); ``note`` says when the match needs more (a default dtype).
    """

    cls: str  # the class in torch.optim
    hypers: Mapping[str, object] = field(default_factory=dict)
    options: Mapping[str, object] = field(default_factory=dict)
    note: str = ""

    def call_text(self) -> str:
        """The call as a reader writes it: ``torch.optim.Adam(params, lr=lr, betas=(b1, b2), ...)``."""
        parts = []
        for key, names in self.hypers.items():
            parts.append(f"{key}=({', '.join(names)})" if isinstance(names, tuple) else f"{key}={names}")
        for key, value in self.options.items():
            parts.append(f"{key}={value!r}" if not (isinstance(value, float) and value == float("inf"))
                         else f"{key}=float('inf')")
        return f"torch.optim.{self.cls}(params, {', '.join(parts)})"


def _free(expr: sp.Expr) -> set[sp.Symbol]:
    return {s for s in expr.free_symbols if isinstance(s, sp.Symbol)}


@dataclass(frozen=True)
class Spec:
    """One optimizer's update rule.  Build it with :meth:`Spec.__init__`; it validates itself."""

    name: str
    title: str
    hyperparameters: tuple[Hyperparameter, ...]
    state: tuple[State, ...]
    assignments: tuple[Assign, ...]
    description: str = ""
    #: where the gradient is evaluated, in the pre-step variables (NAG's look-ahead); ``theta`` if None
    gradient_at: sp.Expr | None = None
    param_latex: str = r"\theta"
    param_meaning: str = "parameters"
    references: tuple[str, ...] = ()
    #: the ``torch.optim`` call that matches this spec exactly, or None
    torch_equivalent: "TorchEquivalent | None" = None
    #: how the frameworks differ from this spec (sheets)
    framework_notes: tuple[str, ...] = ()
    #: the variable a derived form stores instead of theta, where the gradient is taken elsewhere
    stored_variable: "ChangeOfVariables | None" = None
    #: name of the optimizer class its generated module defines (``Adam``); None: no module
    api_class: str | None = None
    #: the class is exported as ``optforge.<api_class>``; False: a variant's module, imported on use
    #: (``optforge.generated.adam_torch``, listed in ``optforge.generated.VARIANTS``)
    export: bool = True
    source: str | None = field(default=None, compare=False)
    parent: str | None = None  # name of the spec this is a variant of

    def __post_init__(self):
        object.__setattr__(self, "hyperparameters", tuple(self.hyperparameters))
        object.__setattr__(self, "state", tuple(self.state))
        object.__setattr__(self, "assignments", tuple(self.assignments))
        object.__setattr__(self, "references", tuple(self.references))
        object.__setattr__(self, "framework_notes", tuple(self.framework_notes))
        if self.source is None:
            object.__setattr__(self, "source", _caller_source(3))
        self._canonicalize()
        self.validate()

    def _canonicalize(self) -> None:
        """Give every name one SymPy symbol (the declared one), whatever assumptions the
        author's ``Symbol(...)`` carried, so that substitution by symbol is by name."""
        canon = {"theta": THETA, "g": GRAD, "t": T}
        canon.update({h.name: h.symbol for h in self.hyperparameters})
        canon.update({s.name: s.symbol for s in self.state})
        for a in self.assignments:
            if isinstance(a.target, sp.Symbol):
                canon.setdefault(a.target.name, a.target)

        def fix(expr):
            expr = sp.sympify(expr)
            return expr.xreplace({s: canon[s.name] for s in _free(expr) if s.name in canon})

        object.__setattr__(self, "assignments", tuple(
            dataclasses.replace(a, target=canon.get(getattr(a.target, "name", None), a.target), expr=fix(a.expr))
            for a in self.assignments))
        if self.gradient_at is not None:
            object.__setattr__(self, "gradient_at", fix(self.gradient_at))

    # ------------------------------------------------------------------ lookups
    def error(self, quantity: str, reason: str, at=None) -> SpecError:
        """A :class:`SpecError` located at ``at`` (an Assign, Hyperparameter or State: the line
        that wrote it), else at the line that built the spec."""
        return SpecError(self.name, quantity, reason, getattr(at, "source", None) or self.source)

    @property
    def hyper_symbols(self) -> dict[str, sp.Symbol]:
        return {h.name: h.symbol for h in self.hyperparameters}

    @property
    def element_state(self) -> tuple[State, ...]:
        return tuple(s for s in self.state if s.per_element)

    @property
    def scalar_state(self) -> tuple[State, ...]:
        return tuple(s for s in self.state if not s.per_element)

    def hyper(self, name: str) -> Hyperparameter:
        for h in self.hyperparameters:
            if h.name == name:
                return h
        raise KeyError(f"spec {self.name!r} has no hyperparameter {name!r}")

    def state_named(self, name: str) -> State:
        for s in self.state:
            if s.name == name:
                return s
        raise KeyError(f"spec {self.name!r} has no state {name!r}")

    def assignment(self, name: str) -> Assign:
        for a in self.assignments:
            if a.name == name:
                return a
        raise KeyError(f"spec {self.name!r} has no assignment to {name!r}")

    @property
    def intermediates(self) -> tuple[Assign, ...]:
        declared = {s.name for s in self.state} | {THETA.name, GRAD.name}
        return tuple(a for a in self.assignments if a.name not in declared)

    def unused_intermediates(self) -> tuple[str, ...]:
        """Intermediates whose value no later assignment of theta or the state reads (a variant that
        replaced their reader inherits them); the kernels and the sheets leave them out."""
        kept = {"theta"} | {s.name for s in self.state}
        live: set[str] = set()
        unused = []
        for a in reversed(self.assignments):
            if a.name in kept or a.name in live:
                live |= {s.name for s in _free(sp.sympify(a.expr))}
            else:
                unused.append(a.name)
        return tuple(unused[::-1])

    def scalar_names(self) -> set[str]:
        """Names whose value is the same for every element: hyperparameters, ``t``,
        scalar state and intermediates computed from those only."""
        names = {h.name for h in self.hyperparameters} | {T.name} | {s.name for s in self.scalar_state}
        for a in self.assignments:
            if a.name in names or all(s.name in names for s in _free(a.expr)):
                if a.name not in {THETA.name, GRAD.name} and a.name not in {s.name for s in self.element_state}:
                    names.add(a.name)
        return names

    # --------------------------------------------------------------- validation
    def validate(self) -> None:
        if not self.name.isidentifier():
            raise self.error("name", "a spec name must be a Python identifier")
        seen: dict[str, str] = {}
        for kind, names in (("input", ["theta", "g", "t"]),
                            ("hyperparameter", [h.name for h in self.hyperparameters]),
                            ("state", [s.name for s in self.state])):
            for n in names:
                if n in seen:
                    raise self.error(n, f"declared twice (as {seen[n]} and as {kind})")
                if not n.isidentifier():
                    raise self.error(n, "names must be Python identifiers")
                seen[n] = kind
        for h in self.hyperparameters:
            if h.default is None:
                raise self.error(h.name, "hyperparameter has no default value", h)
            if h.domain is None:
                raise self.error(h.name, "hyperparameter has no domain", h)
            if not isinstance(h.domain, sp.Interval):
                raise self.error(h.name, "the domain must be a sympy Interval", h)
            if not h.domain.contains(_exact(h.default)) == sp.true:
                raise self.error(h.name, f"default {h.default!r} lies outside its domain {h.domain}", h)

        declared = {n: "input" for n in ("theta", "g", "t")}
        declared.update({h.name: "hyperparameter" for h in self.hyperparameters})
        declared.update({s.name: "state" for s in self.state})
        assigned = set(declared)
        targets = set()
        scalar = {h.name for h in self.hyperparameters} | {"t"} | {s.name for s in self.scalar_state}
        for a in self.assignments:
            if not isinstance(a.target, sp.Symbol):
                raise self.error(str(a.target), "an assignment target must be a Symbol", a)
            if declared.get(a.name) in ("hyperparameter",) or a.name == "t":
                raise self.error(a.name, f"cannot assign to the {declared.get(a.name, 'input')} {a.name!r}", a)
            if a.name not in declared and a.name in targets:
                raise self.error(a.name, "intermediate assigned twice", a)
            expr = sp.sympify(a.expr)
            for s in sorted(_free(expr), key=str):
                if s.name not in assigned:
                    if s.name in {b.name for b in self.assignments}:
                        state = ", ".join(x.name for x in self.state) or "none"
                        raise self.error(a.name, f"uses {s.name!r} before it is assigned: {s.name!r} is not declared "
                                         f"state (the declared state: {state}). A quantity a step reads before it "
                                         f"assigns it carries over from the last step, so declare it as "
                                         f"State({s.name!r}, ...), or else assign it earlier", a)
                    raise self.error(a.name, f"uses the undeclared symbol {s.name!r}", a)
            is_scalar = all(s.name in scalar for s in _free(expr))
            self._check_operations(a.name, expr, scalar, a)
            if a.name in {s.name for s in self.scalar_state} and not is_scalar:
                raise self.error(a.name, "scalar state can only depend on scalars", a)
            if a.name not in declared and is_scalar:
                scalar.add(a.name)
            assigned.add(a.name)
            targets.add(a.name)
        if "theta" not in targets:
            raise self.error("theta", "the spec never updates the parameters")
        for s in self.state:
            if s.name not in targets:
                raise self.error(s.name, "state is declared but never updated", s)
        if self.gradient_at is not None:
            point = sp.sympify(self.gradient_at)
            extra = {s.name for s in _free(point)} - ({"theta"} | {h.name for h in self.hyperparameters}
                                                          | {s.name for s in self.state})
            if extra:
                raise self.error("gradient_at", f"uses undeclared symbols {sorted(extra)}")

    def _check_operations(self, quantity: str, expr: sp.Expr, scalar: set[str], at=None) -> None:
        """Only what the kernel printer supports: on per-element values +, -, *, /, integer
        powers, sqrt and ELEMENT_FUNCTIONS; per-step scalar subexpressions may also use
        symbolic exponents, exp and log (they are computed once per step in float64)."""
        for node in sp.preorder_traversal(expr):
            if isinstance(node, (sp.Symbol, sp.Number, sp.Add, sp.Mul, sp.NumberSymbol)):
                continue
            node_is_scalar = all(s.name in scalar for s in _free(node))
            if isinstance(node, sp.Pow):
                exp = node.args[1]
                if node_is_scalar:
                    continue
                if _free(exp):
                    raise self.error(quantity, f"the exponent of {node} varies per element; "
                                               "only per-step scalars may have symbolic exponents", at)
                if not (exp.is_Integer or exp in (sp.S.Half, -sp.S.Half)):
                    raise self.error(quantity, f"unsupported power {node}: per-element exponents must "
                                               "be integers or +-1/2 (sqrt)", at)
                continue
            allowed = SCALAR_FUNCTIONS if node_is_scalar else ELEMENT_FUNCTIONS
            if isinstance(node, allowed):
                continue
            where = "per-step scalar" if node_is_scalar else "per-element"
            raise self.error(quantity, f"unsupported operation {type(node).__name__!r} in a {where} expression "
                                       f"(supported: +, -, *, /, integer powers, sqrt, "
                                       f"{', '.join(f.__name__ for f in allowed)})", at)

    # ------------------------------------------------------------- transforms
    def variant(self, name: str, title: str | None = None, *, hyperparameters: Sequence[Hyperparameter] = (),
                state: Sequence[State] = (), assign: Sequence[Assign] = (),
                defaults: Mapping[str, float] | None = None, **changes) -> "Spec":
        """A new spec that differs from this one as stated (optax's ``partial(adam, nesterov=True)``).

        ``assign`` replaces same-named assignments in place; a new target is placed just before
        the first assignment that reads it.  ``defaults`` changes hyperparameter defaults.
        """
        # a changed default is declared here: its source is the caller's line (errors, mutation testing)
        hypers = [dataclasses.replace(h, default=defaults[h.name], source=None) if h.name in (defaults or {}) else h
                  for h in self.hyperparameters] + list(hyperparameters)
        unknown = set(defaults or {}) - {h.name for h in hypers}
        if unknown:
            raise SpecError(name, sorted(unknown)[0], "default given for an undeclared hyperparameter")
        assignments = list(self.assignments)
        inserted = []
        for new in assign:
            positions = [i for i, a in enumerate(assignments) if a.name == new.name]
            if positions:
                i = positions[0]
                assignments[i] = dataclasses.replace(
                    new, meaning=new.meaning or assignments[i].meaning, latex=new.latex or assignments[i].latex)
            else:
                inserted.append(new)
        # Last first, so that a new assignment read by a later new one lands before it.
        for new in reversed(inserted):
            readers = [i for i, a in enumerate(assignments)
                       if new.name in {s.name for s in _free(sp.sympify(a.expr))}]
            assignments.insert(readers[0] if readers else len(assignments), new)
        return dataclasses.replace(
            self, name=name, title=title or name, hyperparameters=tuple(hypers),
            state=self.state + tuple(state), assignments=tuple(assignments),
            source=_caller_source(2), parent=self.parent or self.name, **changes)

    def substitute(self, values: Mapping[str, object], name: str | None = None) -> "Spec":
        """Fix hyperparameters to values (``{'lam': 0}``); they leave the spec."""
        subs = {self.hyper(k).symbol: sp.sympify(v) for k, v in values.items()}
        return dataclasses.replace(
            self, name=name or f"{self.name}_fixed",
            hyperparameters=tuple(h for h in self.hyperparameters if h.name not in values),
            assignments=tuple(dataclasses.replace(a, expr=sp.sympify(a.expr).xreplace(subs))
                              for a in self.assignments),
            gradient_at=None if self.gradient_at is None else sp.sympify(self.gradient_at).xreplace(subs),
            source=_caller_source(2), parent=self.name)

    # ------------------------------------------------------------- semantics
    def pre_state(self) -> dict[sp.Symbol, sp.Expr]:
        """Arbitrary symbolic values for everything a step reads (theta, state)."""
        return {THETA: THETA, **{s.symbol: s.symbol for s in self.state}}

    def one_step(self, values: Mapping[sp.Symbol, sp.Expr] | None = None,
                 gradient: sp.Expr | None = None, t: sp.Expr = T) -> dict[str, sp.Expr]:
        """Symbolic execution of one update.

        ``values`` gives the pre-step theta and state (default: their own symbols); ``gradient``
        the value of ``g`` (default: ``GradAt(point)`` at the spec's gradient point).  Returns
        every assigned quantity by name, at its final value, plus the inputs.
        """
        env: dict[sp.Symbol, sp.Expr] = dict(self.pre_state())
        if values:
            env.update({_as_symbol(k, self): sp.sympify(v) for k, v in values.items()})
        env[T] = t
        if gradient is None:
            point = THETA if self.gradient_at is None else sp.sympify(self.gradient_at)
            gradient = GradAt(point.xreplace(env))
        env[GRAD] = gradient
        for a in self.assignments:
            env[a.target] = sp.sympify(a.expr).xreplace(env)
        return {k.name: v for k, v in env.items()}

    def state_arrays_per_parameter(self) -> int:
        return len(self.element_state)

    def stored_gradient_form(self) -> "Spec":
        """Derive the form that needs the gradient only at the stored variable.

        The spec states where its gradient is taken (``gradient_at``, NAG's look-ahead
        ``theta - mu v``) and the change of variables ``phi = gradient_at``.  Substituting
        ``theta = theta(phi, state)`` into one step and mapping the result back gives every
        new value in terms of ``phi``, the state and ``g = grad f(phi)``.  The derived spec's
        parameter is ``phi`` (printed as the kernel's ``theta`` argument).  The prover checks
        the result against the original (a property declared beside the spec).
        """
        if self.gradient_at is None:
            return self
        cov = self.stored_variable
        if cov is None:
            raise self.error("gradient_at", "a gradient taken away from theta needs a stored_variable "
                                            "(change of variables) to derive a kernel form")
        point, new_var = sp.sympify(self.gradient_at), sp.sympify(cov.expr)
        if sp.simplify(point - new_var) != 0:
            raise self.error(cov.name, f"the change of variables {cov.name} = {new_var} does not map the "
                                       f"gradient point {point} to the stored variable, so the derived "
                                       "form would need the gradient somewhere else")
        phi = sp.Symbol(cov.name, real=True)
        solutions = sp.solve(sp.Eq(new_var, phi), THETA, dict=True)
        if len(solutions) != 1:
            raise self.error(cov.name, "the change of variables cannot be solved uniquely for theta")
        old_theta = solutions[0][THETA]
        after = self.one_step(values={THETA: old_theta}, gradient=GRAD)
        new_values = {s.name: after[s.name] for s in self.state}
        env = {THETA: after["theta"], **{s.symbol: after[s.name] for s in self.state}}
        new_values["theta"] = new_var.xreplace(env)
        collect_on = [s.symbol for s in self.element_state] + [GRAD, THETA]
        final = {}
        for name, expr in new_values.items():
            expr = sp.expand(expr.xreplace({phi: THETA}))
            parts = sp.collect(expr, collect_on, evaluate=False)
            final[name] = sp.Add(*(sp.factor(coeff) * key for key, coeff in parts.items()))
        # Order the assignments so that no old value is overwritten before it is read.
        targets = [s.name for s in self.scalar_state] + [s.name for s in self.element_state] + ["theta"]
        ordered: list[str] = []
        pending = list(targets)
        while pending:
            for name in pending:
                readers = [o for o in pending if o != name
                           and any(sym.name == name for sym in _free(final[o]))]
                if not readers:
                    ordered.append(name)
                    pending.remove(name)
                    break
            else:
                raise self.error(cov.name, "the derived form has a cyclic dependency between "
                                           f"{pending}; it needs temporaries this derivation does not make")
        symbols = {s.name: s.symbol for s in self.state} | {"theta": THETA}
        meanings = {s.name: f"{s.meaning}, in the stored variables" for s in self.state}
        meanings["theta"] = f"{cov.meaning}: the stored variable after the step, gradient taken there"
        return dataclasses.replace(
            self, name=f"{self.name}_stored", title=f"{self.title} (stored-gradient form)",
            assignments=tuple(Assign(symbols[n], final[n], meanings[n], source=self.source) for n in ordered),
            gradient_at=None, param_latex=cov.latex, param_meaning=cov.meaning,
            stored_variable=None, parent=self.name, source=self.source)


def _as_symbol(key, spec: Spec) -> sp.Symbol:
    if isinstance(key, sp.Symbol):
        for s in spec.state:
            if s.name == key.name:
                return s.symbol
        return key
    if key == "theta":
        return THETA
    return spec.state_named(key).symbol


# ---------------------------------------------------------------- properties
@dataclass(frozen=True)
class Property:
    """Base of property declarations.  ``holds`` is the verdict the declaration expects:
    True (proved) or False (refuted)."""

    name: str
    #: 'file:line' of the declaration: errors about it point there
    source: str | None = field(default=None, compare=False, repr=False, kw_only=True)

    def __post_init__(self):
        _set_source(self)
        self._check_names()

    @property
    def specs(self) -> tuple[Spec, ...]:  # pragma: no cover - overridden
        return ()

    def _check_names(self) -> None:
        """Each subclass names the mappings whose keys must be quantities of a spec."""

    def _keys(self, spec: Spec | None, argument: str, allowed: Iterable[str], what: str) -> None:
        """Every key of the mapping ``argument`` is in ``allowed`` (a misspelled key is an error
        naming it, never a verdict)."""
        mapping = getattr(self, argument) or {}
        allowed = list(dict.fromkeys(allowed))
        for key in mapping:
            name = key.name if isinstance(key, sp.Symbol) else key
            if name not in allowed:
                raise SpecError(spec.name if spec is not None else "?", str(name),
                                f"property {self.name!r} names {name!r} in {argument}=, but {what} has no "
                                f"{name!r}; it can name {', '.join(allowed) or 'nothing'}", self.source)

    def _symbols(self, spec: Spec | None, argument: str, allowed: Iterable[str], what: str) -> None:
        """Every symbol in the expression ``argument`` is a quantity the prover knows."""
        expr = getattr(self, argument)
        if spec is None or expr is None:
            return
        allowed = set(allowed)
        for sym in sorted(_free(sp.sympify(expr)), key=str):
            if sym.name not in allowed:
                raise SpecError(spec.name, sym.name, f"property {self.name!r} uses {sym.name!r} in {argument}=, "
                                f"but {what} has no {sym.name!r}; it can use {', '.join(sorted(allowed))}",
                                self.source)


def _state_names(spec: Spec | None) -> list[str]:
    return [] if spec is None else [s.name for s in spec.state]


def _step_names(spec: Spec | None) -> list[str]:
    """What a property may name about one step: inputs, hyperparameters, state and every assigned
    quantity after the step, ``step`` (theta_t - theta_{t-1}) and ``x_prev`` (a pre-step value)."""
    if spec is None:
        return []
    before = ["theta"] + _state_names(spec)
    return (["theta", "g", "t", "step"] + [h.name for h in spec.hyperparameters] + _state_names(spec)
            + [a.name for a in spec.assignments] + [f"{n}_prev" for n in before])


@dataclass(frozen=True)
class Equivalent(Property):
    """One step of ``a`` equals one step of ``b`` from any state, for symbolic ``t``.

    ``b_from_a`` expresses b's pre-step variables in a's (a change of variables);
    ``compare`` maps each quantity of b to compare to an expression in a's post-step
    values (default: theta and the state both have).  ``difference`` states
    ``a.theta - b.theta`` exactly (in a's post-step values) when they are not equal.

    ``checkpoint=True`` declares that ``a``'s state is the layout of ``a``'s torch.optim
    checkpoints and ``b_from_a`` the change of variables that converts them: the generated
    module of ``b`` prints the conversion both ways from this very mapping (solved for ``a``'s
    state), and ``optforge.torch`` loads and saves checkpoints through it.  It is then a proved
    invariant of one step, so it holds after any number of steps at an unchanged ``hyper_map``.
    """

    a: Spec = None
    b: Spec = None
    holds: bool = True
    b_from_a: Mapping[str, sp.Expr] = field(default_factory=dict)
    compare: Mapping[str, sp.Expr] | None = None
    hyper_map: Mapping[str, sp.Expr] = field(default_factory=dict)  # b's hyper -> expr in a's
    difference: sp.Expr | None = None
    statement: str = ""
    checkpoint: bool = False

    @property
    def specs(self):
        return (self.a, self.b)

    def checkpoint_conversion(self) -> tuple[dict[str, sp.Expr], dict[str, sp.Expr]]:
        """For ``checkpoint=True``: ``(b_of_a, a_of_b)``, b's per-element state in a's and a's in b's
        (each mapping solved for the one state symbol of ``a`` it contains)."""
        a, b = self.a, self.b
        a_state = {s.symbol: s for s in a.element_state}
        b_of_a, a_of_b = {}, {}
        for name, expr in self.b_from_a.items():
            expr = sp.sympify(expr)
            mine = [sym for sym in _free(expr) if sym in a_state]
            others = _free(expr) - set(a_state) - {h.symbol for h in a.hyperparameters}
            if name not in {s.name for s in b.element_state} or len(mine) != 1 or others:
                raise SpecError(b.name, name, f"property {self.name!r} is a checkpoint conversion, so each "
                                f"entry of b_from_a maps one per-element state of {b.name!r} to an expression "
                                f"in exactly one per-element state of {a.name!r} and its hyperparameters; {name} = "
                                f"{expr} is not",
                                self.source)
            target = b.state_named(name).symbol
            solved = sp.solve(sp.Eq(target, expr), mine[0], dict=True)
            if len(solved) != 1:
                raise SpecError(b.name, name, f"property {self.name!r}: {name} = {expr} cannot be solved "
                                f"uniquely for {mine[0]}, so a checkpoint could not be converted back",
                                self.source)
            b_of_a[name] = expr
            a_of_b[a_state[mine[0]].name] = solved[0][mine[0]]
        missing = [s.name for s in a.element_state if s.name not in a_of_b]
        if missing:
            raise SpecError(a.name, missing[0], f"property {self.name!r} is a checkpoint conversion but gives no "
                            f"{b.name!r} state for {a.name!r}'s {missing}", self.source)
        return b_of_a, a_of_b

    def _check_names(self):
        b = self.b
        self._keys(b, "b_from_a", ["theta"] + _state_names(b), f"spec {getattr(b, 'name', '?')!r}'s pre-step state")
        self._keys(b, "hyper_map", [h.name for h in b.hyperparameters] if b else [],
                   f"spec {getattr(b, 'name', '?')!r}'s hyperparameters")
        self._keys(b, "compare", ["theta"] + _state_names(b) + ([a.name for a in b.assignments] if b else []),
                   f"spec {getattr(b, 'name', '?')!r}'s step")
        if self.checkpoint:
            self.checkpoint_conversion()


@dataclass(frozen=True)
class ClosedForm(Property):
    """From the initial state with a constant gradient, the state after ``t`` steps is
    ``state`` (a closed form in symbolic ``t``, proved by induction), and each quantity in
    ``claims`` then equals the given expression for every ``t`` (which may name the step's
    quantities, as in :class:`Identity`: ``u`` is the post-step ``u``)."""

    spec: Spec = None
    state: Mapping[str, sp.Expr] = field(default_factory=dict)
    claims: Mapping[str, sp.Expr] = field(default_factory=dict)
    holds: bool = True
    statement: str = ""

    @property
    def specs(self):
        return (self.spec,)

    def _check_names(self):
        self._keys(self.spec, "state", _state_names(self.spec), "the spec's state")
        self._keys(self.spec, "claims", _step_names(self.spec), "the spec's step")


@dataclass(frozen=True)
class Limit(Property):
    """``limit(expr, t -> oo) == value``; ``expr`` may name quantities of ``spec`` after a step
    from the closed-form state ``state`` (constant gradient)."""

    spec: Spec = None
    expr: sp.Expr = None
    value: sp.Expr = sp.S.Zero
    state: Mapping[str, sp.Expr] = field(default_factory=dict)
    holds: bool = True
    statement: str = ""
    others: tuple[Spec, ...] = ()

    @property
    def specs(self):
        return (self.spec,) + tuple(self.others)

    def _check_names(self):
        self._keys(self.spec, "state", _state_names(self.spec), "the spec's state")


@dataclass(frozen=True)
class FixedPoint(Property):
    """With a constant gradient, ``state`` is mapped to itself and the step
    ``theta_t - theta_{t-1}`` equals ``step`` (a nonzero expression)."""

    spec: Spec = None
    state: Mapping[str, sp.Expr] = field(default_factory=dict)
    step: sp.Expr = None
    holds: bool = True
    statement: str = ""

    @property
    def specs(self):
        return (self.spec,)

    def _check_names(self):
        self._keys(self.spec, "state", _state_names(self.spec), "the spec's state")


@dataclass(frozen=True)
class Scaling(Property):
    """Scaling the pre-step variables by ``scale`` (``{'theta': c, 'g': 1/c, ...}``) with
    ``fixed`` hyperparameters multiplies the update ``theta_t - theta_{t-1}`` by ``factor``."""

    spec: Spec = None
    scale: Mapping[str, sp.Expr] = field(default_factory=dict)
    factor: sp.Expr = sp.S.One
    fixed: Mapping[str, object] = field(default_factory=dict)
    holds: bool = True
    statement: str = ""

    @property
    def specs(self):
        return (self.spec,)

    def _check_names(self):
        self._keys(self.spec, "scale", ["theta", "g"] + _state_names(self.spec), "the spec's pre-step variables")
        self._keys(self.spec, "fixed", [h.name for h in self.spec.hyperparameters] if self.spec else [],
                   "the spec's hyperparameters")


@dataclass(frozen=True)
class StateCount(Property):
    """The number of state arrays per parameter, read off the spec, is ``expected``
    (the source document's memory claim)."""

    spec: Spec = None
    expected: int = 0
    holds: bool = True
    statement: str = ""

    @property
    def specs(self):
        return (self.spec,)


@dataclass(frozen=True)
class Identity(Property):
    """After one step of ``spec`` (with a plain gradient ``g``) from ``state`` (default: an
    arbitrary state) at step ``t``, ``lhs == rhs``.  Names refer to the step's quantities:
    ``step`` is ``theta_t - theta_{t-1}``, ``x_prev`` the pre-step value of ``x``.
    ``objective_gradient`` (a ``sympy.Lambda``: ``Lambda(x, a * x)`` for ``f = a x^2 / 2``) replaces
    the plain gradient by the objective's, evaluated where the spec takes it (NAG: at its look-ahead
    point), so that a claim can pin where that is."""

    spec: Spec = None
    lhs: sp.Expr = None
    rhs: sp.Expr = None
    state: Mapping[str, sp.Expr] = field(default_factory=dict)
    t: sp.Expr = None
    holds: bool = True
    statement: str = ""
    objective_gradient: sp.Lambda | None = None

    @property
    def specs(self):
        return (self.spec,)

    def _check_names(self):
        self._keys(self.spec, "state", _state_names(self.spec), "the spec's state")
        objective = [] if self.objective_gradient is None else [
            s.name for s in _free(sp.sympify(self.objective_gradient.expr)) - set(self.objective_gradient.variables)]
        for argument in ("lhs", "rhs"):
            self._symbols(self.spec, argument, _step_names(self.spec) + objective,
                          "the spec's step" + (" or the objective" if objective else ""))


@dataclass(frozen=True)
class NonNegative(Property):
    """After one step of ``spec`` from an arbitrary state, ``expr >= 0`` (names as in
    :class:`Identity`)."""

    spec: Spec = None
    expr: sp.Expr = None
    holds: bool = True
    statement: str = ""

    @property
    def specs(self):
        return (self.spec,)

    def _check_names(self):
        self._symbols(self.spec, "expr", _step_names(self.spec), "the spec's step")


@dataclass(frozen=True)
class ChangeOfVariables:
    """``new = expr(theta, state)``: the variable a derived form stores instead of theta
    (NAG's ``phi = theta - mu v``)."""

    name: str
    expr: sp.Expr
    latex: str
    meaning: str
