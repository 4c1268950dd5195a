"""Who is acting: every service call takes a ``Principal`` as its first argument."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.errors import PermissionDenied

__all__ = ["DEFAULT_ADMIN_ID", "DEFAULT_AGENCY_ID", "Principal", "Role"]

Role = Literal["admin", "agent", "viewer"]

# The agency and user that the travel store creates on first open (see core.travel migrations).
DEFAULT_AGENCY_ID = 1
DEFAULT_ADMIN_ID = 1

_WRITERS: frozenset[str] = frozenset({"admin", "agent"})


class Principal(BaseModel):
    """The acting user: who they are, which agency's data they see, and what they may do.

    ``admin`` may do everything in the agency (users, instructions); ``agent`` may read and write clients,
    trips and documents; ``viewer`` may only read. Records of other agencies are invisible to everyone.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: int = Field(ge=1)
    agency_id: int = Field(ge=1)
    role: Role
    display_name: str = Field(min_length=1)

    @classmethod
    def default_admin(cls) -> Principal:
        """The single administrator every fresh store has (user 1 of agency 1): for the CLI, scripts and
        tests."""
        return cls(
            user_id=DEFAULT_ADMIN_ID, agency_id=DEFAULT_AGENCY_ID, role="admin", display_name="Administrator"
        )

    @property
    def can_write(self) -> bool:
        return self.role in _WRITERS

    def require_write(self, action: str) -> None:
        """Raise ``PermissionDenied`` naming ``action`` (e.g. "create a trip") unless this user may write."""
        if not self.can_write:
            raise PermissionDenied(
                f"{self.display_name} (role: {self.role}) may not {action}: viewers have read-only access.",
                hint="Ask an administrator to give you the agent role.",
            )

    def require_admin(self, action: str) -> None:
        """Raise ``PermissionDenied`` naming ``action`` unless this user is an administrator."""
        if self.role != "admin":
            raise PermissionDenied(
                f"{self.display_name} (role: {self.role}) may not {action}: only administrators may.",
                hint="Ask an administrator to do it, or to give you the admin role.",
            )
