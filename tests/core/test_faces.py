"""Every package face keeps its promise: each name in ``__all__`` imports, and a lazy face's three views of its
names (the type checker's imports, the lazy table and ``__all__``) are one list."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import core

PACKAGES = sorted(
    name
    for _, name, is_package in pkgutil.walk_packages(core.__path__, "core.")
    if is_package and "._" not in name
)
LAZY_FACES = [
    p for p in PACKAGES if "lazy_getattr" in Path(importlib.import_module(p).__file__ or "").read_text()
]


def test_the_faces_are_found() -> None:
    assert {"core.travel", "core.mcp", "core.routing", "core.warehouse"} <= set(PACKAGES)
    assert {"core.travel", "core.mcp"} <= set(LAZY_FACES)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_of_a_face_imports(package: str) -> None:
    module = importlib.import_module(package)
    names = getattr(module, "__all__", [])
    assert names, f"{package} has no __all__"
    missing = [n for n in names if not hasattr(module, n)]
    assert missing == []
    for name in names:
        exec(f"from {package} import {name}", {})


def _type_checking_imports(path: Path) -> dict[str, str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module
                found.update({alias.name: imp.module for alias in imp.names})
    return found


@pytest.mark.parametrize("package", LAZY_FACES)
def test_a_lazy_face_names_each_public_name_once_with_its_module(package: str) -> None:
    module = importlib.import_module(package)
    table: dict[str, str] = module._LAZY
    assert module.__all__ == sorted(table)
    assert _type_checking_imports(Path(module.__file__ or "")) == table
    for name, defined_in in table.items():
        assert getattr(importlib.import_module(defined_in), name) is getattr(module, name)


def test_a_lazy_face_refuses_an_unknown_name_clearly() -> None:
    import core.travel

    with pytest.raises(AttributeError, match="has no attribute 'NoSuchThing'"):
        _ = core.travel.NoSuchThing
