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
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import sympy as sp

from optforge.specs import language
from optforge.specs.language import GRAD, THETA, T, Equivalent, Property, Spec, SpecError

from . import prover

REJECTED, EQUIVALENT, KILLED, SURVIVED = "rejected", "equivalent", "killed", "survived"
KILLED_BY_REFERENCES = "killed by references"
STATUSES = (REJECTED, EQUIVALENT, KILLED, KILLED_BY_REFERENCES, SURVIVED)


# ------------------------------------------------------------------------------------ sites, mutants
class _Located:
    source: str  # 'file:line'

    def where(self) -> str:
        path, line = self.source.rsplit(":", 1)
        return f"{_short(path)}:{line}"


@dataclass(frozen=True)
class Site(_Located):
    """An assignment as its author wrote it: where, what it assigns, the expression."""

    source: str  # 'file:line'
    target: str
    expr: sp.Expr


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


@dataclass(frozen=True)
class HyperSite(_Located):
    """A hyperparameter as its author declared it: where, its name, default and domain."""

    source: str
    target: str
    default: float
    domain: sp.Set


@dataclass(frozen=True)
class HyperMutant:
    """A changed default or domain bound of one declared hyperparameter."""

    site: HyperSite
    changes: tuple[tuple[str, object], ...]  # (field, new value)
    kind: str  # "default" or "domain"
    change: str

    def describe(self) -> str:
        return (f"{self.site.where()} {self.site.target} (default {self.site.default!r}, domain "
                f"{self.site.domain}): {self.kind}: {self.change}")


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


def hyper_mutants_of(site: HyperSite) -> list[HyperMutant]:
    """The changed defaults and domain bounds of one hyperparameter, in a fixed order: a default in
    [0, 1) moved towards 1 and away from it (0.9 -> 0.99 and 0.45, 0.999 -> 0.9999 and 0.99), a
    positive default times 10 and divided by 10, a default of 0 -> 0.1, a sign of 1 -> -1; each finite
    end of the domain opened or closed."""
    out: list[HyperMutant] = []
    d, domain = site.default, site.domain
    values: list[float] = []
    if isinstance(d, (int, float)) and not isinstance(d, bool):
        unit = isinstance(domain, sp.Interval) and domain.inf == 0 and domain.sup == 1
        if d == 0:
            values = [0.1]
        elif unit and 0 < d < 1:
            away = round(1 - (1 - d) * 10, 12)  # 0.999 -> 0.99; 0.9 -> 0 (then d / 2 instead)
            values = [1 - (1 - d) / 10, away if away > 0 else d / 2]
        elif d == 1 and isinstance(domain, sp.Interval) and domain.inf == -1:
            values = [-1.0]
        elif d > 0:
            values = [d * 10, d / 10]
    for value in values:
        value = float(f"{value:.12g}")
        out.append(HyperMutant(site, (("default", value),), "default", f"default {d!r} -> {value!r}"))
    if isinstance(domain, sp.Interval):
        if domain.inf.is_finite:
            new = sp.Interval(domain.inf, domain.sup, not domain.left_open, domain.right_open)
            out.append(HyperMutant(site, (("domain", new),), "domain", f"domain {domain} -> {new}"))
        if domain.sup.is_finite:
            new = sp.Interval(domain.inf, domain.sup, domain.left_open, not domain.right_open)
            out.append(HyperMutant(site, (("domain", new),), "domain", f"domain {domain} -> {new}"))
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
    hyper_sites: list[HyperSite] = dataclasses.field(default_factory=list)

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
    hyper_sites: dict[tuple[str, str], HyperSite] = {}

    def hook(assign):
        key = (assign.source, assign.name)
        sites.setdefault(key, Site(assign.source, assign.name, sp.sympify(assign.expr)))
        if isinstance(mutant, Mutant) and key == (mutant.site.source, mutant.site.target) and \
                sp.sympify(assign.expr) == mutant.site.expr:
            return mutant.apply(sp.sympify(assign.expr))
        return assign.expr

    def hyper_hook(hyper):
        key = (hyper.source, hyper.name)
        hyper_sites.setdefault(key, HyperSite(hyper.source, hyper.name, hyper.default, hyper.domain))
        if isinstance(mutant, HyperMutant) and key == (mutant.site.source, mutant.site.target):
            return dict(mutant.changes)
        return {}

    saved = language.AUTHORED_ASSIGN_HOOK, language.AUTHORED_HYPER_HOOK
    language.AUTHORED_ASSIGN_HOOK, language.AUTHORED_HYPER_HOOK = hook, hyper_hook
    try:
        specs, properties = loader()
    finally:
        language.AUTHORED_ASSIGN_HOOK, language.AUTHORED_HYPER_HOOK = saved
    return Loaded(specs, properties, list(sites.values()), list(hyper_sites.values()))


def _signature(spec: Spec) -> tuple:
    return (spec.name, tuple((a.name, sp.srepr(sp.sympify(a.expr))) for a in spec.assignments),
            sp.srepr(sp.sympify(spec.gradient_at)) if spec.gradient_at is not None else None,
            tuple((h.name, repr(h.default), sp.srepr(h.domain)) for h in spec.hyperparameters))


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


# ------------------------------------------------------------------------------------ references
def simulate(spec: Spec, hypers: dict[str, float] | Sequence[dict[str, float]], theta0, grad_fn: Callable,
             steps: int) -> list:
    """Run ``spec`` in float64 NumPy from its initial state, straight from its SymPy assignments (no
    generated code): ``grad_fn(x, t)`` is the gradient at ``x`` on step ``t``, evaluated where the spec
    takes it (NAG: at its look-ahead point).  Returns theta after each step; for a sequence of
    hyperparameter settings, one such list per setting (the step is compiled once)."""
    import numpy as np

    after = spec.one_step()
    state = list(spec.state)
    args = [THETA, T, *(s.symbol for s in state), *(h.symbol for h in spec.hyperparameters)]
    clock = {"t": 0}

    def grad_at(x):
        return np.asarray(grad_fn(np.asarray(x, dtype=np.float64), clock["t"]), dtype=np.float64)

    modules = [{"GradAt": grad_at, "Max": np.maximum, "Min": np.minimum, "sign": np.sign, "Abs": np.abs},
               "numpy"]
    fn = sp.lambdify(args, [after["theta"], *(after[s.name] for s in state)], modules=modules)

    def trajectory(h):
        theta = np.array(theta0, dtype=np.float64)
        values = [np.full_like(theta, float(s.init)) for s in state]
        out = []
        with np.errstate(all="ignore"):
            for t in range(1, steps + 1):
                clock["t"] = t
                theta, *values = (np.broadcast_to(np.asarray(v, dtype=np.float64), theta.shape).copy()
                                  for v in fn(theta, t, *values, *(h[x.name] for x in spec.hyperparameters)))
                out.append(theta.copy())
        return out

    if isinstance(hypers, Mapping):
        return trajectory(hypers)
    return [trajectory(h) for h in hypers]


def _sample_hypers(spec: Spec, seed: int) -> dict[str, float]:
    """Hyperparameters well inside their domains (large enough that eps and decays show)."""
    rng = random.Random(f"{spec.name}:{seed}")
    values = {}
    for h in spec.hyperparameters:
        d = h.domain
        lo = float(d.inf) if d.inf.is_finite else -1.0
        hi = float(d.sup) if d.sup.is_finite else lo + 0.3
        values[h.name] = lo + (hi - lo) * rng.uniform(0.2, 0.9) if d.sup.is_finite else lo + rng.uniform(0.01, 0.3)
    return values


@dataclass
class References:
    """The layer after the prover: an author's independent statements of what the specs compute and
    offer, read from a Python file (``optforge check --mutants --references FILE``) that defines any of

    * ``STEPS``: spec name -> ``fn(theta0, grad_fn, steps, hypers) -> [theta after each step]``, an
      implementation written without the spec (``grad_fn(x, t)``: the gradient at ``x`` on step ``t``);
    * ``DEFAULTS``: spec name -> {hyperparameter: the default it must have};
    * ``ACCEPTS``: spec name -> {hyperparameter: [(value, whether it must be accepted), ...]};
    * ``HYPERS``: spec name -> [{hyperparameter: value}, ...], where to compare the steps (default:
      two draws well inside the domains).

    A mutant the prover lets through is *killed by the references* when a changed spec disagrees with
    one of them: its steps (simulated from its assignments, :func:`simulate`) differ from ``STEPS``'s
    by more than rounding, or its default or domain contradicts ``DEFAULTS`` or ``ACCEPTS``."""

    path: str
    steps: dict
    defaults: dict
    accepts: dict
    hypers: dict
    n_steps: int = 8
    rtol: float = 1e-8

    @classmethod
    def load(cls, path: Path) -> "References":
        import importlib.util

        path = Path(path).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"--references {path}: no such file")
        folder = str(path.parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)  # the file may import its neighbours (tests/references.py)
        module_spec = importlib.util.spec_from_file_location(f"_optforge_references_{path.stem}", path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        found = {k: dict(getattr(module, k, {}) or {}) for k in ("STEPS", "DEFAULTS", "ACCEPTS", "HYPERS")}
        if not any(found.values()):
            raise ValueError(f"--references {path}: defines none of STEPS, DEFAULTS, ACCEPTS, HYPERS")
        return cls(str(path), found["STEPS"], found["DEFAULTS"], found["ACCEPTS"], found["HYPERS"])

    def covers(self, name: str) -> bool:
        return name in self.steps or name in self.defaults or name in self.accepts

    def disagreement(self, spec: Spec) -> str | None:
        """How ``spec`` contradicts the references, or None."""
        import numpy as np

        for h, value in self.defaults.get(spec.name, {}).items():
            mine = spec.hyper(h).default
            if mine != value:
                return f"{spec.name}: default {h}={mine!r}, the references say {value!r}"
        for h, pairs in self.accepts.get(spec.name, {}).items():
            domain = spec.hyper(h).domain
            for value, accepted in pairs:
                inside = bool(domain.contains(language._exact(value)) == sp.true)
                if inside != accepted:
                    return (f"{spec.name}: {h}={value!r} is {'inside' if inside else 'outside'} the domain {domain}; "
                            f"the references {'accept' if accepted else 'refuse'} it")
        fn = self.steps.get(spec.name)
        if fn is None:
            return None
        theta0 = np.linspace(-1.5, 1.2, 7)
        a = 1.0 + 0.5 * np.cos(np.arange(theta0.size))

        def grad_fn(x, t):
            return a * x - 0.4 + 0.3 * np.sin(0.7 * t + np.arange(x.size))
        settings = self.hypers.get(spec.name) or [_sample_hypers(spec, k) for k in range(2)]
        try:
            simulated = simulate(spec, settings, theta0, grad_fn, self.n_steps)
        except Exception as e:  # noqa: BLE001 - a mutant that cannot even run disagrees
            return f"{spec.name}: simulating it raised {type(e).__name__}: {e}"
        for hypers, mine in zip(settings, simulated):
            theirs = fn(theta0.copy(), grad_fn, self.n_steps, dict(hypers))
            for t, (x, y) in enumerate(zip(mine, theirs), 1):
                y = np.asarray(y, dtype=np.float64)
                if not np.allclose(x, y, rtol=self.rtol, atol=1e-12, equal_nan=False):
                    k = int(np.argmax(np.abs(x - y)))
                    shown = ", ".join(f"{n}={v:.4g}" for n, v in hypers.items())
                    return (f"{spec.name}: step {t} at {shown}: theta[{k}] = {x[k]:.10g}, the reference "
                            f"{y[k]:.10g}")
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


def classify(mutant: "Mutant | HyperMutant", original: Loaded, loader: Callable,
             references: References | None = None) -> tuple[str, str]:
    """(status, detail) of one mutant against the original build."""
    try:
        mutated = build(loader, mutant)
    except SpecError as e:
        return REJECTED, f"SpecError: {e}"
    except Exception as e:  # noqa: BLE001 - the changed module fails to build at all: the generator stops
        return REJECTED, f"{type(e).__name__}: {e}"
    before, signatures = {s.name: s for s in original.specs}, original.spec_signatures
    changed = [s for s in mutated.specs if s.name in before and _signature(s) != signatures[s.name]]
    if not changed:
        return EQUIVALENT, "no spec changed (the site is not used by a generated spec)"
    site = mutant.site
    if isinstance(mutant, HyperMutant):
        # The update is the same; what a user gets without naming the value (or may pass) is not: a
        # changed default or domain is never equivalent.
        holds = {s.name for s in changed if any(h.source == site.source and h.name == site.target
                                                for h in s.hyperparameters)}
    else:
        holds = {s.name for s in changed if any(a.source == site.source and a.name == site.target
                                                for a in s.assignments)}
    # Equivalence: every changed spec equals its original, one step from any state.  The specs that
    # hold the site itself come first: one of them differing is enough, and the specs derived from them
    # (variants, combinators) are larger and slower to compare.
    changed.sort(key=lambda s: (s.name not in holds, len(s.assignments)))
    if isinstance(mutant, Mutant):
        distinct = None
        for spec in changed:
            try:
                verdict = prover.check(Equivalent(f"{spec.name}_mutant_is_original", a=spec, b=before[spec.name]))
            except (SpecError, TypeError, ValueError, ZeroDivisionError):  # not comparable: not the same spec
                distinct = spec.name
                break
            if verdict.status != prover.PROVED:
                distinct = spec.name
                break
            proof = verdict.detail
        if distinct is None:
            return EQUIVALENT, f"proved equal to the original ({proof}): {', '.join(s.name for s in changed)}"
    old = original.property_signatures
    affected = [p for p in mutated.properties
                if tuple(_signature(s) for s in p.specs if s is not None) != old.get(p.name)]
    # The properties of the specs that hold the site first: they are the likeliest to catch the change,
    # and the first wrong verdict decides.
    affected.sort(key=lambda p: not any(s is not None and s.name in holds for s in p.specs))
    for prop in affected:
        try:
            verdict = prover.check(prop)
        except Exception as e:  # noqa: BLE001 - the check itself fails: the generator stops there too
            return KILLED, f"{prop.name}: the check raised {type(e).__name__}: {e}"
        if not verdict.ok:
            return KILLED, f"{prop.name}: {verdict.status}, declared {verdict.expected}"
    covered = (f"{len(affected)} propert{'y' if len(affected) == 1 else 'ies'} of the changed specs still get "
               f"their verdicts" if affected else "no property covers the changed specs")
    if references is None:
        return SURVIVED, covered
    checked = [s for s in changed if references.covers(s.name)]
    for spec in checked:
        found = references.disagreement(spec)
        if found:
            return KILLED_BY_REFERENCES, found
    return SURVIVED, covered + (f"; the references agree on {', '.join(s.name for s in checked)}" if checked
                                else "; no reference covers the changed specs")


# Worker state (fork): the loader and the original build, set before the pool starts.
_WORK: dict = {}


def _worker(args):  # pragma: no cover - runs in a worker process
    index, timeout = args
    mutant, home = _WORK["mutants"][index]
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    start = time.perf_counter()
    try:
        status, detail = classify(mutant, _WORK["original"], _WORK["loader"], _WORK["references"])
    except _Timeout:
        status, detail = SURVIVED, f"undecided: the check ran out of its {timeout:.0f} s"
    except Exception as e:  # noqa: BLE001 - reported, never lost: the run goes on
        status, detail = SURVIVED, f"undecided: classifying it raised {type(e).__name__}: {e}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return index, status, detail, time.perf_counter() - start


def hyper_home(site: HyperSite, specs: Sequence[Spec]) -> str | None:
    """The spec a hyperparameter's mutants are reported under: the first that declares it (None: no
    spec uses it)."""
    for spec in specs:
        if any(h.source == site.source and h.name == site.target for h in spec.hyperparameters):
            return spec.name
    return None


def enumerate_mutants(original: Loaded, only: Iterable[str] | None = None,
                      files: Iterable[str] | None = None) -> list[tuple["Mutant | HyperMutant", str]]:
    """Every mutant of the original build's sites (of the specs ``only`` / in ``files``), with its home
    spec: the assignments' mutants, then the defaults' and domains'."""
    only = set(only) if only else None
    files = {str(Path(f).resolve()) for f in files} if files else None

    def wanted(source: str, home: str | None) -> bool:
        if home is None or (only is not None and home not in only):
            return False
        return files is None or str(Path(source.rsplit(":", 1)[0]).resolve()) in files

    mutants: list[tuple[Mutant | HyperMutant, str]] = []
    for site in original.sites:
        home, kinds = home_of(site, original.specs), kinds_for(site, original.specs)
        if kinds is not None and wanted(site.source, home):
            mutants.extend((m, home) for m in mutants_of(site, kinds))
    for hsite in original.hyper_sites:
        home = hyper_home(hsite, original.specs)
        if wanted(hsite.source, home):
            mutants.extend((m, home) for m in hyper_mutants_of(hsite))
    return mutants


def run(loader: Callable, only: Iterable[str] | None = None, sample: int | None = None, seed: int = 0,
        jobs: int | None = None, timeout: float = 60.0, files: Iterable[str] | None = None,
        progress: Callable[[str], None] | None = None, references: References | None = None) -> list[Outcome]:
    """Build the original, enumerate the mutants of its sites (of the specs ``only`` / in ``files``),
    keep a random ``sample`` of them, and classify each in worker processes.  With ``references``, the
    original must agree with them first (a reference that the original contradicts is wrong, or the
    spec is: a ValueError names it)."""
    original = build(loader)
    if references is not None:
        wrong = [d for d in (references.disagreement(s) for s in original.specs if references.covers(s.name)) if d]
        unknown = sorted((set(references.steps) | set(references.defaults) | set(references.accepts))
                         - {s.name for s in original.specs})
        if wrong or unknown:
            raise ValueError(f"the references in {references.path} do not describe the unmutated specs: "
                             + "; ".join(wrong + [f"no spec named {n!r}" for n in unknown]))
    mutants = enumerate_mutants(original, only, files)
    if sample is not None and sample < len(mutants):
        keep = sorted(random.Random(seed).sample(range(len(mutants)), sample))  # kept in site order
        mutants = [mutants[i] for i in keep]
    original.spec_signatures, original.property_signatures  # once, before the workers fork
    _WORK.update(mutants=mutants, original=original, loader=loader, references=references)
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
def _is_value_mutant(o: Outcome) -> bool:
    return isinstance(o.mutant, HyperMutant)


def scores(outcomes: Sequence[Outcome]) -> list[dict]:
    """Per home spec, for the assignments' mutants: counts by status and the prover's kill rate,
    (rejected + killed) / (all - equivalent), None when every mutant is equivalent; and for the defaults'
    and domains' mutants (``values_*``), which the prover does not read: counts by status."""
    rows: dict[str, dict] = {}
    for o in outcomes:
        row = rows.setdefault(o.home, {"spec": o.home, **{k: 0 for k in STATUSES},
                                       **{f"values_{k}": 0 for k in STATUSES}})
        row[f"values_{o.status}" if _is_value_mutant(o) else o.status] += 1
    for row in rows.values():
        counted = sum(row[k] for k in STATUSES if k != EQUIVALENT)
        row["mutants"] = counted + row[EQUIVALENT]
        row["rate"] = (row[REJECTED] + row[KILLED]) / counted if counted else None
        row["values"] = sum(row[f"values_{k}"] for k in STATUSES)
    return list(rows.values())


def report(outcomes: Sequence[Outcome], seconds: float, references: References | None = None) -> str:
    refs = references is not None
    head = (f"{'spec':30s} {'mutants':>7s} {'equiv.':>6s} {'rejected':>8s} {'killed':>6s} {'by refs':>7s} "
            f"{'survived':>8s} {'prover kills':>12s}   {'defaults, domains':>17s}")
    lines = ["Mutants of the authored assignments (killed: by the prover; by refs: by the references), and of "
             "the declared defaults and domain bounds (caught/all; the prover does not read defaults)", "", head]
    total = {k: 0 for k in STATUSES} | {f"values_{k}": 0 for k in STATUSES}
    for row in scores(outcomes):
        rate = "-" if row["rate"] is None else f"{100 * row['rate']:.0f}%"
        caught = row["values"] - row["values_survived"]
        values = f"{caught}/{row['values']}" if row["values"] else "-"
        lines.append(f"{row['spec']:30s} {row['mutants']:7d} {row[EQUIVALENT]:6d} {row[REJECTED]:8d} {row[KILLED]:6d} "
                     f"{(row[KILLED_BY_REFERENCES] if refs else '-'):>7} {row[SURVIVED]:8d} {rate:>12s}   {values:>17s}")
        for k in total:
            total[k] += row[k]
    counted = sum(total[k] for k in STATUSES if k != EQUIVALENT)
    rate = f"{100 * (total[REJECTED] + total[KILLED]) / counted:.0f}%" if counted else "-"
    n_values = sum(total[f"values_{k}"] for k in STATUSES)
    values = f"{n_values - total['values_survived']}/{n_values}" if n_values else "-"
    lines.append(f"{'all':30s} {sum(total[k] for k in STATUSES):7d} {total[EQUIVALENT]:6d} {total[REJECTED]:8d} "
                 f"{total[KILLED]:6d} {(total[KILLED_BY_REFERENCES] if refs else '-'):>7} {total[SURVIVED]:8d} "
                 f"{rate:>12s}   {values:>17s}")
    if n_values:
        by = {k: total[f"values_{k}"] for k in STATUSES}
        lines.append(f"defaults and domains: {by[REJECTED]} rejected, {by[KILLED]} killed by the prover, "
                     f"{by[KILLED_BY_REFERENCES]} by the references, {by[SURVIVED]} survived")
    survivors = [o for o in outcomes if o.status == SURVIVED]
    if survivors:
        lines += ["", f"Survivors ({len(survivors)}): " + ("no layer catches these changes" if refs else
                                                           "the properties leave these changes unconstrained")]
        lines += [f"  {o.home}: {o.mutant.describe()}  ({o.detail})" for o in survivors]
    caught_by_refs = [o for o in outcomes if o.status == KILLED_BY_REFERENCES]
    if caught_by_refs:
        lines += ["", f"Killed by the references only ({len(caught_by_refs)}): no property catches these"]
        lines += [f"  {o.home}: {o.mutant.describe()}  ({o.detail})" for o in caught_by_refs]
    equivalent = [o for o in outcomes if o.status == EQUIVALENT]
    if equivalent:
        lines += ["", f"Equivalent mutants ({len(equivalent)}, not counted): the same update, with the proof"]
        lines += [f"  {o.home}: {o.mutant.describe()}  ({o.detail})" for o in equivalent]
    where = (f"the references are {references.path}" if refs else
             "no references were given (--references FILE adds that layer)")
    lines += ["", f"{len(outcomes)} mutants in {seconds:.0f} s. The prover's kill rate counts the assignments' "
                  f"mutants that the spec checks reject or a property catches; {where}."]
    return "\n".join(lines)
