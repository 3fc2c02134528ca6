"""Serializers of the facility and safety API. Records are named by public id, States by ISO
code. The same serializer reads and writes; writes go through the services, which check
everything again and name the field they refuse."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cifta.core.api.fields import ScopedRelatedField
from cifta.core.errors import ServiceError
from cifta.directory.models import Agency
from cifta.stockpile import safety_bridge
from cifta.stockpile.models import ExposedSite, Facility, MeasuredDistance, SafetyRules, Storehouse
from cifta.stockpile.safety.divisions import ACCEPTED


class CountryCode(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="country.code", read_only=True, **kwargs)


class FacilitySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    operator = ScopedRelatedField(Agency, help_text="public id of an agency of your State")

    class Meta:
        model = Facility
        fields = ["public_id", "country", "name", "kind", "operator", "latitude", "longitude", "address",
                  "perimeter_fence", "intrusion_alarm", "guarded_24h", "notes", "is_active", "created_at",
                  "updated_at"]
        read_only_fields = ["public_id", "country", "created_at", "updated_at"]
        validators: list[Any] = []  # uniqueness is the service's (409 naming the field)


class StorehouseSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    facility = ScopedRelatedField(Facility)
    licensed_limits_kg = serializers.DictField(
        child=serializers.FloatField(allow_null=True), required=False,
        help_text='kg NEQ per hazard division, e.g. {"1.1": 5000}')
    conditions_met = serializers.ListField(child=serializers.CharField(max_length=20), required=False,
                                           help_text='condition codes recorded as met, e.g. ["T6-2"]')

    class Meta:
        model = Storehouse
        fields = ["public_id", "country", "facility", "name", "kind", "latitude", "longitude", "licensed_limits_kg",
                  "conditions_met", "holds_weapons", "is_active", "created_at", "updated_at"]
        read_only_fields = ["public_id", "country", "created_at", "updated_at"]
        validators: list[Any] = []


class ExposedSiteSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    facility = ScopedRelatedField(Facility)

    class Meta:
        model = ExposedSite
        fields = ["public_id", "country", "facility", "name", "kind", "traffic", "latitude", "longitude",
                  "created_at", "updated_at"]
        read_only_fields = ["public_id", "country", "created_at", "updated_at"]
        extra_kwargs = {"traffic": {"required": False}}


class MeasuredDistanceSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    storehouse = ScopedRelatedField(Storehouse)
    site = ScopedRelatedField(ExposedSite)
    measured_on = serializers.DateField(required=False, help_text="today when left out")

    class Meta:
        model = MeasuredDistance
        fields = ["public_id", "country", "storehouse", "site", "distance_m", "measured_on", "created_at",
                  "updated_at"]
        read_only_fields = ["public_id", "country", "created_at", "updated_at"]
        validators: list[Any] = []


class MeasuredDistanceUpdateSerializer(MeasuredDistanceSerializer):
    """A new measure of the same pair: the storehouse and the site stay."""

    class Meta(MeasuredDistanceSerializer.Meta):
        read_only_fields = ["public_id", "country", "storehouse", "site", "created_at", "updated_at"]


class SafetyRulesSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    tightenings = serializers.JSONField(
        required=False, help_text='arguments of RuleSet.tightened: {"multiplier": 1.5, "minimum_m": '
                                  '{"*/*/inhabited_building": 500}, "functions": {"1.1/*/storehouse:light_structure": '
                                  '"D12"}, "forbid_pairs": [["C", "G"]]}')
    ruleset_version = serializers.SerializerMethodField()
    amendments = serializers.SerializerMethodField()

    class Meta:
        model = SafetyRules
        fields = ["public_id", "country", "label", "tightenings", "ruleset_version", "amendments", "created_at",
                  "updated_at"]
        read_only_fields = ["public_id", "country", "ruleset_version", "amendments", "created_at", "updated_at"]
        validators: list[Any] = []

    def _rules(self, obj: SafetyRules) -> Any:
        try:
            return safety_bridge.tightened(obj.label, obj.tightenings or {})
        except ServiceError:  # a stored value the engine no longer accepts: shown as unknown
            return None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_ruleset_version(self, obj: SafetyRules) -> str | None:
        rules = self._rules(obj)
        return rules.version if rules is not None else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_amendments(self, obj: SafetyRules) -> list[str]:
        rules = self._rules(obj)
        return list(rules.amendments) if rules is not None else []


class QdQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    hd = serializers.ChoiceField(choices=sorted(ACCEPTED), help_text="hazard division: 1.1 ... 1.6 (1.2 is split "
                                                                     "by the NEQ of one item)")
    neq = serializers.FloatField(help_text="net explosive quantity, kg (above zero, at most 250,000)")
