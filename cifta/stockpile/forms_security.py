"""The physical security assessment form: the facility, the date and the assessor, then every
item of the checklist, grouped by section, with a choice of 2 (met), 1 (partly met), 0 (not
met) or "does not apply", and the evidence seen and the recommendation made.

The form only collects input: ``services_security.record_assessment`` checks it and names the
field it refuses. Facility choices are the caller's State's, read through ``owned()`` per
request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cifta.stockpile import security_checklist as checklist
from cifta.stockpile.models import Facility
from cifta.stockpile.selectors_security import item_text, section_title

NOT_APPLICABLE = "na"
NOT_ASSESSED = ""
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ITEM_TEXT = forms.Textarea(attrs={"rows": 2, "cols": 60})


def field_key(code: str) -> str:
    """``KEY-02`` -> ``key_02``: the suffix of an item's fields."""
    return code.lower().replace("-", "_")


def score_choices() -> list[tuple[str, Any]]:
    return [("2", _("met")), ("1", _("partly met")), ("0", _("not met")), (NOT_APPLICABLE, _("does not apply"))]


class AssessmentForm(forms.Form):
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=Facility.objects.none(),
                                      to_field_name="public_id", empty_label=_("choose the facility"))
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DATE)
    assessor = forms.CharField(label=_("Assessor"), max_length=150,
                               help_text=_("Who assessed the facility: name, and team or agency."))
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("The main findings, in a few sentences."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        facility_field = self.fields["facility"]
        assert isinstance(facility_field, forms.ModelChoiceField)
        facility_field.queryset = Facility.objects.owned().filter(is_active=True).order_by("name")
        self.initial.setdefault("assessed_on", timezone.localdate())
        for it in checklist.all_items():
            key = field_key(it.code)
            self.fields[f"score_{key}"] = forms.ChoiceField(
                label=item_text(it), choices=score_choices(), required=False, widget=forms.RadioSelect)
            self.fields[f"evidence_{key}"] = forms.CharField(
                label=_("Evidence seen (%(code)s)") % {"code": it.code}, required=False, max_length=4000,
                widget=ITEM_TEXT)
            self.fields[f"recommendation_{key}"] = forms.CharField(
                label=_("Recommendation (%(code)s)") % {"code": it.code}, required=False, max_length=4000,
                widget=ITEM_TEXT)

    def header_fields(self) -> list[Any]:
        return [self[name] for name in ("facility", "assessed_on", "assessor", "summary")]

    def sections(self) -> list[dict[str, Any]]:
        """The item fields grouped as the checklist groups them, for the template."""
        out = []
        for section in checklist.CHECKLIST:
            rows = []
            for it in section.items:
                key = field_key(it.code)
                rows.append({"item": it, "text": item_text(it), "score": self[f"score_{key}"],
                             "evidence": self[f"evidence_{key}"], "recommendation": self[f"recommendation_{key}"]})
            out.append({"code": section.code, "title": section_title(section.code), "rows": rows})
        return out

    def items(self) -> list[dict[str, Any]]:
        """The answered items, as ``record_assessment`` takes them. An item with no choice is not
        assessed; an evidence or recommendation written without a choice is refused there."""
        data = self.cleaned_data
        found = []
        for it in checklist.all_items():
            key = field_key(it.code)
            choice = data.get(f"score_{key}") or NOT_ASSESSED
            evidence, recommendation = data.get(f"evidence_{key}", ""), data.get(f"recommendation_{key}", "")
            if choice == NOT_ASSESSED:
                if evidence.strip() or recommendation.strip():
                    self.add_error(f"score_{key}", _("Choose an answer for this item, or clear its texts."))
                continue
            found.append({"code": it.code, "score": None if choice == NOT_APPLICABLE else int(choice),
                          "evidence": evidence, "recommendation": recommendation})
        return found
