"""Field encryption for secrets kept in the operational store (travel document numbers).

The key comes from ``TRAVELOPS_SECRET_KEY`` (a Fernet key; several keys separated by commas rotate: the first
encrypts, all decrypt) or, when that is unset, from ``<data_dir>/secret.key``, created with mode 0600 the
first time it is needed. Losing the key loses the encrypted fields: back the key file up with the database.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from core.errors import ConfigError, TravelOpsError

if TYPE_CHECKING:
    from core.config import Settings

__all__ = ["KEY_ENV", "KEY_FILE_NAME", "FieldCipher", "mask_secret"]

logger = logging.getLogger(__name__)

KEY_ENV = "TRAVELOPS_SECRET_KEY"
KEY_FILE_NAME = "secret.key"
MASK_DOTS = "••••"


def mask_secret(value: str, *, visible: int = 4) -> str:
    """``"X1234567"`` -> ``"••••4567"``: only the last ``visible`` characters show (none if the value is
    short)."""
    value = "".join(value.split())
    if len(value) <= visible:
        return MASK_DOTS
    return MASK_DOTS + value[-visible:]


class FieldCipher:
    """Encrypts and decrypts short text fields with Fernet (AES-128-CBC + HMAC-SHA256, random IV per value).

    Build it with :meth:`from_settings` (or :meth:`load`), or pass keys directly in tests.
    """

    def __init__(self, keys: str | bytes | list[str | bytes], *, source: str = "explicit key") -> None:
        raw = keys if isinstance(keys, list) else [keys]
        fernets: list[Fernet] = []
        for i, key in enumerate(raw):
            try:
                fernets.append(Fernet(key.strip()))
            except (ValueError, TypeError) as e:
                raise ConfigError(
                    f"Encryption key #{i + 1} from {source} is not a valid Fernet key (32 url-safe "
                    "base64-encoded bytes).",
                    hint='Fix: generate one with `python -c "from cryptography.fernet import Fernet; '
                    'print(Fernet.generate_key().decode())"`.',
                ) from e
        if not fernets:
            raise ConfigError(
                f"No encryption key found in {source}.", hint=f"Fix: set {KEY_ENV} to a Fernet key."
            )
        self._fernet = MultiFernet(fernets)
        self.source = source

    @classmethod
    def load(cls, data_dir: Path, *, environ: Mapping[str, str] | None = None) -> FieldCipher:
        """The agency's cipher: keys from ``TRAVELOPS_SECRET_KEY``, else ``<data_dir>/secret.key`` (created
        0600)."""
        env = os.environ if environ is None else environ
        value = env.get(KEY_ENV, "").strip()
        if value:
            return cls([k for k in value.split(",") if k.strip()], source=f"${KEY_ENV}")
        path = Path(data_dir) / KEY_FILE_NAME
        return cls(_read_or_create_key(path), source=str(path))

    @classmethod
    def from_settings(cls, settings: Settings, *, environ: Mapping[str, str] | None = None) -> FieldCipher:
        return cls.load(settings.data_dir, environ=environ)

    def encrypt(self, plaintext: str) -> str:
        """An opaque token (ASCII) that differs every time, even for the same plaintext."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as e:
            raise TravelOpsError(
                f"An encrypted field cannot be decrypted with the key from {self.source}.",
                hint=f"Fix: restore the key the data was written with (the {KEY_FILE_NAME} file backed up "
                f"with the database, or the old value of {KEY_ENV}); to rotate keys, list the new key first "
                "and the old one after a comma.",
            ) from e

    @staticmethod
    def mask(value: str) -> str:
        return mask_secret(value)


def _read_or_create_key(path: Path) -> bytes:
    if path.exists():
        return _read_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, key + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # atomic and refuses to overwrite: the first process to get here wins
        logger.info("Created the field-encryption key %s (mode 0600). Back it up with the database.", path)
    except FileExistsError:
        pass  # another process created it first; use theirs
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        logger.warning(
            "The key file %s is readable by other users (mode %o). Fix: chmod 600 %s", path, mode, path
        )
    key = path.read_bytes().strip()
    if not key:
        raise ConfigError(
            f"The key file {path} is empty.",
            hint="Fix: restore it from your backup, or delete it (only if nothing was encrypted yet) to "
            "create one.",
        )
    return key
