"""The store pages. Thin: parse input, run the store operations (the same ones the console and /mcp
run, traced the same way), pick a template or a fragment of it. Every page also works without
JavaScript (plain POST, then a redirect)."""

from __future__ import annotations

import uuid

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from kernel.errors import InvalidInput, OperationError
from kernel.htmx import template_for
from kernel.methods import post_only
from operations.runner import run, run_sync
from stores import health, postback_token, selectors, services
from stores.forms import StoreEditForm, StoreForm
from stores.models import Store
from tenants.actors import Permission
from tenants.http import AppRequest, member_required

DETAIL = "stores/store_detail.html"
FORM = "stores/store_form.html"


def _go(request: AppRequest, to: str, **kwargs) -> HttpResponse:
    """After a successful POST: a full redirect, or for htmx a client-side one."""
    url = reverse(to, kwargs=kwargs)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _detail_context(request: AppRequest, store: Store, **extra) -> dict:
    sandbox_url = reverse("sandbox-ui:store", kwargs={"store_id": store.pk}) if store.is_sandbox else None
    return {
        "store": store,
        "can_manage": request.actor.has(Permission.MANAGE_STORES),
        "key_readable": selectors.store_key_readable(store),
        "sandbox_url": sandbox_url,  # the sandbox's fault settings (latency, errors)
        "postback_url": postback_token.postback_url(store) if store.postback_token else "",
        "credentials_rejected": store.last_test_ok is False
        and store.last_test_message == health.REJECTED_MESSAGE,
        **extra,
    }


@require_GET
@member_required()
def store_list(request: AppRequest) -> HttpResponse:
    stores = selectors.store_list(tenant=request.tenant, actor=request.actor)
    can_manage = request.actor.has(Permission.MANAGE_STORES)
    return render(request, "stores/store_list.html", {"stores": stores, "can_manage": can_manage})


@require_http_methods(["GET", "POST"])
@member_required(Permission.MANAGE_STORES)
def store_add(request: AppRequest) -> HttpResponse:
    form = StoreForm(request.POST if request.method == "POST" else None, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            store = run_sync(services.stores_register, form.cleaned_data, actor=request.actor)
        except InvalidInput as exc:
            form.apply_error(exc)
        else:
            messages.success(request, f"Store “{store.name}” added. Test its connection next.")
            return _go(request, "stores:detail", store_id=store.id)
    return render(request, template_for(request, FORM, "store-form"), {"form": form, "store": None})


@require_GET
@member_required()
async def store_detail(request: AppRequest, store_id: uuid.UUID) -> HttpResponse:
    store = await selectors.astore_get(tenant=request.tenant, actor=request.actor, store_id=store_id)
    context = await sync_to_async(_detail_context)(request, store, health=await health.store_health(store))
    return await sync_to_async(render)(request, DETAIL, context)


@post_only("stores:detail", "store_id")
@member_required(Permission.MANAGE_STORES)
def store_breaker_reset(request: AppRequest, store_id: uuid.UUID) -> HttpResponse:
    store = selectors.store_get(tenant=request.tenant, actor=request.actor, store_id=store_id)
    if health.breaker_reset(tenant=request.tenant, actor=request.actor, store=store):
        messages.success(request, "Circuit breaker reset: calls to this store go through again.")
    else:
        messages.info(request, "The circuit breaker was closed; its count of failed attempts is cleared.")
    return redirect("stores:detail", store_id=store.pk)


@post_only("stores:detail", "store_id")
@member_required(Permission.MANAGE_STORES)
def store_postback_regenerate(request: AppRequest, store_id: uuid.UUID) -> HttpResponse:
    store = selectors.store_get(tenant=request.tenant, actor=request.actor, store_id=store_id)
    postback_token.regenerate_postback_token(actor=request.actor, store=store)
    messages.success(
        request, "New post-back URL made; the old one no longer works. Update the OrderDesk rule."
    )
    return redirect("stores:detail", store_id=store.pk)


@require_GET
@member_required()
async def store_settings(request: AppRequest, store_id: uuid.UUID) -> HttpResponse:
    """OrderDesk settings and folders: a fragment the detail page loads, or the whole page with them."""
    store = await selectors.astore_get(tenant=request.tenant, actor=request.actor, store_id=store_id)
    details, error = None, ""
    try:
        details = await run(services.stores_get, {"store": str(store.pk)}, actor=request.actor)
    except OperationError as exc:  # unreachable, rejected credentials, unreadable key: say so
        error = str(exc)
    context = await sync_to_async(_detail_context)(request, store, details=details, settings_error=error)
    return await sync_to_async(render)(request, template_for(request, DETAIL, "store-settings"), context)


@post_only("stores:detail", "store_id")
@member_required()
async def store_test(request: AppRequest, store_id: uuid.UUID) -> HttpResponse:
    """Anyone who may use the store may test it: the same rule as the stores_test operation."""
    store = await selectors.astore_get(tenant=request.tenant, actor=request.actor, store_id=store_id)
    try:
        result = await run(services.stores_test, {"store": str(store.pk)}, actor=request.actor)
    except OperationError as exc:  # the key cannot be decrypted: the stored (failed) result says so
        result, message = None, str(exc)
        store = await selectors.astore_get(tenant=request.tenant, actor=request.actor, store_id=store_id)
    else:
        message = result.message
    if not request.htmx:
        level = messages.SUCCESS if result and result.ok else messages.ERROR
        await sync_to_async(messages.add_message)(request, level, f"Connection test: {message}")
        return redirect("stores:detail", store_id=store_id)
    context = await sync_to_async(_detail_context)(request, store, result=result)
    return await sync_to_async(render)(request, f"{DETAIL}#store-test-result", context)


@require_http_methods(["GET", "POST"])
@member_required(Permission.MANAGE_STORES)
def store_edit(request: AppRequest, store_id: uuid.UUID) -> HttpResponse:
    store = selectors.store_get(tenant=request.tenant, actor=request.actor, store_id=store_id)
    form = StoreEditForm(request.POST if request.method == "POST" else None, store=store)
    if request.method == "POST" and form.is_valid():
        changes = {**form.cleaned_data, "api_key": form.cleaned_data["api_key"] or None}
        try:
            run_sync(services.stores_update, {"store": str(store.pk), **changes}, actor=request.actor)
        except InvalidInput as exc:
            form.apply_error(exc)
        else:
            messages.success(request, "Store saved.")
            return _go(request, "stores:detail", store_id=store.pk)
    return render(request, template_for(request, FORM, "store-form"), {"form": form, "store": store})


@require_http_methods(["GET", "POST"])
@member_required(Permission.MANAGE_STORES)
def store_delete(request: AppRequest, store_id: uuid.UUID) -> HttpResponse:
    store = selectors.store_get(tenant=request.tenant, actor=request.actor, store_id=store_id)
    if request.method == "POST":
        run_sync(services.stores_delete, {"store": str(store.pk)}, actor=request.actor)
        messages.success(request, f"Store “{store.name}” deleted.")
        return _go(request, "stores:list")
    page = "stores/store_confirm_delete.html"
    return render(request, template_for(request, page, "store-delete-confirm"), {"store": store})
