"""The built-in specs' independent references, as the mutation command's last layer reads them:

    optforge check --mutants --references tests/mutation_references.py

(``codegen/mutants.py``, class ``References``, says what each name means.)  Nothing here is read from
the specs' formulas: the steps come from the hand-written NumPy references (``tests/references.py``,
the papers' Adamax, AMSGrad and Lion in the same file) and from ``torch.optim`` in float64; the defaults from
torch's signatures and the document's stated values (``docs/algorithms.md``); the accepted values
from torch's constructors.  The specs are read only for names (which hyperparameters a spec has, and
the torch keyword each maps to, ``TorchEquivalent``), never for what they compute.

``tests/spec/test_defaults.py`` checks the specs against the same ``DEFAULTS``, and
``tests/codegen/test_mutants.py`` checks that the unmutated specs agree with all of it.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

import references as R
from references import adamax_ref, amsgrad_ref, lion_ref

try:
    import torch
except ImportError:  # pragma: no cover - the references need torch for the torch-only variants
    torch = None

from optforge.specs import SPECS

# ------------------------------------------------------------------------------ how torch calls each
#: Specs without a ``TorchEquivalent`` whose torch.optim call is known (written from torch's
#: documentation): spec -> (class, {torch keyword: spec hyperparameter or a tuple of them}, options).
TORCH_CALLS = {
    "sgd_dampened": ("SGD", {"lr": "lr", "momentum": "mu", "dampening": "d"}, {}),
    "adagrad_decayed": ("Adagrad", {"lr": "lr", "eps": "eps", "lr_decay": "lr_decay"}, {}),
    "adadelta_lr": ("Adadelta", {"lr": "lr", "rho": "rho", "eps": "eps"}, {}),
    "rmsprop_centered": ("RMSprop", {"lr": "lr", "alpha": "alpha", "eps": "eps"}, {"centered": True}),
    "rmsprop_momentum": ("RMSprop", {"lr": "lr", "alpha": "alpha", "eps": "eps", "momentum": "mu"}, {}),
    "rmsprop_centered_momentum": ("RMSprop", {"lr": "lr", "alpha": "alpha", "eps": "eps", "momentum": "mu"},
                                  {"centered": True}),
    "nadam_t1_product": ("NAdam", {"lr": "lr", "betas": ("b1", "b2"), "eps": "eps"}, {"momentum_decay": math.inf}),
    "nadam_t1_decoupled": ("NAdam", {"lr": "lr", "betas": ("b1", "b2"), "eps": "eps", "weight_decay": "lam"},
                           {"momentum_decay": math.inf, "decoupled_weight_decay": True}),
    "nadam_scheduled_decoupled": ("NAdam", {"lr": "lr", "betas": ("b1", "b2"), "eps": "eps",
                                            "momentum_decay": "psi", "weight_decay": "lam"},
                                  {"decoupled_weight_decay": True}),
}


def torch_call(name: str):
    """(class, keyword map, options) of spec ``name``, or None.  ``<base>_torch`` is its base's call
    with ``maximize`` from the sign ``sgn`` and ``weight_decay`` from the L2 term ``wd``."""
    spec = SPECS[name]
    if spec.torch_equivalent is not None:
        te = spec.torch_equivalent
        return te.cls, dict(te.hypers), dict(te.options)
    if name in TORCH_CALLS:
        return TORCH_CALLS[name]
    if name.endswith("_torch") and name[: -len("_torch")] in SPECS:
        base = torch_call(name[: -len("_torch")])
        if base is None:
            return None
        cls, keywords, options = base
        keywords = dict(keywords)
        options = {k: v for k, v in options.items() if k not in ("maximize", "weight_decay")}
        keywords["maximize"] = "sgn"
        if "wd" in {h.name for h in spec.hyperparameters}:
            keywords["weight_decay"] = "wd"
        return cls, keywords, options
    return None


def _torch_kwargs(keywords: dict, options: dict, hypers: dict) -> dict:
    kwargs = dict(options)
    for keyword, names in keywords.items():
        if keyword == "maximize":
            kwargs[keyword] = {1.0: False, -1.0: True}[hypers[names]]
        elif isinstance(names, tuple):
            kwargs[keyword] = tuple(hypers[n] for n in names)
        else:
            kwargs[keyword] = hypers[names]
    return kwargs


def _torch_steps(name: str):
    cls, keywords, options = torch_call(name)

    def steps_fn(theta0, grad_fn, steps, hypers):
        # torch keeps scalar state (NAdam's mu_product, the step) in the default dtype: float64 here
        previous = torch.get_default_dtype()
        torch.set_default_dtype(torch.float64)
        try:
            p = torch.tensor(theta0, dtype=torch.float64, requires_grad=True)
            opt = getattr(torch.optim, cls)([p], **_torch_kwargs(keywords, options, hypers))
            out = []
            for t in range(1, steps + 1):
                p.grad = torch.from_numpy(np.asarray(grad_fn(p.detach().numpy().copy(), t), dtype=np.float64))
                opt.step()
                out.append(p.detach().numpy().copy())
        finally:
            torch.set_default_dtype(previous)
        return out
    return steps_fn


def _numpy_steps(name: str):
    def steps_fn(theta0, grad_fn, steps, hypers):
        ref = R.Reference(name, hypers, [theta0])
        out = []
        for _ in range(steps):
            ref.step(lambda i, x, t: grad_fn(x, t))
            out.append(ref.theta[0].copy())
        return out
    return steps_fn


def _paper_steps(fn, keywords):
    """A reference that runs k steps from the start (one call per k: they are short)."""
    def steps_fn(theta0, grad_fn, steps, hypers):
        kw = {k: hypers[v] for k, v in keywords.items()}
        return [fn(theta0.copy(), k, grad=grad_fn, **kw)[0] for k in range(1, steps + 1)]
    return steps_fn


# ------------------------------------------------------------------------------ STEPS
STEPS = {name: _numpy_steps(name) for name in R.ALGORITHMS}
STEPS["lion"] = _paper_steps(lion_ref, {"lr": "lr", "b1": "b1", "b2": "b2", "wd": "lam"})
STEPS.setdefault("adamax", _paper_steps(adamax_ref, {"lr": "lr", "b1": "b1", "b2": "b2", "eps": "eps"}))
STEPS.setdefault("adam_amsgrad", _paper_steps(amsgrad_ref, {"lr": "lr", "b1": "b1", "b2": "b2", "eps": "eps"}))


def _with_torch_options(base_steps):
    """``<base>_torch`` around a base without a torch call: torch's maximize and L2 weight decay change the
    gradient the base sees (torch.optim's documented order: the sign, then ``+ weight_decay * theta``)."""
    def steps_fn(theta0, grad_fn, steps, hypers):
        sgn, wd = hypers["sgn"], hypers.get("wd", 0.0)
        base = {k: v for k, v in hypers.items() if k not in ("sgn", "wd")}
        return base_steps(theta0, lambda x, t: sgn * grad_fn(x, t) + wd * x, steps, base)
    return steps_fn


for _name in ("nadam_torch", "lion_torch"):
    STEPS[_name] = _with_torch_options(STEPS[_name[: -len("_torch")]])
if torch is not None:
    for _name in SPECS:
        if _name not in STEPS and torch_call(_name) is not None:
            STEPS[_name] = _torch_steps(_name)

# ------------------------------------------------------------------------------ HYPERS
#: two settings per hyperparameter name, inside what torch accepts and large enough to show (eps 1e-2)
_VALUES = {"lr": (0.05, 0.013), "mu": (0.85, 0.6), "b1": (0.8, 0.55), "b2": (0.95, 0.7), "eps": (1e-2, 3e-3),
           "rho": (0.9, 0.6), "alpha": (0.9, 0.7), "lam": (0.07, 0.02), "wd": (0.05, 0.11), "psi": (0.05, 0.3),
           "lr_decay": (0.1, 0.03), "d": (0.3, 0.1), "sgn": (-1.0, 1.0)}
HYPERS = {name: [{h.name: _VALUES[h.name][k] for h in spec.hyperparameters} for k in range(2)]
          for name, spec in SPECS.items() if name in STEPS}

# ------------------------------------------------------------------------------ DEFAULTS
#: What the document states (docs/algorithms.md), by spec.
DOCUMENT_DEFAULTS = {
    "adadelta": {"rho": 0.95},  # section 2: "rho typically 0.95"
    "adamw": {"b1": 0.9, "b2": 0.999, "eps": 1e-8},  # section 3
    "nag": {"mu": 0.9},  # section 4: "mu typically 0.9"
    "momentum": {"mu": 0.9},  # as NAG's, the baseline it is compared with
    "nadam": {"b1": 0.9, "b2": 0.999, "eps": 1e-8},  # section 5
    # torch's momentum forms of the document's Momentum and NAG keep the document's mu
    "sgd_momentum": {"mu": 0.9}, "sgd_nesterov": {"mu": 0.9}, "sgd_dampened": {"mu": 0.9},
}
#: Lion has no torch.optim class: its reference implementation's defaults (lion-pytorch 0.2.5, by the
#: paper's authors' recommendation: lr 1e-4, betas (0.9, 0.99), weight_decay 0)
LION_DEFAULTS = {"lion": {"lr": 1e-4, "b1": 0.9, "b2": 0.99, "lam": 0.0}}
#: (spec, torch keyword) whose default is deliberately not torch's, and why
SPEC_DIFFERS = {
    ("momentum", "momentum"): "torch's SGD default momentum=0 turns momentum off; the document's Momentum uses 0.9",
    ("nag", "momentum"): "as Momentum",
    ("sgd_momentum", "momentum"): "a momentum form needs momentum > 0: 0.9, as the document's",
    ("sgd_nesterov", "momentum"): "as sgd_momentum",
    ("sgd_dampened", "momentum"): "as sgd_momentum",
    ("adadelta", "rho"): "the document gives rho = 0.95 (torch 0.9)",
    ("adadelta_lr", "rho"): "as adadelta, whose variant it is",
}


def _differs(name: str, keyword: str) -> bool:
    """Listed in SPEC_DIFFERS, for the spec or the base of a ``<base>_torch`` spec."""
    base = name[: -len("_torch")] if name.endswith("_torch") else name
    return (name, keyword) in SPEC_DIFFERS or (base, keyword) in SPEC_DIFFERS


def torch_defaults(cls_name: str) -> dict:
    sig = inspect.signature(getattr(torch.optim, cls_name).__init__)
    return {k: p.default for k, p in sig.parameters.items() if p.default is not inspect.Parameter.empty}


def _defaults() -> dict:
    out: dict = {}
    for name in SPECS:
        call = torch_call(name) if torch is not None else None
        if call is not None:
            cls, keywords, _ = call
            theirs = torch_defaults(cls)
            for keyword, names in keywords.items():
                if _differs(name, keyword) or keyword not in theirs:
                    continue
                if keyword == "maximize":
                    out.setdefault(name, {})[names] = -1.0 if theirs[keyword] else 1.0
                elif isinstance(names, tuple):
                    out.setdefault(name, {}).update(zip(names, theirs[keyword]))
                else:
                    out.setdefault(name, {})[names] = theirs[keyword]
        out.setdefault(name, {}).update(DOCUMENT_DEFAULTS.get(name, {}))
        out[name].update(LION_DEFAULTS.get(name, {}))
    return {k: v for k, v in out.items() if v}


DEFAULTS = _defaults()

# ------------------------------------------------------------------------------ ACCEPTS
#: (torch keyword, value): what optforge deliberately refuses although torch accepts it, and why
REFUSED_THOUGH_TORCH_ACCEPTS = {
    ("eps", 0.0): "a zero eps divides by zero on a zero gradient (0/0 in Adagrad, RMSprop, Adam's first step)",
    ("momentum", 1.0): "momentum 1 never forgets (the velocity sums every gradient): no optimizer the document describes",
    ("alpha", 1.0): "RMSprop's average with alpha = 1 never moves from 0: a division by eps alone",
    ("rho", 1.0): "Adadelta's averages with rho = 1 never move: the step is sqrt(eps / eps) g forever",
}


#: (spec, torch keyword, value): what optforge deliberately accepts although torch refuses it, and why
ACCEPTED_THOUGH_TORCH_REFUSES = {
    ("nag", "momentum", 0.0): "NAG with mu = 0 is SGD, a valid step of the document's formula (torch refuses "
                              "nesterov=True without momentum, and so does optforge.torch.SGD)",
    ("sgd_nesterov", "momentum", 0.0): "as nag",
    ("sgd_nesterov_torch", "momentum", 0.0): "as nag",
}


def _accepts_in_torch_call(cls: str, kwargs: dict) -> bool:
    p = torch.zeros(1, requires_grad=True)
    try:
        getattr(torch.optim, cls)([p], **kwargs)
    except (ValueError, RuntimeError):
        return False
    return True


def _accepts() -> dict:
    """For each torch keyword's hyperparameter: at each finite end of the spec's declared domain (where a
    changed bound shows), whether torch.optim accepts the value, unless optforge refuses it on purpose."""
    if torch is None:  # pragma: no cover
        return {}
    out: dict = {}
    for name, spec in SPECS.items():
        call = torch_call(name)
        if call is None:
            continue
        cls, keywords, options = call
        for keyword, names in keywords.items():
            if keyword == "maximize":
                continue
            for h in names if isinstance(names, tuple) else (names,):
                domain = spec.hyper(h).domain
                for end in (domain.inf, domain.sup):
                    if not end.is_finite:
                        continue
                    value = float(end)
                    # the other keywords at the spec's defaults (a momentum for nesterov=True, ...)
                    kwargs = _torch_kwargs(keywords, options, {x.name: x.default for x in spec.hyperparameters})
                    if isinstance(names, tuple):
                        pair = list(kwargs[keyword])
                        pair[names.index(h)] = value
                        kwargs[keyword] = tuple(pair)
                    else:
                        kwargs[keyword] = value
                    accepted = _accepts_in_torch_call(cls, kwargs)
                    if (keyword, value) in REFUSED_THOUGH_TORCH_ACCEPTS:
                        accepted = False
                    if (name, keyword, value) in ACCEPTED_THOUGH_TORCH_REFUSES:
                        accepted = True
                    out.setdefault(name, {}).setdefault(h, []).append((value, accepted))
    for name, spec in SPECS.items():
        names = {h.name for h in spec.hyperparameters}
        if "sgn" in names:  # maximize=False and True: both signs
            out.setdefault(name, {})["sgn"] = [(-1.0, True), (1.0, True)]
    # Lion, no torch class: lr = 0 is a step like any optimizer's (the state still moves); a beta of 1
    # freezes the momentum (b2) or drops the gradient from the direction (b1), so [0, 1) as Adam's
    out["lion"] = {"lr": [(0.0, True)], "lam": [(0.0, True)], "b1": [(0.0, True), (1.0, False)],
                   "b2": [(0.0, True), (1.0, False)]}
    return out


ACCEPTS = _accepts()
