from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from cifta.core.models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    verb = django_filters.CharFilter(lookup_expr="startswith", label=_("event starts with"))
    actor = django_filters.CharFilter(field_name="actor_repr", lookup_expr="icontains", label=_("actor"))
    since = django_filters.DateFilter(field_name="time", lookup_expr="date__gte", label=_("from"))
    until = django_filters.DateFilter(field_name="time", lookup_expr="date__lte", label=_("to"))

    class Meta:
        model = AuditEvent
        fields = ["verb", "actor", "since", "until"]
