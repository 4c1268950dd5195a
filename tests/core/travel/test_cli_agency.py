"""`travelops agency show|update` on a fresh data folder: text, JSON, the logo, and exit 2 naming the option."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from core.cli import app


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in ("TRAVELOPS_DATA_DIR", "TRAVELOPS_SECRET_KEY", "TRAVELOPS_CONFIG"):
        monkeypatch.delenv(key, raising=False)
    path = tmp_path / "travelops.yml"
    path.write_text(f"data_dir: {tmp_path / 'data'}\n")
    return path


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--config", str(config), "agency", *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_fresh_agency_shows_the_placeholder_and_how_to_fix_it(config: Path) -> None:
    code, out, _ = run(config, "show")

    assert code == 0
    assert "My Agency  (placeholder: documents print no agency name)" in out
    assert "Fix: travelops agency update --name" in out
    data = json.loads(run(config, "show", "--json")[1])
    assert data["is_placeholder"] is True and data["default_currency"] == "USD"


def test_update_sets_every_field_and_show_reads_it_back(config: Path, tmp_path: Path) -> None:
    terms = tmp_path / "terms.txt"
    terms.write_text("Pay within 30 days.\n\nNo refunds.", encoding="utf-8")
    logo = tmp_path / "logo.png"
    buf = io.BytesIO()
    Image.new("RGB", (30, 10)).save(buf, format="PNG")
    logo.write_bytes(buf.getvalue())

    code, out, err = run(
        config, "update", "--name", "Blue Compass Travel", "--address", "12 Rua do Ouro\nLisboa",
        "--phone", "+351 213 000 111", "--email", "hello@bluecompass.example", "--website",
        "bluecompass.example", "--currency", "eur", "--terms-file", str(terms), "--logo", str(logo), "--json",
    )  # fmt: skip

    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["name"] == "Blue Compass Travel" and data["is_placeholder"] is False
    assert data["address"] == "12 Rua do Ouro\nLisboa" and data["default_currency"] == "EUR"
    assert data["terms"].startswith("Pay within 30 days.") and data["logo_path"] == "agency/logo-1.png"
    assert (tmp_path / "data" / "agency" / "logo-1.png").read_bytes() == logo.read_bytes()
    shown = run(config, "show")[1]
    assert "Address:  12 Rua do Ouro, Lisboa" in shown and "Terms:    6 words of your own" in shown

    code, out, _ = run(config, "update", "--website", "", "--remove-logo", "--json")
    assert code == 0 and json.loads(out)["website"] is None and json.loads(out)["logo_path"] is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--email", "not-an-email"], "Fix --email"),
        (["--currency", "XYZ"], "Fix --currency"),
        (["--name", "  "], "Fix --name"),
        (["--terms-file", "/nonexistent/terms.txt"], "Fix --terms-file"),
        (["--logo", "/nonexistent/logo.png"], "Fix --logo"),
        ([], "Nothing to change"),
    ],
)
def test_bad_input_exits_2_naming_the_field_and_the_option(
    config: Path, args: list[str], expected: str
) -> None:
    code, out, err = run(config, "update", *args)

    assert code == 2 and out == ""
    assert expected in err and "Traceback" not in err
    assert json.loads(run(config, "show", "--json")[1])["name"] == "My Agency", "nothing was written"


def test_a_logo_that_is_not_an_image_exits_2_and_changes_nothing_else(config: Path, tmp_path: Path) -> None:
    fake = tmp_path / "logo.png"
    fake.write_text("not really a png")

    code, _, err = run(config, "update", "--name", "Blue Compass Travel", "--logo", str(fake))

    assert code == 2
    assert "logo.png is not a PNG or JPEG image. Fix --logo" in err
    assert json.loads(run(config, "show", "--json")[1])["name"] == "My Agency"
