"""Where the shared RouteLLM outcome data lives: TRAVELOPS_ROUTELLM_DATA, else <repo>/../shared/data/routellm."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
STRONG = "gpt-4-1106-preview"


@pytest.fixture(scope="session")
def routellm_data() -> Path:
    root = Path(
        os.environ.get("TRAVELOPS_ROUTELLM_DATA") or REPO / ".." / "shared" / "data" / "routellm"
    ).resolve()
    if not (root / "gsm8k_train.csv").is_file():
        pytest.fail(
            f"RouteLLM outcome data not found at {root}. Set TRAVELOPS_ROUTELLM_DATA to the folder holding "
            "gsm8k_train.csv and mmlu/ (the shared data beside the repo)."
        )
    return root


@pytest.fixture(scope="session")
def gsm8k_slice(routellm_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 240 GSM8K rows (prompt + both outcome columns) as a small CSV."""
    import csv
    import sys

    csv.field_size_limit(sys.maxsize)
    out = tmp_path_factory.mktemp("routellm") / "gsm8k_slice.csv"
    with (routellm_data / "gsm8k_train.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:240]
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["prompt", WEAK, STRONG])
        for r in rows:
            w.writerow([r["prompt"], r[WEAK], r[STRONG]])
    return out


@pytest.fixture(scope="session")
def tiny_router(gsm8k_slice: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A router trained on the slice, saved to a file (shared by the tests that only read it)."""
    from core.routing._outcomes import read_outcomes
    from core.routing.learned import train_router

    table = read_outcomes([gsm8k_slice], WEAK, STRONG)
    path = tmp_path_factory.mktemp("router") / "gsm8k.router"
    train_router(table.prompts, table.weak, table.strong, metadata={"weak": WEAK, "strong": STRONG}).save(
        path
    )
    return path
