"""`travelops clients|trips|search|workflow` on a seeded store: text, JSON, exit codes and messages.

The store is the sample agency (the same builder as the demo seed), written once per module into a template
directory with its own config file (``data_dir: ./data``) and copied for each test. Commands run in memory
through typer's CliRunner on ``core.cli.app``; one test crosses the process boundary with
``python -m core.cli``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from travel_helpers import ANCHOR
from typer.testing import CliRunner

from core.cli import app
from core.config import load_settings
from core.security import Principal
from core.travel import TravelService
from core.travel.fixtures import build_sample_agency

REPO = Path(__file__).parents[3]
ENV_OVERRIDES = ("TRAVELOPS_DATA_DIR", "TRAVELOPS_SECRET_KEY", "TRAVELOPS_CONFIG")
CLIENTS = 12  # 18 trips: every status, several workflow steps


def _settings(home: Path) -> Any:
    return load_settings(home / "travelops.yml", environ={})


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("agency")
    (home / "travelops.yml").write_text("data_dir: ./data\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        for key in ENV_OVERRIDES:
            mp.delenv(key, raising=False)
        with TravelService.open(_settings(home)) as svc:
            build_sample_agency(
                svc, Principal.default_admin(), clients=CLIENTS, agents=3, seed=1, anchor=ANCHOR
            )
    yield home


@pytest.fixture
def home(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the seeded agency: a directory with travelops.yml and data/."""
    for key in ENV_OVERRIDES:
        monkeypatch.delenv(key, raising=False)
    target = tmp_path / "agency"
    shutil.copytree(template, target)
    return target


def cli(home: Path, *args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(app, ["--config", str(home / "travelops.yml"), *args])
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def cli_json(home: Path, *args: str) -> Any:
    return json.loads(cli(home, *args, "--json").stdout)


def open_store(home: Path) -> TravelService:
    return TravelService.open(_settings(home))


# ---------------------------------------------------------------------------------------------------- process
def test_a_real_process_reads_the_config_file_lists_clients_as_json_and_reports_errors_without_traceback(
    template: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ENV_OVERRIDES} | {
        "LITELLM_LOCAL_MODEL_COST_MAP": "True"
    }
    base = [sys.executable, "-m", "core.cli", "--config", str(template / "travelops.yml")]
    ok = subprocess.run(
        [*base, "clients", "list", "--json"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert ok.returncode == 0, ok.stderr
    clients = json.loads(ok.stdout)
    assert len(clients) == CLIENTS and all(c["travelers"] >= 1 and c["trips"] >= 1 for c in clients)
    missing = subprocess.run(
        [*base, "trips", "show", "9999"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 1
    assert missing.stderr.startswith("Error: No trip 9999") and "Traceback" not in missing.stderr


# ---------------------------------------------------------------------------------------------------- clients
def test_clients_list_prints_aligned_columns_sorted_by_name_and_searches(home: Path) -> None:
    lines = cli(home, "clients", "list").stdout.splitlines()
    header, rows, footer = lines[0], lines[1:-1], lines[-1]
    assert header.split() == ["id", "name", "email", "phone", "travelers", "trips", "tags"]
    assert len(rows) == CLIENTS and footer == f"{CLIENTS} client(s)."
    email_at = header.index("email")
    assert all("@" in row[email_at : email_at + 40].split()[0] for row in rows)  # columns line up
    names = [c["name"] for c in cli_json(home, "clients", "list")]
    assert names == sorted(names, key=str.casefold)

    first = names[0]
    found = cli_json(home, "clients", "list", "--search", first)
    assert found[0]["name"] == first
    assert len(cli_json(home, "clients", "list", "--limit", "3")) == 3
    assert "No clients match" in cli(home, "clients", "list", "--search", "zzzqqq").stdout


def test_clients_show_lists_travelers_with_masked_documents_trip_history_and_lifetime_value(
    home: Path,
) -> None:
    listed = cli_json(home, "trips", "list", "--status", "completed")
    client_id = listed[0]["client_id"]
    with open_store(home) as svc:
        clear = [
            d.number.get_secret_value()
            for t in svc.list_travelers(Principal.default_admin(), client_id)
            for d in t.documents
        ]
    assert clear

    text = cli(home, "clients", "show", str(client_id)).stdout
    assert text.startswith(f"Client {client_id}: ")
    for part in ("Travelers (", "preferences", "passport", "Trips (", "lifetime value"):
        assert part in text
    assert all(number not in text for number in clear)
    assert all(f"••••{number[-4:]}" in text for number in clear)

    data = cli_json(home, "clients", "show", str(client_id))
    assert data["client"]["id"] == client_id
    docs = [d for t in data["travelers"] for d in t["documents"]]
    assert docs and all(d["number"].startswith("••••") for d in docs)
    assert all(number not in json.dumps(data, ensure_ascii=False) for number in clear)
    booked = [t for t in data["trips"] if t["status"] in ("confirmed", "in_progress", "completed")]
    value = {v["currency"]: v["cents"] for v in data["lifetime_value"]}
    for currency in {t["currency"] for t in booked}:
        assert value[currency] == sum(t["client_total_cents"] for t in booked if t["currency"] == currency)


def test_clients_show_of_an_unknown_id_is_an_error_naming_it(home: Path) -> None:
    result = cli(home, "clients", "show", "4242", code=1)
    assert result.stderr.startswith("Error: No client 4242") and result.stdout == ""


def test_clients_add_with_an_invalid_email_exits_2_naming_the_field_then_a_valid_one_is_created(
    home: Path,
) -> None:
    bad = cli(home, "clients", "add", "--name", "Rita Lobo", "--email", "rita-at-example", code=2)
    assert bad.stderr.startswith("Error: Invalid client: email = 'rita-at-example'")
    assert "--email" in bad.stderr and "name@example.com" in bad.stderr
    assert not cli_json(home, "clients", "list", "--search", "Rita Lobo")

    ok = cli(
        home,
        "clients",
        "add",
        "--name",
        "Rita Lobo",
        "--email",
        "rita.lobo@example.com",
        "--phone",
        "+351 911 222 333",
    )
    assert ok.stdout.startswith("Created client ") and "Rita Lobo <rita.lobo@example.com>" in ok.stdout
    [created] = cli_json(home, "clients", "list", "--search", "Rita Lobo")
    assert (created["email"], created["phone"]) == ("rita.lobo@example.com", "+351 911 222 333")


def test_clients_add_that_looks_like_an_existing_client_warns_why_and_needs_force(home: Path) -> None:
    existing = cli_json(home, "clients", "list")[0]
    before = len(cli_json(home, "clients", "list"))

    refused = cli(home, "clients", "add", "--name", existing["name"], "--email", existing["email"], code=3)
    assert f"Warning: {existing['name']!r} looks like 1 existing client(s)" in refused.stderr
    assert f"same email ({existing['email']})" in refused.stderr and "--force" in refused.stderr
    assert len(cli_json(home, "clients", "list")) == before

    as_json = cli(
        home, "clients", "add", "--name", existing["name"], "--email", existing["email"], "--json", code=3
    )
    data = json.loads(as_json.stdout)
    assert data["created"] is False and data["duplicates"][0]["id"] == existing["id"]

    forced = cli_json(
        home, "clients", "add", "--name", existing["name"], "--email", existing["email"], "--force"
    )
    assert (
        forced["created"] is True
        and forced["forced"] is True
        and forced["duplicates"][0]["id"] == existing["id"]
    )
    assert len(cli_json(home, "clients", "list")) == before + 1


# ---------------------------------------------------------------------------------------------------- trips
def test_trips_list_filters_by_status_and_client_in_text_and_json(home: Path) -> None:
    everything = cli_json(home, "trips", "list")
    assert len(everything) == round(CLIENTS * 1.5)
    assert {t["status"] for t in everything} == {
        "planning",
        "confirmed",
        "in_progress",
        "completed",
        "cancelled",
    }
    starts = [t["start_date"] for t in everything]
    assert starts == sorted(starts)

    confirmed = cli_json(home, "trips", "list", "--status", "confirmed")
    assert confirmed and all(t["status"] == "confirmed" for t in confirmed)
    assert all(t["client_name"] and t["agent_name"] and t["client_total_cents"] > 0 for t in confirmed)
    in_progress = cli_json(home, "trips", "list", "--status", "in-progress")
    assert in_progress and all(t["status"] == "in_progress" for t in in_progress)

    client_id = everything[0]["client_id"]
    mine = cli_json(home, "trips", "list", "--client", str(client_id))
    assert mine and {t["client_id"] for t in mine} == {client_id}

    text = cli(home, "trips", "list", "--status", "confirmed").stdout.splitlines()
    assert text[0].split() == ["id", "trip", "status", "dates", "client", "agent", "step", "total"]
    assert len(text) == len(confirmed) + 2 and text[-1] == f"{len(confirmed)} trip(s)."
    totals_end = {len(line) for line in text[1:-1]}
    assert len(totals_end) == 1  # the total column is right-aligned: every row ends at the same place


def test_trips_list_rejects_an_unknown_status_listing_the_valid_ones_and_an_unknown_client(
    home: Path,
) -> None:
    bad = cli(home, "trips", "list", "--status", "booked", code=2)
    assert "--status 'booked' is not a trip status" in bad.stderr
    assert "planning, confirmed, in_progress, completed, cancelled" in bad.stderr
    assert cli(home, "trips", "list", "--client", "4242", code=1).stderr.startswith("Error: No client 4242")


def test_trips_show_prints_days_items_totals_and_the_checks_flags(home: Path) -> None:
    with open_store(home) as svc:
        me = Principal.default_admin()
        trips = svc.list_trips(me)
        flagged = next(t for t in trips if t.id and svc.check_trip(me, t.id))
        flags = svc.check_trip(me, flagged.id or 0)
    assert flagged.id

    text = cli(home, "trips", "show", str(flagged.id)).stdout
    assert text.startswith(f"Trip {flagged.id}: {flagged.name} ({flagged.status})")
    for part in (
        "Itinerary (local times)",
        "Day 1 · ",
        "flight",
        "hotel",
        "Totals",
        "client total",
        "balance due",
    ):
        assert part in text
    assert f"Checks ({len(flags)} flag(s))" in text and flags[0].code in text

    data = cli_json(home, "trips", "show", str(flagged.id))
    assert data["trip"]["id"] == flagged.id and data["days"] and data["days"][0]["items"]
    assert data["totals"]["sell_cents"] > 0 and {f["code"] for f in data["flags"]} == {f.code for f in flags}
    assert data["workflow"]["started"] in (True, False)


def test_trips_show_of_an_unknown_id_is_a_clear_error(home: Path) -> None:
    result = cli(home, "trips", "show", "9999", code=1)
    assert result.stderr.startswith("Error: No trip 9999 in your agency.") and result.stdout == ""
    assert cli(home, "trips", "show", "nine", code=2).exit_code == 2  # not a number: typer's usage error


# ---------------------------------------------------------------------------------------------------- search
def test_search_with_a_typo_finds_the_trip_ranked_and_says_why(home: Path) -> None:
    trips = cli_json(home, "trips", "list")
    trip = next(t for t in trips if len(t["destinations"][0]) >= 6)
    city = trip["destinations"][0]
    typo = city[:3] + city[4:]  # one letter dropped: "Reykjavik" -> "Reyjavik"

    hits = cli_json(home, "search", typo)
    trip_hits = [h for h in hits if h["kind"] == "trip"]
    assert trip["id"] in {h["id"] for h in trip_hits}
    assert all("typo" in h["matched"] for h in trip_hits)
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)

    text = cli(home, "search", typo, "--limit", "5").stdout.splitlines()
    assert text[0].split() == ["#", "kind", "id", "title", "matched", "score", "see"]
    assert len(text) <= 6 and "travelops trips show" in text[1]
    assert "Nothing matches" in cli(home, "search", "qqqxxxzzz").stdout


# ---------------------------------------------------------------------------------------------------- workflow
def _trip_at_a_step(home: Path) -> dict[str, Any]:
    for trip in cli_json(home, "trips", "list", "--status", "planning"):
        status = cli_json(home, "workflow", "status", str(trip["id"]))
        if status["current_step"] in range(2, 12) and status["current_step"] != 8:  # 8 ticks its first item
            return status
    raise AssertionError("the sample agency has no planning trip in the middle of its workflow")


def test_workflow_status_groups_the_twelve_steps_by_phase_with_the_current_checklist(home: Path) -> None:
    status = _trip_at_a_step(home)
    assert [p["phase"] for p in status["phases"]] == ["Discovery", "Research", "Quality & delivery"]
    steps = [s for p in status["phases"] for s in p["steps"]]
    assert [s["number"] for s in steps] == list(range(1, 13))
    assert [s["number"] for s in steps if s["status"] == "current"] == [status["current_step"]]
    assert all(s["status"] == "done" for s in steps if s["number"] < status["current_step"])
    assert 0 < status["percent"] < 100

    text = cli(home, "workflow", "status", str(status["trip_id"])).stdout
    current = steps[status["current_step"] - 1]
    assert f"step {current['number']} of 12, '{current['title']}'" in text
    assert f"{status['percent']:.0f}% done" in text
    for phase in ("Discovery (", "Research (", "Quality & delivery ("):
        assert phase in text
    assert all(f"[ ] {item}" in text for item in current["unticked"])


def test_workflow_advance_refuses_naming_the_unticked_items_then_force_moves_on(home: Path) -> None:
    status = _trip_at_a_step(home)
    trip_id, step = str(status["trip_id"]), status["current_step"]
    unticked = next(s for p in status["phases"] for s in p["steps"] if s["number"] == step)["unticked"]
    assert unticked

    refused = cli(home, "workflow", "advance", trip_id, code=1)
    assert refused.stderr.startswith(f"Error: Step {step} ")
    assert all(f"'{item}'" in refused.stderr for item in unticked)
    assert f"travelops workflow advance {trip_id} --force" in refused.stderr
    assert cli_json(home, "workflow", "status", trip_id)["current_step"] == step

    forced = cli(home, "workflow", "advance", trip_id, "--force").stdout
    assert forced.startswith(f"Finished step {step}, ") and f"forced past {len(unticked)} unticked" in forced
    after = cli_json(home, "workflow", "status", trip_id)
    assert after["current_step"] == step + 1 and after["percent"] > status["percent"]


def test_workflow_advance_starts_a_workflow_that_has_not_started(home: Path) -> None:
    with open_store(home) as svc:
        trip = svc.create_trip(
            Principal.default_admin(), name="Weekend in Porto", start_date="2027-04-02", end_date="2027-04-04"
        )
    assert trip.id
    before = cli(home, "workflow", "status", str(trip.id)).stdout
    assert f"not started. `travelops workflow advance {trip.id}` starts it at step 1" in before

    started = cli(home, "workflow", "advance", str(trip.id)).stdout
    assert started.startswith(f"Started the workflow of trip {trip.id} 'Weekend in Porto': now at step 1")
    assert cli_json(home, "workflow", "status", str(trip.id))["current_step"] == 1


# ---------------------------------------------------------------------------------------------------- shape
@pytest.mark.parametrize(
    "command",
    [
        ["clients", "list"],
        ["clients", "show"],
        ["clients", "add"],
        ["trips", "list"],
        ["trips", "show"],
        ["search"],
        ["workflow", "status"],
        ["workflow", "advance"],
    ],
)
def test_every_travel_command_is_registered_with_help(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.stdout
