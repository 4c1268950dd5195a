"""TravelOps errors: every message says what went wrong, where, and what to do.

Callers raise these with ``raise ... from e``. Boundaries (CLI commands, pages, MCP tools) catch
``TravelOpsError`` and show ``str(error)``, never a traceback.
"""

from __future__ import annotations

__all__ = [
    "BudgetExceeded",
    "ConfigError",
    "NotFound",
    "PermissionDenied",
    "ProviderError",
    "RoutingError",
    "ToolUnavailable",
    "TravelOpsError",
    "ValidationError",
    "WarehouseError",
]


class TravelOpsError(Exception):
    """Base of every error TravelOps shows to a person."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str = "") -> None:
        self.message = message
        self.hint = hint or self.hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip() if self.hint else self.message


class ConfigError(TravelOpsError):
    """The configuration file or environment is invalid. The message names file, key path, value and fix."""

    def __init__(self, message: str, *, problems: list[str] | None = None, hint: str = "") -> None:
        self.problems = problems or []
        super().__init__(message, hint=hint)

    def __str__(self) -> str:
        if not self.problems:
            return super().__str__()
        lines = [self.message, *(f"  - {p}" for p in self.problems)]
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


class RoutingError(TravelOpsError):
    """No model can serve a request (unknown model or task, every provider disabled)."""


class BudgetExceeded(TravelOpsError):
    """A budget limit would be passed and downgrading is not allowed or not possible."""


class ProviderError(TravelOpsError):
    """Every attempt at a model call failed (after retries and fallbacks)."""


class ToolUnavailable(TravelOpsError):
    """An MCP tool could not be reached on any instance and no cached result may be served."""


class ValidationError(TravelOpsError):
    """Input at a boundary (form, CLI argument, imported file, tool argument) is invalid."""


class NotFound(ValidationError):
    """An id names no record the acting user can see (CLI exit code 1, not the 2 of invalid input)."""


class PermissionDenied(TravelOpsError):
    """The acting user may not do this."""


class WarehouseError(TravelOpsError):
    """The usage warehouse could not be opened, written or queried."""
