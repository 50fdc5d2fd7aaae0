from django.urls import path

from api_keys import views

app_name = "keys"

urlpatterns = [
    path("", views.key_list, name="list"),
    path("new/", views.key_create, name="create"),
    path("apps/<str:app_id>/revoke/", views.connected_app_revoke, name="app-revoke"),
    path("<str:key_id>/revoke/", views.key_revoke, name="revoke"),
    path("<str:key_id>/row/", views.key_row, name="row"),
    path("<str:key_id>/edit/", views.key_edit, name="edit"),
    path("<str:key_id>/rotate/", views.key_rotate, name="rotate"),
]
