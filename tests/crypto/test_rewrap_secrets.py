import io
import os

import pytest
from django.core.management import CommandError, call_command

from kernel import crypto
from orderdesk_admin.management.commands import rewrap_secrets
from stores.models import Store
from tenants.models import AuditEvent
from tests.factories import StoreFactory

K1, K2, K3 = os.urandom(32), os.urandom(32), os.urandom(32)
LABEL = "stores.Store.api_key_encrypted"


@pytest.fixture(autouse=True)
def keyring(settings):
    settings.ENCRYPTION_KEYS = {1: K1}
    return settings


def rewrap(*args):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("rewrap_secrets", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def versions() -> list[str]:
    return sorted(v.partition(":")[0] for v in Store.objects.values_list("api_key_encrypted", flat=True))


@pytest.fixture
def stores(acme, globex):
    made = [StoreFactory(tenant=acme, api_key=f"acme-key-{i}") for i in range(3)]
    made.append(StoreFactory(tenant=globex, api_key="globex-key"))
    return made


def test_it_finds_every_encrypted_field():
    found = {f"{model._meta.label}.{field.name}" for model, field in rewrap_secrets.encrypted_fields()}
    assert LABEL in found


def test_it_rewraps_everything_under_the_newest_key(stores, settings):
    settings.ENCRYPTION_KEYS = {2: K2, 1: K1}
    # Rotation alone breaks nothing: old ciphertexts still decrypt before the rewrap.
    assert [Store.objects.get(pk=s.pk).get_api_key() for s in stores] == [s.get_api_key() for s in stores]
    assert versions() == ["v1"] * 4

    stdout, _ = rewrap()

    assert f"{LABEL}: rewrapped 4, already current 0, undecryptable 0" in stdout
    assert versions() == ["v2"] * 4
    settings.ENCRYPTION_KEYS = {2: K2}  # the old key can now be retired
    assert sorted(s.get_api_key() for s in Store.objects.all()) == sorted(
        ["acme-key-0", "acme-key-1", "acme-key-2", "globex-key"]
    )


def test_it_changes_nothing_on_a_second_run(stores, settings):
    settings.ENCRYPTION_KEYS = {2: K2, 1: K1}
    rewrap()
    before = list(Store.objects.order_by("pk").values_list("api_key_encrypted", flat=True))
    stdout, _ = rewrap()
    assert f"{LABEL}: rewrapped 0, already current 4, undecryptable 0" in stdout
    assert list(Store.objects.order_by("pk").values_list("api_key_encrypted", flat=True)) == before


def test_it_resumes_after_a_partial_run(stores, settings):
    settings.ENCRYPTION_KEYS = {2: K2, 1: K1}
    first = stores[0]
    first.set_api_key("acme-key-0")  # this row was already rewrapped by an interrupted run
    first.save()
    stdout, _ = rewrap("--batch-size", "1")
    assert f"{LABEL}: rewrapped 3, already current 1" in stdout
    assert versions() == ["v2"] * 4


def test_it_handles_several_old_versions(acme, settings):
    StoreFactory(tenant=acme, api_key="one")
    settings.ENCRYPTION_KEYS = {2: K2, 1: K1}
    StoreFactory(tenant=acme, api_key="two")
    settings.ENCRYPTION_KEYS = {3: K3, 2: K2, 1: K1}
    stdout, _ = rewrap()
    assert f"{LABEL}: rewrapped 2, already current 0" in stdout
    assert versions() == ["v3", "v3"]


def test_it_reports_undecryptable_rows_and_carries_on(stores, settings):
    victim = stores[1]
    Store.objects.filter(pk=victim.pk).update(api_key_encrypted=stores[0].api_key_encrypted)  # copied
    settings.ENCRYPTION_KEYS = {2: K2, 1: K1}
    stdout, stderr = rewrap()
    assert f"{LABEL}: rewrapped 3, already current 0, undecryptable 1" in stdout
    assert str(victim.pk) in stderr and "cannot decrypt" in stderr
    assert Store.objects.get(pk=victim.pk).api_key_encrypted.startswith("v1:")  # left as it was
    stdout, _ = rewrap()
    assert f"{LABEL}: rewrapped 0, already current 3, undecryptable 1" in stdout


def test_it_reports_rows_whose_key_version_is_gone(stores, settings):
    settings.ENCRYPTION_KEYS = {2: K2}
    stdout, _ = rewrap()
    assert f"{LABEL}: rewrapped 0, already current 0, undecryptable 4" in stdout


def test_it_never_overwrites_a_concurrent_edit(stores, settings, monkeypatch):
    settings.ENCRYPTION_KEYS = {2: K2, 1: K1}
    target = stores[2]
    real_decrypt = crypto.decrypt

    def decrypt_while_someone_edits(ciphertext, context):
        plaintext = real_decrypt(ciphertext, context)
        if context.row == str(target.pk):
            edited = Store.objects.get(pk=target.pk)
            edited.set_api_key("edited-meanwhile")
            edited.save()
        return plaintext

    monkeypatch.setattr(crypto, "decrypt", decrypt_while_someone_edits)
    stdout, _ = rewrap()
    assert f"{LABEL}: rewrapped 3, already current 0, undecryptable 0, changed meanwhile 1" in stdout
    assert Store.objects.get(pk=target.pk).get_api_key() == "edited-meanwhile"


def test_it_writes_nothing_on_a_dry_run(stores, settings):
    settings.ENCRYPTION_KEYS = {2: K2, 1: K1}
    stdout, _ = rewrap("--dry-run")
    assert f"{LABEL}: would rewrap 4" in stdout
    assert versions() == ["v1"] * 4
    assert not AuditEvent.objects.filter(action="secrets.rewrapped").exists()


def test_it_audits_the_run_from_the_cli(stores, acme, globex, settings):
    settings.ENCRYPTION_KEYS = {2: K2, 1: K1}
    rewrap()
    events = AuditEvent.objects.filter(action="secrets.rewrapped")
    assert {e.source for e in events} == {"cli"}
    summary = events.get(tenant=None)
    assert summary.detail["keyring_version"] == 2
    assert {"field": LABEL, "rewrapped": 4, "current": 0, "undecryptable": 0, "changed": 0} in summary.detail[
        "fields"
    ]
    assert events.get(tenant=acme).detail["rewrapped"] == 3
    assert events.get(tenant=globex).detail["rewrapped"] == 1
    assert "acme-key" not in str([e.detail for e in events])


def test_it_rejects_a_zero_batch_size(db):
    with pytest.raises(CommandError, match="batch-size"):
        rewrap("--batch-size", "0")
