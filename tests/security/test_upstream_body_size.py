"""A hostile or broken OrderDesk cannot make the app read an unbounded answer: the decoded body is
capped while it streams in (ORDERDESK_MAX_RESPONSE_BYTES, 5 MB), and past the cap the response is
closed, the call fails with a clear error, is traced, and is not retried."""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib
from collections.abc import Iterator

import httpx
import pytest

from kernel import tracing
from kernel.errors import UpstreamResponseTooLarge
from tests.client.conftest import clock, creds, make_client, ok  # noqa: F401 (fixtures)

MB = 1024 * 1024
CHUNK = b"\0" * MB


class CountingStream(httpx.AsyncByteStream):
    """A response body produced lazily, counting the bytes the client actually pulled off the wire."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks = chunks
        self.consumed = 0
        self.closed = False

    async def __aiter__(self):
        for chunk in self.chunks:
            self.consumed += len(chunk)
            yield chunk

    async def aclose(self) -> None:
        self.closed = True


def plain_json(megabytes: int, produced: list[int]) -> Iterator[bytes]:
    """A JSON object of `megabytes` MB (spaces inside a string), one MB at a time."""
    yield b'{"status": "success", "padding": "'
    for _ in range(megabytes):
        produced[0] += 1
        yield b" " * MB
    yield b'"}'


def gzip_zeros(megabytes: int, produced: list[int]) -> Iterator[bytes]:
    """A gzip bomb: `megabytes` MB of zeros, compressed one MB at a time (about 1 KB on the wire per MB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    for _ in range(megabytes):
        produced[0] += 1
        yield compressor.compress(CHUNK) + compressor.flush(zlib.Z_SYNC_FLUSH)
    yield compressor.flush()


def answer(stream: CountingStream, **headers: str) -> httpx.Response:
    return httpx.Response(200, headers={"Content-Type": "application/json", **headers}, stream=stream)


async def test_oversized_upstream_body_is_refused(make_client, creds):  # noqa: F811
    produced = [0]
    stream = CountingStream(plain_json(20, produced))
    client, script = make_client([lambda request: answer(stream)])

    with tracing.recording() as recorder, pytest.raises(UpstreamResponseTooLarge) as refused:
        await client.get(creds, "/orders", params={"limit": 500})

    assert str(refused.value) == (
        "OrderDesk's answer to GET /orders was larger than 5 MB, so it was not read; "
        "narrow the request (a smaller limit, fewer fields)."
    )
    assert script.calls == 1  # not retried: the same request would get the same answer
    assert produced[0] <= 6 and stream.consumed <= 6 * MB + 100  # reading stopped at the cap
    assert stream.closed
    (span,) = recorder.spans
    assert span.status == 200 and "larger than 5 MB" in span.error and span.response_body == ""


async def test_gzip_bomb_is_not_decompressed_past_the_cap(make_client, creds):  # noqa: F811
    produced = [0]
    stream = CountingStream(gzip_zeros(200, produced))  # 200 MB of zeros once decompressed
    client, script = make_client([lambda request: answer(stream, **{"Content-Encoding": "gzip"})])

    tracemalloc.start()
    try:
        with pytest.raises(UpstreamResponseTooLarge):
            await client.get(creds, "/orders")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert script.calls == 1 and stream.closed
    assert produced[0] <= 7  # of 200: the rest of the bomb was never pulled, let alone inflated
    assert stream.consumed < 64 * 1024
    assert peak < 8 * MB + 3 * MB  # the capped body plus one chunk being produced, not 200 MB


async def test_a_write_whose_answer_is_too_large_says_it_may_have_been_applied(make_client, creds):  # noqa: F811
    stream = CountingStream(plain_json(8, [0]))
    client, script = make_client([lambda request: answer(stream)])

    with pytest.raises(UpstreamResponseTooLarge) as refused:
        await client.put(creds, "/orders/5", json={"email": "a@b.test"})

    assert "HTTP 200" in str(refused.value) and "may have been applied" in str(refused.value)
    assert script.calls == 1


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as the standard says
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),  # raw, as some servers send
        ("identity", lambda data: data),
    ],
)
async def test_answers_under_the_cap_are_read_and_decoded(make_client, creds, encoding, encode):  # noqa: F811
    body = json.dumps({"status": "success", "orders": [{"id": str(i)} for i in range(2000)]}).encode()
    encoded = encode(body)
    chunks = iter([encoded[: len(encoded) // 2], encoded[len(encoded) // 2 :]])
    client, _ = make_client(
        [lambda request: answer(CountingStream(chunks), **{"Content-Encoding": encoding})]
    )

    answer_body = await client.get(creds, "/orders")

    assert len(answer_body["orders"]) == 2000 and answer_body["orders"][-1] == {"id": "1999"}


async def test_the_cap_is_a_setting(make_client, creds, settings):  # noqa: F811
    settings.ORDERDESK_MAX_RESPONSE_BYTES = 1000
    client, _ = make_client([ok({"orders": [{"id": "1"}] * 10}), ok({"orders": [{"id": "1"}] * 200})])

    assert len((await client.get(creds, "/orders"))["orders"]) == 10
    with pytest.raises(UpstreamResponseTooLarge, match="larger than 1,000 bytes"):
        await client.get(creds, "/orders")
