"""Documents benchmark: a 14-day trip with 60 items, rendered as a proposal PDF, an itinerary calendar and (the
baseline, same run) a proposal HTML. Prints one JSON object.

The trip (built through the services in a temporary directory): flights that cross time zones, transfers and
four or five items a day shared by every tier, plus a hotel and an upgrade for each of the three tiers on
option-specific days, 60 items in all; the proposal shows every shared item once per tier (~170 rows, ~20
pages). Figures are medians of 5 renders in one warm process (each render reads the trip, builds the
view-model, writes the file and records it); ``*_cold_ms`` is the first PDF render, which also imports fpdf2
and loads the font.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from core.documents import render
from core.security import FieldCipher, Principal
from core.travel import TravelService, TravelStore

RUNS = 5
DAYS = 14
ITEMS = 60
START = date(2027, 5, 2)


def build_trip(service: TravelService, p: Principal) -> tuple[int, int]:
    """The 14-day, 60-item trip: returns (trip id, item count)."""
    client = service.create_client(p, name="Ana & Rui Silva", email="ana.silva@example.com")
    assert client.id is not None
    end = START + timedelta(days=DAYS - 1)
    trip = service.create_trip(
        p,
        name="Japan and Lisbon in spring",
        client_id=client.id,
        start_date=START,
        end_date=end,
        destinations=["Tokyo", "Kyoto", "Lisbon"],
        currency="EUR",
        planning_fee_cents=35_000,
    )
    assert trip.id is not None
    options = [service.add_option(p, trip.id, tier=t) for t in (1, 2, 3)]
    shared = {d.date: d.id for d in service.ensure_days(p, trip.id)}
    items: list[dict[str, Any]] = [
        dict(
            day_id=shared[START],
            kind="flight",
            title="TP 1350 LIS → NRT",
            place_name="Lisbon LIS",
            start_local=datetime.combine(START, dtime(9, 0)),
            start_tz="Europe/Lisbon",
            end_local=datetime.combine(START + timedelta(days=1), dtime(9, 30)),
            end_tz="Asia/Tokyo",
            status="booked",
            confirmation_numbers=["TPX9K2"],
            cost_cents=180_000,
            sell_cents=195_000,
        ),
        dict(
            day_id=shared[end],
            kind="flight",
            title="JL 47 KIX → LIS",
            place_name="Osaka KIX",
            start_local=datetime.combine(end, dtime(11, 0)),
            start_tz="Asia/Tokyo",
            end_local=datetime.combine(end, dtime(19, 45)),
            end_tz="Europe/Lisbon",
            status="booked",
            confirmation_numbers=["JL77QA"],
            cost_cents=160_000,
            sell_cents=172_000,
        ),
    ]
    for n in range(1, DAYS - 1):
        day = START + timedelta(days=n)
        for slot, hour in enumerate((8, 10, 13, 15, 18)):
            if len(items) >= ITEMS - 2 * len(options):
                break
            start = datetime.combine(day, dtime(hour, 0))
            items.append(
                dict(
                    day_id=shared[day],
                    kind="transfer" if slot == 2 else "activity",
                    title=f"{'Transfer' if slot == 2 else 'Guided visit'} {n}.{slot + 1} <Kyoto & Nara>",
                    place_name="Kyoto Station, 京都市",
                    start_local=start,
                    start_tz="Asia/Tokyo",
                    end_local=start + timedelta(hours=1, minutes=45),
                    status="proposed",
                    confirmation_numbers=[f"C{n:02d}{slot}"],
                    cost_cents=9_000 + 500 * slot,
                    sell_cents=11_000 + 700 * slot,
                    client_notes="Comfortable shoes; the guide meets you in the lobby.",
                )
            )
    for option in options:
        assert option.id is not None
        own = {d.date: d.id for d in service.ensure_days(p, trip.id, option_id=option.id)}
        first = START + timedelta(days=1)
        items.append(
            dict(
                day_id=own[first],
                kind="hotel",
                title=f"{option.label} hotel, {DAYS - 2} nights",
                place_name="Kyoto",
                start_local=datetime.combine(first, dtime(15, 0)),
                start_tz="Asia/Tokyo",
                end_local=datetime.combine(end, dtime(10, 0)),
                status="proposed",
                cost_cents=150_000 * option.tier,
                sell_cents=170_000 * option.tier,
            )
        )
        items.append(
            dict(
                day_id=own[first + timedelta(days=3)],
                kind="activity",
                title=f"{option.label} private tea ceremony",
                place_name="Uji",
                start_local=datetime.combine(first + timedelta(days=3), dtime(16, 0)),
                start_tz="Asia/Tokyo",
                end_local=datetime.combine(first + timedelta(days=3), dtime(18, 0)),
                status="proposed",
                cost_cents=20_000 * option.tier,
                sell_cents=26_000 * option.tier,
            )
        )
    created = service.add_items(p, trip.id, items)
    return trip.id, len(created)


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="travelops-bench-docs-") as tmp:
        root = Path(tmp)
        service = TravelService(TravelStore(root / "travel.db"), FieldCipher.load(root, environ={}))
        p = Principal.default_admin()
        trip_id, items = build_trip(service, p)

        def pdf() -> object:
            return render(service, p, trip_id, kind="proposal", fmt="pdf")

        def html() -> object:
            return render(service, p, trip_id, kind="proposal", fmt="html")

        def ics() -> object:
            return render(service, p, trip_id, kind="itinerary", fmt="ics")

        cold = timed(pdf)
        pdf_ms = statistics.median(timed(pdf) for _ in range(RUNS))
        html_ms = statistics.median(timed(html) for _ in range(RUNS))
        ics_ms = statistics.median(timed(ics) for _ in range(RUNS))
        last = render(service, p, trip_id, kind="proposal", fmt="pdf")
        pages = len(re.findall(rb"/Type\s*/Page\b", last.bytes))
        service.close()
    print(
        json.dumps(
            {
                "benchmark": "documents",
                "trip_days": DAYS,
                "items": items,
                "proposal_pdf_ms": round(pdf_ms, 1),
                "proposal_pdf_cold_ms": round(cold, 1),
                "proposal_pdf_target_ms": 1500,
                "proposal_pdf_within_target": pdf_ms <= 1500,
                "proposal_pdf_bytes": len(last.bytes),
                "proposal_pdf_pages": pages,
                "ics_ms": round(ics_ms, 1),
                "proposal_html_ms": round(html_ms, 1),
                "pdf_over_html_ratio": round(pdf_ms / html_ms, 1) if html_ms else None,
                "ics_over_html_ratio": round(ics_ms / html_ms, 2) if html_ms else None,
                "runs": RUNS,
                "cores": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
