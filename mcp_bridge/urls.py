from django.urls import path

from mcp_bridge.views import console, traces

app_name = "mcp_bridge"

urlpatterns = [
    path("console/", console.console, name="console"),
    path("console/runs/<slug:run_id>/", console.console_run_status, name="console-run-status"),
    path("console/<slug:name>/", console.console_operation, name="console-operation"),
    path("console/<slug:name>/run/", console.console_run, name="console-run"),
    path("traces/", traces.trace_list, name="trace-list"),
    path("traces/export/", traces.trace_export, name="trace-export"),
    path("traces/<uuid:trace_id>/", traces.trace_detail, name="trace-detail"),
]
