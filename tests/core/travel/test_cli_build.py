"""`travelops trips create|update` and `travelops travelers add|update|remove|list`: one success and one bad
input each; bad input exits 2 naming the field and the option to fix, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from core.cli import app
from core.config import load_settings
from core.security import Principal
from core.travel import TravelService

ME = Principal.default_admin()
ENV_OVERRIDES = ("TRAVELOPS_DATA_DIR", "TRAVELOPS_SECRET_KEY", "TRAVELOPS_CONFIG")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An agency (default currency EUR) with one client, Ana Silva, and her traveler Ana."""
    for key in ENV_OVERRIDES:
        monkeypatch.delenv(key, raising=False)
    (tmp_path / "travelops.yml").write_text("data_dir: ./data\n", encoding="utf-8")
    with open_store(tmp_path) as svc:
        svc.update_agency(ME, default_currency="EUR")
        client = svc.create_client(ME, name="Ana & Rui Silva", email="ana@example.com")
        assert client.id == 1
        svc.add_traveler(ME, 1, first_name="Ana", last_name="Silva")
        other = svc.create_client(ME, name="Bea Costa", email="bea@example.com")
        assert other.id == 2
    return tmp_path


def open_store(home: Path) -> TravelService:
    return TravelService.open(load_settings(home / "travelops.yml", environ={}))


def cli(home: Path, *args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(app, ["--config", str(home / "travelops.yml"), *args])
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def cli_json(home: Path, *args: str) -> Any:
    return json.loads(cli(home, *args, "--json").stdout)


# ----------------------------------------------------------------------------------------------------- trips
def test_trips_create_sets_every_field_and_defaults_party_and_currency(home: Path) -> None:
    trip = cli_json(
        home, "trips", "create", "--client", "1", "--name", "Lisbon in May", "--start", "2027-05-01",
        "--end", "2027-05-05", "--budget", "8000", "--destinations", "Lisbon, Porto", "--lead-source",
        "referral", "--fee", "250", "--status", "confirmed", "--agent", "1", "--notes", "Anniversary",
    )  # fmt: skip

    assert trip["currency"] == "EUR"  # the agency's, not a silent USD
    assert trip["party"] == [1]  # the household's travelers
    assert (trip["start_date"], trip["end_date"]) == ("2027-05-01", "2027-05-05")
    assert (trip["budget_cents"], trip["planning_fee_cents"]) == (800_000, 25_000)
    assert trip["destinations"] == ["Lisbon", "Porto"]
    assert (trip["lead_source"], trip["status"], trip["agent_id"], trip["notes"]) == (
        "referral", "confirmed", 1, "Anniversary",
    )  # fmt: skip
    text = cli(home, "trips", "create", "--client", "1", "--name", "Porto", "--currency", "usd").stdout
    assert "Created trip 2: Porto (Ana & Rui Silva, (no dates), USD" in text


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--currency", "XYZ"], "--currency"),
        (["--start", "2027-05-05", "--end", "2027-05-01"], "--end"),
        (["--start", "5 May"], "--start"),
        (["--budget", "lots"], "--budget"),
        (["--party", "1,x"], "--party"),
        (["--status", "dreaming"], "--status"),
    ],
)
def test_trips_create_with_bad_input_exits_2_naming_the_option(
    home: Path, args: list[str], named: str
) -> None:
    result = cli(home, "trips", "create", "--client", "1", "--name", "Bad", *args, code=2)

    assert f"Fix {named}" in result.stderr
    assert "datetime.date(" not in result.stderr
    with open_store(home) as svc:
        assert svc.list_trips(ME) == []


def test_trips_update_changes_only_what_is_given_then_cancels_and_archives(home: Path) -> None:
    cli(home, "trips", "create", "--client", "1", "--name", "Kyoto", "--budget", "5000")

    trip = cli_json(home, "trips", "update", "1", "--end", "2027-04-10", "--party", "")
    assert (trip["end_date"], trip["party"], trip["budget_cents"]) == ("2027-04-10", [], 500_000)
    cancelled = cli_json(home, "trips", "update", "1", "--cancel", "--reason", "fell ill")
    assert cancelled["status"] == "cancelled"
    cli(home, "trips", "update", "1", "--archive")

    with open_store(home) as svc:
        assert svc.get_trip(ME, 1).archived
        assert any("fell ill" in e.summary for e in svc.recent_activity(ME, trip_id=1))


def test_trips_update_with_bad_input_exits_2_naming_the_option(home: Path) -> None:
    cli(home, "trips", "create", "--client", "1", "--name", "Kyoto", "--start", "2027-04-01")

    result = cli(home, "trips", "update", "1", "--end", "2027-03-01", code=2)
    assert "Fix --end" in result.stderr
    assert "Nothing to change" in cli(home, "trips", "update", "1", code=2).stderr


def test_trips_update_accept_option_marks_the_clients_tier_and_archives_the_others(home: Path) -> None:
    trip = cli_json(home, "trips", "create", "--client", "1", "--name", "Porto", "--start", "2027-06-01")
    with open_store(home) as svc:
        svc.ensure_tiers(ME, trip["id"])
    cli(home, "trips", "update", str(trip["id"]), "--accept-option", " signature ")
    with open_store(home) as svc:
        assert {o.label: o.status for o in svc.list_options(ME, trip["id"])} == {
            "Essential": "archived",
            "Signature": "accepted",
            "Ultimate": "archived",
        }
    bad = cli(home, "trips", "update", str(trip["id"]), "--accept-option", "Platinum", code=2)
    assert "no option named 'Platinum'" in bad.output and "'Essential', 'Signature', 'Ultimate'" in bad.output


# ------------------------------------------------------------------------------------------------- travelers
def test_travelers_add_splits_the_legal_name_and_keeps_the_passport_masked(home: Path) -> None:
    result = cli(
        home, "travelers", "add", "1", "--name", "Rui Pedro Silva", "--dob", "1980-02-29", "--email",
        "rui@example.com", "--seat", "window", "--meal", "vegetarian", "--passport", "P1234567",
        "--passport-country", "pt", "--passport-expiry", "2031-01-31",
    )  # fmt: skip

    assert "Added traveler 2: Rui Pedro Silva, passport ••••4567 (PT)." in result.stdout
    assert "P1234567" not in result.stdout
    with open_store(home) as svc:
        rui = svc.get_traveler(ME, 2)
        assert (rui.first_name, rui.last_name) == ("Rui Pedro", "Silva")
        assert (rui.preferences.seat, rui.preferences.meal) == ("window", "vegetarian")
        assert svc.reveal_document_number(ME, 2) == "P1234567"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--passport", "P1234567"], "--passport-country"),
        (["--dob", "29/02/1980"], "--dob"),
        (["--dob", "2999-01-01"], "--dob"),
        (["--seat", "floor"], "--seat"),
        (["--passport", "P1234567", "--passport-country", "XX"], "--passport-country"),
    ],
)
def test_travelers_add_with_bad_input_exits_2_naming_the_option(
    home: Path, args: list[str], named: str
) -> None:
    result = cli(home, "travelers", "add", "1", "--name", "Rui Silva", *args, code=2)

    assert f"Fix {named}" in result.stderr
    with open_store(home) as svc:
        assert len(svc.list_travelers(ME, 1)) == 1


def test_travelers_add_with_another_clients_email_exits_3_unless_forced(home: Path) -> None:
    refused = cli(home, "travelers", "add", "1", "--name", "Bea Costa", "--email", "bea@example.com", code=3)
    assert "Bea Costa" in refused.stderr and "--force" in refused.stderr

    cli(home, "travelers", "add", "1", "--name", "Bea Costa", "--email", "bea@example.com", "--force")
    with open_store(home) as svc:
        assert len(svc.list_travelers(ME, 1)) == 2


def test_travelers_update_keeps_the_passport_number_when_only_the_expiry_changes(home: Path) -> None:
    cli(home, "travelers", "update", "1", "--passport", "X9876543", "--passport-country", "PT")

    traveler = cli_json(home, "travelers", "update", "1", "--passport-expiry", "2032-12-31", "--email",
                        "ana@example.com")  # fmt: skip

    assert traveler["documents"] == [
        {"kind": "passport", "number": "••••6543", "country": "PT", "expiry": "2032-12-31"}
    ]
    assert traveler["email"] == "ana@example.com"  # the household's own email is not a duplicate
    with open_store(home) as svc:
        assert svc.reveal_document_number(ME, 1) == "X9876543"


def test_travelers_update_with_bad_input_exits_2_naming_the_option(home: Path) -> None:
    assert "Fix --email" in cli(home, "travelers", "update", "1", "--email", "nope", code=2).stderr
    result = cli(home, "travelers", "update", "1", "--email", "bea@example.com", code=3)
    assert "looks like" in result.stderr


def test_travelers_remove_archives_and_list_shows_the_household(home: Path) -> None:
    cli(home, "travelers", "add", "1", "--name", "Rui Silva", "--passport", "P1234567", "--passport-country",
        "PT")  # fmt: skip
    listed = cli(home, "travelers", "list", "1").stdout
    assert "Rui Silva" in listed and "••••4567 (PT)" in listed

    assert "Removed traveler 2: Rui Silva" in cli(home, "travelers", "remove", "2").stdout
    assert [t["id"] for t in cli_json(home, "travelers", "list", "1")] == [1]


def test_travelers_remove_and_list_of_an_unknown_id_exit_1(home: Path) -> None:
    assert "No traveler 99" in cli(home, "travelers", "remove", "99", code=1).stderr
    assert "No client 99" in cli(home, "travelers", "list", "99", code=1).stderr


def test_the_hint_after_clients_add_names_a_real_command(home: Path) -> None:
    out = cli(home, "clients", "add", "--name", "Cy Dunn", "--email", "cy@example.com").stdout

    assert "`travelops travelers add 3 --name 'First Last'`" in out
    assert cli(home, "travelers", "add", "--help").exit_code == 0
