"""The sandbox's own database: emulated OrderDesk stores and everything in them.

Public ids (orders, items, shipments, inventory items) are allocated from a per-store counter and
offset by the store's number (`SandboxStore.public_id`), so they are unique across stores (as on the
real service, where ids are global) and a re-seed with the same seed reproduces the same ids.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone as django_timezone

from tenants.models import Tenant

# Room for 100,000 objects per store before its ids would run into the next store number's range.
ID_SPAN = 100_000
FAULT_STEPS = ("ok", "429", "500", "503", "timeout")


class SandboxStore(models.Model):
    """One emulated OrderDesk store: credentials, settings, rate-limit bucket and fault settings."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="sandbox_stores")
    # The tenant's stores.Store that points at this sandbox (its encrypted key is the only plaintext).
    store = models.OneToOneField(
        "stores.Store", on_delete=models.CASCADE, null=True, blank=True, related_name="sandbox"
    )
    orderdesk_store_id = models.CharField(max_length=12, unique=True)  # numeric, sent as a string
    # SHA-256 of the API key: the key is 256 random bits, so a fast hash cannot be brute-forced and
    # keeps every request cheap (bcrypt on each call would cap the emulator at a few calls a second).
    api_key_hash = models.CharField(max_length=64)
    name = models.CharField(max_length=120, default="Sandbox Store")
    timezone = models.CharField(max_length=64, default="America/Los_Angeles")
    store_email = models.EmailField(blank=True)
    seed = models.BigIntegerField(null=True, blank=True)  # of the last demo-data fill
    seeded_at = models.DateTimeField(null=True, blank=True)
    next_id = models.BigIntegerField(default=1)  # counter behind every public id of this store

    # Rate limit: OrderDesk's leaky bucket (orderdesk-api.md §5.2), shared by every process via this row.
    rate_limit_enabled = models.BooleanField(default=True)
    bucket_capacity = models.FloatField(default=20.0)
    bucket_refill_rate = models.FloatField(default=3.0)  # tokens per second
    bucket_tokens = models.FloatField(default=20.0)
    bucket_updated_at = models.FloatField(default=0.0)  # Unix time; 0 means "full, never used"

    # Fault injection, applied after authentication and the bucket.
    fault_latency_ms = models.PositiveIntegerField(default=0)
    fault_share_429 = models.FloatField(default=0.0)
    fault_share_500 = models.FloatField(default=0.0)
    fault_share_503 = models.FloatField(default=0.0)
    fault_share_timeout = models.FloatField(default=0.0)
    fault_timeout_seconds = models.FloatField(default=20.0)
    fault_script = models.JSONField(default=list, blank=True)  # e.g. ["503", "503", "ok"], one per request
    fault_seed = models.BigIntegerField(null=True, blank=True)  # makes the shares reproducible
    fault_counter = models.BigIntegerField(default=0)
    # ASSUMPTION (orderdesk-api.md §3.10): the HTTP status of "Shipment Not Added" is undocumented.
    duplicate_shipment_status = models.PositiveSmallIntegerField(default=200)

    # EXTENSION (orderdesk-api.md §6.3, §7.2: an outbound poster "may" be emulated): after each change
    # to an order, POST it like OrderDesk's Rule Builder "Post Order JSON" does. A blank URL means the
    # post-back URL of this app's own store for the sandbox.
    postback_enabled = models.BooleanField(default=False)
    postback_url = models.URLField(blank=True)

    created_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.orderdesk_store_id})"

    @property
    def public_id_base(self) -> int:
        return int(self.orderdesk_store_id) * ID_SPAN

    @property
    def faults_active(self) -> bool:
        shares = self.fault_share_429 + self.fault_share_500 + self.fault_share_503 + self.fault_share_timeout
        return bool(self.fault_script) or shares > 0 or self.fault_latency_ms > 0


class SandboxFolder(models.Model):
    store = models.ForeignKey(SandboxStore, on_delete=models.CASCADE, related_name="folders")
    folder_id = models.IntegerField()
    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "folder_id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "folder_id"], name="sandbox_folder_id_unique"),
            models.UniqueConstraint(fields=["store", "name"], name="sandbox_folder_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class SandboxOrder(models.Model):
    """An order. Scalar fields are columns (so every field filters and sorts in SQL); addresses and
    maps are JSON. Totals are stored, recomputed on every write."""

    store = models.ForeignKey(SandboxStore, on_delete=models.CASCADE, related_name="orders")
    order_id = models.BigIntegerField()
    email = models.CharField(max_length=255, blank=True)
    shipping_method = models.CharField(max_length=255, blank=True)
    quantity_total = models.IntegerField(default=0)
    weight_total = models.FloatField(default=0.0)
    product_total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    shipping_total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    handling_total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    tax_total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    discount_total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    order_total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    cc_number_masked = models.CharField(max_length=32, blank=True)
    cc_exp = models.CharField(max_length=16, blank=True)
    processor_response = models.CharField(max_length=255, blank=True)
    payment_type = models.CharField(max_length=255, blank=True)
    payment_status = models.CharField(max_length=255, blank=True)
    processor_balance = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    refund_total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    customer_id = models.CharField(max_length=255, blank=True)
    ip_address = models.CharField(max_length=255, blank=True)
    tag_color = models.CharField(max_length=255, blank=True)
    tag_name = models.CharField(max_length=255, blank=True)
    source_name = models.CharField(max_length=255, blank=True)
    source_id = models.CharField(max_length=255, blank=True)
    fulfillment_name = models.CharField(max_length=255, blank=True)
    fulfillment_id = models.CharField(max_length=255, blank=True)
    folder_id = models.IntegerField()
    date_added = models.DateTimeField()
    date_updated = models.DateTimeField()
    shipping = models.JSONField(default=dict, blank=True)
    customer = models.JSONField(default=dict, blank=True)
    return_address = models.JSONField(default=dict, blank=True)
    checkout_data = models.JSONField(default=dict, blank=True)
    order_metadata = models.JSONField(default=dict, blank=True)
    discount_list = models.JSONField(default=list, blank=True)
    order_notes = models.JSONField(default=list, blank=True)
    order_history = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "order_id"], name="sandbox_order_id_unique"),
        ]
        indexes = [
            models.Index(fields=["store", "date_added"]),
            models.Index(fields=["store", "date_updated"]),
            models.Index(fields=["store", "source_id"]),
            models.Index(fields=["store", "email"]),
            models.Index(fields=["store", "folder_id"]),
        ]

    def __str__(self) -> str:
        return f"order {self.order_id}"


class SandboxOrderItem(models.Model):
    order = models.ForeignKey(SandboxOrder, on_delete=models.CASCADE, related_name="items")
    item_id = models.BigIntegerField()
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=255, blank=True)
    price = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    quantity = models.IntegerField(default=1)
    weight = models.FloatField(default=0.0)
    code = models.CharField(max_length=255, blank=True)
    delivery_type = models.CharField(max_length=16, default="ship")
    category_code = models.CharField(max_length=255, blank=True)
    fulfillment_method = models.CharField(max_length=255, blank=True)
    variation_list = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["position", "item_id"]
        constraints = [models.UniqueConstraint(fields=["order", "item_id"], name="sandbox_item_id_unique")]

    def __str__(self) -> str:
        return f"item {self.item_id}"


class SandboxShipment(models.Model):
    order = models.ForeignKey(SandboxOrder, on_delete=models.CASCADE, related_name="shipments")
    shipment_id = models.BigIntegerField()
    tracking_number = models.CharField(max_length=255)
    carrier_code = models.CharField(max_length=255, blank=True)
    shipment_method = models.CharField(max_length=255, blank=True)
    weight = models.CharField(max_length=32, blank=True)  # strings, as the documented examples show
    cost = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=255, blank=True)
    tracking_url = models.CharField(max_length=500, blank=True)
    label_format = models.CharField(max_length=32, blank=True)
    label_image = models.TextField(blank=True)
    print_status = models.CharField(max_length=1, default="0")
    cart_shipment_id = models.CharField(max_length=255, blank=True)
    label_shipment_id = models.CharField(max_length=255, blank=True)
    date_shipped = models.DateField()
    date_added = models.DateTimeField()

    class Meta:
        ordering = ["shipment_id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "shipment_id"], name="sandbox_shipment_id_unique")
        ]

    def __str__(self) -> str:
        return f"shipment {self.shipment_id}"


class SandboxInventoryItem(models.Model):
    store = models.ForeignKey(SandboxStore, on_delete=models.CASCADE, related_name="inventory")
    item_id = models.BigIntegerField()
    name = models.CharField(max_length=255)
    code = models.CharField(max_length=255)
    price = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    weight = models.FloatField(default=0.0)
    stock = models.IntegerField(default=0)
    update_source = models.CharField(max_length=255, blank=True)
    location = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    variation_list = models.JSONField(default=dict, blank=True)
    manufacturer_sku = models.CharField(max_length=255, null=True, blank=True)
    date_added = models.DateTimeField()
    date_updated = models.DateTimeField()

    class Meta:
        ordering = ["item_id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "item_id"], name="sandbox_inventory_id_unique"),
            models.UniqueConstraint(fields=["store", "code"], name="sandbox_inventory_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.item_id})"
