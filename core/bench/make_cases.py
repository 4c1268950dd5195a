"""Write the benchmark cases to ``data/bench/<task>.jsonl``, deterministically (seeded), with expected answers
computed here (totals, dates, day counts). Run once, review, commit: ``python -m core.bench.make_cases [DIR]``.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

N = 30
SEED = 20261126

CLIENTS = [
    "Maria Lopez",
    "James Whitfield",
    "Aiko Tanaka",
    "Oluwaseun Adeyemi",
    "Sofia Rossi",
    "Liam O'Connor",
    "Priya Raman",
    "Henrik Larsen",
    "Chloé Martin",
    "David Goldberg",
    "Fatima Al-Sayed",
    "Noah Becker",
    "Isabella Costa",
    "Ethan Park",
    "Zara Hussain",
]
AGENTS = ["Claire at Horizon Travel", "Tom at Wayfarer Journeys", "Ana at Blue Compass Travel"]
DESTINATIONS = {
    "Lisbon, Portugal": ["Belém Tower", "Alfama fado", "Sintra day trip", "Time Out Market", "Tram 28"],
    "Kyoto, Japan": [
        "Fushimi Inari",
        "Arashiyama bamboo grove",
        "Gion walk",
        "tea ceremony",
        "Nishiki Market",
    ],
    "Reykjavik, Iceland": [
        "Golden Circle",
        "Blue Lagoon",
        "whale watching",
        "Hallgrímskirkja",
        "northern lights tour",
    ],
    "Marrakech, Morocco": [
        "Jemaa el-Fnaa",
        "Majorelle Garden",
        "Atlas Mountains trip",
        "hammam",
        "souk tour",
    ],
    "Cusco, Peru": ["Machu Picchu", "Sacred Valley", "Rainbow Mountain", "San Pedro Market", "Sacsayhuamán"],
    "Cape Town, South Africa": [
        "Table Mountain",
        "Cape Point",
        "Boulders Beach penguins",
        "Winelands tour",
        "Robben Island",
    ],
    "Barcelona, Spain": ["Sagrada Família", "Park Güell", "Gothic Quarter", "La Boqueria", "Montjuïc"],
    "Hanoi, Vietnam": [
        "Old Quarter food tour",
        "Ha Long Bay cruise",
        "Temple of Literature",
        "water puppet show",
        "Hoan Kiem Lake",
    ],
}
INTERESTS = [
    "food",
    "history",
    "hiking",
    "beaches",
    "art",
    "wine",
    "photography",
    "family activities",
    "nightlife",
    "wildlife",
]
QUESTIONS = [
    ("What currency is used in Japan?", ["yen"], "Japan uses the Japanese yen (JPY)."),
    (
        "Do US citizens need a visa for a 10-day tourist trip to Portugal?",
        ["no visa", "90 days"],
        "No visa is needed for stays up to 90 days in the Schengen area; from late 2026 ETIAS authorisation applies.",
    ),
    ("What plug type is used in the United Kingdom?", ["type g"], "The UK uses Type G plugs, 230 V."),
    (
        "What is the best time of year to see the northern lights in Iceland?",
        ["september", "march"],
        "From September to March, on dark clear nights.",
    ),
    ("Which city is the gateway to Machu Picchu?", ["cusco"], "Cusco, then train to Aguas Calientes."),
    ("What is the main airport of Lisbon called?", ["humberto delgado"], "Humberto Delgado Airport (LIS)."),
    ("Which side of the road do people drive on in South Africa?", ["left"], "They drive on the left."),
    ("What is the local currency of Morocco?", ["dirham"], "The Moroccan dirham (MAD)."),
    ("How high is Machu Picchu above sea level, roughly?", ["2,430"], "About 2,430 metres."),
    ("What language is spoken in Barcelona besides Spanish?", ["catalan"], "Catalan."),
    (
        "Is tipping customary in Japan?",
        ["not customary"],
        "Tipping is not customary in Japan and can cause confusion.",
    ),
    (
        "What is the time difference between New York and Lisbon in winter?",
        ["5 hours"],
        "Lisbon is 5 hours ahead of New York in winter.",
    ),
    (
        "Which vaccine is recommended for travel to the Peruvian Amazon?",
        ["yellow fever"],
        "Yellow fever vaccination is recommended.",
    ),
    (
        "What is the name of Kyoto's famous shrine with thousands of torii gates?",
        ["fushimi inari"],
        "Fushimi Inari Taisha.",
    ),
    ("Which Vietnamese bay is a UNESCO site known for limestone islands?", ["ha long bay"], "Ha Long Bay."),
    ("What is the capital of Iceland?", ["reykjavik"], "Reykjavik."),
    ("What voltage is used in Japan?", ["100 v"], "100 V, Type A/B plugs."),
    ("Which mountain overlooks Cape Town?", ["table mountain"], "Table Mountain."),
    ("What is the currency of Vietnam?", ["dong"], "The Vietnamese dong (VND)."),
    (
        "Which train connects Tokyo and Kyoto fastest?",
        ["shinkansen"],
        "The Tokaido Shinkansen (Nozomi), about 2h15.",
    ),
    ("What is the emergency phone number in the European Union?", ["112"], "112."),
    ("What is the main square of Marrakech called?", ["jemaa el-fnaa"], "Jemaa el-Fnaa."),
    (
        "Do travellers need an ETA to visit the United Kingdom from the US in 2026?",
        ["eta"],
        "Yes, US visitors need a UK Electronic Travel Authorisation (ETA).",
    ),
    (
        "What is the high season for safaris in Kruger National Park?",
        ["dry season"],
        "The dry season, May to September.",
    ),
    ("Which Barcelona basilica was designed by Gaudí?", ["sagrada família"], "The Sagrada Família."),
    ("What is the currency of Iceland?", ["króna"], "The Icelandic króna (ISK)."),
    ("What is the name of the Lisbon district famous for fado?", ["alfama"], "Alfama."),
    ("How long is the classic Inca Trail hike?", ["4 days"], "About 4 days and 42 km."),
    ("Which Japanese pass covers most JR trains for tourists?", ["japan rail pass"], "The Japan Rail Pass."),
    ("What is the typical tipping rate in US restaurants?", ["15", "20"], "15–20% of the bill."),
]
SITUATIONS = [  # (situation, facts to state, the key token of each fact, words of the right tone)
    (
        "flight schedule change",
        ["new departure time {time}", "flight {flight}"],
        ["{time}", "{flight}"],
        ["sorry", "apologies", "apologize", "apologise"],
    ),
    (
        "hotel upgrade confirmed",
        ["upgrade at {hotel}", "breakfast included"],
        ["{hotel}", "breakfast"],
        ["pleased", "delighted", "congratulations"],
    ),
    (
        "payment reminder",
        ["balance of {amount} USD", "due {due}"],
        ["{amount}", "{due}"],
        ["reminder", "remind"],
    ),
    ("visa document request", ["passport copy", "send by {due}"], ["passport", "{due}"], ["please"]),
    (
        "tour cancelled by supplier",
        ["full refund of {amount} USD", "alternative tour offered"],
        ["refund", "alternative"],
        ["sorry", "apologies", "unfortunately"],
    ),
]


def _d(day: date) -> str:
    return day.isoformat()


def intake(rng: random.Random, i: int) -> dict[str, Any]:
    client = rng.choice(CLIENTS)
    dest = rng.choice(list(DESTINATIONS))
    start = date(2027, 1, 1) + timedelta(days=rng.randrange(0, 300))
    nights = rng.randrange(4, 15)
    end = start + timedelta(days=nights)
    adults, children = rng.randrange(1, 5), rng.choice([0, 0, 1, 2, 3])
    budget = rng.randrange(20, 120) * 100
    interests = rng.sample(INTERESTS, 2)
    kids = f" and {children} kid{'s' if children > 1 else ''}" if children else ""
    body = (
        f"Hi there,\n\nWe're {adults} adult{'s' if adults > 1 else ''}{kids} hoping to visit {dest.split(',')[0]} "
        f"from {start:%B} {start.day} to {end:%B} {end.day}, {end.year}. We love {interests[0]} and {interests[1]}. "
        f"Our total budget is about ${budget:,}. Could you put something together?\n\nThanks,\n{client}"
    )
    expected = {
        "client_name": client,
        "destination": dest.split(",")[0],
        "start_date": _d(start),
        "end_date": _d(end),
        "adults": adults,
        "children": children,
        "budget_usd": budget,
        "interests": interests,
    }
    return {
        "inputs": {
            "from": f"{client.split()[0].lower()}@example.com",
            "subject": f"Trip to {dest.split(',')[0]}",
            "body": body,
        },
        "expected": expected,
        "must_contain": [client, dest.split(",")[0]],
        "scorers": [
            {
                "kind": "json_schema",
                "params": {
                    "required": {
                        "client_name": "string",
                        "destination": "string",
                        "start_date": "string",
                        "end_date": "string",
                        "adults": "integer",
                        "children": "integer",
                        "budget_usd": "number",
                        "interests": "array",
                    }
                },
            },
            {
                "kind": "fields",
                "weight": 2,
                "params": {
                    "exact": {
                        k: expected[k] for k in ("start_date", "end_date", "adults", "children", "budget_usd")
                    },
                    "fuzzy": {"client_name": client, "destination": expected["destination"]},
                },
            },
        ],
    }


def itinerary(rng: random.Random, i: int) -> dict[str, Any]:
    dest = rng.choice(list(DESTINATIONS))
    days = rng.randrange(3, 8)
    start = date(2027, 2, 1) + timedelta(days=rng.randrange(0, 280))
    end = start + timedelta(days=days - 1)
    budget = rng.randrange(3, 15) * 100 * days // 2
    interests = rng.sample(INTERESTS, 3)
    party = rng.choice(
        ["2 adults", "2 adults, 2 children (8, 11)", "1 adult", "4 adults", "2 adults, 1 infant"]
    )
    return {
        "inputs": {
            "destination": dest,
            "party": party,
            "start_date": _d(start),
            "end_date": _d(end),
            "days": days,
            "budget_usd": budget,
            "interests": interests,
        },
        "expected": {"days": days, "budget_usd": budget, "highlights": DESTINATIONS[dest]},
        "must_contain": DESTINATIONS[dest][:2],
        "scorers": [
            {"kind": "json_schema", "params": {"required": {"destination": "string", "days": "array"}}},
            {
                "kind": "constraints",
                "weight": 3,
                "params": {"days": days, "budget": budget, "start": _d(start), "end": _d(end)},
            },
            {"kind": "includes", "params": {"any_of": DESTINATIONS[dest]}},
        ],
        "rubric": f"A realistic plan for {party} in {dest} that matches the interests ({', '.join(interests)}), paces "
        "days sensibly and stays within budget.",
    }


def email(rng: random.Random, i: int) -> dict[str, Any]:
    client, agent = rng.choice(CLIENTS), rng.choice(AGENTS)
    kind, fact_templates, key_templates, tone = SITUATIONS[i % len(SITUATIONS)]
    values = {
        "time": f"{rng.randrange(6, 22):02d}:{rng.choice(['05', '20', '35', '50'])}",
        "flight": f"{rng.choice(['TP', 'BA', 'LH', 'AF', 'KL'])}{rng.randrange(100, 2000)}",
        "hotel": rng.choice(["Hotel Avenida Palace", "The Ritz-Carlton Kyoto", "Hotel Borg", "La Mamounia"]),
        "amount": f"{rng.randrange(8, 90) * 50:,}",
        "due": _d(date(2027, 1, 10) + timedelta(days=rng.randrange(0, 200))),
    }
    facts = [t.format(**values) for t in fact_templates]
    keys = [t.format(**values) for t in key_templates]
    agent_name = agent.split(" at ")[0]
    return {
        "inputs": {"client": client, "agent": agent, "situation": kind, "facts": facts},
        "expected": {"facts": facts, "tone": tone},
        "must_contain": [*keys, client.split()[0], agent_name],
        "scorers": [
            {"kind": "includes", "weight": 3, "params": {"all_of": [*keys, client.split()[0], agent_name]}},
            {"kind": "includes", "params": {"any_of": tone}},
        ],
        "rubric": f"A polite, clear email about a {kind} that states every fact and tells the client what happens next.",
    }


def question(rng: random.Random, i: int) -> dict[str, Any]:
    q, keys, ref = QUESTIONS[i % len(QUESTIONS)]
    return {
        "inputs": {"question": q},
        "expected": {"reference": ref},
        "must_contain": keys,
        "scorers": [{"kind": "includes", "params": {"all_of": keys}}],
        "rubric": f"Correct and consistent with the reference answer: {ref}",
    }


def booking(rng: random.Random, i: int) -> dict[str, Any]:
    start = date(2027, 3, 1) + timedelta(days=rng.randrange(0, 250))
    items: list[dict[str, Any]] = []
    lines = [f"BOOKING CONFIRMATION — Ref {rng.choice('ABCDEFGH')}{rng.randrange(10000, 99999)}", ""]
    n = rng.randrange(2, 5)
    for k in range(n):
        kind = rng.choice(["flight", "hotel", "tour", "transfer", "car"])
        supplier = {
            "flight": rng.choice(["TAP Air Portugal", "Lufthansa", "Delta", "Japan Airlines"]),
            "hotel": rng.choice(["Marriott", "Pestana", "Hilton", "Ryokan Kurashiki"]),
            "tour": rng.choice(["GetYourGuide", "Viator", "Intrepid"]),
            "transfer": "Welcome Pickups",
            "car": rng.choice(["Hertz", "Europcar"]),
        }[kind]
        conf = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))
        when = start + timedelta(days=k * rng.randrange(1, 3))
        hh, mm = rng.randrange(5, 23), rng.choice([0, 15, 30, 45])
        price = round(rng.uniform(40, 1800), 2)
        currency = rng.choice(["USD", "EUR"])
        stamp = f"{_d(when)} {hh:02d}:{mm:02d}"
        items.append(
            {
                "type": kind,
                "supplier": supplier,
                "confirmation_number": conf,
                "start": stamp,
                "price": price,
                "currency": currency,
            }
        )
        lines += [
            f"{k + 1}. {kind.upper()} — {supplier}",
            f"   Confirmation no.: {conf}",
            f"   Date/time: {when:%a %d %b %Y}, {hh:02d}:{mm:02d}",
            f"   Price: {currency} {price:,.2f}",
            "",
        ]
    exact: dict[str, Any] = {}
    for k, item in enumerate(items):
        for f in ("confirmation_number", "start", "price", "currency"):
            exact[f"items.{k}.{f}"] = item[f]
    return {
        "inputs": {"text": "\n".join(lines)},
        "expected": {"items": items},
        "must_contain": [it["confirmation_number"] for it in items],
        "scorers": [
            {"kind": "json_schema", "params": {"required": {"items": "array"}}},
            {
                "kind": "fields",
                "weight": 3,
                "params": {
                    "exact": exact,
                    "fuzzy": {f"items.{k}.supplier": it["supplier"] for k, it in enumerate(items)},
                },
            },
        ],
    }


def pricing(rng: random.Random, i: int) -> dict[str, Any]:
    names = [
        "Round-trip flights",
        "Hotel (per stay)",
        "City tour",
        "Airport transfers",
        "Travel insurance",
        "Rail pass",
        "Cooking class",
    ]
    items: list[dict[str, Any]] = [
        {"item": name, "price": round(rng.uniform(60, 2500), 2)}
        for name in rng.sample(names, rng.randrange(2, 6))
    ]
    commission_pct = rng.choice([5, 8, 10, 12, 15])
    fee = rng.choice([15, 25, 35, 50])
    bookings = rng.randrange(1, 4)
    tax_pct = rng.choice([0, 5, 7.5, 10])
    travellers = rng.randrange(1, 6)
    subtotal = round(sum(it["price"] for it in items), 2)
    commission = round(subtotal * commission_pct / 100, 2)
    fees = round(fee * bookings, 2)
    tax = round((subtotal + commission + fees) * tax_pct / 100, 2)
    total = round(subtotal + commission + fees + tax, 2)
    expected = {
        "subtotal": subtotal,
        "commission": commission,
        "fees": fees,
        "tax": tax,
        "total": total,
        "per_person": round(total / travellers, 2),
    }
    return {
        "inputs": {
            "items": items,
            "commission_pct": commission_pct,
            "service_fee": fee,
            "bookings": bookings,
            "tax_pct": tax_pct,
            "travellers": travellers,
        },
        "expected": expected,
        "must_contain": [f"{total:.2f}"],
        "scorers": [
            {"kind": "json_schema", "params": {"required": dict.fromkeys(expected, "number")}},
            {"kind": "numeric", "weight": 3, "params": {"values": expected, "tolerance": 0.02}},
        ],
    }


MAKERS = {
    "intake_extraction": intake,
    "itinerary_drafting": itinerary,
    "client_email": email,
    "destination_questions": question,
    "booking_confirmation_parsing": booking,
    "pricing_arithmetic": pricing,
}


def build(task: str, n: int = N) -> list[dict[str, Any]]:
    rng = random.Random(f"{SEED}:{task}")
    return [{"id": f"{task}-{i + 1:03d}", "task": task, **MAKERS[task](rng, i)} for i in range(n)]


def write(out: Path, n: int = N) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for task in MAKERS:
        path = out / f"{task}.jsonl"
        path.write_text(
            "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in build(task, n)), encoding="utf-8"
        )
        paths.append(path)
    return paths


if __name__ == "__main__":
    from core.bench._suites import DEFAULT_CASES_DIR

    for p in write(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CASES_DIR):
        print(p)
