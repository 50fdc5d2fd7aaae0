"""Small helpers shared by the test modules."""

import subprocess
import sys
from pathlib import Path

from asgiref.sync import async_to_sync
from django.test import Client

from api_keys import core
from tenants.actors import Actor
from tenants.models import Membership
from tests.factories import ApiKeyFactory


def sign_in(client: Client, user) -> Client:
    """Sign `client` in as `user`. Every login starts the session clocks (tenants.middleware), so this
    behaves like a fresh magic-link sign-in."""
    client.force_login(user)
    return client


def actor_for(user) -> Actor:
    """The Actor a signed-in operator acts as (their only membership)."""
    return Actor.for_membership(Membership.objects.select_related("tenant", "user").get(user=user))


def key_actor(tenant, **options) -> Actor:
    """An Actor exactly as /mcp builds it for a freshly minted key. `options` are ApiKeyFactory's:
    scope, stores_admin, toolsets, stores=[...] (limits the key), default_store, ..."""
    return core.authenticate(ApiKeyFactory(tenant=tenant, **options).raw)


def run(service, **kwargs):
    """Call an async service from a sync test, so its database work joins the test's transaction."""
    return async_to_sync(service)(**kwargs)


# A date range wide enough for every demo order the sandbox makes (orders_list filters on dates).
WIDE = {"search_start_date": "2000-01-01", "search_end_date": "2100-01-01"}


REPO = Path(__file__).resolve().parents[1]


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -c code` in a fresh process from the repository root, with exactly `env`: for what a
    process sets up once at start (settings, logging, metrics, telemetry). Fails on a non-zero exit."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
