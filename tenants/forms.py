"""Forms of the accounts pages. They validate input; the rules live in tenants.services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from kernel.errors import InvalidInput
from tenants.models import Role
from tenants.services.tenants import clean_team_name


class EmailField(forms.EmailField):
    def clean(self, value):
        return super().clean(value).strip().lower()


class LoginForm(forms.Form):
    email = EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    # No length limit here: a page's URL can be longer than the 300 characters a link keeps, and a
    # hidden field's error would refuse the sign-in. The service drops a next it cannot keep.
    next = forms.CharField(required=False, widget=forms.HiddenInput)


def _valid_organisation_name(value: str) -> None:
    try:
        clean_team_name(value, label="Organisation name")
    except InvalidInput as exc:
        raise ValidationError(exc.message, code="control_characters") from None


class SignupForm(forms.Form):
    email = EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    tenant_name = forms.CharField(
        label="Organisation name",
        required=False,
        max_length=120,
        help_text="Optional. Without it we name your team after your e-mail domain.",
        validators=[_valid_organisation_name],
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )


class InviteForm(forms.Form):
    email = EmailField(label="E-mail address", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.OPERATOR)


class SwitchTenantForm(forms.Form):
    membership = forms.UUIDField(widget=forms.HiddenInput)
