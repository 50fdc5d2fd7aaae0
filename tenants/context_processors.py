from django.conf import settings
from django.utils.functional import SimpleLazyObject

from tenants.selectors import user_memberships


def tenant(request):
    user = getattr(request, "user", None)

    def switchable():
        # Only queried when a page actually shows the team switcher.
        if user is None or not user.is_authenticated:
            return []
        return list(user_memberships(user=user))

    return {
        "tenant": getattr(request, "tenant", None),
        "membership": getattr(request, "membership", None),
        "actor": getattr(request, "actor", None),
        "switchable_memberships": SimpleLazyObject(switchable),
        "signup_open": settings.SIGNUP_OPEN,
    }
