import io

import pytest
from django.core.management import CommandError, call_command

from api_keys import core
from api_keys.models import ApiKey
from tenants.models import AuditEvent
from tests.factories import MembershipFactory, TenantFactory


def run(*args):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("create_api_key", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_it_prints_only_the_key_and_the_key_works(alice, acme, capsys):
    stdout, _ = run("--email", "alice@acme.test", "--name", "ci agent", "--scope", "read_write")
    raw = stdout.strip()
    assert stdout == raw + "\n"
    assert core.parse(raw) is not None
    actor = core.authenticate(raw)
    assert actor.tenant == acme
    assert {p.value for p in actor.permissions} == {"read", "write"}
    key = ApiKey.objects.get()
    assert key.name == "ci agent" and key.created_by == alice and key.all_stores
    assert capsys.readouterr().out == ""  # nothing leaked onto the process's own stdout


def test_it_keeps_notification_mail_off_stdout(transactional_db, alice, settings, capsys):
    # The console e-mail backend prints to stdout; the command must divert it. With real commits the
    # notification is sent while the command runs, as in production.
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.console.EmailBackend", "OPTIONS": {}}
    }
    stdout, _ = run("--email", "alice@acme.test", "--name", "n", "--scope", "read")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "API key created" in captured.err
    assert core.parse(stdout.strip()) is not None


def test_it_limits_stores_by_id_or_name_and_adds_admin(alice, acme, store_factory):
    main, backup, _other = (
        store_factory(tenant=acme, name="Main"),
        store_factory(tenant=acme, name="Backup"),
        store_factory(tenant=acme),
    )
    stdout, _ = run(
        "--email", "alice@acme.test", "--name", "n", "--scope", "read",
        "--stores", f"{main.pk}, backup", "--admin",
    )  # fmt: skip
    actor = core.authenticate(stdout.strip())
    assert actor.allowed_store_ids == frozenset({main.pk, backup.pk})
    assert "manage_stores" in {p.value for p in actor.permissions}


def test_it_names_an_unknown_store(alice, globex, store_factory):
    foreign = store_factory(tenant=globex, name="Globex main")
    for ref in ("Nowhere", str(foreign.pk), "Globex main"):
        with pytest.raises(CommandError, match=ref):
            run("--email", "alice@acme.test", "--name", "n", "--scope", "read", "--stores", ref)
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("persona", ["bob", "vera"])
def test_it_refuses_someone_who_owns_no_tenant(persona, request):
    user = request.getfixturevalue(persona)
    with pytest.raises(CommandError, match="not the owner"):
        run("--email", user.email, "--name", "n", "--scope", "read")


def test_it_refuses_an_unknown_email(db):
    with pytest.raises(CommandError, match="not the owner"):
        run("--email", "nobody@example.test", "--name", "n", "--scope", "read")


def test_it_rejects_a_bad_scope(alice):
    with pytest.raises(CommandError):
        run("--email", "alice@acme.test", "--name", "n", "--scope", "admin")


def test_it_uses_the_oldest_owned_tenant_and_says_so(alice, acme):
    later = TenantFactory(name="Later Inc")
    MembershipFactory(tenant=later, user=alice, role="owner")
    stdout, stderr = run("--email", "alice@acme.test", "--name", "n", "--scope", "read")
    assert core.authenticate(stdout.strip()).tenant == acme
    assert "owns 2 tenants" in stderr and "Acme" in stderr


def test_it_audits_with_source_cli(alice, acme):
    stdout, _ = run("--email", "ALICE@acme.test", "--name", "n", "--scope", "read")
    event = AuditEvent.objects.get(action="key.created")
    assert event.source == "cli" and event.tenant == acme and event.actor_user == alice
    assert core.parse(stdout.strip())[1] not in str(event.detail)
