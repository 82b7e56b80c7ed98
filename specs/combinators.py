"""Spec combinators: transformations that make a new spec from a spec, each returning the properties
that relate the result to its base, for the prover to check like any other.

* :func:`maximize` negates the gradient by a runtime sign ``sgn`` (1 descends, -1 ascends, as
  ``torch.optim``'s ``maximize=True``): proved equal to the base at ``sgn = 1``, and at ``sgn = -1``
  equal to the base on ``-f`` (the base whose gradient is ``-g``).  Multiplying by +-1 is exact in
  floating point, so one kernel serves both.
* :func:`l2_weight_decay` adds ``wd * theta`` to the gradient (``torch.optim``'s ``weight_decay`` in
  every class but AdamW): proved equal to the base at ``wd = 0``, so a weight decay of 0 and a
  nonzero one run the same kernel.
* :func:`decoupled_weight_decay` shrinks theta by ``1 - lr lam`` before the base's update (AdamW's
  decay; torch's ``decoupled_weight_decay=True``): proved equal to the base at ``lam = 0``, and the
  built-in AdamW is proved to be this combinator applied to Adam.
* :func:`torch_options` applies both in torch's order (the sign first, then the L2 term: the sign is
  the outer combinator, whose assignment runs first).

A combinator only prepends assignments to ``g``; the base's own assignments are untouched, so every
property of the base still describes the variant at the neutral values.
"""

from __future__ import annotations

import dataclasses

import sympy as sp

from .language import GRAD, NONNEGATIVE, THETA, Assign, Equivalent, Hyperparameter, Property, Spec

#: the sign of the gradient: 1 minimises, -1 maximises (any other value is refused by the front ends)
SIGN = Hyperparameter("sgn", 1.0, sp.Interval(-1, 1), "sign of the gradient: 1 descends, -1 ascends (maximize)",
                      r"\sigma", api="sign")
#: L2 weight decay, added to the gradient
L2 = Hyperparameter("wd", 0.0, NONNEGATIVE, "L2 weight decay: wd * theta is added to the gradient", r"\lambda_2",
                    api="weight_decay")

#: decoupled weight decay, multiplied by the learning rate (AdamW's)
DECOUPLED = Hyperparameter("lam", 0.0, NONNEGATIVE, "weight decay coefficient", r"\lambda", api="weight_decay")

STATEMENT_NEUTRAL_SIGN = "with sign 1 (minimise), one step is the base optimizer's step"
STATEMENT_ASCENT = "with sign -1 (maximize), one step is the base optimizer's step on -f, whose gradient is -g"
STATEMENT_NO_DECAY = "with weight_decay = 0, one step is the base optimizer's step"
DESCRIPTION = ("The base optimizer with torch.optim's gradient options as runtime hyperparameters: the sign of "
               "the gradient (maximize) and L2 weight decay added to it.")


def _prepend(spec: Spec, name: str, title: str, hyper: Hyperparameter, assign: Assign, **changes) -> Spec:
    """``spec`` with one more hyperparameter and one assignment before all of its own."""
    if spec.gradient_at is not None:
        raise ValueError(f"{spec.name}: a gradient combinator needs the gradient at theta; apply it to "
                         f"{spec.name}'s stored-gradient form instead")
    if hyper.name in {h.name for h in spec.hyperparameters}:
        raise ValueError(f"{spec.name} already has a hyperparameter {hyper.name!r}")
    base = spec.variant(name, title, hyperparameters=[hyper], **changes)
    return dataclasses.replace(base, assignments=(assign,) + spec.assignments, source=base.source)


def _reduces_to(new: Spec, values: dict, suffix: str, base: Spec, name: str, statement: str) -> Equivalent:
    """The property ``name``: ``new`` with ``values`` substituted (spec ``<new>_<suffix>``) is ``base``."""
    return Equivalent(name, a=new.substitute(values, f"{new.name}_{suffix}"), b=base, statement=statement)


def _negated_gradient(spec: Spec) -> Spec:
    """The base on -f: the same update with the gradient -g (what maximising f by minimising -f runs)."""
    return dataclasses.replace(spec.variant(f"{spec.name}_on_minus_f"),
                               assignments=(Assign(GRAD, -GRAD, "the gradient of -f"),) + spec.assignments)


def maximize(spec: Spec, name: str | None = None, title: str | None = None,
             **changes) -> tuple[Spec, list[Property]]:
    """``g <- sgn * g`` before the base's update, and the two properties that pin it."""
    name = name or f"{spec.name}_signed"
    new = _prepend(spec, name, title or f"{spec.title} (signed gradient)", SIGN,
                   Assign(GRAD, SIGN.symbol * GRAD, "the gradient times the sign (-1: maximize)"), **changes)
    return new, [
        _reduces_to(new, {"sgn": 1}, "sign_1", spec, f"{name}_sign_1_is_{spec.name}", STATEMENT_NEUTRAL_SIGN),
        _reduces_to(new, {"sgn": -1}, "sign_m1", _negated_gradient(spec),
                    f"{name}_sign_minus_1_is_{spec.name}_on_minus_f", STATEMENT_ASCENT),
    ]


def l2_weight_decay(spec: Spec, name: str | None = None, title: str | None = None,
                    **changes) -> tuple[Spec, list[Property]]:
    """``g <- g + wd * theta`` before the base's update, and the property that it is the base at 0."""
    name = name or f"{spec.name}_l2"
    new = _prepend(spec, name, title or f"{spec.title} (L2 weight decay)", L2,
                   Assign(GRAD, GRAD + L2.symbol * THETA, "the gradient plus the L2 term"), **changes)
    return new, [_reduces_to(new, {"wd": 0}, "wd0", spec, f"{name}_no_decay_is_{spec.name}", STATEMENT_NO_DECAY)]


def decoupled_weight_decay(spec: Spec, name: str | None = None, title: str | None = None,
                           **changes) -> tuple[Spec, list[Property]]:
    """``theta <- theta (1 - lr lam)`` before the base's update (torch's ``decoupled_weight_decay=True``;
    AdamW is this applied to Adam), and the property that it is the base at ``lam = 0``."""
    if "lr" not in {h.name for h in spec.hyperparameters}:
        raise ValueError(f"{spec.name}: decoupled weight decay is multiplied by the learning rate lr")
    name = name or f"{spec.name}_decoupled"
    lr = spec.hyper("lr").symbol
    new = _prepend(spec, name, title or f"{spec.title} (decoupled weight decay)", DECOUPLED,
                   Assign(THETA, THETA * (1 - lr * DECOUPLED.symbol), "decay the parameters before the step"),
                   **changes)
    return new, [_reduces_to(new, {"lam": 0}, "lam0", spec, f"{name}_no_decay_is_{spec.name}", STATEMENT_NO_DECAY)]


def _class_name(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def torch_options(spec: Spec, l2: bool = True, **changes) -> tuple[Spec, list[Property]]:
    """``spec`` with torch.optim's ``maximize`` and (with ``l2``) L2 ``weight_decay``, in torch's order:
    ``g <- sgn * g``, then ``g <- g + wd * theta``.  Named ``<base>_torch``; its generated class
    (``AdamTorch``) is not exported at the top level (``optforge.torch`` runs it); the properties relate it
    to the base at the neutral values."""
    name, title = f"{spec.name}_torch", f"{spec.title} + torch.optim options"
    changes = {"description": DESCRIPTION, "api_class": f"{spec.api_class or _class_name(spec.name)}Torch",
               "export": False, "torch_equivalent": None, "framework_notes": (), **changes}
    if not l2:
        return maximize(spec, name, title, **changes)
    # A combinator's assignment runs before those of the spec it wraps: the sign is outermost, so that
    # it applies to the raw gradient and the L2 term is added after it, as torch.optim does.
    decayed, properties = l2_weight_decay(spec, f"{name}_l2", **changes)
    new, more = maximize(decayed, name, title, **changes)
    return new, properties + more + [
        _reduces_to(new, {"sgn": 1, "wd": 0}, "neutral", spec, f"{name}_neutral_is_{spec.name}",
                    "with sign 1 and weight_decay = 0, one step is the base optimizer's step")]
