"""`travelops items add|update|move|duplicate|remove`: one success and bad inputs (exit 2 naming the option)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from core.cli import app
from core.config import load_settings
from core.security import Principal
from core.travel import TravelService

ENV_OVERRIDES = ("TRAVELOPS_DATA_DIR", "TRAVELOPS_SECRET_KEY", "TRAVELOPS_CONFIG")


@dataclass(frozen=True)
class Home:
    path: Path
    trip_id: int
    undated_id: int

    def service(self) -> TravelService:
        return TravelService.open(load_settings(self.path / "travelops.yml", environ={}))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    """A fresh agency with a four-day trip (2027-05-02 .. 05) that has no days yet, two tiers, and a trip
    without dates."""
    for key in ENV_OVERRIDES:
        monkeypatch.delenv(key, raising=False)
    (tmp_path / "travelops.yml").write_text("data_dir: ./data\n", encoding="utf-8")
    me = Principal.default_admin()
    with TravelService.open(load_settings(tmp_path / "travelops.yml", environ={})) as svc:
        trip = svc.create_trip(
            me, name="Lisbon", start_date="2027-05-02", end_date="2027-05-05", currency="EUR"
        )
        undated = svc.create_trip(me, name="Someday")
        assert trip.id and undated.id
        svc.add_option(me, trip.id, tier=1)
        svc.add_option(me, trip.id, tier=2)
    return Home(tmp_path, trip.id, undated.id)


def cli(home: Home, *args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(app, ["--config", str(home.path / "travelops.yml"), *args])
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def add_flight(home: Home, *more: str) -> dict[str, Any]:
    out = cli(
        home,
        "items", "add", str(home.trip_id), "--kind", "flight", "--title", "TP 202 JFK → LIS", "--day", "1",
        "--start", "22:30", "--end", "10:45", "--end-day", "1", "--tz", "America/New_York",
        "--end-tz", "Europe/Lisbon", "--cost", "1200", "--sell", "1350.50", "--confirmation", "ABC123",
        "--carrier", "TAP", "--number", "TP 202", "--from", "JFK", "--to", "LIS", *more, "--json",
    )  # fmt: skip
    return json.loads(out.stdout)


def test_items_add_puts_a_priced_flight_with_details_on_day_one(home: Home) -> None:
    item = add_flight(home)
    assert item["start_local"] == "2027-05-02T22:30:00" and item["end_local"] == "2027-05-03T10:45:00"
    assert (item["start_tz"], item["end_tz"]) == ("America/New_York", "Europe/Lisbon")
    assert (item["cost_cents"], item["sell_cents"], item["currency"]) == (120_000, 135_050, "EUR")
    assert item["confirmation_numbers"] == ["ABC123"]
    assert item["details"]["number"] == "TP 202" and item["details"]["from_code"] == "JFK"
    text = cli(
        home, "items", "add", str(home.trip_id), "--kind", "hotel", "--title", "Avenida Palace",
        "--date", "2027-05-03", "--start", "15:00", "--end", "11:00", "--end-day", "2", "--tz", "Europe/Lisbon",
        "--room", "Deluxe double", "--option", "signature",
    ).stdout  # fmt: skip
    assert "Added item" in text and "'Avenida Palace' on day 2 (2027-05-03) at 15:00 Europe/Lisbon" in text
    with home.service() as svc:
        me = Principal.default_admin()
        [hotel] = [i for i in svc.list_items(me, home.trip_id) if i.kind == "hotel"]
        assert hotel.day_id is not None
        day = svc.get_day(me, hotel.day_id)
        assert day.option_id == next(o.id for o in svc.list_options(me, home.trip_id) if o.tier == 2)


@pytest.mark.parametrize(
    ("args", "message", "fix"),
    [
        (["--day", "1", "--start", "25:00"], "--start '25:00' is not a time HH:MM", "Fix --start"),
        (["--day", "0"], "--day 0 is not a day of this trip: it has days 1 to 4", "Fix --day"),
        (["--day", "1", "--date", "2027-05-02"], "both --day and --date are given", "Fix --day N"),
        ([], "neither --day nor --date is given", "Fix --day N"),
        (["--day", "1", "--option", "Gold"], "--option 'Gold' is not an option", "Fix --option"),
        (["--day", "1", "--room", "Suite"], "--room does not apply to a flight item", "Fix --room"),
        (["--day", "1", "--sell", "-5"], "--sell -5 is negative", "Fix --sell"),
        (["--day", "1", "--tz", "Mars/Olympus"], "start_tz", "Fix --tz"),
        (["--date", "2027-06-01"], "--date 2027-06-01 is outside the trip", "Fix --date"),
    ],
)
def test_items_add_refuses_bad_input_naming_the_option_to_fix(
    home: Home, args: list[str], message: str, fix: str
) -> None:
    result = cli(home, "items", "add", str(home.trip_id), "--kind", "flight", "--title", "X", *args, code=2)
    assert message in result.stderr and fix in result.stderr
    with home.service() as svc:
        assert svc.list_items(Principal.default_admin(), home.trip_id) == []


def test_items_add_on_a_trip_without_dates_says_to_set_them(home: Home) -> None:
    result = cli(
        home, "items", "add", str(home.undated_id), "--kind", "note", "--title", "X", "--day", "1", code=2
    )
    assert "has no dates" in result.stderr and f"travelops trips update {home.undated_id}" in result.stderr


def test_items_update_changes_only_what_is_given_and_refuses_a_bad_time(home: Home) -> None:
    item = add_flight(home)
    out = json.loads(
        cli(
            home, "items", "update", str(item["id"]), "--start", "21:00", "--status", "booked", "--json"
        ).stdout
    )
    assert out["start_local"] == "2027-05-02T21:00:00" and out["status"] == "booked"
    assert out["end_local"] == item["end_local"] and out["details"]["carrier"] == "TAP"
    bad = cli(home, "items", "update", str(item["id"]), "--end", "9h", code=2)
    assert "--end '9h' is not a time HH:MM" in bad.stderr and "Fix --end" in bad.stderr
    wrong = cli(home, "items", "update", str(item["id"]), "--meeting-point", "Lobby", code=2)
    assert "--meeting-point does not apply to a flight item" in wrong.stderr


def test_items_move_redates_the_item_keeping_its_local_time(home: Home) -> None:
    item = add_flight(home)
    out = json.loads(cli(home, "items", "move", str(item["id"]), "--day", "3", "--json").stdout)
    assert out["start_local"] == "2027-05-04T22:30:00" and out["end_local"] == "2027-05-05T10:45:00"
    bad = cli(home, "items", "move", str(item["id"]), "--day", "9", code=2)
    assert "--day 9 is not a day of this trip" in bad.stderr and "Fix --day" in bad.stderr


def test_items_duplicate_copies_to_another_day_without_the_confirmation(home: Home) -> None:
    item = add_flight(home)
    out = json.loads(cli(home, "items", "duplicate", str(item["id"]), "--day", "2", "--json").stdout)
    assert out["id"] != item["id"] and out["start_local"] == "2027-05-03T22:30:00"
    assert out["confirmation_numbers"] == [] and out["status"] == "proposed"
    bad = cli(home, "items", "duplicate", str(item["id"]), "--day", "0", code=2)
    assert "Fix --day" in bad.stderr


def test_items_remove_deletes_and_an_unknown_id_exits_1(home: Home) -> None:
    item = add_flight(home)
    assert f"Removed item {item['id']}" in cli(home, "items", "remove", str(item["id"])).stdout
    missing = cli(home, "items", "remove", str(item["id"]), code=1)
    assert "Error: No item" in missing.stderr
