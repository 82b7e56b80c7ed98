"""The project's own documentation in docs/: citations resolve, and the spec-language examples hold.

(a) Every citation of a ``docs/<file>.md`` in the repository's .py, .j2 and .md files (outside .git and
    generated/) names a file that exists, and a cited section (``docs/semantics.md §1.3``) is a heading of
    that file; bare ``§N`` references inside a docs/ file name its own headings.
(b) No file outside docs/ names one of the docs/ files without its ``docs/`` folder.
(c) Every property-kind example in docs/spec-language.md (a ```python block after an
    ``<!-- example: Kind expects verdict -->`` comment) runs and gets its stated verdict from
    ``optforge.codegen.prover.check_all``, and every property kind has one.
"""

import re
from pathlib import Path

import pytest

from optforge.codegen import prover
from optforge.specs import language

from conftest import ROOT  # noqa: E402
DOCS = ROOT / "docs"
SUFFIXES = {".py", ".j2", ".md"}
SKIP_DIRS = {".git", "generated", "__pycache__", ".pytest_cache", ".hypothesis", "build", "dist"}


CITATION = re.compile(r"docs/([A-Za-z0-9_.-]+?\.md)(?:`{0,2})(?:\s*(?:§|section)\s*(\d+(?:\.\d+)*))?")
#: the documents of docs/ that code cites, by stem (a citation must carry the folder)
CITED = ("semantics", "algorithms")
BARE = re.compile(r"(?<![\w/])(" + "|".join(CITED) + r")\.md")
HEADING = re.compile(r"^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s", re.M)
SECTION_REF = re.compile(r"§\s*(\d+(?:\.\d+)*)")
EXAMPLE = re.compile(r"<!--\s*example:\s*(\w+)\s+expects\s+(\w+)\s*-->\s*\n```python\n(.*?)```", re.S)


def repo_files():
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if path.suffix in SUFFIXES and path.is_file() and not (set(rel.parts[:-1]) & SKIP_DIRS) \
                and not any(p.endswith(".egg-info") for p in rel.parts):
            yield rel, path.read_text(encoding="utf-8")


def headings(name: str) -> set[str]:
    return set(HEADING.findall((DOCS / name).read_text(encoding="utf-8")))


def test_the_documents_exist_with_numbered_sections():
    for path in (ROOT / "docs/semantics.md", ROOT / "docs/algorithms.md", ROOT / "docs/spec-language.md"):
        assert path.is_file(), path
    # The numbering the code cites (docs/semantics.md §1.3, §1.7, §5, ...).
    assert {"0", "1", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "2", "2.1", "2.2", "3", "3.1", "3.2",
            "4", "5", "6"} <= headings((ROOT / "docs/semantics.md").name)


def test_citations_name_existing_files_and_sections():
    cited, problems = 0, []
    for rel, text in repo_files():
        for match in CITATION.finditer(text):
            name, section = match.group(1), match.group(2)
            line = text.count("\n", 0, match.start()) + 1
            cited += 1
            if not (DOCS / name).is_file():
                problems.append(f"{rel}:{line}: cites docs/{name}, which does not exist")
            elif section and section not in headings(name):
                problems.append(f"{rel}:{line}: cites docs/{name} §{section}; no such section heading")
    assert not problems, "\n".join(problems)
    assert cited >= 20  # the tests and specs cite the documents; a broken pattern would find none


def test_section_references_inside_docs_name_their_own_headings():
    problems = []
    for path in sorted(DOCS.glob("*.md")):
        text = CITATION.sub("", path.read_text(encoding="utf-8"))  # citations of files are checked above
        own = headings(path.name)
        for match in SECTION_REF.finditer(text):
            if match.group(1) not in own:
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"docs/{path.name}:~{line}: §{match.group(1)} is not a heading of this file")
    assert not problems, "\n".join(problems)


def test_no_bare_citations_outside_docs():
    problems = []
    for rel, text in repo_files():
        if rel.parts[0] == "docs":
            continue
        for match in BARE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"{rel}:{line}: cites {match.group(0)!r}; write docs/{match.group(0)} (with §N)")
    assert not problems, "\n".join(problems)


def test_bare_citation_pattern_catches_and_spares():
    semantics, algorithms = (f"{stem}.md" for stem in CITED)  # built, so this file cites nothing bare
    assert BARE.search(f"see {semantics} 1.3") and BARE.search(f"(``{algorithms}``, Notation)")
    assert not BARE.search(f"see docs/{semantics} §1.3") and not BARE.search(f"docs/{algorithms}")
    m = CITATION.search("(``docs/semantics.md`` §1.7)")
    assert m and m.groups() == (semantics, "1.7")


# ------------------------------------------------------------------ (c) spec-language examples
EXAMPLES = EXAMPLE.findall((DOCS / "spec-language.md").read_text(encoding="utf-8"))
PROPERTY_KINDS = {name for name in language.__all__
                  if isinstance(getattr(language, name), type) and issubclass(getattr(language, name), language.Property)
                  and getattr(language, name) is not language.Property}


def test_every_property_kind_has_an_example():
    kinds = {kind for kind, _, _ in EXAMPLES}
    assert PROPERTY_KINDS == {"Equivalent", "ClosedForm", "FixedPoint", "Limit", "Scaling", "StateCount",
                              "Identity", "NonNegative"}
    assert PROPERTY_KINDS | {"ChangeOfVariables"} <= kinds, sorted(PROPERTY_KINDS - kinds)
    assert {verdict for _, verdict, _ in EXAMPLES} == {prover.PROVED, prover.REFUTED, prover.UNDECIDED}


@pytest.mark.parametrize("kind,verdict,source", EXAMPLES,
                         ids=[f"{i}-{k}-{v}" for i, (k, v, _) in enumerate(EXAMPLES)])
def test_example_gets_its_stated_verdict(kind, verdict, source):
    assert verdict in (prover.PROVED, prover.REFUTED, prover.UNDECIDED)
    namespace = {"__name__": "docs_example"}
    exec(compile(source, f"docs/spec-language.md <{kind} example>", "exec"), namespace)
    prop = namespace.get("prop")
    assert isinstance(prop, language.Property), "an example must bind the property it shows to `prop`"
    cls = getattr(language, kind)
    if kind in PROPERTY_KINDS:
        assert type(prop) is cls, f"the {kind} example builds a {type(prop).__name__}"
    else:  # ChangeOfVariables: a spec in the property stores a variable other than theta
        assert any(isinstance(getattr(s, "stored_variable", None), cls) for s in prop.specs)
    (result,) = prover.check_all([prop])
    assert result.status == verdict, f"{prop.name}: {result.status}, the docs say {verdict}: {result.detail}"
    # The declaration agrees with the stated verdict where one is possible (never for undecided).
    if verdict != prover.UNDECIDED:
        assert result.ok, result.detail


def test_the_readme_class_list_names_every_exported_class():
    import optforge

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = readme.split("<!-- classes -->", 1)[1].split("\n\n", 1)[0]
    listed = re.search(r"Classes: `([^`]*)`", paragraph.replace("\n", " ")).group(1)
    names = [n.strip() for n in listed.split(",")]
    exported = [c.__name__ for c in dict.fromkeys(optforge.OPTIMIZERS.values())]
    assert sorted(names) == sorted(exported), (names, exported)


def test_the_readme_counts_the_kernel_modules():
    from optforge.specs import SPECS

    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    modules = [s for s in SPECS.values() if s.api_class]
    exported = sum(s.export for s in modules)
    torch_options = sum(not s.export and s.name.endswith("_torch") for s in modules)
    variants = sum(not s.export for s in modules) - torch_options
    assert (f"one module per spec in `specs/`: {exported} for the document's optimizers" in readme
            and f"{variants} variants for torch's options" in readme
            and f"and {torch_options} `<base>_torch` modules" in readme), (exported, variants, torch_options)
    assert len(list((ROOT / "generated").glob("*.py"))) == len(modules) + 1  # and the package's __init__
