"""The Django admin's sign-in page, with the failure limits and audit records of every other way in.

The admin is the one place with passwords (superusers from `createsuperuser`); Django's own login
view neither limits guesses nor writes our audit log.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.views.decorators.debug import sensitive_post_parameters

from kernel.errors import RateLimited
from tenants import services
from tenants.views.auth import too_many


@sensitive_post_parameters("password")
def admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    if request.method != "POST":
        return admin.site.login(request, extra_context)
    username = services.normalise_email(request.POST.get("username", ""))
    try:
        services.password_login_check(username=username)
    except RateLimited as exc:
        return too_many(request, exc)
    response = admin.site.login(request, extra_context)
    # Django's login view redirects after a sign-in and shows the form again after a failure.
    signed_in = response.status_code == 302 and request.user.is_authenticated
    services.password_login_record(username=username, user=request.user if signed_in else None)
    return response
