"""Reads of the reference data: resolving what people write to canonical records."""

from __future__ import annotations

from django.db.models import Model, Q, QuerySet

from cifta.core.models import ObjectChange
from cifta.reference.models import Calibre, CalibreAlias, FirearmModel, Manufacturer, ManufacturerAlias
from cifta.reference.normalise import name_key


def resolve_calibre(text: str) -> Calibre | None:
    """The calibre a written name means (any alias, any spelling), or None."""
    key = name_key(text)
    if not key:
        return None
    alias = CalibreAlias.objects.select_related("calibre").filter(key=key).first()
    return alias.calibre if alias else Calibre.objects.filter(code__iexact=text.strip()).first()


def resolve_manufacturer(text: str) -> Manufacturer | None:
    """The company a stamped name points to (its own name first, then brands, importers...)."""
    key = name_key(text)
    if not key:
        return None
    by_code = Manufacturer.objects.filter(code=text.strip().upper()).first()
    if by_code:
        return by_code
    aliases = ManufacturerAlias.objects.select_related("manufacturer").filter(key=key)
    for role in ("manufacturer", "brand", "licensor", "importer"):
        for alias in aliases:
            if alias.role == role:
                return alias.manufacturer
    return None


def resolve_model(manufacturer: Manufacturer, text: str) -> FirearmModel | None:
    key = name_key(text)
    for model in FirearmModel.objects.filter(manufacturer=manufacturer):
        if name_key(model.name) == key:
            return model
    return None


def part_changes(obj: Model, child: type[Model], fk: str, limit: int = 100) -> QuerySet[ObjectChange]:
    """The change rows of the records that hang under a reference record (a calibre's aliases, a
    maker's names and successions, a model's variants), removed ones included, newest first.

    Reference data is global: its change rows carry no country, and its history is as public as
    the data (as ``core.views.object_history`` reads it). The unscoped manager is read here with
    ``country IS NULL`` only, so no State's history can come through it."""
    key = f"{fk}_id"
    return (ObjectChange.unscoped.filter(country__isnull=True, object_type=child._meta.label_lower)
            .filter(Q(**{f"after__{key}": obj.pk}) | Q(**{f"before__{key}": obj.pk}))
            .order_by("-seq")[:limit])
