from __future__ import annotations

from rest_framework import serializers

from cifta.accounts.models import ApiToken, Membership


class MembershipSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.CharField(source="user.get_full_name", read_only=True)
    agency = serializers.CharField(source="agency.name", read_only=True)
    country = serializers.CharField(source="country.code", read_only=True)

    class Meta:
        model = Membership
        fields = ["public_id", "username", "full_name", "agency", "country", "role", "is_active"]


class ApiTokenSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ApiToken
        fields = ["public_id", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
