"""Principal and field encryption: who may write, and secrets that stay secret at rest."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError as PydanticValidationError

from core.errors import ConfigError, PermissionDenied, TravelOpsError
from core.security import KEY_ENV, FieldCipher, Principal, mask_secret


def test_the_default_admin_is_user_one_of_agency_one_and_may_write() -> None:
    admin = Principal.default_admin()
    assert (admin.user_id, admin.agency_id, admin.role) == (1, 1, "admin")
    admin.require_write("create a trip")
    admin.require_admin("add users")


def test_a_viewer_may_not_write_and_the_error_names_the_action() -> None:
    viewer = Principal(user_id=7, agency_id=1, role="viewer", display_name="Vera")
    with pytest.raises(PermissionDenied, match="Vera \\(role: viewer\\) may not create a trip"):
        viewer.require_write("create a trip")


def test_an_agent_may_write_but_not_administer() -> None:
    agent = Principal(user_id=2, agency_id=1, role="agent", display_name="Ana")
    agent.require_write("create a trip")
    with pytest.raises(PermissionDenied, match="may not add users: only administrators may"):
        agent.require_admin("add users")


def test_a_principal_is_frozen_and_rejects_unknown_roles() -> None:
    admin = Principal.default_admin()
    with pytest.raises(PydanticValidationError):
        admin.role = "viewer"  # type: ignore[misc]
    with pytest.raises(PydanticValidationError, match="role"):
        Principal(user_id=1, agency_id=1, role="owner", display_name="x")  # type: ignore[arg-type]


def test_the_key_file_is_created_once_with_mode_0600_and_reused(tmp_path: Path) -> None:
    first = FieldCipher.load(tmp_path, environ={})
    key_file = tmp_path / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    token = first.encrypt("P1234567")
    second = FieldCipher.load(tmp_path, environ={})
    assert second.decrypt(token) == "P1234567"
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]  # no temp files left behind


def test_the_environment_key_wins_over_the_key_file(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    cipher = FieldCipher.load(tmp_path, environ={KEY_ENV: key})
    assert not (tmp_path / "secret.key").exists()
    assert Fernet(key).decrypt(cipher.encrypt("X").encode()) == b"X"


def test_a_malformed_environment_key_is_a_config_error_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=f"\\${KEY_ENV}") as e:
        FieldCipher.load(tmp_path, environ={KEY_ENV: "not-a-key"})
    assert "Fernet.generate_key" in str(e.value)


def test_listing_a_new_key_first_rotates_while_old_values_still_decrypt(tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = FieldCipher.load(tmp_path, environ={KEY_ENV: old}).encrypt("P1234567")
    rotated = FieldCipher.load(tmp_path, environ={KEY_ENV: f"{new},{old}"})
    assert rotated.decrypt(token) == "P1234567"
    assert FieldCipher(new).decrypt(rotated.encrypt("Y")) == "Y"


def test_decrypting_with_the_wrong_key_says_to_restore_the_key(tmp_path: Path) -> None:
    token = FieldCipher(Fernet.generate_key()).encrypt("secret")
    with pytest.raises(TravelOpsError, match="cannot be decrypted") as e:
        FieldCipher(Fernet.generate_key()).decrypt(token)
    assert "restore the key" in str(e.value)


def test_the_same_plaintext_encrypts_differently_each_time() -> None:
    cipher = FieldCipher(Fernet.generate_key())
    assert cipher.encrypt("P1234567") != cipher.encrypt("P1234567")


@pytest.mark.parametrize(
    ("value", "shown"), [("P1234567", "••••4567"), ("  AB 12 34 ", "••••1234"), ("123", "••••"), ("", "••••")]
)
def test_masking_shows_only_the_last_four_characters(value: str, shown: str) -> None:
    assert mask_secret(value) == shown
