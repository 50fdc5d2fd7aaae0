"""A test run on a Redis database that other processes use too neither sees their state nor wipes it.

The other process here is the app as anyone runs it next to the tests (a `make run`, another test
run): its own settings, the default key prefix, the same REDIS_URL, its clients on 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache

from tests.factories import ApiKeyFactory
from tests.mcp.conftest import modern_request, raw_http
from tests.shared_redis import PREFIX_VARIABLE

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)"),
]

REPO = Path(__file__).resolve().parents[2]

# What an app process records when an agent on the same machine presents wrong keys until its
# failed-authentication budget is spent; then a key of its own cache, to see whether it survives.
OTHER_PROCESS = """
import django
django.setup()
from django.conf import settings
from django.core.cache import cache
from kernel.ratelimit import usage
rate = settings.RATE_MCP_AUTH_FAILURES_PER_IP
while not usage("mcp.auth-failures", "127.0.0.1", rate, increment=True).should_limit:
    pass
cache.set("another-process-state", 1, 120)
print(cache.make_key("another-process-state"))
"""


def run_another_app_process() -> str:
    """Run it with its own settings (not this run's prefix); the Redis key of the state it kept."""
    env = {name: value for name, value in os.environ.items() if name != PREFIX_VARIABLE}
    env["DJANGO_SETTINGS_MODULE"] = "orderdesk_admin.settings"
    done = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


async def test_another_process_spending_the_loopback_auth_budget_does_not_throttle_this_runs_mcp_calls(acme):
    raw = (await sync_to_async(ApiKeyFactory)(tenant=acme)).raw
    await sync_to_async(run_another_app_process)()
    body, headers = modern_request("tools/list")
    async with raw_http() as http:
        response = await http.post("/mcp", json=body, headers={**headers, "Authorization": f"Bearer {raw}"})
    assert response.status_code == 200, response.text


def test_a_test_runs_cache_reset_leaves_another_processes_keys_alone(db):
    key = run_another_app_process()
    cache.clear()
    other = redis.Redis.from_url(settings.REDIS_URL)
    try:
        assert other.exists(key)
        other.delete(key)
    finally:
        other.close()
