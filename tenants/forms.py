"""Forms of the accounts pages. They validate input; the rules live in tenants.services."""

from __future__ import annotations

from django import forms

from tenants.models import Role


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
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )


class InviteForm(forms.Form):
    email = EmailField(label="E-mail address", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.OPERATOR)


class SwitchTenantForm(forms.Form):
    membership = forms.UUIDField(widget=forms.HiddenInput)
