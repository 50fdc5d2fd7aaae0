"""Secrets are masked by key name and by shape, wherever a value ends up (traces, audit, logs)."""

import pytest

from kernel.redaction import REDACTED, is_secret_key, redact, redact_body, redact_text


@pytest.mark.parametrize(
    "name",
    ["api_key", "ORDERDESK-API-KEY", "Authorization", "smtp_password", "cc_number", "apiKey", "accessToken"],
)
def test_it_treats_secret_names_as_secret(name):
    assert is_secret_key(name)


@pytest.mark.parametrize(
    "name", ["X-Tokens-Remaining", "tokensRemaining", "idempotency_key", "idempotencyKey", "key_id", "email"]
)
def test_it_leaves_ordinary_names_alone(name):
    assert not is_secret_key(name)


def test_it_masks_camel_case_secrets_in_nested_values():
    value = {"auth": {"clientSecret": "s3cr3t-value", "refreshToken": "r-token"}, "orderId": "42"}
    assert redact(value) == {"auth": {"clientSecret": REDACTED, "refreshToken": REDACTED}, "orderId": "42"}


def test_it_masks_secrets_in_python_reprs():
    text = str({"api_key": "abc123secret", "password": "hunter22", "store": "Main"})
    cleaned = redact_text(text)
    assert "abc123secret" not in cleaned and "hunter22" not in cleaned and "Main" in cleaned


def test_it_masks_a_post_back_url_token_in_text():
    text = "POST /webhooks/orderdesk/Qm9zc2VfdG9rZW5fZm9yX3Rlc3Rz/ 200"
    assert redact_text(text) == f"POST /webhooks/orderdesk/{REDACTED}/ 200"


def test_it_masks_agent_keys_bearers_and_magic_links_in_text():
    text = "Bearer abc.def odk_0123456789ab_" + "x" * 43 + " /auth/magic/login.tok3n/"
    assert redact_text(text) == f"{REDACTED} {REDACTED} /auth/magic/{REDACTED}/"


def test_it_masks_json_bodies_by_key_and_caps_them():
    body = b'{"api_key": "k-123456", "note": "' + b"n" * 200 + b'"}'
    cleaned = redact_body(body, limit=100)
    assert "k-123456" not in cleaned and REDACTED in cleaned
    assert len(cleaned.encode()) <= 100 and "truncated" in cleaned
