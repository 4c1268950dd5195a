"""The party of a trip: who a trip names (by original client id, by email, or only by name) and which
traveler that is."""

from __future__ import annotations

from core.travel._results import ClientDraft
from core.travel.d1._drafts import PartyRef, Person, TripDraft
from core.travel.d1._people import People
from core.travel.d1._run import ImportRun, Part
from core.travel.d1.values import split_name

__all__ = ["Party"]


class Party(Part):
    """Finds (or, with a name and an email, creates) the travelers that trips name."""

    def __init__(self, run: ImportRun, people: People) -> None:
        super().__init__(run)
        self.households = people

    def known(self, ref: PartyRef) -> tuple[int, int | None] | None:
        """(household, traveler or None) of someone a trip names: by original id or email from this run, else
        a client of the store with that email."""
        found = self.run.people.get(ref.client_key) if ref.client_key else None
        if found is None and ref.email:
            found = self.run.by_email.get(ref.email.lower())
            if found is None:
                matches = self.svc.find_duplicates(self.p, ClientDraft(email=ref.email))
                if matches and matches[0].is_duplicate and matches[0].client.id is not None:
                    household = matches[0].client.id
                    travelers = self.svc.list_travelers(self.p, household)
                    same = [t for t in travelers if t.email and t.email.lower() == ref.email.lower()]
                    pick = same or (travelers if len(travelers) == 1 else [])
                    found = (household, pick[0].id if pick else None)
        return found

    def traveler_for(self, ref: PartyRef, draft: TripDraft) -> int | None:
        """The traveler a trip names (see ``known``); someone unknown with a name and an email becomes a new
        client; anyone else is named in the trip's notes."""
        found = self.known(ref)
        if found is not None:
            if found[1] is None:
                ref.row.warnings.append(
                    f"{ref.name or ref.email or 'a party member'} has no traveler record: not in the party"
                )
            return found[1]
        if ref.name and ref.email and split_name(ref.name):
            number = draft.party.index(ref) + 1
            person = Person(ref.row.table, ref.row.key, external_id=f"{draft.external_id}:party:{number}")
            person.client_name = ref.name
            person.first, person.last = split_name(ref.name) or (None, None)
            person.email = ref.email
            household, traveler_id = self.households.new_client(person)
            ref.row.fixes.extend(person.fixes)
            self.run.people[(ref.row.table.lower(), f"{draft.key}:party:{number}")] = (household, traveler_id)
            self.run.by_email.setdefault(ref.email.lower(), (household, traveler_id))
            ref.row.warnings.append(
                f"{ref.name} ({ref.email}) is not among the clients: created client #{household} for them"
            )
            return traveler_id
        who = ref.name or ref.email or (ref.client_key[1] if ref.client_key else "someone")
        role = f" ({ref.role})" if ref.role else ""
        draft.notes.append(f"Also travelling (not found among the clients): {who}{role}")
        ref.row.fixes.append(f"party member {who}{role} is not among the clients: named in the trip's notes")
        return None
