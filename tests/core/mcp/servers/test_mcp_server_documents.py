"""documents through an in-process MCP client: templates listed and shown, documents rendered from a trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from servers_helpers import connected, failed, ok

from core.config import Settings
from core.mcp.servers import build
from core.security import Principal
from core.travel import TravelService
from core.travel.fixtures import SampleAgency

pytestmark = pytest.mark.anyio
ADMIN = Principal.default_admin()


def a_trip(agency: SampleAgency) -> tuple[int, str]:
    trip = next(t for t in agency.trips if t.name == "Anniversary in Florence")
    assert trip.id is not None
    return trip.id, trip.name


async def test_list_templates_describes_the_proposal_itinerary_and_invoice(settings: Settings) -> None:
    async with connected(build("documents", settings)) as client:
        templates = ok(await client.call_tool("list_templates", {}))["templates"]
    assert [t["template_id"] for t in templates] == ["proposal", "itinerary", "invoice"]
    itinerary = templates[1]
    assert itinerary["formats"] == ["html", "pdf", "markdown", "ics (generate_itinerary)"]
    assert itinerary["shows_prices"] is False and "trip_id" in itinerary["data"]


async def test_get_template_returns_the_jinja_source_and_an_unknown_one_lists_the_known(
    settings: Settings,
) -> None:
    async with connected(build("documents", settings)) as client:
        invoice = ok(await client.call_tool("get_template", {"template_id": "invoice"}))
        unknown = failed(await client.call_tool("get_template", {"template_id": "brochure"}))
    assert invoice["source_path"].endswith("invoice.html.j2")
    assert "doc.invoice_number" in invoice["source"]
    assert unknown == (
        "No template 'brochure'. Templates: proposal, itinerary, invoice. Fix: use one of those ids "
        "(list_templates describes them)."
    )


async def test_render_template_as_html_returns_the_text_and_records_a_new_version(
    settings: Settings, agency: SampleAgency
) -> None:
    trip_id, name = a_trip(agency)
    arguments = {"template_id": "proposal", "data": {"trip_id": trip_id}, "output_format": "html"}
    async with connected(build("documents", settings)) as client:
        first = ok(await client.call_tool("render_template", arguments))
        second = ok(await client.call_tool("render_template", arguments))
    assert (first["version"], second["version"]) == (1, 2)
    assert first["text"].startswith("<!DOCTYPE html>") and name in first["text"]
    assert Path(first["path"]).read_text(encoding="utf-8") == first["text"]
    with TravelService.open(settings) as service:
        recorded = service.list_documents(ADMIN, trip_id, kind="proposal")
    assert sorted((d.version, d.format) for d in recorded) == [(1, "html"), (2, "html")]


async def test_render_template_as_markdown_converts_the_view_and_records_it(
    settings: Settings, agency: SampleAgency
) -> None:
    trip_id, name = a_trip(agency)
    arguments = {"template_id": "invoice", "data": {"trip_id": trip_id}, "output_format": "markdown"}
    async with connected(build("documents", settings)) as client:
        rendered = ok(await client.call_tool("render_template", arguments))
    text = rendered["text"]
    assert text.startswith(f"# Invoice and contract: {name}\n")
    assert "| Date | Description | Detail | Amount |" in text and "**Balance due:" in text
    assert "<" not in text.replace("<=", "")  # no markup leaks in
    assert Path(rendered["path"]).name == "invoice-v1.md"
    assert Path(rendered["path"]).read_text(encoding="utf-8") == text
    with TravelService.open(settings) as service:
        assert [d.format for d in service.list_documents(ADMIN, trip_id, kind="invoice")] == ["markdown"]


async def test_a_pdf_comes_back_as_a_path_and_a_size_never_as_bytes(
    settings: Settings, agency: SampleAgency
) -> None:
    trip_id, _ = a_trip(agency)
    arguments = {"template_id": "itinerary", "data": {"trip_id": trip_id}, "output_format": "pdf"}
    async with connected(build("documents", settings)) as client:
        result = await client.call_tool("render_template", arguments)
    rendered = ok(result)
    path = Path(rendered["path"])
    assert rendered["text"] is None and rendered["content_type"] == "application/pdf"
    assert path.read_bytes().startswith(b"%PDF") and path.stat().st_size == rendered["size_bytes"]
    assert "%PDF" not in str(result.content)


async def test_generate_itinerary_renders_markdown_and_a_calendar(
    settings: Settings, agency: SampleAgency
) -> None:
    trip_id, name = a_trip(agency)
    async with connected(build("documents", settings)) as client:
        markdown = ok(
            await client.call_tool("generate_itinerary", {"trip_id": trip_id, "format": "markdown"})
        )
        calendar = ok(await client.call_tool("generate_itinerary", {"trip_id": trip_id, "format": "ics"}))
    assert markdown["text"].startswith(f"# Your itinerary: {name}\n") and "## Day 1 · " in markdown["text"]
    assert "USD" not in markdown["text"]  # the itinerary shows no prices
    assert calendar["text"].startswith("BEGIN:VCALENDAR") and calendar["version"] == markdown["version"] + 1


async def test_rendering_refuses_an_unknown_trip_template_or_format_and_says_what_to_use(
    settings: Settings, agency: SampleAgency
) -> None:
    async with connected(build("documents", settings)) as client:
        no_trip = failed(await client.call_tool("generate_itinerary", {"trip_id": 404}))
        no_template = failed(
            await client.call_tool("render_template", {"template_id": "brochure", "data": {"trip_id": 1}})
        )
        bad_format = failed(
            await client.call_tool(
                "render_template",
                {"template_id": "proposal", "data": {"trip_id": 1}, "output_format": "docx"},
            )
        )
        bad_data = failed(
            await client.call_tool("render_template", {"template_id": "proposal", "data": {"trip": 1}})
        )
    assert no_trip.startswith("No trip 404 in this agency. Search with get_anything(")
    assert no_template.startswith("No template 'brochure'.")
    assert (
        "output_format = 'docx'" in bad_format
        and "Fix: use one of: 'html', 'markdown' or 'pdf'" in bad_format
    )
    assert "data.trip_id = (missing)" in bad_data and "data.trip = (unknown field)" in bad_data
