"""``TravelService``: the face, composed of one mixin per aggregate over a shared data mapper."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from core.security import FieldCipher
from core.travel._services._agency import AgencyMixin
from core.travel._services._clients import ClientsMixin
from core.travel._services._days import DaysMixin
from core.travel._services._itinerary import ItineraryMixin
from core.travel._services._money import MoneyMixin
from core.travel._services._records import RecordsMixin
from core.travel._services._search import SearchMixin
from core.travel._services._tiers import TiersMixin
from core.travel._services._trips import TripsMixin
from core.travel._store import TravelStore

if TYPE_CHECKING:
    from core.config import Settings

__all__ = ["TravelService"]


class TravelService(
    AgencyMixin,
    TripsMixin,
    ClientsMixin,
    ItineraryMixin,
    TiersMixin,
    DaysMixin,
    MoneyMixin,
    RecordsMixin,
    SearchMixin,
):
    """The travel domain's services over one ``TravelStore``. Thread-safe; cheap to share.

    ``TravelService.open(settings)`` builds the store at ``settings.travel_db_path`` and the cipher from the
    environment or ``<data_dir>/secret.key``. Tests pass their own ``TravelStore(tmp_path / "travel.db")``.
    ``clock`` (UTC) is for tests; ``today`` arguments default to the local date.

    How it is composed: each aggregate's methods live in one mixin, in its own module of this package, and
    every mixin stands on ``ServiceBase`` (``_base``: the store, cipher, clock and the data mapper of
    ``_mapper``), never on another mixin, except trips on clients:

    - ``AgencyMixin`` (``_agency``): the agency and its users.
    - ``ClientsMixin`` (``_clients``): clients and their travelers, document numbers encrypted.
    - ``TripsMixin`` (``_trips``, over ``ClientsMixin``): trips, a household with its trip in one go, and a
      trip's plan, totals and checks.
    - ``ItineraryMixin`` (``_itinerary``): options, items and the board.
    - ``DaysMixin`` (``_days``): days as slots of the trip's dates; insert, delete and move them.
    - ``TiersMixin`` (``_tiers``): proposal tiers: copy, fork an item, accept, remove, the default three.
    - ``MoneyMixin`` (``_money``): suppliers and payments (``schedule_payments``: deposit and final).
    - ``RecordsMixin`` (``_records``): rendered documents, the activity log, the assistant's instructions.
    - ``SearchMixin`` (``_search``): ``get_anything``, search by kind, duplicate clients, reindex.

    The search index is written with each record by the functions of ``_index``. A new method goes in the
    mixin of the aggregate it changes; what two mixins need goes in ``ServiceBase`` or ``_mapper``.
    """

    @classmethod
    def open(cls, settings: Settings) -> TravelService:
        return cls(TravelStore(settings.travel_db_path), FieldCipher.from_settings(settings))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> TravelService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def atomic(self) -> Generator[None]:
        """Group several service calls into one transaction: all of them happen, or none."""
        with self.store.transaction():
            yield
