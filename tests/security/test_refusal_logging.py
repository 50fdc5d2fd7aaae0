"""An expected refusal (403) is one log line naming it, not a traceback that reads like a fault."""

import io
import logging

import pytest
from django.urls import reverse

from tests.helpers import sign_in


@pytest.fixture
def console_log():
    """What the configured console handler writes, as an operator would read it."""
    handler = logging.getHandlerByName("console")
    assert isinstance(handler, logging.StreamHandler)
    original = handler.setStream(io.StringIO())
    yield handler.stream
    handler.setStream(original)


def test_permission_denied_logs_one_line_without_traceback(client, vera, console_log):
    # A viewer may not manage API keys: the view raises PermissionDenied (kernel.errors.Forbidden).
    assert sign_in(client, vera).get(reverse("keys:list")).status_code == 403
    lines = console_log.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "WARNING django.request Forbidden (Permission denied): /keys/" in lines[0]
    assert "Traceback" not in console_log.getvalue()


def test_a_csrf_failure_logs_one_line_too(csrf_client, console_log):
    assert csrf_client.post("/login/").status_code == 403
    lines = console_log.getvalue().splitlines()
    assert len(lines) == 1 and "Forbidden (CSRF" in lines[0], lines


def test_a_crash_still_logs_its_traceback(client, alice, console_log, monkeypatch):
    from mcp_bridge import selectors

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "trace_filters", broken)
    client.raise_request_exception = False
    assert sign_in(client, alice).get(reverse("mcp_bridge:trace-list")).status_code == 500
    assert "Traceback" in console_log.getvalue() and "RuntimeError: boom" in console_log.getvalue()
