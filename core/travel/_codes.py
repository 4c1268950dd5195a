"""Reference data: ISO 3166-1 alpha-2 countries, the currencies we accept, and places' usual time zones."""

from __future__ import annotations

import functools
import unicodedata
import zoneinfo

__all__ = ["COUNTRIES", "CURRENCIES", "city_timezone", "is_timezone", "normalize_place"]

# ISO 3166-1 alpha-2 (officially assigned codes).
_COUNTRIES_TEXT = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV
BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES
ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE
IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU
NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM
SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE
VG VI VN VU WF WS YE YT ZA ZM ZW
"""
COUNTRIES: frozenset[str] = frozenset(_COUNTRIES_TEXT.split())

# ISO 4217 codes of the currencies travel agencies actually quote in. Extend the list if you need another.
_CURRENCIES_TEXT = """
USD EUR GBP CAD AUD NZD CHF JPY CNY HKD SGD SEK NOK DKK ISK PLN CZK HUF RON BGN TRY ILS AED SAR QAR INR
THB IDR MYR PHP VND KRW TWD ZAR EGP MAD KES TZS BRL MXN ARS CLP COP PEN CRC XPF FJD
"""
CURRENCIES: frozenset[str] = frozenset(_CURRENCIES_TEXT.split())

# Popular places whose names are not part of an IANA zone name (those are derived from the tz database below).
_EXTRA_PLACES: dict[str, str] = {
    "florence": "Europe/Rome",
    "venice": "Europe/Rome",
    "milan": "Europe/Rome",
    "naples": "Europe/Rome",
    "amalfi": "Europe/Rome",
    "positano": "Europe/Rome",
    "sicily": "Europe/Rome",
    "tuscany": "Europe/Rome",
    "porto": "Europe/Lisbon",
    "sintra": "Europe/Lisbon",
    "algarve": "Europe/Lisbon",
    "funchal": "Atlantic/Madeira",
    "barcelona": "Europe/Madrid",
    "seville": "Europe/Madrid",
    "granada": "Europe/Madrid",
    "valencia": "Europe/Madrid",
    "mallorca": "Europe/Madrid",
    "ibiza": "Europe/Madrid",
    "lyon": "Europe/Paris",
    "bordeaux": "Europe/Paris",
    "provence": "Europe/Paris",
    "munich": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "salzburg": "Europe/Vienna",
    "geneva": "Europe/Zurich",
    "interlaken": "Europe/Zurich",
    "zermatt": "Europe/Zurich",
    "edinburgh": "Europe/London",
    "manchester": "Europe/London",
    "santorini": "Europe/Athens",
    "mykonos": "Europe/Athens",
    "crete": "Europe/Athens",
    "krakow": "Europe/Warsaw",
    "dubrovnik": "Europe/Zagreb",
    "kyoto": "Asia/Tokyo",
    "osaka": "Asia/Tokyo",
    "hiroshima": "Asia/Tokyo",
    "beijing": "Asia/Shanghai",
    "bali": "Asia/Makassar",
    "ubud": "Asia/Makassar",
    "phuket": "Asia/Bangkok",
    "chiang mai": "Asia/Bangkok",
    "hanoi": "Asia/Bangkok",
    "siem reap": "Asia/Phnom_Penh",
    "marrakech": "Africa/Casablanca",
    "marrakesh": "Africa/Casablanca",
    "fez": "Africa/Casablanca",
    "cape town": "Africa/Johannesburg",
    "zanzibar": "Africa/Dar_es_Salaam",
    "serengeti": "Africa/Dar_es_Salaam",
    "cordoba": "Europe/Madrid",
    "santiago de compostela": "Europe/Madrid",
    "cusco": "America/Lima",
    "machu picchu": "America/Lima",
    "rio de janeiro": "America/Sao_Paulo",
    "rio": "America/Sao_Paulo",
    "quito": "America/Guayaquil",
    "galapagos": "Pacific/Galapagos",
    "patagonia": "America/Argentina/Buenos_Aires",
    "san francisco": "America/Los_Angeles",
    "las vegas": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "washington": "America/New_York",
    "boston": "America/New_York",
    "miami": "America/New_York",
    "orlando": "America/New_York",
    "san juan": "America/Puerto_Rico",
    "cancun": "America/Cancun",
    "tulum": "America/Cancun",
    "banff": "America/Edmonton",
    "montreal": "America/Toronto",
    "quebec": "America/Toronto",
    "maui": "Pacific/Honolulu",
    "hawaii": "Pacific/Honolulu",
    "sydney": "Australia/Sydney",
    "queenstown": "Pacific/Auckland",
    "bora bora": "Pacific/Tahiti",
    "maldives": "Indian/Maldives",
    "abu dhabi": "Asia/Dubai",
    "petra": "Asia/Amman",
    "jerusalem": "Asia/Jerusalem",
    "cairo": "Africa/Cairo",
    "luxor": "Africa/Cairo",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "goa": "Asia/Kolkata",
    "jaipur": "Asia/Kolkata",
}


# Zone groups that are not places, and zone "cities" that are ordinary words in addresses.
_NOT_PLACES = frozenset({"Etc", "SystemV", "US", "Canada", "Mexico", "Brazil", "Chile", "posix", "right"})
_GENERIC_WORDS = frozenset(
    {"center", "central", "east", "west", "north", "south", "eastern", "pacific", "mountain"}
)


def normalize_place(text: str) -> str:
    """Lower case, accents and punctuation removed: "Zürich, CH" -> "zurich ch"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_timezone(name: str) -> bool:
    """True for an IANA time zone name this machine knows ("Europe/Lisbon", "UTC")."""
    return name in _zones()


@functools.cache
def _places() -> dict[str, str]:
    places: dict[str, str] = {}
    for zone in sorted(_zones()):
        parts = zone.split("/")
        if len(parts) < 2 or parts[0] in _NOT_PLACES or (len(parts) > 2 and parts[1] != "Argentina"):
            continue
        city = normalize_place(parts[-1].replace("_", " "))
        if city not in _GENERIC_WORDS:
            places.setdefault(city, zone)
    places.update(_EXTRA_PLACES)
    return places


def city_timezone(place: str) -> str | None:
    """The usual IANA zone of a place named in free text ("Hotel Avenida, Lisbon" -> "Europe/Lisbon"), or
    None.

    Matches whole words against zone city names and a short list of popular destinations; the longest,
    rightmost match wins (so "Paris Las Vegas hotel" is not Paris). Unknown places give None: no guess.
    """
    words = normalize_place(place).split()
    places = _places()
    best: tuple[int, int, str] | None = None
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            phrase = " ".join(words[start : start + size])
            zone = places.get(phrase)
            if zone is not None and (best is None or (size, start) > best[:2]):
                best = (size, start, zone)
    return best[2] if best else None
