"""The documentation names only what exists: every repository path, dotted module name,
relative link and `make` target cited in the docs is checked against the tree.

Read from the files, never imported: a module name must be a module of the tree, and
each name after it a top-level definition (or one inside a class) of that module.
Paths into the shared docs (`../shared/…`) and runtime folders (`instance/`) are not
repository paths and are not checked."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted(
    [
        *ROOT.glob("docs/*.md"),
        *ROOT.glob("bench/*.md"),
        *(ROOT / name for name in ("README.md", "CONTRIBUTING.md") if (ROOT / name).exists()),
    ]
)
TOP_DIRS = (".ci", "bench", "docs", "migrations", "notifications", "tests", "web", "workflow")
PACKAGES = ("bench", "config", "notifications", "tests", "web", "workflow")
FILE_SUFFIXES = (".py", ".md", ".html", ".json", ".jsonl", ".toml", ".cfg", ".ini", ".txt")

# A path or name preceded by a letter, a dot, a slash or a hyphen is part of something
# else (../shared/docs/…, https://…, a-b/c).
PATH = re.compile(rf"(?<![\w./-])((?:{'|'.join(map(re.escape, TOP_DIRS))})/[\w./*-]*[\w*/])")
NAME = re.compile(rf"(?<![\w./-])((?:{'|'.join(PACKAGES)})(?:\.[A-Za-z_]\w*)+)")
LINK = re.compile(r"\]\(([^)#\s]+)")
MAKE = re.compile(r"`make ([\w-]+)")


def path_exists(cited: str) -> bool:
    cited = cited.rstrip(".")
    if "*" in cited:
        return any(ROOT.glob(cited))
    return (ROOT / cited).exists()


def module_file(dotted: str) -> Path | None:
    base = ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@functools.cache
def definitions(path: Path) -> dict[str, ast.AST]:
    """The names a module defines at its top level, with their nodes."""
    found: dict[str, ast.AST] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name):
                        found[leaf.id] = node
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
            found[node.target.id] = node
        elif isinstance(node, ast.ImportFrom | ast.Import):
            for alias in node.names:
                found[(alias.asname or alias.name).split(".")[0]] = node
    return found


def class_members(node: ast.ClassDef) -> set[str]:
    names: set[str] = set()
    for child in node.body:
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(child.name)
        elif isinstance(child, ast.AnnAssign) and isinstance(child.target, ast.Name):
            names.add(child.target.id)
        elif isinstance(child, ast.Assign):
            names.update(t.id for t in child.targets if isinstance(t, ast.Name))
    return names


def name_exists(dotted: str) -> bool:
    """`pkg.module.attr.member`: the longest module prefix, then its definitions."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        path = module_file(".".join(parts[:cut]))
        if path is None:
            continue
        rest = parts[cut:]
        if not rest:
            return True
        node = definitions(path).get(rest[0])
        if node is None:
            return False
        if len(rest) == 1:
            return True
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # Re-exported (`from workflow.models.items import Item`): look at the source.
            original = next(a.name for a in node.names if (a.asname or a.name) == rest[0])
            return name_exists(".".join([node.module, original, *rest[1:]]))
        return isinstance(node, ast.ClassDef) and len(rest) == 2 and rest[1] in class_members(node)
    return False


@functools.cache
def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([\w-]+):", text, flags=re.MULTILINE))


def missing_references(doc: Path) -> list[str]:
    missing = []
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{doc.relative_to(ROOT)}:{number}"
        for cited in PATH.findall(line):
            if not path_exists(cited):
                missing.append(f"{where}: no file {cited}")
        for cited in NAME.findall(line):
            if cited.endswith(FILE_SUFFIXES):
                continue  # a file name (web.md, config.py), not a module
            if not name_exists(cited):
                missing.append(f"{where}: no module or name {cited}")
        for target in LINK.findall(line):
            if not target.startswith(("http://", "https://", "mailto:")) and not (
                (doc.parent / target).exists()
            ):
                missing.append(f"{where}: broken link {target}")
        for target in MAKE.findall(line):
            if target not in make_targets():
                missing.append(f"{where}: no make target {target}")
    return missing


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_cited_path_and_name_exists(doc: Path) -> None:
    assert missing_references(doc) == []


def test_the_check_finds_what_is_missing() -> None:
    assert path_exists("workflow/machine.py")
    assert not path_exists("workflow/services.py")
    assert path_exists("tests/deadline_cases*.py")
    assert name_exists("workflow.deadlines.describe")
    assert name_exists("workflow.services.approve")
    assert name_exists("notifications.channels.base.Channel.send")
    assert name_exists("workflow.models.Item.state")  # re-exported by the package
    assert not name_exists("workflow.reporting.columns.describe_rule")
    assert not name_exists("workflow.nowhere")
    assert PATH.findall("`../shared/docs/architecture.md`, `instance/`, web/forms.py") == [
        "web/forms.py"
    ]
