"""Clients that name themselves by a Client ID Metadata Document URL instead of registering.

The document is served by `PublishedDocuments`, which stands in for the client's own web site: the
server's fetcher (SSRF checks and all) would otherwise need a public https host.
"""

from __future__ import annotations

import pytest
from django.test import Client
from oauth2_provider.cimd import CIMDError

from oauth import verify
from oauth.registration import MetadataDocumentFetcher
from tests.oauth.helpers import REDIRECT, Authorization, consent, exchange, redirected_params

pytestmark = pytest.mark.django_db

CLIENT_ID = "https://agent.example/oauth/client.json"
DOCUMENTS: dict[str, dict] = {}


class PublishedDocuments(MetadataDocumentFetcher):
    def download(self, client_id: str) -> tuple[dict, int]:
        return DOCUMENTS[client_id], 300


@pytest.fixture(autouse=True)
def published(settings):
    settings.OAUTH2_PROVIDER = settings.OAUTH2_PROVIDER | {
        "CIMD_METADATA_FETCHER": "tests.oauth.test_metadata_documents.PublishedDocuments"
    }
    DOCUMENTS.clear()
    yield
    DOCUMENTS.clear()


def document(**changes) -> dict:
    base = {
        "client_id": CLIENT_ID,
        "client_name": "Published agent",
        "redirect_uris": [REDIRECT],
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "none",
    }
    return base | changes


def test_the_metadata_says_documents_are_supported(client):
    assert client.get("/.well-known/oauth-authorization-server").json()[
        "client_id_metadata_document_supported"
    ]


def test_a_client_named_by_its_document_url_is_approved_like_a_registered_one(browser, acme):
    DOCUMENTS[CLIENT_ID] = document()
    auth = Authorization(CLIENT_ID)
    page = browser.get(auth.url())
    assert page.status_code == 200
    assert b"Published agent" in page.content
    assert b'<strong id="client-publisher">agent.example</strong>' in page.content
    code = redirected_params(browser.post(auth.url(), consent(acme.pk)))["code"]
    tokens = exchange(Client(), auth, code).json()
    assert verify.authenticate(tokens["access_token"]).actor.tenant == acme


@pytest.mark.parametrize("uri", ["http://agent.example/callback", "javascript:alert"])
def test_a_document_with_an_unsafe_redirect_uri_is_refused(browser, uri):
    DOCUMENTS[CLIENT_ID] = document(redirect_uris=[uri])
    response = browser.get(Authorization(CLIENT_ID, redirect_uri=uri).url())
    assert response.status_code == 400 and "Location" not in response
    with pytest.raises(CIMDError, match=uri):
        PublishedDocuments().fetch(CLIENT_ID)


def test_a_document_claiming_another_client_id_is_refused(browser):
    DOCUMENTS[CLIENT_ID] = document(client_id="https://other.example/client.json")
    assert browser.get(Authorization(CLIENT_ID).url()).status_code == 400
