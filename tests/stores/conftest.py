import asyncio

import pytest

from kernel import tracing
from stores.client import override_client


class FakeClient:
    """Stands in for stores.client's OrderDesk client: answers by path, or raises what it is told to."""

    def __init__(self):
        self.answers: dict[str, object] = {}
        self.calls: list[tuple[object, str]] = []
        self.spans: list = []
        self.delay = 0.0  # seconds each answer takes, so that concurrent callers overlap
        self.called = asyncio.Event()

    async def get(self, creds, path, *, params=None):
        self.calls.append((creds, path))
        self.called.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        for span in self.spans:
            tracing.record_span(span)
        answer = self.answers[path]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def fake_client():
    client = FakeClient()
    with override_client(client):
        yield client


STORE_ENVELOPE = {
    "status": "success",
    "execution_time": "0.1419 seconds",
    "store": {
        "id": "11",
        "name": "Test Store",
        "settings": {
            "locale_code": "en_US",
            "timezone": "America/Los_Angeles",
            "store_country": "US",
            "store_email": "shop@example.test",
            "admin_email": "admin@example.test",
            "api_key": "upstream-api-key-should-never-leak",
            "smtp_password": "smtp-password-should-never-leak",
            "smtp_username": "smtp-user",
        },
        "folders": {"21654": "New", "21655": "Prepared", "21656": "Closed", "21657": "Canceled"},
    },
}
TEST_ENVELOPE = {
    "status": "success",
    "message": "Connection Successful",
    "current_date_time": "2015-04-14 22:00:10",
    "execution_time": "0.0100 seconds",
}
