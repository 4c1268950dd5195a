"""A user's routing preferences (the original ``user_model_preferences`` row)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["UserPreferences"]


class UserPreferences(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str = Field(min_length=1)
    preferred_model: str | None = None
    # Most a single request may be estimated to cost (USD); models whose estimate is above it are skipped.
    cost_threshold: Annotated[float, Field(ge=0)] | None = None
    performance_preference: Literal["cost", "speed", "quality"] = "quality"
    fallback_models: list[str] = Field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
