from django.http import HttpResponse
from django.urls import path

app_name = "mcp_bridge"


def _pending(request, *args, **kwargs):  # replaced as each page lands
    return HttpResponse("Not built yet", status=501)


urlpatterns = [
    path("console/", _pending, name="console"),
    path("traces/", _pending, name="trace-list"),
]
