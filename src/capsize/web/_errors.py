"""Every error the web answers: a status, a stable code and a one-line message.

API errors are ``{"error": {"code", "message"}}``; page errors render the same message in
the page. A programming error is logged with its traceback and answered 500 with a
generic message: no stack trace ever reaches a client.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from capsize.errors import (
    CapsizeError,
    DataNotFound,
    InputError,
    MissingDependencyError,
    ProviderError,
    StoreError,
)
from capsize.web._answers import RateLimited, Unavailable
from capsize.web._flight import Busy
from capsize.web._params import ISO_DATE

__all__ = [
    "WebError",
    "classify",
    "error_response",
    "validation_message",
]

log = logging.getLogger(__name__)


class WebError(Exception):
    """An error the web layer raises itself (401, 403, 404 ...)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


# Most specific first: the first matching class decides.
_CAPSIZE: tuple[tuple[type[CapsizeError], int, str], ...] = (
    (InputError, 400, "invalid_input"),
    (DataNotFound, 404, "not_found"),
    (StoreError, 503, "store_unavailable"),
    (MissingDependencyError, 501, "missing_dependency"),
    (ProviderError, 502, "provider_error"),
    (CapsizeError, 400, "bad_request"),
)

_HTTP_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
}


def validation_message(exc: RequestValidationError) -> str:
    """One line from FastAPI's validation errors: the parameter and what is wrong."""
    errors = exc.errors()
    if not errors:
        return "invalid request"
    first = errors[0]
    where = ".".join(str(x) for x in first.get("loc", ()) if x not in ("query", "body", "path"))
    what = first.get("msg", "invalid")
    if (
        first.get("type") == "string_pattern_mismatch"
        and (first.get("ctx") or {}).get("pattern") == ISO_DATE
    ):
        what = "give a date YYYY-MM-DD"  # not the regular expression
    return f"{where or 'request'}: {what}"[:300]


def _message(exc: Exception) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _own(exc: Exception) -> tuple[int, str, str] | None:
    """Status and code of the errors capsize raises on purpose (None: not one of them)."""
    if isinstance(exc, WebError):
        return exc.status, exc.code, str(exc)
    if isinstance(exc, RateLimited):
        return 429, "rate_limited", str(exc)
    if isinstance(exc, Unavailable):
        return 501, "not_available", str(exc)
    if isinstance(exc, Busy):
        return 503, "busy", str(exc)
    for cls, status, code in _CAPSIZE:
        if isinstance(exc, cls):
            return status, code, _message(exc)
    return None


def classify(exc: Exception) -> tuple[int, str, str]:
    """Return ``(status, code, message)`` for any exception."""
    own = _own(exc)
    if own is not None:
        return own
    if isinstance(exc, RequestValidationError):
        return 400, "invalid_input", validation_message(exc)
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code, _HTTP_CODES.get(exc.status_code, "http_error"), str(exc.detail)
    log.error("unhandled error", exc_info=exc)
    return 500, "internal", "internal error; the server log has the details"


def error_response(exc: Exception, request: Request | None = None) -> Response:
    """Return the JSON error response for ``exc`` (with Retry-After etc. as due)."""
    status, code, message = classify(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(max(1, round(exc.retry_after)))
    if status == 503:
        headers["Retry-After"] = "2"
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, StarletteHTTPException) and exc.headers:
        headers.update(exc.headers)
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )
