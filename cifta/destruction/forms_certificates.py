"""Forms of the certificate pages: the public verification form, the register's filters, the
withdrawal, the choice of the issuing authority, key revocation and the totals' year."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cifta.destruction.certificates_pdf import METHOD_LABELS
from cifta.destruction.models import SigningKey
from cifta.destruction.selectors_certificates import MAX_UPLOAD
from cifta.directory.models import Agency

FIRST_YEAR = 2000


class VerifyForm(forms.Form):
    number = forms.CharField(label=_("Certificate number"), max_length=64, required=False,
                             help_text=_("As printed on the certificate, for example CO-DE-2026-00001."))
    file = forms.FileField(label=_("Or the certificate file (PDF or JSON)"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is too large to be a certificate."))
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("number") or "").strip() and not data.get("file"):
            raise forms.ValidationError(_("Give a certificate number or a file."))
        return data


def _method_choices() -> list[tuple[str, Any]]:
    return [("", _("any")), *sorted(METHOD_LABELS.items(), key=lambda kv: str(kv[1]))]


class RegisterFilterForm(forms.Form):
    q = forms.CharField(label=_("Number or event"), max_length=64, required=False)
    year = forms.IntegerField(label=_("Year of destruction"), min_value=FIRST_YEAR, max_value=2100, required=False)
    method = forms.ChoiceField(label=_("Method"), required=False, choices=_method_choices)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("any")), ("in_force", _("in force")), ("withdrawn", pgettext_lazy("certificate", "withdrawn"))])


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why is the certificate withdrawn?"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class IssueForm(forms.Form):
    authority = forms.ModelChoiceField(label=_("Issuing authority"), queryset=Agency.objects.none(),
                                       help_text=_("Its signing key in force signs the certificate."))

    def __init__(self, *args: Any, authorities: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        field.queryset = Agency.objects.owned().filter(pk__in=[a.pk for a in authorities])  # type: ignore[attr-defined]
        if len(authorities) == 1:
            field.initial = authorities[0].pk


class AuthorityForm(forms.Form):
    authority = forms.ModelChoiceField(label=_("Authority"), queryset=Agency.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = (  # type: ignore[attr-defined]
            Agency.objects.owned().filter(is_active=True).order_by("name"))


class RevokeForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why is the key revoked?"), choices=SigningKey.Revocation.choices)


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=2100, required=False)
