"""Forms of the tracing pages. They only collect input: the services check it (and name the field
they refuse), so a refusal reads the same on a page and in the API. Choices are set per request."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cifta.directory.models import Country
from cifta.reference.models import PartType
from cifta.tracing import services
from cifta.tracing.models import TraceAnswer, TraceRequest

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COUNTRY = forms.TextInput(attrs={"size": 3, "maxlength": 2, "autocapitalize": "characters"})
TEXT = forms.Textarea(attrs={"rows": 3})
MARKING_ROWS = 6  # rows offered on a blank form; a record with more markings gets more rows

# Labels of the values that go out in an answer, in services.DISCLOSABLE's order.
DISCLOSABLE_LABELS = {
    "serial": _("Serial number"),
    "make": _("Make"),
    "model": _("Model"),
    "type": _("Type"),
    "calibre": _("Calibre"),
    "country_of_manufacture": _("Country of manufacture"),
    "year_of_manufacture": _("Year of manufacture"),
    "status": _("Status in the register"),
    "holding_agency": _("Holding agency"),
}
OUTCOME_LABELS = {
    "found": _("found: the record is identified"),
    "partial": _("partly traced"),
    "not_found": _("not found"),
}


def _component_choices() -> list[tuple[str, str]]:
    return [("", _("not stated"))] + [(p.code, p.label) for p in PartType.objects.all()]


class MarkingRowsForm(forms.Form):
    """A form with numbered rows for the markings read: component, serial, other markings."""

    marking_errors: list[str]

    def add_marking_rows(self, markings: Iterable[Any] = ()) -> None:
        self.marking_errors = []
        given = [m if isinstance(m, dict) else {"component": m.component, "serial": m.serial, "text": m.text}
                 for m in markings]
        rows = min(max(MARKING_ROWS, len(given)), services.MAX_MARKINGS)
        self.marking_row_count = rows
        choices = _component_choices()
        for n in range(1, rows + 1):
            self.fields[f"marking_{n}_component"] = forms.ChoiceField(
                label=_("Component of marking %(n)s") % {"n": n}, required=False, choices=choices)
            self.fields[f"marking_{n}_serial"] = forms.CharField(
                label=_("Serial of marking %(n)s, as read") % {"n": n}, required=False, max_length=60)
            self.fields[f"marking_{n}_text"] = forms.CharField(
                label=_("Other markings of marking %(n)s, as read") % {"n": n}, required=False, max_length=300)
        for n, m in enumerate(given[:rows], 1):
            self.initial.setdefault(f"marking_{n}_component", m.get("component", ""))
            self.initial.setdefault(f"marking_{n}_serial", m.get("serial", ""))
            self.initial.setdefault(f"marking_{n}_text", m.get("text", ""))

    def marking_rows(self) -> list[tuple[int, Any, Any, Any]]:
        return [(n, self[f"marking_{n}_component"], self[f"marking_{n}_serial"], self[f"marking_{n}_text"])
                for n in range(1, self.marking_row_count + 1)]

    def markings(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        rows = [{"component": data.get(f"marking_{n}_component") or "", "serial": data.get(f"marking_{n}_serial", ""),
                 "text": data.get(f"marking_{n}_text", "")} for n in range(1, self.marking_row_count + 1)]
        return [r for r in rows if r["serial"].strip() or r["text"].strip()]

    def refused(self) -> bool:
        return bool(self.errors or self.marking_errors)

    def values(self, names: Iterable[str]) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in names}


class CaseForm(MarkingRowsForm):
    """A domestic trace case (``services.open_case``)."""

    case_reference = forms.CharField(label=_("Case reference"), max_length=100,
                                     help_text=_("The police or judicial case the firearm belongs to."))
    illicit_reason = forms.CharField(label=_("Why the firearm is illicit"), max_length=2000, widget=TEXT)
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=300,
                                  help_text=_("The law or order under which the firearm was seized or found."))
    recovered_on = forms.DateField(label=_("Recovered on"), widget=DATE)
    recovered_place = forms.CharField(label=_("Where recovered"), max_length=200)
    circumstances = forms.CharField(label=_("Circumstances of the recovery"), required=False, max_length=4000,
                                    widget=TEXT)
    make = forms.CharField(label=_("Make"), required=False, max_length=150,
                           widget=forms.TextInput(attrs={"list": "makers"}))
    model_name = forms.CharField(label=_("Model"), required=False, max_length=120)
    firearm_type = forms.CharField(label=_("Type"), required=False, max_length=80)
    calibre = forms.CharField(label=_("Calibre"), required=False, max_length=80,
                              widget=forms.TextInput(attrs={"list": "calibres"}))
    country_of_manufacture = forms.CharField(label=_("Country of manufacture"), required=False, max_length=2,
                                             widget=COUNTRY, help_text=_("Two-letter ISO code, such as AT or BR."))
    country_of_last_import = forms.CharField(label=_("Country of last import"), required=False, max_length=2,
                                             widget=COUNTRY)

    CASE_FIELDS = ("case_reference", "illicit_reason", "legal_basis", "recovered_on", "recovered_place")
    FIREARM_FIELDS = ("make", "model_name", "firearm_type", "calibre", "country_of_manufacture",
                      "country_of_last_import")

    def __init__(self, *args: Any, markings: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_marking_rows(markings)

    def groups(self) -> list[tuple[Any, list[Any]]]:
        return [(_("The case"), [self[n] for n in (*self.CASE_FIELDS, "circumstances")]),
                (_("The firearm as recovered"), [self[n] for n in self.FIREARM_FIELDS])]

    def case_fields(self) -> dict[str, Any]:
        values = self.values((*self.CASE_FIELDS, "circumstances", *self.FIREARM_FIELDS))
        return {k: ("" if v is None and k != "recovered_on" else v) for k, v in values.items()}


class RequestForm(MarkingRowsForm):
    """An international trace request (``services.draft_request``)."""

    requested_country = forms.ChoiceField(label=_("Requested State"), help_text=_(
        "The State of manufacture or of last import, which keeps the records that can trace the firearm."))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=TraceRequest.Urgency.choices,
                                initial=TraceRequest.Urgency.ROUTINE)
    case_reference = forms.CharField(label=_("Case reference"), max_length=100)
    intended_use = forms.CharField(label=_("Intended use of the information"), max_length=2000, widget=TEXT,
                                   help_text=_("The requested State is told what its answer will be used for."))
    use_limits = forms.CharField(label=_("Limits on use and disclosure"), required=False, max_length=2000,
                                 widget=TEXT)
    answer_wanted_by = forms.DateTimeField(label=_("Answer wanted by"), required=False, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"), help_text=_(
            "Leave blank for the requested State's own deadline."))
    illicit_reason = forms.CharField(label=_("Why the firearm is illicit"), max_length=2000, widget=TEXT)
    legal_basis = forms.CharField(label=_("Legal basis"), required=False, max_length=300)
    recovered_on = forms.DateField(label=_("Recovered on"), required=False, widget=DATE)
    recovered_place = forms.CharField(label=_("Where recovered"), required=False, max_length=200)
    make = forms.CharField(label=_("Make"), required=False, max_length=150,
                           widget=forms.TextInput(attrs={"list": "makers"}))
    model_name = forms.CharField(label=_("Model"), required=False, max_length=120)
    firearm_type = forms.CharField(label=_("Type"), required=False, max_length=80)
    calibre = forms.CharField(label=_("Calibre"), required=False, max_length=80,
                              widget=forms.TextInput(attrs={"list": "calibres"}))
    country_of_manufacture = forms.CharField(label=_("Country of manufacture"), required=False, max_length=2,
                                             widget=COUNTRY, help_text=_("Two-letter ISO code, such as AT or BR."))
    country_of_last_import = forms.CharField(label=_("Country of last import"), required=False, max_length=2,
                                             widget=COUNTRY)

    GROUPS = (
        (_("The request"), ("requested_country", "urgency", "answer_wanted_by", "case_reference", "intended_use",
                            "use_limits")),
        (_("Why the firearm is illicit"), ("illicit_reason", "legal_basis", "recovered_on", "recovered_place")),
        (_("The firearm as recovered"), ("make", "model_name", "firearm_type", "calibre", "country_of_manufacture",
                                         "country_of_last_import")),
    )

    def __init__(self, *args: Any, own_country_id: int, markings: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.states = {c.code: c for c in Country.objects.member_states().exclude(pk=own_country_id)}
        field = self.fields["requested_country"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "---------"), *sorted(((code, c.name) for code, c in self.states.items()),
                                                    key=lambda choice: choice[1].lower())]
        self.add_marking_rows(markings)

    def groups(self) -> list[tuple[Any, list[Any]]]:
        return [(legend, [self[n] for n in names]) for legend, names in self.GROUPS]

    def request_fields(self) -> dict[str, Any]:
        names = [n for _legend, group in self.GROUPS for n in group]
        values = {k: ("" if v is None and k not in ("recovered_on", "answer_wanted_by") else v)
                  for k, v in self.values(names).items()}
        values["requested_country"] = self.states[values["requested_country"]]
        return values


class CloseCaseForm(forms.Form):
    conclusion = forms.CharField(label=_("Conclusion"), max_length=4000, widget=TEXT,
                                 help_text=_("Why the firearm could not be traced, and what was tried."))


class MarkingPhotoForm(forms.Form):
    photo = forms.FileField(label=_("Photo"), help_text=_("JPEG, PNG or WebP, at most 10 MB."),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))


class ActForm(forms.Form):
    """One step of a request's workflow; the reason is required for some (the service says which)."""

    action = forms.CharField(max_length=20, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000, widget=TEXT)


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=list(OUTCOME_LABELS.items()), widget=forms.RadioSelect)
    disclose = forms.MultipleChoiceField(label=_("Details of the record to disclose"), required=False,
                                       widget=forms.CheckboxSelectMultiple, help_text=_(
                                           "Only the details ticked are sent; the record itself stays with you."))
    last_legal_holder = forms.CharField(label=_("Last legal holder"), required=False, max_length=200,
                                        help_text=_("An agency, or “licensed civilian holder”: never a person's "
                                                    "name unless the law allows it."))
    point_of_diversion = forms.CharField(label=_("Point of diversion"), required=False, max_length=2000,
                                         widget=TEXT)
    diversion_date = forms.DateField(label=_("Date of diversion"), required=False, widget=DATE)
    failure_reason = forms.ChoiceField(label=_("Why not traced"), required=False,
                                       choices=[("", "---------"), *TraceAnswer.Failure.choices],
                                       help_text=_("Required when the firearm was not found."))
    note = forms.CharField(label=_("Note"), required=False, max_length=4000, widget=TEXT)
    use_limits = forms.CharField(label=_("Limits on use and disclosure"), required=False, max_length=2000,
                                 widget=TEXT)

    def __init__(self, *args: Any, values: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["disclose"]
        assert isinstance(field, forms.MultipleChoiceField)
        if values is None:
            del self.fields["disclose"]
        else:
            field.choices = [(name, f"{DISCLOSABLE_LABELS[name]}: {values[name]}") for name in services.DISCLOSABLE
                             if values.get(name)]

    def answer_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"outcome": data["outcome"], "fields": list(data.get("disclose") or []),
                "last_legal_holder": data.get("last_legal_holder", ""),
                "point_of_diversion": data.get("point_of_diversion", ""),
                "diversion_date": data.get("diversion_date"), "failure_reason": data.get("failure_reason", ""),
                "note": data.get("note", ""), "use_limits": data.get("use_limits", "")}


class ShareForm(forms.Form):
    recipient = forms.CharField(label=_("Shared with"), max_length=200,
                                help_text=_("The authority, court or organisation that will receive the answer."))
    purpose = forms.CharField(label=_("Purpose"), max_length=2000, widget=TEXT)


class PolicyForm(forms.Form):
    acknowledge_working_days = forms.IntegerField(label=_("Acknowledge within (working days)"), required=False,
                                                  min_value=1, max_value=60)
    urgent_hours = forms.IntegerField(label=_("Answer urgent requests within (hours)"), required=False,
                                      min_value=1, max_value=720)
    routine_days = forms.IntegerField(label=_("Answer routine requests within (days)"), required=False,
                                      min_value=1, max_value=365)
    holidays = forms.CharField(label=_("Public holidays"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
                               help_text=_("One date per line, YYYY-MM-DD. They are skipped when counting "
                                           "working days."))

    def policy_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"acknowledge_working_days": data.get("acknowledge_working_days"),
                "urgent_hours": data.get("urgent_hours"), "routine_days": data.get("routine_days"),
                "holidays": data.get("holidays") or ""}
