from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from cifta.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from cifta.core.permissions import Action
from cifta.directory import services
from cifta.directory.api.serializers import AgencySerializer, CountrySerializer, PointOfContactSerializer
from cifta.directory.filtersets import AgencyFilterSet, CountryFilterSet, PointOfContactFilterSet
from cifta.directory.models import Agency, Country, PointOfContact


class CountryViewSet(ScopedReadOnlyViewSet):
    """The 35 OAS member states (and the Secretariat): public reference data."""

    model = Country
    serializer_class = CountrySerializer
    filterset_class = CountryFilterSet
    lookup_field = "code"


class AgencyViewSet(ScopedModelViewSet):
    """The caller's country's agencies."""

    model = Agency
    serializer_class = AgencySerializer
    filterset_class = AgencyFilterSet
    create_service = services.create_agency
    update_service = services.update_agency
    action_permissions = {"create": Action.MANAGE_DIRECTORY, "update": Action.MANAGE_DIRECTORY,
                          "partial_update": Action.MANAGE_DIRECTORY}


class PointOfContactViewSet(ScopedModelViewSet):
    """National points of contact: one's own, and the published ones of every State."""

    model = PointOfContact
    serializer_class = PointOfContactSerializer
    filterset_class = PointOfContactFilterSet
    create_service = services.create_point_of_contact
    update_service = services.update_point_of_contact
    action_permissions = {"create": Action.MANAGE_DIRECTORY, "update": Action.MANAGE_DIRECTORY,
                          "partial_update": Action.MANAGE_DIRECTORY}

    def get_queryset(self) -> QuerySet[Any]:
        return PointOfContact.objects.select_related("agency", "country")
