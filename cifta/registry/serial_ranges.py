"""Serial ranges listed on licences and consignments: recorded, and searched with the serials.

The running number of a range is parsed once (``serials.ranges``) and its folded start kept
in an index, so a read serial looks ranges up by each way it can be split into start, number
and end, then checks the number in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cifta.core import audit
from cifta.core.errors import ServiceError
from cifta.reference.selectors import resolve_manufacturer
from cifta.registry import events
from cifta.registry.models import SerialRange
from cifta.registry.serials.lookalikes import SEARCH_ALPHABET, Folding, search_key
from cifta.registry.serials.query import ANY, LIT, SET, SerialQuery
from cifta.registry.serials.ranges import RangeError, RangeSpec, contains, parse_range, readings, written

MAX_READINGS = 256  # concrete serials a query with ? or [..] is spelled into for ranges


def range_error(exc: RangeError) -> ServiceError:
    messages = {
        "empty": _("Give the first and the last serial of the range."),
        "too_long": _("A serial of a range has at most 40 letters and digits."),
        "no_number": _("The serial has no running number (digits)."),
        "differs_outside_number": _("The first and last serials must differ only in one run of digits."),
        "reversed": _("The first serial of the range comes after the last."),
    }
    return ServiceError(str(messages.get(exc.code, exc.code)), field="last_serial")


@transaction.atomic
def register_range(*, actor: Any, kind: str, reference: str, first_serial: str, last_serial: str,
                   manufacturer: str = "", note: str = "") -> SerialRange:
    """Record one range in the caller's country; refused with the field named, nothing stored."""
    if kind not in SerialRange.Kind.values:
        raise ServiceError(_("Unknown kind of document %(value)r.") % {"value": kind}, field="kind")
    reference = (reference or "").strip()
    if not reference:
        raise ServiceError(_("Give the reference of the document that lists the range."), field="reference")
    if len(reference) > 100:
        raise ServiceError(_("At most %(limit)s characters.") % {"limit": 100}, field="reference")
    if len(note) > 300:
        raise ServiceError(_("At most %(limit)s characters.") % {"limit": 300}, field="note")
    try:
        spec = parse_range(first_serial, last_serial)
    except RangeError as exc:
        raise range_error(exc) from exc
    maker = None
    if manufacturer:
        maker = resolve_manufacturer(manufacturer)
        if maker is None:
            raise ServiceError(_("No manufacturer has this name or alias."), field="manufacturer")
    serial_range = SerialRange(
        kind=kind, reference=reference, first_serial=first_serial.strip(), last_serial=last_serial.strip(),
        manufacturer=maker, note=note, prefix=spec.prefix, suffix=spec.suffix, folded_prefix=spec.folded_prefix,
        width=spec.width, first_number=spec.first, last_number=spec.last)
    serial_range.save()
    audit.emit(events.RANGE_REGISTERED, target=serial_range,
               payload={"reference": reference, "size": serial_range.size})
    return serial_range


def spec_of(serial_range: SerialRange) -> RangeSpec:
    return RangeSpec(serial_range.prefix, serial_range.suffix, serial_range.width, serial_range.first_number,
                     serial_range.last_number)


@dataclass
class RangeHit:
    serial_range: SerialRange
    serial: str  # the serial of the range the query reads as
    exact: bool  # as typed, without folding look-alikes


def _spelled(query: SerialQuery) -> list[str] | None:
    """The concrete serials a query without edits or * stands for, or None when too many."""
    if query.has_star:
        return None
    out = [""]
    for token in query.tokens:
        choices = token.chars if token.kind in (LIT, SET) else SEARCH_ALPHABET if token.kind == ANY else ""
        if len(out) * len(choices) > MAX_READINGS:
            return None
        out = [s + c for s in out for c in choices]
    return out


def ranges_containing(query: SerialQuery, folding: Folding, limit: int) -> list[RangeHit]:
    """The caller's ranges a query reads into: exact or look-alike readings of every serial
    the query stands for (edits do not apply to ranges)."""
    serials = _spelled(query)
    if not serials:
        return []
    by_prefix = {r.prefix for s in serials for r in readings(s)}
    found: dict[int, RangeHit] = {}
    candidates = SerialRange.objects.filter(folded_prefix__in=sorted(by_prefix)).select_related("manufacturer")
    for serial_range in candidates.order_by("-id")[:5_000]:
        spec = spec_of(serial_range)
        for serial in serials:
            hit = next((r for r in readings(serial, folding) if contains(spec, r, folding)), None)
            if hit is None:
                continue
            own = written(spec, int(hit.number))
            exact = search_key(own) == search_key(serial)
            held = found.get(serial_range.pk)
            if held is None or (exact and not held.exact):
                found[serial_range.pk] = RangeHit(serial_range, own, exact)
    hits = sorted(found.values(), key=lambda h: (not h.exact, h.serial, h.serial_range.pk))
    return hits[:limit]


def range_hit_as_dict(hit: RangeHit) -> dict[str, Any]:
    r = hit.serial_range
    return {"range": str(r.public_id), "kind": r.kind, "reference": r.reference, "first_serial": r.first_serial,
            "last_serial": r.last_serial, "serial": hit.serial, "exact": hit.exact,
            "make": r.manufacturer.name if r.manufacturer else ""}
