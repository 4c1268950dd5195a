"""Every scorer on a good, a bad and a malformed answer; the shipped cases score 1 on their expected answers."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from core.bench import (
    TASKS,
    ScorerSpec,
    constraint_score,
    extract_json,
    field_score,
    includes_score,
    json_schema_score,
    load_cases,
    numeric_score,
    score_answer,
)

MALFORMED = '{"client_name": "Maria", "adults": 2,,'


def test_json_is_found_in_fences_and_prose() -> None:
    assert extract_json('Here you go:\n```json\n{"a": 1}\n```') == {"a": 1}
    assert extract_json('Sure! {"a": {"b": 2}} hope it helps') == {"a": {"b": 2}}
    with pytest.raises(ValueError, match="no JSON"):
        extract_json("no json here")


def test_json_schema_scores_types_and_missing_fields() -> None:
    required = {"adults": "integer", "interests": "array", "budget_usd": "number"}
    assert json_schema_score('{"adults": 2, "interests": [], "budget_usd": 3000.5}', required).value == 1
    bad = json_schema_score('{"adults": "two", "interests": []}', required)
    assert bad.value == pytest.approx(1 / 3)
    assert "missing budget_usd" in bad.explanation and "adults is str" in bad.explanation
    malformed = json_schema_score(MALFORMED, required)
    assert malformed.value == 0 and "not a JSON object" in malformed.explanation


def test_field_match_is_exact_for_numbers_and_fuzzy_for_names() -> None:
    answer = '{"client_name": "Ms Maria Lopez", "adults": "2", "start_date": "2027-03-04"}'
    good = field_score(
        answer, exact={"adults": 2, "start_date": "2027-03-04"}, fuzzy={"client_name": "Maria Lopez"}
    )
    assert good.value == 1
    bad = field_score(answer, exact={"adults": 3}, fuzzy={"client_name": "James Whitfield"})
    assert bad.value == 0 and "want 3" in bad.explanation
    assert field_score(MALFORMED, exact={"adults": 2}).value == 0


def _plan(days: int, start: date, cost: float) -> str:
    return json.dumps(
        {"days": [{"date": (start + timedelta(days=i)).isoformat(), "est_cost": cost} for i in range(days)]}
    )


def test_constraints_check_day_count_budget_and_dates() -> None:
    start = date(2027, 5, 1)
    kw = {"days": 3, "budget": 300.0, "start": "2027-05-01", "end": "2027-05-03"}
    assert constraint_score(_plan(3, start, 100), **kw).value == 1
    over = constraint_score(_plan(4, start, 100), **kw)
    assert over.value == 0  # 4 days, 400 > 300, the 4th date is outside the trip
    assert "4 days (want 3)" in over.explanation and "1 dates outside" in over.explanation
    assert constraint_score(MALFORMED, **kw).value == 0
    assert constraint_score('{"plan": []}', **kw).explanation == "no 'days' list"


def test_numeric_tolerance_on_json_and_on_plain_text() -> None:
    values = {"total": 1234.56, "per_person": 617.28}
    assert numeric_score('{"total": 1234.57, "per_person": "617.28"}', values, tolerance=0.02).value == 1
    assert numeric_score('{"total": 1240, "per_person": 617.28}', values, tolerance=0.02).value == 0.5
    assert numeric_score("The total is $1,234.56, or 617.28 each.", values).value == 1
    assert numeric_score("I cannot compute that.", values).value == 0


def test_reference_inclusion_matches_whole_words_only() -> None:
    assert includes_score("Japan uses the Yen.", all_of=["yen"]).value == 1
    assert includes_score("Try the Yenisei river", all_of=["yen"]).value == 0
    half = includes_score("Cusco is the gateway", all_of=["cusco", "aguas calientes"])
    assert half.value == 0.5 and "missing aguas calientes" in half.explanation
    assert includes_score("Sorry for the delay", any_of=["sorry", "apologise"], none_of=["refund"]).value == 1
    assert includes_score("", all_of=["yen"]).value == 0


def test_a_case_score_is_the_weighted_mean_of_its_checks() -> None:
    specs = [
        ScorerSpec(kind="json_schema", params={"required": {"total": "number"}}),
        ScorerSpec(kind="numeric", weight=3, params={"values": {"total": 10.0}}),
    ]
    assert score_answer('{"total": 10}', specs).value == 1
    assert score_answer('{"total": 11}', specs).value == pytest.approx(0.25)
    assert score_answer(MALFORMED, specs).value == 0


@pytest.mark.parametrize("task", ["intake_extraction", "booking_confirmation_parsing", "pricing_arithmetic"])
def test_the_expected_answer_of_every_shipped_json_case_scores_one(task: str) -> None:
    for case in load_cases(task):
        score = score_answer(json.dumps(case.expected), case.scorers)
        assert score.value == pytest.approx(1), (case.id, score.explanation)


def test_a_plan_that_follows_the_brief_scores_one_on_every_itinerary_case() -> None:
    for case in load_cases("itinerary_drafting"):
        i = case.inputs
        start = date.fromisoformat(i["start_date"])
        per_day = i["budget_usd"] / i["days"]
        plan = {
            "destination": i["destination"],
            "days": [
                {
                    "date": (start + timedelta(days=d)).isoformat(),
                    "title": case.expected["highlights"][d % 5],
                    "activities": [case.expected["highlights"][d % 5]],
                    "est_cost": round(per_day - 1, 2),
                }
                for d in range(i["days"])
            ],
        }
        assert score_answer(json.dumps(plan), case.scorers).value == pytest.approx(1), case.id


def test_an_email_stating_the_facts_scores_one_and_a_vague_one_does_not() -> None:
    for case in load_cases("client_email"):
        client, agent = case.inputs["client"].split()[0], case.inputs["agent"].split(" at ")[0]
        good = (
            f"Dear {client},\n"
            + case.expected["tone"][0]
            + ": "
            + "; ".join(case.expected["facts"])
            + f".\nBest regards,\n{agent}"
        )
        assert score_answer(good, case.scorers).value == pytest.approx(1), case.id
        assert score_answer("Hello, see you soon.", case.scorers).value < 0.3


def test_every_task_ships_at_least_30_cases_with_unique_ids() -> None:
    for task in TASKS:
        cases = load_cases(task)
        assert len(cases) >= 30
        assert len({c.id for c in cases}) == len(cases)
