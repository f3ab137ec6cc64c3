"""Domain errors, mapped once to HTTP status codes (API: RFC 7807 JSON; pages: messages/form errors)."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the operation. ``message`` is shown to the user (Chinese)."""

    status_code = 400
    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.errors = errors or {}


class NotAllowed(DomainError):
    status_code = 403
    code = "not_allowed"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    """Someone else changed the record first (optimistic locking) or a duplicate exists."""

    status_code = 409
    code = "conflict"


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid_input"


class CalendarNotCovered(DomainError):
    """A legal deadline needs a year the work calendar does not know: no silent weekday fallback."""

    status_code = 422
    code = "calendar_not_covered"
