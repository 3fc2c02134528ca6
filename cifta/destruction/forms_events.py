"""Forms of the destruction event pages. They only collect input: the services check it and
name the field they refuse. Choices of records are built per request from the caller's own
records (``owned()``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cifta.destruction.models import (
    AMMUNITION_METHODS,
    WEAPON_METHODS,
    DestructionEvent,
    DestructionItem,
    DestructionPhoto,
    Method,
    Witness,
)
from cifta.directory.models import Agency
from cifta.stockpile.models import AmmunitionLot, Storehouse

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXT = forms.Textarea(attrs={"rows": 3})
LABELS = dict(Method.choices)
WEAPON_CHOICES = [("", "—"), *((m.value, LABELS[m.value]) for m in WEAPON_METHODS)]
AMMUNITION_CHOICES = [("", "—"), *((m.value, LABELS[m.value]) for m in AMMUNITION_METHODS)]
MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    legal_order = forms.CharField(label=_("Legal order"), max_length=200,
                                  help_text=_("The decision or court order that authorises the destruction."))
    planned_on = forms.DateField(label=_("Planned on"), widget=DATE)
    site_name = forms.CharField(label=_("Site"), max_length=200)
    site_address = forms.CharField(label=_("Address"), max_length=250, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, required=False)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6, required=False)
    responsible_officer = forms.CharField(label=_("Responsible officer"), max_length=150)
    weapon_method = forms.ChoiceField(label=_("Method for weapons"), choices=WEAPON_CHOICES, required=False)
    ammunition_method = forms.ChoiceField(label=_("Method for ammunition"), choices=AMMUNITION_CHOICES,
                                          required=False)

    @staticmethod
    def initial_of(event: DestructionEvent) -> dict[str, Any]:
        return {name: getattr(event, name) for name in EventForm.base_fields}


class EventFilterForm(forms.Form):
    q = forms.CharField(label=_("Reference, title or site"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("any")), *DestructionEvent.Status.choices])
    year = forms.IntegerField(label=_("Year planned"), required=False, min_value=1900, max_value=2200)


class FirearmsForm(forms.Form):
    """Firearms picked from the candidates (public ids) or serials pasted or uploaded."""

    firearms = forms.MultipleChoiceField(label=_("Candidates from the registry"), required=False,
                                         widget=forms.CheckboxSelectMultiple)
    serials = forms.CharField(label=_("Serials"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("One serial a line (or separated by commas)."))
    serials_file = forms.FileField(label=_("Or a file of serials"), required=False,
                                   help_text=_("A text or CSV file, one serial a line."))

    def __init__(self, *args: Any, choices: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["firearms"].choices = choices or []  # type: ignore[attr-defined]

    def clean_serials_file(self) -> str:
        upload = self.cleaned_data.get("serials_file")
        if not upload:
            return ""
        if upload.size > 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        try:
            return str(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from exc


class LotForm(forms.Form):
    lot = forms.ModelChoiceField(label=_("Ammunition lot"), queryset=AmmunitionLot.objects.none(),
                                 to_field_name="public_id")
    storehouse = forms.ModelChoiceField(label=_("Taken from"), queryset=Storehouse.objects.none(),
                                        to_field_name="public_id")
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = AmmunitionLot.objects.owned().order_by("nature", "lot_number")  # type: ignore[attr-defined]
        self.fields["storehouse"].queryset = (Storehouse.objects.owned().select_related("facility")  # type: ignore[attr-defined]
                                              .order_by("facility__name", "name"))
        self.fields["storehouse"].label_from_instance = lambda s: f"{s.facility.name} / {s.name}"  # type: ignore[attr-defined]


class WitnessForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Witness.Role.choices, initial=Witness.Role.WITNESS)
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    position = forms.CharField(label=pgettext_lazy("job", "Position"), max_length=150, required=False)
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none(), required=False,
                                    to_field_name="public_id", help_text=_("Required for a witness."))
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False,
                                   help_text=_("For an observer: the international organisation."))
    independent = forms.BooleanField(label=_("Independent of the holding agency"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.owned().filter(is_active=True).order_by("name")  # type: ignore[attr-defined]


class PhotoForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=DestructionPhoto.Stage.choices)
    image = forms.FileField(label=_("Photo"), help_text=_("JPEG, PNG, GIF or WebP, at most 10 MB."))
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)
    item = forms.ModelChoiceField(label=_("Item shown"), queryset=DestructionItem.objects.none(), required=False,
                                  to_field_name="public_id")

    def __init__(self, *args: Any, event: DestructionEvent | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if event is not None:
            self.fields["item"].queryset = DestructionItem.objects.owned().filter(event=event)  # type: ignore[attr-defined]


class CustodyForm(forms.Form):
    at = forms.DateTimeField(label=_("At"), widget=MOMENT, input_formats=MOMENT_FORMATS)
    from_place = forms.CharField(label=_("From"), max_length=200)
    to_place = forms.CharField(label=_("To"), max_length=200)
    handed_by = forms.CharField(label=_("Handed over by"), max_length=150)
    received_by = forms.CharField(label=_("Received by"), max_length=150)
    seal_numbers = forms.CharField(label=_("Seal numbers"), max_length=500, required=False,
                                   help_text=_("Separated by commas or spaces."))


class PolicyForm(forms.Form):
    min_witnesses = forms.IntegerField(label=_("Witnesses required"), min_value=1, max_value=50)
    min_agencies = forms.IntegerField(label=_("From at least this many agencies"), min_value=1, max_value=50)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=4000, widget=TEXT)


class ExecuteForm(forms.Form):
    """The check-off: one choice (and a reason when returned) per item still listed."""

    started_at = forms.DateTimeField(label=_("Started at"), widget=MOMENT, input_formats=MOMENT_FORMATS)
    ended_at = forms.DateTimeField(label=_("Ended at"), widget=MOMENT, input_formats=MOMENT_FORMATS)
    scrap_disposition = forms.CharField(label=_("Scrap disposition"), required=False, max_length=4000, widget=TEXT,
                                        help_text=_("Where the scrap went: foundry, weight, receipt."))

    OUTCOMES = [("destroyed", _("destroyed")), ("returned", _("returned"))]

    def __init__(self, *args: Any, items: list[DestructionItem] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"started_at": timezone.localtime().replace(second=0, microsecond=0),
                                      "ended_at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)
        self.items = [i for i in (items or []) if i.status == DestructionItem.Status.LISTED]
        for item in self.items:
            self.fields[f"outcome_{item.public_id}"] = forms.ChoiceField(
                label=str(item), choices=self.OUTCOMES, initial="destroyed", widget=forms.RadioSelect)
            self.fields[f"reason_{item.public_id}"] = forms.CharField(label=_("Why returned"), max_length=300,
                                                                      required=False)

    def rows(self) -> list[dict[str, Any]]:
        return [{"item": i, "outcome": self[f"outcome_{i.public_id}"], "reason": self[f"reason_{i.public_id}"]}
                for i in self.items]

    def outcomes(self) -> dict[str, dict[str, str]]:
        return {str(i.public_id): {"status": self.cleaned_data[f"outcome_{i.public_id}"],
                                   "reason": self.cleaned_data.get(f"reason_{i.public_id}", "")}
                for i in self.items}
