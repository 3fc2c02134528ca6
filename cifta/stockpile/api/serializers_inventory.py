"""Serializers of the inventory API. Records are named by public id, States by ISO code.

Read serializers show a record as it is; input serializers only collect what a service needs
(the services check it and name the field they refuse). Foreign keys in input are public ids
resolved through the scoped managers, so another State's id reads as "does not exist"."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cifta.core.api.fields import ScopedRelatedField
from cifta.registry.models import Firearm
from cifta.stockpile.models import (
    AmmunitionLot,
    CountLine,
    Discrepancy,
    Facility,
    Movement,
    StockCheck,
    Storehouse,
)


def _ref(slug_field: str = "public_id", **kwargs: Any) -> serializers.SlugRelatedField:  # type: ignore[type-arg]
    return serializers.SlugRelatedField(slug_field=slug_field, read_only=True, **kwargs)


class CountryCode(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="country.code", read_only=True, **kwargs)


def _store_name(store: Storehouse | None) -> str | None:
    return f"{store.facility.name} / {store.name}" if store is not None else None


# --- reads -------------------------------------------------------------------------------------
class HoldingSerializer(serializers.Serializer):  # type: ignore[type-arg]
    storehouse = serializers.UUIDField(source="storehouse.public_id")
    storehouse_name = serializers.SerializerMethodField()
    quantity = serializers.IntegerField()

    def get_storehouse_name(self, obj: Any) -> str:
        return _store_name(obj.storehouse) or ""


class AmmunitionLotSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A lot, and what each storehouse holds of it (derived from the ledger)."""

    country = CountryCode()
    holdings = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()

    class Meta:
        model = AmmunitionLot
        fields = ["public_id", "country", "nature", "calibre", "lot_number", "manufacturer", "year", "un_number",
                  "hazard_division", "compatibility_group", "neq_per_unit_kg", "condition", "surveillance_due",
                  "expiry_date", "is_surplus", "holdings", "total", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(HoldingSerializer(many=True))
    def get_holdings(self, obj: AmmunitionLot) -> Any:
        return HoldingSerializer(getattr(obj, "holdings", []), many=True).data

    @extend_schema_field(serializers.IntegerField())
    def get_total(self, obj: AmmunitionLot) -> int:
        return int(getattr(obj, "total", 0))


class MovementSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    lot = _ref()
    firearm = _ref()
    firearm_serial = serializers.SerializerMethodField()
    from_storehouse = _ref()
    to_storehouse = _ref()
    from_storehouse_name = serializers.SerializerMethodField()
    to_storehouse_name = serializers.SerializerMethodField()
    corrects = _ref()

    class Meta:
        model = Movement
        fields = ["public_id", "country", "kind", "occurred_on", "lot", "firearm", "firearm_serial", "quantity",
                  "from_storehouse", "from_storehouse_name", "to_storehouse", "to_storehouse_name", "reference",
                  "reason", "corrects", "created_at"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_firearm_serial(self, obj: Movement) -> str | None:
        return obj.firearm.serial_key if obj.firearm is not None else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_from_storehouse_name(self, obj: Movement) -> str | None:
        return _store_name(obj.from_storehouse)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_to_storehouse_name(self, obj: Movement) -> str | None:
        return _store_name(obj.to_storehouse)


class StockCheckSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    facility = _ref()
    facility_name = serializers.CharField(source="facility.name", read_only=True)
    lines = serializers.SerializerMethodField()
    discrepancies = serializers.SerializerMethodField()

    class Meta:
        model = StockCheck
        fields = ["public_id", "country", "facility", "facility_name", "scheduled_on", "status", "counted_by",
                  "witness", "closed_on", "lines", "discrepancies", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField())
    def get_lines(self, obj: StockCheck) -> int:
        return int(getattr(obj, "line_count", None) or obj.lines.count())

    @extend_schema_field(serializers.IntegerField())
    def get_discrepancies(self, obj: StockCheck) -> int:
        annotated = getattr(obj, "discrepancy_count", None)
        return int(annotated if annotated is not None else Discrepancy.objects.filter(line__check_run=obj).count())


class CountLineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    stock_check = _ref(source="check_run")
    storehouse = _ref()
    storehouse_name = serializers.SerializerMethodField()
    lot = _ref()
    firearm = _ref()
    difference = serializers.IntegerField(read_only=True)

    class Meta:
        model = CountLine
        fields = ["public_id", "country", "stock_check", "storehouse", "storehouse_name", "lot", "firearm",
                  "recorded", "counted", "difference", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_storehouse_name(self, obj: CountLine) -> str:
        return _store_name(obj.storehouse) or ""


class DiscrepancySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    line = _ref()
    stock_check = _ref(source="line.check_run")
    storehouse = _ref(source="line.storehouse")
    lot = _ref(source="line.lot")
    firearm = _ref(source="line.firearm")
    recorded = serializers.IntegerField(source="line.recorded", read_only=True)
    counted = serializers.IntegerField(source="line.counted", read_only=True)
    settlement = _ref()

    class Meta:
        model = Discrepancy
        fields = ["public_id", "country", "line", "stock_check", "storehouse", "lot", "firearm", "recorded",
                  "counted", "difference", "status", "resolution", "resolved_on", "settlement", "created_at",
                  "updated_at"]
        read_only_fields = fields


# --- writes ------------------------------------------------------------------------------------
def _text(max_length: int | None = None, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, default="", max_length=max_length, **kwargs)


class LotInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    nature = serializers.CharField(max_length=150)
    lot_number = serializers.CharField(max_length=60)
    hazard_division = serializers.CharField(max_length=5, help_text="1.1, 1.2 (split by the NEQ per unit), 1.2.1, "
                                                                    "1.2.2, 1.3, 1.4, 1.5 or 1.6")
    compatibility_group = serializers.CharField(max_length=1, help_text="A-H, J, K, L, N or S")
    neq_per_unit_kg = serializers.DecimalField(max_digits=18, decimal_places=9)
    calibre = _text(80)
    manufacturer = _text(150)
    year = serializers.IntegerField(required=False, allow_null=True, default=None)
    un_number = _text(8, help_text="UN0012 or 0012")
    condition = serializers.ChoiceField(choices=AmmunitionLot.Condition.choices, required=False,
                                        default=AmmunitionLot.Condition.SERVICEABLE)
    surveillance_due = serializers.DateField(required=False, allow_null=True, default=None)
    expiry_date = serializers.DateField(required=False, allow_null=True, default=None)


class SurplusInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    surplus = serializers.BooleanField(required=False, default=True,
                                       help_text="true declares the lot surplus; false withdraws the declaration")
    reason = _text(500)


class MovementInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=Movement.Kind.choices)
    occurred_on = serializers.DateField()
    quantity = serializers.IntegerField(required=False, default=1, min_value=1)
    lot = ScopedRelatedField(AmmunitionLot, required=False, allow_null=True, default=None)
    firearm = ScopedRelatedField(Firearm, required=False, allow_null=True, default=None)
    from_storehouse = ScopedRelatedField(Storehouse, required=False, allow_null=True, default=None)
    to_storehouse = ScopedRelatedField(Storehouse, required=False, allow_null=True, default=None)
    reference = _text(100)
    reason = _text(500, help_text="required for a correction")
    corrects = ScopedRelatedField(Movement, required=False, allow_null=True, default=None,
                                  help_text="for a correction: the movement it puts right")


class CheckInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    facility = ScopedRelatedField(Facility)
    scheduled_on = serializers.DateField()
    counted_by = _text(150)
    witness = _text(150)


class CountInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    storehouse = ScopedRelatedField(Storehouse)
    lot = ScopedRelatedField(AmmunitionLot, required=False, allow_null=True, default=None)
    firearm = ScopedRelatedField(Firearm, required=False, allow_null=True, default=None)
    counted = serializers.IntegerField(min_value=0, help_text="units of the lot found; for a firearm 1 or 0")


class CountLineInputSerializer(CountInputSerializer):
    stock_check = ScopedRelatedField(StockCheck)


class CloseInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    closed_on = serializers.DateField(required=False, allow_null=True, default=None)
    counted_by = serializers.CharField(required=False, allow_blank=True, max_length=150)
    witness = serializers.CharField(required=False, allow_blank=True, max_length=150)


class ResolveInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(choices=[c for c in Discrepancy.Status.choices if c[0] != "open"])
    resolution = serializers.CharField(max_length=4000)
    occurred_on = serializers.DateField(required=False, allow_null=True, default=None)


class YearQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class LedgerQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    facility = ScopedRelatedField(Facility, required=False)
    storehouse = ScopedRelatedField(Storehouse, required=False)
    lot = ScopedRelatedField(AmmunitionLot, required=False)
    firearm = ScopedRelatedField(Firearm, required=False)
    kind = serializers.ChoiceField(choices=Movement.Kind.choices, required=False)
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)
