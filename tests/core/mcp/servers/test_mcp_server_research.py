"""research: destination facts from the knowledge base, and fetch_page's refusals and limits.

No test reaches the internet: refusals happen before any connection, and the size and time limits are tested on
``Fetcher`` with ``httpx.MockTransport`` and a fake resolver (they fake the network, not our code).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import AsyncIterator, Callable

import anyio
import httpx
import pytest
from servers_helpers import connected, failed, ok

from core.config import Settings
from core.errors import ValidationError
from core.mcp.servers import build
from core.mcp.servers.research import (
    ALLOW_ENV,
    DEFAULT_ALLOW,
    Fetcher,
    allow_list,
    html_to_text,
    load_knowledge_base,
)
from core.travel import COUNTRIES, CURRENCIES
from core.travel.fixtures import DESTINATIONS

pytestmark = pytest.mark.anyio
PUBLIC_IP = "151.101.1.69"
PAGE = (
    "<html><head><title>Lisbon – Travel guide</title><style>p{color:red}</style></head><body>"
    "<script>alert(1)</script><h1>Lisbon</h1><p>Capital of <b>Portugal</b>.</p><ul><li>Tram 28</li>"
    "<li>Alfama &amp; Belém</li></ul></body></html>"
)


def public(host: str) -> Callable[[str, int], object]:
    async def resolve(name: str, port: int) -> list[str]:
        return [PUBLIC_IP] if name == host else ["10.0.0.7"]

    return resolve


def fetcher(handler: Callable[[httpx.Request], object], **kw: object) -> Fetcher:
    return Fetcher(
        ("en.wikivoyage.org",),
        transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
        resolve=public("en.wikivoyage.org"),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


# -- the knowledge base -------------------------------------------------------------------------------------


def test_the_knowledge_base_covers_enough_countries_with_valid_codes_zones_and_currencies() -> None:
    kb, _ = load_knowledge_base()
    assert len(kb.destinations) >= 25
    codes = [d.code for d in kb.destinations]
    assert len(codes) == len(set(codes)) and set(codes) <= COUNTRIES
    cities = [c.casefold() for d in kb.destinations for c in d.cities]
    assert len(cities) == len(set(cities)), "a city must name one country"
    for d in kb.destinations:
        assert d.currency.code in CURRENCIES, d.name
        for zone in d.time_zones:
            zoneinfo.ZoneInfo(zone)
        assert d.best_months and all(1 <= m <= 12 for m in d.best_months), d.name
        assert "check the official source" in d.entry.lower(), f"{d.name}: entry rules must stay hedged"
        assert d.entry_source.startswith("https://") and d.emergency and d.plugs


def test_every_destination_of_the_sample_agency_has_facts() -> None:
    kb, _ = load_knowledge_base()
    known = {d.code for d in kb.destinations}
    assert {d.country for d in DESTINATIONS} <= known


@pytest.mark.parametrize(
    ("question", "country", "matched"),
    [
        ("Kyoto", "Japan", "city Kyoto in Japan"),
        ("pt", "Portugal", "ISO code PT"),
        ("Türkiye", "Türkiye", "country Türkiye"),
        ("turkey", "Türkiye", "alias Turkey of Türkiye"),
        ("Portgual", "Portugal", "country Portugal (closest to 'Portgual')"),
        ("reykjavik", "Iceland", "city Reykjavik in Iceland"),
    ],
)
async def test_destination_facts_are_found_by_city_code_alias_or_a_near_spelling(
    settings: Settings, question: str, country: str, matched: str
) -> None:
    async with connected(build("research", settings)) as client:
        facts = ok(await client.call_tool("destination_facts", {"country_or_city": question}))
    assert facts["destination"]["name"] == country and facts["matched"] == matched
    assert facts["best_months_names"] and "confirm with the official source" in facts["note"]


async def test_an_unknown_destination_lists_what_the_knowledge_base_covers(settings: Settings) -> None:
    async with connected(build("research", settings)) as client:
        error = failed(await client.call_tool("destination_facts", {"country_or_city": "Atlantis"}))
        listing = ok(await client.call_tool("list_destinations", {}))
    assert error.startswith("No destination facts for 'Atlantis'.")
    assert "The knowledge base covers 30 countries: Portugal, Spain" in error and "fetch_page" in error
    assert listing["count"] == 30 and listing["destinations"][0]["code"] == "PT"


async def test_an_agency_knowledge_base_in_the_data_dir_replaces_ours(settings: Settings) -> None:
    own = settings.data_dir / "research" / "destinations.json"
    own.parent.mkdir(parents=True)
    kb, _ = load_knowledge_base()
    own.write_text(
        kb.model_copy(update={"destinations": kb.destinations[:1]}).model_dump_json(), encoding="utf-8"
    )
    async with connected(build("research", settings)) as client:
        listing = ok(await client.call_tool("list_destinations", {}))
    assert listing["count"] == 1


# -- fetch_page: refusals through the tool ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("file:///etc/passwd", "Only https:// pages are fetched"),
        ("http://en.wikivoyage.org/wiki/Lisbon", "Only https:// pages are fetched"),
        ("https://example.com/", "'example.com' is not on the research allow-list (en.wikivoyage.org,"),
        ("https://en.wikivoyage.org:8443/wiki/Lisbon", "uses port 8443"),
        ("not a url", "Only https:// pages are fetched"),
    ],
)
async def test_fetch_page_refuses_other_schemes_hosts_and_ports(
    settings: Settings, url: str, expected: str
) -> None:
    async with connected(build("research", settings)) as client:
        error = failed(await client.call_tool("fetch_page", {"url": url}))
    assert expected in error


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("localhost", "https://localhost/admin"),
        ("127.0.0.1", "https://127.0.0.1/"),
        ("169.254.169.254", "https://169.254.169.254/latest/meta-data/"),
        ("[::1]", "https://[::1]/"),
    ],
)
async def test_fetch_page_refuses_private_addresses_even_when_allow_listed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, host: str, url: str
) -> None:
    monkeypatch.setenv(ALLOW_ENV, f"{host.strip('[]')},en.wikivoyage.org")
    async with connected(build("research", settings)) as client:
        error = failed(await client.call_tool("fetch_page", {"url": url}))
    assert "resolves to a private or local address" in error and "never fetched" in error


def test_the_allow_list_comes_from_the_environment_with_a_small_default() -> None:
    assert allow_list({}) == DEFAULT_ALLOW == ("en.wikivoyage.org", "travel.state.gov", "www.gov.uk")
    assert allow_list({ALLOW_ENV: " Example.org., .gov.uk ,"}) == ("example.org", ".gov.uk")
    subdomains = Fetcher((".gov.uk",))
    assert subdomains.allowed("www.gov.uk") and not subdomains.allowed("gov.uk.evil.example")


# -- fetch_page: limits, with a fake network ----------------------------------------------------------------


async def test_a_page_comes_back_as_text_without_markup_scripts_or_styles() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "en.wikivoyage.org"
        return httpx.Response(200, headers={"content-type": "text/html; charset=utf-8"}, text=PAGE)

    with anyio.fail_after(5):
        page = await fetcher(handler).fetch("https://en.wikivoyage.org/wiki/Lisbon")
    assert page.title == "Lisbon – Travel guide"
    assert page.text == "Lisbon\nCapital of Portugal.\nTram 28\nAlfama & Belém"
    assert "alert" not in page.text and "color" not in page.text and not page.truncated


async def test_a_page_larger_than_the_limit_is_refused_whether_or_not_it_declares_its_size() -> None:
    big = b"<p>" + b"x" * 2_000 + b"</p>"

    def declared(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/html"}, content=big)

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(big), 100):
            yield big[i : i + 100]

    def streamed(request: httpx.Request) -> httpx.Response:  # no content-length: only counting can tell
        return httpx.Response(200, headers={"content-type": "text/html"}, content=chunks())

    for handler in (declared, streamed):
        with anyio.fail_after(5), pytest.raises(ValidationError, match=r"larger than the 1 KB limit"):
            await fetcher(handler, max_bytes=1024).fetch("https://en.wikivoyage.org/wiki/Big")


async def test_a_page_that_takes_too_long_is_abandoned_at_the_time_limit() -> None:
    async def never(request: httpx.Request) -> httpx.Response:
        await anyio.Event().wait()  # a server that never answers; the fetch's own limit ends the wait
        raise AssertionError("unreachable")

    with (
        anyio.fail_after(5),
        pytest.raises(ValidationError, match=r"took longer than 0\.2 s and was abandoned"),
    ):
        await fetcher(never, timeout_s=0.2).fetch("https://en.wikivoyage.org/wiki/Slow")


async def test_redirects_are_checked_hop_by_hop() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/wiki/Lisboa":
            return httpx.Response(301, headers={"location": "/wiki/Lisbon"})
        if request.url.path == "/wiki/Lisbon":
            return httpx.Response(200, headers={"content-type": "text/plain"}, text="Lisbon, Portugal")
        return httpx.Response(302, headers={"location": "https://intranet.example/secrets"})

    with anyio.fail_after(5):
        page = await fetcher(handler).fetch("https://en.wikivoyage.org/wiki/Lisboa")
        with pytest.raises(ValidationError, match=r"'intranet\.example' is not on the research allow-list"):
            await fetcher(handler).fetch("https://en.wikivoyage.org/go-elsewhere")
    assert page.final_url == "https://en.wikivoyage.org/wiki/Lisbon" and page.text == "Lisbon, Portugal"


async def test_error_pages_and_binary_content_are_refused_with_the_reason() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(".pdf"):
            return httpx.Response(200, headers={"content-type": "application/pdf"}, content=b"%PDF-1.7")
        return httpx.Response(404)

    with anyio.fail_after(5):
        with pytest.raises(ValidationError, match="answered 404 Not Found"):
            await fetcher(handler).fetch("https://en.wikivoyage.org/wiki/Nowhere")
        with pytest.raises(ValidationError, match="is application/pdf, not a text page"):
            await fetcher(handler).fetch("https://en.wikivoyage.org/guide.pdf")


async def test_long_text_is_cut_at_max_chars_and_says_so() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/plain"}, text="word " * 1_000)

    with anyio.fail_after(5):
        page = await fetcher(handler).fetch("https://en.wikivoyage.org/wiki/Long", max_chars=600)
    assert page.truncated and len(page.text) == 600 and page.bytes == 5_000


def test_html_to_text_keeps_one_line_per_block() -> None:
    title, text = html_to_text("<title> A </title><div>one<br>two</div><p>three   four</p>")
    assert (title, text) == ("A", "one\ntwo\nthree four")
