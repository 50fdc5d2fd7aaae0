"""django-oauth-toolkit's request validator, taught about connected apps.

Every authorization code, access token and refresh token is bound to the connected app the owner
approved (`api_keys.connected_apps.bind`): the consent view passes the app's id in with the code, and
each token request finds it again from the code or refresh token it presents. A code or token whose
app is revoked is refused here, so nothing is minted for it. A code presented after it was used
revokes its app's tokens (RFC 6749 §4.1.2).
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.models import get_grant_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

from api_keys import connected_apps
from api_keys.models import ApiKey, OAuthTokenKind
from tenants.audit import Action, audit
from tenants.models import AuditOutcome


def _refuse(request: Any, reason: str) -> bool:
    """Note why (the token view audits every refusal with it); always False."""
    request.refusal_reason = reason
    return False


class ConnectedAppValidator(OAuth2Validator):
    def validate_code(self, client_id, code, client, request, *args, **kwargs) -> bool:
        app = connected_apps.bound_app(OAuthTokenKind.CODE, code)
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            if app is not None and not get_grant_model().objects.filter(code=code).exists():
                audit(
                    Action.OAUTH_CODE_REUSED,
                    tenant=app.tenant,
                    target=app,
                    outcome=AuditOutcome.FAILURE,
                    detail={"client_id": client_id},
                )
                connected_apps.revoke_after_code_reuse(app)
                return False
            return _refuse(request, "unknown or expired authorization code")
        if app is None or not app.is_active:
            return _refuse(request, "the connected app was revoked")
        request.connected_app_id = app.pk
        return True

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs) -> bool:
        app = connected_apps.bound_app(OAuthTokenKind.REFRESH, refresh_token)
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return _refuse(request, "unknown, expired, revoked or replayed refresh token")
        if app is None or not app.is_active:
            return _refuse(request, "the connected app was revoked")
        request.connected_app_id = app.pk
        return True

    def _create_authorization_code(self, request, code, expires=None):
        app_id = getattr(request, "connected_app_id", None)
        if app_id is None:  # only the consent view issues codes, and it always names the app
            raise errors.AccessDeniedError(request=request)
        grant = super()._create_authorization_code(request, code, expires)
        connected_apps.bind(app_id, OAuthTokenKind.CODE, code["code"])
        return grant

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        access_token = super()._create_access_token(expires, request, token, source_refresh_token)
        connected_apps.bind(request.connected_app_id, OAuthTokenKind.ACCESS, token["access_token"])
        return access_token

    def _create_refresh_token(self, request, refresh_token_code, access_token, previous_refresh_token):
        refresh_token = super()._create_refresh_token(
            request, refresh_token_code, access_token, previous_refresh_token
        )
        connected_apps.bind(request.connected_app_id, OAuthTokenKind.REFRESH, refresh_token_code)
        return refresh_token

    def save_bearer_token(self, token, request, *args, **kwargs):
        super().save_bearer_token(token, request, *args, **kwargs)
        app = ApiKey.objects.select_related("tenant").get(pk=request.connected_app_id)
        refreshed = request.grant_type == "refresh_token"
        if refreshed:
            connected_apps.prune_bindings(app.pk)
        audit(
            Action.OAUTH_TOKEN_REFRESHED if refreshed else Action.OAUTH_TOKEN_ISSUED,
            tenant=app.tenant,
            target=app,
            detail={
                "key_id": app.pk,
                "client_id": request.client_id,
                "scope": token.get("scope", ""),
                "expires_in": token.get("expires_in"),
            },
        )
