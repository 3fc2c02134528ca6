"""Serializers of the physical security API. Records are named by public id; an assessment is
shown with its scores (overall and per section, computed from its items, never stored) and its
items. Input only collects: ``services_security.record_assessment`` checks it and names the
field it refuses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cifta.core.api.fields import ScopedRelatedField
from cifta.stockpile import security_checklist as checklist
from cifta.stockpile.models import AssessmentItem, Facility, SecurityAssessment
from cifta.stockpile.selectors_security import answers, section_title


def _ref(slug_field: str = "public_id") -> serializers.SlugRelatedField:  # type: ignore[type-arg]
    return serializers.SlugRelatedField(slug_field=slug_field, read_only=True)


class AssessmentItemSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = serializers.CharField(source="country.code", read_only=True)
    assessment = _ref()
    section = serializers.SerializerMethodField()
    weight = serializers.SerializerMethodField()
    verified = serializers.SerializerMethodField()

    class Meta:
        model = AssessmentItem
        fields = ["public_id", "country", "assessment", "code", "section", "weight", "verified", "score", "evidence",
                  "recommendation"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_section(self, obj: AssessmentItem) -> str | None:
        found = checklist.ITEMS.get(obj.code)
        return found.section if found else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_weight(self, obj: AssessmentItem) -> int | None:
        found = checklist.ITEMS.get(obj.code)
        return found.weight if found else None

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_verified(self, obj: AssessmentItem) -> bool | None:
        found = checklist.ITEMS.get(obj.code)
        return found.verified if found else None


class _NestedItemSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = AssessmentItem
        fields = ["public_id", "code", "score", "evidence", "recommendation"]
        read_only_fields = fields


class SecurityAssessmentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = serializers.CharField(source="country.code", read_only=True)
    facility = _ref()
    facility_name = serializers.CharField(source="facility.name", read_only=True)
    score = serializers.SerializerMethodField()
    sections = serializers.SerializerMethodField()
    items = _NestedItemSerializer(many=True, read_only=True)

    class Meta:
        model = SecurityAssessment
        fields = ["public_id", "country", "facility", "facility_name", "assessed_on", "assessor", "checklist_version",
                  "summary", "score", "sections", "items", "created_at"]
        read_only_fields = fields

    def _result(self, obj: SecurityAssessment) -> checklist.Score:
        cached = getattr(obj, "_score_cache", None)
        if cached is None:
            cached = checklist.score(answers(obj))
            obj._score_cache = cached  # type: ignore[attr-defined]
        return cached

    @extend_schema_field({"type": "object", "properties": {
        "percent": {"type": "number", "nullable": True}, "band": {"type": "string", "nullable": True},
        "scored": {"type": "integer"}, "not_applicable": {"type": "integer"}, "not_assessed": {"type": "integer"}}})
    def get_score(self, obj: SecurityAssessment) -> dict[str, Any]:
        result = self._result(obj)
        return {"percent": result.percent, "band": checklist.band(result.percent), "scored": result.scored,
                "not_applicable": result.not_applicable, "not_assessed": result.not_assessed}

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_sections(self, obj: SecurityAssessment) -> list[dict[str, Any]]:
        return [{"code": s.code, "title": section_title(s.code), "percent": s.percent, "scored": s.scored,
                 "not_applicable": s.not_applicable, "not_assessed": s.not_assessed}
                for s in self._result(obj).sections]


class ItemInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField(max_length=40)
    score = serializers.IntegerField(allow_null=True, help_text="0 not met, 1 partly met, 2 met, null does not apply")
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    recommendation = serializers.CharField(required=False, allow_blank=True, default="")


class SecurityAssessmentCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    facility = ScopedRelatedField(Facility)
    assessed_on = serializers.DateField()
    assessor = serializers.CharField(max_length=150)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    items = ItemInputSerializer(many=True, allow_empty=True)


class ReportQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    date = serializers.DateField(required=False, help_text="the situation on this date (today by default)")
    lang = serializers.ChoiceField(choices=["en", "es", "fr", "pt"], required=False,
                                   help_text="language of the PDF (the request's language by default)")
