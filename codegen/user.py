"""Specs from a user's own file: check them, prove their properties, generate kernel and sheet.

``optforge-spec my_optimizer.py --out build/`` imports the file, takes its ``SPECS`` and
``PROPERTIES`` (or, without those lists, every Spec and property defined at its top
level), proves the properties with the same prover as the built-ins, and writes
``build/<name>.py`` (kernels, plain step function, optimizer class) and
``build/<name>.tex`` (the equation sheet; ``--pdf`` also compiles it).  Errors in the
user's spec name the user's file and the quantity at fault.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import sys
import traceback
import warnings
from pathlib import Path
from types import ModuleType

from optforge.specs.language import Property, Spec, SpecError

from . import generate, prover, sheets
from .lower import UnusedIntermediateWarning, lower


class UserSpecError(RuntimeError):
    """The user's file could not be loaded; the message names the file and line."""


def load_user_module(path: Path) -> ModuleType:
    path = Path(path).resolve()
    if not path.is_file():
        raise UserSpecError(f"{path}: no such file")
    name = "optforge_user_" + "".join(c if c.isalnum() else "_" for c in path.stem)
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except SpecError:
        raise
    except Exception as error:  # the user's own code failed: point at their line
        frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename).resolve() == path]
        where = f"{path}:{frames[-1].lineno}" if frames else str(path)
        raise UserSpecError(f"{where}: {type(error).__name__}: {error}") from error
    return module


def _class_name(spec: Spec) -> str:
    return "".join(part[:1].upper() + part[1:] for part in spec.name.split("_"))


def user_specs_and_properties(module: ModuleType) -> tuple[list[Spec], list[Property]]:
    here = str(Path(module.__file__).resolve())
    specs = getattr(module, "SPECS", None)
    if specs is None:
        specs = [v for v in vars(module).values()
                 if isinstance(v, Spec) and v.source and v.source.rsplit(":", 1)[0] == here]
    properties = getattr(module, "PROPERTIES", None)
    if properties is None:
        properties = [v for v in vars(module).values() if isinstance(v, Property)]
    if not specs:
        raise UserSpecError(f"{here}: defines no Spec (put them in a list named SPECS)")
    specs = [s if s.api_class else dataclasses.replace(s, api_class=_class_name(s)) for s in specs]
    return specs, list(properties)


def builtin_name_clashes(specs: list[Spec]) -> list[str]:
    """A user's spec named like a built-in one (or whose class is named like a built-in class): the
    generated module and class would be confused with optforge's own."""
    from optforge.specs import SPECS

    classes = {s.api_class: s.name for s in SPECS.values() if s.api_class}
    messages = []
    for spec in specs:
        builtin = SPECS.get(spec.name)
        if builtin is spec:
            continue  # the built-in itself, re-exported
        if builtin is not None:
            messages.append(f"spec {spec.name!r} has the name of the built-in spec {spec.name!r} "
                            f"({generate.spec_path(builtin)}"
                            f"{f', optforge.{builtin.api_class}' if builtin.api_class else ''}); its module "
                            f"{spec.name}.py would be "
                            f"confused with optforge's own: give it another name")
        elif spec.api_class in classes:
            messages.append(f"spec {spec.name!r} makes the class {spec.api_class}, the name of the built-in "
                            f"optforge.{spec.api_class} (spec {classes[spec.api_class]!r}): set api_class= to "
                            f"another name")
    return messages


def main(argv: list[str] | None = None, prog: str = "optforge-spec") -> int:
    """Check a spec file of your own, prove its properties, and generate its kernel module and sheet."""
    parser = argparse.ArgumentParser(prog=prog, description=main.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=(
        f"example (the README's AdaBelief):\n  {prog} my_adabelief.py --out build --pdf\n"
        f"  # writes build/adabelief.py, build/adabelief.tex and build/adabelief.pdf"))
    parser.add_argument("file", type=Path, help="a Python file defining SPECS (and optionally PROPERTIES)")
    parser.add_argument("--out", type=Path, required=True, help="directory for the generated files")
    parser.add_argument("--lang", choices=("en", "ko"), default="en", help="language of the sheet")
    parser.add_argument("--pdf", action="store_true", help="also compile the sheet to PDF (needs TeX)")
    args = parser.parse_args(argv)
    try:
        module = load_user_module(args.file)
        specs, properties = user_specs_and_properties(module)
    except (SpecError, UserSpecError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{args.file}: {len(specs)} spec(s) ({', '.join(s.name for s in specs)}), {len(properties)} propert"
          f"{'y' if len(properties) == 1 else 'ies'}")
    for message in builtin_name_clashes(specs):
        print(f"warning: {message}", file=sys.stderr)
    from .cli import _run_properties, display

    verdicts = _run_properties(properties) if properties else []
    try:
        prover.require(verdicts)
    except prover.ProofError as error:
        print(f"error: refusing to generate anything:\n{error}", file=sys.stderr)
        return 1
    missing_tex = sheets.tex_missing(args.lang) if args.pdf else None
    if missing_tex:
        print(f"error: {missing_tex}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in specs:
        with warnings.catch_warnings(record=True) as caught:  # an intermediate nothing reads: name it
            warnings.simplefilter("always", UnusedIntermediateWarning)
            kernel = lower(spec, warn=True)
        for w in caught:
            print(f"warning: {w.message}", file=sys.stderr)
        module_file = generate.render_kernel_module(spec, f"optforge-spec {args.file} --out {args.out}", kernel,
                                                   properties)
        generate.write_atomic(args.out / module_file.path, module_file.text)
        written.append(args.out / module_file.path)
        tex = args.out / f"{spec.name}.tex"
        generate.write_atomic(tex, sheets.render_sheet(spec, verdicts, args.lang))
        written.append(tex)
        if args.pdf:
            written.append(sheets.build_pdf(tex, args.out))
    for path in written:
        print(f"wrote {display(path)}")
    print(f"import it with: sys.path.insert(0, {str(args.out)!r}); "
          f"from {specs[0].name} import {specs[0].api_class}")
    return 0




if __name__ == "__main__":
    sys.exit(main())
