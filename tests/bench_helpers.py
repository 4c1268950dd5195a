"""Shared by tests/core/bench and tests/notebooks: a config pointing at the fake provider and cases with a known ranking."""

from __future__ import annotations

import json
from pathlib import Path

from core.config import Settings, load_settings

GOOD, MID, BAD = "lab/good", "lab/mid", "lab/bad"
FACTS = ["Lisbon", "tram 28", "fado"]
# What each fake model answers to every question: all facts, one fact, none.
REPLIES = {
    "good": "In Lisbon ride tram 28 up to Alfama and hear fado at night.",
    "mid": "Lisbon is lovely.",
    "bad": "I am not sure, sorry.",
}


def write_config(tmp_path: Path, base_url: str, *, price_in: float = 1e-6, latency_models: str = "") -> Path:
    models = ", ".join(
        f"{{name: {n}, input_cost_per_token: {price_in * k}, output_cost_per_token: {price_in * 4 * k}}}"
        for n, k in (("good", 4), ("mid", 2), ("bad", 1))
    )
    text = f"""
data_dir: ./data
models:
  providers:
    lab:
      kind: openai_compatible
      api_base: {base_url}
      api_key: ${{LAB_KEY}}
      models: [{models}{latency_models}]
workflows:
  travel_planning: {{default_model: lab/good, fallback_model: lab/mid}}
cost_optimization: {{daily_limit: 1000, quality_threshold: 0.6}}
gateway: {{num_retries: 0, retry_after_s: 0, timeout_s: 5}}
routing:
  task_types:
    general: {{complexity: routine}}
    client_discovery: {{complexity: routine}}
    itinerary_draft: {{complexity: complex}}
    client_email: {{complexity: routine}}
    booking_confirmation: {{complexity: routine}}
    verify_trip: {{complexity: routine}}
"""
    path = tmp_path / "travelops.yml"
    path.write_text(text)
    return path


def settings_for(tmp_path: Path, base_url: str) -> Settings:
    return load_settings(write_config(tmp_path, base_url), environ={"LAB_KEY": "sk-test"})


def write_ranking_cases(folder: Path, n: int = 6) -> Path:
    """destination_questions cases whose reference facts are FACTS: good scores 1, mid 1/3, bad 0."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps(
            {
                "id": f"destination_questions-{i:03d}",
                "task": "destination_questions",
                "inputs": {"question": f"Question {i}: what should we do on an evening in Lisbon?"},
                "must_contain": FACTS,
                "scorers": [{"kind": "includes", "params": {"all_of": FACTS}}],
            }
        )
        for i in range(1, n + 1)
    ]
    (folder / "destination_questions.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def configure_fake(fake, latency_ms: float = 0.0) -> None:  # type: ignore[no-untyped-def]
    for name, reply in REPLIES.items():
        fake.configure(name, reply=reply, latency_ms=latency_ms)
