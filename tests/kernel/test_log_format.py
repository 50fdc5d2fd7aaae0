"""LOG_FORMAT: json prints one JSON object per line, secrets redacted; plain stays as it was."""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re

import pytest

from kernel import context
from tests.helpers import run_python
from tests.logs import json_logs

AGENT_KEY = "odk_AbCd1234_" + "s3cr3tS3cr3tS3cr3tS3cr3tS3cr3t"
ORDERDESK_KEY = "4f1c9a7e2b6d4e8fa0c3b5d7e9f1a2c4"
MAGIC_TOKEN = "Zq9xK2mN4pR7sT1vW3yB5dF8hJ0lC6gE"

logger = logging.getLogger("tests.logs")


def test_it_prints_one_json_object_per_record_with_the_context_of_the_work():
    with (
        json_logs() as logs,
        context.notes_scope(tenant="t-1"),
        context.bind(context.RequestContext(source="console", request_id="req-42")),
        context.noting(operation="orders_list"),
    ):
        logger.warning("took %s ms", 12, extra={"duration_ms": 12.5})
    (record,) = logs.records
    assert record["message"] == "took 12 ms"
    assert record["level"] == "WARNING" and record["logger"] == "tests.logs"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", record["time"])
    assert (record["request_id"], record["source"], record["tenant"], record["operation"]) == (
        "req-42", "console", "t-1", "orders_list",
    )  # fmt: skip
    assert record["duration_ms"] == 12.5


def test_the_request_finished_line_carries_its_request_not_an_older_context():
    def serve_one_request() -> str:
        with context.notes_scope():
            with context.bind(context.RequestContext(source="mcp", request_id="this-request")):
                pass
            stale = context.current()  # a context made lazily, outside the request
            logger.warning("request finished")
        return stale.request_id

    with json_logs() as logs:
        stale_id = contextvars.copy_context().run(serve_one_request)  # the stale context stays in there
    assert stale_id != "this-request"
    (record,) = logs.records
    assert (record["request_id"], record["source"]) == ("this-request", "mcp")


def test_it_adds_no_context_fields_outside_any_work():
    with json_logs() as logs:
        contextvars.Context().run(logger.warning, "starting")  # no request, no operation around it
    (record,) = logs.records
    assert not {"request_id", "tenant", "operation"} & set(record)


@pytest.mark.parametrize(
    "message",
    [
        f"GET /auth/magic/{MAGIC_TOKEN}/ 200",
        f"agent key {AGENT_KEY} refused",
        f"sending ORDERDESK-API-KEY: {ORDERDESK_KEY}",
        f"headers {{'Authorization': 'Bearer {AGENT_KEY}'}}",
    ],
)
def test_it_redacts_credentials_in_the_message(message):
    with json_logs() as logs:
        logger.warning(message)
    assert "[REDACTED]" in logs.records[0]["message"]
    for secret in (MAGIC_TOKEN, AGENT_KEY, ORDERDESK_KEY):
        assert secret not in logs.text


def test_it_redacts_credentials_in_extra_fields():
    with json_logs() as logs:
        logger.warning(
            "calling OrderDesk",
            extra={
                "path": f"/auth/magic/{MAGIC_TOKEN}/",
                "api_key": ORDERDESK_KEY,
                "headers": {"ORDERDESK-API-KEY": ORDERDESK_KEY, "Accept": "application/json"},
                "seen": [f"Bearer {AGENT_KEY}"],
                "caller": AGENT_KEY,
            },
        )
    for secret in (MAGIC_TOKEN, AGENT_KEY, ORDERDESK_KEY):
        assert secret not in logs.text
    (record,) = logs.records
    assert record["path"] == "/auth/magic/[REDACTED]/"
    assert record["headers"] == {"ORDERDESK-API-KEY": "[REDACTED]", "Accept": "application/json"}


def test_it_redacts_an_object_printed_by_its_text():
    class Request:
        def __str__(self) -> str:
            return f"<Request GET /auth/magic/{MAGIC_TOKEN}/>"

    with json_logs() as logs:
        logger.warning("odd", extra={"origin": Request()})
    assert MAGIC_TOKEN not in logs.text
    assert logs.records[0]["origin"] == "<Request GET /auth/magic/[REDACTED]/>"


def test_it_keeps_one_event_on_one_line_whatever_its_characters():
    forged = 'ok\n{"level": "INFO", "message": "forged"}\r\n\x1b[2J\x00end'
    with json_logs() as logs:
        logger.warning(forged, extra={"note": "a\nb\x1b[31m\x00c\u2028d"})
        try:
            raise ValueError("line one\nline two")
        except ValueError:
            logger.exception("failed")
    lines = logs.text.splitlines()
    assert len(lines) == 2
    assert all(ord(char) >= 0x20 for line in lines for char in line)
    first, second = logs.records
    assert first["message"] == forged and first["note"] == "a\nb\x1b[31m\x00c\u2028d"
    assert "line one\nline two" in second["exc_info"]


def _log_in_a_fresh_process(log_format: str | None) -> str:
    """What the console handler of the real settings prints for one warning."""
    env = {k: v for k, v in os.environ.items() if k != "LOG_FORMAT"}
    if log_format:
        env["LOG_FORMAT"] = log_format
    extra = {"api_key": ORDERDESK_KEY}
    code = (
        "import django, logging; django.setup();"
        f"logging.getLogger('orders.x').warning('moved %s', 'A-1\\nfake', extra={extra!r})"
    )
    env["DJANGO_SETTINGS_MODULE"] = "orderdesk_admin.settings"
    done = run_python(code, env)
    return done.stderr


def test_the_settings_print_json_lines_with_log_format_json():
    output = _log_in_a_fresh_process("json")
    (line,) = output.splitlines()
    record = json.loads(line)
    assert (record["level"], record["logger"], record["message"]) == (
        "WARNING",
        "orders.x",
        "moved A-1\nfake",
    )
    assert record["api_key"] == "[REDACTED]" and ORDERDESK_KEY not in output


def test_plain_is_the_default_and_unchanged():
    output = _log_in_a_fresh_process(None)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING orders\.x moved A-1\nfake\n", output)
