"""`manage.py rewrap_secrets`: re-encrypt every stored secret under the newest ENCRYPTION_KEYS version.

Rotation: put the new key first in ENCRYPTION_KEYS and restart (new writes use it, old versions still
decrypt), run this command, and remove the old version once it reports nothing left to rewrap and
nothing undecryptable.

* Every `EncryptedTextField` of every installed model is found through the app registry; the row's
  `tenant` foreign key supplies the tenant the ciphertext is bound to.
* Rows are read in primary-key order, in batches. Each row is written with a compare-and-set UPDATE
  (`WHERE pk = … AND field = <the ciphertext we decrypted>`), so an edit made meanwhile is never
  overwritten; it was encrypted under the newest key anyway.
* Resumable and idempotent: rows already under the newest version are skipped, so an interrupted run
  can simply be started again and a second run changes nothing.
* A row that cannot be decrypted (a lost key version, a damaged value) is counted and reported, and
  the run goes on.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from uuid import UUID

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction

from kernel import context, crypto
from tenants.audit import Action, audit
from tenants.models import AuditOutcome, Tenant

MAX_LISTED_FAILURES = 20
# "current": already under the newest key; "changed": edited by someone else between read and write.
OUTCOMES = ("rewrapped", "current", "undecryptable", "changed")


@dataclass
class FieldReport:
    label: str  # "app_label.Model.field"
    counts: Counter = field(default_factory=lambda: Counter(dict.fromkeys(OUTCOMES, 0)))
    undecryptable_rows: list[str] = field(default_factory=list)


def encrypted_fields() -> list[tuple[type[models.Model], crypto.EncryptedTextField]]:
    """Every (model, field) holding keyring ciphertexts, in a stable order."""
    found = [
        (model, model_field)
        for model in apps.get_models()
        for model_field in model._meta.concrete_fields
        if isinstance(model_field, crypto.EncryptedTextField)
    ]
    return sorted(found, key=lambda pair: (pair[0]._meta.label, pair[1].name))


def _has_tenant(model: type[models.Model]) -> bool:
    return any(
        f.name == "tenant" and f.is_relation and f.related_model is Tenant
        for f in model._meta.concrete_fields
    )


class Command(BaseCommand):
    help = "Re-encrypt every stored secret under the newest key in ENCRYPTION_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=200, help="Rows per batch (default 200).")
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")

    def handle(self, *args, **options) -> None:
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        version = crypto.newest_version()
        per_tenant: defaultdict[UUID, Counter] = defaultdict(Counter)
        reports = []
        with context.bind(context.RequestContext(source="cli")):
            for model, model_field in encrypted_fields():
                if not _has_tenant(model):
                    self.stderr.write(
                        f"{model._meta.label}.{model_field.name}: skipped, the model has no tenant foreign "
                        "key to bind its ciphertexts to."
                    )
                    continue
                report = self._rewrap(model, model_field, version, batch_size, options["dry_run"], per_tenant)
                reports.append(report)
                self._print(report, options["dry_run"])
            if not options["dry_run"]:
                self._audit(version, reports, per_tenant)
        total = sum((r.counts for r in reports), Counter())
        self.stdout.write(
            f"Newest key v{version}: {total['rewrapped']} rewrapped, {total['current']} already current, "
            f"{total['undecryptable']} undecryptable, {total['changed']} changed meanwhile."
        )

    def _rewrap(self, model, model_field, version, batch_size, dry_run, per_tenant) -> FieldReport:
        report = FieldReport(f"{model._meta.label}.{model_field.name}")
        name, current_prefix = model_field.name, f"v{version}:"
        filled = model._default_manager.exclude(**{name: ""}).exclude(**{f"{name}__isnull": True})
        report.counts["current"] = filled.filter(**{f"{name}__startswith": current_prefix}).count()
        stale = filled.exclude(**{f"{name}__startswith": current_prefix}).select_related("tenant")
        stale = stale.only("pk", name, "tenant__id", "tenant__kdf_salt").order_by("pk")
        last_pk = None
        while True:
            # Keyset pagination: undecryptable rows stay stale, so offsets would revisit them forever.
            batch = list((stale if last_pk is None else stale.filter(pk__gt=last_pk))[:batch_size])
            if not batch:
                return report
            last_pk = batch[-1].pk
            with transaction.atomic():
                for row in batch:
                    outcome = self._rewrap_row(model, name, row, dry_run)
                    report.counts[outcome] += 1
                    per_tenant[row.tenant.pk][outcome] += 1
                    if outcome == "undecryptable" and len(report.undecryptable_rows) < MAX_LISTED_FAILURES:
                        report.undecryptable_rows.append(str(row.pk))

    @staticmethod
    def _rewrap_row(model, name: str, row: models.Model, dry_run: bool) -> str:
        old = getattr(row, name)
        secret_context = crypto.secret_context(row, name, row.tenant)
        try:
            plaintext = crypto.decrypt(old, secret_context)
        except crypto.DecryptionError:
            return "undecryptable"
        if dry_run:
            return "rewrapped"
        new = crypto.encrypt(plaintext, secret_context)
        written = model._default_manager.filter(pk=row.pk, **{name: old}).update(**{name: new})
        return "rewrapped" if written else "changed"

    def _print(self, report: FieldReport, dry_run: bool) -> None:
        counts = report.counts
        verb = "would rewrap" if dry_run else "rewrapped"
        self.stdout.write(
            f"{report.label}: {verb} {counts['rewrapped']}, already current {counts['current']}, "
            f"undecryptable {counts['undecryptable']}, changed meanwhile {counts['changed']}"
        )
        if report.undecryptable_rows:
            more = counts["undecryptable"] - len(report.undecryptable_rows)
            listed = ", ".join(report.undecryptable_rows) + (f" and {more} more" if more > 0 else "")
            self.stderr.write(
                f"  {report.label}: cannot decrypt rows {listed}. Keep the key versions they need in "
                "ENCRYPTION_KEYS, or re-enter those secrets."
            )

    @staticmethod
    def _audit(version: int, reports: list[FieldReport], per_tenant: dict[UUID, Counter]) -> None:
        # A list, not a dict keyed by field name: "…api_key…" keys would be masked by the redactor.
        fields = [{"field": r.label, **dict(r.counts)} for r in reports]
        failed = any(r.counts["undecryptable"] for r in reports)
        outcome = AuditOutcome.FAILURE if failed else AuditOutcome.SUCCESS
        audit(
            Action.SECRETS_REWRAPPED,
            target_type="keyring",
            target_label=f"v{version}",
            outcome=outcome,
            detail={"keyring_version": version, "fields": fields},
        )
        # Each tenant whose secrets were touched (or could not be) sees the run in its own audit log.
        tenants = Tenant.objects.in_bulk(
            [pk for pk, c in per_tenant.items() if c["rewrapped"] or c["undecryptable"]]
        )
        for tenant_id, tenant in tenants.items():
            counts = per_tenant[tenant_id]
            audit(
                Action.SECRETS_REWRAPPED,
                tenant=tenant,
                target_type="keyring",
                target_label=f"v{version}",
                outcome=AuditOutcome.FAILURE if counts["undecryptable"] else AuditOutcome.SUCCESS,
                detail={"keyring_version": version, **{name: counts[name] for name in OUTCOMES}},
            )
