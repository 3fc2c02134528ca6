"""Serializers of the destruction event API. Records are named by public id, States by ISO
code. Read serializers show a record as it is; input serializers only collect what a service
needs (the services check it and name the field they refuse). Foreign keys in input are public
ids resolved through the scoped managers, so another State's id reads as "does not exist"."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cifta.core.api.fields import ScopedRelatedField
from cifta.destruction.models import (
    AMMUNITION_METHODS,
    WEAPON_METHODS,
    CustodyStep,
    DestructionEvent,
    DestructionItem,
    DestructionPhoto,
    DestructionPolicy,
    Witness,
)
from cifta.directory.models import Agency
from cifta.registry.models import Firearm
from cifta.stockpile.models import AmmunitionLot, Storehouse


def _ref(slug_field: str = "public_id", **kwargs: Any) -> serializers.SlugRelatedField:  # type: ignore[type-arg]
    return serializers.SlugRelatedField(slug_field=slug_field, read_only=True, **kwargs)


class CountryCode(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="country.code", read_only=True, **kwargs)


# --- reads -------------------------------------------------------------------------------------
class DestructionPolicySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()

    class Meta:
        model = DestructionPolicy
        fields = ["public_id", "country", "min_witnesses", "min_agencies", "created_at", "updated_at"]
        read_only_fields = fields


class DestructionItemSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    event = _ref()
    firearm = _ref()
    serial = serializers.SerializerMethodField()
    lot = _ref()
    storehouse = _ref()

    class Meta:
        model = DestructionItem
        fields = ["public_id", "country", "event", "kind", "firearm", "serial", "lot", "storehouse", "quantity",
                  "description", "status", "return_reason", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_serial(self, obj: DestructionItem) -> str | None:
        return obj.firearm.serial_key if obj.firearm is not None else None


class WitnessSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    event = _ref()
    agency = _ref()

    class Meta:
        model = Witness
        fields = ["public_id", "country", "event", "role", "full_name", "position", "organisation", "agency",
                  "independent", "created_at"]
        read_only_fields = fields


class DestructionPhotoSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    event = _ref()
    item = _ref()

    class Meta:
        model = DestructionPhoto
        fields = ["public_id", "country", "event", "item", "stage", "sha256", "caption", "created_at"]
        read_only_fields = fields


class CustodyStepSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    event = _ref()

    class Meta:
        model = CustodyStep
        fields = ["public_id", "country", "event", "at", "from_place", "to_place", "seal_numbers", "handed_by",
                  "received_by", "created_at"]
        read_only_fields = fields


class DestructionEventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = CountryCode()
    item_count = serializers.SerializerMethodField()
    witness_count = serializers.SerializerMethodField()

    class Meta:
        model = DestructionEvent
        fields = ["public_id", "country", "reference", "title", "legal_order", "site_name", "site_address",
                  "latitude", "longitude", "planned_on", "responsible_officer", "weapon_method", "ammunition_method",
                  "status", "approved_by", "approved_at", "started_at", "ended_at", "scrap_disposition",
                  "cancel_reason", "item_count", "witness_count", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField())
    def get_item_count(self, obj: DestructionEvent) -> int:
        value = getattr(obj, "item_count", None)
        return int(value if value is not None else obj.items.count())

    @extend_schema_field(serializers.IntegerField())
    def get_witness_count(self, obj: DestructionEvent) -> int:
        value = getattr(obj, "witness_count", None)
        return int(value if value is not None else obj.witnesses.filter(role=Witness.Role.WITNESS).count())


class DestructionEventDetailSerializer(DestructionEventSerializer):
    items = DestructionItemSerializer(many=True, read_only=True)
    witnesses = WitnessSerializer(many=True, read_only=True)
    photos = DestructionPhotoSerializer(many=True, read_only=True)
    custody = CustodyStepSerializer(many=True, read_only=True)

    class Meta(DestructionEventSerializer.Meta):
        fields = [*DestructionEventSerializer.Meta.fields, "items", "witnesses", "photos", "custody"]
        read_only_fields = fields


# --- input -------------------------------------------------------------------------------------
WEAPON = [("", ""), *((m.value, m.label) for m in WEAPON_METHODS)]
AMMUNITION = [("", ""), *((m.value, m.label) for m in AMMUNITION_METHODS)]


class EventInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    title = serializers.CharField(max_length=200)
    legal_order = serializers.CharField(max_length=200)
    site_name = serializers.CharField(max_length=200)
    site_address = serializers.CharField(max_length=250, required=False, allow_blank=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    planned_on = serializers.DateField()
    responsible_officer = serializers.CharField(max_length=150)
    weapon_method = serializers.ChoiceField(choices=WEAPON, required=False, allow_blank=True)
    ammunition_method = serializers.ChoiceField(choices=AMMUNITION, required=False, allow_blank=True)


class AddItemsInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    firearms = serializers.ListField(child=serializers.UUIDField(), required=False, default=list, max_length=5000)
    serials = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list,
                                    max_length=5000)


class ItemInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """One item: a ``firearm``, or a ``lot`` with its ``storehouse`` and ``quantity``."""

    event = ScopedRelatedField(DestructionEvent)
    firearm = ScopedRelatedField(Firearm, required=False, allow_null=True)
    lot = ScopedRelatedField(AmmunitionLot, required=False, allow_null=True)
    storehouse = ScopedRelatedField(Storehouse, required=False, allow_null=True)
    quantity = serializers.IntegerField(min_value=1, required=False, default=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("firearm") is None) == (attrs.get("lot") is None):
            raise serializers.ValidationError({"firearm": [_("Give either a firearm or an ammunition lot.")]})
        if attrs.get("lot") is not None and attrs.get("storehouse") is None:
            raise serializers.ValidationError({"storehouse": [_("Say which storehouse the ammunition is taken from.")]})
        return attrs


class WitnessInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    event = ScopedRelatedField(DestructionEvent)
    role = serializers.ChoiceField(choices=Witness.Role.choices, required=False, default=Witness.Role.WITNESS)
    full_name = serializers.CharField(max_length=150)
    position = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    agency = ScopedRelatedField(Agency, required=False, allow_null=True)
    independent = serializers.BooleanField(required=False, default=False)


class PhotoInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A photo as a multipart file (``image``) or, in JSON, as ``image_base64`` with a
    ``filename``."""

    event = ScopedRelatedField(DestructionEvent)
    stage = serializers.ChoiceField(choices=DestructionPhoto.Stage.choices)
    image = serializers.FileField(required=False)
    image_base64 = serializers.CharField(required=False, write_only=True, max_length=15_000_000)
    filename = serializers.CharField(required=False, max_length=100, default="photo")
    caption = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    item = ScopedRelatedField(DestructionItem, required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        encoded = attrs.pop("image_base64", None)
        if attrs.get("image") is None:
            if not encoded:
                raise serializers.ValidationError({"image": [_("Send the photo as a file or as image_base64.")]})
            try:
                attrs["content"] = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise serializers.ValidationError({"image_base64": [_("Not valid base64.")]}) from exc
        else:
            upload = attrs.pop("image")
            attrs["content"] = upload
            attrs["filename"] = upload.name or attrs.get("filename", "photo")
        return attrs


class CustodyInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    event = ScopedRelatedField(DestructionEvent)
    at = serializers.DateTimeField()
    from_place = serializers.CharField(max_length=200)
    to_place = serializers.CharField(max_length=200)
    handed_by = serializers.CharField(max_length=150)
    received_by = serializers.CharField(max_length=150)
    seal_numbers = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list)


class PolicyInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    min_witnesses = serializers.IntegerField(min_value=1, max_value=50)
    min_agencies = serializers.IntegerField(min_value=1, max_value=50)


class OutcomeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    item = serializers.UUIDField()
    status = serializers.ChoiceField(choices=[("destroyed", "destroyed"), ("returned", "returned")])
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ExecuteInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Each item's outcome; ``all_destroyed`` checks off every item not named as destroyed."""

    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    outcomes = OutcomeSerializer(many=True, required=False, default=list)
    all_destroyed = serializers.BooleanField(required=False, default=False)
    scrap_disposition = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class CancelInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=4000)
