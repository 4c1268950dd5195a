"""Figures of the code's shape: the largest module and class in core/, and import circles between core modules.

Run as a script to print them as JSON (`python tests/structure.py`); tests/test_structure.py holds the limits.
"""

from __future__ import annotations

import ast
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "core"
MODULE_LINES = 800
CLASS_LINES = 500
REASON = "Why this is long:"  # a docstring with this phrase explains a module or class past its limit


@dataclass(frozen=True)
class Room:
    where: str  # "core/x.py" or "core/x.py::Class"
    lines: int
    reason: bool  # its docstring says why it is long


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(CORE.rglob("*.py"))}


def rooms() -> tuple[list[Room], list[Room]]:
    """(modules, classes) of core/, largest first."""
    mods: list[Room] = []
    classes: list[Room] = []
    for path in modules().values():
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        rel = str(path.relative_to(ROOT))
        doc = ast.get_docstring(tree) or ""
        mods.append(Room(rel, len(text.splitlines()), REASON in doc))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                reason = REASON in (ast.get_docstring(node) or "")
                classes.append(Room(f"{rel}::{node.name}", length, reason))
    key = lambda r: -r.lines  # noqa: E731
    return sorted(mods, key=key), sorted(classes, key=key)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module, name: str, is_package: bool, known: set[str]) -> set[str]:
    """Core modules ``name`` imports when it runs: module-level and function-level imports alike (a
    function-level import that dodges a circle is still a circle), but not those under ``if TYPE_CHECKING``."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name if is_package else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            for alias in node.names:
                # `from pkg import module` imports that module; `from pkg import name`, the package's face
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m in known and m != name}


def import_graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {
        name: _imports(ast.parse(path.read_text(encoding="utf-8")), name, path.name == "__init__.py", known)
        for name, path in mods.items()
    }


def import_cycles(graph: dict[str, set[str]] | None = None) -> list[list[str]]:
    """Groups of core modules that import each other (strongly connected components of more than one module,
    Tarjan's algorithm), each sorted."""
    graph = import_graph() if graph is None else graph
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def strong(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group: list[str] = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return sorted(cycles)


def figures() -> dict[str, object]:
    mods, classes = rooms()
    return {
        "largest_module": {"path": mods[0].where, "lines": mods[0].lines},
        "largest_class": {"name": classes[0].where, "lines": classes[0].lines},
        "modules_over_limit": [(r.where, r.lines) for r in mods if r.lines > MODULE_LINES],
        "classes_over_limit": [(r.where, r.lines) for r in classes if r.lines > CLASS_LINES],
        "import_cycles": import_cycles(),
    }


if __name__ == "__main__":
    print(json.dumps(figures(), indent=2))
