"""Results shared by every kind of OrderDesk record."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Deleted(BaseModel):
    id: str = Field(description="The id of what was deleted.")
    deleted: bool = True
    message: str = ""
