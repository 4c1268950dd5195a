"""Where a trip's items are: coordinates for the itinerary map, with no geocoding service and no tile server.

An item with ``lat``/``lon`` is placed exactly. Otherwise its ``place_name`` is matched against a short
gazetteer of popular destinations, gateway cities and their airports ("Le Bristol, Paris" -> Paris), and the
point is marked approximate. Names match only when capitalised ("Nice" the city, not "a nice view") and
airport codes only in capitals ("MAD", not "mad"). Unknown places are left off the map (and counted), never
guessed.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    import pandas as pd

    from core.travel import Item, TripPlan

__all__ = ["GAZETTEER", "MapPoints", "locate", "map_points"]

# name (lower case, ASCII) -> (lat, lon), rounded to ~1 km: city centres and main airports.
GAZETTEER: dict[str, tuple[float, float]] = {
    # Europe
    "lisbon": (38.72, -9.14),
    "lis": (38.77, -9.13),
    "sintra": (38.80, -9.38),
    "porto": (41.15, -8.61),
    "opo": (41.24, -8.68),
    "douro valley": (41.16, -7.79),
    "algarve": (37.02, -7.93),
    "madeira": (32.65, -16.91),
    "funchal": (32.65, -16.91),
    "madrid": (40.42, -3.70),
    "mad": (40.49, -3.57),
    "barcelona": (41.39, 2.17),
    "bcn": (41.30, 2.08),
    "montserrat": (41.59, 1.84),
    "seville": (37.39, -5.98),
    "granada": (37.18, -3.60),
    "valencia": (39.47, -0.38),
    "mallorca": (39.57, 2.65),
    "ibiza": (38.91, 1.43),
    "paris": (48.86, 2.35),
    "cdg": (49.01, 2.55),
    "orly": (48.72, 2.38),
    "versailles": (48.80, 2.13),
    "nice": (43.70, 7.27),
    "lyon": (45.76, 4.84),
    "bordeaux": (44.84, -0.58),
    "provence": (43.95, 4.81),
    "london": (51.51, -0.13),
    "lhr": (51.47, -0.45),
    "edinburgh": (55.95, -3.19),
    "dublin": (53.35, -6.26),
    "amsterdam": (52.37, 4.90),
    "ams": (52.31, 4.76),
    "brussels": (50.85, 4.35),
    "berlin": (52.52, 13.40),
    "munich": (48.14, 11.58),
    "frankfurt": (50.11, 8.68),
    "fra": (50.04, 8.56),
    "vienna": (48.21, 16.37),
    "salzburg": (47.81, 13.06),
    "zurich": (47.38, 8.54),
    "geneva": (46.20, 6.14),
    "interlaken": (46.69, 7.86),
    "zermatt": (46.02, 7.75),
    "prague": (50.08, 14.44),
    "budapest": (47.50, 19.04),
    "copenhagen": (55.68, 12.57),
    "stockholm": (59.33, 18.07),
    "oslo": (59.91, 10.75),
    "reykjavik": (64.15, -21.94),
    "kef": (63.99, -22.62),
    "vik": (63.42, -19.01),
    "rome": (41.90, 12.50),
    "fco": (41.80, 12.25),
    "tivoli": (41.96, 12.80),
    "florence": (43.77, 11.26),
    "flr": (43.81, 11.20),
    "siena": (43.32, 11.33),
    "tuscany": (43.45, 11.10),
    "venice": (45.44, 12.32),
    "milan": (45.46, 9.19),
    "naples": (40.85, 14.27),
    "amalfi": (40.63, 14.60),
    "positano": (40.63, 14.48),
    "sicily": (37.60, 14.02),
    "athens": (37.98, 23.73),
    "ath": (37.94, 23.94),
    "santorini": (36.39, 25.46),
    "jtr": (36.40, 25.48),
    "oia": (36.46, 25.38),
    "mykonos": (37.45, 25.33),
    "istanbul": (41.01, 28.98),
    "dubrovnik": (42.65, 18.09),
    # Africa and the Middle East
    "marrakech": (31.63, -7.99),
    "rak": (31.61, -8.04),
    "ourika valley": (31.33, -7.78),
    "cape town": (-33.92, 18.42),
    "cpt": (-33.97, 18.60),
    "stellenbosch": (-33.93, 18.86),
    "cairo": (30.04, 31.24),
    "nairobi": (-1.29, 36.82),
    "zanzibar": (-6.17, 39.20),
    "dubai": (25.20, 55.27),
    # Asia and Oceania
    "kyoto": (35.01, 135.77),
    "kix": (34.43, 135.23),
    "nara": (34.69, 135.80),
    "osaka": (34.69, 135.50),
    "tokyo": (35.68, 139.69),
    "hnd": (35.55, 139.78),
    "nrt": (35.77, 140.39),
    "seoul": (37.57, 126.98),
    "beijing": (39.90, 116.41),
    "shanghai": (31.23, 121.47),
    "hong kong": (22.32, 114.17),
    "singapore": (1.35, 103.82),
    "bangkok": (13.76, 100.50),
    "bali": (-8.41, 115.19),
    "delhi": (28.61, 77.21),
    "sydney": (-33.87, 151.21),
    "melbourne": (-37.81, 144.96),
    "auckland": (-36.85, 174.76),
    # the Americas
    "new york": (40.71, -74.01),
    "jfk": (40.64, -73.78),
    "ewr": (40.69, -74.17),
    "boston": (42.36, -71.06),
    "bos": (42.37, -71.01),
    "washington": (38.91, -77.04),
    "iad": (38.95, -77.46),
    "miami": (25.76, -80.19),
    "mia": (25.80, -80.29),
    "chicago": (41.88, -87.63),
    "ord": (41.98, -87.90),
    "los angeles": (34.05, -118.24),
    "lax": (33.94, -118.41),
    "san francisco": (37.77, -122.42),
    "sfo": (37.62, -122.38),
    "toronto": (43.65, -79.38),
    "yyz": (43.68, -79.63),
    "montreal": (45.50, -73.57),
    "vancouver": (49.28, -123.12),
    "mexico city": (19.43, -99.13),
    "cancun": (21.16, -86.85),
    "cusco": (-13.53, -71.97),
    "cuz": (-13.54, -71.94),
    "sacred valley": (-13.33, -72.08),
    "machu picchu": (-13.16, -72.55),
    "lima": (-12.05, -77.04),
    "buenos aires": (-34.60, -58.38),
    "rio de janeiro": (-22.91, -43.17),
}


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else " " for c in plain).split()


def _written_as_name(words: list[str], key: str) -> bool:
    """Airport codes (three letters) in capitals; names with every word capitalised."""
    if len(key) == 3 and " " not in key:
        return words[0].isupper()
    return all(w[:1].isupper() for w in words)


def locate(place: str | None) -> tuple[float, float] | None:
    """Coordinates of a place named in free text, or None. The longest, then rightmost, known phrase wins
    ("Hotel Paris, Lisbon" is Lisbon; "New York JFK" is New York)."""
    if not place:
        return None
    words = _words(place)
    best: tuple[int, int, tuple[float, float]] | None = None
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            phrase = words[start : start + size]
            key = " ".join(phrase).lower()
            found = GAZETTEER.get(key)
            if found is None or not _written_as_name(phrase, key):
                continue
            if best is None or (size, start) > best[:2]:
                best = (size, start, found)
    return best[2] if best else None


class MapPoints(BaseModel):
    """The itinerary's points (see ``frame``) and how many items could not be placed."""

    model_config = ConfigDict(frozen=True)
    rows: list[dict[str, object]]
    unplaced: list[str]  # titles of items with neither coordinates nor a known place

    @property
    def empty(self) -> bool:
        return not self.rows

    def frame(self) -> pd.DataFrame:
        """order, item_id, title, kind, day, place, lat, lon, precision ("exact" | "approximate")."""
        import pandas as pd

        columns = ["order", "item_id", "title", "kind", "day", "place", "lat", "lon", "precision"]
        return pd.DataFrame(self.rows, columns=columns)


def map_points(plan: TripPlan) -> MapPoints:
    """Every item of the plan in itinerary order (days by date, then unscheduled), placed where possible."""
    ordered: list[tuple[str, Item]] = [
        (f"{d.day.date:%a %d %b}", item)
        for d in plan.days
        for item in sorted(d.items, key=lambda i: i.position)
    ]
    ordered += [("unscheduled", item) for item in plan.unscheduled]
    rows: list[dict[str, object]] = []
    unplaced: list[str] = []
    for day, item in ordered:
        if item.kind == "note":
            continue
        precision: Literal["exact", "approximate"] = "exact"
        if item.lat is not None and item.lon is not None:
            point: tuple[float, float] | None = (item.lat, item.lon)
        else:
            point = locate(item.place_name) or locate(item.title)
            precision = "approximate"
        if point is None:
            unplaced.append(item.title)
            continue
        rows.append(
            {
                "order": len(rows) + 1,
                "item_id": item.id,
                "title": item.title,
                "kind": item.kind,
                "day": day,
                "place": item.place_name or "",
                "lat": point[0],
                "lon": point[1],
                "precision": precision,
            }
        )
    return MapPoints(rows=rows, unplaced=unplaced)
