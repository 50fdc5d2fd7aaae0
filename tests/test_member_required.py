from django.urls import reverse


def test_it_sends_anonymous_visitors_to_sign_in_and_back(client, db):
    response = client.get(reverse("tenants:audit"))
    assert response.status_code == 302
    assert response["Location"] == reverse("tenants:login") + "?next=" + reverse("tenants:audit")


def test_it_redirects_a_whole_page_when_an_htmx_fragment_needs_sign_in(client, db):
    response = client.get(
        reverse("tenants:audit") + "?action=login.succeeded",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/audit/?page=2"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("tenants:login") + "?next=/audit/%3Fpage%3D2"
    assert b"<html" not in response.content
