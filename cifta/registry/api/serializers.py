"""Serializers of the registry API. Records are named by public id; reference data by code.
Personal data of licensed civilian holders is shown only to roles that may see it; a photo is
described by its metadata and a link to the scope-checked image endpoint, never a media URL."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cifta.core.api.fields import ScopedRelatedField
from cifta.core.permissions import Action, can
from cifta.directory.models import Agency
from cifta.reference.models import PartType
from cifta.registry import selectors
from cifta.registry.drafts import FIELDS, MarkingDraft
from cifta.registry.engines.lifecycle import Event
from cifta.registry.models import (
    CivilianHolder,
    Firearm,
    FirearmEvent,
    FirearmPhoto,
    HitNotice,
    ImportJob,
    ImportMapping,
    Marking,
    MarkingSequence,
    MarkingSession,
    MarkingSessionItem,
    SerialNumber,
    SerialRange,
)


def _personal_data(serializer: serializers.Field) -> bool:  # type: ignore[type-arg]
    request = serializer.context.get("request")
    return can(getattr(request, "principal", None), Action.VIEW_PERSONAL_DATA)


def _holder(serializer: serializers.Field, holder: CivilianHolder | None) -> dict[str, Any] | None:  # type: ignore[type-arg]
    if holder is None:
        return None
    if not _personal_data(serializer):
        return {"hidden": True, "public_id": None}
    return {"hidden": False, "public_id": str(holder.public_id)}


def _ref(slug_field: str = "public_id") -> serializers.SlugRelatedField:  # type: ignore[type-arg]
    return serializers.SlugRelatedField(slug_field=slug_field, read_only=True)


class CountryCode(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="country.code", read_only=True, **kwargs)


# --- reads -------------------------------------------------------------------------------------
class FirearmSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    serial = serializers.CharField(source="serial_key", read_only=True)
    type = _ref("code")
    manufacturer = _ref("code")
    manufacturer_name = serializers.SerializerMethodField()
    model = serializers.SerializerMethodField()
    calibre = _ref("code")
    calibre_designation = serializers.SerializerMethodField()
    holding_agency = _ref()
    holding_agency_name = serializers.SerializerMethodField()
    civilian_holder = serializers.SerializerMethodField()

    class Meta:
        model = Firearm
        fields = ["public_id", "country", "serial", "type", "manufacturer", "manufacturer_name", "make_as_read",
                  "model", "model_as_read", "calibre", "calibre_designation", "calibre_as_read",
                  "country_of_manufacture", "year_of_manufacture", "status", "holding_agency", "holding_agency_name",
                  "civilian_holder", "storage_location", "source", "notes", "created_at", "updated_at"]
        read_only_fields = fields

    def get_manufacturer_name(self, obj: Firearm) -> str | None:
        return obj.manufacturer.name if obj.manufacturer else None

    def get_model(self, obj: Firearm) -> str | None:
        return obj.model.name if obj.model else None

    def get_calibre_designation(self, obj: Firearm) -> str | None:
        return obj.calibre.designation if obj.calibre else None

    def get_holding_agency_name(self, obj: Firearm) -> str | None:
        return obj.holding_agency.name if obj.holding_agency else None

    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        "hidden": {"type": "boolean"}, "public_id": {"type": "string", "format": "uuid", "nullable": True}}})
    def get_civilian_holder(self, obj: Firearm) -> dict[str, Any] | None:
        """Whether a licensed civilian holds it; who, only for roles that may see personal data."""
        return _holder(self, obj.civilian_holder)


class SerialNumberSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    firearm = _ref()
    component = _ref("code")

    class Meta:
        model = SerialNumber
        fields = ["public_id", "country", "firearm", "component", "value", "key", "is_primary", "created_at"]
        read_only_fields = fields


class MarkingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    firearm = _ref()
    component = _ref("code")

    class Meta:
        model = Marking
        fields = ["public_id", "country", "firearm", "kind", "component", "location", "text", "method",
                  "country_code", "year", "importer_name", "importer_address", "import_country", "import_year",
                  "created_at"]
        read_only_fields = fields


class FirearmEventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    firearm = _ref()
    agency = _ref()
    civilian_holder = serializers.SerializerMethodField()

    class Meta:
        model = FirearmEvent
        fields = ["public_id", "country", "firearm", "kind", "occurred_on", "agency", "civilian_holder",
                  "counterpart_country", "reference", "notes", "status_after", "created_at"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        "hidden": {"type": "boolean"}, "public_id": {"type": "string", "format": "uuid", "nullable": True}}})
    def get_civilian_holder(self, obj: FirearmEvent) -> dict[str, Any] | None:
        return _holder(self, obj.civilian_holder)


class FirearmPhotoSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    firearm = _ref()
    image_url = serializers.SerializerMethodField()

    class Meta:
        model = FirearmPhoto
        fields = ["public_id", "country", "firearm", "sha256", "caption", "image_url", "created_at"]
        read_only_fields = fields

    def get_image_url(self, obj: FirearmPhoto) -> str:
        """The image, through an endpoint that checks the caller's scope."""
        return reverse("api:firearmphoto-image", args=[obj.public_id])


class HitNoticeSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    firearm = _ref()
    firearm_serial = serializers.CharField(source="firearm.serial_key", read_only=True)
    agency = _ref()
    matched_firearm = _ref()

    class Meta:
        model = HitNotice
        fields = ["public_id", "country", "firearm", "firearm_serial", "agency", "trigger", "matched_firearm",
                  "detail", "read_at", "created_at"]
        read_only_fields = fields


class FirearmDetailSerializer(FirearmSerializer):
    """One firearm with its serials (frame first), markings, events, photo metadata, hit notices
    and marking compliance."""

    serials = serializers.SerializerMethodField()
    markings = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    hit_notices = serializers.SerializerMethodField()
    compliance_issues = serializers.SerializerMethodField()

    class Meta(FirearmSerializer.Meta):
        fields = [*FirearmSerializer.Meta.fields, "serials", "markings", "events", "photos", "hit_notices",
                  "compliance_issues"]
        read_only_fields = fields

    @extend_schema_field(SerialNumberSerializer(many=True))
    def get_serials(self, obj: Firearm) -> Any:
        rows = obj.serials.select_related("component", "country", "firearm")
        return SerialNumberSerializer(rows, many=True, context=self.context).data

    @extend_schema_field(MarkingSerializer(many=True))
    def get_markings(self, obj: Firearm) -> Any:
        rows = obj.markings.select_related("component", "country", "firearm")
        return MarkingSerializer(rows, many=True, context=self.context).data

    @extend_schema_field(FirearmEventSerializer(many=True))
    def get_events(self, obj: Firearm) -> Any:
        rows = selectors.firearm_timeline(obj).select_related("country", "firearm")
        return FirearmEventSerializer(rows, many=True, context=self.context).data

    @extend_schema_field(FirearmPhotoSerializer(many=True))
    def get_photos(self, obj: Firearm) -> Any:
        return FirearmPhotoSerializer(obj.photos.select_related("country", "firearm"), many=True,
                                      context=self.context).data

    @extend_schema_field(HitNoticeSerializer(many=True))
    def get_hit_notices(self, obj: Firearm) -> Any:
        rows = obj.hit_notices.select_related("country", "firearm", "agency", "matched_firearm")
        return HitNoticeSerializer(rows, many=True, context=self.context).data

    @extend_schema_field({"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "string"}, "rule": {"type": "string"}, "message": {"type": "string"}}}})
    def get_compliance_issues(self, obj: Firearm) -> list[dict[str, str]]:
        return [{"code": i.code, "rule": i.rule, "message": i.message} for i in selectors.compliance_issues(obj)]


class CivilianHolderSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()

    class Meta:
        model = CivilianHolder
        fields = ["public_id", "country", "full_name", "id_document", "licence_number", "created_at", "updated_at"]
        read_only_fields = ["public_id", "country", "created_at", "updated_at"]


class MarkingSequenceSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()

    class Meta:
        model = MarkingSequence
        fields = ["public_id", "country", "prefix", "last_number", "updated_at"]
        read_only_fields = fields


class MarkingSessionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    agency = _ref()

    class Meta:
        model = MarkingSession
        fields = ["public_id", "country", "agency", "held_on", "machine", "operator", "notes", "created_at"]
        read_only_fields = fields


class MarkingSessionItemSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    session = _ref()
    firearm = _ref()

    class Meta:
        model = MarkingSessionItem
        fields = ["public_id", "country", "session", "firearm", "serial", "text", "marked_at", "machine",
                  "unmatched_reason", "created_at"]
        read_only_fields = fields


class ImportMappingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()

    class Meta:
        model = ImportMapping
        fields = ["public_id", "country", "name", "kind", "columns", "created_at", "updated_at"]
        read_only_fields = fields


class ImportJobSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()

    class Meta:
        model = ImportJob
        fields = ["public_id", "country", "kind", "file_name", "file_sha256", "state", "total_rows", "rows_done",
                  "batches_committed", "created_count", "duplicate_count", "rejected_count", "errors_preview",
                  "message", "created_at", "finished_at"]
        read_only_fields = fields


# --- writes ------------------------------------------------------------------------------------
def _text(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, allow_null=True, **kwargs)


class FirearmCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A new firearm as a row of ``drafts.FIELDS``: the same checks as the form and file
    imports (``drafts.draft_from_row``). Make, model and calibre are free text resolved through
    the reference aliases; ``holding_agency`` is one of the caller's agencies (public id or name)."""

    type = _text(help_text="firearm type code or label, e.g. 'pistol'")
    make = _text()
    model = _text()
    calibre = _text(help_text="any name or alias of the calibre, e.g. '9mm Luger'")
    serial = _text(help_text="frame serial, as read")
    serial_receiver = _text()
    serial_slide = _text()
    serial_barrel = _text()
    serial_bolt = _text()
    serial_cylinder = _text()
    country_of_manufacture = _text(help_text="ISO 3166 alpha-2")
    year_of_manufacture = serializers.IntegerField(required=False, allow_null=True)
    event = serializers.ChoiceField(choices=["manufactured", "imported", "registered", "seized"], required=False)
    event_date = serializers.DateField(required=False, allow_null=True)
    holding_agency = _text()
    storage_location = _text()
    source = serializers.ChoiceField(choices=Firearm.Source.choices, required=False)  # type: ignore[assignment]
    notes = _text()
    manufacture_mark = _text()
    import_mark = _text()
    importer_name = _text()
    importer_address = _text()
    import_country = _text()
    import_year = serializers.IntegerField(required=False, allow_null=True)

    def row(self) -> dict[str, Any]:
        return {name: self.validated_data.get(name) for name in FIELDS if self.validated_data.get(name) is not None}


class FirearmUpdateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Corrections of descriptive fields; make, model and calibre as free text."""

    type = serializers.CharField(required=False)
    make = _text()
    model = _text()
    calibre = _text()
    country_of_manufacture = _text()
    year_of_manufacture = serializers.IntegerField(required=False, allow_null=True)
    storage_location = _text()
    notes = _text()


class EventInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=[e.value for e in Event])
    occurred_on = serializers.DateField(required=False, allow_null=True)
    agency = ScopedRelatedField(Agency, required=False, allow_null=True)
    civilian_holder = ScopedRelatedField(CivilianHolder, required=False, allow_null=True)
    counterpart_country = _text(max_length=2)
    reference = _text(max_length=100)
    notes = _text(max_length=500)

    def validate_counterpart_country(self, value: str | None) -> str:
        return _country(value, "counterpart_country")


class MarkingInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=Marking.Kind.choices)
    text = serializers.CharField(max_length=200)
    component = serializers.SlugRelatedField(slug_field="code", queryset=PartType.objects.all(), required=False,
                                             allow_null=True)
    location = _text(max_length=120)
    method = serializers.ChoiceField(choices=Marking.Method.choices, required=False, allow_blank=True)
    country_code = _text(max_length=2)
    year = serializers.IntegerField(required=False, allow_null=True, min_value=1800)
    importer_name = _text(max_length=150)
    importer_address = _text(max_length=250)
    import_country = _text(max_length=2)
    import_year = serializers.IntegerField(required=False, allow_null=True, min_value=1800)
    occurred_on = serializers.DateField(required=False, allow_null=True)
    agency = ScopedRelatedField(Agency, required=False, allow_null=True)

    def validate_country_code(self, value: str | None) -> str:
        return _country(value, "country_code")

    def validate_import_country(self, value: str | None) -> str:
        return _country(value, "import_country")

    def validate_year(self, value: int | None) -> int | None:
        return _year(value, "year")

    def validate_import_year(self, value: int | None) -> int | None:
        return _year(value, "import_year")

    def draft(self) -> MarkingDraft:
        d = self.validated_data
        component = d.get("component")
        return MarkingDraft(
            kind=d["kind"], text=d["text"].strip(), component_id=component.pk if component else None,
            location=d.get("location") or "", method=d.get("method") or "", country_code=d.get("country_code") or "",
            year=d.get("year"), importer_name=d.get("importer_name") or "",
            importer_address=d.get("importer_address") or "", import_country=d.get("import_country") or "",
            import_year=d.get("import_year"),
        )


class SerialLookupQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    serial = serializers.CharField(max_length=60, help_text="the serial as read; separators and case do not count")
    case_reference = serializers.CharField(max_length=100, help_text="why you search (recorded in the audit log)")


class SerialSearchQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    q = serializers.CharField(max_length=100, help_text="the serial as it can be read: ? one unknown character, "
                                                        "* any run, [38] one of the listed characters")
    case_reference = serializers.CharField(max_length=100, help_text="why you search (recorded in the audit log)")
    make = serializers.CharField(required=False, allow_blank=True, max_length=150)
    model = serializers.CharField(required=False, allow_blank=True, max_length=120)
    calibre = serializers.CharField(required=False, allow_blank=True, max_length=80)
    type = serializers.CharField(required=False, allow_blank=True, max_length=80)
    status = serializers.CharField(required=False, allow_blank=True, max_length=16)
    agency = serializers.CharField(required=False, allow_blank=True, max_length=150,
                                   help_text="public id or name of one of your agencies")
    max_edits = serializers.IntegerField(required=False, min_value=0, max_value=2,
                                         help_text="0, 1 or 2; by default as the query's length allows")
    ignore_embedded_letters = serializers.BooleanField(required=False, default=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)


class SerialLookupResultSerializer(FirearmSerializer):
    reported_missing = serializers.BooleanField(read_only=True)

    class Meta(FirearmSerializer.Meta):
        fields = [*FirearmSerializer.Meta.fields, "reported_missing"]
        read_only_fields = fields


def _country(value: str | None, field: str) -> str:
    from cifta.core.errors import ServiceError

    try:
        return selectors.country_code(value, field)
    except ServiceError as exc:
        raise serializers.ValidationError(str(exc)) from exc


def _year(value: int | None, field: str) -> int | None:
    from cifta.core.errors import ServiceError

    try:
        return selectors.year(value, field)
    except ServiceError as exc:
        raise serializers.ValidationError(str(exc)) from exc


class SerialRangeSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A range of serials listed on a licence or consignment; the running number is parsed
    from the first and last serials."""

    country = CountryCode()
    make = serializers.CharField(required=False, allow_blank=True, write_only=True,
                                 help_text="name or alias of the manufacturer")
    manufacturer = serializers.SlugRelatedField(slug_field="name", read_only=True)  # type: ignore[var-annotated]
    size = serializers.IntegerField(read_only=True)

    class Meta:
        model = SerialRange
        fields = ["public_id", "country", "kind", "reference", "first_serial", "last_serial", "make", "manufacturer",
                  "note", "size", "created_at"]
        read_only_fields = ["public_id", "country", "manufacturer", "size", "created_at"]

    def to_internal_value(self, data: Any) -> Any:
        values = super().to_internal_value(data)
        values["manufacturer"] = values.pop("make", "")
        return values
