"""Domain errors. No HTTP here: web/errors.py is the one place that turns them into responses."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; app.i18n translates it when shown."""
    return message


class DomainError(Exception):
    """Base class. `message` is for people; `code` is a stable machine-readable key."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        # Values to interpolate into a translated message (never personal data).
        self.params = params


class NotFound(DomainError):
    code = "not_found"


class PermissionDenied(DomainError):
    code = "permission_denied"


class Conflict(DomainError):
    code = "conflict"


class InvalidInput(DomainError):
    code = "invalid_input"


class Unavailable(DomainError):
    """A dependency (database, search engine, external API) cannot serve the request now."""

    code = "unavailable"


class SignInRequired(DomainError):
    """No one is signed in (or the session ended): pages send people to sign in, the API answers 401."""

    code = "sign_in_required"


class AccessPending(DomainError):
    """Signed in, but no role has been granted yet: pages show the "waiting for access" page."""

    code = "access_pending"


class TooManyRequests(DomainError):
    """An API client went over its rate limit; `retry_after` is in seconds."""

    code = "too_many_requests"
