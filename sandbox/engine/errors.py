"""The one failure type of the emulator: an HTTP status and OrderDesk's `{"status":"error"}` body."""

from __future__ import annotations


class ApiError(Exception):
    """Rendered as `{"status": "error", "message": message}` with `status` as the HTTP code."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)
