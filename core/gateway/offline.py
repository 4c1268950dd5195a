"""The offline drafter: a deterministic litellm provider with no network, priced 0.

It goes through the same Router path as any model (registered in ``litellm.custom_provider_map``), so the app, the
CLI and the demo work with no keys, and every answer it gives says that it is an offline draft.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, cast

from litellm import ModelResponse, Usage
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import GenericStreamingChunk

__all__ = ["OFFLINE_BANNER", "OfflineDrafter", "draft"]

OFFLINE_BANNER = "[Offline draft — no AI model was called; connect a provider for real answers.]"

_DAYS = re.compile(r"\b(\d{1,2})\s*(?:-\s*)?(?:days?|nights?)\b", re.I)
_PLACE = re.compile(r"\b(?:in|to|from|visit(?:ing)?|around)\s+([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)")
_MONEY = re.compile(
    r"(?:[$€£]\s?\d[\d,]*(?:\.\d+)?|\b\d[\d,]*(?:\.\d+)?\s?(?:USD|EUR|GBP|dollars|euros)\b)", re.I
)
_DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w*\b", re.I
)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = cast("list[object]", content)
        return " ".join(
            str(cast("Mapping[str, object]", p).get("text", "")) for p in parts if isinstance(p, dict)
        )
    return ""


def draft(messages: list[dict[str, Any]], task: str = "general", *, as_json: bool = False) -> str:
    """A useful, deterministic draft from the request's own facts (places, days, dates, money, tool results)."""
    user = next((_text(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
    tool_results = [_text(m.get("content")) for m in messages if m.get("role") == "tool"]
    places = list(dict.fromkeys(_PLACE.findall(user)))[:4]
    days_match = _DAYS.search(user)
    days = min(int(days_match.group(1)), 21) if days_match else None
    money = list(dict.fromkeys(_MONEY.findall(user)))[:3]
    dates = list(dict.fromkeys(_DATE.findall(user)))[:4]
    facts = {
        "places": places,
        "days": days,
        "budget": money,
        "dates": dates,
        "tool_results": [t[:300] for t in tool_results],
    }
    if as_json:
        return json.dumps({"offline": True, "task": task, "facts": facts, "note": OFFLINE_BANNER})
    lines = [OFFLINE_BANNER, f"Task: {task}."]
    if places or days or money or dates:
        found: list[str] = []
        if places:
            found.append("places " + ", ".join(places))
        if days:
            found.append(f"{days} days")
        if dates:
            found.append("dates " + ", ".join(dates))
        if money:
            found.append("budget " + ", ".join(money))
        lines.append("From the request: " + "; ".join(found) + ".")
    if task in ("itinerary_draft", "activity_plan", "trip_concepts") and days:
        where = places[0] if places else "the destination"
        lines += [f"Day {d}: {where} — morning, afternoon and evening to plan." for d in range(1, days + 1)]
    elif task in ("client_email", "feedback_revision"):
        lines += ["Dear client,", "Thank you for your message. (Write the reply here.)", "Kind regards,"]
    else:
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", user) if s.strip()][:5]
        lines += [f"- {s}" for s in sentences]
    if tool_results:
        lines.append("Tool results received:")
        lines += [f"- {t[:300]}" for t in tool_results]
    return "\n".join(lines)


def _usage(messages: list[dict[str, Any]], text: str) -> Usage:
    prompt = sum(math.ceil(len(_text(m.get("content"))) / 4) + 4 for m in messages)
    completion = max(1, math.ceil(len(text) / 4))
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)


def _task(litellm_params: dict[str, Any] | None) -> str:
    meta: Mapping[str, object] = (litellm_params or {}).get("metadata") or {}
    return str(meta.get("travelops_task", "general"))


def _wants_json(optional_params: dict[str, Any]) -> bool:
    fmt: object = optional_params.get("response_format") or {}
    return isinstance(fmt, dict) and cast("Mapping[str, object]", fmt).get("type") in (
        "json_object",
        "json_schema",
    )


class OfflineDrafter(CustomLLM):
    """litellm custom provider ``travelops-offline``."""

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        messages: list[dict[str, Any]] = kwargs["messages"]
        text = draft(
            messages,
            _task(kwargs.get("litellm_params")),
            as_json=_wants_json(kwargs.get("optional_params") or {}),
        )
        response: ModelResponse = kwargs["model_response"]
        response.choices[0].message.content = text  # type: ignore[union-attr]
        response.choices[0].finish_reason = "stop"
        response.model = f"offline/{kwargs['model']}"
        response.usage = _usage(messages, text)  # type: ignore[attr-defined]
        return response

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        return self.completion(*args, **kwargs)

    def streaming(self, *args: Any, **kwargs: Any) -> Iterator[GenericStreamingChunk]:  # type: ignore[override]
        messages: list[dict[str, Any]] = kwargs["messages"]
        text = draft(
            messages,
            _task(kwargs.get("litellm_params")),
            as_json=_wants_json(kwargs.get("optional_params") or {}),
        )
        usage = _usage(messages, text)
        pieces = re.findall(r"\S+\s*", text) or [text]
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            yield GenericStreamingChunk(
                text=piece,
                is_finished=last,
                finish_reason="stop" if last else "",
                index=0,
                tool_use=None,
                usage={
                    "prompt_tokens": usage.prompt_tokens,
                    "completion_tokens": usage.completion_tokens,
                    "total_tokens": usage.total_tokens,
                }
                if last
                else None,
            )

    async def astreaming(self, *args: Any, **kwargs: Any) -> AsyncIterator[GenericStreamingChunk]:  # type: ignore[override]
        for chunk in self.streaming(*args, **kwargs):
            yield chunk
