from pathlib import Path

from django.conf import settings


async def test_it_streams_static_files_asynchronously(async_client):
    # A synchronous file iterator would be read whole into memory by the ASGI handler (with a warning
    # on every request); an asynchronous one is streamed.
    response = await async_client.get("/static/css/app.css")
    assert response.status_code == 200 and response.is_async
    body = b"".join([chunk async for chunk in response.streaming_content])
    assert body == (Path(settings.BASE_DIR) / "static/css/app.css").read_bytes()
