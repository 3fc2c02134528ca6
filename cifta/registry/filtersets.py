"""One FilterSet per list, shared by the web pages and the API (``?ordering=`` included)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cifta.directory.models import Agency
from cifta.reference.models import Calibre, FirearmType, Manufacturer
from cifta.registry import selectors
from cifta.registry.engines.lifecycle import Status
from cifta.registry.models import Firearm, HitNotice


def _types(request: Any) -> QuerySet[FirearmType]:
    return FirearmType.objects.all()


def _makers(request: Any) -> QuerySet[Manufacturer]:
    return Manufacturer.objects.all()


def _calibres(request: Any) -> QuerySet[Calibre]:
    return Calibre.objects.all()


def _agencies(request: Any) -> QuerySet[Agency]:
    return Agency.objects.owned()  # built per request, inside the scope


class FirearmFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="exact_serial", label=_("Serial (exact)"),
                                  help_text=_("Any component; separators and case do not count."))
    type = django_filters.ModelChoiceFilter(queryset=_types, to_field_name="code", label=_("Type"))
    make = django_filters.ModelChoiceFilter(field_name="manufacturer", queryset=_makers, to_field_name="code",
                                            label=_("Make"))
    model = django_filters.CharFilter(method="model_name", label=_("Model"))
    calibre = django_filters.ModelChoiceFilter(queryset=_calibres, to_field_name="code", label=_("Calibre"))
    status = django_filters.ChoiceFilter(choices=[(s.value, selectors.STATUS_LABELS[s]) for s in Status],
                                         label=_("Status"))
    holding_agency = django_filters.ModelChoiceFilter(queryset=_agencies, to_field_name="public_id",
                                                      label=_("Holding agency"))
    compliant = django_filters.BooleanFilter(method="marking_compliance", label=_("Marking compliant"))
    ordering = django_filters.OrderingFilter(
        fields=(("serial_key", "serial"), ("manufacturer__name", "make"), ("type__code", "type"),
                ("status", "status"), ("year_of_manufacture", "year"), ("created_at", "created"),
                ("holding_agency__name", "holding_agency")),
        field_labels={"serial_key": _("Serial"), "manufacturer__name": _("Make"), "type__code": _("Type"),
                      "status": _("Status"), "year_of_manufacture": _("Year of manufacture"),
                      "created_at": _("Date recorded"), "holding_agency__name": _("Holding agency")},
        label=_("Sort by"),
    )

    class Meta:
        model = Firearm
        fields = ["q", "type", "make", "model", "calibre", "status", "holding_agency", "compliant"]

    def exact_serial(self, queryset: QuerySet[Firearm], name: str, value: str) -> QuerySet[Firearm]:
        from cifta.registry.serials.normalise import serial_key

        key = serial_key(value)
        return queryset.filter(selectors.with_serial_key(key)) if key else queryset.none()

    def model_name(self, queryset: QuerySet[Firearm], name: str, value: str) -> QuerySet[Firearm]:
        value = value.strip()
        return queryset.filter(Q(model__name__iexact=value) | Q(model__isnull=True, model_as_read__iexact=value))

    def marking_compliance(self, queryset: QuerySet[Firearm], name: str, value: bool | None) -> QuerySet[Firearm]:
        if value is None:
            return queryset
        condition = selectors.noncompliant_q()
        return queryset.filter(~condition) if value else queryset.filter(condition)

    @property
    def qs(self) -> QuerySet[Firearm]:
        queryset = super().qs
        # A stable order for pagination: the chosen sort, then the newest record first.
        ordering = list(queryset.query.order_by)
        if ordering and "-id" not in ordering and "id" not in ordering:
            queryset = queryset.order_by(*ordering, "-id")
        return queryset


class HitNoticeFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("Unread"))
    trigger = django_filters.ChoiceFilter(choices=HitNotice.Trigger.choices, label=_("What matched"))

    class Meta:
        model = HitNotice
        fields = ["unread", "trigger"]
