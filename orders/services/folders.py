"""A store's folders as arguments name them: by id or by (case-insensitive) exact name. An unknown
folder is refused with the store's folders listed, never read as "no orders"."""

from __future__ import annotations

from kernel.errors import InvalidInput
from stores.decoding import as_int_or_none


def folder_choices(folders: dict[int, str]) -> str:
    return ", ".join(f"{name} ({fid})" for fid, name in folders.items()) or "none"


def named_folder(folders: dict[int, str], name: str) -> tuple[int, str] | None:
    matches = [(fid, n) for fid, n in folders.items() if n.strip().casefold() == name.strip().casefold()]
    return matches[0] if len(matches) == 1 else None


def resolve_folder(
    folders: dict[int, str], folder: str, *, store_label: str, field: str = "folder"
) -> tuple[int, str]:
    """A folder id or (case-insensitive) exact name → (id, name); InvalidInput lists the folders."""
    ref = folder.strip()
    number = as_int_or_none(ref) if ref.isdigit() else None
    if number is not None and number in folders:
        return number, folders[number]
    match = named_folder(folders, ref)
    if match is not None:
        return match
    raise InvalidInput(
        f"No folder {ref!r} in store {store_label}. Folders: {folder_choices(folders)}.", field=field
    )


def check_folder_ids(folders: dict[int, str], folder_ids: str, *, store_label: str) -> None:
    """Every id of a comma-separated list is one of the store's folders (InvalidInput otherwise)."""
    unknown = [part for part in folder_ids.split(",") if as_int_or_none(part) not in folders]
    if unknown:
        raise InvalidInput(
            f"No folder {', '.join(unknown)} in store {store_label}. Folders: {folder_choices(folders)}.",
            field="folder_id",
        )
