"""The consent form: the API key form's scope, stores and toolsets, plus the team to connect."""

from __future__ import annotations

from django import forms

from api_keys.forms import KeyCreateForm
from api_keys.models import ApiKeyScope

# The consent page posts back to the authorization URL itself, whose query the toolkit reads along
# with the body: a prefix keeps these fields from ever meaning an OAuth parameter (scope, state, …).
PREFIX = "grant"


class ConsentForm(KeyCreateForm):
    team = forms.ChoiceField(label="Team")

    KEPT = ("team", "scope", "store_access", "store_ids", "toolsets")

    def __init__(
        self,
        *args,
        team_choices: list[tuple[str, str]],
        store_choices: list[tuple[str, str]],
        read_write_offered: bool,
        **kwargs,
    ):
        kwargs.setdefault("prefix", PREFIX)
        super().__init__(*args, store_choices=store_choices, **kwargs)
        for name in list(self.fields):
            if name not in self.KEPT:
                del self.fields[name]
        self.order_fields(self.KEPT)
        self.fields["team"].choices = team_choices
        if not read_write_offered:  # the client asked for read access only
            self.fields["scope"].choices = [
                c for c in self.fields["scope"].choices if c[0] == ApiKeyScope.READ
            ]

    def grant_arguments(self) -> dict:
        data = self.cleaned_data
        all_stores = data["store_access"] == "all"
        return {
            "scope": data["scope"],
            "all_stores": all_stores,
            "store_ids": () if all_stores else data["store_ids"],
            "toolsets": data["toolsets"],
        }
