"""Sandbox fixtures: emulated stores with credentials, and a small client that speaks to the emulator
through Django's test client with OrderDesk's auth headers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sandbox.demo.generator import DemoData
from sandbox.demo.loader import load, seed_store
from sandbox.engine import gate
from sandbox.engine.stores import create_sandbox_store
from sandbox.models import SandboxStore

REFERENCE = date(2025, 3, 15)  # demo orders fall on 2025-02-13 … 2025-03-14
FOLDERS = [(101, "New"), (102, "Prepared"), (103, "Shipped"), (104, "Closed"), (105, "Canceled")]


def api_base() -> str:
    return reverse("sandbox:test").removesuffix("test")


@dataclass
class Api:
    """Calls one sandbox store as an OrderDesk client would."""

    client: Client
    store: SandboxStore
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"ORDERDESK-STORE-ID": self.store.orderdesk_store_id, "ORDERDESK-API-KEY": self.api_key}

    def url(self, path: str) -> str:
        return api_base() + path.lstrip("/")

    def request(
        self, method: str, path: str, body: Any = None, *, raw: str | None = None, headers=None, **params
    ):
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        all_headers = {**self.headers, **(headers or {})}
        url = self.url(path)
        if method == "GET":
            return self.client.get(url, params, headers=all_headers)
        return self.client.generic(method, url, data, content_type="application/json", headers=all_headers)

    def get(self, path: str, **params):
        return self.request("GET", path, **params)

    def post(self, path: str, body: Any = None, **kwargs):
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs):
        return self.request("PUT", path, body, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.request("DELETE", path, **kwargs)


def make_store(tenant, *, rate_limit: bool = False) -> tuple[SandboxStore, str]:
    store, key = create_sandbox_store(tenant=tenant, name=f"{tenant.name} Sandbox")
    store.rate_limit_enabled = rate_limit
    store.save()
    return store, key


@pytest.fixture
def frozen_clock(monkeypatch):
    """The bucket's clock, moved by hand: `frozen_clock.now += 1.5`."""

    class Clock:
        now = 1_700_000_000.0

        def __call__(self) -> float:
            return self.now

    clock = Clock()
    monkeypatch.setattr(gate, "clock", clock)
    return clock


@pytest.fixture
def blank_api(client, acme) -> Api:
    """A store with the five default folders and nothing else; rate limit off."""
    store, key = make_store(acme)
    load(store, DemoData(folders=FOLDERS, inventory=[], orders=[]))
    return Api(client, store, key)


@pytest.fixture
def demo_api(client, acme) -> Api:
    """A store with 40 demo orders (seed 7, reference 2025-03-15); rate limit off."""
    store, key = make_store(acme)
    seed_store(store, orders=40, seed=7, reference=REFERENCE)
    return Api(client, store, key)


@pytest.fixture
def other_api(client, globex) -> Api:
    store, key = make_store(globex)
    load(store, DemoData(folders=FOLDERS, inventory=[], orders=[]))
    return Api(client, store, key)


def order_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": "pat.jones@example.com",
        "shipping_method": "UPS Ground",
        "shipping_total": 11.17,
        "handling_total": 0.5,
        "tax_total": 1.2,
        "customer": {
            "first_name": "Pat",
            "last_name": "Jones",
            "company": "Bluebird Interiors",
            "address1": "12 Maple Ave",
            "city": "Portland",
            "state": "OR",
            "postal_code": "97201",
            "country": "US",
            "phone": "(503) 555-0142",
        },
        "discount_list": [{"name": "Spring Sale", "code": "SPRING", "amount": "1.70"}],
        "order_items": [
            {"name": "Organic Cotton Tee", "code": "TEE-M", "price": 10, "quantity": 1, "weight": 0.4}
        ],
    }
    body.update(overrides)
    return body


def create_order(api: Api, **overrides: Any) -> dict[str, Any]:
    response = api.post("orders", order_body(**overrides))
    assert response.status_code == 201, response.content
    return response.json()["order"]
