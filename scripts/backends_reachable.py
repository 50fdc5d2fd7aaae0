"""Exit 0 when the PostgreSQL and Redis servers of the given URLs answer, 1 (saying which did not)
otherwise. CI runs it before the PostgreSQL + Redis suite run, to skip that run where they are absent.

    python scripts/backends_reachable.py postgres://user@host:5432/db redis://host:6379/15
"""

from __future__ import annotations

import sys

import psycopg
import redis

TIMEOUT_SECONDS = 3


def postgres_answers(url: str) -> str | None:
    """None when the server answers; why not otherwise. The test run creates its own database, so
    the server's maintenance database `postgres` will do when the URL's does not exist yet."""
    error = ""
    for dbname in (None, "postgres"):
        options = {"dbname": dbname} if dbname else {}
        try:
            with psycopg.connect(url, connect_timeout=TIMEOUT_SECONDS, **options) as connection:
                connection.execute("SELECT 1")
            return None
        except psycopg.Error as exc:
            error = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return error


def redis_answers(url: str) -> str | None:
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
        )
        client.ping()
        client.close()
    except redis.RedisError as exc:
        return str(exc) or type(exc).__name__
    return None


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    database_url, redis_url = argv
    failures = {"PostgreSQL": postgres_answers(database_url), "Redis": redis_answers(redis_url)}
    for name, error in failures.items():
        if error:
            print(f"{name} not reachable: {error}")
    return 1 if any(failures.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
