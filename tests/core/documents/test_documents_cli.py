"""`travelops docs render`: in process with CliRunner, and once as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from documents_helpers import DocTrip
from typer.testing import CliRunner

from core.cli import app
from core.security import Principal
from core.travel import TravelService

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A configuration whose data_dir is the tests' store (tmp_path)."""
    monkeypatch.delenv("TRAVELOPS_DATA_DIR", raising=False)
    monkeypatch.delenv("TRAVELOPS_CONFIG", raising=False)
    path = tmp_path / "travelops.yml"
    path.write_text(f"data_dir: {tmp_path}\n")
    return path


def invoke(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--config", str(config), "docs", "render", *args])
    return result.exit_code, result.stdout, result.stderr


def test_docs_render_writes_records_and_prints_the_path(
    service: TravelService, admin: Principal, doc_trip: DocTrip, config: Path, tmp_path: Path
) -> None:
    code, out, err = invoke(config, str(doc_trip.trip_id), "--kind", "invoice", "--format", "pdf")

    path = tmp_path / "documents" / str(doc_trip.trip_id) / "invoice-v1.pdf"
    assert (code, err) == (0, "")
    assert "Rendered invoice v1 (pdf" in out and str(path) in out
    assert path.read_bytes().startswith(b"%PDF-")
    [doc] = service.list_documents(admin, doc_trip.trip_id)
    assert (doc.kind, doc.format, doc.version, doc.path) == ("invoice", "pdf", 1, str(path))


def test_docs_render_out_writes_where_asked(doc_trip: DocTrip, config: Path, tmp_path: Path) -> None:
    target = tmp_path / "for-client" / "lisbon.html"

    code, out, _ = invoke(
        config, str(doc_trip.trip_id), "-k", "itinerary", "-f", "html", "--out", str(target)
    )

    assert code == 0 and str(target) in out
    assert "Day 1 · Sun 2 May 2027" in target.read_text(encoding="utf-8")


def test_docs_render_ics_for_a_proposal_names_the_options_and_the_fix(
    doc_trip: DocTrip, config: Path
) -> None:
    code, out, err = invoke(config, str(doc_trip.trip_id), "--kind", "proposal", "--format", "ics")

    assert code == 2 and out == ""  # invalid input: exit 2, like every command
    assert err.startswith("Error: --format ics is not available for --kind proposal")
    assert "--kind itinerary --format ics" in err
    assert "Traceback" not in err


def test_docs_render_unknown_trip_names_the_trip_and_the_database(doc_trip: DocTrip, config: Path) -> None:
    code, _, err = invoke(config, "999", "--kind", "itinerary", "--format", "html")

    assert code == 1
    assert "Error: No trip 999 in" in err and "travel.db" in err and "--config" in err


def test_docs_render_unknown_kind_lists_the_kinds(doc_trip: DocTrip, config: Path) -> None:
    code, _, err = invoke(config, str(doc_trip.trip_id), "--kind", "brochure")

    assert code == 2 and "Unknown document kind 'brochure' (--kind)" in err and "proposal, itinerary" in err


def test_docs_render_runs_as_a_real_process(doc_trip: DocTrip, config: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAVELOPS_")}
    target = tmp_path / "trip.ics"

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "core.cli",
            "--config",
            str(config),
            "docs",
            "render",
            str(doc_trip.trip_id),
            "--kind",
            "itinerary",
            "--format",
            "ics",
            "--out",
            str(target),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert "Rendered itinerary v1 (ics" in done.stdout
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR")
