"""docs/architecture.md names real code: every `path.py` and `path.py::name` it cites exists.

The page walks a payment from the route to the ranking one named function at a time; a
rename that forgets the page would send a newcomer after a function that is gone.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
CITATION = re.compile(r"`((?:libs|services|tests|bench)/[\w/]+\.py)(?:::([\w.]+))?`")


def citations(text: str) -> list[tuple[str, str | None]]:
    """Every (file, dotted name or None) the text cites in backticks."""
    return [(m.group(1), m.group(2)) for m in CITATION.finditer(text)]


def defines(source: str, dotted: str) -> bool:
    """Whether a module's source defines `name` or `Class.member` at its top level."""
    scope: list[ast.stmt] = ast.parse(source).body
    for part in dotted.split("."):
        found = [node for node in scope if _name_of(node) == part]
        if not found:
            return False
        scope = list(getattr(found[0], "body", []))
    return True


def _name_of(node: ast.stmt) -> str | None:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    return None


def test_the_page_cites_the_payment_path() -> None:
    cited = citations(DOC.read_text(encoding="utf-8"))
    assert len([c for c in cited if c[1]]) >= 20, "the walk names its functions"


def cited_in_order() -> list[tuple[str, str | None]]:
    """The page's citations, each once, in file and name order."""
    cited = set(citations(DOC.read_text(encoding="utf-8")))
    return sorted(cited, key=lambda c: (c[0], c[1] or ""))


@pytest.mark.parametrize(("path", "name"), cited_in_order())
def test_every_cited_module_and_function_exists(path: str, name: str | None) -> None:
    module = ROOT / path
    assert module.is_file(), f"docs/architecture.md cites {path}, which is gone"
    if name is not None:
        assert defines(module.read_text(encoding="utf-8"), name), f"{path} has no {name}"


def test_a_citation_of_a_missing_function_is_caught() -> None:
    source = "class Batcher:\n    async def submit(self): ...\n\ndef helper(): ...\n"
    assert defines(source, "Batcher.submit") and defines(source, "helper")
    assert not defines(source, "Batcher.gone") and not defines(source, "gone")
