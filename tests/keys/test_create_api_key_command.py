import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

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


def created(*options):
    stdout, _ = run("--email", "alice@acme.test", "--name", "n", "--scope", "read", *options)
    return ApiKey.objects.get(pk=core.parse(stdout.strip())[0])


def test_it_limits_the_toolsets(alice):
    key = created("--toolsets", "shipments, orders")
    assert key.toolsets == ["orders", "shipments"]


@pytest.mark.parametrize("toolsets", ["orders,inventory", "Orders", "orders,,nope"])
def test_it_names_an_unknown_toolset(alice, toolsets):
    bad = "inventory" if "inventory" in toolsets else ("Orders" if "Orders" in toolsets else "nope")
    with pytest.raises(CommandError, match=rf"--toolsets: Unknown toolset {bad}; choose from stores, orders"):
        created("--toolsets", toolsets)
    assert not ApiKey.objects.exists()


def test_it_sets_the_rate(alice):
    assert created("--rate", "120").calls_per_minute == 120
    assert created().calls_per_minute is None  # the server default


@pytest.mark.parametrize("rate", ["0", "-5", "10001"])
def test_it_refuses_a_rate_out_of_range(alice, rate):
    with pytest.raises(CommandError, match=r"--rate: Calls per minute must be between 1 and 10,000"):
        created("--rate", rate)
    assert not ApiKey.objects.exists()


def test_it_refuses_a_rate_that_is_not_a_number(alice):
    with pytest.raises(CommandError, match=r"--rate: give the tool calls per minute as a whole number"):
        created("--rate", "fast")


def test_it_expires_in_days_from_now(alice):
    before = timezone.now()
    key = created("--expires", "30")
    assert before + dt.timedelta(days=30) <= key.expires_at <= timezone.now() + dt.timedelta(days=30)


def test_it_expires_on_an_iso_date_at_midnight_utc(alice):
    day = timezone.now().date() + dt.timedelta(days=10)
    key = created("--expires", day.isoformat())
    assert key.expires_at == dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("expires", "message"),
    [
        ("0", "--expires: give at least 1 day"),
        ("soon", "--expires: give a number of days or an ISO date"),
        ("2030-02-30", "--expires: give a number of days or an ISO date"),
        ("2001-01-01", "--expires: The expiry must be in the future"),
    ],
)
def test_it_refuses_a_bad_expiry(alice, expires, message):
    with pytest.raises(CommandError, match=message):
        created("--expires", expires)
    assert not ApiKey.objects.exists()


def test_it_opts_into_output_schema_and_audits_it(alice):
    key = created("--output-schema")
    assert key.output_schema
    assert AuditEvent.objects.get(action="key.created").detail["output_schema"] is True
    assert not created().output_schema  # off unless asked for


def test_the_options_reach_the_actor_the_mcp_server_reads(alice):
    stdout, _ = run(
        "--email", "alice@acme.test", "--name", "n", "--scope", "read",
        "--toolsets", "products", "--rate", "7", "--expires", "3", "--output-schema",
    )  # fmt: skip
    actor = core.authenticate(stdout.strip())
    assert actor.toolsets == frozenset({"products"})
    assert actor.api_key.output_schema is True and actor.api_key.calls_per_minute == 7
