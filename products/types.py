"""What the inventory operations take and return. Field names are OrderDesk's; `id` is an integer as
OrderDesk sends it, money a number rounded to cents, dates OrderDesk's UTC `YYYY-MM-DD HH:MM:SS`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from kernel.types import ProductId
from records.types import Count, Map, Money, Number, Page, Text


class Product(BaseModel):
    """An inventory item (OrderDesk's fields; unknown ones pass through)."""

    model_config = ConfigDict(extra="allow")

    id: Count = Field(description="The inventory item's id: pass it as `product_id`.")
    name: Text = ""
    code: Text = Field("", description="The SKU.")
    price: Money = 0.0
    cost: Money = 0.0
    weight: Number = 0.0
    stock: Count = Field(0, description="Units available.")
    location: Text = ""
    update_source: Text = ""
    manufacturer_sku: Text = ""
    variation_list: Map = Field(default_factory=dict)
    metadata: Map = Field(default_factory=dict)
    date_added: Text = ""
    date_updated: Text = ""


class ProductUpdated(Product):
    """The inventory item after the update."""

    changed: bool = Field(True, description="False when it already had these values: nothing was sent.")
    message: str = ""


class ProductPage(Page):
    ROWS = "products"

    products: list[Product]
    next_cursor: str | None = Field(None, description="Pass as `cursor` (same filters) for the next page.")
    has_more: bool
    total_records: int | None = Field(None, description="OrderDesk's count, when it is trustworthy.")
    returned: int


class LowStockResult(BaseModel):
    """Inventory items at or below the threshold, lowest stock first."""

    threshold: int
    products: list[Product]
    total_low: int = Field(description="How many items are at or below the threshold in all.")
    has_more: bool = Field(description="True when more low-stock items exist than `limit` returned.")
    scanned: int = Field(description="How many inventory items were looked at.")
    complete: bool = Field(description="False when the inventory was too large to scan entirely.")


class ProductChange(BaseModel):
    """One entry of products_update_batch: which item (product_id or code) and what to change."""

    model_config = ConfigDict(extra="forbid")

    product_id: ProductId | None = None
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)] | None = (
        Field(None, description="The SKU, instead of product_id.")
    )
    changes: dict[str, Any] = Field(min_length=1, description="The fields to change, as for products_update.")

    @model_validator(mode="after")
    def _one_reference(self) -> ProductChange:
        if (self.product_id is None) == (self.code is None):
            raise ValueError("give either product_id or code")
        return self


class ProductBatchOutcome(BaseModel):
    product_id: int | None
    code: str
    status: Literal["updated", "unchanged", "not_found", "invalid", "failed"]
    message: str = ""
    stock: int | None = None


class ProductBatchResult(BaseModel):
    updated: int
    unchanged: int = Field(0, description="Entries that changed nothing, so were not sent.")
    failed: int
    results: list[ProductBatchOutcome]
