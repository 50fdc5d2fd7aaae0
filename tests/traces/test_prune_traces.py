from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from operations.models import Span, Trace
from tests.traces.factories import SpanFactory, TraceFactory, hours_ago


def prune(*args):
    out = StringIO()
    call_command("prune_traces", *args, stdout=out)
    return out.getvalue()


def test_it_deletes_only_traces_older_than_asked(acme, globex):
    old = [TraceFactory(tenant=tenant, started_at=hours_ago(24 * 31)) for tenant in (acme, globex, acme)]
    for trace in old:
        SpanFactory(trace=trace, seq=1)
    recent = TraceFactory(tenant=acme, started_at=hours_ago(24 * 29))
    SpanFactory(trace=recent, seq=1)
    assert prune("--older-than", "30d", "--batch-size", "2") == "Deleted 3 traces older than 30d.\n"
    assert list(Trace.objects.all()) == [recent]
    assert list(Span.objects.values_list("trace_id", flat=True)) == [recent.pk]


def test_it_accepts_hours(acme):
    TraceFactory(tenant=acme, started_at=hours_ago(3))
    keep = TraceFactory(tenant=acme, started_at=hours_ago(1))
    assert prune("--older-than", "2h") == "Deleted 1 trace older than 2h.\n"
    assert list(Trace.objects.all()) == [keep]


def test_it_defaults_to_the_retention_setting(acme, settings):
    settings.TRACE_RETENTION_DAYS = 30  # read when the command's options are built
    TraceFactory(tenant=acme, started_at=hours_ago(24 * 40))
    assert prune().startswith("Deleted 1 trace older than")
    assert not Trace.objects.exists()


@pytest.mark.parametrize("bad", ["30", "0d", "-1d", "3w", "d"])
def test_it_rejects_an_unreadable_age(db, bad):
    with pytest.raises(CommandError, match="30d or 12h"):
        prune(f"--older-than={bad}")
