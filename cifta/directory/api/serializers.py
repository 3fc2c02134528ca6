from __future__ import annotations

from rest_framework import serializers

from cifta.core.api.fields import ScopedRelatedField
from cifta.directory.models import Agency, Country, PointOfContact


class CountrySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Country
        fields = ["code", "alpha3", "numeric", "kind", "name_en", "name_es", "name_fr", "name_pt",
                  "cifta_status", "cifta_signed_on", "cifta_ratified_on", "cifta_status_source"]


class AgencySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = serializers.CharField(source="country.code", read_only=True)

    class Meta:
        model = Agency
        fields = ["public_id", "country", "name", "acronym", "kind", "city", "email", "phone", "is_active",
                  "created_at", "updated_at"]
        read_only_fields = ["public_id", "country", "created_at", "updated_at"]


class PointOfContactSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    country = serializers.CharField(source="country.code", read_only=True)
    agency = ScopedRelatedField(Agency)

    class Meta:
        model = PointOfContact
        fields = ["public_id", "country", "agency", "full_name", "title", "email", "phone", "languages",
                  "is_primary", "published", "is_active", "created_at", "updated_at"]
        read_only_fields = ["public_id", "country", "created_at", "updated_at"]
