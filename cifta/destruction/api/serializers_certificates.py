"""Serializers of the certificate API. A signing key's private half is never a field here:
``SigningKeySerializer`` lists the public parts only (a test checks every answer)."""

from __future__ import annotations

import json
from typing import Any

from rest_framework import serializers

from cifta.core.api.fields import ScopedRelatedField
from cifta.destruction.models import Certificate, SigningKey
from cifta.directory.models import Agency


class SigningKeySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    authority = serializers.UUIDField(source="authority.public_id", read_only=True)
    authority_name = serializers.CharField(source="authority.name", read_only=True)

    class Meta:
        model = SigningKey
        fields = ("public_id", "authority", "authority_name", "key_id", "public_key", "valid_from", "valid_until",
                  "revoked_at", "revocation_reason")
        read_only_fields = fields


class AuthorityInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    authority = ScopedRelatedField(Agency, help_text="public id of an agency of your State")


class RevokeInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.ChoiceField(choices=SigningKey.Revocation.values)


class CertificateSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    event = serializers.UUIDField(source="event.public_id", read_only=True)
    event_reference = serializers.CharField(source="event.reference", read_only=True)
    key_id = serializers.CharField(source="key.key_id", read_only=True)
    payload = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ("public_id", "number", "event", "event_reference", "digest", "key_id", "issued_at",
                  "withdrawn_at", "withdrawn_reason", "payload")
        read_only_fields = fields

    def get_payload(self, obj: Certificate) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(obj.envelope)["payload"]
        return payload


class IssueInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    event = serializers.UUIDField(help_text="public id of an executed destruction event of your State")
    authority = ScopedRelatedField(Agency, required=False, allow_null=True,
                                   help_text="the issuing agency (needed when several can sign)")


class WithdrawInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=1000)


class VerifyInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    number = serializers.CharField(max_length=64, required=False)
    file = serializers.FileField(required=False)
    fingerprint = serializers.RegexField(r"^[0-9a-f]{64}$", required=False,
                                         help_text="the SHA-256 after '#' in the QR code's URL, to compare")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("number") and not attrs.get("file"):
            raise serializers.ValidationError({"number": "give a certificate number or a file"})
        return attrs


class VerificationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    genuine = serializers.BooleanField()
    message = serializers.CharField()
    warnings = serializers.ListField(child=serializers.CharField())
    certificate_number = serializers.CharField(allow_blank=True)
    key_id = serializers.CharField(allow_blank=True)
    signed_at = serializers.CharField(allow_blank=True)
    fingerprint = serializers.CharField(allow_blank=True)
    payload = serializers.DictField(allow_null=True)
