"""Driving the app through AppTest: open a page the way navigation does, find widgets, read the element tree."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button, Node

from core.config import Settings, load_settings

REPO = Path(__file__).parents[2]
MAIN = REPO / "app" / "main.py"
PAGES = (
    "plan",
    "home",
    "clients",
    "trips",
    "money",
    "itinerary",
    "documents",
    "costs",
    "quality",
    "reports",
    "models",
    "mcp",
    "settings",
)
TIMEOUT_S = 60  # a first run imports plotly, DuckDB and the travel services; two cores are slow


@dataclass(frozen=True)
class AppEnv:
    """A data folder and the config file that points at it (``TRAVELOPS_CONFIG`` is set to it)."""

    data_dir: Path
    config: Path

    def settings(self) -> Settings:
        return load_settings(self.config)


def write_config(folder: Path, data_dir: Path) -> Path:
    """The repository's configuration, comments and all, with ``data_dir`` pointing at ``data_dir``."""
    text = (REPO / "config" / "travelops.yml").read_text(encoding="utf-8")
    text, n = re.subn(r"^data_dir:.*$", f"data_dir: {data_dir}", text, count=1, flags=re.M)
    assert n == 1, "config/travelops.yml has no top-level data_dir line"
    config = folder / "travelops.yml"
    config.write_text(text, encoding="utf-8")
    return config


def open_page(page: str) -> AppTest:
    """Run the entry script (navigation registers the pages), then switch to ``pages/<page>.py``."""
    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT_S).run()
    if page != "home":
        at.switch_page(f"../pages/{page}.py").run()
    return at


def button(at: AppTest, label: str) -> Button:
    """The (form submit) button with this label; fails listing the labels there are."""
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}; buttons: {[b.label for b in at.button]}"
    return found[0]


def walk(node: Any) -> Iterator[Node]:
    """Every element under ``node`` in page order."""
    for child in getattr(node, "children", {}).values():
        yield child
        yield from walk(child)


def next_after(at: AppTest, key: str) -> Node:
    """The element drawn right after the widget with ``key`` (skipping empty placeholders)."""
    nodes = [n for n in walk(at.main) if n.type != "empty"]
    index = next(i for i, n in enumerate(nodes) if getattr(n, "key", None) == key)
    return nodes[index + 1]


def texts(elements: Any) -> list[str]:
    return [str(e.value) for e in elements]


def problems(at: AppTest) -> list[str]:
    """Exceptions (tracebacks) and st.error messages on the page."""
    return [*(str(e.value) for e in at.exception), *texts(at.error)]
