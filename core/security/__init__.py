"""Security: who is acting (``Principal``) and field encryption (``FieldCipher``).

Every travel service call takes a ``Principal`` first; ``Principal.default_admin()`` is the one administrator
a fresh store has. ``FieldCipher.from_settings(settings)`` encrypts travel document numbers at rest.
"""

from core.security._crypto import KEY_ENV, KEY_FILE_NAME, FieldCipher, mask_secret
from core.security._principal import DEFAULT_ADMIN_ID, DEFAULT_AGENCY_ID, Principal, Role

__all__ = [
    "DEFAULT_ADMIN_ID",
    "DEFAULT_AGENCY_ID",
    "KEY_ENV",
    "KEY_FILE_NAME",
    "FieldCipher",
    "Principal",
    "Role",
    "mask_secret",
]
