"""The lowered kernel value (codegen/lower.py) and the printers that print it.

* operation counts of every built-in spec are pinned (a kernel that silently grows fails), and
  cross-checked against the loop body of the generated module, counted here with ``ast``;
* square roots and divisions agree with the algorithms as the source document writes them;
* each generated module's DESCRIPTION is the lowered value's description;
* unused intermediates are dropped, and a user's spec gets a warning naming them;
* the NumPy baselines printed from the lowered value compute what the Numba kernel computes;
* generated Python keeps the project's line length and two blank lines between top-level definitions.
"""

import ast
import dataclasses
import importlib
import warnings
from pathlib import Path

import numpy as np
import pytest

from optforge.codegen import generate, printing
from optforge.codegen.lower import LoweredKernel, OpCounts, UnusedIntermediateWarning, lower
from optforge.specs import SPECS

GENERATED = Path(generate.GENERATED)

# (add, mul, div, sqrt, other) per element.  Adam, by hand from its loop body: m = (1-b1) g + b1 m
# (2 mul, 1 add); v = b2 v + (1-b2) g g (3 mul, 1 add); mhat, vhat (1 mul each); theta - lr mhat /
# (sqrt(vhat) + eps) (1 mul, 1 sqrt, 1 add, 1 div, 1 sub): 4 adds, 8 muls, 1 div, 1 sqrt.
# SGD: theta - lr g, 1 mul and 1 sub.  The others are pinned as the generator prints them today.
OPS = {
    "sgd": (1, 1, 0, 0, 0),
    "momentum": (2, 2, 0, 0, 0),
    "nag": (3, 4, 0, 0, 0),
    "adagrad": (3, 2, 1, 1, 0),
    "adagrad_eps_in_sqrt": (3, 2, 1, 1, 0),
    "adadelta": (5, 7, 1, 2, 1),
    "rmsprop": (3, 4, 1, 1, 0),
    "adam": (4, 8, 1, 1, 0),
    "adamw": (5, 9, 1, 1, 0),
    "nadam": (5, 10, 1, 1, 0),
    "nadam_t1": (5, 9, 1, 1, 0),
    "nadam_scheduled": (5, 9, 1, 1, 0),
    "adamax": (3, 4, 1, 0, 2),
    "adam_amsgrad": (4, 8, 1, 1, 1),
    "adamw_amsgrad": (5, 9, 1, 1, 1),
    "lion": (4, 6, 0, 0, 1),
    # torch's momentum forms, by hand: buf = mu buf + g (1 mul, 1 add); theta - lr buf (1 mul, 1 sub);
    # Nesterov: theta - lr (g + mu buf) (2 mul, 1 add, 1 sub)
    "sgd_momentum": (2, 2, 0, 0, 0),
    "sgd_nesterov": (3, 3, 0, 0, 0),
    # dampening: the gradient enters the buffer times a per-step scalar 1 - d Min(1, t - 1) (1 more mul)
    "sgd_dampened": (2, 3, 0, 0, 0),
    # Adagrad's decayed lr and NAdam's running product are per-step scalars: nothing per element
    "adagrad_decayed": (3, 2, 1, 1, 0),
    "nadam_t1_product": (5, 9, 1, 1, 0),
    # torch's variants, each its base plus what it adds, by hand: Adadelta's lr dtheta (1 mul); centred
    # RMSprop's gradient average (2 mul, 1 add) and v - ga^2 (1 mul, 1 sub); RMSprop's momentum buffer
    # mu buf + g/denom (1 mul, 1 add; the division was the step's); decoupled decay theta (1 - lr lam),
    # the factor a per-step scalar (1 mul)
    "adadelta_lr": (5, 8, 1, 2, 1),
    "rmsprop_centered": (5, 7, 1, 1, 0),
    "rmsprop_momentum": (4, 5, 1, 1, 0),
    "rmsprop_centered_momentum": (6, 8, 1, 1, 0),
    "nadam_decoupled": (5, 11, 1, 1, 0),
    "nadam_t1_decoupled": (5, 10, 1, 1, 0),
    "nadam_scheduled_decoupled": (5, 10, 1, 1, 0),
}
#: torch's gradient options cost, by hand: sgn g (1 mul), then g + wd theta (1 mul, 1 add); the
#: decoupled-decay optimizers take the sign only.  Each ``<base>_torch`` is its base plus that.
TORCH_OPTIONS = {name: (0, 1, 0, 0, 0) for name in ("adamw", "adamw_amsgrad", "lion", "nadam_decoupled",
                                                    "nadam_t1_decoupled", "nadam_scheduled_decoupled")}
for _base in ("sgd", "sgd_dampened", "sgd_nesterov", "adagrad_decayed", "adadelta_lr", "rmsprop", "rmsprop_centered",
              "rmsprop_momentum", "rmsprop_centered_momentum", "adam", "adam_amsgrad", "adamax", "nadam", "nadam_t1_product",
              "nadam_scheduled", *TORCH_OPTIONS):
    _extra = TORCH_OPTIONS.get(_base, (1, 2, 0, 0, 0))
    OPS[f"{_base}_torch"] = tuple(a + b for a, b in zip(OPS[_base], _extra))

#: Square roots and divisions per element as the algorithms are written in the source document:
#: Adam divides by sqrt(vhat) + eps; Adadelta takes two roots, RMS[dtheta]/RMS[g]; Adamax divides by u
#: and takes no root; SGD and Lion (sign) neither.
SQRT_DIV = {"adam": (1, 1), "adadelta": (2, 1), "adamax": (0, 1), "sgd": (0, 0), "lion": (0, 0),
            "adagrad": (1, 1), "rmsprop": (1, 1)}


def test_every_built_in_spec_has_pinned_counts():
    assert set(OPS) == set(SPECS)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_operation_counts_are_pinned(name):
    assert lower(SPECS[name]).ops == OpCounts(*OPS[name])


@pytest.mark.parametrize("name", sorted(SQRT_DIV))
def test_square_roots_and_divisions_match_the_algorithms(name):
    ops = lower(SPECS[name]).ops
    assert (ops.sqrt, ops.div) == SQRT_DIV[name]


def _count_loop_body(tree: ast.Module, function: str) -> tuple[int, int, int, int, int]:
    """(add, mul, div, sqrt, other) of the loop body of ``function`` in a generated module."""
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function)
    loop = next(n for n in fn.body if isinstance(n, ast.For))
    add = mul = div = sqrt = other = 0
    for stmt in loop.body:
        if isinstance(stmt.value, ast.Subscript) or isinstance(stmt.targets[0], ast.Subscript):
            continue  # loads and stores
        for node in ast.walk(stmt.value):
            if isinstance(node, ast.BinOp):
                add += isinstance(node.op, (ast.Add, ast.Sub))
                mul += isinstance(node.op, ast.Mult)
                div += isinstance(node.op, ast.Div)
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
                other += 1
            elif isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                sqrt += name == "np.sqrt"
                other += name in ("abs", "np.sign") or (name in ("np.maximum", "np.minimum"))
    return add, mul, div, sqrt, other


@pytest.mark.parametrize("name", sorted(SPECS))
def test_counts_agree_with_the_generated_loop_body(name):
    tree = ast.parse((GENERATED / f"{name}.py").read_text())
    assert _count_loop_body(tree, f"{name}_serial") == OPS[name]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_module_describes_itself_as_the_generator_does(name):
    module = importlib.import_module(f"optforge.generated.{name}")
    desc = module.DESCRIPTION
    assert desc == generate.describe(SPECS[name])
    assert tuple(desc.ops) == OPS[name]
    kernel = lower(SPECS[name])
    assert desc.kernel_args == kernel.kernel_args and len(desc.element_state) == len(kernel.element_state)
    assert module.DESCRIPTION is getattr(module, SPECS[name].api_class).description


def test_bytes_moved_per_element():
    # Adam in float32 reads theta, g, m, v and writes theta, m, v: 7 arrays of 4 bytes.
    assert lower(SPECS["adam"]).bytes_per_element(4) == 28
    assert importlib.import_module("optforge.generated.adam").DESCRIPTION.bytes_per_element(8) == 56
    assert lower(SPECS["sgd"]).bytes_per_element(4) == 12  # theta and g read, theta written


def test_the_lowered_value_is_frozen():
    kernel = lower(SPECS["adam"])
    assert isinstance(kernel, LoweredKernel)
    with pytest.raises(dataclasses.FrozenInstanceError):
        kernel.name = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        kernel.element_assignments[0].target = "x"  # type: ignore[misc]


def test_unused_intermediates_are_dropped_and_named():
    # NAdam (t+1) inherits Adam's mhat = m / bc1 but its Nesterov term reads m itself.
    kernel = lower(SPECS["nadam_t1"])
    assert kernel.dropped == ("bc1", "mhat")
    assert "mhat" not in {a.target for a in kernel.element_assignments}
    assert "mhat" not in (GENERATED / "nadam_t1.py").read_text().split('"""', 2)[2]  # not in any kernel
    with pytest.warns(UnusedIntermediateWarning, match=r"'nadam_t1': mhat = m/bc1 is never used"):
        lower(SPECS["nadam_t1"], warn=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lower(SPECS["adam"], warn=True)  # everything used: no warning
    assert lower(SPECS["adam"]).dropped == ()


@pytest.mark.parametrize("name", ["adam", "adadelta", "lion", "nag", "adamax", "nadam_scheduled"])
@pytest.mark.parametrize("inplace", [False, True])
def test_numpy_baselines_compute_what_the_kernel_computes(name, inplace):
    kernel = lower(SPECS[name])
    module = importlib.import_module(f"optforge.generated.{name}")
    cls = getattr(module, SPECS[name].api_class)
    rng = np.random.default_rng(0)
    theta, g = rng.standard_normal(64), rng.standard_normal(64)
    states = [np.abs(rng.standard_normal(64)) for _ in kernel.element_state]
    scalar_in = [s.init for s in cls.description.scalar_state]
    kernel_args, _ = module.__dict__[f"{name}_scalars"](3, *(h.default for h in cls.hyperparameters), *scalar_in)
    ours = [theta.copy(), *[s.copy() for s in states]]
    module.__dict__[f"{name}_serial"](ours[0], g, *ours[1:], *kernel_args)
    namespace = {"np": np}
    theirs = [theta.copy(), *[s.copy() for s in states]]
    if inplace:
        source, n = printing.numpy_inplace_source(kernel)
        exec(source, namespace)
        namespace["step"](theirs[0], g, *theirs[1:], *kernel_args, [np.empty(64) for _ in range(n)], np.float64)
    else:
        exec(printing.numpy_naive_source(kernel), namespace)
        namespace["step"](theirs[0], g, *theirs[1:], *kernel_args)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    assert not np.allclose(ours[0], theta)  # the step did something


@pytest.mark.parametrize("path", sorted(GENERATED.glob("*.py")), ids=lambda p: p.name)
def test_generated_python_is_formatted(path):
    text = path.read_text()
    long = [i + 1 for i, line in enumerate(text.splitlines()) if len(line) > generate.LINE_LENGTH]
    assert not long, f"{path.name}: lines over {generate.LINE_LENGTH} characters: {long}"
    lines = text.splitlines()
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            assert lines[first - 2] == "" and lines[first - 3] == "" and lines[first - 4] != "", \
                f"{path.name}:{first}: not two blank lines before {node.name}"


def test_a_users_spec_with_an_unused_intermediate_gets_a_warning_naming_it(tmp_path, capsys):
    from optforge.codegen import user

    spec_file = tmp_path / "my_sgd.py"
    spec_file.write_text(
        "import sympy as sp\n"
        "from optforge.specs.language import GRAD, POSITIVE, THETA, Assign, Hyperparameter, Spec\n"
        "lr = Hyperparameter('lr', 0.1, POSITIVE, 'learning rate', r'\\eta', api='lr')\n"
        "doubled = sp.Symbol('doubled')\n"
        "SPECS = [Spec('my_sgd', 'My SGD', hyperparameters=[lr], state=[],\n"
        "              assignments=[Assign(doubled, 2 * GRAD), Assign(THETA, THETA - lr.symbol * GRAD)])]\n"
        "PROPERTIES = []\n")
    assert user.main([str(spec_file), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "warning: spec 'my_sgd': doubled = 2*g is never used; the kernel leaves it out" in err
    assert "doubled" not in (tmp_path / "out" / "my_sgd.py").read_text().split("def my_sgd_serial", 1)[1]
