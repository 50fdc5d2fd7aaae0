"""The one OrderDesk HTTP client every service uses.

    data = await get_client().get(store.credentials(), "/orders", params={"folder_id": 1001})

Each `request()` is one logical call with a deadline (30 s by default). Every HTTP attempt inside it:
1. passes the circuit breaker of the (tenant, store) — open means fail fast, no upstream call;
2. reserves a slot from the rate governor of the OrderDesk store and waits for it, so this app never
   causes a 429 itself;
3. is sent through the event loop's pooled httpx client (no redirects, connect 5 s / read 15 s), and
   its answer read to at most ORDERDESK_MAX_RESPONSE_BYTES once decoded (`stores.upstream.body`);
4. is recorded as a span (redacted) on the trace of the operation that caused it;
5. is judged by `stores.upstream.policy`: success, another attempt (full-jitter backoff or OrderDesk's
   own retry hint), or the error the caller sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
from django.conf import settings

from kernel import deadlines, metrics, telemetry, tracing
from kernel.errors import OperationError, RateLimited, UpstreamUnavailable
from kernel.redaction import redact_text
from stores.breaker import CircuitBreaker, default_breaker
from stores.governor import Governor, bucket_key, default_governor
from stores.models import StoreCredentials
from stores.upstream import policy
from stores.upstream.body import BodyTooLarge, read_capped
from stores.upstream.spans import span_for
from stores.upstream.target import (
    USER_AGENT,
    ClientPool,
    TransportSource,
    attempt_timeout,
    check_base_url,
    check_path,
    encode_body,
    request_headers,
)

__all__ = ["USER_AGENT", "OrderDeskClient", "get_client", "override_client"]

METHODS = frozenset({"GET", "POST", "PUT", "DELETE"})


class OrderDeskClient:
    """Pacing, retries, breaker and spans around httpx. Everything time-related is injectable so tests
    can drive exact fault sequences: `transport` (an httpx transport, or a factory making one per event
    loop), `clock` (monotonic seconds, for deadlines), `sleep`, `rng` (backoff jitter) and `wall_clock`
    (epoch seconds, for HTTP-date Retry-After). `governor`/`breaker` default to the process-wide ones."""

    def __init__(
        self,
        *,
        transport: TransportSource = None,
        governor: Governor | None = None,
        breaker: CircuitBreaker | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: random.Random | None = None,
        wall_clock: Callable[[], float] = time.time,
    ):
        self._pool = ClientPool(transport)
        self._governor = governor
        self.breaker = breaker or default_breaker()
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()  # jitter, not security
        self.wall_clock = wall_clock

    @property
    def governor(self) -> Governor:
        return self._governor or default_governor()

    async def aclose(self) -> None:
        """Close the pooled connections of the current event loop."""
        await self._pool.aclose()

    async def get(self, creds: StoreCredentials, path: str, *, params: dict[str, Any] | None = None) -> dict:
        return await self.request(creds, "GET", path, params=params)

    async def post(self, creds: StoreCredentials, path: str, *, json: Any) -> dict:
        return await self.request(creds, "POST", path, json=json)

    async def put(self, creds: StoreCredentials, path: str, *, json: Any) -> dict:
        return await self.request(creds, "PUT", path, json=json)

    async def delete(self, creds: StoreCredentials, path: str) -> dict:
        return await self.request(creds, "DELETE", path)

    async def request(
        self,
        creds: StoreCredentials,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        deadline: float | None = None,
    ) -> dict[str, Any]:
        """One OrderDesk call with pacing, retries, breaker and spans. Returns the decoded JSON envelope
        (status == "success"). Raises kernel.errors:
          UpstreamAuthFailed (401/403), UpstreamError(status=404) for unknown ids,
          UpstreamError(status=400/422, message=OrderDesk's message) for rejected input,
          RateLimited(retry_after=…) when a 429 hint exceeds the remaining deadline or retries run out,
          UpstreamUnavailable (timeouts, connection failures, 5xx after retries, breaker open),
          OutcomeUnknown (a POST that timed out or got a 5xx: it may have been applied)."""
        method = method.upper()
        if method not in METHODS:
            raise ValueError(f"OrderDesk does not support {method}")
        if method == "GET" and json is not None:
            raise ValueError("OrderDesk rejects a body on GET; pass params instead")
        base_url = check_base_url(creds.base_url)
        check_path(path)
        body = encode_body(json) if json is not None else None
        seconds = settings.ORDERDESK_OPERATION_DEADLINE if deadline is None else deadline
        if (left := deadlines.remaining()) is not None:
            seconds = min(seconds, left)  # no call outlives the operation that makes it
        call = _Call(
            self,
            creds=creds,
            method=method,
            path=path,
            url=base_url + path,
            params=params,
            body=body,
            ends_at=self.clock() + seconds,
        )
        return await call.run()


class _Call:
    """The state of one `request()`: its attempts so far and its deadline."""

    def __init__(
        self,
        client: OrderDeskClient,
        *,
        creds: StoreCredentials,
        method: str,
        path: str,
        url: str,
        params: dict[str, Any] | None,
        body: bytes | None,
        ends_at: float,
    ):
        self.client = client
        self.creds = creds
        self.method = method
        self.path = path
        self.url = url
        self.params = params
        self.body = body
        self.ends_at = ends_at
        self.secrets = (creds.api_key,)
        self.breaker_key = (str(creds.tenant_id), str(creds.store_pk))
        self.bucket = bucket_key(creds.base_url, creds.orderdesk_store_id)
        self.governor = client.governor

    def remaining(self) -> float:
        return self.ends_at - self.client.clock()

    async def run(self) -> dict[str, Any]:
        last: policy.AttemptResult | None = None
        for attempt in range(1, policy.MAX_ATTEMPTS + 1):
            if self.remaining() <= 0:
                break
            result = await self._paced_attempt(attempt)
            last = result
            if result.kind == "response" and 200 <= (result.status or 0) < 300:
                self._record(result, retry_reason="")
                return policy.success_body(result, self.secrets)
            reason = policy.retry_reason(result)
            hint = policy.retry_hint(result.response, self.client.wall_clock())
            if not reason or attempt == policy.MAX_ATTEMPTS:
                self._record(result, retry_reason="")
                raise policy.failure(result, secrets=self.secrets, hint=hint)
            delay = hint if hint is not None else policy.backoff(attempt - 1, self.client.rng)
            if delay > self.remaining() - policy.MIN_ATTEMPT_SECONDS:
                # Waiting would leave the next attempt no time: answer now, with the hint if any.
                self._record(result, retry_reason="")
                raise self._out_of_time(result, hint)
            self._record(result, retry_reason=reason)
            if delay > 0:
                await self.client.sleep(delay)
        if last is None:
            raise UpstreamUnavailable(
                f"The operation used up its time budget before calling OrderDesk for {self.method} "
                f"{self.path}; nothing was sent. Try again."
            )
        raise policy.failure(last, secrets=self.secrets, hint=None, gave_up_early=True)

    def _out_of_time(self, result: policy.AttemptResult, hint: float | None) -> OperationError:
        if hint is not None and result.status == 429:
            wait = max(1, math.ceil(hint))
            return RateLimited(f"OrderDesk rate limit: retry after {wait} s.", retry_after=wait)
        return policy.failure(result, secrets=self.secrets, hint=hint, gave_up_early=True)

    async def _paced_attempt(self, attempt: int) -> policy.AttemptResult:
        is_probe = self.client.breaker.acquire(self.breaker_key)
        settled = False
        try:
            # A slot so late that the attempt would have no time left to run is refused instead.
            max_wait = max(0.0, self.remaining() - policy.MIN_ATTEMPT_SECONDS)
            reservation = await self.governor.reserve(self.bucket, max_wait=max_wait)
            if not reservation.granted:
                metrics.count_governor_refusal()
                wait = max(1, math.ceil(reservation.wait))
                raise RateLimited(
                    f"OrderDesk rate limit: this store's request budget is in use, retry after {wait} s.",
                    retry_after=wait,
                )
            if reservation.wait > 0:
                metrics.count_governor_wait(reservation.wait)
                await self.client.sleep(reservation.wait)
            result = await self._send(attempt)
            if policy.counts_as_failure(result):
                self.client.breaker.failure(self.breaker_key)
            else:
                self.client.breaker.success(self.breaker_key)
            settled = True
            if (remaining := policy.tokens_remaining(result.response)) is not None:
                await self.governor.observe(self.bucket, remaining)
            return result
        finally:
            if is_probe and not settled:
                self.client.breaker.release(self.breaker_key)

    async def _send(self, attempt: int) -> policy.AttemptResult:
        http = self.client._pool.get()
        remaining = max(0.001, self.remaining())
        request = http.build_request(
            self.method,
            self.url,
            params=self.params,
            content=self.body,
            headers=request_headers(self.creds, has_body=self.body is not None),
            timeout=attempt_timeout(remaining),
        )
        result = policy.AttemptResult(
            method=self.method, path=self.path, attempt=attempt, request=request, started_at=datetime.now(UTC)
        )
        limit = settings.ORDERDESK_MAX_RESPONSE_BYTES
        started = time.perf_counter()
        try:
            # httpx's timeouts bound each phase; this bounds the whole attempt by the deadline.
            async with asyncio.timeout(remaining):
                streamed = await http.send(request, follow_redirects=False, stream=True)
                result.response = await read_capped(streamed, limit)
        except BodyTooLarge as exc:  # not retried: the same request would get the same answer
            result.kind, result.response, result.body_limit = "too_large", exc.response, limit
            result.error = (
                f"Answer larger than {policy.size_text(limit)} (HTTP {exc.response.status_code}); not read."
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            result.kind, result.error = "connect", self._describe(exc)  # the request was never sent
        except (httpx.TimeoutException, TimeoutError) as exc:
            result.kind, result.error = "timeout", self._describe(exc)
        except httpx.TransportError as exc:
            result.kind, result.error = "network", self._describe(exc)
        result.duration_ms = (time.perf_counter() - started) * 1000
        return result

    def _describe(self, exc: BaseException) -> str:
        text = redact_text(" ".join(str(exc).split()), self.secrets)[:200]
        return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

    def _record(self, result: policy.AttemptResult, *, retry_reason: str) -> None:
        """Every attempt, once judged: counted, exported as a span when OpenTelemetry is on, and
        recorded on the operation's trace."""
        failure = "" if result.kind == "response" else result.kind
        metrics.count_upstream(self.method, result.status, failure, retry_reason)
        telemetry.attempt_span(
            method=self.method,
            store_id=str(self.creds.store_pk),
            status=result.status,
            failure=failure,
            attempt=result.attempt,
            retry_reason=retry_reason,
            started_at=result.started_at,
            duration_ms=result.duration_ms,
        )
        if tracing.current_recorder() is None:
            return  # building a redacted span costs a JSON round trip; skip it when nobody listens
        tracing.record_span(
            span_for(path=self.path, result=result, retry_reason=retry_reason, secrets=self.secrets)
        )


_default_client: OrderDeskClient | None = None
_override: OrderDeskClient | None = None


def get_client() -> OrderDeskClient:
    """The process-wide client (one pooled httpx.AsyncClient per running event loop)."""
    global _default_client
    if _override is not None:
        return _override
    if _default_client is None:
        _default_client = OrderDeskClient()
    return _default_client


@contextlib.contextmanager
def override_client(client: OrderDeskClient) -> Iterator[OrderDeskClient]:
    """Make `get_client()` return `client` (tests: a client on an httpx.MockTransport)."""
    global _override
    previous, _override = _override, client
    try:
        yield client
    finally:
        _override = previous
