"""Mutation testing of the specs as values: which mistakes do the properties catch?

Every assignment an author writes (an ``Assign(...)`` in a spec file) is a *site*.  A *mutant* changes
one node of a site's expression, structurally: a symbol replaced by another of its kind (a
hyperparameter by a hyperparameter, a state by a state, the gradient by a state), ``t`` by ``t + 1``,
an integer constant or exponent ``n`` by ``n + 1``, a term of a sum negated or dropped, a factor of a
product dropped, ``1 - x`` by ``x`` and a unit-interval hyperparameter ``x`` by ``1 - x``, a term moved
into or out of a square root (``sqrt(v) + eps`` and ``sqrt(v + eps)``).

The spec modules are then built again with that one change (:data:`~optforge.specs.language.
AUTHORED_ASSIGN_HOOK` rewrites the site's expression as it is constructed, so every spec derived from
it, by ``variant``, ``substitute`` or a combinator, carries the mistake as it would if the author had
typed it), and the mutant is classified:

* ``rejected``: the spec language refuses the changed spec (a SpecError): the generator would stop;
* ``equivalent``: the prover shows every changed spec equal to the original (one step, from any
  state): not a mistake, never counted;
* ``killed``: some property whose specs changed no longer gets its declared verdict: the prover would
  refuse to generate anything;
* ``survived``: every such property still gets its verdict (or none covers the changed specs).

The prover's kill rate of a spec is (rejected + killed) / (all - equivalent).  Each mutant runs in a
worker process with a time limit; a mutant whose check runs out of time counts as survived, with the
reason.  ``optforge check --mutants`` prints the report; it also takes a user's spec file.
"""

from __future__ import annotations

import functools
import importlib
import multiprocessing
import os
import random
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import sympy as sp

from optforge.specs import language
from optforge.specs.language import GRAD, T, Equivalent, Property, Spec, SpecError

from . import prover

REJECTED, EQUIVALENT, KILLED, SURVIVED = "rejected", "equivalent", "killed", "survived"


# ------------------------------------------------------------------------------------ sites, mutants
@dataclass(frozen=True)
class Site:
    """An assignment as its author wrote it: where, what it assigns, the expression."""

    source: str  # 'file:line'
    target: str
    expr: sp.Expr

    def where(self) -> str:
        path, line = self.source.rsplit(":", 1)
        return f"{_short(path)}:{line}"


@dataclass(frozen=True)
class Mutant:
    """One structural change at one site: the node at ``path`` (argument indices from the root of the
    expression) becomes ``replacement``."""

    site: Site
    path: tuple[int, ...]
    replacement: sp.Expr
    kind: str
    change: str  # what a reader sees: "b1 -> b2", "dropped the term -lr*m"

    def apply(self, expr: sp.Expr) -> sp.Expr:
        return _replace_at(expr, self.path, self.replacement)

    def describe(self) -> str:
        return f"{self.site.where()} {self.site.target} = {sp.sstr(self.site.expr)}: {self.kind}: {self.change}"


def _short(path: str) -> str:
    p = Path(path)
    for parent in p.parents:
        if parent.name in ("specs",):
            return str(p.relative_to(parent.parent))
    return p.name


def _replace_at(expr: sp.Expr, path: tuple[int, ...], new: sp.Expr) -> sp.Expr:
    if not path:
        return new
    args = list(expr.args)
    args[path[0]] = _replace_at(args[path[0]], path[1:], new)
    return expr.func(*args)


def _walk(expr: sp.Expr, path: tuple[int, ...] = ()):
    yield path, expr
    if isinstance(expr, (sp.Symbol, sp.Number)):
        return
    for i, arg in enumerate(expr.args):
        yield from _walk(arg, path + (i,))


@dataclass(frozen=True)
class Kinds:
    """The symbols a site may be mutated into: by kind, as the spec that holds it declares them."""

    hypers: tuple[sp.Symbol, ...]
    states: tuple[sp.Symbol, ...]
    unit: tuple[sp.Symbol, ...]  # hyperparameters in [0, 1) (x <-> 1 - x)

    @classmethod
    def of(cls, spec: Spec) -> "Kinds":
        unit = tuple(h.symbol for h in spec.hyperparameters
                     if isinstance(h.domain, sp.Interval) and h.domain.inf == 0 and h.domain.sup == 1)
        return cls(tuple(h.symbol for h in spec.hyperparameters), tuple(s.symbol for s in spec.state), unit)


def mutants_of(site: Site, kinds: Kinds) -> list[Mutant]:
    """Every mutant of one site, in a fixed order."""
    out: list[Mutant] = []
    expr = sp.sympify(site.expr)

    def add(path, new, kind, change):
        new = sp.sympify(new)
        if new != _node(expr, path):
            out.append(Mutant(site, path, new, kind, change))

    for path, node in _walk(expr):
        if isinstance(node, sp.Symbol):
            same = [s for group in (kinds.hypers, kinds.states) if node in group for s in group if s != node]
            for other in same:
                add(path, other, "symbol", f"{node} -> {other}")
            if node == GRAD:
                for state in kinds.states:
                    add(path, state, "symbol", f"g -> {state}")
            if node == T:
                add(path, T + 1, "constant", "t -> t + 1")
            if node in kinds.unit:
                add(path, 1 - node, "one minus", f"{node} -> 1 - {node}")
        elif isinstance(node, sp.Integer) and node not in (-1, 0):
            add(path, node + 1, "constant", f"{node} -> {node + 1}")
        elif isinstance(node, sp.Add):
            terms = node.args
            for i, term in enumerate(terms):
                add(path, sp.Add(*(terms[:i] + (-term,) + terms[i + 1:])), "sign", f"negated the term {term}")
                add(path, sp.Add(*(terms[:i] + terms[i + 1:])), "drop term", f"dropped the term {term}")
            if len(terms) == 2 and sp.Integer(1) in terms:
                rest = terms[1] if terms[0] == 1 else terms[0]
                if isinstance(rest, sp.Mul) and rest.args[0] == -1:
                    add(path, -rest, "one minus", f"{node} -> {-rest}")
            roots = [t for t in terms if isinstance(t, sp.Pow) and t.exp == sp.Rational(1, 2)]
            for root in roots:
                for term in terms:
                    if term is not root and isinstance(term, sp.Symbol):
                        others = [t for t in terms if t is not root and t is not term]
                        add(path, sp.Add(sp.sqrt(root.base + term), *others), "eps root",
                            f"{term} moved into the root: {sp.sqrt(root.base + term)}")
        elif isinstance(node, sp.Mul):
            factors = node.args
            for i, factor in enumerate(factors):
                if factor != -1 and len(factors) > 1:
                    add(path, sp.Mul(*(factors[:i] + factors[i + 1:])), "drop factor", f"dropped the factor {factor}")
        if isinstance(node, sp.Pow) and node.exp == sp.Rational(1, 2) and isinstance(node.base, sp.Add):
            for term in node.base.args:
                if isinstance(term, sp.Symbol) and term in kinds.hypers:
                    add(path, sp.sqrt(node.base - term) + term, "eps root",
                        f"{term} moved out of the root: {sp.sqrt(node.base - term) + term}")
    return out


def _node(expr: sp.Expr, path: tuple[int, ...]) -> sp.Expr:
    for i in path:
        expr = expr.args[i]
    return expr


# ------------------------------------------------------------------------------------ building specs
@dataclass
class Loaded:
    """The specs and properties of one build, and the sites the authors wrote."""

    specs: list[Spec]
    properties: list[Property]
    sites: list[Site]

    @functools.cached_property
    def spec_signatures(self) -> dict[str, tuple]:
        return {s.name: _signature(s) for s in self.specs}

    @functools.cached_property
    def property_signatures(self) -> dict[str, tuple]:
        return {p.name: tuple(_signature(s) for s in p.specs if s is not None) for p in self.properties}


def _builtin_loader() -> tuple[list[Spec], list[Property]]:
    """Build the built-in spec modules afresh (the language module stays: the prover dispatches on its
    classes)."""
    names = [k for k in sys.modules if (k == "optforge.specs" or k.startswith("optforge.specs."))
             and k != "optforge.specs.language"]
    saved = {k: sys.modules.pop(k) for k in names}
    try:
        module = importlib.import_module("optforge.specs")
        return list(module.SPECS.values()), list(module.PROPERTIES)
    finally:
        for k in [k for k in sys.modules if (k == "optforge.specs" or k.startswith("optforge.specs."))
                  and k != "optforge.specs.language"]:
            del sys.modules[k]
        sys.modules.update(saved)
        import optforge

        optforge.specs = saved.get("optforge.specs", getattr(optforge, "specs", None))


def user_loader(path: Path) -> Callable[[], tuple[list[Spec], list[Property]]]:
    """A loader that executes a user's spec file afresh."""
    from .user import load_user_module, user_specs_and_properties

    def load():
        return user_specs_and_properties(load_user_module(path))
    return load


def build(loader: Callable, mutant: Mutant | None = None) -> Loaded:
    """Run ``loader`` with ``mutant`` applied at its site (none: the original), recording every site."""
    sites: dict[tuple[str, str], Site] = {}

    def hook(assign):
        key = (assign.source, assign.name)
        sites.setdefault(key, Site(assign.source, assign.name, sp.sympify(assign.expr)))
        if mutant is not None and key == (mutant.site.source, mutant.site.target) and \
                sp.sympify(assign.expr) == mutant.site.expr:
            return mutant.apply(sp.sympify(assign.expr))
        return assign.expr

    previous, language.AUTHORED_ASSIGN_HOOK = language.AUTHORED_ASSIGN_HOOK, hook
    try:
        specs, properties = loader()
    finally:
        language.AUTHORED_ASSIGN_HOOK = previous
    return Loaded(specs, properties, list(sites.values()))


def _signature(spec: Spec) -> tuple:
    return (spec.name, tuple((a.name, sp.srepr(sp.sympify(a.expr))) for a in spec.assignments),
            sp.srepr(sp.sympify(spec.gradient_at)) if spec.gradient_at is not None else None)


def home_of(site: Site, specs: Sequence[Spec]) -> str:
    """The spec a site is reported under: the first spec written in the site's file that uses it, else
    the file's name (a combinator's assignment)."""
    file = site.source.rsplit(":", 1)[0]
    for spec in specs:
        if spec.source and spec.source.rsplit(":", 1)[0] == file and any(
                a.source == site.source and a.name == site.target for a in spec.assignments):
            return spec.name
    return Path(file).stem


def kinds_for(site: Site, specs: Sequence[Spec]) -> Kinds | None:
    for spec in specs:
        if any(a.source == site.source and a.name == site.target for a in spec.assignments):
            return Kinds.of(spec)
    return None


# ------------------------------------------------------------------------------------ classification
@dataclass
class Outcome:
    mutant: Mutant
    home: str
    status: str
    detail: str
    seconds: float


class _Timeout(Exception):
    pass


def _on_alarm(signum, frame):  # pragma: no cover - runs in a worker
    raise _Timeout()


def classify(mutant: Mutant, original: Loaded, loader: Callable) -> tuple[str, str]:
    """(status, detail) of one mutant against the original build."""
    try:
        mutated = build(loader, mutant)
    except SpecError as e:
        return REJECTED, f"SpecError: {e}"
    except Exception as e:  # noqa: BLE001 - the changed module fails to build at all: the generator stops
        return REJECTED, f"{type(e).__name__}: {e}"
    before, signatures = {s.name: s for s in original.specs}, original.spec_signatures
    changed = [s for s in mutated.specs if s.name in before and _signature(s) != signatures[s.name]]
    # Equivalence: every changed spec equals its original, one step from any state.
    if not changed:
        return EQUIVALENT, "no spec changed (the site is not used by a generated spec)"
    distinct = []
    for spec in changed:
        verdict = prover.check(Equivalent(f"{spec.name}_mutant_is_original", a=spec, b=before[spec.name]))
        if verdict.status != prover.PROVED:
            distinct.append(spec.name)
    if not distinct:
        return EQUIVALENT, f"proved equal to the original: {', '.join(s.name for s in changed)}"
    old = original.property_signatures
    affected = [p for p in mutated.properties
                if tuple(_signature(s) for s in p.specs if s is not None) != old.get(p.name)]
    for prop in affected:
        verdict = prover.check(prop)
        if not verdict.ok:
            return KILLED, f"{prop.name}: {verdict.status}, declared {verdict.expected}"
    return SURVIVED, (f"{len(affected)} propert{'y' if len(affected) == 1 else 'ies'} of the changed specs "
                      f"still get their verdicts" if affected else "no property covers the changed specs")


# Worker state (fork): the loader and the original build, set before the pool starts.
_WORK: dict = {}


def _worker(args):  # pragma: no cover - runs in a worker process
    index, timeout = args
    mutant, home = _WORK["mutants"][index]
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    start = time.perf_counter()
    try:
        status, detail = classify(mutant, _WORK["original"], _WORK["loader"])
    except _Timeout:
        status, detail = SURVIVED, f"undecided: the check ran out of its {timeout:.0f} s"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return index, status, detail, time.perf_counter() - start


def run(loader: Callable, only: Iterable[str] | None = None, sample: int | None = None, seed: int = 0,
        jobs: int | None = None, timeout: float = 60.0, files: Iterable[str] | None = None,
        progress: Callable[[str], None] | None = None) -> list[Outcome]:
    """Build the original, enumerate the mutants of its sites (of the specs ``only`` / in ``files``),
    keep a random ``sample`` of them, and classify each in worker processes."""
    original = build(loader)
    only = set(only) if only else None
    files = {str(Path(f).resolve()) for f in files} if files else None
    mutants: list[tuple[Mutant, str]] = []
    for site in original.sites:
        if files is not None and str(Path(site.source.rsplit(":", 1)[0]).resolve()) not in files:
            continue
        home = home_of(site, original.specs)
        kinds = kinds_for(site, original.specs)
        if kinds is None or (only is not None and home not in only):
            continue
        mutants.extend((m, home) for m in mutants_of(site, kinds))
    if sample is not None and sample < len(mutants):
        keep = sorted(random.Random(seed).sample(range(len(mutants)), sample))  # kept in site order
        mutants = [mutants[i] for i in keep]
    original.spec_signatures, original.property_signatures  # once, before the workers fork
    _WORK.update(mutants=mutants, original=original, loader=loader)
    outcomes: list[Outcome | None] = [None] * len(mutants)
    start = time.perf_counter()
    jobs = jobs or min(len(mutants), os.cpu_count() or 1) or 1
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, maxtasksperchild=20) as pool:
        for done, (index, status, detail, seconds) in enumerate(
                pool.imap_unordered(_worker, [(i, timeout) for i in range(len(mutants))]), 1):
            mutant, home = mutants[index]
            outcomes[index] = Outcome(mutant, home, status, detail, seconds)
            if progress:
                progress(f"mutant {done}/{len(mutants)} ({time.perf_counter() - start:.0f} s) {home}: "
                         f"{mutant.site.target}: {mutant.kind}: {mutant.change} -> {status}")
    return [o for o in outcomes if o is not None]


# ------------------------------------------------------------------------------------ report
def scores(outcomes: Sequence[Outcome]) -> list[dict]:
    """Per home spec: counts and the prover's kill rate (None when every mutant is equivalent)."""
    rows: dict[str, dict] = {}
    for o in outcomes:
        row = rows.setdefault(o.home, {"spec": o.home, REJECTED: 0, EQUIVALENT: 0, KILLED: 0, SURVIVED: 0})
        row[o.status] += 1
    for row in rows.values():
        counted = row[REJECTED] + row[KILLED] + row[SURVIVED]
        row["mutants"] = counted + row[EQUIVALENT]
        row["rate"] = (row[REJECTED] + row[KILLED]) / counted if counted else None
    return list(rows.values())


def report(outcomes: Sequence[Outcome], seconds: float) -> str:
    lines = [f"{'spec':34s} {'mutants':>7s} {'equiv.':>6s} {'rejected':>8s} {'killed':>6s} {'survived':>8s} "
             f"{'prover kills':>12s}"]
    total = {REJECTED: 0, EQUIVALENT: 0, KILLED: 0, SURVIVED: 0}
    for row in scores(outcomes):
        rate = "-" if row["rate"] is None else f"{100 * row['rate']:.0f}%"
        lines.append(f"{row['spec']:34s} {row['mutants']:7d} {row[EQUIVALENT]:6d} {row[REJECTED]:8d} "
                     f"{row[KILLED]:6d} {row[SURVIVED]:8d} {rate:>12s}")
        for k in total:
            total[k] += row[k]
    counted = total[REJECTED] + total[KILLED] + total[SURVIVED]
    rate = f"{100 * (total[REJECTED] + total[KILLED]) / counted:.0f}%" if counted else "-"
    lines.append(f"{'all':34s} {len(outcomes):7d} {total[EQUIVALENT]:6d} {total[REJECTED]:8d} {total[KILLED]:6d} "
                 f"{total[SURVIVED]:8d} {rate:>12s}")
    survivors = [o for o in outcomes if o.status == SURVIVED]
    if survivors:
        lines += ["", f"Survivors ({len(survivors)}): the properties leave these changes unconstrained"]
        lines += [f"  {o.home}: {o.mutant.describe()}  ({o.detail})" for o in survivors]
    equivalent = [o for o in outcomes if o.status == EQUIVALENT]
    if equivalent:
        lines += ["", f"Equivalent mutants ({len(equivalent)}, not counted): the same update"]
        lines += [f"  {o.home}: {o.mutant.describe()}  ({o.detail})" for o in equivalent]
    lines += ["", f"{len(outcomes)} mutants in {seconds:.0f} s. The prover's kill rate counts the mutants the "
                  "spec checks reject or a property catches; the reference tests (tests/) are not run here."]
    return "\n".join(lines)
