"""Sign-up, sign-in by e-mailed link, and sign-out. The rules are in tenants.services.signin."""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from kernel.errors import RateLimited
from kernel.methods import post_only
from tenants import services
from tenants.forms import LoginForm, SignupForm
from tenants.middleware import SESSION_EXPIRED, SESSION_MEMBERSHIP


def too_many(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    """429 with Retry-After, and the same wait in words. The body never names the address; the wait
    tells nothing the Retry-After header does not already say."""
    seconds = max(1, math.ceil(exc.retry_after or 60))
    response = render(
        request, "429.html", {"retry_after": seconds, "retry_words": _wait_words(seconds)}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response


def _wait_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes" if minutes < 90 else f"{math.ceil(minutes / 60)} hours"


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if not settings.SIGNUP_OPEN:
        return render(
            request, "tenants/signup.html", {"closed": True}, status=403 if request.method == "POST" else 200
        )
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.signup_request(**form.cleaned_data)
        except RateLimited as exc:
            return too_many(request, exc)
        # The same page for every address: only the e-mail says whether it had an account.
        return render(request, "tenants/check_email.html", {"after_signup": True})
    return render(request, "tenants/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.login_request(email=form.cleaned_data["email"], next_url=form.cleaned_data["next"])
        except RateLimited as exc:
            return too_many(request, exc)
        return render(request, "tenants/check_email.html")
    expired = request.session.pop(SESSION_EXPIRED, False)
    return render(request, "tenants/login.html", {"form": form, "expired": expired})


@never_cache
@require_http_methods(["GET", "POST"])
def magic_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET only shows a confirm button (mail scanners follow links); POST redeems the link."""
    if request.method == "GET":
        response = _confirm_page(request, token)
    else:
        try:
            sign_in = services.link_redeem(token=token)
        except RateLimited as exc:
            response = too_many(request, exc)
        except services.LinkRefused as exc:
            response = render(request, "tenants/magic_link.html", {"error": exc.message}, status=400)
        else:
            _start_session(request, sign_in)
            response = redirect(services.safe_next_url(sign_in.next_url) or "dashboard")
    # The path is a credential until it is used: never send it as a Referer. Not "no-referrer", under
    # which browsers send `Origin: null` with the confirm form's POST and CSRF refuses it.
    response["Referrer-Policy"] = "strict-origin"
    return response


def _confirm_page(request: HttpRequest, token: str) -> HttpResponse:
    """Which account and team the link signs in to, and whether that replaces the signed-in one."""
    try:
        preview = services.link_preview(token=token)
    except services.LinkRefused as exc:
        return render(request, "tenants/magic_link.html", {"error": exc.message}, status=400)
    current = getattr(request.user, "email", "") if request.user.is_authenticated else ""
    signed_in_as = current if current != preview.email else ""
    return render(request, "tenants/magic_link.html", {"link": preview, "signed_in_as": signed_in_as})


def _start_session(request: HttpRequest, sign_in: services.SignIn) -> None:
    if request.user.is_authenticated:
        logout(request)  # never carry another account's session data into this one
    # A new session key; login() also starts the 12-hour and 30-minute clocks (stamp_session).
    login(request, sign_in.user, backend="django.contrib.auth.backends.ModelBackend")
    if sign_in.membership is not None:
        request.session[SESSION_MEMBERSHIP] = str(sign_in.membership.pk)


@post_only("dashboard")  # a GET (a typed or prefetched URL) never signs anyone out
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.logout_record(user=request.user, tenant=getattr(request, "tenant", None))
        logout(request)
    return redirect("tenants:login")
