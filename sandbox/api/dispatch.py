"""Everything every endpoint does alike: methods, authentication, the bucket, faults, JSON in and the
`{"status", "message", "execution_time", …}` envelope out (orderdesk-api.md §2)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt

from kernel.storable import find_nul
from sandbox import postbacks
from sandbox.engine import gate
from sandbox.engine.errors import ApiError
from sandbox.models import SandboxStore

logger = logging.getLogger(__name__)

# "Invalid" per the current docs (orderdesk-api.md §1): refused before anything else.
REFUSED_METHODS = frozenset({"PATCH", "TRACE", "CONNECT"})
# Injected answers (fault injection); a "timeout" answers normally, but only after a long wait.
INJECTED = {
    "429": (429, "Too Many Requests"),
    "500": (500, "Internal Server Error"),
    "503": (503, "Service Unavailable"),
}
sleep = time.sleep  # replaced in tests, which check what was waited for rather than waiting


@dataclass(frozen=True)
class Call:
    """One authenticated request, as a handler sees it."""

    store: SandboxStore
    body: Any
    params: QueryDict


@dataclass
class Reply:
    payload: dict[str, Any] = field(default_factory=dict)
    message: str | None = None
    status: int = 200
    outcome: str = "success"  # "error" for documented 200-with-error answers ("Shipment Not Added")
    timing_message: bool = False  # orders GETs also say "Execution took X seconds" in `message`


Handler = Callable[..., Reply]


def envelope(outcome: str, message: str | None, started: float, payload: dict[str, Any]) -> dict[str, Any]:
    elapsed = f"{time.perf_counter() - started:.4f}"
    data: dict[str, Any] = {"status": outcome}
    if message is not None:
        data["message"] = message
    data["execution_time"] = f"{elapsed} seconds"
    data.update(payload)
    return data


def error_response(status: int, message: str, started: float, headers: dict[str, str] | None = None):
    response = JsonResponse(envelope("error", message, started, {}), status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def effective_method(request: HttpRequest) -> str:
    """`X-HTTP-Method-Override` on a POST is honoured (the docs' own curl uses it for PUT)."""
    method = (request.method or "GET").upper()
    override = request.headers.get("X-HTTP-Method-Override", "").strip().upper()
    return override if method == "POST" and override else method


def read_body(request: HttpRequest, method: str) -> Any:
    if method not in ("POST", "PUT"):
        return None  # a body on GET/DELETE is ignored, so old-style clients keep working
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ApiError(413, "Request body too large") from None
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        # ASSUMPTION (orderdesk-api.md §5.1): malformed JSON is a 400.
        raise ApiError(400, "Invalid JSON in the request body") from None


def refuse_nul(params: QueryDict, path_values: dict[str, str], body: Any) -> None:
    """A NUL character anywhere in the request is bad input.

    ASSUMPTION (orderdesk-api.md §5.1, bad input is a 400): OrderDesk's handling of NUL is not
    documented. Refusing it is the safe reading: PostgreSQL cannot store it, and storing it altered
    (escaped) would answer with data the client never sent."""
    for where, value in (
        ("query string", dict(params.lists())),
        ("URL", path_values),
        ("request body", body),
    ):
        if find_nul(value) is not None:
            raise ApiError(400, f"Invalid character (NUL) in the {where}")


def endpoint(**handlers: Handler) -> Callable[..., JsonResponse]:
    """A view serving `handlers` by method name (GET=…, POST=…, PUT=…, DELETE=…)."""
    allowed = ", ".join(sorted(handlers))

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: str) -> JsonResponse:
        started = time.perf_counter()
        method = effective_method(request)
        if method in REFUSED_METHODS or method not in handlers:
            # Refused before authentication, like a front server would: no bucket token, no header.
            return error_response(405, "Method Not Allowed", started, {"Allow": allowed})
        try:
            admission = gate.admit(
                request.headers.get("ORDERDESK-STORE-ID"), request.headers.get("ORDERDESK-API-KEY")
            )
        except ApiError as exc:
            # ASSUMPTION: a 401 carries no X-Tokens-Remaining, so it cannot reveal which store ids exist.
            return error_response(exc.status, exc.message, started, exc.headers)
        response = _serve(request, method, handlers[method], admission, started, kwargs)
        response["X-Tokens-Remaining"] = str(admission.tokens_remaining)
        return response

    return view


def _serve(request, method, handler, admission: gate.Admission, started: float, kwargs) -> JsonResponse:
    if admission.latency > 0:
        sleep(admission.latency)
    if admission.fault in INJECTED:
        status, message = INJECTED[admission.fault]
        extra = {"X-Retry-After": "1", "Retry-After": "1"} if status == 429 else {}
        return error_response(status, message, started, extra)
    try:
        call = Call(store=admission.store, body=read_body(request, method), params=request.GET)
        refuse_nul(call.params, kwargs, call.body)
        reply = handler(call, **kwargs)
    except ApiError as exc:
        response = error_response(exc.status, exc.message, started, exc.headers)
    except Exception:
        logger.exception("sandbox endpoint %s %s failed", method, request.path)
        response = error_response(500, "Internal Server Error", started)
    else:
        message = reply.message
        if reply.timing_message and message is None:
            message = f"Execution took {time.perf_counter() - started:.4f} seconds"
        response = JsonResponse(envelope(reply.outcome, message, started, reply.payload), status=reply.status)
        if reply.status < 300 and reply.outcome == "success":
            postbacks.after_write(call.store, method, kwargs, reply.payload)
    if admission.fault == "timeout":
        # ASSUMPTION: the work is done, then the answer is held back: a client that gives up sees a
        # timeout although the write happened, the case a careful client must treat as "outcome unknown".
        sleep(admission.timeout_seconds)
    return response


@csrf_exempt
def unknown_endpoint(request: HttpRequest, **kwargs: str) -> JsonResponse:
    return error_response(404, "Not Found", time.perf_counter())
