"""People: clients_v2 and Clients (+ ClientGroups) rows become households with their travelers; a person who
matches an existing client (``Match.is_duplicate``) is merged into that household, filling only blanks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rapidfuzz import fuzz

from core.errors import TravelOpsError
from core.security import mask_secret
from core.travel._models import Client, RecordInvalid, Traveler, parse_record
from core.travel._results import ClientDraft, Match
from core.travel._search import normalize
from core.travel.d1._drafts import Person, Row
from core.travel.d1._fixes import fit
from core.travel.d1._mappers import (
    json_field,
    masked_text,
    plain,
    read_address,
    read_loyalty,
    read_preferences,
)
from core.travel.d1._run import Part
from core.travel.d1.values import (
    Unreadable,
    clean_text,
    is_blank,
    is_list,
    is_object,
    json_or_text,
    pick,
    read_country,
    read_date,
    read_json,
    split_name,
)

__all__ = ["People", "read_person"]

_FIELD_WORDS = {"documents": "travel documents", "date_of_birth": "date of birth"}


def read_person(person: Person, row: Mapping[str, Any]) -> None:
    """Fields common to clients_v2 and Clients."""
    first = clean_text(pick(row, "first_name", "firstname", "given_name"))
    last = clean_text(pick(row, "last_name", "lastname", "surname", "family_name"))
    full = clean_text(pick(row, "full_name", "name", "client_name", "display_name"))
    if first and last:
        person.first, person.last = first, last
        person.client_name = full or f"{first} {last}"
    elif full or first or last:
        person.client_name = full or first or last
        assert person.client_name is not None
        split = split_name(person.client_name)
        if split:
            person.first, person.last = split
            person.client_name = f"{person.first} {person.last}"
        else:
            person.fixes.append(
                f"name '{person.client_name}' is a single word: imported as a client without a "
                "traveler (a traveler needs a legal first and last name; add it by hand)"
            )
    person.email = clean_text(pick(row, "email", "email_address"))
    person.phone = clean_text(pick(row, "phone", "phone_number", "mobile", "telephone"))
    person.address = read_address(pick(row, "address"))
    if person.client_name is None:
        if person.email:
            person.client_name = person.email
            person.fixes.append(
                "the name is empty: the client is named after its email, without a traveler "
                "(add the traveler's legal name by hand)"
            )
        else:
            person.skip = "the name and the email are empty: nothing identifies this client"
    if person.email is None and person.skip is None:
        person.warnings.append("no email: duplicates of this client can only be found by name and phone")
    dob = pick(row, "date_of_birth", "dob", "birth_date", "birthday", "birthdate")
    try:
        person.date_of_birth = read_date(dob)
    except Unreadable as e:
        person.fixes.append(f"date_of_birth {e}: left empty")
    try:
        prefs = json_or_text(pick(row, "preferences", "travel_preferences"))
    except Unreadable as e:
        prefs = None
        person.fixes.append(f"preferences {e}: kept as text in the traveler's notes")
        person.traveler_notes.append(f"Preferences (original): {clean_text(row.get('preferences'))}")
    person.preferences, leftover = read_preferences(prefs)
    if leftover:
        person.traveler_notes.append(f"Preferences (original): {leftover}")
    try:
        loyalty = json_or_text(pick(row, "loyalty_programs", "loyalty", "frequent_flyer"))
    except Unreadable as e:
        loyalty = None
        person.fixes.append(f"loyalty_programs {e}: kept as text in the traveler's notes")
        person.traveler_notes.append(
            f"Loyalty programs (original): {clean_text(row.get('loyalty_programs'))}"
        )
    person.loyalty, leftover = read_loyalty(loyalty)
    if leftover:
        person.traveler_notes.append(f"Loyalty programs (original): {leftover}")
    notes = pick(row, "notes", "note", "comments")
    if notes is not None:
        try:
            person.client_notes.append(plain(json_or_text(notes)))
        except Unreadable:
            person.client_notes.append(str(notes).strip())


def travel_docs(person: Person, docs: Mapping[str, Any], *, nationality: Any) -> None:
    """Passport and visas into documents (encrypted); insurance and the rest into notes, numbers masked."""
    fallback_country = read_country(nationality)
    passport = docs.get("passport")
    if isinstance(passport, (str, int)) and not is_blank(passport):
        passport = {"number": str(passport)}
    if is_object(passport) and not is_blank(pick(passport, "number", "passport_number", "no")):
        _document(person, "passport", passport, fallback_country)
    visas: Any = docs.get("visas") or []
    for visa in visas if is_list(visas) else [visas]:
        if (
            is_object(visa)
            and pick(visa, "number", "visa_number")
            and read_country(pick(visa, "country", "issuing_country"))
        ):
            _document(person, "visa", visa, None)
        elif not is_blank(visa):
            person.traveler_notes.append(f"Visa: {masked_text(visa)}")
    insurance = docs.get("travel_insurance") or docs.get("insurance")
    if not is_blank(insurance):
        person.traveler_notes.append(f"Travel insurance: {masked_text(insurance)}")
    for name, value in docs.items():
        if name not in ("passport", "visas", "travel_insurance", "insurance") and not is_blank(value):
            person.traveler_notes.append(f"{name.replace('_', ' ').capitalize()}: {masked_text(value)}")


def _document(person: Person, kind: str, doc: Mapping[str, Any], fallback: str | None) -> None:
    number = str(pick(doc, "number", "passport_number", "visa_number", "no"))
    raw_country = pick(doc, "country", "issuing_country", "issued_by", "nationality")
    country = read_country(raw_country) or (fallback if raw_country is None else None)
    if country is None:
        why = f"country '{raw_country}' is not one we know" if raw_country else "it names no country"
        person.fixes.append(f"{kind} {mask_secret(number)} not imported: {why} (add it by hand)")
        return
    try:
        expiry = read_date(pick(doc, "expiry", "expiry_date", "expires", "expiration", "expiration_date"))
    except Unreadable as e:
        expiry = None
        person.fixes.append(f"{kind} {mask_secret(number)} expiry {e}: imported without an expiry")
    person.documents.append({"kind": kind, "number": number, "country": country, "expiry": expiry})


class People(Part):
    """Imports the people of the dump, one all-or-nothing ``service.atomic()`` per person."""

    def people_v2(self) -> None:
        table = self.run.table("clients_v2") if self.dump.has("clients_v2") else ""
        for n, row in enumerate(self.dump.rows("clients_v2"), start=1):
            key = clean_text(pick(row, "client_id", "id")) or f"row {n}"
            person = Person(table, key, external_id=f"d1:{table}:{key}")
            read_person(person, row)
            contact = json_field(person, row, "contact_info", dict, keep_raw=True, notes=person.client_notes)
            person.phone = person.phone or clean_text(
                pick(contact, "phone", "mobile", "cell", "telephone", "tel")
            )
            person.email = person.email or clean_text(pick(contact, "email", "email_address"))
            address = pick(contact, "address", "home_address", "mailing_address")
            person.address = person.address or read_address(address)
            emergency = pick(contact, "emergency_contact", "emergency")
            if emergency is not None:
                person.client_notes.append(f"Emergency contact: {plain(emergency)}")
            used = {"phone", "mobile", "cell", "telephone", "tel", "email", "email_address", "address"}
            used |= {"home_address", "mailing_address", "emergency_contact", "emergency"}
            extra = {k: v for k, v in contact.items() if k not in used and not is_blank(v)}
            if extra:
                person.client_notes.append(f"Contact (original): {plain(extra)}")
            docs = json_field(person, row, "travel_docs", dict, keep_raw=False)
            travel_docs(person, docs, nationality=pick(row, "nationality", "citizenship", "country"))
            self.import_person(person)

    def people_old(self) -> None:
        groups: dict[str, tuple[str, str]] = {}  # group id -> (external id, name)
        members: dict[str, str] = {}  # client id -> group id, from a members list in ClientGroups
        group_table = self.run.table("clientgroups") if self.dump.has("clientgroups") else ""
        group_rows = self.dump.rows("clientgroups")
        for n, row in enumerate(group_rows, start=1):
            gid = clean_text(pick(row, "group_id", "client_group_id", "id")) or f"row {n}"
            name = clean_text(pick(row, "group_name", "name", "title")) or f"Group {gid}"
            groups[gid] = (f"d1:{group_table}:{gid}", name)
            listed: list[Any]
            try:
                listed = read_json(pick(row, "client_ids", "members", "member_ids"), list)
            except Unreadable:
                listed = []
            for member in listed:
                member_id = member.get("client_id") if is_object(member) else member
                if clean_text(member_id):
                    members[str(clean_text(member_id))] = gid
            lead = clean_text(pick(row, "primary_client_id", "lead_client_id"))
            if lead:
                members.setdefault(lead, gid)

        table = self.run.table("clients") if self.dump.has("clients") else ""
        for n, row in enumerate(self.dump.rows("clients"), start=1):
            key = clean_text(pick(row, "client_id", "id")) or f"row {n}"
            person = Person(table, key, external_id=f"d1:{table}:{key}")
            read_person(person, row)
            person.address = read_address(
                {
                    k: row.get(k)
                    for k in ("address", "street", "city", "state", "postal_code", "zip", "country")
                }
            )
            number = clean_text(pick(row, "passport_number", "passport_no", "passport"))
            if number:
                passport = {
                    "number": number,
                    "country": pick(row, "passport_country", "passport_issuing_country"),
                    "expiry": pick(row, "passport_expiry", "passport_expiration", "passport_expires"),
                }
                docs = {"passport": passport}
                travel_docs(person, docs, nationality=pick(row, "nationality", "citizenship"))
            gid = clean_text(pick(row, "group_id", "client_group_id")) or members.get(key)
            if gid and gid in groups:
                ext, name = groups[gid]
                person.group = (ext, name, gid)
            self.import_person(person)

        for n, row in enumerate(group_rows, start=1):
            gid = clean_text(pick(row, "group_id", "client_group_id", "id")) or f"row {n}"
            external_id = groups[gid][0]
            if external_id in self.run.groups_created:
                self.record(Row(group_table, gid), "imported")
            elif self.svc.find_by_external_id(self.p, "client", external_id) is not None:
                self.record(Row(group_table, gid), "unchanged")
            else:
                self.record(
                    Row(group_table, gid),
                    "skipped",
                    "no imported client belongs to this group: no household was created for it",
                )

    def import_person(self, person: Person) -> None:
        self._check_contacts(person)
        if person.group and not (person.first and person.last):
            person.skip = (
                f"member of group {person.group[2]} without a legal first and last name: nothing to add to the "
                "group's household (add the traveler by hand)"
            )
        if person.skip:
            self.record(person, "skipped", person.skip)
            return
        svc, p = self.svc, self.p
        client_id = svc.find_by_external_id(p, "client", person.external_id)
        if client_id is not None:
            self._remember(person, client_id, self._traveler_with(client_id, person.external_id))
            self.record(person, "unchanged")
            return
        match, lookalikes = self._duplicate_of(person)
        households = [m for m in (match.client.id if match else None,) if m is not None]
        if person.group:
            group_id = svc.find_by_external_id(p, "client", person.group[0])
            if group_id is not None:
                households.append(group_id)
        for household in households:
            traveler_id = self._traveler_with(household, person.external_id)
            if traveler_id is not None or f"[{person.external_id}]" in svc.get_client(p, household).notes:
                self._remember(person, household, traveler_id)
                self.record(person, "unchanged")
                return
        saved = dict(self.run.created), set(self.run.groups_created)
        merged = ""
        try:
            with svc.atomic():
                if match is not None:
                    merged, household, traveler_id = self._merge(person, match)
                elif person.group:
                    household = self._group_household(person)
                    traveler_id = self._add_traveler(person, household)
                else:
                    household, traveler_id = self.new_client(person)
        except (TravelOpsError, Unreadable) as e:
            self.run.created, self.run.groups_created = saved
            self.record(person, "skipped", f"not imported (nothing of it was written): {e}")
            return
        self._remember(person, household, traveler_id)
        if merged:
            self.record(person, "merged", merged)
            return
        for m in lookalikes:
            person.warnings.append(
                f"looks like client '{m.client.name}' (#{m.client.id}): {m.why}; merge by hand if it is the "
                "same person"
            )
        self.record(person, "imported")

    def _check_contacts(self, person: Person) -> None:
        """An email or phone our model refuses is dropped once here (kept as written in the client's notes)."""
        for key in ("email", "phone"):
            value = getattr(person, key)
            if value is None:
                continue
            try:
                parse_record(Client, {"name": "check", key: value}, what="client")
            except RecordInvalid as e:
                setattr(person, key, None)
                person.client_notes.append(f"Original {key} (not valid): {value}")
                why = e.problems.get(key, "not valid")
                person.fixes.append(f"{key} '{value}' dropped: {why}; kept as written in the client's notes")

    def _duplicate_of(self, person: Person) -> tuple[Match | None, list[Match]]:
        name = " ".join(x for x in (person.first, person.last) if x) or person.client_name
        draft = ClientDraft(
            name=name, email=person.email, phone=person.phone, date_of_birth=person.date_of_birth
        )
        try:
            matches = self.svc.find_duplicates(self.p, draft)
        except RecordInvalid:
            return None, []
        sure = [m for m in matches if m.is_duplicate and m.client.id is not None]
        return (sure[0] if sure else None), [m for m in matches if not m.is_duplicate][:2]

    def _traveler_with(self, client_id: int, external_id: str) -> int | None:
        for t in self.svc.list_travelers(self.p, client_id, include_archived=True):
            if t.external_id == external_id:
                return t.id
        return None

    def _remember(self, person: Person, client_id: int, traveler_id: int | None) -> None:
        self.run.people[person.table.lower(), person.key] = (client_id, traveler_id)
        if person.email:
            self.run.by_email.setdefault(person.email.lower(), (client_id, traveler_id))

    def _client_fields(self, person: Person, name: str, external_id: str) -> dict[str, Any]:
        data = {
            "name": name,
            "email": person.email,
            "phone": person.phone,
            "address": person.address,
            "notes": "\n".join(person.client_notes),
            "external_id": external_id,
        }
        return fit(Client, data, what="client", keep=frozenset({"name", "external_id"}), fixes=person.fixes)

    def _traveler_fields(self, person: Person) -> dict[str, Any] | None:
        if not (person.first and person.last):
            return None
        data = {
            "first_name": person.first,
            "last_name": person.last,
            "date_of_birth": person.date_of_birth,
            "email": person.email,
            "phone": person.phone,
            "preferences": person.preferences,
            "loyalty_programs": person.loyalty,
            "documents": person.documents,
            "notes": "\n".join(person.traveler_notes),
            "external_id": person.external_id,
            "client_id": 1,
        }
        keep = frozenset({"first_name", "last_name", "external_id", "client_id"})
        fitted = fit(Traveler, data, what="traveler", keep=keep, fixes=person.fixes)
        fitted.pop("client_id")
        return fitted

    def new_client(self, person: Person) -> tuple[int, int | None]:
        assert person.client_name is not None
        fields = self._client_fields(person, person.client_name, person.external_id)
        traveler = self._traveler_fields(person)
        client = self.svc.create_client(self.p, **fields)
        assert client.id is not None
        self.run.created["clients"] += 1
        traveler_id = None
        if traveler is not None:
            traveler_id = self.svc.add_traveler(self.p, client.id, **traveler).id
            self.run.created["travelers"] += 1
        return client.id, traveler_id

    def _group_household(self, person: Person) -> int:
        assert person.group is not None
        external_id, name, _ = person.group
        existing = self.svc.find_by_external_id(self.p, "client", external_id)
        if existing is not None:
            return existing
        client = self.svc.create_client(
            self.p,
            name=name,
            external_id=external_id,
            notes=f"Imported from the original system ({external_id}).",
        )
        assert client.id is not None
        self.run.created["clients"] += 1
        self.run.groups_created.add(external_id)
        return client.id

    def _add_traveler(self, person: Person, client_id: int) -> int | None:
        traveler = self._traveler_fields(person)
        if traveler is None:
            return None
        added = self.svc.add_traveler(self.p, client_id, **traveler)
        self.run.created["travelers"] += 1
        return added.id

    def _merge(self, person: Person, match: Match) -> tuple[str, int, int | None]:
        """Join ``person`` to the matched household: fill the blanks of the same traveler, or add them."""
        svc, p = self.svc, self.p
        client = match.client
        assert client.id is not None
        name = " ".join(x for x in (person.first, person.last) if x)
        same = None
        for t in svc.list_travelers(p, client.id):
            similar = name and fuzz.token_set_ratio(normalize(name), normalize(t.full_name)) >= 90
            born_ok = not (
                person.date_of_birth and t.date_of_birth and person.date_of_birth != t.date_of_birth
            )
            if similar and born_ok:
                same = t
                break
        added: list[str] = []
        why = match.why.split("; ")[0]
        traveler_id: int | None = None
        if same is not None and same.id is not None:
            traveler_id = same.id
            fitted = self._traveler_fields(person) or {}
            changes: dict[str, Any] = {}
            for key in ("date_of_birth", "email", "phone"):
                if getattr(same, key) is None and fitted.get(key):
                    changes[key] = fitted[key]
            have = {(d.kind, d.number.get_secret_value()) for d in same.documents}
            new_docs = [d for d in fitted.get("documents", []) if (d["kind"], d["number"]) not in have]
            if new_docs:
                changes["documents"] = [*[d.model_dump() for d in same.documents], *new_docs]
            programs = {(lp.program.lower(), lp.number) for lp in same.loyalty_programs}
            new_programs = [
                lp
                for lp in fitted.get("loyalty_programs", [])
                if (lp["program"].lower(), lp["number"]) not in programs
            ]
            if new_programs:
                changes["loyalty_programs"] = [
                    *[lp.model_dump() for lp in same.loyalty_programs],
                    *new_programs,
                ]
            prefs = same.preferences.model_dump()
            new_prefs = {k: v for k, v in fitted.get("preferences", {}).items() if v and not prefs.get(k)}
            if new_prefs:
                changes["preferences"] = prefs | new_prefs
            if fitted.get("notes") and fitted["notes"] not in same.notes:
                changes["notes"] = "\n".join(x for x in (same.notes, fitted["notes"]) if x)
            if changes:
                svc.update_traveler(p, same.id, **changes)
            added = [_FIELD_WORDS.get(k, k.replace("_", " ")) for k in changes]
            target = f"traveler {same.full_name}"
        else:
            traveler_id = self._add_traveler(person, client.id)
            target = f"new traveler {name}" if traveler_id else "no traveler (no legal name)"
        marker = f"[{person.external_id}] merged here on import ({why})"
        client_changes: dict[str, Any] = {"notes": "\n".join(x for x in (client.notes, marker) if x)}
        for key in ("phone", "address"):
            value = getattr(person, key)
            if getattr(client, key) is None and value:
                try:
                    parse_record(Client, {"name": client.name, key: value})
                except RecordInvalid:
                    continue
                client_changes[key] = value
                added.append(f"client {key}")
        svc.update_client(p, client.id, **client_changes)
        filled = f"; added {', '.join(added)}" if added else "; nothing new to add"
        return (
            f"into client '{client.name}' (#{client.id}) as {target}: {why}{filled}",
            client.id,
            traveler_id,
        )
