"""Who may keep a live-tail socket open, how many each may hold, and the signals that end them.

A socket is accepted for a live session of an active member; access can end while it is open. So:
- `access_ended` is asked again before rows are sent (at most every `RECHECK_SECONDS`, and at once
  when the session's own clock says it has run out) and every `HEARTBEAT_SECONDS` by a watchdog;
- signing out sends `END` to the session's group, which closes that session's sockets before any
  later row; saving or deleting a membership, or deactivating a user, sends `RECHECK` to the user's
  group (after the commit), so their sockets ask at once instead of at the next interval.

Close codes (the browser's htmx ws extension does not reconnect after them): 4401 the sign-in ended
(signed out, session expired or gone, account deactivated), 4403 no longer allowed (removed from the
team). A handshake over a cap is refused with 4429; the browser retries later with backoff.

Caps (PROPOSED; nothing normative gives a number): `PER_SESSION` sockets per browser session (one per
open trace list: five tabs of it is plenty) and `PER_USER` across all of a user's sessions, counted on
the shared cache with `kernel.leases`, so they hold across processes and a crashed process's sockets
stop counting after `LEASE_SECONDS`.
"""

from __future__ import annotations

import hashlib
import logging
import time
from importlib import import_module
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.db import transaction
from django.utils.crypto import constant_time_compare

from tenants.actors import ROLE_PERMISSIONS, Permission
from tenants.middleware import SESSION_AUTH_AT, SESSION_LAST_SEEN, session_is_live
from tenants.models import Membership, User

logger = logging.getLogger(__name__)

SIGNED_OUT = 4401
FORBIDDEN = 4403
TOO_MANY = 4429

PER_SESSION = 5
PER_USER = 10
RECHECK_SECONDS = 5
HEARTBEAT_SECONDS = 20
LEASE_SECONDS = 3 * HEARTBEAT_SECONDS  # a lease outlives two missed heartbeats, not a crash

END = "tail.end"  # handled by TraceTailConsumer.tail_end
RECHECK = "tail.recheck"  # handled by TraceTailConsumer.tail_recheck


def session_tag(session_key: str) -> str:
    """A session's name in group names and cache keys: a hash, so the key itself is stored nowhere."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


def session_group(session_key: str) -> str:
    return f"tail.session.{session_tag(session_key)}"


def user_group(user_id: Any) -> str:
    return f"tail.user.{user_id}"


def load_session(session_key: str) -> dict[str, Any]:
    """The stored session's data, empty when it is gone (signed out, flushed, expired, cleared)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return store.load()


def session_clock(session: Any) -> dict[str, int]:
    """The two timestamps `session_is_live` reads, kept so a socket can see its session run out."""
    return {name: int(session.get(name, 0)) for name in (SESSION_AUTH_AT, SESSION_LAST_SEEN)}


def _hash_matches(session_hash: str, user: User) -> bool:
    """As Django's get_user: a password change ends the session (SECRET_KEY_FALLBACKS still count)."""
    hashes = (user.get_session_auth_hash(), *user.get_session_auth_fallback_hash())
    return any(constant_time_compare(session_hash, known) for known in hashes)


def access_ended(*, user_id: Any, session_key: str, membership_id: Any) -> tuple[int | None, dict[str, int]]:
    """The close code if this socket's access has ended, else None; and the session's clock."""
    session = load_session(session_key)
    clock = session_clock(session)
    if str(session.get(SESSION_KEY)) != str(user_id) or not session_is_live(session, int(time.time())):
        return SIGNED_OUT, clock
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not _hash_matches(session.get(HASH_SESSION_KEY, ""), user):
        return SIGNED_OUT, clock
    membership = Membership.objects.filter(pk=membership_id, user_id=user_id).first()
    if membership is None or Permission.READ not in ROLE_PERMISSIONS.get(membership.role, ()):
        return FORBIDDEN, clock
    return None, clock


def _send(group: str, message: dict) -> None:
    """A nudge is a courtesy (the sockets re-check on their own): a missing or failing layer is logged."""
    try:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group, message)
    except Exception:
        logger.warning("live tail: could not notify %s", group, exc_info=True)


# --- Signal receivers (connected in McpBridgeConfig.ready) -------------------------------------------------


def on_logged_out(sender, request, user, **kwargs) -> None:
    """`user_logged_out` is sent before the session is flushed: this session's sockets close first."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        _send(session_group(session_key), {"type": END, "code": SIGNED_OUT})


def _recheck_after_commit(user_id: Any) -> None:
    transaction.on_commit(lambda: _send(user_group(user_id), {"type": RECHECK}))


def on_membership_changed(sender, instance: Membership, **kwargs) -> None:
    """post_save / post_delete of a Membership: a role change or a removal."""
    _recheck_after_commit(instance.user_id)


def on_user_saved(sender, instance: User, **kwargs) -> None:
    if not instance.is_active:
        _recheck_after_commit(instance.pk)
