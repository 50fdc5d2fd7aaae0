"""Delete traces (and their spans) older than a retention period, in batches."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from operations.models import Span, Trace

_AGE = re.compile(r"^\s*(\d+)\s*([dh])\s*$", re.IGNORECASE)


def parse_age(text: str) -> timedelta:
    """ "30d" or "12h" as a timedelta."""
    match = _AGE.match(text or "")
    if not match or int(match.group(1)) <= 0:
        raise CommandError(f"--older-than takes a number of days or hours such as 30d or 12h, not {text!r}.")
    amount, unit = int(match.group(1)), match.group(2).lower()
    return timedelta(days=amount) if unit == "d" else timedelta(hours=amount)


def prune_traces(*, older_than: timedelta, batch_size: int = 1000) -> int:
    """Delete traces started more than `older_than` ago; returns how many. Each batch is its own
    transaction, so a large backlog never holds one long lock (SQLite) or one huge transaction."""
    cutoff = timezone.now() - older_than
    deleted = 0
    while True:
        ids = list(
            Trace.objects.filter(started_at__lt=cutoff).order_by().values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return deleted
        with transaction.atomic():
            Span.objects.filter(trace_id__in=ids).delete()
            _, per_model = Trace.objects.filter(pk__in=ids).delete()
            deleted += per_model.get(Trace._meta.label, 0)


class Command(BaseCommand):
    help = "Delete traces and their spans older than --older-than (default: TRACE_RETENTION_DAYS days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than", default=f"{settings.TRACE_RETENTION_DAYS}d", help="e.g. 30d or 12h"
        )
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, older_than: str, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        deleted = prune_traces(older_than=parse_age(older_than), batch_size=batch_size)
        self.stdout.write(f"Deleted {deleted} trace{'s' if deleted != 1 else ''} older than {older_than}.")
