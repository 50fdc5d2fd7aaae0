from django.urls import path

from stores import views

app_name = "stores"

urlpatterns = [
    path("", views.store_list, name="list"),
    path("add/", views.store_add, name="add"),
    path("<uuid:store_id>/", views.store_detail, name="detail"),
    path("<uuid:store_id>/settings/", views.store_settings, name="settings"),
    path("<uuid:store_id>/test/", views.store_test, name="test"),
    path("<uuid:store_id>/breaker/reset/", views.store_breaker_reset, name="breaker-reset"),
    path("<uuid:store_id>/postback/regenerate/", views.store_postback_regenerate, name="postback-regenerate"),
    path("<uuid:store_id>/edit/", views.store_edit, name="edit"),
    path("<uuid:store_id>/delete/", views.store_delete, name="delete"),
]
