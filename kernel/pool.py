"""Recognising a database connection pool that has no connection to give.

With PostgreSQL every process keeps a bounded pool (settings: DB_POOL_MAX_SIZE, DB_POOL_TIMEOUT). A
request that waited the whole timeout for a connection is not a bug to report but load to shed: it is
answered 503 with Retry-After, so clients and load balancers back off and try again.
"""

from __future__ import annotations

try:
    from psycopg_pool import PoolTimeout
except ImportError:  # SQLite-only installs have no pool
    PoolTimeout = None  # type: ignore[assignment,misc]

RETRY_AFTER_SECONDS = 5


def pool_exhausted(exc: BaseException | None) -> bool:
    """Whether `exc`, or an exception it was raised from (Django wraps the pool's error in its own
    OperationalError), is the pool's timeout."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen and PoolTimeout is not None:
        if isinstance(exc, PoolTimeout):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False
