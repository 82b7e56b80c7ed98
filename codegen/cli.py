"""Console commands: ``optforge-check`` (the properties), ``optforge-regenerate`` (everything) and
``optforge-sheets`` (the equation sheets' PDFs)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import generate, prover, sheets


def _run_properties(properties, out=None) -> list[prover.Verdict]:
    out = out or sys.stdout
    print(f"{'':5}{'property':42s} {'specs':38s} verdict", file=out)
    verdicts = prover.check_all(properties, lambda v: print(v.line(), file=out, flush=True))
    failed = [v for v in verdicts if not v.ok]
    total = sum(v.seconds for v in verdicts)
    print(f"{len(verdicts) - len(failed)}/{len(verdicts)} properties got their declared verdict "
          f"in {total:.1f}s", file=out)
    return verdicts


def check_main(argv: list[str] | None = None) -> int:
    """Print one line per property: name, specs, verdict, time.  Exit 1 if any verdict is not
    the declared one, with the spec, the property and the residual."""
    parser = argparse.ArgumentParser(prog="optforge-check", description=check_main.__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="print each verdict's detail")
    args = parser.parse_args(argv)
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


def regenerate_main(argv: list[str] | None = None) -> int:
    """Check every property, then regenerate generated/ from the specs.  Refuses to write anything
    when a property does not get its declared verdict.  --check: write nothing, exit 1 with a
    unified diff when generated/ is stale."""
    parser = argparse.ArgumentParser(prog="optforge-regenerate", description=regenerate_main.__doc__)
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 with a diff if stale")
    parser.add_argument("--out", type=Path, default=generate.GENERATED, help="output folder (default: generated/)")
    args = parser.parse_args(argv)
    from optforge.specs import PROPERTIES, SPECS

    start = time.perf_counter()
    verdicts = _run_properties(PROPERTIES)
    try:
        prover.require(verdicts)
    except prover.ProofError as e:
        print(f"error: refusing to generate anything:\n{e}", file=sys.stderr)
        return 1
    files = generate.render_package(SPECS.values())
    sheet_files, missing = sheets.render_all(SPECS.values(), verdicts)
    files += sheet_files
    for lang, texts in missing.items():
        if texts:
            print(f"warning: {len(texts)} {lang} sheet text(s) missing, English used (add them to "
                  f"codegen/sheet_texts.py): {texts[0]!r}", file=sys.stderr)
    if args.check:
        diff = generate.stale(files, args.out, managed=lambda p: p.suffix in (".py", ".tex"))
        if diff:
            sys.stdout.write(diff)
            print(f"error: {args.out} is stale; run {generate.REGENERATE_COMMAND}", file=sys.stderr)
            return 1
        print(f"{args.out}: {len(files)} files up to date")
        return 0
    written = 0
    for f in files:
        changed = generate.write_atomic(args.out / f.path, f.text)
        written += changed
        print(f"{'wrote    ' if changed else 'unchanged'} {args.out.name}/{f.path}")
    print(f"{len(files)} files ({written} changed) in {time.perf_counter() - start:.1f}s")
    return 0


def sheets_main(argv: list[str] | None = None) -> int:
    """Build the equation sheets' PDFs (``optforge-sheets``); see ``optforge.codegen.sheets.main``."""
    return sheets.main(argv)
