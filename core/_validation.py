"""One way to turn a pydantic ValidationError into problems a person can act on: field, value, message, fix.

The configuration loader, the travel records and the MCP tool arguments all report through this; each caller
keeps its own wording of fixes where its medium differs (YAML needs "without quotes", records count cents).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, time
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

__all__ = ["FIXES", "Problem", "problems"]

FIXES: Mapping[str, str] = {
    "missing": "add it",
    "extra_forbidden": "remove it or fix its spelling",
    "greater_than_equal": "use a value that is not negative",
    "greater_than": "use a value above zero",
    "less_than_equal": "use a smaller value",
    "int_parsing": "write a whole number",
    "int_from_float": "write a whole number",
    "int_type": "write a whole number",
    "float_parsing": "write a number",
    "date_from_datetime_parsing": "write a real calendar date as YYYY-MM-DD",
    "date_parsing": "write a real calendar date as YYYY-MM-DD",
    "date_type": "write a real calendar date as YYYY-MM-DD",
    "datetime_from_date_parsing": "write a local date and time as YYYY-MM-DDTHH:MM",
    "datetime_parsing": "write a local date and time as YYYY-MM-DDTHH:MM",
    "datetime_type": "write a local date and time as YYYY-MM-DDTHH:MM",
    "string_too_short": "fill it in",
    "string_type": "write text",
    "list_type": "give a list",
    "bool_parsing": "write true or false",
}
_OWN_WORDS = frozenset({"value_error", "assertion_error"})  # our validators already say what to do


class Problem(BaseModel):
    model_config = ConfigDict(frozen=True)
    field: str
    kind: str
    value: str  # as shown: repr of the input, "(missing)", "(unknown field)" or a mask
    message: str
    fix: str  # "" when the message already says what to do

    def line(self) -> str:
        return f"{self.field} = {self.value}: {self.message}." + (f" Fix: {self.fix}." if self.fix else "")


def problems(
    error: PydanticValidationError,
    *,
    root: str = "(input)",
    secret: Callable[[str], bool] = lambda field: False,
    fixes: Mapping[str, str] = FIXES,
    fix_for: Callable[[str, str, str], str | None] = lambda kind, field, message: None,
    unknown: str = "(unknown field)",
) -> list[Problem]:
    """Each error as a Problem. ``secret(field)`` masks a value; ``fix_for(kind, field, message)`` may give a
    caller-specific fix before the ``fixes`` table is consulted."""
    out: list[Problem] = []
    for item in error.errors():
        loc = [str(p) for p in item["loc"] if not str(p).startswith("function-")]
        field = ".".join(loc) or root
        kind = item["type"]
        message = item["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if kind == "missing":
            value = "(missing)"
        elif kind == "extra_forbidden":
            value = unknown
        else:
            value = "'********'" if secret(field) else _shown(item.get("input"))
        if len(value) > 80:
            value = value[:77] + "..."
        fix = fix_for(kind, field, message)
        if fix is None:
            if kind == "literal_error":
                fix = "use one of: " + message.split("Input should be ", 1)[-1]
            elif kind in _OWN_WORDS:
                fix = ""
            else:
                fix = fixes.get(kind, "correct the value")
        out.append(Problem(field=field, kind=kind, value=value, message=message, fix=fix))
    return out


def _shown(value: Any) -> str:
    """The input as a person wrote it: '2027-05-01', not ``datetime.date(2027, 5, 1)``."""
    if isinstance(value, date | time):
        return repr(value.isoformat())
    return repr(value)
