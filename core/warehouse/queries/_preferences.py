"""``user_model_preferences`` (one row per user) and ``quality_feedback`` (agents' ratings of replies)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from core.routing.preferences import UserPreferences

if TYPE_CHECKING:
    import duckdb

__all__ = ["insert_feedback", "load_preferences", "save_preferences"]


def load_preferences(con: duckdb.DuckDBPyConnection, user_id: str) -> UserPreferences | None:
    row = con.execute(
        "SELECT user_id, preferred_model, cost_threshold, performance_preference, fallback_models, "
        "created_at, updated_at FROM user_model_preferences WHERE user_id = ?",
        [user_id],
    ).fetchone()
    if row is None:
        return None
    uid, preferred, threshold, preference, fallbacks, created, updated = row
    return UserPreferences(
        user_id=uid,
        preferred_model=preferred,
        cost_threshold=threshold,
        performance_preference=preference,
        fallback_models=json.loads(fallbacks) if fallbacks else [],
        created_at=created.replace(tzinfo=UTC),
        updated_at=updated.replace(tzinfo=UTC),
    )


def save_preferences(
    con: duckdb.DuckDBPyConnection, prefs: UserPreferences, created_at: datetime, now: datetime
) -> None:
    """Insert or replace a user's preferences (``created_at`` of an existing row is kept). Times are UTC,
    naive."""
    con.execute(
        """INSERT INTO user_model_preferences VALUES (?, ?, ?, ?, ?::JSON, ?, ?)
        ON CONFLICT (user_id) DO UPDATE SET preferred_model = excluded.preferred_model,
            cost_threshold = excluded.cost_threshold,
            performance_preference = excluded.performance_preference,
            fallback_models = excluded.fallback_models, updated_at = excluded.updated_at""",
        [
            prefs.user_id,
            prefs.preferred_model,
            prefs.cost_threshold,
            prefs.performance_preference,
            json.dumps(prefs.fallback_models),
            created_at,
            now,
        ],
    )


def insert_feedback(
    con: duckdb.DuckDBPyConnection,
    feedback_id: str,
    request_id: str,
    score: float,
    user_id: str | None,
    now: datetime,
) -> None:
    con.execute(
        "INSERT INTO quality_feedback VALUES (?, ?, ?, ?, ?)", [feedback_id, request_id, score, user_id, now]
    )
