from django.urls import reverse


def test_it_answers_liveness(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_it_reports_ready_when_database_cache_and_channel_layer_answer(client, db):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "channel_layer": "ok"}


def test_it_sends_a_request_id(client):
    response = client.get(reverse("healthz"), headers={"X-Request-ID": "abc-123"})
    assert response["X-Request-ID"] == "abc-123"


def test_it_replaces_a_hostile_request_id(client):
    response = client.get(reverse("healthz"), headers={"X-Request-ID": "<script>"})
    assert response["X-Request-ID"] != "<script>"
    assert len(response["X-Request-ID"]) == 32


def test_it_varies_responses_on_htmx(client):
    response = client.get(reverse("healthz"))
    assert "HX-Request" in response["Vary"]
