"""Forms of the registry pages. The registration form only collects text: it builds a row of
``drafts.FIELDS`` and ``drafts.draft_from_row`` checks it, the same path as the API and a file
row, so a refusal reads the same everywhere. Foreign-key choices are set per request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cifta.directory.models import Agency
from cifta.reference.models import FirearmType, PartType
from cifta.registry import selectors
from cifta.registry.drafts import FIELDS, MarkingDraft
from cifta.registry.engines.lifecycle import NEW, RULES, Event
from cifta.registry.models import CivilianHolder, Firearm, Marking, SerialRange

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YEAR = forms.NumberInput(attrs={"min": 1800, "inputmode": "numeric"})
COUNTRY = forms.TextInput(attrs={"size": 3, "maxlength": 2, "autocapitalize": "characters"})

# The order a record's first events are offered in.
FIRST_EVENT_ORDER = (Event.REGISTERED, Event.MANUFACTURED, Event.IMPORTED, Event.SEIZED)
# Events an officer records on an existing firearm: those that can follow a first event, except
# 'marked', which the marking form records with the marking itself.
LATER_EVENTS = tuple(e for e in Event if RULES[e].allowed_from != frozenset({NEW}) and e is not Event.MARKED)


def _agency_field(required: bool = False, label: Any = None) -> forms.ModelChoiceField:  # type: ignore[type-arg]
    return forms.ModelChoiceField(queryset=Agency.objects.none(), required=required, to_field_name="public_id",
                                  label=label or _("Agency"))


def _own_agencies() -> Any:
    return Agency.objects.owned().filter(is_active=True)


def _holder_label(holder: CivilianHolder) -> str:
    # Only forms for roles that may see personal data offer holders; the record's own name
    # (used in logs and history) carries none.
    return f"{holder.full_name} · {holder.licence_number or holder.id_document or '-'}"


def _own_holders() -> Any:
    return CivilianHolder.objects.owned()


class FirearmRegistrationForm(forms.Form):
    """A new firearm record. Field names are those of ``drafts.FIELDS`` (plus the optional holder)."""

    type = forms.ChoiceField(label=_("Type"))
    make = forms.CharField(label=_("Make"), required=False, max_length=150,
                           help_text=_("As marked on the firearm; names, brands and importers are matched to the "
                                       "reference list of manufacturers."),
                           widget=forms.TextInput(attrs={"list": "makers"}))
    model = forms.CharField(label=_("Model"), required=False, max_length=120)
    calibre = forms.CharField(label=_("Calibre"), required=False, max_length=80,
                              help_text=_("Any usual name: 9mm Luger, 9x19 and 9 mm Parabellum are the same calibre."),
                              widget=forms.TextInput(attrs={"list": "calibres"}))
    serial = forms.CharField(label=_("Serial on the frame"), required=False, max_length=60,
                             help_text=_("The frame or receiver serial, as read. Give the receiver below if the "
                                         "frame has none."))
    serial_receiver = forms.CharField(label=_("Serial on the receiver"), required=False, max_length=60)
    serial_slide = forms.CharField(label=_("Serial on the slide"), required=False, max_length=60)
    serial_barrel = forms.CharField(label=_("Serial on the barrel"), required=False, max_length=60)
    serial_bolt = forms.CharField(label=_("Serial on the bolt"), required=False, max_length=60)
    serial_cylinder = forms.CharField(label=_("Serial on the cylinder"), required=False, max_length=60)
    country_of_manufacture = forms.CharField(label=_("Country of manufacture"), required=False, max_length=2,
                                             help_text=_("Two-letter ISO code, such as AT or BR."), widget=COUNTRY)
    year_of_manufacture = forms.CharField(label=_("Year of manufacture"), required=False, max_length=4, widget=YEAR)
    event = forms.ChoiceField(label=_("First event"),
                              choices=[(e.value, selectors.EVENT_LABELS[e]) for e in FIRST_EVENT_ORDER])
    event_date = forms.DateField(label=_("Date of the first event"), required=False, widget=DATE,
                                 help_text=_("Today when left empty."))
    holding_agency = _agency_field(label=_("Holding agency"))
    storage_location = forms.CharField(label=_("Storage location"), required=False, max_length=200)
    source = forms.ChoiceField(label=_("Record source"), choices=Firearm.Source.choices, initial=Firearm.Source.OTHER)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    manufacture_mark = forms.CharField(label=_("Manufacture marking"), required=False, max_length=200,
                                       help_text=_("The text of the maker's marking, as read."))
    import_mark = forms.CharField(label=_("Import marking"), required=False, max_length=200)
    importer_name = forms.CharField(label=_("Importer name"), required=False, max_length=150)
    importer_address = forms.CharField(label=_("Importer address"), required=False, max_length=250)
    import_country = forms.CharField(label=_("Country of import"), required=False, max_length=2, widget=COUNTRY)
    import_year = forms.CharField(label=_("Year of import"), required=False, max_length=4, widget=YEAR)
    civilian_holder = forms.ModelChoiceField(queryset=CivilianHolder.objects.none(), required=False,
                                             to_field_name="public_id", label=_("Licensed civilian holder"),
                                             help_text=_("Optional: a holder already on record."))
    holder_full_name = forms.CharField(label=_("New holder: full name"), required=False, max_length=150)
    holder_id_document = forms.CharField(label=_("New holder: identity document"), required=False, max_length=60)
    holder_licence_number = forms.CharField(label=_("New holder: licence number"), required=False, max_length=60)

    GROUPS = (
        (_("The firearm"), ("type", "make", "model", "calibre", "country_of_manufacture", "year_of_manufacture")),
        (_("Serial numbers"), ("serial", "serial_receiver", "serial_slide", "serial_barrel", "serial_bolt",
                               "serial_cylinder")),
        (_("First event and custody"), ("event", "event_date", "holding_agency", "storage_location", "source",
                                         "notes")),
        (_("Markings"), ("manufacture_mark", "import_mark", "importer_name", "importer_address", "import_country",
                         "import_year")),
        (_("Licensed civilian holder"), ("civilian_holder", "holder_full_name", "holder_id_document",
                                         "holder_licence_number")),
    )
    HOLDER_FIELDS = ("civilian_holder", "holder_full_name", "holder_id_document", "holder_licence_number")

    def __init__(self, *args: Any, personal_data: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "---------")] + [  # type: ignore[attr-defined]
            (t.code, t.label) for t in FirearmType.objects.all()
        ]
        self.fields["holding_agency"].queryset = _own_agencies()  # type: ignore[attr-defined]
        if personal_data:
            self.fields["civilian_holder"].queryset = _own_holders()  # type: ignore[attr-defined]
            self.fields["civilian_holder"].label_from_instance = _holder_label  # type: ignore[attr-defined]
        else:
            for name in self.HOLDER_FIELDS:
                del self.fields[name]

    def groups(self) -> list[tuple[Any, list[Any]]]:
        return [(legend, [self[n] for n in names if n in self.fields]) for legend, names in self.GROUPS
                if any(n in self.fields for n in names)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("civilian_holder") and data.get("holder_full_name"):
            self.add_error("holder_full_name", _("Choose a holder on record or name a new one, not both."))
        return data

    def row(self) -> dict[str, Any]:
        """The cleaned input as a row of ``drafts.FIELDS``."""
        data = self.cleaned_data
        row: dict[str, Any] = {name: data.get(name) or "" for name in FIELDS}
        agency = data.get("holding_agency")
        row["holding_agency"] = str(agency.public_id) if agency else ""
        row["event_date"] = data.get("event_date") or ""
        return row

    def holder(self) -> dict[str, Any] | None:
        if "civilian_holder" not in self.fields:
            return None
        data = self.cleaned_data
        if data.get("civilian_holder"):
            return {"instance": data["civilian_holder"]}
        if data.get("holder_full_name"):
            return {"full_name": data["holder_full_name"], "id_document": data.get("holder_id_document", ""),
                    "licence_number": data.get("holder_licence_number", "")}
        return None


class FirearmEditForm(forms.Form):
    """Corrections of descriptive fields (``services.update_firearm``). Status, holder and
    serials change only through events."""

    type = forms.ChoiceField(label=_("Type"))
    make = forms.CharField(label=_("Make"), required=False, max_length=150,
                           widget=forms.TextInput(attrs={"list": "makers"}))
    model = forms.CharField(label=_("Model"), required=False, max_length=120)
    calibre = forms.CharField(label=_("Calibre"), required=False, max_length=80,
                              widget=forms.TextInput(attrs={"list": "calibres"}))
    country_of_manufacture = forms.CharField(label=_("Country of manufacture"), required=False, max_length=2,
                                             widget=COUNTRY)
    year_of_manufacture = forms.CharField(label=_("Year of manufacture"), required=False, max_length=4, widget=YEAR)
    storage_location = forms.CharField(label=_("Storage location"), required=False, max_length=200)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, firearm: Firearm, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {
            "type": firearm.type.code, "make": firearm.make_as_read or (firearm.manufacturer.name
                                                                        if firearm.manufacturer else ""),
            "model": firearm.model_as_read or (firearm.model.name if firearm.model else ""),
            "calibre": firearm.calibre_as_read or (firearm.calibre.designation if firearm.calibre else ""),
            "country_of_manufacture": firearm.country_of_manufacture,
            "year_of_manufacture": firearm.year_of_manufacture or "",
            "storage_location": firearm.storage_location, "notes": firearm.notes,
        })
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [(t.code, t.label) for t in FirearmType.objects.all()]  # type: ignore[attr-defined]

    def changes(self) -> dict[str, Any]:
        """Only the fields the officer changed, as text for ``selectors.resolve_descriptive``."""
        return {name: self.cleaned_data.get(name) for name in self.changed_data}


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Event"), choices=[(e.value, selectors.EVENT_LABELS[e]) for e in LATER_EVENTS])
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    agency = _agency_field(label=_("Agency"))
    civilian_holder = forms.ModelChoiceField(queryset=CivilianHolder.objects.none(), required=False,
                                             to_field_name="public_id", label=_("Licensed civilian holder"))
    counterpart_country = forms.CharField(label=_("Other country"), required=False, max_length=2, widget=COUNTRY,
                                          help_text=_("Country of export or import (two-letter ISO code)."))
    reference = forms.CharField(label=_("Reference"), required=False, max_length=100,
                                help_text=_("Case, permit or report number."))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, personal_data: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"occurred_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _own_agencies()  # type: ignore[attr-defined]
        if personal_data:
            self.fields["civilian_holder"].queryset = _own_holders()  # type: ignore[attr-defined]
            self.fields["civilian_holder"].label_from_instance = _holder_label  # type: ignore[attr-defined]
        else:
            del self.fields["civilian_holder"]

    def clean_counterpart_country(self) -> str:
        return _country(self.cleaned_data.get("counterpart_country"), "counterpart_country")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("agency") and data.get("civilian_holder"):
            self.add_error("civilian_holder", _("Choose an agency or a licensed holder, not both."))
        return data


class MarkingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of marking"), choices=Marking.Kind.choices)
    text = forms.CharField(label=_("Text as read"), max_length=200)
    component = forms.ModelChoiceField(queryset=PartType.objects.none(), required=False, to_field_name="code",
                                       label=_("Component"))
    location = forms.CharField(label=_("Location on the weapon"), required=False, max_length=120)
    method = forms.ChoiceField(label=_("Method"), required=False, choices=[("", "---------"), *Marking.Method.choices])
    country_code = forms.CharField(label=_("Country"), required=False, max_length=2, widget=COUNTRY)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1800, widget=YEAR)
    importer_name = forms.CharField(label=_("Importer name"), required=False, max_length=150)
    importer_address = forms.CharField(label=_("Importer address"), required=False, max_length=250)
    import_country = forms.CharField(label=_("Country of import"), required=False, max_length=2, widget=COUNTRY)
    import_year = forms.IntegerField(label=_("Year of import"), required=False, min_value=1800, widget=YEAR)
    occurred_on = forms.DateField(label=_("Date marked"), required=False, widget=DATE,
                                  help_text=_("Today when left empty."))
    agency = _agency_field(label=_("Agency that marked it"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["component"].queryset = PartType.objects.all()  # type: ignore[attr-defined]
        self.fields["agency"].queryset = _own_agencies()  # type: ignore[attr-defined]

    def clean_year(self) -> int | None:
        return _not_future(self.cleaned_data.get("year"))

    def clean_import_year(self) -> int | None:
        return _not_future(self.cleaned_data.get("import_year"))

    def clean_country_code(self) -> str:
        return _country(self.cleaned_data.get("country_code"), "country_code")

    def clean_import_country(self) -> str:
        return _country(self.cleaned_data.get("import_country"), "import_country")

    def draft(self) -> MarkingDraft:
        d = self.cleaned_data
        component = d.get("component")
        return MarkingDraft(
            kind=d["kind"], text=d["text"].strip(), component_id=component.pk if component else None,
            location=d.get("location", ""), method=d.get("method", ""), country_code=d.get("country_code", ""),
            year=d.get("year"), importer_name=d.get("importer_name", ""),
            importer_address=d.get("importer_address", ""), import_country=d.get("import_country", ""),
            import_year=d.get("import_year"),
        )


class PhotoForm(forms.Form):
    image = forms.FileField(label=_("Photo"), help_text=_("JPEG, PNG or WebP, at most 10 MB."),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
    caption = forms.CharField(label=_("Caption"), required=False, max_length=200)


class StateMarkingForm(forms.Form):
    year = forms.IntegerField(label=_("Year in the marking"), required=False, min_value=2000, widget=YEAR,
                              help_text=_("This year when left empty."))

    def clean_year(self) -> int | None:
        return _not_future(self.cleaned_data.get("year"))


class SerialLookupForm(forms.Form):
    serial = forms.CharField(label=_("Serial number"), max_length=60,
                             help_text=_("As read, with any separators or case; every component is searched."))
    case_reference = forms.CharField(label=_("Case reference"), max_length=100,
                                     help_text=_("Why you search: a case, investigation or request number. It is "
                                                 "recorded in the audit log."))


class SerialSearchForm(forms.Form):
    q = forms.CharField(label=_("Serial as it can be read"), max_length=100, help_text=_(
        "? for one unknown character, * for any run, [38] for a position that is one of 3 or 8. Separators and "
        "case do not count; look-alikes (0/O, 1/I, 8/B…) are tried."))
    case_reference = forms.CharField(label=_("Case reference"), max_length=100,
                                     help_text=_("Why you search: a case, investigation or request number. It is "
                                                 "recorded in the audit log."))
    make = forms.CharField(label=_("Make"), required=False, max_length=150,
                           help_text=_("Any name or alias; records of unknown make are kept."))
    model = forms.CharField(label=_("Model"), required=False, max_length=120)
    calibre = forms.CharField(label=_("Calibre"), required=False, max_length=80,
                              help_text=_("Any name or alias, e.g. 9 mm Luger."))
    type = forms.CharField(label=_("Type"), required=False, max_length=80)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[])
    max_edits = forms.ChoiceField(label=_("Edits allowed"), required=False, choices=[
        ("", _("as the length allows")), ("0", _("none")), ("1", _("one")), ("2", _("two"))])
    ignore_embedded_letters = forms.BooleanField(label=_("Ignore letters between digits (NCIC rule)"),
                                                 required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from cifta.registry.selectors import STATUS_LABELS

        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("", _("any")), *[(str(k), v) for k, v in STATUS_LABELS.items()]]


class HolderForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    id_document = forms.CharField(label=_("Identity document"), required=False, max_length=60)
    licence_number = forms.CharField(label=_("Licence number"), required=False, max_length=60)


class SerialRangeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Listed on"), choices=SerialRange.Kind.choices)
    reference = forms.CharField(label=_("Document reference"), max_length=100,
                                help_text=_("The licence or consignment number."))
    first_serial = forms.CharField(label=_("First serial"), max_length=60)
    last_serial = forms.CharField(label=_("Last serial"), max_length=60,
                                  help_text=_("The two serials differ only in their running number, e.g. "
                                              "BER000100 and BER000250."))
    manufacturer = forms.CharField(label=_("Make"), required=False, max_length=100)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


def _country(value: Any, field: str) -> str:
    from cifta.core.errors import ServiceError

    try:
        return selectors.country_code(value, field)
    except ServiceError as exc:
        raise forms.ValidationError(str(exc)) from exc


def _not_future(value: int | None) -> int | None:
    if value and value > timezone.localdate().year:
        raise forms.ValidationError(_("The year is in the future."))
    return value
