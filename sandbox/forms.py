"""Forms of the sandbox settings page."""

from __future__ import annotations

import re

from django import forms

from sandbox.models import FAULT_STEPS
from sandbox.services import FaultSettings

MAX_ORDERS = 1000


def _share(label: str) -> forms.FloatField:
    return forms.FloatField(
        label=label, min_value=0, max_value=1, initial=0, help_text="0 to 1, e.g. 0.1 for one call in ten"
    )


class _SandboxPageForm(forms.Form):
    """Both forms of the sandbox page have a `seed`: a per-form id prefix keeps each label on its own
    input (Django's default `id_seed` would repeat, and the first label would focus the wrong field)."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class FaultSettingsForm(_SandboxPageForm):
    id_prefix = "faults"

    latency_ms = forms.IntegerField(label="Added latency (ms)", min_value=0, max_value=60_000, initial=0)
    share_429 = _share("Share of 429 Too Many Requests")
    share_500 = _share("Share of 500 Internal Server Error")
    share_503 = _share("Share of 503 Service Unavailable")
    share_timeout = _share("Share of timeouts")
    timeout_seconds = forms.FloatField(
        label="Timeout length (s)", min_value=0, max_value=120, initial=20,
        help_text="How long a timed-out call waits before answering (longer than the client's read timeout).",
    )  # fmt: skip
    script = forms.CharField(
        label="Fault script",
        required=False,
        max_length=2000,
        help_text="Consumed one step per request, before the shares apply: e.g. 503, 503, ok. "
        f"Steps: {', '.join(FAULT_STEPS)}.",
    )
    seed = forms.IntegerField(
        label="Random seed for the shares", required=False, min_value=0, max_value=2**62,
        help_text="Set it to make the same calls fail every time; leave empty for true randomness.",
    )  # fmt: skip
    rate_limit_enabled = forms.BooleanField(label="Rate limit (leaky bucket)", required=False)
    bucket_capacity = forms.FloatField(label="Bucket size", min_value=1, max_value=10_000, initial=20)
    bucket_refill_rate = forms.FloatField(
        label="Refill (tokens per second)", min_value=0.01, max_value=10_000, initial=3
    )

    @classmethod
    def for_settings(cls, settings: FaultSettings, **kwargs) -> FaultSettingsForm:
        initial = {name: getattr(settings, name) for name in cls.base_fields}
        initial["script"] = ", ".join(settings.script)
        return cls(initial=initial, **kwargs)

    def clean_script(self) -> tuple[str, ...]:
        steps = tuple(step.lower() for step in re.split(r"[\s,]+", self.cleaned_data["script"]) if step)
        unknown = sorted({step for step in steps if step not in FAULT_STEPS})
        if unknown:
            raise forms.ValidationError(f"Unknown steps: {', '.join(unknown)}. Use {', '.join(FAULT_STEPS)}.")
        if len(steps) > 200:
            raise forms.ValidationError("At most 200 steps.")
        return steps

    def clean(self):
        cleaned = super().clean()
        shares = [cleaned.get(name) or 0 for name in ("share_429", "share_500", "share_503", "share_timeout")]
        if sum(shares) > 1 + 1e-9:
            raise forms.ValidationError("The shares add up to more than 1.")
        return cleaned

    def settings(self) -> FaultSettings:
        return FaultSettings(**self.cleaned_data)


class ReseedForm(_SandboxPageForm):
    id_prefix = "reseed"

    orders = forms.IntegerField(label="Orders", min_value=1, max_value=MAX_ORDERS, initial=60)
    seed = forms.IntegerField(
        label="Seed", required=False, min_value=0, max_value=2**62,
        help_text="The same seed (on the same day) gives the same data; empty keeps the current seed.",
    )  # fmt: skip


class PostbackForm(_SandboxPageForm):
    id_prefix = "postbacks"

    enabled = forms.BooleanField(label="Post each order change back", required=False)
    url = forms.URLField(
        label="Post-back URL",
        required=False,
        max_length=200,
        help_text="Empty: this store's own post-back URL. Only this app's post-back URLs are allowed.",
    )

    def clean_url(self) -> str:
        from sandbox.postbacks import allowed_url

        url = self.cleaned_data["url"].strip()
        if url and not allowed_url(url):
            raise forms.ValidationError(
                "Use one of this app's post-back URLs (…/webhooks/orderdesk/<token>/)."
            )
        return url
