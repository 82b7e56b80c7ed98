"""Defaults as checked facts: each built-in spec's defaults against torch.optim's (read from the torch
classes' signatures, never retyped), and optforge.torch's signatures against torch's, so that a changed
default (Adam's beta2 0.999 -> 0.99, eps 1e-8 -> 1e-7, Momentum's 0.9 -> 0.99) fails here."""

import inspect

import pytest

torch = pytest.importorskip("torch")

import optforge.torch as oft  # noqa: E402
from mutation_references import DEFAULTS, DOCUMENT_DEFAULTS, SPEC_DIFFERS, torch_defaults  # noqa: E402
from optforge.specs import SPECS  # noqa: E402

#: (optforge.torch class, keyword) whose default is deliberately not its torch class's
TORCH_CLASS_DIFFERS = {
    ("Momentum", "momentum"): "the document's Momentum: 0.9 (torch.optim.SGD's 0 is plain SGD)",
    ("NAG", "momentum"): "the document's NAG: 0.9",
    ("NAG", "nesterov"): "NAG is SGD with nesterov=True",
    ("NAdamT1", "momentum_decay"): "NAdamT1 is NAdam(momentum_decay=inf)",
    ("AMSGrad", "amsgrad"): "AMSGrad is Adam(amsgrad=True)",
}


def spec_cases():
    for spec in SPECS.values():
        te = spec.torch_equivalent
        if te is None:
            continue
        for keyword, names in te.hypers.items():
            yield spec.name, te.cls, keyword, names


@pytest.mark.parametrize("spec_name, torch_cls, keyword, names", list(spec_cases()),
                         ids=[f"{s}-{k}" for s, _, k, _ in spec_cases()])
def test_a_spec_default_is_torchs_unless_it_says_why(spec_name, torch_cls, keyword, names):
    spec = SPECS[spec_name]
    mine = tuple(spec.hyper(n).default for n in names) if isinstance(names, tuple) else spec.hyper(names).default
    theirs = torch_defaults(torch_cls)[keyword]
    if (spec_name, keyword) in SPEC_DIFFERS:
        assert mine != theirs, f"{spec_name}.{keyword} now equals torch's: remove it from SPEC_DIFFERS"
    else:
        assert mine == theirs, f"{spec_name}: {keyword} default {mine!r}, torch.optim.{torch_cls} has {theirs!r}"


CLASSES = [(name, getattr(oft, name)) for name in oft.__all__ if isinstance(getattr(oft, name), type)
           and getattr(getattr(oft, name), "_torch_class", None)]


@pytest.mark.parametrize("name, cls", CLASSES, ids=[n for n, _ in CLASSES])
def test_optforge_torch_signatures_default_to_torchs(name, cls):
    theirs = torch_defaults(cls._torch_class)
    sig = inspect.signature(cls.__init__).parameters
    compared = 0
    for keyword, expected in theirs.items():
        if keyword not in sig:
            continue
        compared += 1
        mine = sig[keyword].default
        if (name, keyword) in TORCH_CLASS_DIFFERS:
            assert mine != expected, f"{name}.{keyword} now equals torch's: remove it from TORCH_CLASS_DIFFERS"
        else:
            assert mine == expected, f"optforge.torch.{name}({keyword}={mine!r}), torch.optim.{cls._torch_class} {expected!r}"
    assert compared >= 3


def test_optforge_torch_and_the_spec_agree_where_torch_has_no_class():
    """Lion has no torch class: its defaults are the spec's."""
    lion = SPECS["lion"]
    sig = inspect.signature(oft.Lion.__init__).parameters
    assert sig["lr"].default == lion.hyper("lr").default
    assert sig["betas"].default == (lion.hyper("b1").default, lion.hyper("b2").default)
    assert sig["weight_decay"].default == lion.hyper("lam").default


@pytest.mark.parametrize("spec_name", sorted(DOCUMENT_DEFAULTS))
def test_a_spec_default_is_the_documents_where_it_states_one(spec_name):
    spec = SPECS[spec_name]
    for name, value in DOCUMENT_DEFAULTS[spec_name].items():
        assert spec.hyper(name).default == value, f"{spec_name}.{name}: {spec.hyper(name).default!r}, the document {value!r}"


def test_every_default_the_references_state_holds_and_most_specs_have_them():
    """The table the mutation command's reference layer reads (tests/mutation_references.py, DEFAULTS:
    torch's signatures through each spec's torch keywords, and the document's values)."""
    wrong = [(n, h, SPECS[n].hyper(h).default, v) for n, hs in DEFAULTS.items() for h, v in hs.items()
             if SPECS[n].hyper(h).default != v]
    assert not wrong
    assert len(DEFAULTS) >= 40 and DEFAULTS["adam"] == {"lr": 1e-3, "b1": 0.9, "b2": 0.999, "eps": 1e-8}
