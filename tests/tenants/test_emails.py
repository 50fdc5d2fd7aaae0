"""The development console mail backend prints links whole, so they can be used from the terminal."""

import hashlib
import io
import re

import pytest

from tenants.models import MagicLink
from tenants.services import login_request, signup_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(settings):
    buffer = io.StringIO()
    settings.MAILERS = {
        "default": {"BACKEND": "kernel.mail.ConsoleEmailBackend", "OPTIONS": {"stream": buffer}}
    }
    return buffer


def test_it_prints_the_link_on_one_line(console, settings):
    settings.SITE_URL = "https://admin.example.com"
    signup_request(email="ann@example.test", tenant_name="Müller & Söhne")
    printed = console.getvalue()
    urls = re.findall(r"https://admin\.example\.com/auth/magic/([A-Za-z0-9_.-]+)/", printed)
    assert len(urls) == 3  # text part, HTML button and HTML fallback line
    assert len(set(urls)) == 1
    assert MagicLink.objects.get().token_hash == hashlib.sha256(urls[0].encode()).hexdigest()


def test_it_prints_mail_without_links_too(console):
    login_request(email="nobody@example.test")
    assert "there is no account for it" in console.getvalue()
