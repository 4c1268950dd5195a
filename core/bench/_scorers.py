"""Scorers: each takes the model's answer and a case's expectations and returns ``Score(value 0-1, explanation)``.

A case lists its checks as data (``ScorerSpec``: a kind and its parameters); ``score_answer`` runs them all and
averages by weight. The model-graded rubric needs a judge model and the Gateway, so it lives in ``rubric_score``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from core.gateway import Gateway, GatewayResult

__all__ = [
    "Score",
    "ScorerSpec",
    "combine",
    "constraint_score",
    "extract_json",
    "field_score",
    "includes_score",
    "json_schema_score",
    "numeric_score",
    "rubric_prompt",
    "rubric_score",
    "score_answer",
]

ScorerKind = Literal["json_schema", "fields", "constraints", "numeric", "includes", "rubric"]
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


class Score(BaseModel):
    """A score in [0, 1] and a short reason a person can read."""

    model_config = ConfigDict(frozen=True)
    value: float = Field(ge=0, le=1)
    explanation: str


class ScorerSpec(BaseModel):
    """One check of a case: ``kind`` and its parameters (see the ``*_score`` functions), with a weight."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: ScorerKind
    weight: float = Field(default=1.0, gt=0)
    params: dict[str, Any] = Field(default_factory=dict)


# ------------------------------------------------------------------------------------------------ helpers

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def extract_json(text: str) -> Any:
    """The JSON value in an answer: the whole text, a fenced block, or the first {...} span. ValueError if none."""
    candidates = [text.strip()]
    candidates += [m.group(1).strip() for m in _FENCE.finditer(text)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    raise ValueError("no JSON object found in the answer")


def _get(data: Any, path: str) -> Any:
    """``a.b.0.c`` into nested dicts and lists; KeyError if missing."""
    node: Any = data
    for part in path.split("."):
        items, fields = _as_list(node), _as_dict(node)
        if items is not None and part.isdigit() and int(part) < len(items):
            node = items[int(part)]
        elif fields is not None and part in fields:
            node = fields[part]
        else:
            raise KeyError(path)
    return node


def _as_list(value: Any) -> list[Any] | None:
    """A parsed JSON array as a list of JSON values, else None."""
    return cast("list[Any]", value) if isinstance(value, list) else None


def _as_dict(value: Any) -> dict[str, Any] | None:
    """A parsed JSON object as a dict of JSON values, else None."""
    return cast("dict[str, Any]", value) if isinstance(value, dict) else None


def _norm(value: Any) -> str:
    return " ".join(str(value).lower().split())


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        cleaned = re.sub(r"[^\d.\-]", "", value.replace(",", ""))
        try:
            return float(cleaned)
        except ValueError:
            return None
    return None


def _parsed(answer: str | Any) -> tuple[Any, str | None]:
    if not isinstance(answer, str):
        return answer, None
    try:
        return extract_json(answer), None
    except ValueError as e:
        return None, str(e)


# ------------------------------------------------------------------------------------------------ scorers


def json_schema_score(answer: str, required: Mapping[str, str]) -> Score:
    """Valid JSON object with each ``required`` field (dotted path) of its type (string, number, array, ...)."""
    data, error = _parsed(answer)
    if error is not None or not isinstance(data, dict):
        return Score(value=0.0, explanation=f"not a JSON object ({error or type(data).__name__})")
    if not required:
        return Score(value=1.0, explanation="valid JSON object")
    problems: list[str] = []
    for path, kind in required.items():
        try:
            value = _get(data, path)
        except KeyError:
            problems.append(f"missing {path}")
            continue
        ok = isinstance(value, _TYPES.get(kind, (object,))) and not (
            kind != "boolean" and isinstance(value, bool)
        )
        if not ok:
            problems.append(f"{path} is {type(value).__name__}, expected {kind}")
    value = 1 - len(problems) / len(required)
    return Score(value=value, explanation="schema ok" if not problems else "; ".join(problems))


def field_score(
    answer: str | Any,
    exact: Mapping[str, Any] | None = None,
    fuzzy: Mapping[str, str] | None = None,
    threshold: float = 85.0,
) -> Score:
    """Share of fields matching: ``exact`` (case/space-insensitive equality; numbers compared as numbers) and
    ``fuzzy`` (rapidfuzz token-set ratio ≥ ``threshold``)."""
    from rapidfuzz import fuzz

    exact, fuzzy = exact or {}, fuzzy or {}
    total = len(exact) + len(fuzzy)
    if total == 0:
        return Score(value=1.0, explanation="no fields to check")
    data, error = _parsed(answer)
    if error is not None:
        return Score(value=0.0, explanation=f"fields: {error}")
    misses: list[str] = []
    for path, want in exact.items():
        try:
            got = _get(data, path)
        except KeyError:
            misses.append(f"{path} missing")
            continue
        if isinstance(want, int | float) and not isinstance(want, bool):
            same = (n := _number(got)) is not None and abs(n - want) < 1e-9
        else:
            same = _norm(got) == _norm(want)
        if not same:
            misses.append(f"{path}={got!r} (want {want!r})")
    for path, want in fuzzy.items():
        try:
            got = _get(data, path)
        except KeyError:
            misses.append(f"{path} missing")
            continue
        ratio = fuzz.token_set_ratio(_norm(got), _norm(want))
        if ratio < threshold:
            misses.append(f"{path}≈{ratio:.0f}% of {want!r}")
    value = 1 - len(misses) / total
    return Score(
        value=value,
        explanation=f"{total - len(misses)}/{total} fields"
        + (": " + "; ".join(misses[:4]) if misses else ""),
    )


def constraint_score(
    answer: str | Any,
    days: int | None = None,
    budget: float | None = None,
    start: str | None = None,
    end: str | None = None,
    days_path: str = "days",
    cost_key: str = "est_cost",
    date_key: str = "date",
) -> Score:
    """Itinerary constraints: the number of days, the summed cost within ``budget``, every date in [start, end]."""
    data, error = _parsed(answer)
    if error is not None:
        return Score(value=0.0, explanation=f"constraints: {error}")
    try:
        plan = _as_list(_get(data, days_path))
    except KeyError:
        return Score(value=0.0, explanation=f"no '{days_path}' list")
    if plan is None:
        return Score(value=0.0, explanation=f"'{days_path}' is not a list")
    day_fields = [_as_dict(d) for d in plan]
    checks: list[tuple[bool, str]] = []
    if days is not None:
        checks.append((len(plan) == days, f"{len(plan)} days (want {days})"))
    if budget is not None:
        costs = [_number(d.get(cost_key)) if d is not None else None for d in day_fields]
        total = sum(c for c in costs if c is not None)
        checks.append(
            (
                bool(plan) and None not in costs and total <= budget + 1e-6,
                f"cost {total:g} vs budget {budget:g}",
            )
        )
    if start is not None and end is not None:
        lo, hi = date.fromisoformat(start), date.fromisoformat(end)
        bad = 0
        for d in day_fields:
            try:
                when = date.fromisoformat(str(d.get(date_key)) if d is not None else "")
            except ValueError:
                bad += 1
                continue
            bad += not lo <= when <= hi
        checks.append((bool(plan) and bad == 0, f"{bad} dates outside {start}..{end}"))
    if not checks:
        return Score(value=1.0, explanation="no constraints")
    passed = sum(ok for ok, _ in checks)
    failed = [why for ok, why in checks if not ok]
    return Score(
        value=passed / len(checks),
        explanation=f"{passed}/{len(checks)} constraints" + (": " + "; ".join(failed) if failed else ""),
    )


def numeric_score(answer: str | Any, values: Mapping[str, float], tolerance: float = 0.01) -> Score:
    """Each expected number (by JSON path) within ``tolerance`` (absolute, in the answer's units). A non-JSON
    answer is searched for the numbers in its text instead."""
    if not values:
        return Score(value=1.0, explanation="no numbers to check")
    data, error = _parsed(answer)
    text_numbers: list[float] = []
    if error is not None and isinstance(answer, str):
        text_numbers = [n for m in re.findall(r"-?\d[\d,]*\.?\d*", answer) if (n := _number(m)) is not None]
    misses: list[str] = []
    for path, want in values.items():
        if data is not None:
            try:
                got = _number(_get(data, path))
            except KeyError:
                got = None
            if got is None or abs(got - want) > tolerance:
                misses.append(f"{path}={got} (want {want:g})")
        elif not any(abs(n - want) <= tolerance for n in text_numbers):
            misses.append(f"{want:g} not in the text")
    value = 1 - len(misses) / len(values)
    return Score(
        value=value,
        explanation=f"{len(values) - len(misses)}/{len(values)} numbers"
        + (": " + "; ".join(misses[:4]) if misses else ""),
    )


def includes_score(
    answer: str | Any, all_of: Sequence[str] = (), any_of: Sequence[str] = (), none_of: Sequence[str] = ()
) -> Score:
    """Reference inclusion: every ``all_of`` phrase, at least one ``any_of``, no ``none_of`` (case-insensitive,
    whole words)."""
    text = answer if isinstance(answer, str) else json.dumps(answer)
    low = " ".join(text.lower().split())

    def has(phrase: str) -> bool:
        return re.search(rf"(?<!\w){re.escape(' '.join(phrase.lower().split()))}(?!\w)", low) is not None

    parts: list[float] = []
    notes: list[str] = []
    if all_of:
        found = [p for p in all_of if has(p)]
        parts.append(len(found) / len(all_of))
        missing = [p for p in all_of if p not in found]
        notes.append(
            f"{len(found)}/{len(all_of)} required"
            + (f" (missing {', '.join(missing[:3])})" if missing else "")
        )
    if any_of:
        ok = any(has(p) for p in any_of)
        parts.append(float(ok))
        notes.append("one of the alternatives" if ok else f"none of {', '.join(any_of[:3])}")
    if none_of:
        bad = [p for p in none_of if has(p)]
        parts.append(float(not bad))
        if bad:
            notes.append(f"mentions {', '.join(bad)}")
    if not parts:
        return Score(value=1.0, explanation="nothing to include")
    return Score(value=sum(parts) / len(parts), explanation="; ".join(notes))


def combine(scores: Sequence[tuple[Score, float]]) -> Score:
    """Weighted mean of scores; explanations joined."""
    if not scores:
        return Score(value=0.0, explanation="no scorers")
    total = sum(w for _, w in scores)
    value = sum(s.value * w for s, w in scores) / total
    return Score(value=min(1.0, max(0.0, value)), explanation=" | ".join(s.explanation for s, _ in scores))


def score_answer(answer: str, specs: Sequence[ScorerSpec]) -> Score:
    """Run every non-rubric check of a case and combine them (rubric checks need ``rubric_score``)."""
    results: list[tuple[Score, float]] = []
    for spec in specs:
        p = spec.params
        if spec.kind == "json_schema":
            s = json_schema_score(answer, p.get("required", {}))
        elif spec.kind == "fields":
            s = field_score(answer, p.get("exact"), p.get("fuzzy"), p.get("threshold", 85.0))
        elif spec.kind == "constraints":
            s = constraint_score(answer, **p)
        elif spec.kind == "numeric":
            s = numeric_score(answer, p.get("values", {}), p.get("tolerance", 0.01))
        elif spec.kind == "includes":
            s = includes_score(answer, p.get("all_of", ()), p.get("any_of", ()), p.get("none_of", ()))
        else:
            continue
        results.append((s, spec.weight))
    return combine(results)


# ------------------------------------------------------------------------------------------------ rubric

_VERDICT = re.compile(r"\bSCORE\s*[:=]\s*([0-9]+(?:\.[0-9]+)?)", re.I)


def rubric_prompt(task_prompt: str, answer: str, criteria: str) -> list[dict[str, str]]:
    return [
        {
            "role": "system",
            "content": "You grade answers written for a travel agency. Read the request, the answer and the "
            "criteria. Reply with one line 'SCORE: <0-10>' then one sentence of reasons.",
        },
        {
            "role": "user",
            "content": f"REQUEST:\n{task_prompt}\n\nANSWER:\n{answer}\n\nCRITERIA:\n{criteria}",
        },
    ]


async def rubric_score(
    gateway: Gateway, judge_model: str, task_prompt: str, answer: str, criteria: str, *, routing_task: str
) -> tuple[Score, GatewayResult]:
    """Model-graded rubric: the judge answers 'SCORE: n' (0-10). Its call goes through the Gateway like any
    other (a usage row, budget, cost); the result is returned so the runner can add its cost to the cell."""
    from core.gateway import CallContext

    result = await gateway.acomplete(
        rubric_prompt(task_prompt, answer, criteria),
        task=routing_task,
        model=judge_model,
        use_cache=False,
        max_tokens=200,
        context=CallContext(session_id="bench-judge"),
    )
    match = _VERDICT.search(result.text)
    if match is None:
        return Score(value=0.0, explanation=f"judge gave no 'SCORE: n' ({result.text[:60]!r})"), result
    value = min(10.0, float(match.group(1))) / 10
    return Score(value=value, explanation=f"judge {judge_model}: {result.text.strip()[:120]}"), result
