"""Equation sheets: every spec typeset in LaTeX from the same SymPy expressions as its kernel.

A sheet shows a spec's update equations in order (with the time subscripts that the
sequential semantics give them: ``m_{t-1}`` before ``m`` is assigned, ``m_t`` after),
its hyperparameters and state, NAG's two forms and the change of variables between
them, the verdict of every property that involves the spec, how PyTorch, optax and
Keras differ from it, and the ``torch.optim`` call that matches it.  A booklet holds all
sheets.  English and Korean (``lang="ko"``, kotex) come from the same templates; the
texts are in :mod:`optforge.codegen.sheet_texts`.

The ``.tex`` files are committed output (``generated/sheets/<lang>/``, byte for byte
reproducible); PDFs and PNG previews are build output of :func:`build_pdf` and
:func:`write_png`.  For a spec from a user's own file::

    from optforge.codegen import prover, sheets
    verdicts = prover.check_all(my_properties)
    Path("my_adam.tex").write_text(sheets.render_sheet(MY_ADAM, verdicts, "en"))
    sheets.build_pdf(Path("my_adam.tex"), Path("out"))
"""

from __future__ import annotations

import argparse
import concurrent.futures
import math
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import sympy as sp

from optforge.specs.language import (GRAD, THETA, T, ClosedForm, Equivalent, FixedPoint, GradAt, Limit, NonNegative,
                                     Property, Scaling, Spec, StateCount)

from . import generate, sheet_texts

LANGS = ("en", "ko")
SHEETS = "sheets"  # the folder under generated/
#: what to install when TeX is missing (Debian/Ubuntu package names)
DEBIAN_PACKAGES = {"en": "texlive-latex-recommended latexmk texlive-pictures",
                   "ko": "texlive-latex-recommended latexmk texlive-pictures texlive-lang-korean"}
#: the LaTeX packages beyond texlive-latex-recommended that the sheets load (pgfplots: the claims' figures)
STYLES = {"en": ("pgfplots.sty",), "ko": ("pgfplots.sty", "kotex.sty")}
#: an overfull box wider than this many points is a layout error
OVERFULL_LIMIT_PT = 3.0


# ======================================================================== printing
def _top_level_has_sign(latex: str) -> bool:
    """True for a compound LaTeX text such as ``\\sqrt{G_t} + \\epsilon`` (a sign outside braces)."""
    depth = 0
    for ch in latex:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch in "+-=" and depth == 0:
            return True
    return False


def _is_expression(latex: str, printed: str) -> bool:
    """An intermediate whose ``latex`` field is its formula (``\\sqrt{G_t} + \\epsilon``), not a name."""
    same = re.sub(r"\s+", "", latex) == re.sub(r"\s+", "", printed)
    return same or _top_level_has_sign(latex) or latex.lstrip().startswith((r"\sqrt", r"\frac"))


_T_TOKEN = re.compile(r"(?<![\\A-Za-z])t(?![A-Za-z])")


def timed(latex: str, when: str) -> str:
    """``latex`` at a time: ``when`` is ``"t"``, ``"t-1"`` or ``"0"``.

    A name that already mentions ``t`` (``\\mu_t``, ``\\prod_{i \\le t} \\mu_i``) has ``t``
    replaced; any other name gets a subscript, merged with a subscript it ends with
    (``x_1`` becomes ``x_{1,t}``).
    """
    if _T_TOKEN.search(latex):
        if when == "t":
            return latex
        return _T_TOKEN.sub(lambda m: _braced_time(latex, m.start(), when), latex)
    sub = when if len(when) == 1 else "{" + when + "}"
    end = re.search(r"_(\{[^{}]*\}|[A-Za-z0-9])$", latex)
    if end:
        inner = end.group(1).strip("{}")
        return latex[:end.start()] + "_{" + inner + "," + when + "}"
    return f"{latex}_{sub}"


def _braced_time(latex: str, pos: int, when: str) -> str:
    if pos > 0 and latex[pos - 1] in "_^":
        return "{" + when + "}"
    return when


def plain_latex(name: str) -> str:
    """LaTeX for a name without a ``latex`` field: Greek letters as such, ``bc1`` as
    ``\\mathrm{bc}_{1}``."""
    latex = sp.latex(sp.Symbol(name))
    base = re.match(r"^([A-Za-z]+)(.*)$", latex)
    if base and len(base.group(1)) > 1:
        return r"\mathrm{" + base.group(1) + "}" + base.group(2)
    return latex


def _fraction(r: sp.Rational, inline: bool = False) -> str:
    if r.q == 1:
        return str(r.p)
    sign = "-" if r.p < 0 else ""
    if inline:
        return f"{sign}{abs(r.p)}/{r.q}"
    return sign + r"\frac{%d}{%d}" % (abs(r.p), r.q)


def _short_decimal(e: sp.Expr) -> str | None:
    """``0.96`` for the base ``24/25`` of a power: a rational with a short exact decimal."""
    if not (e.is_Rational and e.q != 1 and 0 < e < 1):
        return None
    q = e.q
    for prime in (2, 5):
        while q % prime == 0:
            q //= prime
    text = repr(float(e))
    return text if q == 1 and len(text) <= 6 else None


def format_number(x: float) -> str:
    """Math-mode LaTeX for a default value: ``10^{-3}``, ``4 \\cdot 10^{-3}``, ``0.9``, ``\\infty``."""
    x = float(x)
    if math.isinf(x):
        return r"\infty" if x > 0 else r"-\infty"
    if x == 0:
        return "0"
    if x == int(x) and abs(x) < 1e6:
        return str(int(x))
    if abs(x) < 0.01 or abs(x) >= 1e6:
        mantissa, exponent = f"{x:.6e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        power = "10^{%d}" % int(exponent)
        return power if mantissa == "1" else (r"-" + power if mantissa == "-1" else rf"{mantissa} \cdot {power}")
    return repr(x)


def _delimited(left: str, inner: str, right: str) -> str:
    """Plain delimiters around flat math, growing ones (``\\left(``) around fractions and roots."""
    if any(tall in inner for tall in (r"\frac", r"\sqrt", r"\prod", r"\sum")):
        return r"\left%s%s\right%s" % (left, inner, right)
    return left + inner + right


def _unfrozen(symbol: sp.Basic) -> str:
    """The spec name of a symbol, also for the frozen copies :func:`equations` makes."""
    name = re.sub(r"^_frozen\d+_", "", getattr(symbol, "name", ""))
    return name[:-len("_prev")] if name.endswith("_prev") else name


BIG_OPERATORS = (r"\prod", r"\sum", r"\max", r"\min")


class SheetPrinter:
    """Prints an expression as LaTeX, naming each symbol by ``names`` (symbol name -> LaTeX).

    Terms and factors are ordered the way the document writes them (``\\theta_{t-1}``
    first, ``1 - \\beta_1^{t}``, hyperparameters before arrays, the gradient last); the
    ordering never changes the value, only the reading order.
    """

    def __init__(self, names: Mapping[str, str], scalar_names: Iterable[str] = (),
                 order: Sequence[str] = (), target: str | None = None):
        self.names = dict(names)
        self.scalars = set(scalar_names)
        self.order = {n: i for i, n in enumerate(order)}
        self.target = target

    # ------------------------------------------------------------ ordering
    def _has(self, e: sp.Expr, name: str) -> bool:
        return any(_unfrozen(s) == name for s in e.free_symbols)

    def _is_scalar(self, e: sp.Expr) -> bool:
        return all(getattr(s, "name", None) in self.scalars for s in e.free_symbols)

    def _term_key(self, e: sp.Expr, top: bool, signed: bool):
        target = self.target
        bare = top and target is not None and (e.is_Symbol and e.name == target
                                               or (-e).is_Symbol and (-e).name == target)
        with_target = target is not None and self._has(e, target)
        if target == THETA.name:
            target_rank = 1 if with_target else 0  # a decay of theta_{t-1} comes after the step
        else:
            target_rank = 0 if with_target else 1  # beta m_{t-1} + (1 - beta) g_t
        has_grad = self._has(e, GRAD.name) or e.has(GradAt)
        number_rank = (0 if signed else 2) if e.is_Number else 1  # 1 - beta^t, but t + 1
        return (0 if bare else 1, number_rank, target_rank,
                1 if (self._is_scalar(e) and e.free_symbols) else 0,
                # a sum never opens with a subtraction when a term is added: (g - m)^2, not (-m + g)^2
                1 if e.could_extract_minus_sign() else 0,
                1 if (has_grad and target != THETA.name) else 0,
                -sp.count_ops(e), sp.default_sort_key(e))

    def _ordered_terms(self, args: Sequence[sp.Expr], top: bool) -> list[sp.Expr]:
        signed = any(a.could_extract_minus_sign() and not a.is_Number for a in args)
        return sorted(args, key=lambda a: self._term_key(a, top, signed))

    def _factor_key(self, e: sp.Expr):
        big_operator = isinstance(e, sp.Symbol) and self.p(e).lstrip().startswith(BIG_OPERATORS)
        if e.is_Number:
            category = 0
        elif big_operator:
            category = 5  # \prod_{i \le t} \mu_i last, so that nothing reads as inside the product
        elif self._is_scalar(e):
            category = 2 if isinstance(e, sp.Add) else 1
        elif self._has(e, GRAD.name) or e.has(GradAt):
            category = 4
        else:
            category = 3
        known = [self.order[_unfrozen(s)] for s in e.free_symbols if _unfrozen(s) in self.order]
        if e.free_symbols and not known and category == 3:
            category, known = 1, [-1]  # a constant of a property (the scale c): first
        return (category, min(known, default=-1), sp.default_sort_key(e))

    # ------------------------------------------------------------ printing
    def __call__(self, e: sp.Expr) -> str:
        return self.p(sp.sympify(e), top=True)

    def p(self, e: sp.Expr, parent: str = "", top: bool = False) -> str:
        if isinstance(e, sp.Symbol):
            return self.names.get(e.name) or plain_latex(e.name)
        if e.is_Number:
            return self._number(e, parent)
        if isinstance(e, sp.Add):
            return self._add(e, parent, top)
        if isinstance(e, sp.Mul):
            return self._mul(e, parent)
        if isinstance(e, sp.Pow):
            return self._pow(e, parent)
        if isinstance(e, sp.Abs):
            return _delimited("|", self.p(e.args[0]), "|")
        if isinstance(e, (sp.Max, sp.Min)):
            fn = r"\max" if isinstance(e, sp.Max) else r"\min"
            return fn + _delimited("(", ", ".join(self.p(a) for a in self._ordered_terms(e.args, False)), ")")
        if isinstance(e, sp.sign):
            return r"\operatorname{sign}" + _delimited("(", self.p(e.args[0]), ")")
        if isinstance(e, sp.exp):
            return "e^{%s}" % self.p(e.args[0], "exp")
        if isinstance(e, sp.log):
            return r"\log" + _delimited("(", self.p(e.args[0]), ")")
        if e.func == GradAt:
            return r"\nabla f" + _delimited("(", self.p(e.args[0]), ")")
        if e is sp.oo:
            return r"\infty"
        return sp.latex(e)

    def _number(self, e: sp.Expr, parent: str) -> str:
        if e.is_Rational:
            text = _fraction(e, inline=parent == "exp")
        elif e.is_Float:
            text = format_number(float(e))
        elif e in (sp.oo, -sp.oo):
            text = r"\infty" if e == sp.oo else r"-\infty"
        else:
            text = sp.latex(e)
        if (e.is_negative or (e.is_Rational and e.q != 1 and parent == "pow")) and parent in ("mul", "pow"):
            return r"\left(%s\right)" % text
        return text

    def _add(self, e: sp.Add, parent: str, top: bool) -> str:
        terms = self._ordered_terms(e.args, top)
        out = self.p(terms[0], "add")
        for term in terms[1:]:
            if term.could_extract_minus_sign():
                out += " - " + self.p(-term, "sub")
            else:
                out += " + " + self.p(term, "add")
        if parent in ("mul", "pow", "sub", "neg"):
            return _delimited("(", out, ")")
        return out

    def _mul(self, e: sp.Mul, parent: str) -> str:
        if e.could_extract_minus_sign():
            inner = self.p(-e, "neg")
            text = "-" + inner
            return r"\left(%s\right)" % text if parent in ("mul", "pow", "sub", "add_first") else text
        numer, denom = [], []
        for f in e.args:
            if isinstance(f, sp.Pow) and f.exp.is_number and f.exp.is_negative:
                denom.append(sp.Pow(f.base, -f.exp))
            elif f.is_Rational and f.q != 1:
                if f.p != 1:
                    numer.append(sp.Integer(f.p))
                denom.append(sp.Integer(f.q))
            else:
                numer.append(f)
        numer.sort(key=self._factor_key)
        denom.sort(key=self._factor_key)
        if not denom:
            return self._product(numer, parent)
        if all(d.is_Number for d in denom) and numer and not all(n.is_Number for n in numer):
            # a rational coefficient: \frac{1}{2} x rather than \frac{x}{2}
            coeff = sp.Rational(math.prod(int(n) for n in numer if n.is_Number), math.prod(int(d) for d in denom))
            rest = [n for n in numer if not n.is_Number]
            text = _fraction(coeff).replace(r"\frac", r"\tfrac") + " " + self._product(rest, "mul")
            return r"\left(%s\right)" % text if parent == "pow" else text
        outside = []
        if any(isinstance(n, sp.Pow) for n in numer):
            # \frac{\sqrt{a}}{\sqrt{b}} g_t rather than \frac{g_t \sqrt{a}}{\sqrt{b}}
            outside = [n for n in numer if n.is_Symbol]
            numer = [n for n in numer if not n.is_Symbol]
        frac = r"\frac{%s}{%s}" % (self._product(numer, "") if numer else "1", self._product(denom, ""))
        text = frac + ("" if not outside else " " + self._product(outside, "mul"))
        return r"\left(%s\right)" % text if parent == "pow" else text

    def _product(self, factors: list[sp.Expr], parent: str) -> str:
        if not factors:
            return "1"
        if len(factors) == 1:
            return self.p(factors[0], parent)
        parts = []
        for i, f in enumerate(factors):
            text = self.p(f, "mul")
            if parts and f.is_Number:
                parts.append(r"\cdot " + text)
            else:
                parts.append(text)
        text = " ".join(parts)
        return r"\left(%s\right)" % text if parent == "pow" else text

    def _pow(self, e: sp.Pow, parent: str) -> str:
        base, exp = e.args
        if exp == sp.S.Half:
            return r"\sqrt{%s}" % self.p(base)
        if exp.is_number and exp.is_negative:
            return r"\frac{1}{%s}" % self.p(sp.Pow(base, -exp), "")
        base_text = _short_decimal(base) or self.p(base, "pow")
        if isinstance(base, sp.Symbol) and ("^" in base_text or base_text.startswith(BIG_OPERATORS)):
            base_text = r"\left(%s\right)" % base_text
        return "%s^{%s}" % (base_text, self.p(exp, "exp"))


# ======================================================================== the equations
@dataclass
class Line:
    """One printed assignment: ``lhs = rhs``, what it means (English source text)."""

    lhs: str
    rhs: str
    meaning: str = ""
    item: object = None  #: the Assign the meaning is from (None: the tool's own words)


@dataclass
class Equations:
    lines: list[Line]
    #: compound intermediates printed where they are used: (LaTeX, English meaning, its Assign)
    inlined: list[tuple[str, str, object]] = field(default_factory=list)


def _spec_order(spec: Spec) -> list[str]:
    return ([h.name for h in spec.hyperparameters] + [T.name] + [s.name for s in spec.scalar_state]
            + [a.name for a in spec.assignments if a.name in spec.scalar_names()]
            + [s.name for s in spec.element_state] + [a.name for a in spec.intermediates]
            + [THETA.name, GRAD.name])


def base_latex(spec: Spec) -> dict[str, str]:
    """Each quantity's LaTeX name without a time: the ``latex`` fields, or the plain name."""
    names = {h.name: h.latex or plain_latex(h.name) for h in spec.hyperparameters}
    names.update({s.name: s.latex or plain_latex(s.name) for s in spec.state})
    for a in spec.assignments:
        if a.name not in names and a.name not in (THETA.name, GRAD.name):
            names[a.name] = a.latex or plain_latex(a.name)
    names[THETA.name] = spec.param_latex
    names[GRAD.name] = "g"
    names[T.name] = "t"
    return names


def pre_step_names(spec: Spec) -> dict[str, str]:
    """LaTeX names before the step: state and parameters at ``t-1``, the gradient ``g_t``."""
    base = base_latex(spec)
    names = {h.name: base[h.name] for h in spec.hyperparameters}
    names.update({s.name: timed(base[s.name], "t-1") for s in spec.state})
    names[THETA.name] = timed(base[THETA.name], "t-1")
    names[GRAD.name] = "g_t"
    names[T.name] = "t"
    return names


def post_step_names(spec: Spec) -> dict[str, str]:
    """LaTeX names after the step: every assigned quantity at ``t``."""
    base = base_latex(spec)
    names = pre_step_names(spec)
    for a in spec.assignments:
        names[a.name] = "g_t" if a.name == GRAD.name else timed(base[a.name], "t")
    return names


def printer_for(spec: Spec, names: Mapping[str, str], target: str | None = None,
                extra_scalars: Iterable[str] = ()) -> SheetPrinter:
    return SheetPrinter(names, spec.scalar_names() | set(extra_scalars), _spec_order(spec), target)


def equations(spec: Spec, gradient_meaning: str | None = None) -> Equations:
    """The spec's assignments as printed lines, with sequential semantics: a state symbol is
    ``x_{t-1}`` until it is assigned and ``x_t`` after; intermediates are ``x_t``; the
    gradient is ``g_t`` and its line says where it is taken."""
    base = base_latex(spec)
    names = pre_step_names(spec)
    point = THETA if spec.gradient_at is None else sp.sympify(spec.gradient_at)
    if gradient_meaning is None:
        gradient_meaning = ("gradient at the current parameters" if spec.gradient_at is None
                            else "gradient at the look-ahead point")
    lines = [Line("g_t", printer_for(spec, names)(GradAt(point)), gradient_meaning)]
    inlined: list[tuple[str, str, object]] = []
    frozen: dict[sp.Symbol, sp.Expr] = {}
    frozen_scalars: set[str] = set()
    scalars = spec.scalar_names()
    unused = set(spec.unused_intermediates())  # a variant's inherited intermediate nothing reads
    for a in spec.assignments:
        if a.name in unused:
            continue
        expr = sp.sympify(a.expr).xreplace(frozen)
        rhs = printer_for(spec, names, a.name, frozen_scalars)(expr)
        is_intermediate = a.name not in {s.name for s in spec.state} | {THETA.name, GRAD.name}
        if is_intermediate and a.latex and _is_expression(a.latex, rhs):
            # A compound name (\sqrt{G_t} + \epsilon) is its expression: print it where it is used.
            # The symbols it reads are frozen at their current names.
            subs = {}
            for s in expr.free_symbols:
                if not s.name.startswith("_frozen"):
                    twin = sp.Symbol(f"_frozen{len(names)}_{s.name}", **s.assumptions0)
                    names[twin.name] = names.get(s.name) or plain_latex(s.name)
                    if s.name in scalars or s.name in frozen_scalars:
                        frozen_scalars.add(twin.name)
                    subs[s] = twin
            frozen[a.target] = expr.xreplace(subs)
            inlined.append((rhs, a.meaning, a))
            continue
        if a.name == GRAD.name:
            lhs = r"\tilde{g}_t"
        else:
            lhs = timed(base[a.name], "t")
        lines.append(Line(lhs, rhs, a.meaning, a))
        names[a.name] = lhs
    return Equations(lines, inlined)


# ======================================================================== texts
def escape(text: str) -> str:
    """Plain text to LaTeX text."""
    out = []
    for ch in text:
        if ch in "&%$#_{}":
            out.append("\\" + ch)
        elif ch == "\\":
            out.append(r"\textbackslash{}")
        elif ch == "~":
            out.append(r"\textasciitilde{}")
        elif ch == "^":
            out.append(r"\textasciicircum{}")
        else:
            out.append(ch)
    return "".join(out)


def code(text: str) -> str:
    """Python source as LaTeX typewriter text.  It breaks at its spaces only, never inside an
    identifier (``momentum_buffer``): paragraphs that hold code are set ragged right instead."""
    text = escape(text).replace("'", r"\textquotesingle{}")
    return r"\texttt{" + text + "}"


def authors_text(text) -> str:
    """An author's text as LaTeX: plain text escaped, ``$...$`` kept as math, a SymPy expression
    typeset whole."""
    if isinstance(text, sp.Basic):
        return f"${sp.latex(text)}$"
    if not text:
        return ""
    pieces = text.split("$")
    if len(pieces) % 2 == 0:  # an unpaired $: no math
        return escape(text)
    return "".join(escape(piece) if i % 2 == 0 else f"${piece}$" for i, piece in enumerate(pieces))


class Texts:
    """The sheet's words in one language: headings and the specs' English texts.

    English: the spec's text, escaped, or its LaTeX rendering in ``sheet_texts.EN`` where it has
    math.  Korean: ``sheet_texts.KO``; a missing text is recorded in ``missing`` and falls back to
    English (``strict=True`` makes :func:`render_sheet` raise instead).
    """

    def __init__(self, lang: str):
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
        self.lang = lang
        self.missing: list[str] = []
        self.used: set[str] = set()

    def of(self, item) -> Callable[[str], str]:
        """How to print the texts of ``item`` (a Spec, Hyperparameter, State, Assign or property, by
        the file that wrote it): the built-in specs' texts are looked up and translated; a user's
        own texts are printed as written (with their ``$...$`` math), never swapped for a built-in
        translation of the same words.  ``None``: the tool's own words."""
        if item is None or generate.is_builtin_source(getattr(item, "source", None)):
            return self
        return authors_text

    def __call__(self, english: str) -> str:
        if isinstance(english, sp.Basic):
            return authors_text(english)
        if not english:
            return ""
        self.used.add(english)
        if self.lang == "ko":
            if english in sheet_texts.KO:
                return sheet_texts.KO[english]
            if english not in self.missing:
                self.missing.append(english)
        return sheet_texts.EN.get(english, escape(english))


# ======================================================================== properties
def involves(prop: Property, spec: Spec, registry: Iterable[str] = ()) -> bool:
    """True when ``prop`` is about ``spec``: it names the spec, or a spec derived from it that is
    not in the registry itself (``adam_b1_0``, ``nag_stored``, ``nag_no_lookahead``)."""
    others = set(registry) - {spec.name}
    for s in prop.specs:
        if s is None:
            continue
        if s.name == spec.name:
            return True
        if s.name in others:
            continue
        if s.name.startswith(spec.name + "_") or s.parent == spec.name:
            return True
    return False


def _names_for(specs: Sequence[Spec], gradient: str = "g_t") -> dict[str, str]:
    """Names in a property's expressions: a spec's quantities after the step, ``x_prev`` before it."""
    names: dict[str, str] = {}
    for s in reversed([s for s in specs if s is not None]):
        post, pre = post_step_names(s), pre_step_names(s)
        names.update(post)
        names.update({f"{k}_prev": v for k, v in pre.items() if k in {x.name for x in s.state} | {THETA.name}})
    names[GRAD.name] = gradient
    return names


def _step_substituted(expr: sp.Expr) -> sp.Expr:
    """``step`` is ``theta_t - theta_{t-1}``: substitute it so that it prints with its parentheses."""
    expr = sp.sympify(expr)
    step = [s for s in expr.free_symbols if getattr(s, "name", "") == "step"]
    if not step:
        return expr
    return expr.xreplace({step[0]: sp.Symbol("theta", real=True) - sp.Symbol("theta_prev", real=True)})


def _math(printer: SheetPrinter, expr) -> str:
    return printer(_step_substituted(expr))


def property_formula(prop: Property) -> str:
    """The property's claim as display math (empty where the statement says it all)."""
    specs = [s for s in prop.specs if s is not None]
    if not specs:
        return ""
    main = specs[0]
    order = _spec_order(main)
    scalars = set().union(*(s.scalar_names() for s in specs))

    def printer(names):
        return SheetPrinter(names, scalars, order)

    if isinstance(prop, Equivalent) and prop.difference is not None:
        p = printer(_names_for(specs))
        tag = lambda s: r"\theta_t^{(\text{\ttfamily %s})}" % escape(s.name)
        return f"{tag(prop.a)} - {tag(prop.b)} = {_math(p, prop.difference)}"
    if isinstance(prop, ClosedForm):
        names = _names_for(specs, gradient="g")
        p = printer(names)
        parts = [f"{names.get(k, plain_latex(k))} = {p(v)}" for k, v in prop.state.items()]
        claims = [f"{names.get(k, plain_latex(k))} = {_math(p, v)}" for k, v in prop.claims.items()]
        text = r",\quad ".join(parts)
        return text + (r"\;\Rightarrow\; " + r",\quad ".join(claims) if claims else "")
    if isinstance(prop, Limit):
        p = printer(_names_for(specs, gradient="g" if prop.state else "g_t"))
        return r"\lim_{t \to \infty} %s = %s" % (_math(p, prop.expr), p(prop.value))
    if isinstance(prop, FixedPoint):
        names = _names_for(specs, gradient="g")
        pre = pre_step_names(main)
        p = printer(names)
        parts = [f"{pre.get(k, plain_latex(k))} = {p(v)}" for k, v in prop.state.items()]
        return r",\quad ".join(parts) + r"\;\Rightarrow\; " + f"{_math(p, sp.Symbol('step'))} = {p(prop.step)}"
    if isinstance(prop, Scaling):
        base = base_latex(main)
        p = printer(base)
        parts = [f"{base.get(k, plain_latex(k))} \\to {p(sp.sympify(v) * sp.Symbol(k))}" for k, v in prop.scale.items()]
        fixed = [f"{base.get(k, plain_latex(k))} = {p(sp.sympify(v))}" for k, v in prop.fixed.items()]
        step = printer(_names_for(specs))
        text = r",\ ".join(parts) + (r"\quad (" + r",\ ".join(fixed) + ")" if fixed else "")
        return text + r"\;\Rightarrow\; %s \to %s" % (_math(step, sp.Symbol("step")),
                                                   _math(step, sp.sympify(prop.factor) * sp.Symbol("step")))
    kind = type(prop).__name__
    if kind == "Identity":
        names = _names_for(specs)
        p = printer(names)
        pre = pre_step_names(main)
        cond = [f"{pre.get(k, plain_latex(k))} = {p(sp.sympify(v))}" for k, v in (prop.state or {}).items()]
        if getattr(prop, "t", None) is not None:
            cond.append(f"t = {p(sp.sympify(prop.t))}")
        text = f"{_math(p, prop.lhs)} = {_math(p, prop.rhs)}"
        return (r",\ ".join(cond) + r"\;\Rightarrow\; " + text) if cond else text
    if kind == "NonNegative":
        p = printer(_names_for(specs))
        return f"{_math(p, prop.expr)} \\ge 0"
    return ""


def _counterexample_names(prop: Property) -> dict[str, str]:
    names = {}
    for s in reversed([s for s in prop.specs if s is not None]):
        names.update(pre_step_names(s))
    names.update({"g": "g_t", "t": "t"})
    return names


def _residual_number(verdict) -> sp.Expr | None:
    """The residual at the counterexample (the prover's sample point, evaluated again)."""
    values = dict(verdict.counterexample or {})
    residual = verdict.residual
    if residual is None or not values:
        return None
    field_ = values.pop("grad f(x)", None)
    expr = sp.sympify(residual)
    if field_ is not None:
        x = sp.Symbol("x")
        expr = expr.replace(GradAt, sp.Lambda(x, sp.sympify(field_)))
    subs = {s: sp.sympify(values[s.name]) for s in expr.free_symbols if getattr(s, "name", None) in values}
    try:
        number = sp.N(expr.xreplace(subs), 6)
    except (TypeError, ZeroDivisionError):  # pragma: no cover
        return None
    return number if number.is_number else None


def counterexample_latex(verdict) -> list[str]:
    """Each value of a counterexample as inline math (``$\\eta = \\frac{81}{50}$``)."""
    names = _counterexample_names(verdict.prop)
    printer = SheetPrinter(names)
    out = []
    for key, value in (verdict.counterexample or {}).items():
        if key == "grad f(x)":
            out.append(r"$\nabla f(x) = %s$" % printer(sp.sympify(value)))
        elif isinstance(value, (int, float, sp.Basic)) and key in names:
            out.append(f"${names[key]} = {printer(sp.sympify(value))}$")
        elif isinstance(value, (int, float, sp.Basic)) and key.isidentifier() and len(key) <= 3:
            out.append(f"${plain_latex(key)} = {printer(sp.sympify(value))}$")
        else:
            out.append(f"{escape(key)} {escape(str(value))}")
    return out


#: What a refutation's numbers are, by the kind of claim (English source texts).
COUNTEREXAMPLE_TEXTS = {
    "equal": dict(where="A point at which the two sides differ (exact values the prover drew from the declared "
                        "domains)",
                  value_text="The difference there, left side minus right side",
                  residual_text="The difference at any point, which the property states is zero"),
    "nonnegative": dict(where="A point at which the expression is negative (exact values the prover drew from the "
                              "declared domains)",
                        value_text="Its value there",
                        residual_text="The expression, which the property states is nonnegative"),
    "count": dict(where="State arrays counted in the spec, and the number the document gives",
                  value_text="", residual_text=""),
}

#: a residual printed longer than this is left out (the counterexample is what a reader checks)
MAX_RESIDUAL_CHARS = 220


def property_entry(verdict, texts: Texts) -> dict:
    """What a sheet shows about one verdict."""
    prop = verdict.prop
    status = verdict.status
    if verdict.ok:
        label = texts("proved") if status == "proved" else texts("refuted, as declared")
    else:
        label = texts(status) + " (" + texts("declared") + ": " + texts(verdict.expected) + ")"
    entry = dict(name=escape(prop.name), statement=texts.of(prop)(prop.statement), status=status, ok=verdict.ok,
                 label=label, formula=property_formula(prop), counterexample=[], residual="", value="")
    if verdict.counterexample:
        kind = ("nonnegative" if isinstance(prop, NonNegative) else "count" if isinstance(prop, StateCount)
                else "equal")
        entry.update({key: texts(text) for key, text in COUNTEREXAMPLE_TEXTS[kind].items()})
        entry["counterexample"] = counterexample_latex(verdict)
        number = _residual_number(verdict)
        if number is not None:
            entry["value"] = format_number(float(f"{float(number):.4g}")) if number.is_real else sp.latex(number)
        if verdict.residual is not None:
            printer = SheetPrinter(_counterexample_names(prop))
            residual = printer(verdict.residual)
            if len(residual) <= MAX_RESIDUAL_CHARS:
                entry["residual"] = residual
    return entry


# ======================================================================== a sheet
def domain_latex(domain: sp.Set | None) -> str:
    if domain is None:
        return ""
    if isinstance(domain, sp.Interval):
        lo = "(" if domain.left_open else "["
        hi = ")" if domain.right_open else "]"
        return f"{lo}{format_number(float(domain.inf))}, {format_number(float(domain.sup))}{hi}"
    return sp.latex(domain)


def _hyper_rows(spec: Spec, texts: Texts) -> list[dict]:
    rows = []
    for h in spec.hyperparameters:
        api = h.api_name + (f"[{h.api_index}]" if h.api_index is not None else "")
        rows.append(dict(symbol=h.latex or plain_latex(h.name), name=code(h.name),
                         api="" if api == h.name else code(api), meaning=texts.of(h)(h.meaning),
                         default=format_number(h.default), domain=domain_latex(h.domain)))
    return rows


def _state_rows(spec: Spec, texts: Texts) -> list[dict]:
    base = base_latex(spec)
    return [dict(symbol=base[s.name], initial=timed(base[s.name], "0"), name=code(s.name),
                 meaning=texts.of(s)(s.meaning), init=format_number(s.init),
                 kind=texts("array" if s.per_element else "scalar"),
                 torch=code(s.torch_name) if s.torch_name else "")
            for s in spec.state]


def _lines(eqs: Equations, texts: Texts) -> list[dict]:
    return [dict(lhs=line.lhs, rhs=line.rhs, meaning=texts.of(line.item)(line.meaning)) for line in eqs.lines]


def _inlined(eqs: Equations, texts: Texts) -> str:
    return inlined_sentence([(x, texts.of(a)(m)) for x, m, a in eqs.inlined], texts)


def torch_call(spec: Spec) -> str:
    """The matching torch.optim call as the sheets show it (its note is a sentence below it)."""
    return spec.torch_equivalent.call_text()


def inlined_sentence(inlined: Sequence[tuple[str, str]], texts: Texts) -> str:
    """One sentence for the compound intermediates the equations write out where they are used:
    "Here $1 - \\beta_1^t$ is the bias correction of the first moment, and ... the ...".  The
    meanings are already in the sheet's language."""
    if not inlined:
        return ""
    if texts.lang == "ko":  # a list after a label reads naturally in Korean, with no particles to choose
        return texts("Written out where it is used") + ": " + ", ".join(f"${x}$ ({m})" for x, m in inlined) + "."

    def the(meaning: str) -> str:
        return meaning if meaning.split(" ", 1)[0].lower() in ("a", "an", "the") or not meaning else "the " + meaning

    parts = [f"${x}$ is {the(m)}" if i == 0 else f"${x}$ {the(m)}" for i, (x, m) in enumerate(inlined)]
    if len(parts) == 1:
        return f"Here {parts[0]}, written out where it is used."
    return f"Here {', '.join(parts[:-1])}{',' if len(parts) > 2 else ''} and {parts[-1]}; each is written out " \
           "where it is used."


# ======================================================================== the document's claims
#: the colour a verdict is printed in (the preamble's colours)
VERDICT_COLOURS = {"proved": "proved", "supported": "proved", "refuted": "refuted", "not supported": "refuted",
                   "mixed": "quiet", "not decidable here": "quiet"}
_DECIDED_BY = {"prover": "by the prover", "structure": "read off the specs", "-": "not decidable here, because"}


def _claim_row(c: dict, texts: Texts) -> dict:
    """One claim, printed: the document's words on a Korean sheet, the English rendering on an English
    one; the verdict and its colour; how it was decided (``by_short``: without the experiment's name)."""
    how = c["decided_by"]
    experiment = how.startswith("experiment ")
    short = texts("by the experiment") if experiment else texts(_DECIDED_BY[how])
    return dict(id=code(c["id"]), text=escape(c["quote"] if texts.lang == "ko" else c["english"]),
                optimizers=", ".join(c["optimizers"]), verdict=texts(c["verdict"]),
                colour=VERDICT_COLOURS[c["verdict"]], by_short=short,
                by=short + " " + code(how.split(" ", 1)[1]) if experiment else short)


def claim_entries(spec: Spec, claims: Sequence[dict] | None, texts: Texts) -> list[dict]:
    """The claims about ``spec`` (``codegen/claims.py``'s results), printed with their evidence (in the
    sheet's language)."""
    ko = texts.lang == "ko"
    return [dict(_claim_row(c, texts), evidence=escape(c.get("evidence_ko", "") if ko else c["evidence"]))
            for c in claims or () if spec.name in c["optimizers"]]


def _number(x: float) -> str:
    """A number as pgfplots reads it (``1.2e-04``), not as the equations print it."""
    return f"{x:.6g}"


def _coordinates(points) -> str:
    return " ".join(f"({_number(x)},{_number(y)})" for x, y in points)


def _figure(axis: str, options: str, title: str, lines: Sequence[str], texts: Texts) -> str:
    """A pgfplots figure: ``axis`` (axis, semilogyaxis, loglogaxis) with ``options``, a title in the
    sheet's language, and its plot lines."""
    return (rf"\begin{{tikzpicture}}\begin{{{axis}}}[width=0.9\linewidth, {options}, legend pos=north east, "
            rf"title={{{texts(title)}}}]" + "\n" + "\n".join(lines) + "\n" + rf"\end{{{axis}}}\end{{tikzpicture}}")


def _series(style: str, points, label: str | None, texts: Texts) -> str:
    """One plot line; with a ``label``, its legend entry (else it stays out of the legend)."""
    if label is None:
        return rf"\addplot[{style}, forget plot] coordinates {{{_coordinates(points)}}};"
    return rf"\addplot[{style}] coordinates {{{_coordinates(points)}}};\addlegendentry{{{texts(label)}}}"


#: each figure's two optimizers: (key in the experiment's data, colour, legend label)
_PAIR = {"trajectories": (("momentum", "refuted", "Momentum"), ("nag", "proved", "NAG")),
         "step_sizes": (("adagrad", "refuted", "AdaGrad"), ("adadelta", "proved", "Adadelta")),
         "adam": (("adam", "refuted", "Adam"), ("nadam", "proved", "NAdam"))}


def trajectory_plot(data: dict, texts: Texts) -> str:
    """Momentum's and NAG's paths on an ill-conditioned quadratic, over its contour lines."""
    lam = data["lambda"]
    contours = [rf"\addplot[quiet, thin, domain=0:360, samples=73, forget plot] ({{{_number(r)}*cos(x)}}, "
                rf"{{{_number(r / lam[1] ** 0.5)}*sin(x)}});" for r in data["contour_radii"]]
    paths = [_series(f"{style}, mark=*, mark size=0.8pt", data[name], label, texts)
             for name, style, label in _PAIR["trajectories"]]
    return _figure("axis", r"height=0.42\linewidth, axis equal image, xlabel={$\theta_1$}, ylabel={$\theta_2$}",
                   "Momentum and NAG on an ill-conditioned quadratic", contours + paths, texts)


def step_size_plot(data: dict, texts: Texts) -> str:
    """AdaGrad's and Adadelta's step sizes over time (log scale)."""
    lines = [_series(f"{style}, thick", zip(data["steps"], data[name]), label, texts)
             for name, style, label in _PAIR["step_sizes"]]
    return _figure("semilogyaxis", rf"height=0.4\linewidth, xlabel={{{texts('step t')}}}, "
                   rf"ylabel={{{texts('mean step size')}}}", "Step sizes on a noisy quadratic", lines, texts)


def loss_curve_plot(data: dict, texts: Texts) -> str:
    """Adam's and NAdam's loss on a noisy quadratic: the median of 5 seeds, and their range (dashed)."""
    lines = []
    for name, style, label in _PAIR["adam"]:
        d = data[name]
        lines.append(_series(f"{style}, thick", zip(data["steps"], d["median"]), label, texts))
        lines += [_series(f"{style}, thin, dashed", zip(data["steps"], d[bound]), None, texts) for bound in ("low", "high")]
    return _figure("semilogyaxis", rf"height=0.4\linewidth, xlabel={{{texts('step t')}}}, ylabel={{{texts('loss')}}}",
                   "Loss on a noisy quadratic: median and range of 5 seeds", lines, texts)


def lr_curve_plot(data: dict, texts: Texts) -> str:
    """Steps to the target against the learning rate, Adam and NAdam (a missing point: never reached)."""
    lines = [_series(f"{style}, thick, mark=*", [(lr, n) for lr, n in zip(data["lr"], data[name]) if n is not None],
                     label, texts) for name, style, label in _PAIR["adam"]]
    return _figure("loglogaxis", rf"height=0.4\linewidth, xlabel={{{texts('learning rate')}}}, "
                   rf"ylabel={{{texts('steps to the target')}}}",
                   "Learning-rate sensitivity on an ill-conditioned quadratic", lines, texts)


#: spec -> the figures its sheet shows, from the claims' experiments (experiment name, drawing)
PLOTS = {"momentum": [("trajectories", trajectory_plot)], "nag": [("trajectories", trajectory_plot)],
         "adagrad": [("step_sizes", step_size_plot)], "adadelta": [("step_sizes", step_size_plot)],
         "adam": [("loss_curves", loss_curve_plot), ("lr_curves", lr_curve_plot)],
         "nadam": [("loss_curves", loss_curve_plot), ("lr_curves", lr_curve_plot)]}


def plots_for(spec: Spec, experiments: Mapping[str, dict] | None, texts: Texts) -> list[str]:
    return [draw(experiments[name], texts) for name, draw in PLOTS.get(spec.name, ())
            if experiments and name in experiments]


def sheet_context(spec: Spec, verdicts: Iterable, texts: Texts, registry: Iterable[str] = (),
                  claims: Mapping | None = None) -> dict:
    """Everything the sheet templates show, printed: the templates only lay it out.  ``claims``: the
    result of ``codegen.claims.decide_all`` (its claims about ``spec`` and their figures are shown)."""
    eqs = equations(spec)
    own = texts.of(spec)  # the spec's own words: translated for a built-in spec, the author's as written
    derived = None
    if spec.stored_variable is not None:
        stored = spec.stored_gradient_form()
        cov = spec.stored_variable
        names = {k: timed(v, "t") if k in {s.name for s in spec.state} | {THETA.name} else v
                 for k, v in base_latex(spec).items()}
        names[cov.name] = timed(cov.latex, "t")
        phi = sp.Symbol(cov.name, real=True)
        theta_of_phi = sp.solve(sp.Eq(sp.sympify(cov.expr), phi), THETA)[0]
        derived_eqs = equations(stored, "gradient at the stored variable")
        derived = dict(title=own(stored.title), meaning=own(cov.meaning), symbol=cov.latex,
                       forward=f"{timed(cov.latex, 't')} = {printer_for(spec, names, THETA.name)(cov.expr)}",
                       backward=f"{timed(spec.param_latex, 't')} = {printer_for(spec, names, cov.name)(theta_of_phi)}",
                       lines=_lines(derived_eqs, texts),
                       inlined=_inlined(derived_eqs, texts))
    registry = list(registry)
    props = [property_entry(v, texts) for v in verdicts if involves(v.prop, spec, registry)]
    arrays = [code(s.name) for s in spec.element_state]
    return dict(
        name=spec.name, name_tt=code(spec.name), title=own(spec.title), description=own(spec.description),
        source=escape(generate.spec_path(spec)),
        lines=_lines(eqs, texts), inlined=_inlined(eqs, texts),
        hypers=_hyper_rows(spec, texts), state=_state_rows(spec, texts),
        arrays=len(arrays), array_names=", ".join(arrays),
        derived=derived, properties=props,
        notes=[own(n) for n in spec.framework_notes],
        torch=code(torch_call(spec)) if spec.torch_equivalent else "",
        torch_note=own(spec.torch_equivalent.note) if spec.torch_equivalent and spec.torch_equivalent.note else "",
        builtin=generate.is_builtin(spec),
        claims=claim_entries(spec, (claims or {}).get("claims"), texts),
        plots=plots_for(spec, (claims or {}).get("experiments"), texts),
    )


def _render(template: str, **context) -> str:
    return generate.latex_environment().get_template(template).render(**context)


def _check_texts(texts: Texts, strict: bool, what: str) -> None:
    if strict and texts.missing:
        raise KeyError(f"{what}: no {texts.lang!r} text for " + "; ".join(repr(m) for m in texts.missing)
                       + " (add them to codegen/sheet_texts.py)")


def render_sheet(spec: Spec, verdicts: Iterable, lang: str = "en", *, strict: bool = False,
                 registry: Iterable[str] | None = None, texts: Texts | None = None, claims: Mapping | None = None) -> str:
    """One spec's sheet: a standalone LaTeX document.  ``verdicts`` are the prover's
    (``prover.check_all``); those whose property involves ``spec`` are shown.  With
    ``strict=True`` a missing translation raises :class:`KeyError`; otherwise it falls back to
    English."""
    texts = texts or Texts(lang)
    if registry is None:
        from optforge.specs import SPECS
        registry = list(SPECS)
    context = sheet_context(spec, list(verdicts), texts, registry, claims)
    body = _render("sheet_body.tex.j2", sheet=context, h=texts, lang=lang, standalone=True, variant=False)
    text = _render("sheet.tex.j2", header=generate.header("%", f"spec {spec.name!r} ({generate.spec_path(spec)})",
                                                          "sheet.tex.j2"),
                   body=body, lang=lang, h=texts, pdf_title=escape(f"{spec.title}: optforge equation sheet"),
                   plots=bool(context["plots"]))
    _check_texts(texts, strict, f"sheet {spec.name!r}")
    return text


def root_of(spec: Spec, by_name: Mapping[str, Spec]) -> Spec:
    """The base algorithm a spec is a variant of: its ``parent`` chain, followed within the registry."""
    seen = {spec.name}
    while spec.parent in by_name and spec.parent not in seen:
        spec = by_name[spec.parent]
        seen.add(spec.name)
    return spec


def grouped(specs: Sequence[Spec]) -> list[tuple[Spec, bool]]:
    """The booklet's order: each base algorithm (in registry order), then its variants (``True``), so
    the booklet reads as a few algorithms with their variants, not a catalogue of near-copies."""
    by_name = {s.name: s for s in specs}
    roots = list(dict.fromkeys(root_of(s, by_name).name for s in specs))
    out = []
    for root in roots:
        out.append((by_name[root], False))
        out.extend((s, True) for s in specs if s.name != root and root_of(s, by_name).name == root)
    return out


def claims_table(claims: Mapping | None, texts: Texts) -> list[dict]:
    """Every claim, for the booklet's chapter: the words, the optimizers, the verdict, how decided."""
    return [_claim_row(c, texts) for c in (claims or {}).get("claims", ())]


def render_booklet(specs: Iterable[Spec], verdicts: Iterable, lang: str = "en", *, strict: bool = False,
                   texts: Texts | None = None, claims: Mapping | None = None) -> str:
    """All sheets in one document, with a table of contents (and, with ``claims``, a chapter that
    tabulates the source document's claims and their verdicts)."""
    texts = texts or Texts(lang)
    specs, verdicts = list(specs), list(verdicts)
    registry = [s.name for s in specs]
    bodies = [_render("sheet_body.tex.j2", sheet=sheet_context(s, verdicts, texts, registry, claims), h=texts,
                      lang=lang, standalone=False, variant=variant)
              for s, variant in grouped(specs)]
    table = claims_table(claims, texts)
    text = _render("booklet.tex.j2", header=generate.header("%", "the spec registry (specs/__init__.py)",
                                                            "booklet.tex.j2"),
                   bodies=bodies, lang=lang, h=texts, pdf_title="optforge equation sheets",
                   builtin=any(generate.is_builtin(s) for s in specs), claims=table, plots=bool(table))
    _check_texts(texts, strict, "the booklet")
    return text


def render_all(specs: Iterable[Spec], verdicts: Iterable, langs: Sequence[str] = LANGS, *,
               strict: bool = False, claims: Mapping | None = None) -> tuple[list[generate.Rendered], dict[str, list[str]]]:
    """Every ``.tex`` file under ``generated/sheets/``, and per language the texts that fell back
    to English.  ``claims``: ``codegen.claims.decide_all()``'s result, shown on the sheets."""
    specs, verdicts = list(specs), list(verdicts)
    registry = [s.name for s in specs]
    files, missing = [], {}
    for lang in langs:
        texts = Texts(lang)
        for spec in specs:
            files.append(generate.Rendered(f"{SHEETS}/{lang}/{spec.name}.tex",
                                           render_sheet(spec, verdicts, lang, registry=registry, texts=texts,
                                                        claims=claims)))
        files.append(generate.Rendered(f"{SHEETS}/{lang}/booklet.tex", render_booklet(specs, verdicts, lang,
                                                                                      texts=texts, claims=claims)))
        missing[lang] = list(texts.missing)
        _check_texts(texts, strict, f"the {lang} sheets")
    return files, missing


# ======================================================================== building PDFs
class LatexError(RuntimeError):
    """latexmk failed, or the log shows an error, an undefined reference or an overfull box."""

    def __init__(self, tex: Path, problems: list[str]):
        self.tex, self.problems = tex, problems
        super().__init__(f"{tex}: " + "; ".join(problems[:8]) + (" ..." if len(problems) > 8 else ""))


def tex_missing(lang: str = "en") -> str | None:
    """None when TeX can build ``lang`` sheets; otherwise one line saying what to install."""
    tools = [t for t in ("latexmk", "pdflatex") if shutil.which(t) is None]
    styles = []
    if not tools:
        kpsewhich = shutil.which("kpsewhich")
        styles = [sty for sty in STYLES[lang] if not kpsewhich or not subprocess.run(
            [kpsewhich, sty], capture_output=True, text=True).stdout.strip()]
    if not tools and not styles:
        return None
    what = ", ".join(tools or styles)
    return (f"cannot build the {lang} sheets: {what} not found; install TeX with "
            f"`apt-get update && apt-get install -y {DEBIAN_PACKAGES[lang]}` as root"
            + ("" if lang == "ko" else " (plus texlive-lang-korean for --lang ko)")
            + "; in a checkout, `bash scripts/install-test-deps.sh` installs what is missing")


_OVERFULL = re.compile(r"^Overfull \\[hv]box \((?P<pt>[\d.]+)pt too (?:wide|high)\).*$", re.M)
_PROBLEMS = (
    (re.compile(r"^! (?P<msg>.*)$", re.M), "LaTeX error"),
    (re.compile(r"^(?P<msg>.*:\d+: .*)$", re.M), "LaTeX error"),
    (re.compile(r"^(?P<msg>LaTeX Warning: (?:Reference|Citation) .* undefined.*)$", re.M), "undefined reference"),
    (re.compile(r"^(?P<msg>LaTeX Warning: There were undefined references.*)$", re.M), "undefined reference"),
    (re.compile(r"^(?P<msg>.*Undefined control sequence.*)$", re.M), "undefined control sequence"),
    (re.compile(r"^(?P<msg>Missing character: .*)$", re.M), "missing character"),
)


def log_problems(log: str, overfull_limit_pt: float = OVERFULL_LIMIT_PT) -> list[str]:
    """Errors, undefined control sequences and references, missing characters, and overfull
    boxes wider than ``overfull_limit_pt``, from a LaTeX ``.log``."""
    problems = []
    for pattern, kind in _PROBLEMS:
        for m in pattern.finditer(log):
            item = f"{kind}: {m.group('msg').strip()}"
            if item not in problems:
                problems.append(item)
    for m in _OVERFULL.finditer(log):
        if float(m.group("pt")) > overfull_limit_pt:
            problems.append(f"overfull box: {m.group(0).strip()}")
    return problems


def build_pdf(tex_path: Path, out_dir: Path, *, overfull_limit_pt: float = OVERFULL_LIMIT_PT,
              timeout: float = 300) -> Path:
    """Typeset ``tex_path`` with latexmk (pdflatex) into ``out_dir``; return the PDF's path.

    Raises :class:`LatexError` when latexmk fails or the log shows an error, an undefined
    control sequence or reference, or an overfull box wider than ``overfull_limit_pt``.
    """
    tex_path, out_dir = Path(tex_path).resolve(), Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
           f"-outdir={out_dir}", tex_path.name]
    result = subprocess.run(cmd, cwd=tex_path.parent, capture_output=True, text=True, errors="replace", timeout=timeout,
                            env={**os.environ, "max_print_line": "10000"})
    log_file = out_dir / (tex_path.stem + ".log")
    log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
    problems = log_problems(log, overfull_limit_pt)
    if result.returncode != 0 and not problems:
        problems = [f"latexmk exited with {result.returncode}: {(result.stdout + result.stderr)[-600:]}"]
    if problems:
        raise LatexError(tex_path, problems)
    return out_dir / (tex_path.stem + ".pdf")


def check_tex(tex_path: Path, work_dir: Path, *, overfull_limit_pt: float = OVERFULL_LIMIT_PT,
              timeout: float = 300) -> list[str]:
    """Typeset ``tex_path`` once with ``pdflatex -draftmode`` (no PDF written: fast) and return the
    problems :func:`log_problems` finds.  Enough for a document without cross-references (a sheet);
    a booklet needs :func:`build_pdf`, whose reruns fill in the table of contents."""
    tex_path, work_dir = Path(tex_path).resolve(), Path(work_dir).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    cmd = ["pdflatex", "-draftmode", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
           f"-output-directory={work_dir}", tex_path.name]
    result = subprocess.run(cmd, cwd=tex_path.parent, capture_output=True, text=True, errors="replace", timeout=timeout,
                            env={**os.environ, "max_print_line": "10000"})
    log_file = work_dir / (tex_path.stem + ".log")
    log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
    problems = log_problems(log, overfull_limit_pt)
    if result.returncode != 0 and not problems:
        problems = [f"pdflatex exited with {result.returncode}: {(result.stdout + result.stderr)[-600:]}"]
    return problems


def write_png(pdf: Path, out_dir: Path, pages: int = 4, dpi: int = 100) -> list[Path]:
    """PNG previews of a PDF's first ``pages`` pages (pdftoppm): ``<stem>-page1.png``, ..."""
    if shutil.which("pdftoppm") is None:
        raise FileNotFoundError("pdftoppm not found; install it with `apt-get update && apt-get install -y "
                                "poppler-utils` as root (in a checkout: `bash scripts/install-test-deps.sh`)")
    written = []
    for page in range(1, pages + 1):
        target = Path(out_dir) / f"{Path(pdf).stem}-page{page}"
        result = subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                                 "-singlefile", str(pdf), str(target)], capture_output=True, text=True)
        if result.returncode != 0:
            break  # fewer pages than asked for
        written.append(target.with_suffix(".png"))
    return written


# ======================================================================== the command
def main(argv: list[str] | None = None, prog: str = "optforge-sheets") -> int:
    """Render the equation sheets from the specs into generated/sheets/<lang>/ and build their PDFs
    (latexmk), and PNG previews of the booklet's first pages (pdftoppm), into build/sheets/<lang>/."""
    from .cli import default_build, default_generated, display, refuse_installed_package

    parser = argparse.ArgumentParser(prog=prog, description=main.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=(
        f"examples:\n  {prog} --lang all           # every sheet and booklet, English and Korean\n"
        f"  {prog} --lang ko adam nag   # two Korean sheets"))
    parser.add_argument("names", nargs="*", help="spec names, or 'booklet' (default: every spec and the booklet)")
    parser.add_argument("--lang", choices=LANGS + ("all",), default="en", help="language (default: en)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for <lang>/*.tex (default: generated/sheets: the checkout's in an editable "
                             "install, else ./generated/sheets)")
    parser.add_argument("--build-dir", type=Path, default=None,
                        help="folder for <lang>/*.pdf, the PNG previews and LaTeX's auxiliary files (default: "
                             "build/sheets beside generated/; with --out and no --build-dir, --out itself)")
    parser.add_argument("--png-pages", type=int, default=4, help="booklet pages to preview as PNG (default 4)")
    parser.add_argument("-j", "--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="parallel LaTeX runs (default 2)")
    args = parser.parse_args(argv)
    if args.build_dir is None:
        args.build_dir = args.out if args.out is not None else default_build() / SHEETS
    if args.out is None:
        args.out = default_generated() / SHEETS
    for folder in (args.out, args.build_dir):
        refused = refuse_installed_package(folder)
        if refused:
            print(f"error: {refused}", file=sys.stderr)
            return 2
    langs = list(LANGS) if args.lang == "all" else [args.lang]
    for lang in langs:
        message = tex_missing(lang)
        if message:
            print(f"error: {message}", file=sys.stderr)
            return 2
    from optforge.specs import PROPERTIES, SPECS

    from . import prover

    unknown = [n for n in args.names if n not in SPECS and n != "booklet"]
    if unknown:
        print(f"error: no spec named {', '.join(unknown)}; known: {', '.join(SPECS)}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    verdicts = prover.check_all(PROPERTIES)
    bad = [v for v in verdicts if not v.ok]
    print(f"{len(verdicts) - len(bad)}/{len(verdicts)} properties got their declared verdict "
          f"({time.perf_counter() - start:.1f}s)")
    files, missing = render_all(SPECS.values(), verdicts, langs)
    for lang, texts in missing.items():
        if texts:
            print(f"warning: {len(texts)} {lang} text(s) missing, English used: {texts[0]!r} ...", file=sys.stderr)
    wanted = {f"{SHEETS}/{lang}/{n}.tex" for lang in langs for n in (args.names or list(SPECS) + ["booklet"])}
    jobs = []
    for f in files:
        if f.path in wanted:
            tex = args.out / Path(f.path).relative_to(SHEETS)
            generate.write_atomic(tex, f.text)
            jobs.append(tex)
    failures = 0

    def build(tex: Path):
        t0 = time.perf_counter()
        try:
            pdf = build_pdf(tex, args.build_dir / tex.parent.name)
            return tex, pdf, None, time.perf_counter() - t0
        except (LatexError, subprocess.TimeoutExpired) as e:
            return tex, None, e, time.perf_counter() - t0

    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        for i, (tex, pdf, error, seconds) in enumerate(pool.map(build, jobs), 1):
            rel = display(tex)
            if error is None:
                shown = pdf.name if pdf.parent == tex.parent.resolve() else display(pdf)
                print(f"[{i}/{len(jobs)}] {rel} -> {shown} ({seconds:.1f}s)", flush=True)
            else:
                failures += 1
                print(f"[{i}/{len(jobs)}] {rel} FAILED: {error}", flush=True)
            if error is None and tex.stem == "booklet" and args.png_pages > 0:
                try:
                    for png in write_png(pdf, pdf.parent, args.png_pages):
                        print(f"      preview {display(png)}")
                except FileNotFoundError as e:
                    print(f"      no preview: {e}")
    print(f"{len(jobs) - failures}/{len(jobs)} PDFs built in {time.perf_counter() - start:.1f}s"
          + (f"; {failures} failed" if failures else ""))
    return 1 if failures else 0
