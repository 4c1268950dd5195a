"""Validation with safe fixes: the optional parts of a record that fail validation are dropped, each with a
reason for the report; a required part that fails makes the whole record fail."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from typing import Any, TypeVar

from pydantic import BaseModel

from core.travel._models import RecordInvalid, parse_record
from core.travel.d1.values import is_list, is_object

__all__ = ["fit"]

M = TypeVar("M", bound=BaseModel)


def _drop(data: dict[str, Any], path: str) -> str:
    """Remove the part of ``data`` that ``path`` ("phone", "documents.0.country") points into: a list entry
    goes whole. Returns the part removed, for the report."""
    parts = path.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        if is_list(node) and part.isdigit():
            index = int(part)
            if index < len(node):
                node.pop(index)
            return ".".join(parts[: i + 1])
        if not is_object(node) or part not in node:
            return path
        if i == len(parts) - 1 or not isinstance(node[part], (dict, list)):
            node.pop(part)
            return ".".join(parts[: i + 1])
        node = node[part]
    return path


def fit(
    model: type[M], data: dict[str, Any], *, what: str, keep: frozenset[str], fixes: list[str]
) -> dict[str, Any]:
    """``data`` valid for ``model``: optional parts that fail validation are dropped, each with a reason in
    ``fixes``. Raises ``RecordInvalid`` when a part in ``keep`` (required fields) is invalid."""
    data = json.loads(json.dumps(data, default=_jsonable))
    for _ in range(20):
        try:
            parse_record(model, data, what=what)
            return data
        except RecordInvalid as e:
            blocking = [p for p in e.problems if p.split(".")[0] in keep or p == "(record)"]
            if blocking:
                raise
            dropped: set[str] = set()
            for path, why in sorted(e.problems.items(), key=lambda kv: kv[0], reverse=True):
                part = _drop(data, path)
                if part in dropped:
                    continue
                dropped.add(part)
                secret = "documents" in part
                shown = "" if secret else f" {_shown(path, e)}"
                fixes.append(f"{what} {part}{shown} dropped: {why}")
    raise RecordInvalid(f"Invalid {what}: could not be fixed.", problems={"(record)": "unfixable"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return str(value)


def _shown(path: str, error: RecordInvalid) -> str:
    match = re.search(rf"{re.escape(path)} = (.*?): ", error.message)
    return f"= {match[1]}" if match else ""
