"""PyTorch's own optimizer test database (``torch.testing._internal.common_optimizers.optim_db``) driven
against optforge.torch, on CPU, in float64 and float32.

* Every option combination its ``optim_inputs_func`` yields for a class optforge.torch mirrors is built
  with optforge.torch and with torch.optim (``foreach=False``) and stepped 20 times on the same
  parameters and gradients: an accepted one must match torch (float64 to 1e-12 relative, float32 within
  the documented tolerance).  The combinations optforge.torch still refuses are listed below, each with
  the option that is missing; the test fails when the list is not exactly what happens, so a fix
  shows up as a change to the list.
* Every error input of its ``optim_error_inputs_func`` must raise torch's exception type with a message
  matching torch's regex, except those listed in ``ERROR_MISMATCHES``, which must still mismatch.
"""

import warnings

import pytest

torch = pytest.importorskip("torch")
import expecttest  # noqa: E402,F401 - common_optimizers imports it; in the test extra, so never skipped

from torch.testing._internal.common_optimizers import OptimizerErrorEnum, optim_db  # noqa: E402

import optforge.torch as oft  # noqa: E402

F64_TOL = dict(rtol=1e-12, atol=1e-12)
F32_TOL = dict(rtol=1e-4, atol=5e-5)
STEPS = 20

#: torch.optim class -> the optforge.torch class that computes it
MIRRORS = {"SGD": oft.SGD, "Adagrad": oft.Adagrad, "Adadelta": oft.Adadelta, "RMSprop": oft.RMSprop,
           "Adam": oft.Adam, "AdamW": oft.AdamW, "Adamax": oft.Adamax, "NAdam": oft.NAdamScheduled}
INFOS = {o.optim_cls.__name__: o for o in optim_db if o.optim_cls.__name__ in MIRRORS}

#: (torch class, optim_db description) that optforge.torch still refuses, and the option missing
REFUSED: dict[tuple[str, str], str] = {}  # (none left in torch 2.13's database)


def _inputs():
    out = []
    for name, info in INFOS.items():
        for inp in info.optim_inputs_func(device="cpu", dtype=torch.float64):
            out.append((name, inp.desc, inp.kwargs))
    return out


INPUTS = _inputs()


def _problem(dtype):
    """Parameters and a fixed gradient sequence: a 2-D weight, a bias and a scalar."""
    g = torch.Generator().manual_seed(7)
    shapes = [(5, 3), (3,), ()]
    params = [torch.randn(s, generator=g, dtype=dtype) for s in shapes]
    grads = [[torch.randn(s, generator=g, dtype=dtype) for s in shapes] for _ in range(STEPS)]
    return params, grads


def _train(cls, kwargs, dtype, **extra):
    params, grads = _problem(dtype)
    params = [torch.nn.Parameter(p.clone()) for p in params]
    opt = cls(params, **kwargs, **extra)
    for step in grads:
        for p, g in zip(params, step):
            p.grad = g.clone()
        opt.step()
    return [p.detach() for p in params]


def _refusal(name, kwargs):
    """None if optforge.torch builds the optimizer, else the exception."""
    params = [torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))]
    try:
        MIRRORS[name](params, **kwargs)
    except Exception as error:  # noqa: BLE001 - which options are refused is what this test pins
        return error
    return None


def test_the_database_yields_the_configurations_it_did():
    assert set(INFOS) == set(MIRRORS)
    assert len(INPUTS) >= 52, len(INPUTS)  # 52 in torch 2.13


def test_exactly_the_listed_configurations_are_refused():
    refused = {}
    for name, desc, kwargs in INPUTS:
        error = _refusal(name, kwargs)
        if error is not None:
            refused[(name, desc)] = str(error)
    assert set(refused) == set(REFUSED), {"newly refused": sorted(set(refused) - set(REFUSED)),
                                          "now accepted": sorted(set(REFUSED) - set(refused))}
    for key, missing in REFUSED.items():
        assert f"only {missing}" in refused[key] or f"has {missing}" in refused[key], (key, refused[key])


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name, desc, kwargs", [i for i in INPUTS if (i[0], i[1]) not in REFUSED],
                         ids=[f"{n}-{d}" for n, d, _ in INPUTS if (n, d) not in REFUSED])
def test_an_accepted_configuration_follows_torch(name, desc, kwargs, dtype):
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torch keeps NAdam's mu_product in it, as the spec does
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = _train(getattr(torch.optim, name), kwargs, dtype, foreach=False)
        ours = _train(MIRRORS[name], kwargs, dtype)
    finally:
        torch.set_default_dtype(old)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, **(F64_TOL if dtype == torch.float64 else F32_TOL))


# ------------------------------------------------------------------------------ error inputs
def _errors():
    out = []
    for name, info in INFOS.items():
        for k, e in enumerate(info.optim_error_inputs_func(device="cpu", dtype=torch.float64)):
            out.append((name, k, e))
    return out


ERRORS = _errors()

#: (torch class, index of the error input) whose exception optforge.torch does not match yet
ERROR_MISMATCHES: set[tuple[str, int]] = set()


def _raised(name, e):
    inp = e.optimizer_error_input
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error" if e.error_type is UserWarning else "ignore")
            opt = MIRRORS[name](inp.params, **inp.kwargs)
            if e.error_on == OptimizerErrorEnum.STEP_ERROR:
                opt.step()
    except Exception as error:  # noqa: BLE001
        return error
    return None


def test_error_inputs_raise_torchs_exceptions():
    import re

    mismatches, details = set(), {}
    for name, k, e in ERRORS:
        error = _raised(name, e)
        ok = error is not None and isinstance(error, e.error_type) and re.search(e.error_regex, str(error))
        if not ok:
            mismatches.add((name, k))
            details[(name, k)] = (e.error_type.__name__, e.error_regex, repr(error))
    assert mismatches == ERROR_MISMATCHES, {key: details.get(key) for key in mismatches ^ ERROR_MISMATCHES}
