"""Forms of the inventory pages. They only collect input: the services check it and name the
field they refuse, so a refusal reads the same on a page, in the API and on the command line.
Choices of records are built per request, from the caller's own records (``owned()``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cifta.registry.models import Firearm
from cifta.stockpile.models import AmmunitionLot, Discrepancy, Facility, Movement, StockCheck, Storehouse
from cifta.stockpile.safety.divisions import GROUPS
from cifta.stockpile.selectors_inventory import find_firearm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})
DIVISION_CHOICES = [("", "—"), *AmmunitionLot.HazardDivision.choices[:1], ("1.2", "1.2"),
                    *AmmunitionLot.HazardDivision.choices[1:]]
GROUP_CHOICES = [("", "—"), *((g, g) for g in sorted(GROUPS))]


def storehouse_label(store: Storehouse) -> str:
    return f"{store.facility.name} / {store.name}"


class StorehouseChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return storehouse_label(obj)


def own_storehouses(*, facility: Facility | None = None, active: bool = True) -> QuerySet[Storehouse]:
    stores = Storehouse.objects.owned().select_related("facility").order_by("facility__name", "name")
    if facility is not None:
        stores = stores.filter(facility=facility)
    return stores.filter(is_active=True) if active else stores


class FirearmField(forms.CharField):
    """A firearm given by its serial or its record's identifier, resolved among the caller's own."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 60)
        kwargs.setdefault("help_text", _("The serial number, or the identifier of the registry record when "
                                         "several firearms carry the serial."))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Firearm | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        firearm = find_firearm(text)
        if firearm is None:
            raise forms.ValidationError(_("No single firearm of your State answers to this serial or identifier."))
        return firearm


# --- lots --------------------------------------------------------------------------------------
class LotForm(forms.Form):
    nature = forms.CharField(label=_("Nature"), max_length=150,
                             help_text=_("For example: cartridge 7.62x51 ball"))
    lot_number = forms.CharField(label=_("Lot or batch"), max_length=60)
    calibre = forms.CharField(label=_("Calibre"), max_length=80, required=False)
    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=150, required=False)
    year = forms.IntegerField(label=_("Year of manufacture"), required=False)
    un_number = forms.CharField(label=_("UN number"), max_length=8, required=False,
                                help_text=_("Four digits, e.g. UN0012."))
    hazard_division = forms.ChoiceField(label=_("Hazard division"), choices=DIVISION_CHOICES,
                                        help_text=_("1.2 is stored as 1.2.1 or 1.2.2 by the quantity per unit."))
    compatibility_group = forms.ChoiceField(label=_("Compatibility group"), choices=GROUP_CHOICES)
    neq_per_unit_kg = forms.DecimalField(label=_("Net explosive quantity per unit (kg)"), max_digits=18,
                                         decimal_places=9)
    condition = forms.ChoiceField(label=_("Condition"), choices=AmmunitionLot.Condition.choices,
                                  initial=AmmunitionLot.Condition.SERVICEABLE)
    surveillance_due = forms.DateField(label=_("Next surveillance test"), required=False, widget=DATE)
    expiry_date = forms.DateField(label=_("Shelf-life expiry"), required=False, widget=DATE)

    @staticmethod
    def initial_of(lot: AmmunitionLot) -> dict[str, Any]:
        return {name: getattr(lot, name) for name in LotForm.base_fields}


class LotFilterForm(forms.Form):
    q = forms.CharField(label=_("Nature, lot, calibre or maker"), required=False, max_length=100)
    condition = forms.ChoiceField(label=_("Condition"), required=False,
                                  choices=[("", _("any")), *AmmunitionLot.Condition.choices])
    surplus = forms.ChoiceField(label=_("Declared surplus"), required=False,
                                choices=[("", _("any")), ("yes", _("yes")), ("no", _("no"))])


class SurplusForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=500, required=False, widget=TEXT)


# --- the ledger --------------------------------------------------------------------------------
class MovementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Movement"), choices=Movement.Kind.choices)
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    lot = forms.ModelChoiceField(label=_("Ammunition lot"), queryset=AmmunitionLot.objects.none(), required=False,
                                 to_field_name="public_id")
    firearm = FirearmField(label=_("Firearm"), required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    from_storehouse = StorehouseChoiceField(label=_("From"), queryset=Storehouse.objects.none(), required=False,
                                            to_field_name="public_id")
    to_storehouse = StorehouseChoiceField(label=_("To"), queryset=Storehouse.objects.none(), required=False,
                                          to_field_name="public_id")
    reference = forms.CharField(label=_("Document reference"), max_length=100, required=False,
                                help_text=_("The voucher, delivery note or order that backs the movement."))
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False, widget=TEXT,
                             help_text=_("Required for a correction: say what was wrong."))
    corrects = forms.ModelChoiceField(label=_("Corrects the movement"), queryset=Movement.objects.none(),
                                      required=False, to_field_name="public_id", widget=forms.TextInput,
                                      help_text=_("For a correction: the identifier of the movement it puts right."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = AmmunitionLot.objects.owned().order_by("nature", "lot_number")  # type: ignore[attr-defined]
        stores = own_storehouses()
        self.fields["from_storehouse"].queryset = stores  # type: ignore[attr-defined]
        self.fields["to_storehouse"].queryset = stores  # type: ignore[attr-defined]
        self.fields["corrects"].queryset = Movement.objects.owned()  # type: ignore[attr-defined]


class LedgerFilterForm(forms.Form):
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=Facility.objects.none(), required=False,
                                      to_field_name="public_id")
    storehouse = StorehouseChoiceField(label=_("Storehouse"), queryset=Storehouse.objects.none(), required=False,
                                       to_field_name="public_id")
    lot = forms.ModelChoiceField(label=_("Ammunition lot"), queryset=AmmunitionLot.objects.none(), required=False,
                                 to_field_name="public_id")
    firearm = forms.ModelChoiceField(label=_("Firearm"), queryset=Firearm.objects.none(), required=False,
                                     to_field_name="public_id", widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Movement"), required=False, choices=[("", _("any")), *Movement.Kind.choices])
    since = forms.DateField(label=_("From date"), required=False, widget=DATE)
    until = forms.DateField(label=_("To date"), required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = Facility.objects.all().order_by("name")  # type: ignore[attr-defined]
        self.fields["storehouse"].queryset = own_storehouses(active=False)  # type: ignore[attr-defined]
        self.fields["lot"].queryset = AmmunitionLot.objects.all()  # type: ignore[attr-defined]
        self.fields["firearm"].queryset = Firearm.objects.all()  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        """The filters for ``selectors_inventory.filter_movements`` (only the valid ones)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {name: data.get(name) for name in ("facility", "storehouse", "lot", "firearm", "since", "until")
                } | {"kind": data.get("kind") or ""}


# --- stock checks ------------------------------------------------------------------------------
class CheckForm(forms.Form):
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=Facility.objects.none(),
                                      to_field_name="public_id")
    scheduled_on = forms.DateField(label=_("Scheduled on"), widget=DATE)
    counted_by = forms.CharField(label=_("Counted by"), max_length=150, required=False,
                                 help_text=_("Preferably an officer with no charge of this stock."))
    witness = forms.CharField(label=_("Witness"), max_length=150, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = (  # type: ignore[attr-defined]
            Facility.objects.owned().filter(is_active=True).order_by("name"))


class CountForm(forms.Form):
    storehouse = StorehouseChoiceField(label=_("Storehouse"), queryset=Storehouse.objects.none(),
                                       to_field_name="public_id")
    lot = forms.ModelChoiceField(label=_("Ammunition lot"), queryset=AmmunitionLot.objects.none(), required=False,
                                 to_field_name="public_id")
    firearm = FirearmField(label=_("Firearm"), required=False)
    counted = forms.IntegerField(label=_("Counted"), min_value=0,
                                 help_text=_("Units of the lot found; for a firearm, 1 if it is there, 0 if not."))

    def __init__(self, *args: Any, check: StockCheck, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["storehouse"].queryset = own_storehouses(  # type: ignore[attr-defined]
            facility=check.facility, active=False)
        self.fields["lot"].queryset = AmmunitionLot.objects.owned()  # type: ignore[attr-defined]


class CloseForm(forms.Form):
    counted_by = forms.CharField(label=_("Counted by"), max_length=150, required=False)
    witness = forms.CharField(label=_("Witness"), max_length=150, required=False)
    closed_on = forms.DateField(label=_("Closed on"), required=False, widget=DATE,
                                help_text=_("Today when left empty."))


class CheckFilterForm(forms.Form):
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=Facility.objects.none(), required=False,
                                      to_field_name="public_id")
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("any")), *StockCheck.Status.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = Facility.objects.all().order_by("name")  # type: ignore[attr-defined]


# --- discrepancies -----------------------------------------------------------------------------
RESOLUTIONS = [(value, label) for value, label in Discrepancy.Status.choices if value != Discrepancy.Status.OPEN]


class ResolveForm(forms.Form):
    status = forms.ChoiceField(label=_("Outcome"), choices=RESOLUTIONS,
                               help_text=_("Found: the ledger was right. Lost or stolen: the shortfall leaves the "
                                           "ledger as a loss (a registry firearm is reported in the registry "
                                           "too). Written off: a correction brings the ledger to the count."))
    resolution = forms.CharField(label=_("Resolution"), max_length=4000, widget=TEXT,
                                 help_text=_("What the investigation found; it becomes the reason of the ledger "
                                             "entry."))
    occurred_on = forms.DateField(label=_("Date"), required=False, widget=DATE,
                                  help_text=_("Today when left empty."))


class DiscrepancyFilterForm(CheckFilterForm):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("any")), ("unresolved", _("not resolved")),
                                        *Discrepancy.Status.choices])


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
