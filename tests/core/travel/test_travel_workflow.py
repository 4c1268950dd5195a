"""The 12-step workflow: steps as data, per-trip progress, refusing, forcing, revisiting, step 8's checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError as PydanticValidationError
from travel_helpers import ANCHOR, CleanTrip

from core.errors import PermissionDenied, ValidationError
from core.security import Principal
from core.travel import PHASES, STEPS, TravelService, Workflow, get_step
from core.travel.workflow import TASK_TYPES

CONFIG = Path(__file__).parents[3] / "config" / "travelops.yml"


@pytest.fixture
def wf(service: TravelService) -> Workflow:
    return Workflow(service)


def tick_all(wf: Workflow, p: Principal, trip_id: int, step: int) -> None:
    for i in range(len(get_step(step).checklist)):
        wf.tick(p, trip_id, step, i)


# ----------------------------------------------------------------------------------------------------------
# The steps as data
# ----------------------------------------------------------------------------------------------------------


def test_there_are_twelve_steps_in_three_phases_in_order() -> None:
    assert [s.number for s in STEPS] == list(range(1, 13))
    assert [s.phase for s in STEPS] == ["Discovery"] * 3 + ["Research"] * 4 + ["Quality & delivery"] * 5
    assert PHASES == ("Discovery", "Research", "Quality & delivery")
    assert get_step(8).key == "verify_trip" and get_step("confirm_booking").number == 12


def test_every_routing_task_type_is_used_and_configured_for_routing() -> None:
    assert sorted(s.task_type for s in STEPS) == sorted(TASK_TYPES)
    configured = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["routing"]["task_types"]
    assert set(TASK_TYPES) <= set(configured)


def test_every_step_has_a_checklist_tools_and_an_instruction_in_a_fresh_store(
    service: TravelService, admin: Principal, wf: Workflow
) -> None:
    for step in STEPS:
        assert step.checklist and step.purpose and "get_workflow_status" in step.tools
        assert wf.instruction(admin, step.number).strip()
        assert wf.instruction(admin, step.number, verbosity="minimal") != ""


def test_a_step_names_unknown_tools_and_cannot_be_changed() -> None:
    with pytest.raises(PydanticValidationError, match="unknown tool"):
        get_step(1).model_validate(get_step(1).model_dump() | {"tools": ["get_anything", "send_fax"]})
    with pytest.raises(PydanticValidationError):
        get_step(1).title = "x"  # type: ignore[misc]


def test_an_unknown_step_lists_the_valid_ones() -> None:
    with pytest.raises(ValidationError, match="no workflow step 13") as e:
        get_step(13)
    assert "verify_trip" in str(e.value)


def test_instructions_are_data_that_an_admin_can_edit(
    service: TravelService, admin: Principal, wf: Workflow
) -> None:
    service.save_instruction(
        admin, "verify_trip", text="Check the ferry times too.", variants={"minimal": "Check."}
    )
    assert wf.instruction(admin, 8) == "Check the ferry times too."
    assert wf.instruction(admin, "verify_trip", verbosity="minimal") == "Check."
    assert (
        wf.instruction(admin, 8, verbosity="detailed") == "Check the ferry times too."
    )  # falls back to normal


# ----------------------------------------------------------------------------------------------------------
# Progress
# ----------------------------------------------------------------------------------------------------------


def test_a_trip_that_has_not_started_is_at_zero_percent(
    wf: Workflow, admin: Principal, clean_trip: CleanTrip
) -> None:
    status = wf.status(admin, clean_trip.trip_id)
    assert not status.started and status.percent == 0 and status.current_step is None
    with pytest.raises(ValidationError, match="has not been started"):
        wf.tick(admin, clean_trip.trip_id, 1, 0)


def test_starting_makes_step_one_current_and_starting_again_changes_nothing(
    wf: Workflow, admin: Principal, clean_trip: CleanTrip
) -> None:
    status = wf.start(admin, clean_trip.trip_id)
    assert status.started and status.current_step == 1 and status.current == get_step(1)
    assert [s.status for s in status.steps] == ["current"] + ["todo"] * 11
    assert wf.start(admin, clean_trip.trip_id).steps == status.steps


def test_advancing_is_refused_while_checklist_items_are_unticked_and_names_them(
    wf: Workflow, admin: Principal, clean_trip: CleanTrip
) -> None:
    t = clean_trip.trip_id
    wf.start(admin, t)
    wf.tick(admin, t, 1, 0)
    wf.tick(admin, t, 1, "budget and currency agreed")  # by text, any case
    with pytest.raises(ValidationError, match="Step 1 'Start interview' is not done: unticked") as e:
        wf.advance(admin, t)
    message = str(e.value)
    assert (
        "'Passports recorded with their expiry dates'" in message
        and "'Budget and currency agreed'" not in message
    )
    assert "force=True" in message
    assert wf.status(admin, t).current_step == 1


def test_advancing_after_ticking_everything_moves_on_and_counts_progress(
    wf: Workflow, admin: Principal, clean_trip: CleanTrip
) -> None:
    t = clean_trip.trip_id
    wf.start(admin, t)
    tick_all(wf, admin, t, 1)
    status = wf.advance(admin, t)
    assert status.current_step == 2 and [s.status for s in status.steps[:3]] == ["done", "current", "todo"]
    assert status.percent == 8.3 and status.by_phase == {
        "Discovery": 33.3,
        "Research": 0.0,
        "Quality & delivery": 0.0,
    }
    assert status.steps[0].unticked == [] and status.steps[0].completed_at is not None


def test_forcing_past_unticked_items_is_allowed_and_logged(
    wf: Workflow, admin: Principal, service: TravelService, clean_trip: CleanTrip
) -> None:
    t = clean_trip.trip_id
    wf.start(admin, t)
    assert wf.advance(admin, t, force=True).current_step == 2
    assert "forced past 6 unticked item(s)" in service.recent_activity(admin, trip_id=t, limit=1)[0].summary


def test_an_unknown_checklist_item_is_refused_listing_the_checklist(
    wf: Workflow, admin: Principal, clean_trip: CleanTrip
) -> None:
    wf.start(admin, clean_trip.trip_id)
    with pytest.raises(ValidationError, match="no checklist item 'Pack the bags'") as e:
        wf.tick(admin, clean_trip.trip_id, 1, "Pack the bags")
    assert "0: Client household recorded" in str(e.value)


def test_unticking_takes_an_item_back(wf: Workflow, admin: Principal, clean_trip: CleanTrip) -> None:
    wf.start(admin, clean_trip.trip_id)
    wf.tick(admin, clean_trip.trip_id, 2, 1)
    status = wf.tick(admin, clean_trip.trip_id, 2, 1, done=False)
    assert status.steps[1].ticked == []


def test_revisiting_a_step_and_advancing_returns_to_the_first_unfinished_one(
    wf: Workflow, admin: Principal, clean_trip: CleanTrip
) -> None:
    t = clean_trip.trip_id
    wf.start(admin, t)
    for _ in range(4):
        wf.advance(admin, t, force=True)
    assert wf.status(admin, t).current_step == 5
    status = wf.set_step(admin, t, 2)
    assert status.current_step == 2
    assert [s.status for s in status.steps[:6]] == ["done", "current", "done", "done", "todo", "todo"]
    assert wf.advance(admin, t, force=True).current_step == 5
    wf.note(admin, t, 5, "Client wants a beach day")
    assert wf.status(admin, t).steps[4].notes == "Client wants a beach day"


def test_a_skipped_step_counts_as_finished(wf: Workflow, admin: Principal, clean_trip: CleanTrip) -> None:
    t = clean_trip.trip_id
    wf.start(admin, t)
    status = wf.skip(admin, t)
    assert status.steps[0].status == "skipped" and status.current_step == 2 and status.percent == 8.3


def test_step_eight_runs_the_checks_and_stores_the_flags(
    wf: Workflow, admin: Principal, service: TravelService, clean_trip: CleanTrip
) -> None:
    t = clean_trip.trip_id
    service.update_item(admin, clean_trip.sintra, status="booked")  # booked without a confirmation number
    wf.start(admin, t)
    wf.set_step(admin, t, 8, today=ANCHOR)
    status = wf.status(admin, t)
    assert [(f.code, f.item_id) for f in status.flags] == [("missing_confirmation", clean_trip.sintra)]
    assert status.steps[7].ticked == [get_step(8).checklist[0]]
    service.update_item(admin, clean_trip.sintra, confirmation_numbers=["SIN-77"])
    tick_all(wf, admin, t, 8)
    status = wf.advance(admin, t, today=ANCHOR)  # the checks run again on the way out
    assert status.flags == [] and status.current_step == 9


def test_finishing_every_step_completes_the_workflow(
    wf: Workflow, admin: Principal, clean_trip: CleanTrip
) -> None:
    t = clean_trip.trip_id
    wf.start(admin, t)
    for _ in STEPS:
        status = wf.advance(admin, t, force=True, today=ANCHOR)
    assert status.completed and status.current_step is None and status.percent == 100.0
    assert set(status.by_phase.values()) == {100.0}
    with pytest.raises(ValidationError, match="is complete"):
        wf.advance(admin, t)
    assert wf.set_step(admin, t, 11).current_step == 11  # revisiting reopens it
    assert not wf.status(admin, t).completed


def test_viewers_see_progress_but_cannot_move_it(
    wf: Workflow, admin: Principal, viewer: Principal, clean_trip: CleanTrip
) -> None:
    wf.start(admin, clean_trip.trip_id)
    assert wf.status(viewer, clean_trip.trip_id).current_step == 1
    with pytest.raises(PermissionDenied, match="may not advance a trip's workflow"):
        wf.advance(viewer, clean_trip.trip_id, force=True)
