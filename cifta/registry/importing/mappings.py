"""Saved column mappings (``ImportMapping``): a State's named answer to "which column is what"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cifta.core import audit
from cifta.core.errors import ServiceError
from cifta.registry import events
from cifta.registry.models import ImportMapping


@transaction.atomic
def save_mapping(*, actor: Any, name: str, columns: Mapping[str, str], kind: str = "firearms",
                 known: tuple[str, ...] | None = None) -> ImportMapping:
    """Create or replace the caller's country's mapping of that name."""
    name = name.strip()
    if not name:
        raise ServiceError(_("Give the mapping a name."), field="mapping_name")
    if len(name) > 100:
        raise ServiceError(_("At most %(limit)s characters.") % {"limit": 100}, field="mapping_name")
    clean = {str(k): str(v) for k, v in columns.items() if v}
    if known is not None:
        unknown = sorted(set(clean) - set(known))
        if unknown:
            raise ServiceError(_("Unknown field %(field)r.") % {"field": unknown[0]}, field="mapping_name")
    mapping = ImportMapping.objects.owned().select_for_update().filter(kind=kind, name=name).first()
    if mapping is None:
        mapping = ImportMapping(kind=kind, name=name, columns=clean)
    else:
        mapping.columns = clean
    mapping.save()
    audit.emit(events.MAPPING_SAVED, target=mapping, payload={"name": name, "fields": sorted(clean)})
    return mapping


def find_mapping(name: str, kind: str = "firearms") -> ImportMapping | None:
    return ImportMapping.objects.owned().filter(kind=kind, name=name.strip()).first()
