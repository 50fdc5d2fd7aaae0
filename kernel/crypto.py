"""Secrets at rest: AES-256-GCM under per-tenant keys derived with HKDF-SHA256 from a versioned keyring.

* The server keys (`ENCRYPTION_KEYS`, newest first) never touch the database. Each tenant gets its own
  key per version: HKDF(IKM=server key, salt=tenant.kdf_salt, info="orderdesk-admin|secret|v<n>|<tenant>").
* Ciphertext is "v<n>:" + base64(nonce(12) || ciphertext || tag(16)), with a fresh random nonce each time.
* The associated data binds tenant, model, field and row, so a value copied into another row, another
  field or another tenant fails authentication instead of decrypting.
* Rotation: put a new version first in ENCRYPTION_KEYS (new writes use it, old versions still decrypt),
  run `manage.py rewrap_secrets`, and drop the old version once it reports 0 rows left.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models


class KeyedTenant(Protocol):
    """What key derivation needs of a tenant (tenants.Tenant is one)."""

    @property
    def id(self) -> UUID: ...

    # A BinaryField reads back as memoryview on PostgreSQL and bytes on SQLite.
    @property
    def kdf_salt(self) -> bytes | memoryview: ...


NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored secret cannot be decrypted (unknown key version, tampering, or a copied value)."""


@dataclass(frozen=True)
class SecretContext:
    """Everything a ciphertext is bound to. Changing any part makes decryption fail."""

    tenant_id: UUID
    kdf_salt: bytes
    model: str  # "app_label.ModelName"
    field: str
    row: str

    def aad(self, version: int) -> bytes:
        return f"{self.tenant_id}|{self.model}|{self.field}|{self.row}|v{version}".encode()


def keyring() -> dict[int, bytes]:
    return settings.ENCRYPTION_KEYS


def newest_version() -> int:
    return next(iter(keyring()))


@lru_cache(maxsize=4096)
def _tenant_key(version: int, server_key: bytes, tenant_id: UUID, kdf_salt: bytes) -> bytes:
    # Cached: HKDF is cheap, but this sits on the path of every upstream call.
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=kdf_salt,
        info=b"orderdesk-admin|secret|v%d|" % version + tenant_id.bytes,
    ).derive(server_key)


def _key_for(version: int, context: SecretContext) -> bytes:
    try:
        server_key = keyring()[version]
    except KeyError:
        raise DecryptionError(f"key version v{version} is not in ENCRYPTION_KEYS") from None
    return _tenant_key(version, server_key, context.tenant_id, context.kdf_salt)


def encrypt(plaintext: str, context: SecretContext) -> str:
    version = newest_version()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key_for(version, context)).encrypt(nonce, plaintext.encode(), context.aad(version))
    return f"v{version}:" + base64.b64encode(nonce + sealed).decode()


def ciphertext_version(ciphertext: str) -> int:
    prefix, sep, _ = ciphertext.partition(":")
    if not sep or not prefix.startswith("v") or not prefix[1:].isdigit():
        raise DecryptionError("not a keyring ciphertext")
    return int(prefix[1:])


def decrypt(ciphertext: str, context: SecretContext) -> str:
    version = ciphertext_version(ciphertext)
    try:
        blob = base64.b64decode(ciphertext.partition(":")[2], validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError("ciphertext is not valid base64") from None
    if len(blob) < NONCE_BYTES + 16:
        raise DecryptionError("ciphertext is truncated")
    try:
        plain = AESGCM(_key_for(version, context)).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.aad(version)
        )
    except InvalidTag:
        raise DecryptionError("ciphertext does not authenticate for this tenant, row and field") from None
    return plain.decode()


def needs_rewrap(ciphertext: str) -> bool:
    return bool(ciphertext) and ciphertext_version(ciphertext) != newest_version()


class EncryptedTextField(models.TextField):
    """Holds a keyring ciphertext. The model encrypts and decrypts through `secret_context()`.

    The field itself stays a plain text column; it exists so `rewrap_secrets` can find every secret in
    the schema without a hand-kept list.
    """

    description = "Keyring ciphertext (AES-256-GCM)"


def secret_context(instance: models.Model, field: str, tenant: KeyedTenant) -> SecretContext:
    return SecretContext(
        tenant_id=tenant.id,
        kdf_salt=bytes(tenant.kdf_salt),
        model=instance._meta.label,
        field=field,
        row=str(instance.pk),
    )
