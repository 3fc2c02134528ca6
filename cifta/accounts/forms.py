from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from cifta.core.permissions import Role
from cifta.directory.models import Agency


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("Username"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class PasswordLinkForm(PasswordResetForm):
    """Sends the link that sets a password. Unlike Django's form it also reaches active users
    with no usable password yet: accounts created by an administrator start that way and are
    completed through this very link. With ``only`` it writes to that one user."""

    def __init__(self, *args: Any, only: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.only = only

    def get_users(self, email: str) -> Any:
        if self.only is not None:
            return [self.only] if self.only.is_active and self.only.email else []
        model = get_user_model()
        email_field = model.get_email_field_name()
        users = model._default_manager.filter(**{f"{email_field}__iexact": email, "is_active": True})
        return [u for u in users if _same_address(str(getattr(u, email_field)), email)]


def _same_address(a: str, b: str) -> bool:
    """Case-insensitive comparison as Django's reset form makes it (no Unicode look-alikes)."""
    return unicodedata.normalize("NFKC", a).casefold() == unicodedata.normalize("NFKC", b).casefold()


class TotpForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code from your authenticator app"), min_length=6, max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("The code is made of digits only."))
        return token


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. 'import script'."))
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=366, initial=90)


class NewUserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), help_text=_("The user sets a password from a link sent here."))
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args: Any, secretariat: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Choices are built per request, inside the scope: only one's own agencies appear.
        self.fields["agency"].queryset = Agency.objects.owned().filter(is_active=True)  # type: ignore[attr-defined]
        from cifta.core.permissions import NATIONAL_ROLES, SECRETARIAT_ROLES

        allowed = SECRETARIAT_ROLES if secretariat else NATIONAL_ROLES
        self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in allowed]  # type: ignore[attr-defined]


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    is_active = forms.BooleanField(label=_("Active"), required=False)
