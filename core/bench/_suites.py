"""Task suites: what each benchmark task asks, which routing task it measures, and its cases on disk.

Cases live in ``data/bench/<task>.jsonl`` (one JSON object a line, written by ``core/bench/make_cases.py``) and are
validated on load: a bad line is reported with its file and line number.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from core.bench._scorers import ScorerSpec
from core.errors import ValidationError

__all__ = ["DEFAULT_CASES_DIR", "TASKS", "Case", "TaskSpec", "load_cases", "task_spec"]

DEFAULT_CASES_DIR = Path(__file__).resolve().parents[2] / "data" / "bench"


class Case(BaseModel):
    """One benchmark case: inputs, what a good answer must contain, and the checks that score it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(min_length=1)
    task: str = Field(min_length=1)
    inputs: dict[str, Any]
    expected: dict[str, Any] = Field(default_factory=dict)
    must_contain: list[str] = Field(default_factory=list)
    scorers: list[ScorerSpec] = Field(min_length=1)
    rubric: str | None = None


class TaskSpec(BaseModel):
    """A benchmark task: its name, the routing task type it measures, and how a case becomes a prompt."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    name: str
    routing_task: str
    description: str
    system: str
    render: Callable[[Mapping[str, Any]], str]
    max_tokens: int = 800

    def messages(self, case: Case) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self.system},
            {"role": "user", "content": self.render(case.inputs)},
        ]


def _lines(items: Any) -> str:
    return "\n".join(f"- {json.dumps(i) if isinstance(i, dict) else i}" for i in items)


TASKS: dict[str, TaskSpec] = {
    t.name: t
    for t in [
        TaskSpec(
            name="intake_extraction",
            routing_task="client_discovery",
            description="inquiry email -> JSON trip brief",
            system="You are a travel agency assistant. Extract a trip brief from the client's email. Reply with "
            "JSON only: {client_name, destination, start_date (YYYY-MM-DD), end_date, adults, children, "
            "budget_usd (number), interests (list of strings)}.",
            render=lambda i: f"Email from {i['from']}:\nSubject: {i['subject']}\n\n{i['body']}",
        ),
        TaskSpec(
            name="itinerary_drafting",
            routing_task="itinerary_draft",
            description="party, dates, budget, interests -> day plan JSON",
            system="You are a travel planner. Draft a day-by-day plan. Reply with JSON only: {destination, days: "
            "[{date (YYYY-MM-DD), title, activities (list), est_cost (USD number)}]}. One entry per day, the "
            "total est_cost within the budget.",
            render=lambda i: (
                f"Destination: {i['destination']}\nParty: {i['party']}\nDates: {i['start_date']} to {i['end_date']}"
                f" ({i['days']} days)\nBudget for activities: {i['budget_usd']} USD\nInterests: "
                f"{', '.join(i['interests'])}"
            ),
            max_tokens=1500,
        ),
        TaskSpec(
            name="client_email",
            routing_task="client_email",
            description="situation -> reply email",
            system="You write warm, precise emails to travel agency clients. Sign as the agent named.",
            render=lambda i: (
                f"Client: {i['client']}\nAgent: {i['agent']}\nSituation: {i['situation']}\nFacts to include:\n"
                f"{_lines(i['facts'])}\nWrite the reply email."
            ),
        ),
        TaskSpec(
            name="destination_questions",
            routing_task="general",
            description="destination question -> short factual answer",
            system="You answer travellers' questions about destinations accurately and briefly.",
            render=lambda i: i["question"],
            max_tokens=300,
        ),
        TaskSpec(
            name="booking_confirmation_parsing",
            routing_task="booking_confirmation",
            description="confirmation text -> items JSON",
            system="Parse the booking confirmation. Reply with JSON only: {items: [{type, supplier, "
            "confirmation_number, start (YYYY-MM-DD HH:MM), price (number), currency}]} in the order they appear.",
            render=lambda i: i["text"],
        ),
        TaskSpec(
            name="pricing_arithmetic",
            routing_task="verify_trip",
            description="items, commission, fees -> totals",
            system="You check trip pricing. Reply with JSON only: {subtotal, commission, fees, tax, total, "
            "per_person} as numbers rounded to cents.",
            render=lambda i: (
                f"Items (USD):\n{_lines(i['items'])}\nAgency commission: {i['commission_pct']}% of the subtotal\n"
                f"Service fee: {i['service_fee']} USD per booking, {i['bookings']} bookings\nTax: "
                f"{i['tax_pct']}% of subtotal plus commission plus fees\nTravellers: {i['travellers']}\n"
                "Compute subtotal, commission, fees, tax, total and per_person."
            ),
            max_tokens=300,
        ),
    ]
}


def task_spec(name: str) -> TaskSpec:
    """The task named ``name``; ValidationError listing the known ones otherwise."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValidationError(
            f"Unknown benchmark task '{name}'. Known: {', '.join(TASKS)}.",
            hint="Pass --tasks with a comma-separated subset of these.",
        ) from None


def load_cases(task: str, cases_dir: Path | None = None, *, limit: int | None = None) -> list[Case]:
    """The cases of ``task`` from ``<cases_dir>/<task>.jsonl``, validated; ``limit`` keeps the first N."""
    task_spec(task)
    path = (cases_dir or DEFAULT_CASES_DIR) / f"{task}.jsonl"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ValidationError(
            f"Cannot read the cases of task '{task}' from {path}: {e.strerror}.",
            hint="Regenerate them with `python -m core.bench.make_cases`, or pass the folder that holds them.",
        ) from e
    cases: list[Case] = []
    seen: set[str] = set()
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = Case.model_validate(json.loads(line))
        except ValueError as e:
            detail = (
                "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()[:3])
                if isinstance(e, PydanticValidationError)
                else f"not valid JSON ({e})"
            )
            raise ValidationError(
                f"{path}, line {lineno}: invalid benchmark case: {detail}.",
                hint="Each line is one JSON object with id, task, inputs and scorers (see core/bench/make_cases.py).",
            ) from e
        if case.task != task:
            raise ValidationError(
                f"{path}, line {lineno}: case '{case.id}' is for task '{case.task}', not '{task}'."
            )
        if case.id in seen:
            raise ValidationError(f"{path}, line {lineno}: duplicate case id '{case.id}'.")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise ValidationError(
            f"{path} has no benchmark cases.",
            hint="Regenerate it with `python -m core.bench.make_cases` or add JSON lines.",
        )
    return cases[:limit] if limit else cases
