"""The travel domain's records: pydantic v2 models that reject every bad value with a message naming the
field.

Conventions (the same everywhere):

- Money is **integer cents** (hundredths of the currency unit, for every currency): fields end in ``_cents``.
  ``to_cents("120.50") == 12050``; ``format_money(12050, "EUR") == "EUR 120.50"``.
- Dates are ``datetime.date``; item times are *local wall-clock* ``datetime`` values without an offset, with
  the IANA zone alongside (``start_local`` + ``start_tz``), as a traveller reads them on a ticket.
- Records are frozen: change them through the services, which validate again and write the activity log.
- ``id``, ``agency_id``, ``created_at`` and ``updated_at`` are set by the store, never by callers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any, Literal, TypeVar, cast
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from core._validation import problems
from core.errors import NotFound, ValidationError
from core.security import Principal, Role, mask_secret
from core.travel._codes import COUNTRIES, CURRENCIES, is_timezone

__all__ = [
    "DEFAULT_TIER_LABELS",
    "DETAIL_FIELDS",
    "MAX_TIERS",
    "PLACEHOLDER_AGENCY_NAME",
    "ActivityEntry",
    "Agency",
    "Client",
    "Day",
    "Document",
    "HitKind",
    "Instruction",
    "Item",
    "ItemDetails",
    "ItineraryOption",
    "LoyaltyProgram",
    "NotFound",
    "PaymentSchedule",
    "RecordInvalid",
    "StepState",
    "Supplier",
    "TravelDocument",
    "Traveler",
    "TravelerPreferences",
    "Trip",
    "User",
    "WorkflowState",
    "format_money",
    "parse_record",
    "to_cents",
]

TripStatus = Literal["planning", "confirmed", "in_progress", "completed", "cancelled"]
OptionStatus = Literal["draft", "sent", "accepted", "archived"]
ItemKind = Literal["flight", "hotel", "activity", "transfer", "rail", "car", "cruise", "note"]
ItemStatus = Literal["proposed", "optional", "booked", "cancelled"]
CommissionStatus = Literal["expected", "received", "none"]
DocumentKind = Literal["proposal", "itinerary", "invoice", "calendar"]
DocumentFormat = Literal["html", "pdf", "ics", "markdown"]
TravelDocumentKind = Literal["passport", "visa", "id"]
SupplierKind = Literal[
    "airline",
    "hotel",
    "tour_operator",
    "cruise_line",
    "rail",
    "car_rental",
    "transfer",
    "activity",
    "dmc",
    "other",
]
StepStatus = Literal["todo", "current", "done", "skipped"]
Severity = Literal["error", "warning", "info"]
PaymentKind = Literal["deposit", "final", "other"]
HitKind = Literal["client", "traveler", "trip", "item"]
Verbosity = Literal["minimal", "normal", "detailed"]

DEFAULT_TIER_LABELS: dict[int, str] = {1: "Essential", 2: "Signature", 3: "Ultimate", 4: "Bespoke"}
MAX_TIERS = 4  # options (pricing tiers) a proposal may offer
PLACEHOLDER_AGENCY_NAME = "My Agency"  # the name a new store's agency has until someone sets the profile
MAX_AGE_YEARS = 130


# ------------------------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------------------------


class RecordInvalid(ValidationError):
    """A record failed validation. ``problems`` maps each field path ("end_date", "documents.0.country") to
    why."""

    def __init__(self, message: str, *, problems: dict[str, str], hint: str = "") -> None:
        self.problems = problems
        super().__init__(message, hint=hint)


def _cents_fix(kind: str, field: str, message: str) -> str | None:
    if field.endswith("_cents") and kind in (
        "int_from_float",
        "int_parsing",
        "int_type",
        "greater_than_equal",
    ):
        return "amounts are whole cents and not negative: 120.50 is 12050"
    return None


def _explain(error: PydanticValidationError, what: str, data: Mapping[str, Any]) -> RecordInvalid:
    found = problems(
        error,
        root="(record)",
        secret=lambda field: "number" in field and "documents" in field,
        fix_for=_cents_fix,
    )
    lines = [p.line() for p in found]
    if len(lines) == 1:
        message = f"Invalid {what}: {lines[0]}"
    else:
        message = f"Invalid {what} ({len(lines)} problems):\n" + "\n".join(f"  - {line}" for line in lines)
    return RecordInvalid(message, problems={p.field: p.message for p in found})


M = TypeVar("M", bound=BaseModel)


def parse_record(model: type[M], data: Mapping[str, Any], *, what: str | None = None) -> M:
    """Validate ``data`` as ``model``; raise ``RecordInvalid`` (a ``core.errors.ValidationError``) naming each
    field."""
    try:
        return model.model_validate(dict(data))
    except PydanticValidationError as e:
        raise _explain(e, what or model.__name__.lower(), data) from e


# ------------------------------------------------------------------------------------------------------------
# Money
# ------------------------------------------------------------------------------------------------------------


def to_cents(amount: Decimal | str | int | float) -> int:
    """``"120.50"`` / ``Decimal("120.5")`` / ``120.5`` -> ``12050`` (half-up). Raises ``ValidationError``."""
    try:
        value = Decimal(str(amount).replace(",", "").strip())
    except InvalidOperation as e:
        raise ValidationError(
            f"Amount {amount!r} is not a number.", hint="Fix: write it like 120.50 (no currency sign)."
        ) from e
    if not value.is_finite():
        raise ValidationError(f"Amount {amount!r} is not a finite number.", hint="Fix: write it like 120.50.")
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_money(cents: int, currency: str) -> str:
    """``format_money(123450, "EUR") == "EUR 1,234.50"``."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{currency} {units:,}.{rest:02d}"


# ------------------------------------------------------------------------------------------------------------
# Field types
# ------------------------------------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_PHONE = re.compile(r"^\+?[0-9][0-9 ().\-/]*(?:\s*(?:x|ext\.?)\s*[0-9]+)?$", re.I)


def _email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.match(value) or len(value) > 254:
        raise ValueError(f"'{value}' is not a valid email address: write it as name@example.com")
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def _phone(value: str) -> str:
    value = " ".join(value.split())
    digits = sum(c.isdigit() for c in value)
    if not _PHONE.match(value) or not 6 <= digits <= 17:
        raise ValueError(
            f"'{value}' is not a phone number: use digits, spaces and + ( ) - only, e.g. +351 912 345 678"
        )
    return value


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _currency(value: str) -> str:
    if value not in CURRENCIES:
        raise ValueError(
            f"unknown currency code '{value}': use an ISO 4217 code such as USD, EUR or GBP (accepted: "
            f"{', '.join(sorted(CURRENCIES))})"
        )
    return value


def _country(value: str) -> str:
    if value not in COUNTRIES:
        raise ValueError(
            f"unknown country code '{value}': use an ISO 3166-1 alpha-2 code such as PT, US or JP"
        )
    return value


def _timezone(value: str) -> str:
    value = value.strip()
    if not is_timezone(value):
        raise ValueError(
            f"unknown time zone '{value}': use an IANA name such as Europe/Lisbon or America/New_York"
        )
    return value


def _clean_list(value: Any) -> Any:
    """Strip entries, drop blanks and repeats, keep order. A single string becomes a one-element list."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, (list, tuple)):
        out: list[Any] = []
        for v in cast("Sequence[Any]", value):
            v = v.strip() if isinstance(v, str) else v
            if v not in ("", None) and v not in out:
                out.append(v)
        return out
    return value


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _optional(check: Any) -> Any:
    def run(value: str | None) -> str | None:
        return None if value is None else check(value)

    return run


# Optional fields where a blank string means "not given".
Email = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(_optional(_email))]
Phone = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(_optional(_phone))]
CurrencyCode = Annotated[str, BeforeValidator(_upper), AfterValidator(_currency)]
CountryCode = Annotated[str, BeforeValidator(_upper), AfterValidator(_country)]
TimeZoneName = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(_optional(_timezone))]
Cents = Annotated[int, Field(ge=0)]
Rate = Annotated[float, Field(ge=0, le=1)]
Name = Annotated[str, Field(min_length=1, max_length=300)]
OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]
StrList = Annotated[list[str], BeforeValidator(_clean_list)]
Id = Annotated[int, Field(ge=1)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Stored(Record):
    """A record the store keeps: these fields are the store's, not the caller's."""

    id: Id | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


SYSTEM_FIELDS = frozenset({"id", "agency_id", "created_at", "updated_at"})


# ------------------------------------------------------------------------------------------------------------
# Agencies and people
# ------------------------------------------------------------------------------------------------------------


class Agency(Stored):
    """The agency's profile: who signs every client document."""

    name: Name
    default_currency: CurrencyCode = "USD"
    address: str = ""  # as printed, one line per line
    phone: Phone = None
    email: Email = None
    website: OptionalText = None
    terms: str = ""  # the invoice's terms; blank: the template's
    logo_path: OptionalText = None  # a PNG or JPEG the services stored under the data folder

    @property
    def is_placeholder(self) -> bool:
        """True while the profile is the new store's "My Agency": documents warn instead of printing it."""
        return self.name.strip() == PLACEHOLDER_AGENCY_NAME


class User(Stored):
    agency_id: Id | None = None
    email: Email = None
    display_name: Name
    role: Role = "agent"
    active: bool = True

    def principal(self) -> Principal:
        """The ``Principal`` this user acts as."""
        if self.id is None or self.agency_id is None:
            raise ValidationError(f"User {self.display_name!r} is not saved yet, so it cannot act.")
        return Principal(
            user_id=self.id, agency_id=self.agency_id, role=self.role, display_name=self.display_name
        )


class Client(Stored):
    """A household (or company) the agency works for; its people are ``Traveler`` records."""

    agency_id: Id | None = None
    name: Name
    email: Email = None
    phone: Phone = None
    address: OptionalText = None
    notes: str = ""
    tags: StrList = Field(default_factory=list)
    archived: bool = False
    external_id: OptionalText = None


class TravelerPreferences(Record):
    seat: Literal["aisle", "window", "any"] | None = None
    meal: OptionalText = None  # dietary needs: "vegetarian", "gluten-free", "halal", ...
    accessibility: OptionalText = None
    hotel_tier: Literal["budget", "midrange", "upscale", "luxury"] | None = None
    interests: StrList = Field(default_factory=list)


class LoyaltyProgram(Record):
    program: Name
    number: Annotated[str, Field(min_length=1, max_length=64)]


class TravelDocument(Record):
    """A passport, visa or identity card. ``number`` is secret: stored encrypted, shown as ``masked``."""

    kind: TravelDocumentKind = "passport"
    number: SecretStr
    country: CountryCode
    expiry: date | None = None

    @field_validator("number")
    @classmethod
    def _number(cls, value: SecretStr) -> SecretStr:
        raw = " ".join(value.get_secret_value().split())
        if not 3 <= len(raw) <= 32:
            raise ValueError("a document number has 3 to 32 characters: copy it from the document")
        return SecretStr(raw)

    @property
    def masked(self) -> str:
        """``••••1234``: what screens, documents and logs show."""
        return mask_secret(self.number.get_secret_value())

    @field_serializer("number", when_used="json")
    def _dump_masked(self, value: SecretStr) -> str:
        return mask_secret(value.get_secret_value())


class Traveler(Stored):
    """A person who travels, with the legal name as on the passport."""

    client_id: Id
    first_name: Name
    last_name: Name
    date_of_birth: date | None = None
    email: Email = None
    phone: Phone = None
    preferences: TravelerPreferences = Field(default_factory=TravelerPreferences)
    loyalty_programs: list[LoyaltyProgram] = Field(default_factory=list[LoyaltyProgram])
    documents: list[TravelDocument] = Field(default_factory=list[TravelDocument])
    notes: str = ""
    archived: bool = False
    external_id: OptionalText = None

    @field_validator("date_of_birth")
    @classmethod
    def _born(cls, value: date | None) -> date | None:
        if value is None:
            return value
        today = date.today()
        if value > today:
            raise ValueError(f"{value} is in the future: check the year")
        if value.year < today.year - MAX_AGE_YEARS:
            raise ValueError(f"{value} is more than {MAX_AGE_YEARS} years ago: check the year")
        return value

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def passport(self) -> TravelDocument | None:
        """The passport that expires last (a renewed one beats the old one), or None."""
        passports = [d for d in self.documents if d.kind == "passport"]
        return max(passports, key=lambda d: d.expiry or date.max, default=None)


class Trip(Stored):
    agency_id: Id | None = None
    client_id: Id | None = None  # the household the trip is for
    agent_id: Id | None = None  # the user who owns it
    name: Name
    status: TripStatus = "planning"
    start_date: date | None = None
    end_date: date | None = None
    destinations: StrList = Field(default_factory=list)
    party: list[Id] = Field(default_factory=list[int])  # traveler ids, in order
    budget_cents: Cents | None = None
    currency: CurrencyCode = "USD"
    lead_source: OptionalText = None
    planning_fee_cents: Cents = 0
    notes: str = ""
    archived: bool = False
    external_id: OptionalText = None

    @field_validator("end_date")
    @classmethod
    def _end_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start_date")
        if value is not None and start is not None and value < start:
            raise ValueError(f"must be on or after start_date ({start}): fix end_date or start_date")
        return value

    @field_validator("party")
    @classmethod
    def _unique_party(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("lists a traveler twice: give each traveler id once")
        return value

    @property
    def nights(self) -> int | None:
        if self.start_date is None or self.end_date is None:
            return None
        return (self.end_date - self.start_date).days


class ItineraryOption(Stored):
    """One of the (up to four) pricing tiers of a proposal."""

    trip_id: Id
    tier: Annotated[int, Field(ge=1, le=MAX_TIERS)]
    label: str = ""
    status: OptionStatus = "draft"
    notes: str = ""

    @field_validator("label")
    @classmethod
    def _default_label(cls, value: str, info: ValidationInfo) -> str:
        tier = info.data.get("tier")
        return value or DEFAULT_TIER_LABELS.get(tier if isinstance(tier, int) else 0, "Option")


class Day(Stored):
    """A day of the itinerary; ``option_id`` None means it belongs to every option (the shared plan)."""

    trip_id: Id
    option_id: Id | None = None
    date: date
    title: str = ""
    notes: str = ""


class Supplier(Stored):
    agency_id: Id | None = None
    name: Name
    kind: SupplierKind = "other"
    email: Email = None
    phone: Phone = None
    website: OptionalText = None
    commission_rate: Rate | None = None
    notes: str = ""
    archived: bool = False
    external_id: OptionalText = None


DETAIL_FIELDS: dict[str, tuple[str, ...]] = {
    "flight": ("carrier", "number", "from_code", "to_code", "cabin", "seat"),
    "rail": ("carrier", "number", "from_code", "to_code", "cabin", "seat"),
    "hotel": ("room", "board"),
    "cruise": ("carrier", "ship", "cabin"),
    "car": ("carrier", "car_class", "pickup", "dropoff"),
    "transfer": ("carrier", "vehicle", "pickup", "dropoff"),
    "activity": ("meeting_point",),
    "note": (),
}
"""Which ``ItemDetails`` fields each kind of item has (a flight's carrier is its airline, a rail trip's its
operator; ``number`` is the flight or train number, ``from_code``/``to_code`` the airports or stations)."""


class ItemDetails(Record):
    """What only some kinds of item have (see ``DETAIL_FIELDS``); blank means not given."""

    carrier: OptionalText = None
    number: OptionalText = None
    from_code: OptionalText = None
    to_code: OptionalText = None
    cabin: OptionalText = None
    seat: OptionalText = None
    room: OptionalText = None
    board: OptionalText = None
    ship: OptionalText = None
    car_class: OptionalText = None
    pickup: OptionalText = None
    dropoff: OptionalText = None
    vehicle: OptionalText = None
    meeting_point: OptionalText = None

    def given(self) -> dict[str, str]:
        """The fields that are set, in declaration order."""
        return {k: v for k, v in self.model_dump().items() if v}


class Item(Stored):
    """One thing in the itinerary: a flight, a hotel stay, an activity, ... or a note.

    ``day_id`` None means unscheduled (the trip's "ideas" list). ``position`` is dense (0..n-1) within a day
    (or within the unscheduled list) and managed by the services. Money is in cents, in ``currency``.
    Commission is ``commission_cents`` when given, else ``commission_rate`` × ``sell_cents`` (see
    ``effective_commission_cents``).
    """

    trip_id: Id
    day_id: Id | None = None
    position: Annotated[int, Field(ge=0)] = 0
    kind: ItemKind
    title: Name
    place_name: OptionalText = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = Field(default=None, validate_default=True)
    start_tz: TimeZoneName = None
    start_local: datetime | None = None
    end_tz: TimeZoneName = None  # defaults to start_tz when end_local is given
    end_local: datetime | None = None
    supplier_id: Id | None = None
    confirmation_numbers: StrList = Field(default_factory=list)
    status: ItemStatus = "proposed"
    cost_cents: Cents = 0
    sell_cents: Cents = 0
    currency: CurrencyCode = "USD"
    commission_rate: Rate | None = None
    commission_cents: Cents | None = None
    commission_status: CommissionStatus = "none"
    deposit_due: date | None = None
    final_payment_due: date | None = None
    client_notes: str = ""
    internal_notes: str = ""
    external_id: OptionalText = None
    details: ItemDetails = Field(default_factory=ItemDetails)

    @model_validator(mode="after")
    def _details_fit_the_kind(self) -> Item:
        allowed = DETAIL_FIELDS.get(self.kind, ())
        wrong = [k for k in self.details.given() if k not in allowed]
        if wrong:
            fits = ", ".join(allowed) or "none"
            raise ValueError(
                f"details {', '.join(wrong)} do not apply to a {self.kind} item (a {self.kind} has: {fits}); "
                "remove them or change the kind"
            )
        return self

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(cast("dict[str, Any]", data))
            has_commission = data.get("commission_rate") or data.get("commission_cents")
            if data.get("commission_status") is None and has_commission:
                data["commission_status"] = "expected"
            if data.get("end_tz") in (None, "") and data.get("end_local") not in (None, ""):
                data["end_tz"] = data.get("start_tz")
        return data

    @field_validator("start_local", "end_local")
    @classmethod
    def _wall_clock(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            zone = "start_tz" if info.field_name == "start_local" else "end_tz"
            raise ValueError(f"give the local wall-clock time without a UTC offset, and the zone in {zone}")
        return value

    @field_validator("lon")
    @classmethod
    def _both_coordinates(cls, value: float | None, info: ValidationInfo) -> float | None:
        if (value is None) != (info.data.get("lat") is None) and "lat" in info.data:
            raise ValueError("give both lat and lon, or neither")
        return value

    @field_validator("end_local")
    @classmethod
    def _end_not_before_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("start_local")
        start_tz = info.data.get("start_tz")
        if (
            value is not None
            and start is not None
            and value < start
            and (info.data.get("end_tz") or start_tz) == start_tz
        ):
            raise ValueError(
                f"must not be before start_local ({start.isoformat(timespec='minutes')}) in the same time "
                "zone: check the date, or set end_tz if it ends in another zone"
            )
        return value

    @property
    def start_utc(self) -> datetime | None:
        return _to_utc(self.start_local, self.start_tz)

    @property
    def end_utc(self) -> datetime | None:
        return _to_utc(self.end_local, self.end_tz or self.start_tz)

    @property
    def effective_commission_cents(self) -> int:
        if self.commission_status == "none":
            return 0
        if self.commission_cents is not None:
            return self.commission_cents
        if self.commission_rate is None:
            return 0
        amount = Decimal(self.sell_cents) * Decimal(str(self.commission_rate))
        return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _to_utc(local: datetime | None, zone: str | None) -> datetime | None:
    if local is None or zone is None:
        return None
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


class PaymentSchedule(Stored):
    """One payment the client owes: the deposit, the final payment, or another instalment."""

    trip_id: Id
    kind: PaymentKind = "other"
    due_date: date
    amount_cents: Annotated[int, Field(gt=0)]
    description: str = ""
    paid: bool = False
    paid_on: date | None = None

    @field_validator("paid_on")
    @classmethod
    def _paid_on_needs_paid(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None and info.data.get("paid") is False:
            raise ValueError("is set but paid is false: set paid to true, or clear paid_on")
        return value


class Document(Stored):
    """A rendered document, as recorded in the registry (the file itself lives at ``path``)."""

    trip_id: Id
    kind: DocumentKind
    version: Annotated[int, Field(ge=1)]
    format: DocumentFormat
    path: Name
    created_by: Id | None = None


class ActivityEntry(Record):
    id: int
    agency_id: int
    at: datetime
    user_id: int | None
    user_name: str | None
    action: str  # "trip.create", "item.move", "workflow.advance", ...
    entity: str  # "trip", "item", ...
    entity_id: int | None
    trip_id: int | None
    client_id: int | None
    summary: str
    details: dict[str, Any] = Field(default_factory=dict)


class Instruction(Stored):
    """Text that steers the assistant (one per workflow step, plus general ones). Edited as data, not code."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]{0,79}$")]
    category: Annotated[str, Field(min_length=1, max_length=40)] = "general"
    title: str = ""
    text: Annotated[str, Field(min_length=1)]  # the "normal" verbosity
    variants: dict[Literal["minimal", "detailed"], str] = Field(
        default_factory=dict[Literal["minimal", "detailed"], str]
    )
    updated_by: int | None = None

    def for_verbosity(self, verbosity: Verbosity = "normal") -> str:
        if verbosity == "normal":
            return self.text
        return self.variants.get(verbosity) or self.text


# ------------------------------------------------------------------------------------------------------------
# Workflow state (the steps themselves are data in core.travel.workflow)
# ------------------------------------------------------------------------------------------------------------


class StepState(Record):
    number: Annotated[int, Field(ge=1)]
    status: StepStatus = "todo"
    ticks: list[int] = Field(default_factory=list[int])  # indexes into the step's checklist
    notes: str = ""
    started_at: datetime | None = None
    completed_at: datetime | None = None
    result: dict[str, Any] = Field(default_factory=dict)  # step 8 keeps its flags here


class WorkflowState(Record):
    trip_id: int
    current_step: int | None  # None when every step is done or skipped
    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    steps: list[StepState]


def merge(
    current: BaseModel, changes: Mapping[str, Any], *, what: str, frozen: Iterable[str] = ()
) -> dict[str, Any]:
    """``current`` as a dict with ``changes`` applied; refuses system and ``frozen`` fields, naming them."""
    blocked = sorted(set(changes) & (SYSTEM_FIELDS | set(frozen)))
    if blocked:
        raise RecordInvalid(
            f"Invalid {what} update: {', '.join(blocked)} cannot be changed this way.",
            problems={b: "cannot be changed here" for b in blocked},
            hint="Fix: leave it out (the store sets ids and timestamps; items move with move_item).",
        )
    data = current.model_dump()
    data.update(changes)
    return data


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
