"""One FilterSet per list, shared by the pages and the API. The search box (``q``) matches names
as people write them: "9mm Luger" finds the 9×19 mm calibre through its alias "9 mm Luger".
Calibres and manufacturers are matched word by word in Python: the tables are small (hundreds
of rows), and a plain substring would let "9 mm" find "7.62×39 mm"."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cifta.reference.models import (
    Calibre,
    CalibreAlias,
    FirearmModel,
    FirearmType,
    Manufacturer,
    ManufacturerAlias,
    ModelVariant,
    PartType,
)
from cifta.reference.normalise import name_tokens, tokens_match
from cifta.reference.selectors import resolve_calibre, resolve_manufacturer


def _manufacturers(request: Any) -> QuerySet[Manufacturer]:
    return Manufacturer.objects.order_by("name")


def _types(request: Any) -> QuerySet[FirearmType]:
    return FirearmType.objects.all()


def _calibres(request: Any) -> QuerySet[Calibre]:
    return Calibre.objects.all()


def _labels_q(value: str) -> Q:
    return (Q(code__icontains=value) | Q(label_en__icontains=value) | Q(label_es__icontains=value)
            | Q(label_fr__icontains=value) | Q(label_pt__icontains=value))


class FirearmTypeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    category = django_filters.ChoiceFilter(choices=FirearmType.Category.choices, label=_("Category"))
    cifta_class = django_filters.ChoiceFilter(choices=FirearmType.CiftaClass.choices, label=_("CIFTA class"))

    class Meta:
        model = FirearmType
        fields = ["q", "category", "cifta_class"]

    def search(self, queryset: QuerySet[FirearmType], name: str, value: str) -> QuerySet[FirearmType]:
        return queryset.filter(_labels_q(value) | Q(marking_code=value))


class PartTypeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    is_essential = django_filters.BooleanFilter(label=_("Essential component"))

    class Meta:
        model = PartType
        fields = ["q", "is_essential"]

    def search(self, queryset: QuerySet[PartType], name: str, value: str) -> QuerySet[PartType]:
        return queryset.filter(_labels_q(value))


class CalibreFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"),
                                  help_text=_("a designation or any other name, as written on a gun or a record"))
    kind = django_filters.ChoiceFilter(choices=Calibre.Kind.choices, label=_("Kind"))
    standard = django_filters.ChoiceFilter(choices=[c for c in Calibre.Standard.choices if c[0]],
                                           label=_("Standard"))

    class Meta:
        model = Calibre
        fields = ["q", "kind", "standard"]

    def search(self, queryset: QuerySet[Calibre], name: str, value: str) -> QuerySet[Calibre]:
        resolved = resolve_calibre(value)
        if resolved is not None:
            # An exact name (any alias, any spelling) means that one calibre and no near-twin.
            return queryset.filter(pk=resolved.pk)
        query = name_tokens(value)
        matches = {pk for pk, designation in Calibre.objects.values_list("pk", "designation")
                   if tokens_match(query, name_tokens(designation))}
        matches |= {pk for pk, alias in CalibreAlias.objects.values_list("calibre_id", "alias")
                    if tokens_match(query, name_tokens(alias))}
        return queryset.filter(pk__in=matches)


class ManufacturerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"),
                                  help_text=_("a name, a brand or an importer, as stamped on a gun"))
    country_code = django_filters.CharFilter(lookup_expr="iexact", label=_("Country code"))

    class Meta:
        model = Manufacturer
        fields = ["q", "country_code"]

    def search(self, queryset: QuerySet[Manufacturer], name: str, value: str) -> QuerySet[Manufacturer]:
        query = name_tokens(value)
        matches = {pk for pk, *names in Manufacturer.objects.values_list("pk", "name", "legal_name")
                   if any(tokens_match(query, name_tokens(n)) for n in names)}
        matches |= {pk for pk, alias in ManufacturerAlias.objects.values_list("manufacturer_id", "name")
                    if tokens_match(query, name_tokens(alias))}
        resolved = resolve_manufacturer(value)  # also a maker code
        if resolved is not None:
            matches.add(resolved.pk)
        return queryset.filter(pk__in=matches)


class FirearmModelFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"),
                                  help_text=_("a model, a maker or a template id"))
    manufacturer = django_filters.ModelChoiceFilter(queryset=_manufacturers, to_field_name="code",
                                                    label=_("Manufacturer"))
    type = django_filters.ModelChoiceFilter(queryset=_types, to_field_name="code", label=_("Type"))
    calibre = django_filters.ModelChoiceFilter(queryset=_calibres, to_field_name="code", label=_("Calibre"),
                                               field_name="variants__calibre", distinct=True)

    class Meta:
        model = FirearmModel
        fields = ["q", "manufacturer", "type", "calibre"]

    def search(self, queryset: QuerySet[FirearmModel], name: str, value: str) -> QuerySet[FirearmModel]:
        match = (Q(name__icontains=value) | Q(manufacturer__name__icontains=value)
                 | Q(manufacturer__code__iexact=value.strip()) | Q(external_ref__iexact=value.strip())
                 | Q(pk__in=ModelVariant.objects.filter(template_id__iexact=value.strip()).values("model_id")))
        maker = resolve_manufacturer(value)
        if maker is not None:
            match |= Q(manufacturer=maker)
        return queryset.filter(pk__in=FirearmModel.objects.filter(match).values("pk"))
