"""Reading an OrderDesk answer with a bound on its decoded size.

httpx decodes a whole network chunk at once (a 64 KB chunk of a gzip bomb becomes some 64 MB), so the
body is read raw and inflated here with zlib's `max_length`: the decoded total never passes the cap by
more than one byte, however much a chunk would expand, and the rest of the answer is never pulled off
the wire. gzip and deflate (zlib-wrapped, or raw as some servers send it) are what the client asks
for; any other encoding is passed through as it is, as httpx itself does with one it does not know,
and then fails as JSON.
"""

from __future__ import annotations

import zlib
from typing import Protocol

import httpx

# What the client asks for: the encodings decoded here, and no others (httpx would add br or zstd
# whenever their packages happen to be installed).
ACCEPT_ENCODING = "gzip, deflate"


class _Decoder(Protocol):
    @property
    def unconsumed_tail(self) -> bytes: ...

    def decompress(self, data: bytes, max_length: int = ...) -> bytes: ...


class _Identity:
    unconsumed_tail = b""

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        return data


class _Deflate:
    """HTTP "deflate" is zlib-wrapped by the standard and raw in some servers: try one, then the other."""

    def __init__(self) -> None:
        self._decoder: _Decoder = zlib.decompressobj()
        self._started = False

    @property
    def unconsumed_tail(self) -> bytes:
        return self._decoder.unconsumed_tail

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        if self._started:
            return self._decoder.decompress(data, max_length)
        self._started = True
        try:
            return self._decoder.decompress(data, max_length)
        except zlib.error:
            self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._decoder.decompress(data, max_length)


def _decoder(content_encoding: str) -> _Decoder:
    encoding = content_encoding.strip().lower()
    if encoding == "gzip":
        return zlib.decompressobj(zlib.MAX_WBITS | 16)
    if encoding == "deflate":
        return _Deflate()
    return _Identity()


class BodyTooLarge(Exception):
    """The decoded body passed the cap. `response` has the status and headers, and no body."""

    def __init__(self, response: httpx.Response):
        super().__init__(f"answer larger than the cap (HTTP {response.status_code})")
        self.response = response


async def read_capped(response: httpx.Response, limit: int) -> httpx.Response:
    """`response` (sent with stream=True) as a response with its decoded body in memory. Raises
    BodyTooLarge once the decoded body passes `limit` bytes, and httpx.DecodingError for a body its
    encoding cannot decode (as httpx would). The streamed response is closed either way."""
    if response.is_stream_consumed:  # built in memory (a mock transport): already read and decoded
        if len(response.content) > limit:
            raise BodyTooLarge(_replaced(response, b""))
        return response
    decoder = _decoder(response.headers.get("Content-Encoding", ""))
    body = bytearray()
    try:
        async for raw in response.aiter_raw():
            data = raw
            while data:
                # max_length caps what this call may produce; what it left unread comes back as the tail.
                body += decoder.decompress(data, limit + 1 - len(body))
                if len(body) > limit:
                    raise BodyTooLarge(_replaced(response, b""))
                data = decoder.unconsumed_tail
    except zlib.error as exc:
        raise httpx.DecodingError(
            f"OrderDesk's answer is not valid {response.headers['Content-Encoding']}: {exc}"
        ) from None
    finally:
        await response.aclose()
    return _replaced(response, bytes(body))


def _replaced(response: httpx.Response, body: bytes) -> httpx.Response:
    """`response` with `body`, decoded, as its content: no longer with the encoding or its length."""
    headers = [
        (name, value)
        for name, value in response.headers.raw
        if name.lower() not in (b"content-encoding", b"content-length")
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        extensions=response.extensions,
    )
