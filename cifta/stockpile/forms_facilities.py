"""Forms of the facility and safety pages. They only collect input: the services check it and
name the field they refuse, so a refusal reads the same on a page, in the API and on the
command line. Foreign-key choices are set per request, from the caller's State's own records."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cifta.directory.models import Agency
from cifta.stockpile.models import ExposedSite, Facility, SafetyRules, Storehouse
from cifta.stockpile.safety.divisions import ACCEPTED
from cifta.stockpile.safety_bridge import CONDITION_LABELS
from cifta.stockpile.services_facilities import LIMIT_DIVISIONS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})
LINES = forms.Textarea(attrs={"rows": 4, "spellcheck": "false"})
HD_CHOICES = [(hd, hd) for hd in sorted(ACCEPTED)]  # 1.1, 1.2, 1.2.1, 1.2.2, 1.3 ... 1.6


def _latitude(required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(label=_("Latitude"), required=required, max_digits=9, decimal_places=6,
                              min_value=Decimal(-90), max_value=Decimal(90),
                              help_text=_("Decimal degrees, WGS 84; north is positive."))


def _longitude(required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(label=_("Longitude"), required=required, max_digits=9, decimal_places=6,
                              min_value=Decimal(-180), max_value=Decimal(180),
                              help_text=_("Decimal degrees, WGS 84; east is positive."))


def limit_field_name(hd: str) -> str:
    return "limit_" + hd.replace(".", "_")


class FacilityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=Facility.Kind.choices)
    operator = forms.ModelChoiceField(label=_("Operator agency"), queryset=Agency.objects.none(),
                                      to_field_name="public_id",
                                      help_text=_("An agency of your State that runs the facility."))
    latitude = _latitude()
    longitude = _longitude()
    address = forms.CharField(label=_("Address"), max_length=250, required=False)
    perimeter_fence = forms.BooleanField(label=_("Perimeter fence"), required=False)
    intrusion_alarm = forms.BooleanField(label=_("Intrusion alarm"), required=False)
    guarded_24h = forms.BooleanField(label=_("Guarded day and night"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=TEXT)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, instance: Facility | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault("initial", {
                "name": instance.name, "kind": instance.kind, "operator": instance.operator.public_id,
                "latitude": instance.latitude, "longitude": instance.longitude, "address": instance.address,
                "perimeter_fence": instance.perimeter_fence, "intrusion_alarm": instance.intrusion_alarm,
                "guarded_24h": instance.guarded_24h, "notes": instance.notes, "is_active": instance.is_active})
        super().__init__(*args, **kwargs)
        self.fields["operator"].queryset = Agency.objects.owned().filter(  # type: ignore[attr-defined]
            is_active=True).order_by("name")

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class StorehouseForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Type"), choices=Storehouse.Kind.choices,
                             help_text=_("The type of building decides the distances it needs."))
    latitude = _latitude()
    longitude = _longitude()
    conditions_met = forms.MultipleChoiceField(
        label=_("Conditions recorded as met"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick a condition only once the authority has recorded it (segregation built, decision "
                    "taken, test passed)."))
    holds_weapons = forms.BooleanField(label=_("Stores weapons"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, instance: Storehouse | None = None, **kwargs: Any) -> None:
        if instance is not None:
            initial = {"name": instance.name, "kind": instance.kind, "latitude": instance.latitude,
                       "longitude": instance.longitude, "conditions_met": list(instance.conditions_met or []),
                       "holds_weapons": instance.holds_weapons, "is_active": instance.is_active}
            for hd, kg in (instance.licensed_limits_kg or {}).items():
                initial[limit_field_name(hd)] = kg
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for hd in LIMIT_DIVISIONS:
            self.fields[limit_field_name(hd)] = forms.DecimalField(
                label=_("Licensed limit, HD %(hd)s (kg NEQ)") % {"hd": hd}, required=False, min_value=Decimal(0),
                max_digits=12, decimal_places=3, help_text=_("Blank: no licensed figure for this division."))
        recorded = [c for c in (instance.conditions_met if instance is not None else []) or []
                    if c not in CONDITION_LABELS]
        self.fields["conditions_met"].choices = [  # type: ignore[attr-defined]
            *CONDITION_LABELS.items(), *((c, c) for c in recorded)]
        # The limits come right after the position, before the conditions.
        order = ["name", "kind", "latitude", "longitude", *(limit_field_name(hd) for hd in LIMIT_DIVISIONS),
                 "conditions_met", "holds_weapons", "is_active"]
        self.order_fields(order)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        limits = {hd: str(data[limit_field_name(hd)]) for hd in LIMIT_DIVISIONS
                  if data.get(limit_field_name(hd)) is not None}
        return {"name": data["name"], "kind": data["kind"], "latitude": data["latitude"],
                "longitude": data["longitude"], "licensed_limits_kg": limits,
                "conditions_met": list(data.get("conditions_met") or []), "holds_weapons": data["holds_weapons"],
                "is_active": data["is_active"]}


class ExposedSiteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=ExposedSite.Kind.choices)
    traffic = forms.ChoiceField(label=_("Traffic class"), required=False,
                                choices=[("", _("not a route")), *ExposedSite.Traffic.choices],
                                help_text=_("Routes only. Heavy: major roads, busy routes. Light: minor roads, "
                                            "light passenger railways."))
    latitude = _latitude(required=False)
    longitude = _longitude(required=False)

    def __init__(self, *args: Any, instance: ExposedSite | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault("initial", {"name": instance.name, "kind": instance.kind, "traffic": instance.traffic,
                                          "latitude": instance.latitude, "longitude": instance.longitude})
        super().__init__(*args, **kwargs)
        self.fields["latitude"].help_text = _("Leave both coordinates blank when you will record measured "
                                              "distances instead.")

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class DistanceForm(forms.Form):
    storehouse = forms.ModelChoiceField(label=_("Storehouse"), queryset=Storehouse.objects.none(),
                                        to_field_name="public_id")
    site = forms.ModelChoiceField(label=_("Exposed site"), queryset=ExposedSite.objects.none(),
                                  to_field_name="public_id")
    distance_m = forms.DecimalField(label=_("Distance (m)"), min_value=Decimal(0), max_digits=9, decimal_places=1,
                                    help_text=_("The shortest distance between the two, measured on the ground. "
                                                "It replaces the one computed from the coordinates."))
    measured_on = forms.DateField(label=_("Measured on"), widget=DATE)

    def __init__(self, *args: Any, facility: Facility, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("measured_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["storehouse"].queryset = Storehouse.objects.owned().filter(  # type: ignore[attr-defined]
            facility=facility).order_by("name")
        self.fields["site"].queryset = ExposedSite.objects.owned().filter(  # type: ignore[attr-defined]
            facility=facility).order_by("name")
        self.fields["storehouse"].label_from_instance = lambda s: s.name  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


# --- national safety rules ---------------------------------------------------------------------
LINE = re.compile(r"^\s*(?P<key>[^=]+?)\s*=\s*(?P<value>.+?)\s*$")


def _lines(text: str) -> list[tuple[int, str]]:
    return [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), 1)
            if line.strip() and not line.strip().startswith("#")]


class SafetyRulesForm(forms.Form):
    """The State's tightenings, one per line, as the engine takes them (``RuleSet.tightened``)."""

    label = forms.CharField(label=_("Legal reference"), max_length=100,
                            help_text=_("The national rule that sets these values, e.g. a resolution number."))
    multiplier = forms.DecimalField(label=_("Distance multiplier"), required=False, min_value=Decimal(1),
                                    max_digits=6, decimal_places=3,
                                    help_text=_("Every required distance is multiplied by it (1 or more)."))
    minimum_m = forms.CharField(
        label=_("Minimum distances"), required=False, widget=LINES,
        help_text=_("One per line: rule pattern = metres, e.g. 1.1/*/inhabited_building = 500. A pattern is hazard "
                    "division/storehouse type/exposed site, with * for any."))
    functions = forms.CharField(
        label=_("Stricter distance functions"), required=False, widget=LINES,
        help_text=_("One per line: rule pattern = function, e.g. 1.1/*/storehouse:light_structure = D12."))
    forbid_pairs = forms.CharField(
        label=_("Compatibility groups not allowed together"), required=False, widget=LINES,
        help_text=_("One pair per line, e.g. C G."))

    def __init__(self, *args: Any, instance: SafetyRules | None = None, **kwargs: Any) -> None:
        if instance is not None:
            given = instance.tightenings or {}
            kwargs.setdefault("initial", {
                "label": instance.label, "multiplier": given.get("multiplier"),
                "minimum_m": "\n".join(f"{k} = {v:g}" for k, v in (given.get("minimum_m") or {}).items()),
                "functions": "\n".join(f"{k} = {v}" for k, v in (given.get("functions") or {}).items()),
                "forbid_pairs": "\n".join(" ".join(pair) for pair in given.get("forbid_pairs") or [])})
        super().__init__(*args, **kwargs)

    def _pairs_of(self, name: str, number: bool) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for n, line in _lines(self.cleaned_data.get(name, "")):
            match = LINE.match(line)
            if match is None:
                raise forms.ValidationError(_("Line %(n)s: write pattern = value.") % {"n": n})
            value: Any = match["value"]
            if number:
                try:
                    value = float(value.replace(",", "."))
                except ValueError as exc:
                    raise forms.ValidationError(_("Line %(n)s: the distance is not a number.") % {"n": n}) from exc
            found[match["key"]] = value
        return found

    def clean_minimum_m(self) -> dict[str, Any]:
        return self._pairs_of("minimum_m", number=True)

    def clean_functions(self) -> dict[str, Any]:
        return self._pairs_of("functions", number=False)

    def clean_forbid_pairs(self) -> list[list[str]]:
        pairs = []
        for n, line in _lines(self.cleaned_data.get("forbid_pairs", "")):
            groups = line.replace(",", " ").replace("/", " ").split()
            if len(groups) != 2:
                raise forms.ValidationError(_("Line %(n)s: give two compatibility groups.") % {"n": n})
            pairs.append([g.upper() for g in groups])
        return pairs

    def tightenings(self) -> dict[str, Any]:
        data = self.cleaned_data
        found: dict[str, Any] = {}
        if data.get("multiplier") is not None:
            found["multiplier"] = float(data["multiplier"])
        for key in ("minimum_m", "functions", "forbid_pairs"):
            if data.get(key):
                found[key] = data[key]
        return found


class QdForm(forms.Form):
    hd = forms.ChoiceField(label=_("Hazard division"), choices=HD_CHOICES, initial="1.1")
    neq = forms.DecimalField(label=_("Net explosive quantity (kg)"), min_value=Decimal("0.001"), max_digits=12,
                             decimal_places=3)
