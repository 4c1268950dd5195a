"""``TravelService``: every read and write of the travel domain, for the app, the MCP servers and the CLI.

Rules every method follows:

- The acting ``Principal`` comes first. Reads see only the principal's agency; writes need the admin or agent
  role (viewers get ``PermissionDenied`` naming the action); a few (users, instructions, reindex) need admin.
- Input is keyword fields of the record (``create_trip(p, name=..., start_date=...)``), validated by the
  models in ``core.travel._models``; bad values raise ``RecordInvalid`` (a ``core.errors.ValidationError``)
  naming each field. Ids that do not exist in the agency raise ``NotFound``.
- Each mutating call is one transaction that also writes the search index and one activity-log entry: it
  happens completely or not at all. Group several calls atomically with ``with service.atomic(): ...``.
- Returned records are fresh reads of what was stored.

How it is built: see ``TravelService`` (one mixin per aggregate, in this package's private modules).
"""

from core.travel._services._service import TravelService

__all__ = ["TravelService"]
