"""The Plan page: the tracker, ticking and finishing steps, the assistant (offline: no keys in tests), its
suggestions and its ratings change what they should in the stores."""

from __future__ import annotations

import re
from typing import Any

import pytest
from app_helpers import AppEnv, button, open_page, problems, texts
from streamlit.testing.v1 import AppTest

from app import state
from core.security import Principal
from core.travel import TravelService
from core.travel.workflow import STEPS, Workflow, WorkflowStatus
from core.warehouse import Warehouse

ME = Principal.default_admin()


def status_of(env: AppEnv, trip_id: int) -> WorkflowStatus:
    with TravelService.open(env.settings()) as service:
        return Workflow(service).status(ME, trip_id)


def trip_at_a_step(env: AppEnv) -> tuple[int, int]:
    """A demo trip whose workflow is at a step with at least two checklist items unticked, and that step."""
    with TravelService.open(env.settings()) as service:
        wf = Workflow(service)
        for trip in service.list_trips(ME, limit=500):
            assert trip.id is not None
            status = wf.status(ME, trip.id)
            current = next((sp for sp in status.steps if sp.status == "current"), None)
            if current is not None and len(current.unticked) >= 2 and current.step.number != 8:
                return trip.id, current.step.number
    raise AssertionError("the demo has no trip at a step with unticked items")


def plan_for(trip_id: int) -> AppTest:
    at = open_page("plan")
    at.selectbox(key=state.PLAN_TRIP).set_value(trip_id).run()
    assert problems(at) == []
    return at


def tick_key(trip_id: int, step: int, index: int) -> str:
    return f"{state.PLAN_TICK_PREFIX}{trip_id}.{step}.{index}"


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key=state.PLAN_CHAT_INPUT).set_value(question).run()
    return at


def everything(at: AppTest) -> str:
    return "\n".join([*texts(at.markdown), *texts(at.caption), *texts(at.info), *texts(at.success)])


def test_the_tracker_shows_the_three_phases_and_the_current_step(demo_env: AppEnv) -> None:
    trip_id, step = trip_at_a_step(demo_env)
    at = plan_for(trip_id)

    shown = everything(at)
    for phase in ("Discovery", "Research", "Quality & delivery"):
        assert f"**{phase}**" in shown
    assert f"Step {step}: {STEPS[step - 1].title}" in texts(at.subheader)
    assert any("% complete" in str(p.proto.text) for p in at.get("progress"))
    assert len(
        [c for c in at.checkbox if c.key and c.key.startswith(tick_key(trip_id, step, 0)[:-1])]
    ) == len(STEPS[step - 1].checklist)


def test_ticking_a_checklist_item_is_saved_in_the_workflow(demo_env: AppEnv) -> None:
    trip_id, step = trip_at_a_step(demo_env)
    item = STEPS[step - 1].checklist.index(status_of(demo_env, trip_id).steps[step - 1].unticked[0])
    at = plan_for(trip_id)

    at.checkbox(key=tick_key(trip_id, step, item)).check().run()

    assert problems(at) == []
    assert STEPS[step - 1].checklist[item] in status_of(demo_env, trip_id).steps[step - 1].ticked


def test_a_tick_whose_callback_never_ran_is_saved_by_the_next_run(demo_env: AppEnv) -> None:
    """Streamlit drops a widget's callback when the person's next click arrives while callbacks run; the box
    then holds the tick and the store does not. Here the box's value is set without its callback (through
    session state, as that lost callback leaves it): the page's run saves it and says so."""
    trip_id, step = trip_at_a_step(demo_env)
    item = STEPS[step - 1].checklist.index(status_of(demo_env, trip_id).steps[step - 1].unticked[0])
    at = plan_for(trip_id)

    at.session_state[tick_key(trip_id, step, item)] = True
    at.run()

    assert problems(at) == []
    assert STEPS[step - 1].checklist[item] in status_of(demo_env, trip_id).steps[step - 1].ticked
    assert at.checkbox(key=tick_key(trip_id, step, item)).value
    assert any(f"Ticked '{STEPS[step - 1].checklist[item]}'" in t for t in texts(at.success))


def test_a_box_the_store_changed_elsewhere_is_drawn_from_the_store(demo_env: AppEnv) -> None:
    trip_id, step = trip_at_a_step(demo_env)
    item = STEPS[step - 1].checklist.index(status_of(demo_env, trip_id).steps[step - 1].unticked[0])
    at = plan_for(trip_id)
    assert not at.checkbox(key=tick_key(trip_id, step, item)).value

    with TravelService.open(demo_env.settings()) as service:  # another agent ticks it
        Workflow(service).tick(ME, trip_id, step, item)
    at.run()

    assert problems(at) == []
    assert at.checkbox(key=tick_key(trip_id, step, item)).value
    at.checkbox(key=tick_key(trip_id, step, item)).uncheck().run()  # and the box still works both ways
    assert STEPS[step - 1].checklist[item] not in status_of(demo_env, trip_id).steps[step - 1].ticked


def test_mark_step_done_refuses_naming_the_unticked_items_then_advances_with_force(demo_env: AppEnv) -> None:
    trip_id, step = trip_at_a_step(demo_env)
    unticked = status_of(demo_env, trip_id).steps[step - 1].unticked
    at = plan_for(trip_id)

    at.button(key=state.PLAN_DONE).click().run()

    [refusal] = texts(at.error)
    assert f"Step {step}" in refusal and all(f"'{item}'" in refusal for item in unticked)
    assert status_of(demo_env, trip_id).current_step == step

    at.checkbox(key=state.PLAN_FORCE).check()
    at.button(key=state.PLAN_DONE).click().run()

    assert problems(at) == []
    after = status_of(demo_env, trip_id)
    assert after.steps[step - 1].status == "done" and after.current_step != step
    assert any(f"Step {step} done" in t for t in texts(at.success))


def test_mark_step_done_advances_once_every_item_is_ticked(demo_env: AppEnv) -> None:
    trip_id, step = trip_at_a_step(demo_env)
    at = plan_for(trip_id)
    for i, _ in enumerate(STEPS[step - 1].checklist):
        checkbox = at.checkbox(key=tick_key(trip_id, step, i))
        if not checkbox.value:
            checkbox.check().run()

    at.button(key=state.PLAN_DONE).click().run()

    assert problems(at) == []
    assert status_of(demo_env, trip_id).steps[step - 1].status == "done"
    assert f"Step {step + 1}: {STEPS[step].title}" in texts(at.subheader)


def test_the_assistant_answers_offline_and_says_which_model_why_and_what_it_cost(demo_env: AppEnv) -> None:
    trip_id, step = trip_at_a_step(demo_env)
    at = ask(plan_for(trip_id), "What should I ask the client next?")

    assert problems(at) == []
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    shown = everything(at)
    assert "offline drafter · no AI model" in shown  # the badge
    [meta] = [t for t in texts(at.caption) if t.startswith("Model: ")]
    assert "offline/drafter" in meta and "cost $0.00" in meta
    assert re.search(r"\d[\d,.]* (ms|s)\b", meta), meta  # the latency (in s past 10 s, on a loaded machine)
    [why] = [t for t in texts(at.caption) if t.startswith("Why this model: ")]
    assert "offline/drafter" in why  # the routing decision's reason
    assert not any("Left out tools" in t for t in texts(at.caption))  # no servers: no tools, no noise
    [reply] = at.session_state[state.PLAN_CHAT][(trip_id, step)]
    assert reply.run.offline and reply.run.workflow_step == step
    assert any("No MCP servers are configured" in t for t in texts(at.info))
    # a suggestion card: nothing is ticked until Apply
    assert any(b.label == "Apply" for b in at.button)


def test_applying_a_suggestion_ticks_the_item_and_discarding_writes_nothing(demo_env: AppEnv) -> None:
    trip_id, step = trip_at_a_step(demo_env)
    before = status_of(demo_env, trip_id).steps[step - 1].ticked
    at = ask(plan_for(trip_id), "Which checklist item should we finish first?")
    [apply_button] = [b for b in at.button if b.label == "Apply"][:1]
    assert status_of(demo_env, trip_id).steps[step - 1].ticked == before

    apply_button.click().run()

    assert problems(at) == []
    after = status_of(demo_env, trip_id).steps[step - 1].ticked
    [new] = [t for t in after if t not in before]
    assert at.checkbox(key=tick_key(trip_id, step, STEPS[step - 1].checklist.index(new))).value  # redrawn
    assert any("Suggestion applied" in t for t in texts(at.caption))


def feedback_rows(env: AppEnv) -> list[dict[str, Any]]:
    rows = Warehouse.from_settings(env.settings()).query(
        "SELECT request_id, score, user_id FROM quality_feedback"
    )
    return rows.to_dict("records")


@pytest.mark.parametrize(("thumb", "score"), [("👍", 1.0), ("👎", 0.0)])
def test_rating_a_reply_stores_its_score_for_the_last_model_call(
    demo_env: AppEnv, thumb: str, score: float
) -> None:
    trip_id, step = trip_at_a_step(demo_env)
    at = ask(plan_for(trip_id), "Summarise where we are.")
    [reply] = at.session_state[state.PLAN_CHAT][(trip_id, step)]
    before = feedback_rows(demo_env)

    button(at, thumb).click().run()

    assert problems(at) == []
    [row] = [r for r in feedback_rows(demo_env) if r not in before]
    assert row == {
        "request_id": reply.run.model_calls[-1].request_id,
        "score": score,
        "user_id": str(ME.user_id),
    }
    assert any(f"You rated this reply {thumb}" in t for t in texts(at.caption))


def test_a_new_trip_is_created_with_its_workflow_started_on_an_empty_data_folder(empty_env: AppEnv) -> None:
    at = open_page("plan")
    assert any("No trips yet" in t for t in texts(at.info))
    at.text_input(key=state.PLAN_NEW_PREFIX + "name").input("Lisbon in May")
    at.text_input(key=state.PLAN_NEW_PREFIX + "destinations").input("Lisbon, Porto")
    button(at, "Create trip and start planning").click().run()

    assert problems(at) == []
    with TravelService.open(empty_env.settings()) as service:
        [trip] = service.list_trips(ME)
        assert (trip.name, trip.destinations) == ("Lisbon in May", ["Lisbon", "Porto"])
        assert trip.id is not None
        assert Workflow(service).status(ME, trip.id).current_step == 1
    assert f"Step 1: {STEPS[0].title}" in texts(at.subheader)
