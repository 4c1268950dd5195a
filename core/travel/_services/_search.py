"""Finding records: ``get_anything`` over the search index, search by kind, the duplicate-client policy and
rebuilding the index (the index itself is ``core.travel._search``; writing it, ``_index``)."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, cast

from rapidfuzz import fuzz

from core.errors import ValidationError
from core.security import Principal
from core.travel._models import Client, HitKind, Traveler, Trip, parse_record
from core.travel._results import ClientDraft, Hit, Match
from core.travel._search import RawHit, bulk_load, digits, normalize
from core.travel._services._base import ServiceBase
from core.travel._services._index import all_docs
from core.travel._services._mapper import check_limit, email_key, phone_key

__all__ = ["SearchMixin"]


class SearchMixin(ServiceBase):
    """One search over clients, travelers, trips and items, and the same by kind; existing clients that look
    like a new one (``find_duplicates``) and those the policy calls the same client (``likely_duplicates``);
    rebuild the index."""

    def get_anything(
        self,
        p: Principal,
        query: str,
        limit: int = 20,
        *,
        kinds: Sequence[str] | None = None,
        include_archived: bool = False,
    ) -> list[Hit]:
        """One search over clients, travelers, trips (names, destinations, notes) and items (titles, places,
        confirmation numbers, notes): substring matches from three characters, typo-tolerant, best first."""
        if len(query) > 200:
            raise ValidationError(
                "The search query is longer than 200 characters.", hint="Fix: search for fewer words."
            )
        if kinds is not None:
            unknown = sorted(set(kinds) - {"client", "traveler", "trip", "item"})
            if unknown:
                raise ValidationError(
                    f"Unknown kind(s) {unknown} in get_anything.",
                    hint="Fix: use client, traveler, trip or item.",
                )
        with self.store.snapshot() as conn:
            raw = self._searcher.search(
                conn,
                p.agency_id,
                query,
                limit=check_limit(limit),
                kinds=kinds,
                include_archived=include_archived,
            )
            return self._decorate(conn, raw)

    def _decorate(self, conn: sqlite3.Connection, raw: list[RawHit]) -> list[Hit]:
        """Display title, subtitle and "matched" label for each raw hit, read fresh from the tables."""
        by_kind: dict[str, list[int]] = defaultdict(list)
        for h in raw:
            by_kind[h.kind].append(h.ref_id)
        # (kind, id) -> (title, subtitle, labeller of a tag match, trip_id, client_id)
        info: dict[tuple[str, int], tuple[str, str, Callable[[str], str], int | None, int | None]] = {}

        def rows(sql: str, kind: str) -> list[sqlite3.Row]:
            ids = by_kind[kind]
            return conn.execute(sql.format(marks=", ".join("?" * len(ids))), ids).fetchall() if ids else []

        def contact_label(email: str | None, phone: str | None) -> Callable[[str], str]:
            return lambda term: _tag_label(term, email=email, phone=phone)

        def listed(values: list[str], yes: str, no: str) -> Callable[[str], str]:
            return lambda term: yes if any(term and term in normalize(v) for v in values) else no

        for r in rows("SELECT * FROM clients WHERE id IN ({marks})", "client"):
            contact = " · ".join(x for x in (r["email"], r["phone"]) if x)
            subtitle = _join("Client", contact, _archived(r))
            info["client", r["id"]] = (
                r["name"],
                subtitle,
                contact_label(r["email"], r["phone"]),
                None,
                r["id"],
            )
        traveler_sql = """
            SELECT t.*, c.name AS client FROM travelers t JOIN clients c ON c.id = t.client_id
            WHERE t.id IN ({marks})"""
        for r in rows(traveler_sql, "traveler"):
            subtitle = _join(f"Traveler · {r['client']}", _archived(r))
            name = f"{r['first_name']} {r['last_name']}"
            info["traveler", r["id"]] = (
                name,
                subtitle,
                contact_label(r["email"], r["phone"]),
                None,
                r["client_id"],
            )
        trip_sql = """
            SELECT t.*, c.name AS client FROM trips t LEFT JOIN clients c ON c.id = t.client_id
            WHERE t.id IN ({marks})"""
        for r in rows(trip_sql, "trip"):
            destinations: list[str] = json.loads(r["destinations"])
            dates = f"{r['start_date']} → {r['end_date']}" if r["start_date"] else ""
            where = ", ".join(destinations)
            subtitle = _join(f"Trip · {r['status']}", dates, where, r["client"] or "", _archived(r))
            label = listed(destinations, "destination", "client")
            info["trip", r["id"]] = (r["name"], subtitle, label, r["id"], r["client_id"])
        item_sql = """
            SELECT i.*, t.name AS trip, t.client_id FROM items i JOIN trips t ON t.id = i.trip_id
            WHERE i.id IN ({marks})"""
        for r in rows(item_sql, "item"):
            confirmations: list[str] = json.loads(r["confirmation_numbers"])
            when = (r["start_local"] or "")[:16].replace("T", " ")
            conf = f"conf {', '.join(confirmations)}" if confirmations else ""
            subtitle = _join(r["kind"].capitalize(), r["trip"], when, conf)
            label = listed(confirmations, "confirmation number", "place")
            info["item", r["id"]] = (r["title"], subtitle, label, r["trip_id"], r["client_id"])

        hits: list[Hit] = []
        for h in raw:
            found = info.get((h.kind, h.ref_id))
            if found is None:  # deleted after indexing: skip rather than show a ghost
                continue
            title, subtitle, tag_label, trip_id, client_id = found
            if h.field == "title":
                what = "name" if h.kind in ("client", "traveler") else "title"
            elif h.field == "tags":
                what = tag_label(h.term)
            else:
                what = "notes"
            if h.correction:
                what = f"{what} (typo: {h.correction})"
            hits.append(
                Hit(
                    kind=cast(HitKind, h.kind),
                    id=h.ref_id,
                    title=title,
                    subtitle=subtitle,
                    score=h.score,
                    matched=what,
                    trip_id=trip_id,
                    client_id=client_id,
                )
            )
        return hits

    # -- by kind ---------------------------------------------------------------------------------------------

    def search_clients(
        self, p: Principal, query: str, *, limit: int = 20, include_archived: bool = False
    ) -> list[Client]:
        hits = self.get_anything(p, query, limit=limit, kinds=["client"], include_archived=include_archived)
        conn = self.store.connection()
        return [self._client(conn, p, h.id) for h in hits]

    def search_travelers(self, p: Principal, query: str, *, limit: int = 20) -> list[Traveler]:
        hits = self.get_anything(p, query, limit=limit, kinds=["traveler"])
        conn = self.store.connection()
        return [self._traveler(conn, p, h.id) for h in hits]

    def search_trips(
        self, p: Principal, query: str, *, limit: int = 20, include_archived: bool = False
    ) -> list[Trip]:
        hits = self.get_anything(p, query, limit=limit, kinds=["trip"], include_archived=include_archived)
        conn = self.store.connection()
        return [self._trip(conn, p, h.id) for h in hits]

    # -- the index -------------------------------------------------------------------------------------------

    def reindex(self, p: Principal) -> int:
        """Rebuild the whole search index from the tables (admin only; e.g. after a bulk import). Returns
        docs."""
        p.require_admin("rebuild the search index")
        with self.store.transaction() as conn:
            count = bulk_load(conn, all_docs(conn))
            self._log(
                conn, p, "search.reindex", "search", None, f"Rebuilt the search index ({count} records)"
            )
        return count

    # -- duplicates ------------------------------------------------------------------------------------------

    def find_duplicates(self, p: Principal, draft: ClientDraft | Mapping[str, Any]) -> list[Match]:
        """Existing clients that look like ``draft``: same email (client's or a traveler's), or a similar name
        together with the same phone or the same date of birth. Best first; archived clients included (and
        said)."""
        d = draft if isinstance(draft, ClientDraft) else parse_record(ClientDraft, draft, what="client draft")
        conn = self.store.connection()
        found: dict[int, tuple[float, list[str]]] = {}

        def add(client_id: int, score: float, why: str) -> None:
            best, whys = found.get(client_id, (0.0, []))
            found[client_id] = (max(best, score), [*whys, why] if why not in whys else whys)

        email = email_key(d.email)
        if email:
            for r in conn.execute(
                "SELECT id FROM clients WHERE agency_id = ? AND email_key = ?", (p.agency_id, email)
            ):
                add(r[0], 1.0, f"same email ({email})")
            for r in conn.execute(
                "SELECT t.client_id, t.first_name, t.last_name FROM travelers t JOIN clients c ON c.id = "
                "t.client_id WHERE c.agency_id = ? AND t.email_key = ?",
                (p.agency_id, email),
            ):
                add(r[0], 0.95, f"traveler {r[1]} {r[2]} has the same email ({email})")

        name = normalize(d.name or "")
        phone = phone_key(d.phone)
        if name and phone:
            rows = conn.execute(
                """
                SELECT id FROM clients WHERE agency_id = ? AND phone_key = ?
                UNION SELECT t.client_id FROM travelers t JOIN clients c ON c.id = t.client_id
                WHERE c.agency_id = ? AND t.phone_key = ?""",
                (p.agency_id, phone, p.agency_id, phone),
            ).fetchall()
            for (client_id,) in rows:
                similarity = self._name_similarity(conn, name, client_id)
                if similarity >= 80:
                    add(
                        client_id,
                        0.6 + 0.35 * similarity / 100,
                        f"similar name ({similarity:.0f}%) and same phone",
                    )
        if name and d.date_of_birth:
            rows = conn.execute(
                """
                SELECT DISTINCT t.client_id FROM travelers t JOIN clients c ON c.id = t.client_id
                WHERE c.agency_id = ? AND t.date_of_birth = ?""",
                (p.agency_id, d.date_of_birth.isoformat()),
            ).fetchall()
            for (client_id,) in rows:
                similarity = self._name_similarity(conn, name, client_id, born=d.date_of_birth)
                if similarity >= 80:
                    why = f"similar name ({similarity:.0f}%) and same date of birth"
                    add(client_id, 0.55 + 0.35 * similarity / 100, why)

        matches: list[Match] = []
        for client_id, (score, whys) in found.items():
            client = self._client(conn, p, client_id)
            boost = 0.05 * (len(whys) - 1)
            why = "; ".join(whys) + (" (archived)" if client.archived else "")
            matches.append(Match(client=client, score=round(min(1.0, score + boost), 3), why=why))
        return sorted(matches, key=lambda m: (-m.score, m.client.id or 0))

    def likely_duplicates(self, p: Principal, draft: ClientDraft | Mapping[str, Any]) -> list[Match]:
        """The matches of ``find_duplicates`` that the duplicate-client policy (``DUPLICATE_CLIENT_SCORE``)
        calls the same client, best first: what the Clients page asks about and the MCP tool refuses."""
        return [m for m in self.find_duplicates(p, draft) if m.is_duplicate]

    def duplicates_for_edit(
        self, p: Principal, client_id: int, draft: ClientDraft | Mapping[str, Any]
    ) -> list[Match]:
        """``likely_duplicates`` for an edit of client ``client_id`` or of one of its travelers: the same
        policy as a creation, less the matches of that client itself (its own email is not a duplicate).
        What the Clients page asks about, the CLI refuses without --force and the MCP tools refuse."""
        return [m for m in self.likely_duplicates(p, draft) if m.client.id != client_id]

    @staticmethod
    def _name_similarity(
        conn: sqlite3.Connection, name: str, client_id: int, *, born: date | None = None
    ) -> float:
        """Best rapidfuzz token-set similarity (0..100) of ``name`` with the client's name or its travelers'
        (only those born on ``born``, when given)."""
        names = (
            []
            if born
            else [r[0] for r in conn.execute("SELECT name FROM clients WHERE id = ?", (client_id,))]
        )
        for first, last, dob in conn.execute(
            "SELECT first_name, last_name, date_of_birth FROM travelers WHERE client_id = ?", (client_id,)
        ):
            if born is None or dob == born.isoformat():
                names.append(f"{first} {last}")
        return max((fuzz.token_set_ratio(name, normalize(n)) for n in names), default=0.0)

    # ======================================================================================================


# ------------------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------------------


def _join(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def _archived(row: sqlite3.Row) -> str:
    return "archived" if row["archived"] else ""


def _tag_label(q: str, *, email: str | None, phone: str | None) -> str:
    if email and q and q in normalize(email):
        return "email"
    if phone and q and (q in normalize(phone) or (digits(q) and digits(q) in digits(phone))):
        return "phone"
    return "tag"
