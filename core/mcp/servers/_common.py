"""What our MCP servers share: the annotations, the server class that turns errors into lessons, and the backend
(settings, acting user, services) that a server's tools use.

Errors: a tool raises ``TravelOpsError`` (from the services) or ``ToolError`` (its own). ``TravelOpsServer``
turns both into a tool error whose text says what went wrong and what to call next; invalid arguments become one
line per field ("trip_id = 'abc': Input should be a valid integer. Fix: write a whole number."), and unknown
argument names are refused with the known ones listed. Anything else is a crash: the model sees only "Error
executing tool X" and the server logs the traceback.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.types import CallToolResult, InputRequiredResult, ToolAnnotations
from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from core._validation import problems
from core.config import Settings
from core.errors import TravelOpsError
from core.security import Principal

if TYPE_CHECKING:
    from core.gateway import Gateway
    from core.travel import TravelService, Trip

__all__ = [
    "DESTRUCTIVE",
    "IDEMPOTENT_WRITE",
    "READ_ONLY",
    "READ_ONLY_OPEN_WORLD",
    "WRITE",
    "WRITE_OPEN_WORLD",
    "Backend",
    "Output",
    "TravelOpsServer",
    "closest_names",
    "did_you_mean",
    "lesson",
    "new_server",
    "no_trip",
    "require_trip",
]

# Honest annotations: what a client (and our manager, which caches read-only tools and fails idempotent ones
# over to another instance) may assume.
READ_ONLY = ToolAnnotations(
    read_only_hint=True, idempotent_hint=True, destructive_hint=False, open_world_hint=False
)
READ_ONLY_OPEN_WORLD = ToolAnnotations(
    read_only_hint=True, idempotent_hint=True, destructive_hint=False, open_world_hint=True
)
WRITE = ToolAnnotations(
    read_only_hint=False, idempotent_hint=False, destructive_hint=False, open_world_hint=False
)
WRITE_OPEN_WORLD = ToolAnnotations(
    read_only_hint=False, idempotent_hint=False, destructive_hint=False, open_world_hint=True
)
IDEMPOTENT_WRITE = ToolAnnotations(
    read_only_hint=False, idempotent_hint=True, destructive_hint=False, open_world_hint=False
)
DESTRUCTIVE = ToolAnnotations(
    read_only_hint=False, idempotent_hint=False, destructive_hint=True, open_world_hint=False
)

_FIX: dict[str, str] = {
    "missing": "add it",
    "int_parsing": "write a whole number",
    "int_type": "write a whole number",
    "int_from_float": "write a whole number",
    "float_parsing": "write a number",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "string_type": "write text",
    "string_too_short": "fill it in",
    "string_too_long": "shorten it",
    "list_type": "give a list",
    "dict_type": "give an object",
    "model_type": "give an object",
    "date_parsing": "write a date as YYYY-MM-DD",
    "date_from_datetime_parsing": "write a date as YYYY-MM-DD",
    "date_type": "write a date as YYYY-MM-DD",
    "datetime_parsing": "write a local date and time as YYYY-MM-DDTHH:MM",
    "datetime_from_date_parsing": "write a local date and time as YYYY-MM-DDTHH:MM",
    "greater_than_equal": "use a larger value",
    "greater_than": "use a larger value",
    "less_than_equal": "use a smaller value",
    "less_than": "use a smaller value",
    "too_short": "give more entries",
    "too_long": "give fewer entries",
    "extra_forbidden": "remove it or fix its spelling",
    "union_tag_invalid": "use one of the operations the schema lists",
    "union_tag_not_found": "add the 'op' field",
}


class Output(BaseModel):
    """Base of the tools' structured outputs (frozen; unknown fields are a bug)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def lesson(error: TravelOpsError) -> str:
    """The text a model reads for a TravelOps error: what went wrong and the fix (``str(error)``)."""
    return str(error)


def _arguments_message(tool: str, error: PydanticValidationError) -> str:
    found = problems(error, root="(arguments)", secret=_is_document_number, fixes=_FIX)
    lines = [p.line() for p in found]
    head = f"Invalid arguments for {tool}"
    if len(lines) == 1:
        return f"{head}: {lines[0]} Then call {tool} again."
    body = "\n".join(f"  - {line}" for line in lines)
    return f"{head} ({len(lines)} problems):\n{body}\nFix them and call {tool} again."


def _is_document_number(field: str) -> bool:
    return "number" in field and "documents" in field


class TravelOpsServer(MCPServer[Any]):
    """An ``MCPServer`` whose tool errors teach (see the module docstring)."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        await self._refuse_unknown_arguments(name, arguments)
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError as e:
            if isinstance(e.__cause__, TravelOpsError):
                raise ToolError(lesson(e.__cause__)) from e.__cause__
            raise
        except ToolError as e:
            cause = e.__cause__
            if isinstance(cause, PydanticValidationError):
                raise ToolError(_arguments_message(name, cause)) from cause
            if isinstance(cause, ToolError):  # our own lesson: drop the SDK's "Error executing tool X: "
                raise ToolError(str(cause)) from cause
            raise

    async def _refuse_unknown_arguments(self, name: str, arguments: dict[str, Any]) -> None:
        tool = next((t for t in await self.list_tools() if t.name == name), None)
        if tool is None:
            known = ", ".join(t.name for t in await self.list_tools())
            raise ToolError(f"Unknown tool {name!r} on the {self.name} server. Its tools: {known}.")
        properties: dict[str, Any] = tool.input_schema.get("properties", {})
        unknown = sorted(set(arguments) - set(properties))
        if unknown:
            known = ", ".join(properties) or "(none)"
            raise ToolError(
                f"Unknown argument(s) {', '.join(unknown)} for {name}. Its arguments: {known}. "
                f"Fix: rename or remove them and call {name} again."
            )


class Backend:
    """What one server's tools share: settings, the acting user, and services opened on first use.

    The server's lifespan closes them when it stops (a later session opens them again). Thread-safe: the SDK
    runs synchronous tools on worker threads, and the travel store keeps one SQLite connection per thread.
    """

    def __init__(self, settings: Settings, principal: Principal | None = None) -> None:
        self.settings = settings
        self.principal = principal or Principal.default_admin()
        self._lock = threading.Lock()
        self._service: TravelService | None = None
        self._gateway: Gateway | None = None

    @property
    def service(self) -> TravelService:
        with self._lock:
            if self._service is None:
                from core.travel import TravelService

                self._service = TravelService.open(self.settings)
            return self._service

    @property
    def gateway(self) -> Gateway:
        with self._lock:
            if self._gateway is None:
                from core.gateway import Gateway

                self._gateway = Gateway.from_settings(self.settings)
            return self._gateway

    def close(self) -> None:
        with self._lock:
            service, self._service = self._service, None
            gateway, self._gateway = self._gateway, None
        if service is not None:
            service.close()
        if gateway is not None:
            gateway.warehouse.close()
            gateway.caches.close()


def new_server(name: str, backend: Backend, *, instructions: str) -> TravelOpsServer:
    """A server whose lifespan closes ``backend`` when it stops."""

    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncGenerator[Backend]:
        try:
            yield backend
        finally:
            backend.close()

    return TravelOpsServer(
        name, instructions=instructions, version=_version(), log_level="WARNING", lifespan=lifespan
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("travelops")
    except PackageNotFoundError:
        return "0.0.0"


# ----------------------------------------------------------------------------------------------------------
# Lessons about trips and search
# ----------------------------------------------------------------------------------------------------------


def closest_names(backend: Backend, query: str, *, limit: int = 3) -> list[tuple[str, str, int, float]]:
    """The trips and clients whose names (or a trip's destinations) are closest to ``query``:
    ``(kind, name, id, score 0..100)``, best first, only those scoring 50 or more."""
    from rapidfuzz import fuzz, process

    from core.travel import normalize

    service, p = backend.service, backend.principal
    names: dict[tuple[str, int], str] = {}
    choices: dict[tuple[str, int], str] = {}
    for trip in service.list_trips(p, limit=500):
        if trip.id is not None:
            names[("trip", trip.id)] = trip.name
            choices[("trip", trip.id)] = " ".join([trip.name, *trip.destinations])
    for client in service.list_clients(p, limit=500):
        if client.id is not None:
            names[("client", client.id)] = choices[("client", client.id)] = client.name
    found = process.extract(
        normalize(query), choices, scorer=fuzz.WRatio, processor=normalize, limit=limit, score_cutoff=50
    )
    out: list[tuple[str, str, int, float]] = []
    for _text, score, (kind, ident) in found:
        out.append((kind, names[(kind, ident)], ident, round(float(score), 1)))
    return out


def did_you_mean(backend: Backend, query: str) -> str:
    """``Did you mean 'Lisbon in May' (trip 41) or 'Ana Silva' (client 3)?`` or advice when nothing is close."""
    close = closest_names(backend, query)
    if not close:
        return (
            "Nothing is close either. Search for a client's name, a destination, a traveller or a "
            "confirmation number, or list recent work with get_recent_activities."
        )
    options = " or ".join(f"'{name}' ({kind} {ident})" for kind, name, ident, _ in close)
    return f"Did you mean {options}?"


def no_trip(backend: Backend, trip_id: int) -> ToolError:
    """The error for a trip id the agency does not have, with recent trips to pick from."""
    recent = [t for t in backend.service.list_trips(backend.principal, limit=500) if t.id is not None]
    recent.sort(key=lambda t: t.updated_at.isoformat() if t.updated_at else "", reverse=True)
    listing = ", ".join(f"'{t.name}' (trip {t.id})" for t in recent[:3])
    example = recent[0].destinations[0] if recent and recent[0].destinations else "Lisbon"
    return ToolError(
        f"No trip {trip_id} in this agency. Search with get_anything('{example}') or get_anything('<client "
        f"name>') first, then use the trip id it returns."
        + (
            f" Recent trips: {listing}."
            if listing
            else " The agency has no trips yet: create one with create_trip."
        )
    )


def require_trip(backend: Backend, trip_id: int) -> Trip:
    """The trip, or a ``ToolError`` that says how to find the right id."""
    from core.travel import NotFound

    try:
        return backend.service.get_trip(backend.principal, trip_id)
    except NotFound:
        raise no_trip(backend, trip_id) from None
