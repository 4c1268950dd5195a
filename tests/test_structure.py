"""The house's shape holds: small rooms and no import circles in core/ (figures: `python tests/structure.py`)."""

from __future__ import annotations

import ast
import textwrap

import pytest
from structure import CLASS_LINES, MODULE_LINES, import_cycles, import_graph, rooms


def test_no_module_in_core_passes_its_limit_without_a_reason() -> None:
    mods, _ = rooms()
    over = [(r.where, r.lines) for r in mods if r.lines > MODULE_LINES and not r.reason]
    assert over == [], (
        f"modules over {MODULE_LINES} lines: split them, or say 'Why this is long:' in the docstring"
    )


def test_no_class_in_core_passes_its_limit_without_a_reason() -> None:
    _, classes = rooms()
    over = [(r.where, r.lines) for r in classes if r.lines > CLASS_LINES and not r.reason]
    assert over == [], (
        f"classes over {CLASS_LINES} lines: split them, or say 'Why this is long:' in the docstring"
    )


def test_core_has_no_import_circle() -> None:
    assert import_cycles() == []


def test_the_circle_finder_sees_a_circle_made_through_a_function_level_import() -> None:
    graph = {"core.a": {"core.b"}, "core.b": {"core.c"}, "core.c": {"core.a"}, "core.d": {"core.a"}}
    assert import_cycles(graph) == [["core.a", "core.b", "core.c"]]
    assert import_cycles({"core.a": {"core.b"}, "core.b": set()}) == []


def test_imports_under_type_checking_are_not_edges_but_function_level_ones_are() -> None:
    from structure import _imports

    tree = ast.parse(
        textwrap.dedent(
            """
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from core.b import B
            def f():
                from core.c import C
            from . import d
            """
        )
    )
    known = {"core.a", "core.b", "core.c", "core.d"}
    assert _imports(tree, "core.a", False, known) == {"core.c", "core.d"}


@pytest.mark.parametrize("module", ["core.cli", "core.travel", "core.gateway"])
def test_the_graph_knows_the_main_packages(module: str) -> None:
    assert module in import_graph()
