"""Printers: SymPy expressions to the Python/Numba source of a kernel.

Printers print expressions only; templates lay out files.  A kernel has two kinds of
code, and this module turns a spec into both:

* per-step scalars (everything that depends only on hyperparameters, ``t`` and scalar
  state), printed as plain Python float64 arithmetic, computed once per step;
* the per-element loop body, where every scalar subexpression has been hoisted out
  and named, so the loop sees only casts of those scalars and element arithmetic in
  the array's dtype (a Python float or integer literal inside the loop would promote
  float32 math to float64).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from optforge.specs.language import GRAD, THETA, Spec


class ScalarPrinter(PythonCodePrinter):
    """Plain-Python float64 printing of the per-step scalars (``math`` functions)."""

    def __init__(self):
        super().__init__({"fully_qualified_modules": True, "strict": True})

    def _print_Rational(self, expr):
        return f"{float(expr)!r}"

    def _print_Integer(self, expr):
        return f"{float(expr)!r}"

    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.args
        if exp.is_Integer and exp > 0:
            return f"{self.parenthesize(base, sp.printing.precedence.PRECEDENCE['Pow'])}**{int(exp)}"
        if exp == sp.S.Half:
            return f"math.sqrt({self._print(base)})"
        if exp == -1:
            return f"1.0 / {self.parenthesize(base, sp.printing.precedence.PRECEDENCE['Mul'])}"
        return super()._print_Pow(expr, rational)


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


@dataclass
class KernelPlan:
    """Everything the kernel template needs, as strings already printed."""

    spec: Spec
    hypers: list[str]
    scalar_state: list[str]
    arrays: list[str]  # theta, then per-element state
    scalar_lines: list[tuple[str, str, str]] = field(default_factory=list)  # (name, code, spec expression)
    scalar_state_updates: list[str] = field(default_factory=list)
    hoisted: list[tuple[str, str]] = field(default_factory=list)  # (kernel argument, what it is)
    body: list[tuple[str, str, str]] = field(default_factory=list)  # (target, code, spec expression)

    @property
    def kernel_args(self) -> list[str]:
        return [name for name, _ in self.hoisted]


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


class ElementPrinter:
    """Prints loop-body expressions: no literals, ``np.sqrt``, integer powers as products."""

    def __init__(self, local_names: dict[str, str]):
        self.local = local_names

    def __call__(self, expr: sp.Expr) -> str:
        return self.p(expr)

    def p(self, e: sp.Expr, parent: str = "") -> str:
        if e.is_Symbol:
            return self.local.get(e.name, e.name)
        if isinstance(e, sp.Add):
            terms = list(e.args)
            terms.sort(key=lambda a: a.could_extract_minus_sign())  # positive terms first
            out = self.p(terms[0], "add")
            for term in terms[1:]:
                if term.could_extract_minus_sign():
                    out += " - " + self.p(-term, "sub")
                else:
                    out += " + " + self.p(term, "add")
            return f"({out})" if parent in ("mul", "pow", "sub", "neg", "div") else out
        if isinstance(e, sp.Mul):
            if e.could_extract_minus_sign() and sp.S.NegativeOne in e.args:
                inner = sp.Mul(*[a for a in e.args if a != sp.S.NegativeOne], evaluate=False)
                return "-" + self.p(inner, "neg")
            numer = [a for a in e.args if not (isinstance(a, sp.Pow) and a.exp.is_negative)]
            denom = [sp.Pow(a.base, -a.exp, evaluate=False) if a.exp != -1 else a.base
                     for a in e.args if isinstance(a, sp.Pow) and a.exp.is_negative]
            if not numer:
                raise ValueError(f"a quotient without numerator reached the printer: {e}")  # hoister adds one
            out = "*".join(self.p(a, "mul") for a in numer)
            for d in denom:
                out += " / " + self.p(d, "div")
            return f"({out})" if parent in ("pow", "div") else out
        if isinstance(e, sp.Pow):
            base, exp = e.args
            if exp == sp.S.Half:
                return f"np.sqrt({self.p(base)})"
            if exp.is_Integer and exp > 0:
                return "(" + "*".join([self.p(base, "pow")] * int(exp)) + ")" if exp > 1 else self.p(base, parent)
            raise ValueError(f"unsupported element power {e}")  # pragma: no cover - validation forbids it
        if isinstance(e, sp.Abs):
            return f"abs({self.p(e.args[0])})"
        if isinstance(e, sp.sign):
            return f"np.sign({self.p(e.args[0])})"
        if isinstance(e, (sp.Max, sp.Min)):
            fn = "np.maximum" if isinstance(e, sp.Max) else "np.minimum"
            args = [self.p(a) for a in e.args]
            out = args[0]
            for a in args[1:]:
                out = f"{fn}({out}, {a})"
            return out
        raise ValueError(f"unsupported element expression {e!r}")  # pragma: no cover


def plan_kernel(spec: Spec) -> KernelPlan:
    """Split a spec into per-step scalars and a loop body.  Specs whose gradient is taken away from
    the stored parameters are first put in their stored-gradient form (NAG)."""
    spec = spec.stored_gradient_form()
    scalars = spec.scalar_names()
    arrays = ["theta"] + [s.name for s in spec.element_state]
    plan = KernelPlan(spec, hypers=[h.name for h in spec.hyperparameters],
                      scalar_state=[s.name for s in spec.scalar_state], arrays=arrays)
    scalar_printer = ScalarPrinter()
    element_names = {"theta", "g"} | {s.name for s in spec.element_state}
    taken = set(scalars) | element_names | {a.name for a in spec.assignments} | {"i", "n", "np", "numba"}
    hoist = _Hoister(scalars, taken)
    local = {n: f"{n}_i" for n in element_names}
    printer = ElementPrinter(local)
    for a in spec.assignments:
        if a.name in scalars:
            if a.name in plan.scalar_state:
                plan.scalar_state_updates.append(a.name)
            plan.scalar_lines.append((a.name, scalar_printer.doprint(a.expr), sp.sstr(a.expr)))
        else:
            plan.body.append((local.get(a.name, a.name), printer(hoist(a.expr)), sp.sstr(a.expr)))
    for symbol, expr in hoist.order:
        plan.hoisted.append((symbol.name, sp.sstr(expr)))
        if not (expr.is_Symbol and expr.name == symbol.name):
            plan.scalar_lines.append((symbol.name, scalar_printer.doprint(expr), sp.sstr(expr)))
    return plan
