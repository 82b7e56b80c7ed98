"""The ``optforge`` command: ``optforge check | regenerate | sheets | spec | bench``.

Each subcommand hands the rest of the command line to the existing entry point
(:func:`optforge.codegen.cli.check_main`, ``regenerate_main``, ``sheets_main``,
:func:`optforge.codegen.user.main`; ``bench`` runs the repository's ``scripts/bench.py``).
This module imports only the standard library, so ``optforge --help`` and ``--version``
never load SymPy, Jinja2 or the generator; a subcommand imports what it needs once chosen.
The old names (``optforge-check``, ``optforge-regenerate``, ...) remain as aliases.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

#: subcommand -> (module, function, one-line summary)
COMMANDS = {
    "check": ("optforge.codegen.cli", "check_main", "prove every declared property of the specs"),
    "regenerate": ("optforge.codegen.cli", "regenerate_main",
                   "prove the properties, then write the kernels and .tex sheets (generated/)"),
    "sheets": ("optforge.codegen.cli", "sheets_main", "build the equation sheets' PDFs with latexmk (needs TeX)"),
    "spec": ("optforge.codegen.user", "main", "prove and generate a spec file of your own"),
    "claims": ("optforge.codegen.claims", "main",
               "decide the source document's claims (proofs, structure, experiments); write generated/claims/"),
    "bench": (__name__, "bench_main", "run the benchmark (a tool of the source repository: scripts/bench.py)"),
}

EPILOG = """\
examples:
  optforge check                       # one line per property: verdict and time
  optforge regenerate --check          # exit 1 with a diff when generated/ is stale
  optforge spec my_adabelief.py --out build --pdf
  optforge claims                      # one line per claim of the source document: verdict, evidence
  optforge <command> --help            # the options of one command
"""

BENCH_EPILOG = """\
example:
  {prog} --quick               # under two minutes; writes bench-results/
"""


def version() -> str:
    """The installed package's version (``optforge.__version__``, else the distribution's metadata)."""
    found = getattr(sys.modules.get("optforge"), "__version__", None)
    if found:
        return found
    from importlib import metadata

    try:
        return metadata.version("optforge")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from an uninstalled checkout
        return "unknown"


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="optforge: gradient-descent optimizers written once as SymPy specs, "
                               "proved, and generated into Numba kernels and LaTeX sheets.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    commands = parser.add_subparsers(dest="command", metavar="<command>", title="commands")
    for name, (_, _, summary) in COMMANDS.items():
        commands.add_parser(name, help=summary, add_help=False)
    return parser


def main(argv: list[str] | None = None, prog: str = "optforge") -> int:
    """``optforge [--version] <command> [args ...]``: run one subcommand with its own arguments."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser(prog)
    # Everything after the first non-option word belongs to the subcommand (its --help included).
    split = next((i for i, a in enumerate(argv) if not a.startswith("-")), len(argv))
    args = parser.parse_args(argv[:split + 1])
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    module, function, _ = COMMANDS[args.command]
    entry = getattr(importlib.import_module(module), function)
    return entry(argv[split + 1:], prog=f"{prog} {args.command}")


def repository_root() -> Path | None:
    """The source checkout this package runs from (an editable install), or None (a wheel)."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "specs").is_dir() and (root / "codegen").is_dir():
        return root
    return None


def bench_main(argv: list[str] | None = None, prog: str = "optforge-bench") -> int:
    """Run the benchmark, ``python scripts/bench.py ARGS``, from the source checkout (editable
    install). The benchmark is a tool of the repository, not part of the installed package."""
    argv = list(sys.argv[1:] if argv is None else argv)
    root = repository_root()
    script = root / "scripts" / "bench.py" if root else None
    if "-h" in argv or "--help" in argv:
        argparse.ArgumentParser(prog=prog, usage=f"{prog} [ARGS ...]", epilog=BENCH_EPILOG.format(prog=prog),
                                description="Run the benchmark: python scripts/bench.py ARGS, from the source "
                                            "checkout (an editable install). The benchmark is a tool of the "
                                            "repository, not part of the installed package.",
                                formatter_class=argparse.RawDescriptionHelpFormatter).print_help()
        if script is None or not script.is_file():
            return 0
        print(f"\nARGS are those of {script}:\n", flush=True)
    if script is None or not script.is_file():
        print(f"error: the benchmark is a tool of the source repository, not of the installed package; "
              f"run it from a checkout: pip install -e '.[test]' && python scripts/bench.py {' '.join(argv)}".rstrip(),
              file=sys.stderr)
        return 2
    return subprocess.run([sys.executable, str(script), *argv], cwd=Path.cwd()).returncode


if __name__ == "__main__":
    sys.exit(main())
