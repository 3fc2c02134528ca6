from __future__ import annotations

from typing import Any, ClassVar

from django.apps import apps
from django.http import Http404
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from cifta.core.api.serializers import AuditEventSerializer, ObjectChangeSerializer
from cifta.core.api.viewsets import ScopedReadOnlyViewSet
from cifta.core.filtersets import AuditEventFilterSet
from cifta.core.models import AuditEvent, ChangeLoggedModel
from cifta.core.permissions import Action, can


class AuditEventViewSet(ScopedReadOnlyViewSet):
    """The audit log of the caller's country (auditors and administrators)."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    lookup_field = "seq"
    required_action = Action.VIEW_AUDIT
    action_permissions: ClassVar[dict[str, str]] = {
        "list": Action.VIEW_AUDIT, "retrieve": Action.VIEW_AUDIT, "history": Action.VIEW,
    }

    @action(detail=False, methods=["get"], url_path=r"history/(?P<label>[a-z_]+\.[a-z_]+)/(?P<public_id>[0-9a-f-]{36})")
    def history(self, request: Request, label: str, public_id: str) -> Response:
        """The History tab of any record, as JSON: its changes and events in the caller's scope."""
        from cifta.core.views import object_history

        try:
            model = apps.get_model(label)
        except LookupError as exc:
            raise Http404 from exc
        if not issubclass(model, ChangeLoggedModel):
            raise Http404
        if not can(getattr(request, "principal", None), getattr(model, "history_action", Action.VIEW)):
            raise PermissionDenied()
        obj: Any = model._default_manager.filter(public_id=public_id).first()
        if obj is None:
            raise Http404
        changes, events = object_history(obj)
        return Response({
            "changes": ObjectChangeSerializer(changes[:200], many=True).data,
            "events": AuditEventSerializer(events[:200], many=True).data,
        })
