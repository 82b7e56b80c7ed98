"""Lowering: a spec becomes a :class:`LoweredKernel`, the one value every printer prints.

Lowering puts a spec in the form its kernel computes (NAG's stored-gradient form), splits it
into per-step scalars and per-element arithmetic, hoists every scalar subexpression out of the
element loop under a readable name, drops intermediates nothing uses, and counts the operations
per element.  The result is frozen: the Numba printer, the NumPy baselines and the kernel
description that generated modules export are all printed from it, never from each other's text.

* per-step scalars (everything that depends only on hyperparameters, ``t`` and scalar state) are
  computed once per step in float64;
* the per-element assignments see only those scalars (by name) and element values, so no
  literal inside the loop promotes float32 arithmetic to float64.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import sympy as sp

from optforge.specs.language import GRAD, THETA, Spec

__all__ = ["OpCounts", "ScalarAssignment", "ElementAssignment", "LoweredKernel", "lower", "count_operations",
           "UnusedIntermediateWarning"]


class UnusedIntermediateWarning(UserWarning):
    """A spec assigns an intermediate that nothing reads; the kernel leaves it out."""


@dataclass(frozen=True)
class OpCounts:
    """Arithmetic per element, as the kernel's loop body performs it."""

    add: int = 0  # additions and subtractions
    mul: int = 0
    div: int = 0
    sqrt: int = 0
    other: int = 0  # negations, abs, sign, max, min

    def __add__(self, other: "OpCounts") -> "OpCounts":
        return OpCounts(self.add + other.add, self.mul + other.mul, self.div + other.div,
                        self.sqrt + other.sqrt, self.other + other.other)

    def __mul__(self, k: int) -> "OpCounts":
        return OpCounts(self.add * k, self.mul * k, self.div * k, self.sqrt * k, self.other * k)


@dataclass(frozen=True)
class ScalarAssignment:
    """``name = expr``, computed once per step in float64.  ``hoisted``: made by lowering (a
    subexpression of the element arithmetic), not written in the spec."""

    name: str
    expr: sp.Expr
    hoisted: bool = False


@dataclass(frozen=True)
class ElementAssignment:
    """``target = expr`` for one element.  ``expr`` reads element values and hoisted scalars only;
    ``source`` is the spec's own expression (the generated code shows it beside the line)."""

    target: str
    expr: sp.Expr
    source: sp.Expr


@dataclass(frozen=True)
class LoweredKernel:
    """One optimizer's kernel as a value (in the spirit of pystencils' assignment collections)."""

    name: str
    title: str
    spec: Spec  # the form the kernel computes (the stored-gradient form where the spec has one)
    hyperparameters: tuple[str, ...]
    scalar_state: tuple[str, ...]
    element_state: tuple[str, ...]  # per-element state arrays, in kernel argument order
    scalar_assignments: tuple[ScalarAssignment, ...]  # in dependency order
    kernel_args: tuple[str, ...]  # the scalars the element loop reads, in argument order
    element_assignments: tuple[ElementAssignment, ...]
    dropped: tuple[str, ...]  # intermediates of the spec that nothing reads
    ops: OpCounts

    @property
    def arrays(self) -> tuple[str, ...]:
        """The arrays a step updates in place: theta, then the per-element state."""
        return ("theta",) + self.element_state

    @property
    def arrays_read(self) -> int:
        return len(self.arrays) + 1  # and the gradient

    @property
    def arrays_written(self) -> int:
        return len(self.arrays)

    def bytes_per_element(self, itemsize: int) -> int:
        """Memory traffic of one element's update: every array read once, theta and state written once."""
        return (self.arrays_read + self.arrays_written) * itemsize

    @property
    def scalar_state_updates(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.scalar_assignments if a.name in self.scalar_state)


_NUMBER_NAMES = {1: "one", 2: "two", 3: "three", sp.S.Half: "half"}


def _scalar_name(expr: sp.Expr) -> str:
    """A readable name for a hoisted scalar subexpression (``1 - b1`` -> ``one_minus_b1``)."""
    if expr.is_Symbol:
        return expr.name
    if expr.is_Number:
        return _NUMBER_NAMES.get(expr, "c_" + str(expr).replace("/", "_over_").replace(".", "p").replace("-", "neg"))
    if isinstance(expr, sp.Pow):
        base, exp = expr.args
        if exp == -1:
            return "inv_" + _scalar_name(base)
        if exp == sp.S.Half:
            return "sqrt_" + _scalar_name(base)
        return f"{_scalar_name(base)}_pow_{_scalar_name(exp)}"
    if isinstance(expr, sp.Add):
        parts = []
        for i, term in enumerate(sorted(expr.args, key=lambda a: (not a.is_Number, sp.default_sort_key(a)))):
            if term.could_extract_minus_sign():
                parts.append(("neg_" if i == 0 else "minus_") + _scalar_name(-term))
            else:
                parts.append(("" if i == 0 else "plus_") + _scalar_name(term))
        return "_".join(parts)
    if isinstance(expr, sp.Mul):
        coeff, rest = expr.as_coeff_Mul()
        if coeff == -1:
            return "neg_" + _scalar_name(rest)
        return "_".join(_scalar_name(a) for a in expr.args)
    return type(expr).__name__.lower() + "_" + "_".join(_scalar_name(a) for a in expr.args)


class _Hoister:
    """Splits element expressions into element arithmetic and named per-step scalars."""

    def __init__(self, scalar_names: set[str], taken: set[str]):
        self.scalar_names = scalar_names
        self.taken = set(taken)
        self.by_expr: dict[sp.Expr, sp.Symbol] = {}
        self.order: list[tuple[sp.Symbol, sp.Expr]] = []

    def is_scalar(self, expr: sp.Expr) -> bool:
        return all(s.name in self.scalar_names for s in expr.free_symbols)

    def ref(self, expr: sp.Expr) -> sp.Symbol:
        expr = sp.sympify(expr)
        if expr in self.by_expr:
            return self.by_expr[expr]
        name = _scalar_name(expr)
        if expr.is_Symbol:
            name = expr.name
        elif len(name) > 28 or not name.isidentifier() or name in self.taken:
            base = name if name.isidentifier() and len(name) <= 28 else "k"
            i = 1
            while f"{base}_{i}" in self.taken:
                i += 1
            name = f"{base}_{i}"
        self.taken.add(name)
        symbol = sp.Symbol(name, real=True)
        self.by_expr[expr] = symbol
        self.order.append((symbol, expr))
        return symbol

    def __call__(self, expr: sp.Expr) -> sp.Expr:
        if expr.is_Number or (expr.free_symbols and self.is_scalar(expr)):
            return self.ref(expr)
        if expr.is_Symbol:
            return expr
        if isinstance(expr, sp.Add):
            scalar = [a for a in expr.args if self.is_scalar(a)]
            element = [self(a) for a in expr.args if not self.is_scalar(a)]
            parts = element + ([self.ref(sp.Add(*scalar))] if scalar else [])
            return sp.Add(*parts, evaluate=False)
        if isinstance(expr, sp.Mul):
            scalar = [a for a in expr.args if self.is_scalar(a)]
            element = [self(a) for a in expr.args if not self.is_scalar(a)]
            factor = sp.Mul(*scalar)
            sign = 1
            if factor.as_coeff_Mul()[0].is_negative:
                sign, factor = -1, -factor
            numerator = [e for e in element if not (isinstance(e, sp.Pow) and e.exp.is_negative)]
            if factor != 1 or not numerator:
                element = [self.ref(factor)] + element
            result = sp.Mul(*element, evaluate=False)
            return -result if sign == -1 else result
        if isinstance(expr, sp.Pow):
            return sp.Pow(self(expr.base), expr.exp, evaluate=False)
        if isinstance(expr, (sp.Function, sp.Max, sp.Min)):
            return expr.func(*[self(a) for a in expr.args], evaluate=False)
        raise TypeError(f"cannot hoist {expr!r}")  # pragma: no cover - validation forbids it


def split_mul(e: sp.Mul) -> tuple[list[sp.Expr], list[sp.Expr]]:
    """A product as the printers write it: numerator factors, then the denominators divided by."""
    numer = [a for a in e.args if not (isinstance(a, sp.Pow) and a.exp.is_negative)]
    denom = [sp.Pow(a.base, -a.exp, evaluate=False) if a.exp != -1 else a.base
             for a in e.args if isinstance(a, sp.Pow) and a.exp.is_negative]
    return numer, denom


def is_negation(e: sp.Expr) -> bool:
    return isinstance(e, sp.Mul) and e.could_extract_minus_sign() and sp.S.NegativeOne in e.args


def negated(e: sp.Mul) -> sp.Expr:
    return sp.Mul(*[a for a in e.args if a != sp.S.NegativeOne], evaluate=False)


def count_operations(e: sp.Expr) -> OpCounts:
    """The operations an element expression costs, structured exactly as the printers print it
    (an integer power ``x**k`` is ``k`` copies of ``x`` multiplied; ``-x`` is one negation)."""
    if e.is_Symbol or e.is_Number:
        return OpCounts()
    if isinstance(e, sp.Add):
        total = OpCounts(add=len(e.args) - 1)
        for term in e.args:
            total += count_operations(-term if term.could_extract_minus_sign() else term)
        return total
    if is_negation(e):
        return OpCounts(other=1) + count_operations(negated(e))
    if isinstance(e, sp.Mul):
        numer, denom = split_mul(e)
        total = OpCounts(mul=len(numer) - 1, div=len(denom))
        for part in numer + denom:
            total += count_operations(part)
        return total
    if isinstance(e, sp.Pow):
        base, exp = e.args
        if exp == sp.S.Half:
            return OpCounts(sqrt=1) + count_operations(base)
        if exp.is_Integer and exp > 0:
            return count_operations(base) * int(exp) + OpCounts(mul=int(exp) - 1)
        raise ValueError(f"unsupported element power {e}")  # pragma: no cover - validation forbids it
    if isinstance(e, (sp.Abs, sp.sign)):
        return OpCounts(other=1) + count_operations(e.args[0])
    if isinstance(e, (sp.Max, sp.Min)):
        total = OpCounts(other=len(e.args) - 1)
        for a in e.args:
            total += count_operations(a)
        return total
    raise ValueError(f"unsupported element expression {e!r}")  # pragma: no cover


def lower(spec: Spec, warn: bool = False) -> LoweredKernel:
    """The kernel value of ``spec``.  Specs whose gradient is taken away from the stored parameters
    are first put in their stored-gradient form (NAG).  ``warn``: an intermediate that nothing reads
    raises :class:`UnusedIntermediateWarning` naming it (for users' own specs)."""
    dropped = list(spec.unused_intermediates())
    if warn:
        for name in dropped:
            a = spec.assignment(name)
            warnings.warn(f"spec {spec.name!r}: {name} = {sp.sstr(a.expr)} is never used; the kernel leaves "
                          "it out, and so does the sheet", UnusedIntermediateWarning, stacklevel=2)
    kernel_spec = spec.stored_gradient_form()
    scalars = kernel_spec.scalar_names()
    element_state = tuple(s.name for s in kernel_spec.element_state)
    scalar_state = tuple(s.name for s in kernel_spec.scalar_state)
    element_names = {"theta", "g"} | set(element_state)
    taken = set(scalars) | element_names | {a.name for a in kernel_spec.assignments} | {"i", "n", "np", "numba"}
    hoist = _Hoister(scalars, taken)
    scalar_assignments: list[ScalarAssignment] = []
    body: list[ElementAssignment] = []
    for a in kernel_spec.assignments:
        if a.name in dropped:
            continue
        if a.name in scalars:
            scalar_assignments.append(ScalarAssignment(a.name, sp.sympify(a.expr)))
        else:
            body.append(ElementAssignment(a.name, hoist(sp.sympify(a.expr)), sp.sympify(a.expr)))
    for symbol, expr in hoist.order:
        if not (expr.is_Symbol and expr.name == symbol.name):
            scalar_assignments.append(ScalarAssignment(symbol.name, expr, hoisted=True))
    ops = OpCounts()
    for a in body:
        ops += count_operations(a.expr)
    return LoweredKernel(
        name=spec.name, title=spec.title, spec=kernel_spec,
        hyperparameters=tuple(h.name for h in spec.hyperparameters), scalar_state=scalar_state,
        element_state=element_state, scalar_assignments=tuple(scalar_assignments),
        kernel_args=tuple(symbol.name for symbol, _ in hoist.order), element_assignments=tuple(body),
        dropped=tuple(dropped), ops=ops)
