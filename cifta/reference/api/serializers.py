"""Reference data in the API: codes rather than public ids where a code is the natural key
(calibres, manufacturers, types), names nested under their record."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from cifta.reference.models import (
    Calibre,
    FirearmModel,
    FirearmType,
    Manufacturer,
    ManufacturerAlias,
    ManufacturerSuccession,
    ModelVariant,
    PartType,
)

LABELS = ["label_en", "label_es", "label_fr", "label_pt"]


class FirearmTypeSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]

    class Meta:
        model = FirearmType
        fields = ["code", "label", *LABELS, "category", "cifta_class", "marking_code", "sort"]


class PartTypeSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]

    class Meta:
        model = PartType
        fields = ["code", "label", *LABELS, "is_essential", "sort"]


class CalibreSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="alias")  # type: ignore[var-annotated]

    class Meta:
        model = Calibre
        fields = ["public_id", "code", "designation", "kind", "standard", "marking_code", "notes", "aliases",
                  "created_at", "updated_at"]


class CalibreWriteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """What a Secretariat administrator sends to add or change a calibre. ``aliases`` replaces the
    calibre's other names on a change (the designation is always one of them)."""

    code = serializers.SlugField(max_length=40)
    designation = serializers.CharField(max_length=80)
    kind = serializers.ChoiceField(choices=Calibre.Kind.choices)
    standard = serializers.ChoiceField(choices=Calibre.Standard.choices, required=False, allow_blank=True)
    marking_code = serializers.CharField(max_length=2, required=False, allow_blank=True)
    aliases = serializers.ListField(child=serializers.CharField(max_length=80), required=False)


class ManufacturerAliasSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ManufacturerAlias
        fields = ["name", "role"]


class _PredecessorSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    code = serializers.CharField(source="predecessor.code", read_only=True)
    name = serializers.CharField(source="predecessor.name", read_only=True)

    class Meta:
        model = ManufacturerSuccession
        fields = ["code", "name", "year"]


class _SuccessorSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    code = serializers.CharField(source="successor.code", read_only=True)
    name = serializers.CharField(source="successor.name", read_only=True)

    class Meta:
        model = ManufacturerSuccession
        fields = ["code", "name", "year"]


class ManufacturerSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    aliases = ManufacturerAliasSerializer(many=True, read_only=True)
    predecessors = _PredecessorSerializer(source="predecessions", many=True, read_only=True)
    successors = _SuccessorSerializer(source="successions", many=True, read_only=True)

    class Meta:
        model = Manufacturer
        fields = ["public_id", "code", "name", "legal_name", "country_code", "active_from", "active_until", "notes",
                  "aliases", "predecessors", "successors", "created_at", "updated_at"]


class PredecessorInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField(max_length=4)
    year = serializers.IntegerField(required=False, allow_null=True, min_value=1000, max_value=2999)


class ManufacturerWriteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """``aliases`` and ``predecessor`` replace the current ones on a change."""

    code = serializers.RegexField(r"^[A-Z0-9]{2,4}$", max_length=4)
    name = serializers.CharField(max_length=150)
    legal_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    country_code = serializers.CharField(max_length=2, min_length=2)
    active_from = serializers.IntegerField(required=False, allow_null=True, min_value=1000, max_value=2999)
    aliases = ManufacturerAliasSerializer(many=True, required=False)
    predecessor = PredecessorInputSerializer(required=False, allow_null=True)

    def validate_country_code(self, value: str) -> str:
        return value.upper()

    def validate_aliases(self, value: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return [(a["name"].strip(), a.get("role") or ManufacturerAlias.Role.MANUFACTURER) for a in value]

    def validate_predecessor(self, value: dict[str, Any] | None) -> tuple[str, int | None] | None:
        return (value["code"].upper(), value.get("year")) if value else None


class ModelVariantSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    calibre = serializers.CharField(source="calibre.code", read_only=True)
    calibre_designation = serializers.CharField(source="calibre.designation", read_only=True)

    class Meta:
        model = ModelVariant
        fields = ["template_id", "calibre", "calibre_designation", "action"]


class FirearmModelSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    manufacturer = serializers.CharField(source="manufacturer.code", read_only=True)
    manufacturer_name = serializers.CharField(source="manufacturer.name", read_only=True)
    type = serializers.CharField(source="type.code", read_only=True)
    variants = ModelVariantSerializer(many=True, read_only=True)

    class Meta:
        model = FirearmModel
        fields = ["public_id", "manufacturer", "manufacturer_name", "name", "type", "external_ref", "variants",
                  "created_at", "updated_at"]
