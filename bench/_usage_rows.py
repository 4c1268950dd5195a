"""What two benchmarks share: synthetic ``model_usage`` rows in bulk, generated inside DuckDB.

Not a benchmark itself (``make bench`` skips files starting with an underscore). Imported by bench/warehouse.py
and bench/app_render.py as a sibling: Python puts a script's own folder first on ``sys.path``, so
``python bench/warehouse.py`` finds it with no ``sys.path`` change (and ``core`` comes from the installed project).
"""

from __future__ import annotations

from typing import Any

TASKS = [
    "general", "client_discovery", "trip_concepts", "trip_summary", "extract_supplier_data", "curate_options",
    "itinerary_draft", "activity_plan", "verify_trip", "proposal", "client_email", "feedback_revision",
    "booking_confirmation",
]  # fmt: skip

# One row every 3 s going back from the anchor (µs since the epoch); five models, the 13 task types, ~2% errors
# and ~5% cache hits, ragged tokens, latencies and quality scores.
GENERATE_SQL = """
INSERT INTO model_usage
SELECT 'e' || i, 's' || (i // 8),
       ['anthropic', 'anthropic', 'openai', 'openai', 'offline'][m + 1],
       ['claude-haiku-4-5', 'claude-sonnet-4-6', 'gpt-4.1-mini', 'gpt-4.1', 'drafter'][m + 1],
       $tasks[t + 1],
       tokens, tokens * 2e-6, 150 + (h >> 24) % 4000, CASE WHEN (h >> 40) % 3 = 0 THEN 0.8 END,
       make_timestamp($anchor::BIGINT + (i - $rows::BIGINT) * 3000000),
       'r' || i, 1, 'agent-' || (h >> 44) % 4, 'bench', NULL, NULL, tokens - tokens // 4, tokens // 4, 0, 0,
       CASE WHEN s < 2 THEN 'error' WHEN s < 7 THEN 'cache_hit' ELSE 'ok' END,
       CASE WHEN s < 2 THEN 'RateLimitError' END, s BETWEEN 2 AND 6, NULL, 'bench', false, NULL, NULL
FROM (
    SELECT range AS i, hash(range) AS h, (h % 5)::INTEGER AS m, ((h >> 8) % 13)::INTEGER AS t,
           ((h >> 16) % 100)::INTEGER AS s, (300 + (h >> 32) % 5000)::BIGINT AS tokens
    FROM range($rows)
)
"""


def generate_usage(con: Any, rows: int, anchor_us: int) -> None:
    """Insert ``rows`` synthetic model_usage rows through the DuckDB connection ``con``."""
    con.execute(GENERATE_SQL, {"rows": rows, "tasks": TASKS, "anchor": anchor_us})
