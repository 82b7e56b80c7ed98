"""The child program of :func:`optforge.codegen.claims.decide_in_subprocess`: decide every claim with the
kernels of one generated folder and write the result, as JSON, to standard output.

    python claims_child.py [FOLDER]

With FOLDER, ``optforge.generated`` is imported from FOLDER (``optforge regenerate --out FOLDER`` wrote
it) instead of from the installed package, so the claims' experiments run the kernels just written
there.  It is run as a file, not as ``-m``, because importing anything under ``optforge`` first would
import the installed ``optforge.generated``.
"""

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from pathlib import Path


class _GeneratedFrom(importlib.abc.MetaPathFinder):
    """Finds ``optforge.generated`` in one folder; its modules are then found through its ``__path__``."""

    def __init__(self, folder: Path):
        self.folder = folder

    def find_spec(self, name, path=None, target=None):
        if name == "optforge.generated":
            return importlib.util.spec_from_file_location(name, self.folder / "__init__.py",
                                                          submodule_search_locations=[str(self.folder)])
        if name.startswith("optforge.generated."):  # only from the folder: never the installed module instead
            found = importlib.machinery.PathFinder.find_spec(name, [str(self.folder)])
            if found is None:
                raise ModuleNotFoundError(f"no module {name} in {self.folder}", name=name)
            return found
        return None


def main(argv: list[str]) -> int:
    if argv:
        folder = Path(argv[0]).resolve()
        if not (folder / "__init__.py").is_file():
            print(f"error: {folder} holds no generated package (no __init__.py)", file=sys.stderr)
            return 2
        sys.meta_path.insert(0, _GeneratedFrom(folder))
    from optforge.codegen import claims

    sys.stdout.write(claims.render(claims.decide_all()))
    return 0


if __name__ == "__main__":
    if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
        del sys.path[0]  # this file's folder (codegen/): its modules are optforge.codegen.*, not top-level ones
    sys.exit(main(sys.argv[1:]))
