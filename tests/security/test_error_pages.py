"""With DEBUG off, a not-found or crash page shows the request id in its body, the reference a person
quotes to support (who finds it in the server log); the X-Request-ID header alone is out of sight."""

import pytest
from django.test import Client
from django.urls import path

from orderdesk_admin import urls as site_urls

pytestmark = pytest.mark.django_db


def crash(request):
    raise RuntimeError("the database said something private")


# The site's URLs plus one that crashes, with the site's own error views.
urlpatterns = [path("test-crash/", crash), *site_urls.urlpatterns]
handler404 = getattr(site_urls, "handler404", "django.views.defaults.page_not_found")
handler500 = getattr(site_urls, "handler500", "django.views.defaults.server_error")


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__


def test_production_error_pages_show_the_request_id(production):
    client = Client(raise_request_exception=False)

    missing = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-404-abc")
    crashed = client.get("/test-crash/", HTTP_X_REQUEST_ID="req-500-xyz")

    assert missing.status_code == 404 and "req-404-abc" in missing.text
    assert crashed.status_code == 500 and "req-500-xyz" in crashed.text
    assert "private" not in crashed.text


def test_a_crash_page_makes_up_a_request_id_when_the_client_sent_none(production):
    crashed = Client(raise_request_exception=False).get("/test-crash/")

    assert crashed.status_code == 500 and crashed["X-Request-ID"] in crashed.text
