"""The layers: the web sits beside the CLI and calls the same stages, never the CLI itself; the
screen stage neither imports click nor prints."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REVIEW = Path(__file__).resolve().parent.parent / "review"


def _imports(source: str, package: str) -> set[str]:
    """Every module `source` (in `package`) imports, at the top or in a function; relative ones resolved."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            found |= {module} | {f"{module}.{a.name}" for a in node.names}
    return found


def _offending(folder: str, forbidden: str) -> dict[str, list[str]]:
    """{file: the forbidden modules it imports} for every module under review/<folder>."""
    bad = {}
    for path in sorted((REVIEW / folder).rglob("*.py")):
        package = ".".join(path.relative_to(REVIEW.parent).parts[:-1])
        imported = _imports(path.read_text(encoding="utf-8"), package)
        hits = sorted(m for m in imported if m == forbidden or m.startswith(f"{forbidden}."))
        if hits:
            bad[str(path.relative_to(REVIEW.parent))] = hits
    return bad


@pytest.mark.parametrize(("folder", "forbidden"), [("web", "review.cli"), ("screen", "click")])
def test_a_layer_does_not_import_the_cli(folder: str, forbidden: str) -> None:
    assert _offending(folder, forbidden) == {}


def test_the_check_sees_every_form_of_import() -> None:
    source = "import click\nfrom review.cli.screen import X\ndef f():\n    from ..cli import terminal\n"
    found = _imports(source, "review.web")
    assert {"click", "review.cli.screen", "review.cli", "review.cli.terminal"} <= found
