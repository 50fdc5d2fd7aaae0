"""`/sandbox/…` pages (the emulator itself lives under `/sandbox/api/v2/`, see `sandbox.urls`)."""

from django.urls import path

from sandbox import ui_views

app_name = "sandbox-ui"

urlpatterns = [
    path("", ui_views.sandbox_index, name="index"),
    path("<uuid:store_id>/", ui_views.sandbox_store, name="store"),
    path("<uuid:store_id>/faults/", ui_views.sandbox_faults, name="faults"),
    path("<uuid:store_id>/postbacks/", ui_views.sandbox_postbacks, name="postbacks"),
    path("<uuid:store_id>/seed/", ui_views.sandbox_seed, name="seed"),
    path("<uuid:store_id>/key/", ui_views.sandbox_key, name="key"),
]
