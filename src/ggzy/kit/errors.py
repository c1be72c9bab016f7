"""One error hierarchy for the whole platform.

Every error carries a stable machine ``code`` (for the API), an HTTP ``status`` and a message in
Chinese that tells a person what is wrong and what to do. Routes translate these into responses;
the CLI prints the message on one line and exits non-zero.
"""

from __future__ import annotations

from typing import Any


class GgzyError(Exception):
    """Base of every error the platform raises on purpose."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, detail: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.detail = detail or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail:
            body["detail"] = self.detail
        return body


class ConfigError(GgzyError):
    """A setting is malformed or points at something that is not there."""

    code = "config.invalid"
    status = 500


class ValidationFailed(GgzyError):
    """Input is malformed; the message says which field and what is expected."""

    code = "input.invalid"
    status = 422


class NotFound(GgzyError):
    code = "not_found"
    status = 404


class Conflict(GgzyError):
    """The request clashes with existing state (duplicate code, stale version)."""

    code = "conflict"
    status = 409


class IllegalTransition(GgzyError):
    """A workflow move that the transition table or one of its guards forbids."""

    code = "workflow.illegal_transition"
    status = 409


class NotAuthenticated(GgzyError):
    code = "auth.required"
    status = 401


class Forbidden(GgzyError):
    code = "auth.forbidden"
    status = 403


class TooLarge(GgzyError):
    code = "input.too_large"
    status = 413


class IntegrityBroken(GgzyError):
    """Stored data no longer matches its hash chain or signature."""

    code = "integrity.broken"
    status = 500
