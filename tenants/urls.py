from django.http import HttpResponse
from django.urls import path

app_name = "tenants"


def _pending(request, *args, **kwargs):  # replaced as each page lands
    return HttpResponse("Not built yet", status=501)


urlpatterns = [
    path("signup/", _pending, name="signup"),
    path("login/", _pending, name="login"),
    path("logout/", _pending, name="logout"),
    path("team/", _pending, name="team"),
    path("audit/", _pending, name="audit"),
]
