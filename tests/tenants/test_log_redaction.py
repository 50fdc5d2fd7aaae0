"""Magic-link tokens never reach the logs through the configured console handler."""

import io
import logging

import pytest
from django.urls import reverse

from tenants.services import magic_links

pytestmark = pytest.mark.django_db


@pytest.fixture
def console_output():
    """Point the console handler (with its RedactSecretsFilter) at a buffer for one test."""
    handler = next(h for h in logging.getLogger("django").handlers if h.get_name() == "console")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def test_it_keeps_the_token_out_of_a_404_log_line(client, console_output):
    token = magic_links.new_token("login")
    response = client.get(reverse("tenants:magic", kwargs={"token": token}) + "extra/")
    assert response.status_code == 404
    logged = console_output.getvalue()
    assert "Not Found: /auth/magic/" in logged
    assert token not in logged and token.split(".")[1] not in logged
    assert "[REDACTED]" in logged


def test_it_keeps_the_token_out_of_access_log_lines(console_output):
    token = magic_links.new_token("signup")
    path = reverse("tenants:magic", kwargs={"token": token})
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "POST", path, "1.1", 302
    )
    logging.getLogger("django.server").warning('"GET %s HTTP/1.1" 200 1234', path)
    logged = console_output.getvalue()
    assert logged.count("/auth/magic/[REDACTED]") == 2
    assert token.split(".")[1] not in logged


def test_it_keeps_the_token_out_of_logs_when_redemption_fails(client, console_output):
    token = magic_links.new_token("login")
    assert client.post(reverse("tenants:magic", kwargs={"token": token})).status_code == 400
    logged = console_output.getvalue()
    assert "Bad Request: /auth/magic/[REDACTED]" in logged
    assert token.split(".")[1] not in logged


def test_it_keeps_secrets_out_of_logged_tracebacks(console_output):
    token = magic_links.new_token("login")
    try:
        raise ValueError(f"could not redeem /auth/magic/{token}/ with api_key=abc123secret")
    except ValueError:
        logging.getLogger("django.request").exception("Internal Server Error: /auth/magic/")
    logged = console_output.getvalue()
    assert "Traceback" in logged and "ValueError: could not redeem /auth/magic/[REDACTED]/" in logged
    assert token.split(".")[1] not in logged and "abc123secret" not in logged
