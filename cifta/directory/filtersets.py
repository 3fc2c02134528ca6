"""One FilterSet per list, shared by the UI and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cifta.directory.models import Agency, Country, PointOfContact


class CountryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    cifta_status = django_filters.ChoiceFilter(choices=Country.CiftaStatus.choices, label=_("CIFTA status"))

    class Meta:
        model = Country
        fields = ["q", "cifta_status", "kind"]

    def search(self, queryset: QuerySet[Country], name: str, value: str) -> QuerySet[Country]:
        return queryset.filter(
            Q(code__iexact=value) | Q(name_en__icontains=value) | Q(name_es__icontains=value)
            | Q(name_fr__icontains=value) | Q(name_pt__icontains=value)
        )


class AgencyFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=Agency.Kind.choices, label=_("Kind"))

    class Meta:
        model = Agency
        fields = ["q", "kind", "is_active"]

    def search(self, queryset: QuerySet[Agency], name: str, value: str) -> QuerySet[Agency]:
        return queryset.filter(Q(name__icontains=value) | Q(acronym__icontains=value) | Q(city__icontains=value))


class PointOfContactFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    country = django_filters.CharFilter(field_name="country__code", lookup_expr="iexact", label=_("Country code"))

    class Meta:
        model = PointOfContact
        fields = ["q", "country", "is_primary"]

    def search(self, queryset: QuerySet[PointOfContact], name: str, value: str) -> QuerySet[PointOfContact]:
        return queryset.filter(
            Q(full_name__icontains=value) | Q(email__icontains=value) | Q(agency__name__icontains=value)
        )
