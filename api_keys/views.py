"""/keys/: owners create, list, edit, rotate and revoke the API keys their agents use for /mcp.

The raw key exists only in the response to the POST that created (or rotated) it: never in a URL, the session,
a flash message, a log line or the audit log, and that response is marked `Cache-Control: no-store`.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from api_keys import connected_apps, selectors, services
from api_keys.client_config import client_configs, mcp_url
from api_keys.forms import KeyCreateForm, KeyEditForm, KeyRotateForm
from kernel.errors import InvalidInput
from kernel.htmx import template_for
from kernel.methods import post_only
from tenants.actors import Permission
from tenants.http import AppRequest, member_required

PAGE = "keys/key_list.html"


def _form(request: AppRequest, data=None) -> KeyCreateForm:
    return KeyCreateForm(data, store_choices=selectors.store_choices(request.tenant, request.actor))


def _page(request: AppRequest, fragment: str = "", **context) -> HttpResponse:
    """The whole page, or only `fragment` of it for an htmx swap."""
    context.setdefault("keys", selectors.keys_for(request.tenant, request.actor))
    context.setdefault("mcp_url", mcp_url())
    context.setdefault("connected_apps", connected_apps.connected_apps_for(request.tenant, request.actor))
    return render(request, template_for(request, PAGE, fragment) if fragment else PAGE, context)


@require_GET
@member_required(Permission.MANAGE_KEYS)
def key_list(request: AppRequest) -> HttpResponse:
    return _page(request, form=_form(request))


@post_only("keys:list")
@never_cache  # the success response carries the raw key: no cache may keep it
@member_required(Permission.MANAGE_KEYS)
def key_create(request: AppRequest) -> HttpResponse:
    form = _form(request, request.POST)
    if form.is_valid():
        try:
            key, raw = services.key_create(
                tenant=request.tenant, actor=request.actor, **form.service_arguments()
            )
        except InvalidInput as exc:
            form.add_service_error(exc)
        else:
            configs = client_configs(raw)
            return _page(request, "key-created", created=key, raw_key=raw, configs=configs)
    return _page(request, "key-form", form=form)


@require_http_methods(["GET", "POST"])
@member_required(Permission.MANAGE_KEYS)
def key_revoke(request: AppRequest, key_id: str) -> HttpResponse:
    """GET asks for confirmation (a row in place, or the whole page); POST revokes."""
    if request.method == "POST":
        services.key_revoke(tenant=request.tenant, actor=request.actor, key_id=key_id)
        if not request.htmx:
            return redirect("keys:list")
        return _page(request, "key-row", key=selectors.key_get(request.tenant, request.actor, key_id))
    key = selectors.key_get(request.tenant, request.actor, key_id)
    return _page(request, "key-revoke-confirm", key=key, confirm_key_id=key.pk, form=_form(request))


@require_GET
@member_required(Permission.MANAGE_KEYS)
def key_row(request: AppRequest, key_id: str) -> HttpResponse:
    """One row of the list (used to cancel a revocation in place)."""
    key = selectors.key_get(request.tenant, request.actor, key_id)
    if not request.htmx:
        return redirect("keys:list")
    return _page(request, "key-row", key=key)


@require_http_methods(["GET", "POST"])
@member_required(Permission.MANAGE_KEYS)
def key_edit(request: AppRequest, key_id: str) -> HttpResponse:
    """The key's settings in the page's form panel; saving changes them from the key's next call."""
    key = selectors.key_get(request.tenant, request.actor, key_id)
    choices = selectors.store_choices(request.tenant, request.actor)
    form = KeyEditForm(request.POST or None, key=key, store_choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.key_update(
                tenant=request.tenant, actor=request.actor, key_id=key.pk, **form.service_arguments()
            )
        except InvalidInput as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request, f"Key “{form.cleaned_data['name']}” saved. The change counts from its next call."
            )
            return redirect("keys:list")
    return _page(request, "key-edit", form=form, editing=key)


@require_http_methods(["GET", "POST"])
@never_cache  # the success response carries the new raw key
@member_required(Permission.MANAGE_KEYS)
def key_rotate(request: AppRequest, key_id: str) -> HttpResponse:
    """GET asks when the old secret should stop working; POST mints the new one and shows it once."""
    key = selectors.key_get(request.tenant, request.actor, key_id)
    form = KeyRotateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new, raw = services.key_rotate(
                tenant=request.tenant, actor=request.actor, key_id=key.pk, grace=form.grace_period()
            )
        except InvalidInput as exc:
            form.add_error(None, exc.message)
        else:
            old = selectors.key_get(request.tenant, request.actor, key.pk)  # now with its end
            return _page(
                request, "key-created", created=new, raw_key=raw, configs=client_configs(raw), rotated=old
            )
    return _page(request, "key-rotate", rotate_form=form, rotating=key)


@post_only("keys:list")
@member_required(Permission.MANAGE_KEYS)
def connected_app_revoke(request: AppRequest, app_id: str) -> HttpResponse:
    """Revoke a connected app: its tokens stop working on their next request."""
    app = connected_apps.connected_app_revoke(tenant=request.tenant, actor=request.actor, app_id=app_id)
    messages.success(request, f"“{app.name}” is disconnected: its tokens no longer work.")
    return redirect("keys:list")
