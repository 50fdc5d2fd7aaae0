import pytest
from asgiref.sync import async_to_sync
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse

from tenants.actors import Actor, Permission
from tenants.http import member_required
from tenants.models import AuditEvent
from tests.helpers import sign_in


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


def test_it_audits_a_member_refused_by_their_role(client, vera):
    sign_in(client, vera)
    response = client.post(reverse("keys:create"), {"name": "agent"})
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="access.denied")
    assert (event.tenant, event.actor_user, event.outcome) == (vera.memberships.get().tenant, vera, "denied")
    assert (event.target_type, event.target_label) == ("page", reverse("keys:create"))
    assert event.detail == {"permission": "manage_keys", "method": "POST"}


def test_it_audits_refusals_of_async_views_too(rf, vera):
    @member_required(Permission.MANAGE_STORES)
    async def manage(request):
        return HttpResponse("managed")

    request = rf.post("/somewhere/")
    request.user, request.membership = vera, vera.memberships.select_related("tenant").get()
    request.actor = Actor.for_membership(request.membership)

    with pytest.raises(PermissionDenied):
        async_to_sync(manage)(request)
    assert AuditEvent.objects.filter(action="access.denied", actor_user=vera).count() == 1


def test_it_audits_nothing_for_an_allowed_member(client, alice):
    sign_in(client, alice)
    assert client.get(reverse("tenants:audit")).status_code == 200
    assert not AuditEvent.objects.filter(action="access.denied").exists()
