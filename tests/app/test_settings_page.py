"""The Agency profile page: shows the placeholder warning, saves the form, says what changed, validates next
to the field, stores and removes the logo."""

from __future__ import annotations

import io
from pathlib import Path

from app_helpers import REPO, TIMEOUT_S, AppEnv, button, next_after, problems, texts, walk
from PIL import Image
from streamlit.testing.v1 import AppTest

from core.security import Principal
from core.travel import TravelService

ME = Principal.default_admin()
KEY = "settings.agency."


def open_settings() -> AppTest:
    """The page on its own (app/main.py lists it in the navigation)."""
    return AppTest.from_file(str(REPO / "pages" / "settings.py"), default_timeout=TIMEOUT_S).run()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (80, 30), (20, 80, 160)).save(out, format="PNG")
    return out.getvalue()


def images(at: AppTest) -> int:
    return sum(1 for n in walk(at.main) if n.type == "image")


def agency(env: AppEnv):  # type: ignore[no-untyped-def]
    with TravelService.open(env.settings()) as service:
        return service.get_agency(ME)


def test_a_fresh_agency_shows_the_placeholder_warning_and_saving_a_name_says_what_changed(
    empty_env: AppEnv,
) -> None:
    at = open_settings()
    assert problems(at) == []
    assert at.title[0].value == "Agency profile"
    assert any('still the placeholder "My Agency"' in t for t in texts(at.warning))

    at.text_input(key=KEY + "name").input("Blue Compass Travel")
    at.text_area(key=KEY + "address").input("12 Rua do Ouro\n1100-060 Lisboa")
    at.text_input(key=KEY + "email").input("hello@bluecompass.example")
    at.selectbox(key=KEY + "currency").select("EUR")
    button(at, "Save profile").click().run()

    assert problems(at) == []
    assert "Saved: name, address, email, default currency." in texts(at.success)
    assert not any("placeholder" in t for t in texts(at.warning))
    saved = agency(empty_env)
    assert (saved.name, saved.address, saved.email, saved.default_currency) == (
        "Blue Compass Travel",
        "12 Rua do Ouro\n1100-060 Lisboa",
        "hello@bluecompass.example",
        "EUR",
    )
    assert at.text_input(key=KEY + "name").value == "Blue Compass Travel"  # re-shown as saved

    button(at, "Save profile").click().run()
    assert "Nothing changed." in texts(at.success)


def test_an_invalid_email_shows_its_message_under_the_email_and_nothing_is_saved(empty_env: AppEnv) -> None:
    at = open_settings()
    at.text_input(key=KEY + "name").input("Blue Compass Travel")
    at.text_input(key=KEY + "email").input("hello-at-example")
    button(at, "Save profile").click().run()

    below = next_after(at, KEY + "email")
    assert below.type == "error" and "not a valid email address" in str(below.value)
    assert agency(empty_env).name == "My Agency", "nothing written when a field is wrong"


def test_a_logo_upload_is_stored_previewed_and_removed(empty_env: AppEnv) -> None:
    at = open_settings()
    at.file_uploader[0].set_value(("logo.png", png(), "image/png"))
    button(at, "Save profile").click().run()

    assert problems(at) == []
    assert "Saved: logo." in texts(at.success)
    assert agency(empty_env).logo_path == "agency/logo-1.png"
    assert images(at) == 1, "the logo is previewed"

    at.button(key=KEY + "remove_logo").click().run()
    assert "Removed the logo." in texts(at.success)
    assert agency(empty_env).logo_path is None
    assert images(at) == 0


def test_a_file_that_is_not_an_image_is_refused_under_the_logo(empty_env: AppEnv) -> None:
    at = open_settings()
    at.file_uploader[0].set_value(("logo.png", b"GIF89a-not-a-png", "image/png"))
    button(at, "Save profile").click().run()

    assert any("not a PNG or JPEG" in t for t in texts(at.error))
    assert agency(empty_env).logo_path is None


def test_the_page_works_on_the_demo_data(demo_env: AppEnv) -> None:
    at = open_settings()
    assert problems(at) == []
    assert at.text_input(key=KEY + "name").value == agency(demo_env).name
    assert Path(REPO / "pages" / "settings.py").is_file()
