"""``research``: destination facts and careful web fetching as MCP tools (replaces the original mcp-chrome).

- ``destination_facts(country_or_city)``: from the knowledge base ``data/research/destinations.json`` (an agency
  may put its own at ``<data_dir>/research/destinations.json``): entry rules (short and hedged, with the official
  source), currency, time zones, plugs and voltage, seasons and best months, the emergency number. Found by
  country name, ISO code, alias or city, forgiving typos.
- ``fetch_page(url)``: https only, hosts on an allow-list (``TRAVELOPS_RESEARCH_ALLOW``, comma-separated;
  default ``en.wikivoyage.org,travel.state.gov,www.gov.uk``; an entry starting with ``.`` allows a domain's
  subdomains), private, loopback, link-local, multicast and reserved addresses refused (checked on the resolved
  addresses, after every redirect, and on the connected peer), at most 512 KB and 10 seconds; the answer is the
  page's text.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import socket
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Annotated, Any

import anyio
import httpx
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from core.config import Settings
from core.errors import ConfigError, ValidationError
from core.mcp.servers._common import READ_ONLY, READ_ONLY_OPEN_WORLD, Backend, Output, new_server

__all__ = [
    "ALLOW_ENV",
    "DEFAULT_ALLOW",
    "KNOWLEDGE_BASE",
    "MAX_BYTES",
    "TIMEOUT_S",
    "Destination",
    "Fetcher",
    "KnowledgeBase",
    "Page",
    "allow_list",
    "build",
    "load_knowledge_base",
]

NAME = "research"
INSTRUCTIONS = (
    "Destination facts for planning (entry rules, currency, time zones, plugs, seasons, emergency numbers) "
    "from the agency's knowledge base, and web pages from an allow-list of trusted hosts. Entry rules change: "
    "always tell the agent to confirm them with the official source given."
)

KNOWLEDGE_BASE = Path(__file__).resolve().parents[3] / "data" / "research" / "destinations.json"
ALLOW_ENV = "TRAVELOPS_RESEARCH_ALLOW"
DEFAULT_ALLOW = ("en.wikivoyage.org", "travel.state.gov", "www.gov.uk")
MAX_BYTES = 512 * 1024
TIMEOUT_S = 10.0
MAX_REDIRECTS = 5
DEFAULT_MAX_CHARS = 20_000
_TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "text/markdown", "application/json")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# ----------------------------------------------------------------------------------------------------------
# The knowledge base
# ----------------------------------------------------------------------------------------------------------


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Currency(_Data):
    code: str = Field(pattern=r"^[A-Z]{3}$")
    name: str


class Destination(_Data):
    code: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2.")
    name: str
    aliases: list[str] = Field(default_factory=list)
    cities: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    entry: str = Field(description="Entry rules in short, hedged: confirm with entry_source.")
    entry_source: str = Field(pattern=r"^https://")
    currency: Currency
    time_zones: list[str] = Field(min_length=1, description="IANA zones, main one first.")
    plugs: list[str] = Field(min_length=1, description="Plug types (A, C, G, …).")
    voltage: str
    best_months: list[int] = Field(description="1 = January.")
    seasons: str
    emergency: str


class KnowledgeBase(_Data):
    about: str
    reviewed: str
    destinations: list[Destination]


def load_knowledge_base(settings: Settings | None = None) -> tuple[KnowledgeBase, Path]:
    """The agency's knowledge base (``<data_dir>/research/destinations.json``) if it has one, else ours."""
    path = KNOWLEDGE_BASE
    if settings is not None and (settings.data_dir / "research" / "destinations.json").is_file():
        path = settings.data_dir / "research" / "destinations.json"
    try:
        return KnowledgeBase.model_validate(json.loads(path.read_text(encoding="utf-8"))), path
    except OSError as e:
        raise ConfigError(
            f"Cannot read the destination knowledge base {path}: {e.strerror or e}.",
            hint="Fix: restore data/research/destinations.json from the repository.",
        ) from e
    except json.JSONDecodeError as e:
        raise ConfigError(
            f"The destination knowledge base {path} is not valid JSON (line {e.lineno}, column {e.colno}): "
            f"{e.msg}.",
            hint="Fix: correct that line (a missing comma or quote is the usual cause).",
        ) from e
    except PydanticValidationError as e:
        problems = [f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()[:10]]
        raise ConfigError(
            f"The destination knowledge base {path} has {e.error_count()} problem(s):",
            problems=problems,
            hint="Fix: each destination needs code, name, entry, entry_source, currency, time_zones, plugs, "
            "voltage, best_months, seasons and emergency.",
        ) from e


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain.casefold()).split())


class DestinationFacts(Output):
    destination: Destination
    matched: str = Field(
        description="How the question matched: code, name, alias, city, or a close spelling."
    )
    best_months_names: list[str]
    note: str


class DestinationSummary(Output):
    code: str
    name: str
    cities: list[str]


class DestinationList(Output):
    count: int
    reviewed: str
    destinations: list[DestinationSummary]


def find_destination(kb: KnowledgeBase, query: str) -> tuple[Destination, str]:
    """The destination ``query`` names (ISO code, name, alias or city; typos forgiven), and how it matched.
    Raises ``ValidationError`` naming the closest ones."""
    from rapidfuzz import fuzz, process

    wanted = _fold(query)
    if not wanted:
        raise ValidationError(
            "Name a country or a city.", hint="Fix: e.g. destination_facts('Portugal'), ('JP') or ('Kyoto')."
        )
    names: dict[str, tuple[Destination, str]] = {}
    for d in kb.destinations:
        names.setdefault(_fold(d.code), (d, f"ISO code {d.code}"))
    for d in kb.destinations:
        names.setdefault(_fold(d.name), (d, f"country {d.name}"))
        for alias in d.aliases:
            names.setdefault(_fold(alias), (d, f"alias {alias} of {d.name}"))
    for d in kb.destinations:
        for city in d.cities:
            names.setdefault(_fold(city), (d, f"city {city} in {d.name}"))
    if wanted in names:
        return names[wanted]
    candidates = {key: key for key in names if len(key) > 2}
    best = process.extractOne(wanted, candidates, scorer=fuzz.WRatio, score_cutoff=85)
    if best is not None:
        destination, how = names[best[2]]
        return destination, f"{how} (closest to {query!r})"
    close = process.extract(wanted, candidates, scorer=fuzz.WRatio, limit=3, score_cutoff=70)
    suggestions = list(dict.fromkeys(names[c[2]][0].name for c in close))
    maybe = f" Did you mean {' or '.join(suggestions)}?" if suggestions else ""
    raise ValidationError(
        f"No destination facts for {query!r}.{maybe}",
        hint=f"The knowledge base covers {len(kb.destinations)} countries: "
        + ", ".join(d.name for d in kb.destinations)
        + ". For anywhere else, fetch a page with fetch_page (e.g. from en.wikivoyage.org).",
    )


# ----------------------------------------------------------------------------------------------------------
# Fetching pages
# ----------------------------------------------------------------------------------------------------------

Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (what the connection may use)."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def allow_list(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The hosts fetch_page may read: ``TRAVELOPS_RESEARCH_ALLOW`` (comma-separated) or ``DEFAULT_ALLOW``."""
    env = os.environ if environ is None else environ
    raw = env.get(ALLOW_ENV, "")
    hosts = tuple(h.strip().lower().rstrip(".") for h in raw.split(",") if h.strip())
    return hosts or DEFAULT_ALLOW


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class Page(Output):
    url: str
    final_url: str
    status: int
    content_type: str
    title: str
    text: str
    bytes: int
    truncated: bool = Field(description="True when text was cut at max_chars.")


class _TextExtractor(HTMLParser):
    _SKIP = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "head"})
    _BLOCK = frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "tr",
            "section",
            "article",
            "header",
            "footer",
            "nav",
            "ul",
            "ol",
            "table",
            "blockquote",
            "pre",
            "dd",
            "dt",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
        elif not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> tuple[str, str]:
    """``(title, text)`` of an HTML page: scripts, styles and markup dropped, one line per block."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(line for line in lines if line)
    return " ".join("".join(parser.title_parts).split()), text


def _refused(message: str, hint: str) -> ValidationError:
    return ValidationError(message, hint=hint)


class Fetcher:
    """Fetches one page under the rules in the module docstring. ``transport`` and ``resolve`` are for tests
    (``httpx.MockTransport`` and a fake resolver fake the network, not this code)."""

    def __init__(
        self,
        allow: tuple[str, ...],
        *,
        max_bytes: int = MAX_BYTES,
        timeout_s: float = TIMEOUT_S,
        transport: httpx.AsyncBaseTransport | None = None,
        resolve: Resolver = system_resolve,
    ) -> None:
        self.allow = tuple(h.lower() for h in allow)
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self.transport = transport
        self.resolve = resolve

    def allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(host == a or (a.startswith(".") and host.endswith(a)) for a in self.allow)

    async def fetch(self, url: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> Page:
        """The page's text; raises ``ValidationError`` saying why a page is refused."""
        try:
            with anyio.fail_after(self.timeout_s):
                return await self._fetch(url, max_chars)
        except TimeoutError as e:
            raise _refused(
                f"{url} took longer than {self.timeout_s:g} s and was abandoned.",
                hint="Fix: try again later, or use destination_facts for the basics.",
            ) from e

    async def _check(self, url: httpx.URL) -> None:
        if url.scheme != "https":
            raise _refused(
                f"Only https:// pages are fetched; {str(url)!r} is {url.scheme or 'not a URL'}.",
                hint="Fix: use the page's https:// address.",
            )
        host = url.host
        if not host or not self.allowed(host):
            raise _refused(
                f"{host or str(url)!r} is not on the research allow-list ({', '.join(self.allow)}).",
                hint=f"Fix: use a page from those hosts; an administrator can extend the list with {ALLOW_ENV} "
                "(comma-separated host names).",
            )
        if url.port not in (None, 443):
            raise _refused(
                f"{str(url)!r} uses port {url.port}; only the standard https port is fetched.",
                hint="Fix: use the page's address without a port.",
            )
        try:
            addresses = await self.resolve(host, 443)
        except OSError as e:
            raise _refused(
                f"Cannot resolve {host!r}: {e}.", hint="Fix: check the address, or try again later."
            ) from e
        private = [a for a in addresses if not _public(a)]
        if private or not addresses:
            raise _refused(
                f"{host!r} resolves to a private or local address ({', '.join(private) or 'none'}); pages on "
                "private, loopback, link-local or multicast addresses are never fetched.",
                hint="Fix: use a public page.",
            )

    async def _fetch(self, url: str, max_chars: int) -> Page:
        try:
            current = httpx.URL(url)
        except httpx.InvalidURL as e:
            raise _refused(
                f"{url!r} is not a valid URL: {e}.", hint="Fix: give a full https:// address."
            ) from e
        headers = {
            "User-Agent": "TravelOps-research/1 (+travel agency assistant)",
            "Accept": "text/html, text/plain;q=0.9, */*;q=0.1",
        }
        timeout = httpx.Timeout(self.timeout_s)
        async with httpx.AsyncClient(
            transport=self.transport,
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            headers=headers,
        ) as client:
            for _hop in range(MAX_REDIRECTS + 1):
                await self._check(current)
                async with client.stream("GET", current) as response:
                    self._check_peer(response, current)
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        current = current.join(location)
                        continue
                    return await self._read(url, current, response, max_chars)
        raise _refused(
            f"{url} redirected more than {MAX_REDIRECTS} times.",
            hint="Fix: use the final address of the page.",
        )

    @staticmethod
    def _check_peer(response: httpx.Response, url: httpx.URL) -> None:
        stream = response.extensions.get("network_stream")
        if stream is None:
            return
        peer = stream.get_extra_info("server_addr")
        if peer and not _public(str(peer[0])):
            raise _refused(
                f"{url.host!r} connected to a private address ({peer[0]}); the page was not read.",
                hint="Fix: use a public page.",
            )

    async def _read(self, url: str, final: httpx.URL, response: httpx.Response, max_chars: int) -> Page:
        if response.status_code >= 400:
            raise _refused(
                f"{final} answered {response.status_code} {response.reason_phrase}.",
                hint="Fix: check the address (the page may have moved), or search the site's start page.",
            )
        content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type and content_type not in _TEXT_TYPES:
            raise _refused(
                f"{final} is {content_type}, not a text page.",
                hint="Fix: fetch an HTML or text page; PDFs and images are not read.",
            )
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_big(final)
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > self.max_bytes:
                raise self._too_big(final)
        raw = bytes(body).decode(response.encoding or "utf-8", errors="replace")
        if content_type in ("text/html", "application/xhtml+xml") or (
            not content_type and "<html" in raw[:2000].lower()
        ):
            title, text = html_to_text(raw)
        else:
            title, text = "", raw.strip()
        truncated = len(text) > max_chars
        return Page(
            url=url,
            final_url=str(final),
            status=response.status_code,
            content_type=content_type or "unknown",
            title=title,
            text=text[:max_chars],
            bytes=len(body),
            truncated=truncated,
        )

    def _too_big(self, url: httpx.URL) -> ValidationError:
        return _refused(
            f"{url} is larger than the {self.max_bytes // 1024} KB limit; it was not read.",
            hint="Fix: fetch a smaller page (a section or the mobile version), or use destination_facts.",
        )


# ----------------------------------------------------------------------------------------------------------
# The server
# ----------------------------------------------------------------------------------------------------------


def build(settings: Settings, *, fetcher: Fetcher | None = None) -> MCPServer[Any]:
    """The research server: the knowledge base for ``settings``, pages through ``fetcher`` (default: the
    allow-list from the environment)."""
    backend = Backend(settings)
    server = new_server(NAME, backend, instructions=INSTRUCTIONS)
    kb, _source = load_knowledge_base(settings)
    pages = fetcher or Fetcher(allow_list())

    @server.tool(annotations=READ_ONLY)
    def destination_facts(
        country_or_city: Annotated[
            str, Field(min_length=1, max_length=100, description="A country, its ISO code, or a city.")
        ],
    ) -> DestinationFacts:
        """Practical facts about a destination: entry rules (confirm with the official source given),
        currency, time zones, plugs and voltage, seasons and best months, emergency number."""
        try:
            destination, how = find_destination(kb, country_or_city)
        except ValidationError as e:
            raise ToolError(str(e)) from e
        return DestinationFacts(
            destination=destination,
            matched=how,
            best_months_names=[_MONTHS[m - 1] for m in destination.best_months if 1 <= m <= 12],
            note=f"{kb.about} Reviewed {kb.reviewed}.",
        )

    @server.tool(annotations=READ_ONLY)
    def list_destinations() -> DestinationList:
        """The countries the knowledge base covers, with their main cities."""
        return DestinationList(
            count=len(kb.destinations),
            reviewed=kb.reviewed,
            destinations=[
                DestinationSummary(code=d.code, name=d.name, cities=d.cities) for d in kb.destinations
            ],
        )

    @server.tool(annotations=READ_ONLY_OPEN_WORLD)
    async def fetch_page(
        url: Annotated[
            str, Field(min_length=1, max_length=2_000, description="An https:// page on the allow-list.")
        ],
        max_chars: Annotated[
            int, Field(ge=500, le=200_000, description="Cut the text after this many characters.")
        ] = DEFAULT_MAX_CHARS,
    ) -> Page:
        """A web page's text, from allow-listed hosts only (https, public addresses, at most 512 KB and 10
        seconds)."""
        return await pages.fetch(url, max_chars=max_chars)

    return server
