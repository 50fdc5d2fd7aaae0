"""WhiteNoise under ASGI.

WhiteNoise answers with a file response whose body is a synchronous iterator. Django's ASGI handler
cannot stream that: it reads the whole file into memory on a worker thread first and warns about it
on every static request. Handing it an asynchronous iterator over the same chunks streams the file
instead (the reads are small local-file reads).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from whitenoise.middleware import WhiteNoiseFileResponse
from whitenoise.middleware import WhiteNoiseMiddleware as _WhiteNoiseMiddleware

from kernel import context


async def _chunks(content: Iterable[bytes]) -> AsyncIterator[bytes]:
    for chunk in content:
        yield chunk


class WhiteNoiseMiddleware(_WhiteNoiseMiddleware):
    def __call__(self, request):
        response = super().__call__(request)
        if isinstance(response, WhiteNoiseFileResponse):
            context.note(route="static")  # answered before URL resolution: name it for the metrics
            if not response.is_async:
                response.streaming_content = _chunks(response.streaming_content)
        return response
