"""Bot API errors shaped exactly as Telegram sends them."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal the loopback server answers with `{"ok": false, ...}`."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        """The error body as Telegram shapes it."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    """A 400 `Bad Request: ...` error."""
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    """A 403 `Forbidden: ...` error."""
    return ApiError(403, f"Forbidden: {detail}")


def conflict(detail: str) -> ApiError:
    """A 409 `Conflict: ...` error."""
    return ApiError(409, f"Conflict: {detail}")


def unauthorized() -> ApiError:
    """The 401 Telegram answers for a wrong token."""
    return ApiError(401, "Unauthorized")


def not_found() -> ApiError:
    """The 404 Telegram answers for an unknown method."""
    return ApiError(404, "Not Found")


def too_many_requests(retry_after: int) -> ApiError:
    """A 429 flood-control error carrying `retry_after` seconds."""
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        {"retry_after": retry_after},
    )


class UndeclaredParameterError(AssertionError):
    """A method read a parameter it did not declare: a bug in the loopback server."""
