from django.apps import AppConfig


class OrderdeskAdminConfig(AppConfig):
    name = "orderdesk_admin"
    verbose_name = "OrderDesk Admin"
