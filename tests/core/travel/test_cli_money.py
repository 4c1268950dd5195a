"""`travelops payments …` and `travelops tiers …` on the clean Lisbon trip: success, JSON, and exit 2 naming
the field and the option on bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from travel_helpers import CleanTrip
from typer.testing import CliRunner

from core.cli import app
from core.security import Principal
from core.travel import TravelService


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_trip: CleanTrip) -> Path:
    """A config whose data_dir is the folder of the ``service`` fixture's store (and its secret key)."""
    for key in ("TRAVELOPS_DATA_DIR", "TRAVELOPS_SECRET_KEY", "TRAVELOPS_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    path = tmp_path / "travelops.yml"
    path.write_text(f"data_dir: {tmp_path}\n", encoding="utf-8")
    return path


def cli(config: Path, *args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(app, ["--config", str(config), *args])
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert "Traceback" not in result.output
    return result


def test_payments_schedule_replaces_the_schedule_and_list_shows_it(
    config: Path, clean_trip: CleanTrip
) -> None:
    trip = str(clean_trip.trip_id)
    refused = cli(
        config,
        "payments",
        "schedule",
        trip,
        "--deposit",
        "500",
        "--deposit-due",
        "2027-02-01",
        "--final-due",
        "2027-04-01",
        code=2,
    )
    assert "already has 2 payment(s)" in refused.stderr and "Fix --replace" in refused.stderr

    out = json.loads(
        cli(
            config,
            "payments",
            "schedule",
            trip,
            "--deposit",
            "500",
            "--deposit-due",
            "2027-02-01",
            "--final-due",
            "2027-04-01",
            "--replace",
            "--json",
        ).stdout
    )
    assert [(p["kind"], p["amount_cents"]) for p in out["payments"]] == [
        ("deposit", 50_000),
        ("final", out["client_total_cents"] - 50_000),
    ]
    text = cli(config, "payments", "list", trip).stdout
    assert "deposit" in text and "EUR 500.00" in text and "Commission expected" in text


def test_payments_add_paid_and_remove(
    config: Path, clean_trip: CleanTrip, service: TravelService, admin: Principal
) -> None:
    added = json.loads(
        cli(
            config,
            "payments",
            "add",
            str(clean_trip.trip_id),
            "--amount",
            "120.50",
            "--due",
            "2027-04-10",
            "--kind",
            "other",
            "--description",
            "Extras",
            "--json",
        ).stdout
    )
    assert (added["amount_cents"], added["kind"], added["paid"]) == (12_050, "other", False)
    cli(config, "payments", "paid", str(added["id"]), "--on", "2027-04-09")
    assert service.get_payment(admin, added["id"]).paid_on is not None
    cli(config, "payments", "remove", str(added["id"]))
    assert len(service.list_payments(admin, clean_trip.trip_id)) == 2


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--amount", "-5", "--due", "2027-04-10"], "Fix --amount"),
        (["--amount", "12,x", "--due", "2027-04-10"], "Fix --amount"),
        (["--amount", "10", "--due", "10/04/2027"], "Fix --due"),
        (["--amount", "10", "--due", "2027-04-10", "--kind", "tip"], "Fix --kind"),
        (["--amount", "10", "--due", "2027-04-10", "--paid-on", "yesterday"], "Fix --paid-on"),
    ],
)
def test_payments_add_refuses_bad_input_naming_the_option(
    config: Path, clean_trip: CleanTrip, args: list[str], says: str
) -> None:
    result = cli(config, "payments", "add", str(clean_trip.trip_id), *args, code=2)
    assert says in result.stderr and "datetime" not in result.stderr


def test_a_deposit_above_the_total_names_the_deposit_option(config: Path, clean_trip: CleanTrip) -> None:
    result = cli(
        config,
        "payments",
        "schedule",
        str(clean_trip.trip_id),
        "--deposit",
        "999999",
        "--deposit-due",
        "2027-02-01",
        "--final-due",
        "2027-04-01",
        "--replace",
        code=2,
    )
    assert "Fix --deposit " in result.stderr


def test_tiers_ensure_copy_rename_fork_accept_and_remove(
    config: Path, clean_trip: CleanTrip, service: TravelService, admin: Principal
) -> None:
    trip = str(clean_trip.trip_id)
    options = json.loads(cli(config, "tiers", "ensure", trip, "--json").stdout)["options"]
    assert [o["label"] for o in options] == ["Essential", "Signature", "Ultimate"]
    ids = [str(o["id"]) for o in options]

    cli(config, "tiers", "fork", str(clean_trip.hotel), "--option", ids[2])
    service.update_item(admin, clean_trip.hotel, sell_cents=900_000)
    copied = json.loads(cli(config, "tiers", "copy", ids[2], "--label", "Honeymoon", "--json").stdout)
    assert [(o["tier"], o["label"]) for o in copied["options"]][-1] == (4, "Honeymoon")
    totals = {o["label"]: o["client_total_cents"] for o in copied["options"]}
    assert totals["Honeymoon"] == totals["Ultimate"] > totals["Signature"] == totals["Essential"]

    cli(config, "tiers", "rename", ids[0], "--label", "Smart")
    assert cli(config, "tiers", "rename", ids[0], "--label", " ", code=2).stderr.count("Fix --label") == 1
    cli(config, "tiers", "accept", ids[1])
    listed = cli(config, "tiers", "list", trip).stdout
    assert "Smart" in listed and "accepted" in listed and "archived" in listed
    assert "Fix --count" in cli(config, "tiers", "ensure", trip, "--count", "7", code=2).stderr
    assert (
        "Removed tier 4 'Honeymoon'"
        in cli(config, "tiers", "remove", str(copied["options"][-1]["id"])).stdout
    )
    assert cli(config, "tiers", "copy", "9999", code=1).stderr.startswith("Error: No itinerary option 9999")
