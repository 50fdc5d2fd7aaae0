"""Parsing of the ENCRYPTION_KEYS setting, kept free of Django imports so settings.py can use it."""

import base64
import binascii
import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_ENTRY = re.compile(r"^v(?P<version>[1-9][0-9]*):(?P<key>[A-Za-z0-9+/=_-]+)$")
GENERATE_HINT = (
    "Generate a key with: "
    "python -c \"import os, base64; print('v1:' + base64.b64encode(os.urandom(32)).decode())\""
)


def parse_keyring(value: str) -> dict[int, bytes]:
    """Parse "v2:<base64>,v1:<base64>" (newest first) into {version: 32-byte key}, newest first.

    Raises ImproperlyConfigured naming the bad entry: a short key, a duplicate version or a list that is
    not newest-first would otherwise surface much later as secrets that cannot be decrypted.
    """
    keys: dict[int, bytes] = {}
    for position, entry in enumerate(part.strip() for part in value.split(",") if part.strip()):
        match = _ENTRY.match(entry)
        if not match:
            raise ImproperlyConfigured(
                f"ENCRYPTION_KEYS entry {position + 1} must look like v1:<base64 of 32 bytes>. "
                + GENERATE_HINT
            )
        version = int(match["version"])
        try:
            raw = base64.b64decode(match["key"].replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(
                f"ENCRYPTION_KEYS v{version} is not valid base64. {GENERATE_HINT}"
            ) from None
        if len(raw) != 32:
            raise ImproperlyConfigured(
                f"ENCRYPTION_KEYS v{version} is {len(raw)} bytes; AES-256 needs exactly 32. {GENERATE_HINT}"
            )
        if version in keys:
            raise ImproperlyConfigured(f"ENCRYPTION_KEYS lists v{version} twice.")
        if keys and version > min(keys):
            raise ImproperlyConfigured("ENCRYPTION_KEYS must list the newest version first (v3,v2,v1).")
        keys[version] = raw
    if not keys:
        raise ImproperlyConfigured(f"ENCRYPTION_KEYS is empty. {GENERATE_HINT}")
    return keys


def load_encryption_keys(value: str, *, debug: bool, var_dir: Path) -> dict[int, bytes]:
    """The keyring from the environment; in development a key generated once into var/."""
    if value.strip():
        return parse_keyring(value)
    if not debug:
        raise ImproperlyConfigured(f"ENCRYPTION_KEYS must be set when DEBUG is false. {GENERATE_HINT}")
    path = var_dir / "encryption_keys"
    if not path.exists():
        path.write_text("v1:" + base64.b64encode(os.urandom(32)).decode() + "\n")
        path.chmod(0o600)
    return parse_keyring(path.read_text())
