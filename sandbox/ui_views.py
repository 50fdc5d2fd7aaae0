"""The sandbox settings pages: which sandbox stores the tenant has, their credentials' store id and
base URL, fault injection, rate limit, and re-filling demo data."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kernel.htmx import template_for
from kernel.methods import post_only
from sandbox import services
from sandbox.forms import FaultSettingsForm, PostbackForm, ReseedForm
from sandbox.models import SandboxStore
from tenants.actors import Permission
from tenants.http import AppRequest, member_required

DETAIL = "sandbox/sandbox_detail.html"


def _context(request: AppRequest, sandbox: SandboxStore, **forms) -> dict:
    current = services.FaultSettings.of(sandbox)
    return {
        "sandbox": sandbox,
        "store": sandbox.store,
        "base_url": settings.SANDBOX_BASE_URL,
        "can_edit": request.actor.has(Permission.MANAGE_STORES),
        "can_show_key": request.actor.has(Permission.MANAGE_KEYS),
        "order_count": sandbox.orders.count(),
        "inventory_count": sandbox.inventory.count(),
        "faults_form": forms.get("faults_form") or FaultSettingsForm.for_settings(current),
        "reseed_form": forms.get("reseed_form") or ReseedForm(initial={"orders": 60}),
        "postback_form": forms.get("postback_form")
        or PostbackForm(initial={"enabled": sandbox.postback_enabled, "url": sandbox.postback_url}),
        "saved": forms.get("saved", ""),
    }


def _render(request: AppRequest, sandbox: SandboxStore, fragment: str, **forms) -> HttpResponse:
    """The whole page, or only `fragment` (the panel its form was posted from) for htmx."""
    return render(request, template_for(request, DETAIL, fragment), _context(request, sandbox, **forms))


@require_GET
@member_required()
def sandbox_index(request: AppRequest) -> HttpResponse:
    sandboxes = services.sandbox_stores_list(tenant=request.tenant, actor=request.actor)
    return render(
        request, "sandbox/sandbox_list.html", {"sandboxes": sandboxes, "base_url": settings.SANDBOX_BASE_URL}
    )


@require_GET
@member_required()
def sandbox_store(request: AppRequest, store_id: uuid.UUID) -> HttpResponse:
    sandbox = services.sandbox_store_get(tenant=request.tenant, actor=request.actor, store_id=store_id)
    return render(request, DETAIL, _context(request, sandbox))


@post_only("sandbox-ui:store", "store_id")
@member_required(Permission.MANAGE_STORES)
def sandbox_faults(request: AppRequest, store_id: uuid.UUID) -> HttpResponse:
    sandbox = services.sandbox_store_get(tenant=request.tenant, actor=request.actor, store_id=store_id)
    form = FaultSettingsForm(request.POST)
    if not form.is_valid():
        return _render(request, sandbox, "sandbox-faults", faults_form=form)
    sandbox = services.sandbox_faults_update(
        tenant=request.tenant, actor=request.actor, store_id=store_id, settings=form.settings()
    )
    if not request.htmx:
        messages.success(request, "Fault settings saved.")
        return redirect("sandbox-ui:store", store_id=store_id)
    return _render(request, sandbox, "sandbox-faults", saved="faults")


@post_only("sandbox-ui:store", "store_id")
@member_required(Permission.MANAGE_STORES)
def sandbox_postbacks(request: AppRequest, store_id: uuid.UUID) -> HttpResponse:
    sandbox = services.sandbox_store_get(tenant=request.tenant, actor=request.actor, store_id=store_id)
    form = PostbackForm(request.POST)
    if not form.is_valid():
        return _render(request, sandbox, "sandbox-postbacks", postback_form=form)
    services.sandbox_postbacks_update(
        tenant=request.tenant, actor=request.actor, store_id=store_id, **form.cleaned_data
    )
    messages.success(request, "Post-back settings saved.")
    return redirect("sandbox-ui:store", store_id=store_id)


@post_only("sandbox-ui:store", "store_id")
@member_required(Permission.MANAGE_STORES)
def sandbox_seed(request: AppRequest, store_id: uuid.UUID) -> HttpResponse:
    sandbox = services.sandbox_store_get(tenant=request.tenant, actor=request.actor, store_id=store_id)
    form = ReseedForm(request.POST)
    if not form.is_valid():
        return _render(request, sandbox, "sandbox-seed", reseed_form=form)
    sandbox = services.sandbox_reseed(
        tenant=request.tenant, actor=request.actor, store_id=store_id, **form.cleaned_data
    )
    if not request.htmx:
        messages.success(request, f"Demo data refilled (seed {sandbox.seed}).")
        return redirect("sandbox-ui:store", store_id=store_id)
    return _render(request, sandbox, "sandbox-seed", saved="seed")


@post_only("sandbox-ui:store", "store_id")
@never_cache  # the response carries the key: no cache may keep it
@member_required(Permission.MANAGE_KEYS)
def sandbox_key(request: AppRequest, store_id: uuid.UUID) -> HttpResponse:
    api_key = services.sandbox_api_key(tenant=request.tenant, actor=request.actor, store_id=store_id)
    sandbox = services.sandbox_store_get(tenant=request.tenant, actor=request.actor, store_id=store_id)
    return render(request, template_for(request, DETAIL, "sandbox-credentials"), {
        **_context(request, sandbox), "api_key": api_key,
    })  # fmt: skip
