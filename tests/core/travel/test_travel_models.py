"""Every model rejects bad values with a message naming the field and the fix, through the services too."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from core.errors import ValidationError
from core.security import Principal
from core.travel import (
    CURRENCIES,
    Client,
    Item,
    RecordInvalid,
    Traveler,
    TravelService,
    Trip,
    format_money,
    parse_record,
    to_cents,
)


def problem(model: type, data: dict[str, Any]) -> RecordInvalid:
    with pytest.raises(RecordInvalid) as e:
        parse_record(model, data)
    return e.value


def test_an_end_date_before_the_start_date_is_rejected_naming_end_date() -> None:
    e = problem(Trip, {"name": "Lisbon", "start_date": "2027-05-10", "end_date": "2027-05-01"})
    assert set(e.problems) == {"end_date"}
    assert "end_date = '2027-05-01': must be on or after start_date (2027-05-10)" in str(e)


def test_an_unknown_currency_is_rejected_listing_the_accepted_codes() -> None:
    e = problem(Trip, {"name": "Lisbon", "currency": "XYZ"})
    assert "currency = 'XYZ': unknown currency code 'XYZ'" in str(e)
    assert "EUR" in str(e) and "USD" in str(e)


def test_currency_codes_are_upper_cased_before_checking() -> None:
    assert parse_record(Trip, {"name": "x", "currency": " eur "}).currency == "EUR"
    assert {"USD", "EUR", "GBP", "JPY"} <= CURRENCIES


@pytest.mark.parametrize("field", ["cost_cents", "sell_cents", "commission_cents"])
def test_a_negative_price_is_rejected_naming_the_field_and_the_cents_convention(field: str) -> None:
    e = problem(Item, {"trip_id": 1, "kind": "hotel", "title": "Hotel", field: -100})
    assert field in e.problems
    assert f"{field} = -100" in str(e) and "120.50 is 12050" in str(e)


def test_a_price_with_a_fractional_cent_is_rejected() -> None:
    e = problem(Item, {"trip_id": 1, "kind": "hotel", "title": "Hotel", "sell_cents": 120.5})
    assert "sell_cents = 120.5" in str(e)


def test_a_negative_planning_fee_or_budget_is_rejected() -> None:
    e = problem(Trip, {"name": "x", "planning_fee_cents": -1, "budget_cents": -5})
    assert set(e.problems) == {"planning_fee_cents", "budget_cents"}
    assert "2 problems" in str(e)


@pytest.mark.parametrize(
    "email", ["not-an-email", "ana@", "@example.com", "ana@example", "ana silva@example.com"]
)
def test_a_malformed_email_is_rejected_naming_email(email: str) -> None:
    e = problem(Client, {"name": "Ana", "email": email})
    assert set(e.problems) == {"email"}
    assert "is not a valid email address: write it as name@example.com" in str(e)


def test_an_email_domain_is_lower_cased_and_a_blank_email_is_none() -> None:
    assert (
        parse_record(Client, {"name": "Ana", "email": "Ana.Silva@Example.COM"}).email
        == "Ana.Silva@example.com"
    )
    assert parse_record(Client, {"name": "Ana", "email": "  "}).email is None


@pytest.mark.parametrize("value", ["2026-02-30", "2026-13-01", "31/12/2026", "yesterday"])
def test_an_impossible_date_is_rejected_naming_the_field(value: str) -> None:
    e = problem(Trip, {"name": "x", "start_date": value})
    assert set(e.problems) == {"start_date"}
    assert "write a real calendar date as YYYY-MM-DD" in str(e)


def test_a_birth_date_in_the_future_is_rejected() -> None:
    tomorrow = date.today() + timedelta(days=1)
    e = problem(Traveler, {"client_id": 1, "first_name": "A", "last_name": "B", "date_of_birth": tomorrow})
    assert "date_of_birth" in e.problems and "in the future" in str(e)


@pytest.mark.parametrize("field", ["start_tz", "end_tz"])
def test_an_unknown_time_zone_is_rejected_naming_the_field(field: str) -> None:
    e = problem(Item, {"trip_id": 1, "kind": "flight", "title": "TP 1", field: "Europe/Lisbn"})
    assert set(e.problems) == {field}
    assert "unknown time zone 'Europe/Lisbn': use an IANA name such as Europe/Lisbon" in str(e)


def test_a_local_time_with_an_offset_is_rejected_asking_for_wall_clock_time_and_a_zone() -> None:
    e = problem(
        Item, {"trip_id": 1, "kind": "flight", "title": "TP 1", "start_local": "2027-05-02T08:00+01:00"}
    )
    assert "start_local" in e.problems and "start_tz" in str(e)


def test_an_item_ending_before_it_starts_in_the_same_zone_is_rejected_but_not_across_zones() -> None:
    base = {"trip_id": 1, "kind": "flight", "title": "TP 1", "start_local": "2027-05-02T10:00"}
    e = problem(Item, base | {"start_tz": "Europe/Lisbon", "end_local": "2027-05-02T09:00"})
    assert set(e.problems) == {"end_local"}
    crossing = parse_record(
        Item,
        base | {"start_tz": "Europe/Lisbon", "end_local": "2027-05-02T09:00", "end_tz": "Atlantic/Azores"},
    )
    assert crossing.end_tz == "Atlantic/Azores"  # a check flags it later if it is really wrong


def test_the_end_zone_defaults_to_the_start_zone() -> None:
    item = parse_record(
        Item,
        {
            "trip_id": 1,
            "kind": "activity",
            "title": "Fado",
            "start_local": "2027-05-04T20:00",
            "start_tz": "Europe/Lisbon",
            "end_local": "2027-05-04T23:00",
        },
    )
    assert item.end_tz == "Europe/Lisbon"
    assert item.start_utc is not None and item.start_utc.hour == 19  # WEST is UTC+1


@pytest.mark.parametrize(("rate", "ok"), [(0, True), (0.12, True), (1, True), (12, False), (-0.1, False)])
def test_a_commission_rate_is_a_share_between_zero_and_one(rate: float, ok: bool) -> None:
    data = {"trip_id": 1, "kind": "hotel", "title": "Hotel", "commission_rate": rate}
    if ok:
        parse_record(Item, data)
    else:
        assert "commission_rate" in problem(Item, data).problems


def test_commission_is_expected_by_default_when_a_rate_is_given_and_computed_on_the_sell_price() -> None:
    item = parse_record(
        Item, {"trip_id": 1, "kind": "hotel", "title": "H", "sell_cents": 10_005, "commission_rate": 0.1}
    )
    assert item.commission_status == "expected"
    assert item.effective_commission_cents == 1001  # 1000.5 rounds half up
    explicit = item.model_copy(update={"commission_cents": 700})
    assert explicit.effective_commission_cents == 700


def test_latitude_without_longitude_is_rejected() -> None:
    e = problem(Item, {"trip_id": 1, "kind": "activity", "title": "x", "lat": 38.7})
    assert "lon" in e.problems and "both lat and lon" in str(e)


def test_an_unknown_country_on_a_travel_document_names_the_nested_field() -> None:
    e = problem(
        Traveler,
        {
            "client_id": 1,
            "first_name": "A",
            "last_name": "B",
            "documents": [{"number": "P1234567", "country": "XX"}],
        },
    )
    assert set(e.problems) == {"documents.0.country"}
    assert "P1234567" not in str(e)


def test_an_unknown_field_is_rejected_by_name() -> None:
    e = problem(Client, {"name": "Ana", "emial": "ana@example.com"})
    assert "emial = (unknown field)" in str(e) and "fix its spelling" in str(e)


def test_a_travel_document_number_is_secret_in_dumps_and_masked_in_json() -> None:
    t = parse_record(
        Traveler,
        {
            "client_id": 1,
            "first_name": "A",
            "last_name": "B",
            "documents": [{"number": "P1234567", "country": "pt"}],
        },
    )
    assert "P1234567" not in repr(t) and "P1234567" not in t.model_dump_json()
    assert '"number":"••••4567"' in t.model_dump_json()
    assert t.documents[0].masked == "••••4567" and t.documents[0].number.get_secret_value() == "P1234567"


def test_services_reject_bad_values_with_the_same_messages_and_write_nothing(
    service: TravelService, admin: Principal
) -> None:
    with pytest.raises(ValidationError, match="end_date = '2027-05-01'"):
        service.create_trip(admin, name="x", start_date="2027-05-10", end_date="2027-05-01")
    with pytest.raises(ValidationError, match="email = 'nope'"):
        service.create_client(admin, name="Ana", email="nope")
    assert service.list_trips(admin) == [] and service.list_clients(admin) == []


def test_services_refuse_fields_the_store_sets(service: TravelService, admin: Principal) -> None:
    with pytest.raises(RecordInvalid, match="created_at, id cannot be set by the caller"):
        service.create_client(admin, name="Ana", id=5, created_at="2026-01-01")


@pytest.mark.parametrize(
    ("amount", "cents"),
    [("120.50", 12050), (Decimal("0.005"), 1), (99, 9900), ("1,234.5", 123450), (0.1, 10)],
)
def test_to_cents_converts_decimal_amounts_half_up(amount: Any, cents: int) -> None:
    assert to_cents(amount) == cents


def test_to_cents_rejects_text_that_is_not_a_number() -> None:
    with pytest.raises(ValidationError, match="is not a number"):
        to_cents("12 euros")


def test_money_is_formatted_with_the_currency_code_and_thousands() -> None:
    assert format_money(123_450, "EUR") == "EUR 1,234.50"
    assert format_money(-5, "USD") == "-USD 0.05"


def test_item_details_must_fit_the_kind_and_the_error_says_which_fit() -> None:
    from core.travel import Item, RecordInvalid, parse_record

    flight = parse_record(
        Item,
        {"trip_id": 1, "kind": "flight", "title": "TP 202", "details": {"carrier": "TAP", "number": "TP202"}},
    )
    assert flight.details.given() == {"carrier": "TAP", "number": "TP202"}
    with pytest.raises(RecordInvalid, match="room do not apply to a flight item") as e:
        parse_record(Item, {"trip_id": 1, "kind": "flight", "title": "TP 202", "details": {"room": "12"}})
    assert "carrier, number, from_code" in str(e.value)


def test_the_agency_is_a_placeholder_until_it_is_named_and_payments_have_a_kind() -> None:
    from core.travel import PLACEHOLDER_AGENCY_NAME, Agency, PaymentSchedule, parse_record

    assert parse_record(Agency, {"name": PLACEHOLDER_AGENCY_NAME}).is_placeholder
    named = parse_record(Agency, {"name": "Blue Compass Travel", "email": "hello@bluecompass.example"})
    assert not named.is_placeholder and named.email == "hello@bluecompass.example"
    deposit = parse_record(
        PaymentSchedule, {"trip_id": 1, "kind": "deposit", "due_date": "2027-03-01", "amount_cents": 100}
    )
    assert deposit.kind == "deposit"
    with pytest.raises(RecordInvalid, match="kind"):
        parse_record(
            PaymentSchedule, {"trip_id": 1, "kind": "tip", "due_date": "2027-03-01", "amount_cents": 1}
        )
