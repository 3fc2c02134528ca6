from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cifta.accounts import services
from cifta.accounts.api.serializers import ApiTokenSerializer, MembershipSerializer
from cifta.accounts.models import ApiToken, Membership
from cifta.core.api.viewsets import ScopedReadOnlyViewSet
from cifta.core.permissions import Action


class MembershipViewSet(ScopedReadOnlyViewSet):
    """Users of the caller's country (administrators)."""

    model = Membership
    serializer_class = MembershipSerializer
    filterset_fields = ["role", "is_active"]
    action_permissions: ClassVar[dict[str, str]] = {"list": Action.MANAGE_USERS, "retrieve": Action.MANAGE_USERS,
                                                    "me": Action.VIEW}

    def get_queryset(self) -> QuerySet[Any]:
        return Membership.objects.select_related("user", "agency", "country")

    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        """Who the caller is acting as: user, role and country."""
        principal = request.principal  # type: ignore[attr-defined]
        membership = Membership.objects.filter(pk=principal.membership_id).first()
        return Response({
            "username": request.user.get_username(),
            "role": principal.role,
            "country": membership.country.code if membership else None,
            "membership": MembershipSerializer(membership).data if membership else None,
        })


class ApiTokenViewSet(ScopedReadOnlyViewSet):
    """The caller's own API tokens; ``POST …/revoke/`` revokes one."""

    model = ApiToken
    serializer_class = ApiTokenSerializer
    action_permissions: ClassVar[dict[str, str]] = {"list": Action.VIEW, "retrieve": Action.VIEW,
                                                    "revoke": Action.VIEW}

    def get_queryset(self) -> QuerySet[Any]:
        return ApiToken.objects.owned().filter(user=self.request.user)

    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, public_id: str) -> Response:
        token = services.revoke_api_token(actor=request.user, instance=self.get_object())
        return Response(ApiTokenSerializer(token).data)
