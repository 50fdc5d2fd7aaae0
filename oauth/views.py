"""The authorization server's endpoints: discovery, registration, consent and tokens.

Everything an MCP client needs to connect by URL alone (MCP authorization, 2025-06-18 and later):
`/mcp` answers 401 naming the protected-resource metadata, which names this site as the
authorization server, whose metadata names these endpoints. Documents are built from SITE_URL,
never from the Host header. The consent page is a thin view over django-oauth-toolkit's OAuthLibCore;
the rules of a grant live in `api_keys.connected_apps`.
"""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.csp import CSP
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.models import get_application_model
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import TokenView
from oauthlib.oauth2.rfc6749.errors import AccessDeniedError

from api_keys.models import ApiKey, ApiKeyKind, ApiKeyScope
from kernel.errors import OperationError
from kernel.middleware import client_ip
from kernel.ratelimit import usage
from oauth import consent
from oauth.forms import ConsentForm
from oauth.registration import RegistrationError, client_register
from tenants.audit import Action, audit
from tenants.models import AuditOutcome

SCOPES = [ApiKeyScope.READ.value, ApiKeyScope.READ_WRITE.value]


def _json(data: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    response["Cache-Control"] = "no-store"
    return response


def public_cors(view):
    """Browser-based MCP clients (the MCP Inspector) fetch discovery documents and call registration
    and token endpoints from their own origin: answer their preflights. These endpoints read no
    cookie, so any origin may call them."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Authorization, Content-Type, MCP-Protocol-Version"
            response["Access-Control-Max-Age"] = "600"
        else:
            response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped


def _limited(request: HttpRequest, group: str, rate: str) -> HttpResponse | None:
    """429 once this client IP used up `rate` for `group`, else None (and counted)."""
    used = usage(f"oauth.{group}", client_ip(request), rate, increment=True)
    if not used.should_limit:
        return None
    response = _json({"error": "slow_down", "error_description": "Too many requests; try later."}, 429)
    response["Retry-After"] = str(used.retry_after)
    return response


# --- Discovery --------------------------------------------------------------------------------------------


@public_cors
@require_GET
def protected_resource_metadata(request: HttpRequest) -> HttpResponse:
    """RFC 9728, for the resource `SITE_URL/mcp`."""
    return _json(
        {
            "resource": settings.OAUTH_RESOURCE,
            "authorization_servers": [settings.SITE_URL],
            "scopes_supported": SCOPES,
            "bearer_methods_supported": ["header"],
            "resource_name": "OrderDesk Admin MCP",
        }
    )


@public_cors
@require_GET
def authorization_server_metadata(request: HttpRequest) -> HttpResponse:
    """RFC 8414: what this authorization server supports, which is deliberately little."""
    site = settings.SITE_URL
    return _json(
        {
            "issuer": site,
            "authorization_endpoint": f"{site}/oauth/authorize/",
            "token_endpoint": f"{site}/oauth/token/",
            "registration_endpoint": f"{site}/oauth/register",
            "scopes_supported": SCOPES,
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
            "authorization_response_iss_parameter_supported": True,
            "client_id_metadata_document_supported": oauth2_settings.CIMD_ENABLED,
        }
    )


# --- Registration and tokens ----------------------------------------------------------------------------


@csrf_exempt  # an API for clients that hold no cookie; it grants nothing by itself
@public_cors
@require_POST
def register(request: HttpRequest) -> HttpResponse:
    """RFC 7591 Dynamic Client Registration (rules in oauth.registration)."""
    if limited := _limited(request, "register", settings.RATE_OAUTH_REGISTER_PER_IP):
        return limited
    try:
        metadata = json.loads(request.body or b"null")
        return _json(client_register(metadata), 201)
    except ValueError as exc:  # RegistrationError, or a body that is not JSON
        code = exc.code if isinstance(exc, RegistrationError) else "invalid_client_metadata"
        description = exc.description if isinstance(exc, RegistrationError) else "The body must be JSON."
        return _json({"error": code, "error_description": description}, 400)


_dot_token_view = TokenView.as_view()


@csrf_exempt
@public_cors
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    """The toolkit's token endpoint, rate-limited, with every refusal audited."""
    if limited := _limited(request, "token", settings.RATE_OAUTH_TOKEN_PER_IP):
        return limited
    response = _dot_token_view(request)
    # Some of the toolkit's refusals (e.g. invalid_target) come without a content type.
    response["Content-Type"] = "application/json"
    response["Cache-Control"] = "no-store"
    if response.status_code >= 400:
        _audit_token_refusal(request, response)
    return response


def _audit_token_refusal(request: HttpRequest, response: HttpResponse) -> None:
    try:
        body = json.loads(response.content)
    except ValueError:
        body = {}
    client_id = request.POST.get("client_id", "")[:100]
    # The team to tell: the newest connection of this client, if it ever had one.
    app = (
        ApiKey.objects.filter(kind=ApiKeyKind.OAUTH, oauth_client__client_id=client_id)
        .select_related("tenant")
        .order_by("-created_at")
        .first()
        if client_id
        else None
    )
    audit(
        Action.OAUTH_TOKEN_REFUSED,
        tenant=app.tenant if app else None,
        target_type="oauth_client",
        target_id=client_id[:64],
        target_label=app.name if app else "",
        outcome=AuditOutcome.FAILURE,
        detail={
            "grant_type": request.POST.get("grant_type", "")[:40],
            "error": str(body.get("error", ""))[:60],
            "error_description": str(body.get("error_description", ""))[:200],
        },
    )


# --- Consent ----------------------------------------------------------------------------------------------


def _redirect_with(error: Any, redirect_uri: str, client: Any) -> HttpResponse:
    """Back to the client with an OAuth error (RFC 6749 §4.1.2.1), and the issuer (RFC 9207)."""
    separator = "&" if "?" in redirect_uri else "?"
    location = f"{redirect_uri}{separator}{error.urlencoded}&{urlencode({'iss': settings.SITE_URL})}"
    return OAuth2ResponseRedirect(location, client.get_allowed_schemes())


def _error_redirect(error: Any, pending: consent.Pending) -> HttpResponse:
    return _redirect_with(error, pending.credentials["redirect_uri"], pending.client)


@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """The consent page: sign in, then approve (or deny) a client for a team, scope and stores."""
    if limited := _limited(request, "authorize", settings.RATE_OAUTH_AUTHORIZE_PER_IP):
        return limited
    if not request.user.is_authenticated:
        return redirect_to_login(consent.resumable_path(request))
    if "pending" in request.GET:
        return consent.resume(request)
    core = get_oauthlib_core()
    pending = _validated(request, core)
    if isinstance(pending, HttpResponse):
        return pending
    if not pending.memberships:
        return render(request, "tenants/no_tenant.html", status=403)
    if request.method == "POST" and "deny" in request.POST:
        consent.audit_denied(pending)
        return _error_redirect(AccessDeniedError(state=pending.credentials["state"]), pending)
    return _decided(request, pending, core)


def _validated(request: HttpRequest, core: Any) -> consent.Pending | HttpResponse:
    """The authorization request as the toolkit and `consent.request_problem` accept it, or the
    answer refusing it (an error page when the client or redirect URI is unknown, else a redirect)."""
    Application = get_application_model()
    try:
        scopes, credentials = core.validate_authorization_request(request)
    except FatalClientError as exc:  # unknown client or redirect URI: never redirect there
        return render(request, "oauth/error.html", {"error": exc.oauthlib_error}, status=400)
    except OAuthToolkitError as exc:
        client = Application.objects.get(client_id=request.GET.get("client_id"))
        return _redirect_with(exc.oauthlib_error, exc.oauthlib_error.redirect_uri or "", client)
    client = Application.objects.get(client_id=credentials["client_id"])
    if problem := consent.request_problem(request, credentials):
        return _redirect_with(problem, credentials["redirect_uri"], client)
    return consent.Pending(request=request, client=client, scopes=scopes, credentials=credentials)


def _decided(request: HttpRequest, pending: consent.Pending, core: Any) -> HttpResponse:
    """Approve with the posted choices, or show the page (again, with what the rules refused)."""
    approving = request.method == "POST" and "approve" in request.POST
    form = pending.form(request.POST if approving else None)  # "Change team" re-renders, unbound
    if not approving:
        return _consent_page(request, pending, form, status=200)
    if form.is_valid():
        try:
            uri = consent.approve(pending, form, core)
            return OAuth2ResponseRedirect(uri, pending.client.get_allowed_schemes())
        except OperationError as exc:  # InvalidInput, Forbidden: the grant rules said no
            form.add_service_error(exc)
        except OAuthToolkitError as exc:
            return _error_redirect(exc.oauthlib_error, pending)
    consent.audit_refused(pending, form)
    return _consent_page(request, pending, form, status=400)


def _consent_page(
    request: HttpRequest, pending: consent.Pending, form: ConsentForm, status: int
) -> HttpResponse:
    response = render(request, "oauth/consent.html", pending.context(form), status=status)
    # Approving or denying redirects to the client: allow that one origin as a form target.
    target = urlsplit(pending.credentials["redirect_uri"])
    config = dict(settings.SECURE_CSP)
    config["form-action"] = [CSP.SELF, f"{target.scheme}://{target.netloc}"]
    response._csp_config = config  # type: ignore[attr-defined]
    return response
