"""Money: the deposit and final payment make the client total; what an invoice bills."""

from __future__ import annotations

from datetime import date

import pytest
from travel_helpers import ANCHOR, CleanTrip

from core.security import Principal
from core.travel import RecordInvalid, TravelService, compute_totals, invoiced_items


def test_schedule_payments_makes_a_deposit_and_a_final_that_sum_to_the_client_total(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    with pytest.raises(RecordInvalid, match="already has 2 payment") as e:
        service.schedule_payments(
            admin,
            clean_trip.trip_id,
            deposit_cents=50_000,
            deposit_due=date(2027, 2, 1),
            final_due=date(2027, 4, 1),
        )
    assert "replace" in str(e.value.hint)

    payments = service.schedule_payments(
        admin,
        clean_trip.trip_id,
        deposit_cents=50_000,
        deposit_due=date(2027, 2, 1),
        final_due=date(2027, 4, 1),
        replace=True,
    )

    totals = service.trip_totals(admin, clean_trip.trip_id, today=ANCHOR)
    assert [(p.kind, p.amount_cents, p.due_date) for p in payments] == [
        ("deposit", 50_000, date(2027, 2, 1)),
        ("final", totals.client_total_cents - 50_000, date(2027, 4, 1)),
    ]
    assert totals.scheduled_cents == totals.client_total_cents and totals.paid_cents == 0


def test_a_deposit_larger_than_the_total_or_a_final_before_the_deposit_is_refused(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    kw = {"deposit_due": date(2027, 2, 1), "final_due": date(2027, 4, 1), "replace": True}
    with pytest.raises(RecordInvalid, match="less than the client total") as e:
        service.schedule_payments(admin, clean_trip.trip_id, deposit_cents=99_000_000, **kw)  # type: ignore[arg-type]
    assert e.value.problems == {"deposit_cents": "not between 0 and the client total"}
    with pytest.raises(RecordInvalid, match="before deposit_due"):
        service.schedule_payments(
            admin,
            clean_trip.trip_id,
            deposit_cents=1,
            deposit_due=date(2027, 4, 2),
            final_due=date(2027, 4, 1),
            replace=True,
        )
    assert len(service.list_payments(admin, clean_trip.trip_id)) == 2  # nothing changed


def test_tiers_that_differ_need_a_choice_before_a_schedule(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    _, signature, ultimate = service.ensure_tiers(admin, clean_trip.trip_id)
    assert signature.id and ultimate.id
    service.fork_item(admin, clean_trip.hotel, option_id=ultimate.id)
    service.update_item(admin, clean_trip.hotel, sell_cents=500_000)
    kw = {
        "deposit_cents": 10_000,
        "deposit_due": date(2027, 2, 1),
        "final_due": date(2027, 4, 1),
        "replace": True,
    }
    with pytest.raises(RecordInvalid, match="tiers differ in price"):
        service.schedule_payments(admin, clean_trip.trip_id, **kw)  # type: ignore[arg-type]

    service.accept_option(admin, ultimate.id)
    service.schedule_payments(admin, clean_trip.trip_id, **kw)  # type: ignore[arg-type]
    totals = service.trip_totals(admin, clean_trip.trip_id, today=ANCHOR)
    assert totals.option_id == ultimate.id and totals.scheduled_cents == totals.client_total_cents


def test_a_payment_received_and_commission_received_show_in_the_totals(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.mark_paid(admin, clean_trip.balance, paid_on=date(2027, 3, 18))
    service.update_item(admin, clean_trip.hotel, commission_status="received")
    totals = service.trip_totals(admin, clean_trip.trip_id, today=ANCHOR)
    assert (
        totals.paid_cents == totals.scheduled_cents and totals.balance_due_cents == 25_000 + 404_000 - 429_000
    )
    assert (totals.commission_expected_cents, totals.commission_received_cents) == (0, 23_000 + 2_700)


def test_the_invoice_bills_booked_items_and_proposed_ones_only_once_a_tier_is_accepted(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    def invoiced() -> tuple[set[int], int]:
        plan = service.get_trip_plan(admin, clean_trip.trip_id, today=ANCHOR)
        days = [d.day for d in plan.days]
        ids = {i.id for i in invoiced_items(days, plan.items(), plan.options) if i.id}
        totals = compute_totals(
            plan.trip, days, plan.items(), plan.payments, plan.options, today=ANCHOR, invoiced_only=True
        )
        return ids, totals.sell_cents

    booked = {clean_trip.outbound, clean_trip.hotel, clean_trip.fado, clean_trip.inbound}
    ids, _ = invoiced()
    assert ids == booked  # the proposed Sintra trip is not billed while no tier is accepted

    essential, signature, _ = service.ensure_tiers(admin, clean_trip.trip_id)
    assert essential.id and signature.id
    service.fork_item(admin, clean_trip.hotel, option_id=signature.id)
    service.accept_option(admin, essential.id)
    ids, sell = invoiced()
    assert clean_trip.hotel not in ids  # Signature's own hotel: not the chosen tier
    assert {clean_trip.outbound, clean_trip.fado, clean_trip.sintra} <= ids  # proposed, now billed
    assert clean_trip.walk not in ids and clean_trip.boat not in ids and clean_trip.idea not in ids
    full = service.trip_totals(admin, clean_trip.trip_id, today=ANCHOR)
    assert sell == full.sell_cents  # Essential kept its copy of the hotel
