"""Console commands: ``optforge check`` (the properties), ``optforge regenerate`` (everything) and
``optforge sheets`` (the equation sheets' PDFs); also installed as ``optforge-check``,
``optforge-regenerate`` and ``optforge-sheets``.

Where output goes: in a source checkout (an editable install) ``generated/`` is the checkout's;
installed from a wheel, it is ``generated/`` in the current directory (never site-packages).
PDFs, previews and LaTeX's auxiliary files go to ``build/sheets/<lang>/`` beside it.  Every
path printed is one the user can open from where they stand.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import generate, prover, sheets

RAW = argparse.RawDescriptionHelpFormatter


def in_checkout() -> bool:
    """True when running from the source checkout (editable install): generated/ is the checkout's."""
    root = generate.GENERATED.parent
    return (root / "pyproject.toml").is_file() and (root / "specs").is_dir()


def default_generated() -> Path:
    """The checkout's generated/ in an editable install; ./generated otherwise (never site-packages)."""
    return generate.GENERATED if in_checkout() else Path("generated")


def default_build() -> Path:
    """Where PDFs, previews and LaTeX's auxiliary files go by default: build/ beside generated/."""
    return generate.GENERATED.parent / "build" if in_checkout() else Path("build")


def display(path: Path) -> str:
    """``path`` as the user can open it from the current directory: relative when inside it,
    absolute otherwise."""
    path = Path(path).absolute()
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def refuse_installed_package(out: Path) -> str | None:
    """An error message when ``out`` lies inside the installed (non-editable) package."""
    package = generate.GENERATED.parent.resolve()
    if not in_checkout() and Path(out).resolve().is_relative_to(package):
        return (f"refusing to write into the installed package ({package}); "
                f"name another folder with --out (default: ./generated)")
    return None


def _run_properties(properties, out=None) -> list[prover.Verdict]:
    out = out or sys.stdout
    print(f"{'':5}{'property':42s} {'specs':38s} verdict", file=out)
    verdicts = prover.check_all(properties, lambda v: print(v.line(), file=out, flush=True))
    failed = [v for v in verdicts if not v.ok]
    total = sum(v.seconds for v in verdicts)
    print(f"{len(verdicts) - len(failed)}/{len(verdicts)} properties got their declared verdict "
          f"in {total:.1f}s", file=out)
    return verdicts


def check_main(argv: list[str] | None = None, prog: str = "optforge-check") -> int:
    """Print one line per property: name, specs, verdict, time.  Exit 1 if any verdict is not
    the declared one, with the spec, the property and the residual."""
    parser = argparse.ArgumentParser(prog=prog, description=check_main.__doc__, formatter_class=RAW,
                                     epilog=f"example:\n  {prog} -v      # also print each property's statement and detail")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each verdict's detail")
    mutation = parser.add_argument_group("mutation testing (codegen/mutants.py)")
    mutation.add_argument("--mutants", action="store_true",
                          help="change each authored assignment structurally, one change at a time, and report "
                               "per spec which changes the properties catch (the prover's kill rate)")
    mutation.add_argument("--spec", nargs="+", metavar="NAME", help="only the assignments of these specs")
    mutation.add_argument("--file", type=Path, help="mutate a spec file of your own instead of the built-ins")
    mutation.add_argument("--references", type=Path, metavar="FILE",
                          help="a Python file of independent references (STEPS, DEFAULTS, ACCEPTS, HYPERS: see "
                               "codegen/mutants.py, References): the layer that judges what the prover lets "
                               "through; the built-ins' is tests/mutation_references.py")
    mutation.add_argument("--sample", type=int, metavar="N", help="a random sample of N mutants (--seed)")
    mutation.add_argument("--seed", type=int, default=0)
    mutation.add_argument("--jobs", type=int, help="worker processes (default: the CPU count)")
    mutation.add_argument("--timeout", type=float, default=60.0, metavar="S",
                          help="seconds per mutant; a mutant whose check runs longer counts as survived")
    args = parser.parse_args(argv)
    if args.mutants:
        return _mutants(args)
    if args.spec or args.file or args.sample or args.references:
        parser.error("--spec, --file, --references and --sample are options of --mutants")
    from optforge.specs import PROPERTIES

    verdicts = _run_properties(PROPERTIES)
    if args.verbose:
        for v in verdicts:
            print(f"- {v.prop.name}: {v.prop.statement}\n  {v.detail}")
    try:
        prover.require(verdicts)
    except prover.ProofError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


def _mutants(args) -> int:
    from . import mutants

    if args.file is not None:
        if not args.file.is_file():
            print(f"error: {args.file}: no such file", file=sys.stderr)
            return 2
        loader, files = mutants.user_loader(args.file), [args.file]
    else:
        loader, files = mutants._builtin_loader, None
    references = None
    if args.references is not None:
        try:
            references = mutants.References.load(args.references)
        except (OSError, ValueError, ImportError, SyntaxError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    start = time.perf_counter()
    try:
        outcomes = mutants.run(loader, only=args.spec, sample=args.sample, seed=args.seed, jobs=args.jobs,
                               timeout=args.timeout, files=files, references=references,
                               progress=lambda line: print(line, file=sys.stderr, flush=True))
    except Exception as e:  # a spec file that does not build: say so, as optforge spec does
        if type(e).__name__ not in ("SpecError", "UserSpecError", "ValueError"):
            raise
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not outcomes:
        print("error: no mutants: no authored assignment matched" + (f" --spec {' '.join(args.spec)}"
                                                                     if args.spec else ""), file=sys.stderr)
        return 2
    print(mutants.report(outcomes, time.perf_counter() - start, references))
    return 0


def regenerate_main(argv: list[str] | None = None, prog: str = "optforge-regenerate") -> int:
    """Check every property, then regenerate generated/ from the specs.  Refuses to write anything
    when a property does not get its declared verdict.  --check: write nothing, exit 1 with a
    unified diff when generated/ is stale."""
    parser = argparse.ArgumentParser(prog=prog, description=regenerate_main.__doc__, formatter_class=RAW, epilog=(
        f"examples:\n  {prog}                   # prove, then write the kernels and .tex sheets\n"
        f"  {prog} --check           # write nothing; exit 1 with a diff when stale\n"
        f"  {prog} --out /tmp/gen    # write into another folder"))
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 with a diff if stale")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: the checkout's generated/ in an editable install, "
                             "else ./generated)")
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = default_generated()
    refused = None if args.check else refuse_installed_package(args.out)
    if refused:
        print(f"error: {refused}", file=sys.stderr)
        return 2
    from optforge.specs import PROPERTIES, SPECS

    start = time.perf_counter()
    verdicts = _run_properties(PROPERTIES)
    try:
        prover.require(verdicts)
    except prover.ProofError as e:
        print(f"error: refusing to generate anything:\n{e}", file=sys.stderr)
        return 1
    files = generate.render_package(SPECS.values(), PROPERTIES)
    from . import claims as claims_layer

    # The claims' experiments run the generated kernels: write those first, then decide the claims on them
    # (claims.decide_on: in this process only when the kernels it imported are those; never on stale ones).
    changed = {}  # path -> whether writing it changed it
    if not args.check:
        changed = {f.path: generate.write_atomic(args.out / f.path, f.text) for f in files}
    print("deciding the source document's claims (codegen/claims.py) ...", flush=True)
    decided = claims_layer.decide_on(files, args.out, written=any(changed.values()), verdicts=verdicts,
                                     say=lambda text: print(text, flush=True))
    files.append(generate.Rendered(str(claims_layer.OUTPUT), claims_layer.render(decided)))
    sheet_files, missing = sheets.render_all(SPECS.values(), verdicts, claims=decided)
    files += sheet_files
    for lang, texts in missing.items():
        if texts:
            print(f"warning: {len(texts)} {lang} sheet text(s) missing, English used (add them to "
                  f"codegen/sheet_texts.py): {texts[0]!r}", file=sys.stderr)
    if args.check:
        diff = generate.stale(files, args.out, managed=lambda p: p.suffix in (".py", ".tex", ".json"))
        if diff:
            sys.stdout.write(diff)
            print(f"error: {display(args.out)} is stale; run {generate.REGENERATE_COMMAND}", file=sys.stderr)
            return 1
        print(f"{display(args.out)}: {len(files)} files up to date")
        return 0
    written = 0
    for f in files:
        if f.path not in changed:  # the kernels were written above, before the claims' experiments
            changed[f.path] = generate.write_atomic(args.out / f.path, f.text)
        written += changed[f.path]
        print(f"{'wrote    ' if changed[f.path] else 'unchanged'} {display(args.out / f.path)}")
    removed = generate.remove_orphans(files, args.out)
    for path in removed:
        print(f"removed   {display(path)} (no spec produces it any more)")
    print(f"{len(files)} files ({written} changed{f', {len(removed)} removed' if removed else ''}) in "
          f"{time.perf_counter() - start:.1f}s")
    return 0


def sheets_main(argv: list[str] | None = None, prog: str = "optforge-sheets") -> int:
    """Build the equation sheets' PDFs (``optforge sheets``); see ``optforge.codegen.sheets.main``."""
    return sheets.main(argv, prog=prog)
