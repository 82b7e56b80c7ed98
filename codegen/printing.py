"""Printers: a :class:`~optforge.codegen.lower.LoweredKernel` printed as Python source.

Printers print expressions only; templates lay out files.  Siblings, each printing the same
lowered value:

* :class:`ScalarPrinter`: the per-step scalars as plain Python float64 arithmetic;
* :class:`ElementPrinter`: the per-element loop body of the Numba kernels (no literals, so
  float32 arithmetic stays float32);
* :func:`numpy_naive_source` and :func:`numpy_inplace_source`: the same element arithmetic on
  whole NumPy arrays, the baselines the benchmark compares the kernels against;
* LaTeX is printed from the same spec by ``codegen/sheets.py``.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from .lower import LoweredKernel, is_negation, negated, split_mul


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
        if is_negation(e):
            return "-" + self.p(negated(e), "neg")
        if isinstance(e, sp.Mul):
            numer, denom = split_mul(e)
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


def element_locals(kernel: LoweredKernel) -> dict[str, str]:
    """Loop-local names of the arrays' elements: ``theta_i``, ``g_i``, ``m_i``, ..."""
    return {n: f"{n}_i" for n in ("theta", "g") + kernel.element_state}


def scalar_lines(kernel: LoweredKernel) -> list[tuple[str, str, str]]:
    """(name, float64 code, spec expression) of every per-step scalar, in order."""
    printer = ScalarPrinter()
    return [(a.name, printer.doprint(a.expr), sp.sstr(a.expr)) for a in kernel.scalar_assignments]


def element_lines(kernel: LoweredKernel) -> list[tuple[str, str, str]]:
    """(target, code, spec expression) of the loop body, in order."""
    local = element_locals(kernel)
    printer = ElementPrinter(local)
    return [(local.get(a.target, a.target), printer(a.expr), sp.sstr(a.source)) for a in kernel.element_assignments]


# ------------------------------------------------------------------ NumPy baselines (the benchmark's)
def numpy_naive_source(kernel: LoweredKernel) -> str:
    """``step(theta, g, *state, *kernel_args)``: the loop body applied to whole arrays, every
    operation allocating a temporary (what a direct NumPy transcription does)."""
    args = ", ".join(("theta", "g") + kernel.element_state + kernel.kernel_args)
    lines = [f"def step({args}):", "    theta_i = theta", "    g_i = g"]
    lines += [f"    {s}_i = {s}" for s in kernel.element_state]
    lines += [f"    {target} = {code}" for target, code, _ in element_lines(kernel)]
    for a in kernel.arrays:
        lines += [f"    if {a}_i is not {a}:", f"        {a}[...] = {a}_i"]
    return "\n".join(lines) + "\n"


class _InPlacePrinter:
    """The loop body as ufunc calls with ``out=``: named intermediates get a buffer each,
    subexpressions share a small pool, and the last operation of an assignment to theta or a
    state array writes into that array (the body rebinds names, so no old value is read later)."""

    def __init__(self, kernel: LoweredKernel):
        self.kernel = kernel
        self.arrays = {n: n for n in ("theta", "g") + kernel.element_state}
        self.scalars = set(kernel.kernel_args)
        self.lines: list[str] = []
        self.free: list[str] = []
        self.n_buffers = 0
        self.where: dict[str, str] = dict(self.arrays)  # name -> the array holding its value now
        for a in kernel.element_assignments:
            self.assign(a.target, a.expr)

    def buffer(self) -> str:
        if self.free:
            return self.free.pop()
        self.n_buffers += 1
        return f"_b[{self.n_buffers - 1}]"

    def release(self, ref: str) -> None:
        if ref.startswith("_b[") and ref not in self.where.values() and ref not in self.free:
            self.free.append(ref)

    def call(self, fn: str, operands: list, out: str | None) -> str:
        refs = [self.emit(a, None) for a in operands]
        for r in refs:
            self.release(r)
        out = out or self.buffer()
        self.lines.append(f"    {fn}({', '.join(refs)}, out={out})")
        return out

    def chain(self, fn: str, first, rest: list, out: str | None) -> str:
        """``first fn rest[0] fn rest[1] ...`` left to right, the last call into ``out``."""
        if not rest:
            return self.emit(first, out)
        ref = self.emit(first, None)
        for k, (op, operand) in enumerate(rest):
            last = k == len(rest) - 1
            r = self.emit(operand, None)
            self.release(ref)
            self.release(r)
            target = out if (last and out) else self.buffer()
            self.lines.append(f"    {op}({ref}, {r}, out={target})")
            ref = target
        return ref

    def emit(self, e: sp.Expr, out: str | None) -> str:
        """Code for ``e``; its value ends up in ``out`` (a fresh pool buffer if None)."""
        if e.is_Symbol and e.name in self.scalars:
            return f"_dt({e.name})"
        if e.is_Symbol:
            return self.where[e.name]
        if isinstance(e, sp.Add):
            terms = sorted(e.args, key=lambda a: a.could_extract_minus_sign())  # as ElementPrinter
            rest = [("np.subtract", -t) if t.could_extract_minus_sign() else ("np.add", t) for t in terms[1:]]
            return self.chain("", terms[0], rest, out)
        if is_negation(e):
            return self.call("np.negative", [negated(e)], out)
        if isinstance(e, sp.Mul):
            numer, denom = split_mul(e)
            rest = [("np.multiply", a) for a in numer[1:]] + [("np.divide", d) for d in denom]
            return self.chain("", numer[0], rest, out)
        if isinstance(e, sp.Pow):
            base, exp = e.args
            if exp == sp.S.Half:
                return self.call("np.sqrt", [base], out)
            k = int(exp)
            return self.chain("", base, [("np.multiply", base)] * (k - 1), out)
        if isinstance(e, sp.Abs):
            return self.call("np.absolute", [e.args[0]], out)
        if isinstance(e, sp.sign):
            return self.call("np.sign", [e.args[0]], out)
        if isinstance(e, (sp.Max, sp.Min)):
            fn = "np.maximum" if isinstance(e, sp.Max) else "np.minimum"
            return self.chain("", e.args[0], [(fn, a) for a in e.args[1:]], out)
        raise ValueError(f"cannot print {e!r} as NumPy calls")  # pragma: no cover

    def assign(self, target: str, expr: sp.Expr) -> None:
        # theta and the state arrays are written in place; a named intermediate (or a rebound g)
        # gets a buffer of its own, and its previous buffer is free once the name is rebound.
        out = self.arrays[target] if target in self.arrays and target != "g" else self.buffer()
        ref = self.emit(expr, out)
        if ref != out:  # a bare name or a scalar: copy
            self.lines.append(f"    np.copyto({out}, {ref})")
        old = self.where.get(target)
        self.where[target] = out
        if old is not None and old != out:
            self.release(old)

    def source(self) -> str:
        args = ", ".join(("theta", "g") + self.kernel.element_state + self.kernel.kernel_args + ("_b", "_dt"))
        tail = [f"    np.copyto({a}, {self.where[a]})" for a in self.kernel.arrays if self.where[a] != a]
        return "\n".join([f"def step({args}):", *self.lines, *tail]) + "\n"


def numpy_inplace_source(kernel: LoweredKernel) -> tuple[str, int]:
    """``step(theta, g, *state, *kernel_args, _b, _dt)`` and the number of scratch buffers ``_b`` it
    needs: the loop body as NumPy ufunc calls writing into preallocated arrays (``out=``); ``_dt``
    is the arrays' scalar type, so the scalars do not promote float32 arithmetic."""
    printer = _InPlacePrinter(kernel)
    return printer.source(), printer.n_buffers
