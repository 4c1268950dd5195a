"""The sample agency's raw material: destinations with their hotels and activities, names, homes, airlines.

Data only (used by ``core.travel.fixtures``); the hotels of a destination go from the least to the most
expensive tier of a proposal in the order ``fixtures`` picks them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AGENT_NAMES",
    "AIRLINES",
    "DESTINATIONS",
    "FIRST",
    "HOMES",
    "INTERESTS",
    "LAST",
    "LEADS",
    "MEALS",
    "STATUS_CYCLE",
    "THEMES",
    "Destination",
]


@dataclass(frozen=True)
class Destination:
    city: str
    country: str
    tz: str
    airport: str
    flight_hours: float  # from the US east coast, door to door on the ticket
    hotels: tuple[str, ...]
    activities: tuple[str, ...]
    free: tuple[str, ...]
    nearby: str


DESTINATIONS: tuple[Destination, ...] = (
    Destination(
        "Lisbon",
        "PT",
        "Europe/Lisbon",
        "LIS",
        7.0,
        ("Avenida Palace", "Memmo Alfama", "Bairro Alto Hotel"),
        ("Alfama walking tour", "Belém and Jerónimos Monastery", "Fado dinner", "Time Out Market food tour"),
        ("Sunset at Miradouro da Senhora do Monte", "LX Factory stroll"),
        "Sintra",
    ),
    Destination(
        "Porto",
        "PT",
        "Europe/Lisbon",
        "OPO",
        7.5,
        ("The Yeatman", "Torel Avantgarde", "Pestana Vintage"),
        ("Douro Valley wine tour", "Port cellar tasting", "Livraria Lello visit", "Cooking class"),
        ("Ribeira riverside walk", "Jardins do Palácio de Cristal"),
        "Douro Valley",
    ),
    Destination(
        "Rome",
        "IT",
        "Europe/Rome",
        "FCO",
        8.5,
        ("Hotel de Russie", "Hotel Artemide", "Hotel Campo de' Fiori"),
        ("Colosseum underground tour", "Vatican Museums early entry", "Trastevere food tour", "Pasta class"),
        ("Pantheon visit", "Gianicolo sunset"),
        "Tivoli",
    ),
    Destination(
        "Florence",
        "IT",
        "Europe/Rome",
        "FLR",
        10.5,
        ("Hotel Lungarno", "Portrait Firenze", "Hotel Brunelleschi"),
        ("Uffizi guided visit", "Chianti vineyard day", "Duomo climb", "Leather workshop"),
        ("Piazzale Michelangelo sunset", "Santo Spirito market"),
        "Siena",
    ),
    Destination(
        "Paris",
        "FR",
        "Europe/Paris",
        "CDG",
        7.5,
        ("Le Bristol", "Hotel des Grands Boulevards", "Hotel Providence"),
        ("Louvre highlights tour", "Seine dinner cruise", "Montmartre walk", "Versailles day trip"),
        ("Canal Saint-Martin walk", "Luxembourg Gardens picnic"),
        "Versailles",
    ),
    Destination(
        "Barcelona",
        "ES",
        "Europe/Madrid",
        "BCN",
        8.0,
        ("Hotel Arts", "Casa Bonay", "Hotel Neri"),
        ("Sagrada Família tour", "Tapas crawl in El Born", "Montserrat excursion", "Park Güell visit"),
        ("Barceloneta beach morning", "Bunkers del Carmel viewpoint"),
        "Montserrat",
    ),
    Destination(
        "Kyoto",
        "JP",
        "Asia/Tokyo",
        "KIX",
        14.5,
        ("The Ritz-Carlton Kyoto", "Hotel The Mitsui", "Ace Hotel Kyoto"),
        ("Fushimi Inari at dawn", "Tea ceremony", "Arashiyama bamboo grove tour", "Nishiki market food walk"),
        ("Philosopher's Path walk", "Kamo River evening stroll"),
        "Nara",
    ),
    Destination(
        "Reykjavik",
        "IS",
        "Atlantic/Reykjavik",
        "KEF",
        5.5,
        ("Hotel Borg", "The Reykjavik EDITION", "Center Hotels Plaza"),
        ("Golden Circle tour", "Blue Lagoon soak", "Northern lights hunt", "Whale watching"),
        ("Hallgrímskirkja and Sun Voyager walk", "Grótta lighthouse sunset"),
        "Vik",
    ),
    Destination(
        "Marrakech",
        "MA",
        "Africa/Casablanca",
        "RAK",
        8.0,
        ("La Mamounia", "Riad Kniza", "Royal Mansour"),
        ("Medina guided walk", "Atlas Mountains day trip", "Hammam and spa", "Cooking class in a riad"),
        ("Jemaa el-Fnaa at dusk", "Cyber Park garden"),
        "Ourika Valley",
    ),
    Destination(
        "Cusco",
        "PE",
        "America/Lima",
        "CUZ",
        10.0,
        ("Belmond Monasterio", "Palacio del Inka", "Casa Cartagena"),
        ("Machu Picchu guided visit", "Sacred Valley tour", "Rainbow Mountain hike", "Andean cooking class"),
        ("San Pedro market visit", "San Blas neighbourhood walk"),
        "Sacred Valley",
    ),
    Destination(
        "Santorini",
        "GR",
        "Europe/Athens",
        "JTR",
        12.0,
        ("Canaves Oia", "Grace Hotel", "Katikies"),
        ("Caldera sailing cruise", "Winery tour", "Akrotiri excavations", "Oia sunset dinner"),
        ("Fira to Oia clifftop hike", "Red Beach swim"),
        "Oia",
    ),
    Destination(
        "Cape Town",
        "ZA",
        "Africa/Johannesburg",
        "CPT",
        16.0,
        ("The Silo Hotel", "Ellerman House", "Cape Grace"),
        ("Table Mountain cableway", "Cape Point tour", "Winelands day", "Robben Island visit"),
        ("Sea Point promenade walk", "Kirstenbosch garden picnic"),
        "Stellenbosch",
    ),
)

FIRST = (
    "Ana",
    "João",
    "Maria",
    "Liam",
    "Olivia",
    "Noah",
    "Emma",
    "Sofia",
    "Mateo",
    "Chloé",
    "Yuki",
    "Hiro",
    "Amara",
    "Kwame",
    "Priya",
    "Arjun",
    "Elena",
    "Luca",
    "Ingrid",
    "Sven",
    "Fatima",
    "Omar",
    "Grace",
    "Daniel",
    "Zoë",
    "Siobhan",
    "Aoife",
    "Ravi",
    "Mei",
    "Carlos",
    "Lucía",
    "Hannah",
    "Ethan",
    "Nadia",
    "Tomás",
    "Isabel",
)
LAST = (
    "Silva",
    "Santos",
    "O'Brien",
    "Nguyen",
    "García",
    "Müller",
    "Rossi",
    "Kowalski",
    "Tanaka",
    "Okafor",
    "Patel",
    "Johansson",
    "Haddad",
    "Murphy",
    "Chen",
    "Dubois",
    "Fernández",
    "Novak",
    "Andersen",
    "Mensah",
    "Kim",
    "Costa",
    "Schmidt",
    "Moreau",
    "Ferreira",
    "Lindqvist",
    "Byrne",
    "Ibrahim",
    "Sato",
    "Romano",
)
HOMES = (
    ("New York", "America/New_York", "JFK", "+1 212"),
    ("Boston", "America/New_York", "BOS", "+1 617"),
    ("Toronto", "America/Toronto", "YYZ", "+1 416"),
    ("Washington", "America/New_York", "IAD", "+1 202"),
    ("Miami", "America/New_York", "MIA", "+1 305"),
)
INTERESTS = (
    "food",
    "wine",
    "art",
    "history",
    "hiking",
    "beaches",
    "architecture",
    "photography",
    "music",
    "design",
)
MEALS = (None, None, None, "vegetarian", "gluten-free", "pescatarian", "halal", "no shellfish")
LEADS = ("referral", "website", "instagram", "repeat client", "travel show", "newsletter")
AIRLINES = (
    ("TAP Air Portugal", "TP"),
    ("Delta Air Lines", "DL"),
    ("Air France", "AF"),
    ("ITA Airways", "AZ"),
)
AGENT_NAMES = (
    ("Marta", "Reis"),
    ("David", "Okonkwo"),
    ("Sara", "Lindgren"),
    ("Kenji", "Watanabe"),
    ("Ines", "Duarte"),
)
THEMES = (
    "Anniversary in",
    "Family week in",
    "Food and wine in",
    "Slow days in",
    "Culture trip to",
    "Spring in",
)
STATUS_CYCLE = (
    "planning",
    "confirmed",
    "planning",
    "completed",
    "in_progress",
    "confirmed",
    "planning",
    "cancelled",
)
