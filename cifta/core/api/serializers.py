from __future__ import annotations

from rest_framework import serializers

from cifta.core.models import AuditEvent, ObjectChange


class ObjectChangeSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ObjectChange
        fields = ["seq", "time", "actor_repr", "source", "request_id", "action", "object_type", "object_repr",
                  "before", "after", "message"]


class AuditEventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = AuditEvent
        fields = ["seq", "time", "actor_repr", "source", "request_id", "verb", "target_type", "target_repr",
                  "payload"]
