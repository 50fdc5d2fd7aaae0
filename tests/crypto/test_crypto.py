import base64
import os
import uuid

import pytest

from kernel import crypto
from kernel.crypto import DecryptionError, SecretContext
from tests.factories import StoreFactory

K1, K2 = os.urandom(32), os.urandom(32)


@pytest.fixture(autouse=True)
def keyring(settings):
    settings.ENCRYPTION_KEYS = {1: K1}
    return settings


def context(**overrides) -> SecretContext:
    defaults = {
        "tenant_id": uuid.UUID("00000000-0000-4000-8000-000000000001"),
        "kdf_salt": b"s" * 32,
        "model": "stores.Store",
        "field": "api_key_encrypted",
        "row": "row-1",
    }
    return SecretContext(**(defaults | overrides))


def test_it_round_trips():
    sealed = crypto.encrypt("päss-wörd 🔑", context())
    assert sealed.startswith("v1:")
    assert "päss" not in sealed
    assert crypto.decrypt(sealed, context()) == "päss-wörd 🔑"


def test_it_round_trips_an_empty_secret():
    assert crypto.decrypt(crypto.encrypt("", context()), context()) == ""


def test_it_uses_a_fresh_nonce_each_time():
    sealed = {crypto.encrypt("same", context()) for _ in range(20)}
    assert len(sealed) == 20
    nonces = {base64.b64decode(s[3:])[: crypto.NONCE_BYTES] for s in sealed}
    assert len(nonces) == 20


@pytest.mark.parametrize(
    "elsewhere",
    [
        {"row": "row-2"},
        {"field": "other_secret"},
        {"model": "stores.OtherModel"},
        {"tenant_id": uuid.UUID("00000000-0000-4000-8000-000000000002")},
        {"kdf_salt": b"t" * 32},
    ],
    ids=["another row", "another field", "another model", "another tenant", "another salt"],
)
def test_it_refuses_a_ciphertext_moved_elsewhere(elsewhere):
    sealed = crypto.encrypt("secret", context())
    with pytest.raises(DecryptionError):
        crypto.decrypt(sealed, context(**elsewhere))


def test_it_detects_tampering():
    sealed = crypto.encrypt("secret", context())
    blob = bytearray(base64.b64decode(sealed[3:]))
    for position in (0, crypto.NONCE_BYTES, len(blob) - 1):  # nonce, ciphertext, tag
        altered = bytearray(blob)
        altered[position] ^= 0x01
        with pytest.raises(DecryptionError):
            crypto.decrypt("v1:" + base64.b64encode(bytes(altered)).decode(), context())


def test_it_refuses_a_ciphertext_relabelled_with_another_version(settings):
    settings.ENCRYPTION_KEYS = {2: K2, 1: K1}
    sealed = crypto.encrypt("secret", context())
    # Same key bytes under both versions: the version is still bound through the AAD and the HKDF info.
    settings.ENCRYPTION_KEYS = {2: K1, 1: K1}
    with pytest.raises(DecryptionError):
        crypto.decrypt("v1:" + sealed.partition(":")[2], context())


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "plain text",
        "v1",
        "v1:not base64!",
        "v1:" + base64.b64encode(b"short").decode(),
        "vx:AAAA",
        "1:AAAA",
    ],
)
def test_it_refuses_malformed_ciphertexts(garbage):
    with pytest.raises(DecryptionError):
        crypto.decrypt(garbage, context())


def test_it_refuses_an_unknown_key_version(settings):
    settings.ENCRYPTION_KEYS = {2: K2, 1: K1}
    sealed = crypto.encrypt("secret", context())
    assert sealed.startswith("v2:")
    settings.ENCRYPTION_KEYS = {1: K1}
    with pytest.raises(DecryptionError, match="v2"):
        crypto.decrypt(sealed, context())


def test_it_writes_with_the_newest_key_and_still_reads_older_ones(settings):
    old = crypto.encrypt("secret", context())
    settings.ENCRYPTION_KEYS = {2: K2, 1: K1}
    new = crypto.encrypt("secret", context())
    assert old.startswith("v1:") and new.startswith("v2:")
    assert crypto.decrypt(old, context()) == crypto.decrypt(new, context()) == "secret"
    assert crypto.needs_rewrap(old) and not crypto.needs_rewrap(new) and not crypto.needs_rewrap("")


def test_it_derives_a_different_key_per_tenant():
    one = crypto._key_for(1, context())
    other = crypto._key_for(1, context(tenant_id=uuid.uuid4()))
    assert one != other and K1 not in (one, other)


def test_it_binds_a_stores_key_to_its_row(acme, globex):
    store = StoreFactory(tenant=acme, api_key="od-secret-1")
    assert store.get_api_key() == "od-secret-1"
    assert store.api_key_last4 == "et-1"
    assert "od-secret-1" not in store.api_key_encrypted
    other = StoreFactory(tenant=acme)
    other.api_key_encrypted = store.api_key_encrypted
    with pytest.raises(DecryptionError):
        other.get_api_key()
    foreign = StoreFactory(tenant=globex)
    foreign.api_key_encrypted = store.api_key_encrypted
    with pytest.raises(DecryptionError):
        foreign.get_api_key()


def test_it_raises_decryption_error_for_a_store_whose_key_version_is_gone(acme, settings):
    settings.ENCRYPTION_KEYS = {2: K2, 1: K1}
    store = StoreFactory(tenant=acme)
    store.refresh_from_db()
    settings.ENCRYPTION_KEYS = {1: K1}
    with pytest.raises(DecryptionError):
        store.get_api_key()
    with pytest.raises(DecryptionError):
        store.credentials()
