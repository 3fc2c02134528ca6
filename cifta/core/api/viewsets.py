"""The API entry point: every viewset derives from ``ScopedViewSetMixin``, which sets the
principal, the country scope and the change context after DRF has authenticated the caller
(token authentication happens inside DRF, where middleware cannot see it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import Any, ClassVar

from django.db import transaction
from django.db.models import Model, QuerySet
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from cifta.core.api.permissions import RoleActionPermission
from cifta.core.context import Source, change_context
from cifta.core.principals import resolve_principal
from cifta.core.scoping import country_scope


class ScopedViewSetMixin:
    """Sets scope and change context for the whole request; resets them in finalize_response."""

    permission_classes: Sequence[Any] = (RoleActionPermission,)
    # action name -> matrix action, for @action endpoints (HTTP methods are mapped by default)
    action_permissions: ClassVar[dict[str, str]] = {}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self._context_stack = ExitStack()
        self.perform_authentication(request)  # type: ignore[attr-defined]
        principal = resolve_principal(request, request.user)
        if principal is None:
            if not request.user or not request.user.is_authenticated:
                raise NotAuthenticated()
            raise PermissionDenied("this account has no active membership")
        request.principal = principal  # type: ignore[attr-defined]
        request._request.principal = principal  # type: ignore[attr-defined]
        self._context_stack.enter_context(country_scope(principal.scope))
        self._context_stack.enter_context(
            change_context(request.user, Source.API, getattr(request._request, "request_id", None))
        )
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        stack = getattr(self, "_context_stack", None)
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if stack is not None:
            # Render inside the scope (serializers may follow relations), then leave it.
            if hasattr(response, "render") and not getattr(response, "_is_rendered", True):
                response.render()
            stack.close()
        return response


Service = Callable[..., Model]


class ScopedModelViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """CRUD over a scoped model. Reads go through the scoped manager (another country's id is a
    404); writes go through the app's services, one transaction each. There is no class-level
    ``queryset``: it is built per request, inside the scope."""

    model: ClassVar[type[Model]]
    lookup_field = "public_id"
    create_service: ClassVar[Service | None] = None
    update_service: ClassVar[Service | None] = None
    output_serializer_class: ClassVar[Any] = None

    def get_queryset(self) -> QuerySet[Any]:
        return self.model._default_manager.all()

    def get_object(self) -> Any:
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            # Writes reach only the caller's own records; a counterpart's shared record is 404.
            self.get_queryset = self.model._default_manager.owned  # type: ignore[attr-defined,method-assign]
        return super().get_object()

    def _service(self, name: str) -> Service:
        service = getattr(type(self), name, None)
        if service is None:
            raise PermissionDenied("this record cannot be written through the API")
        return service

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """With an ``output_serializer_class``, the input (``get_serializer_class`` for
        "create") is written through ``create_service`` and the record is answered as the
        output serializer shows it, read back through the scope."""
        if self.output_serializer_class is None:
            return super().create(request, *args, **kwargs)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        instance = self.get_queryset().get(pk=getattr(serializer.instance, "pk", None))
        output = self.output_serializer_class(instance, context=self.get_serializer_context())
        return Response(output.data, status=201)

    def perform_create(self, serializer: Any) -> None:
        service = self._service("create_service")
        with transaction.atomic():
            serializer.instance = service(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        service = self._service("update_service")
        with transaction.atomic():
            serializer.instance = service(
                actor=self.request.user, instance=serializer.instance, **serializer.validated_data
            )


class ScopedReadOnlyViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    model: ClassVar[type[Model]]
    lookup_field = "public_id"

    def get_queryset(self) -> QuerySet[Any]:
        return self.model._default_manager.all()
