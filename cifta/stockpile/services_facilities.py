"""Writes of facilities, storehouses, exposed sites and measured distances.

One transaction each, refusals name the field, nothing half-written. Records of another
State are "does not exist": everything a write touches is looked up through ``owned()``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cifta.core import audit
from cifta.core.errors import ConflictError, ServiceError
from cifta.directory.models import Agency
from cifta.stockpile import events
from cifta.stockpile.models import ExposedSite, Facility, MeasuredDistance, Storehouse

LIMIT_DIVISIONS = ("1.1", "1.2.1", "1.2.2", "1.3", "1.4")


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ServiceError(_("This field is required."), field=field)
    if len(text) > limit:
        raise ServiceError(_("At most %(limit)s characters.") % {"limit": limit}, field=field)
    return text


def _coordinate(value: Any, field: str, bound: int, *, required: bool = True) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ServiceError(_("This field is required."), field=field)
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ServiceError(_("Give a number in decimal degrees."), field=field) from exc
    if not number.is_finite() or not -bound <= number <= bound:
        raise ServiceError(_("Must lie between -%(bound)s and %(bound)s degrees.") % {"bound": bound}, field=field)
    return number.quantize(Decimal("0.000001"))


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ServiceError(_("Unknown value %(value)r.") % {"value": value}, field=field)
    return value


def _own(model: Any, obj: Any, field: str) -> Any:
    found = model.objects.owned().filter(pk=getattr(obj, "pk", None)).first()
    if found is None:
        raise ServiceError(_("No record of your State has this identifier."), field=field)
    return found


def _save_unique(obj: Any, field: str) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ConflictError(_("This name is already used here."), field=field) from exc


@transaction.atomic
def save_facility(*, actor: Any, instance: Facility | None = None, name: str, kind: str, operator: Agency,
                  latitude: Any, longitude: Any, address: str = "", perimeter_fence: bool = False,
                  intrusion_alarm: bool = False, guarded_24h: bool = False, notes: str = "",
                  is_active: bool = True) -> Facility:
    """Create a facility, or change one (``instance``)."""
    facility = _own(Facility, instance, "facility") if instance is not None else Facility()
    facility.name = _text(name, "name", 150, required=True)
    facility.kind = _choice(kind, Facility.Kind, "kind")
    facility.operator = _own(Agency, operator, "operator")
    facility.latitude = _coordinate(latitude, "latitude", 90)
    facility.longitude = _coordinate(longitude, "longitude", 180)
    facility.address = _text(address, "address", 250)
    facility.perimeter_fence, facility.intrusion_alarm = bool(perimeter_fence), bool(intrusion_alarm)
    facility.guarded_24h, facility.is_active = bool(guarded_24h), bool(is_active)
    facility.notes = _text(notes, "notes", 4000)
    _save_unique(facility, "name")
    audit.emit(events.FACILITY_SAVED, target=facility, payload={"name": facility.name, "new": instance is None})
    return facility


def _limits(limits: dict[str, Any] | None) -> dict[str, float]:
    clean: dict[str, float] = {}
    for hd, value in (limits or {}).items():
        if hd not in LIMIT_DIVISIONS:
            raise ServiceError(_("Hazard division %(value)s has no licensed limit (give 1.1, 1.2.1, 1.2.2, 1.3 or "
                                 "1.4).") % {"value": hd}, field="licensed_limits_kg")
        if value in (None, ""):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise ServiceError(_("The limit for %(hd)s is not a number.") % {"hd": hd},
                               field="licensed_limits_kg") from exc
        if not number >= 0 or number == float("inf"):
            raise ServiceError(_("The limit for %(hd)s must be zero or more.") % {"hd": hd},
                               field="licensed_limits_kg")
        clean[hd] = number
    return clean


@transaction.atomic
def save_storehouse(*, actor: Any, facility: Facility, instance: Storehouse | None = None, name: str, kind: str,
                    latitude: Any, longitude: Any, licensed_limits_kg: dict[str, Any] | None = None,
                    conditions_met: list[str] | None = None, holds_weapons: bool = False,
                    is_active: bool = True) -> Storehouse:
    facility = _own(Facility, facility, "facility")
    store = _own(Storehouse, instance, "storehouse") if instance is not None else Storehouse(facility=facility)
    if store.facility_id != facility.pk:
        raise ServiceError(_("A storehouse does not move to another facility."), field="facility")
    store.name = _text(name, "name", 100, required=True)
    store.kind = _choice(kind, Storehouse.Kind, "kind")
    store.latitude = _coordinate(latitude, "latitude", 90)
    store.longitude = _coordinate(longitude, "longitude", 180)
    store.licensed_limits_kg = _limits(licensed_limits_kg)
    store.conditions_met = sorted({_text(c, "conditions_met", 20) for c in conditions_met or [] if str(c).strip()})
    store.holds_weapons, store.is_active = bool(holds_weapons), bool(is_active)
    _save_unique(store, "name")
    audit.emit(events.STOREHOUSE_SAVED, target=store, payload={"name": store.name, "limits": store.licensed_limits_kg})
    return store


@transaction.atomic
def save_exposed_site(*, actor: Any, facility: Facility, instance: ExposedSite | None = None, name: str, kind: str,
                      traffic: str = "", latitude: Any = None, longitude: Any = None) -> ExposedSite:
    """An exposed site needs coordinates, or measured distances recorded afterwards."""
    facility = _own(Facility, facility, "facility")
    site = _own(ExposedSite, instance, "site") if instance is not None else ExposedSite(facility=facility)
    if site.facility_id != facility.pk:
        raise ServiceError(_("An exposed site does not move to another facility."), field="facility")
    site.name = _text(name, "name", 150, required=True)
    site.kind = _choice(kind, ExposedSite.Kind, "kind")
    if site.kind == ExposedSite.Kind.PUBLIC_TRAFFIC_ROUTE:
        site.traffic = _choice(traffic, ExposedSite.Traffic, "traffic")
    elif traffic:
        raise ServiceError(_("Only a public traffic route has a traffic class."), field="traffic")
    else:
        site.traffic = ""
    site.latitude = _coordinate(latitude, "latitude", 90, required=False)
    site.longitude = _coordinate(longitude, "longitude", 180, required=False)
    if (site.latitude is None) != (site.longitude is None):
        raise ServiceError(_("Give both coordinates, or neither."), field="longitude" if site.longitude is None
                           else "latitude")
    site.save()
    audit.emit(events.SITE_SAVED, target=site, payload={"name": site.name, "kind": site.kind})
    return site


@transaction.atomic
def record_distance(*, actor: Any, storehouse: Storehouse, site: ExposedSite, distance_m: Any,
                    measured_on: dt.date | None = None) -> MeasuredDistance:
    """A distance measured on the ground (it replaces an earlier measure of the same pair)."""
    store = _own(Storehouse, storehouse, "storehouse")
    site = _own(ExposedSite, site, "site")
    if site.facility_id != store.facility_id:
        raise ServiceError(_("The exposed site belongs to another facility."), field="site")
    try:
        metres = Decimal(str(distance_m))
    except InvalidOperation as exc:
        raise ServiceError(_("Give the distance in metres."), field="distance_m") from exc
    if not metres.is_finite() or metres < 0:
        raise ServiceError(_("A distance is zero or more metres."), field="distance_m")
    measured_on = measured_on or timezone.localdate()
    if measured_on > timezone.localdate():
        raise ServiceError(_("The date cannot be in the future."), field="measured_on")
    measure = MeasuredDistance.objects.owned().filter(storehouse=store, site=site).first() or MeasuredDistance(
        storehouse=store, site=site)
    measure.distance_m = metres.quantize(Decimal("0.1"))
    measure.measured_on = measured_on
    measure.save()
    audit.emit(events.DISTANCE_MEASURED, target=site, payload={"storehouse": store.name,
                                                               "distance_m": str(measure.distance_m)})
    return measure

