"""The layering ARCHITECTURE.md states: no package imports one above it, at the top of a module or inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

# Lower layers first; a module may import its own layer and the layers below it.
LAYERS = [
    {"kg", "kg.documents", "kg.text", "kg.config", "kg.errors", "kg.namespaces", "kg.progress", "kg.files",
     "kg.sqlite_layers"},
    {"kg.ingest"},
    {"kg.index", "kg.extract"},
    {"kg.kb", "kg.findings_store"},
    {"kg.graph"},
    {"kg.build", "kg.change", "kg.update"},
    {"kg.query"},
    {"kg.evaluate"},
    {"kg.cli", "kg.server", "kg.ui"},
]


def layer_of(module: str) -> int:
    """The layer of a kg module: the layer of its longest matching package."""
    parts = module.split(".")
    for size in range(len(parts), 0, -1):
        name = ".".join(parts[:size])
        for level, members in enumerate(LAYERS):
            if name in members:
                return level
    raise AssertionError(f"{module} is in no layer: add its package to LAYERS and ARCHITECTURE.md")


def kg_modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted((ROOT / "kg").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append((".".join(parts), path))
    return out


def imported(path: Path) -> set[str]:
    """Every kg module a file imports, lazily (inside functions) or not."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("kg"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kg") and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module, path", kg_modules(), ids=[m for m, _ in kg_modules()])
def test_no_module_imports_a_layer_above_its_own(module, path):
    own = layer_of(module)
    above = sorted(name for name in imported(path) if layer_of(name) > own)
    assert not above, f"{module} (layer {own}) imports {above}"


# kg.query reads; kg.update is the one way to write (adding and removing documents, as `kg add` / `kg remove` do).
INTERFACE_MAY_USE = {"kg", "kg.config", "kg.errors", "kg.documents", "kg.namespaces", "kg.query", "kg.update", "kg.ui",
                     "kg.server"}


@pytest.mark.parametrize("module, path", [(m, p) for m, p in kg_modules() if m.startswith(("kg.ui", "kg.server"))],
                         ids=[m for m, _ in kg_modules() if m.startswith(("kg.ui", "kg.server"))])
def test_the_ui_and_the_server_go_through_the_library(module, path):
    """The UI and HTTP layers call kg.query; they never reach into storage, extraction, the graph or indexes."""
    reached = sorted(name for name in imported(path) if name != "kg" and not any(
        name == allowed or name.startswith(allowed + ".") for allowed in INTERFACE_MAY_USE - {"kg"}))
    assert not reached, f"{module} reaches past kg.query: {reached}"
