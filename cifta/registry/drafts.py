"""From what a person (a form, an API body, a row of a file) gives to a checked draft of a
firearm record. One path for all three, so a row of a file is refused for the same reasons as
the form. Reference look-ups come from an in-memory index built once per request or file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pycountry
from django.utils.translation import gettext as _

from cifta.core.errors import ServiceError
from cifta.reference.models import (
    CalibreAlias,
    FirearmModel,
    FirearmType,
    ManufacturerAlias,
    PartType,
)
from cifta.reference.normalise import name_key
from cifta.registry.engines.lifecycle import FIRST_EVENTS
from cifta.registry.serials.normalise import serial_key

SERIAL_FIELDS = {"serial": "frame", "serial_receiver": "receiver", "serial_slide": "slide",
                 "serial_barrel": "barrel", "serial_bolt": "bolt", "serial_cylinder": "cylinder"}
FIELDS = (
    "type", "make", "model", "calibre", *SERIAL_FIELDS, "country_of_manufacture", "year_of_manufacture",
    "event", "event_date", "holding_agency", "storage_location", "source", "notes",
    "manufacture_mark", "import_mark", "importer_name", "importer_address", "import_country", "import_year",
)
ROLE_ORDER = {"manufacturer": 0, "brand": 1, "licensor": 2, "importer": 3}


@dataclass
class MarkingDraft:
    kind: str
    text: str
    component_id: int | None = None
    location: str = ""
    method: str = ""
    country_code: str = ""
    year: int | None = None
    importer_name: str = ""
    importer_address: str = ""
    import_country: str = ""
    import_year: int | None = None


@dataclass
class FirearmDraft:
    type_id: int
    serials: list[tuple[int, str, str, bool]]  # component id, value, key, primary
    first_event: str = "registered"
    occurred_on: dt.date = field(default_factory=dt.date.today)
    manufacturer_id: int | None = None
    make_as_read: str = ""
    model_id: int | None = None
    model_as_read: str = ""
    calibre_id: int | None = None
    calibre_as_read: str = ""
    country_of_manufacture: str = ""
    year_of_manufacture: int | None = None
    holding_agency_id: int | None = None
    storage_location: str = ""
    source: str = "other"
    notes: str = ""
    markings: list[MarkingDraft] = field(default_factory=list)

    @property
    def serial_key(self) -> str:
        return next((key for _, _, key, primary in self.serials if primary), "")

    @property
    def natural_key(self) -> tuple[int | None, int | None, str]:
        return self.manufacturer_id, self.model_id, self.serial_key


class ReferenceIndex:
    """Reference data and one's own agencies, held in memory to check many rows fast."""

    def __init__(self, agencies: Mapping[str, int] | None = None) -> None:
        self.types: dict[str, int] = {}
        for t in FirearmType.objects.all():
            for text in (t.code, t.label_en, t.label_es, t.label_fr, t.label_pt):
                self.types[name_key(text)] = t.pk
        self.parts = {p.code: p.pk for p in PartType.objects.all()}
        self.calibres = dict(CalibreAlias.objects.values_list("key", "calibre_id"))
        makers: dict[str, tuple[int, int]] = {}
        for key, role, maker_id in ManufacturerAlias.objects.values_list("key", "role", "manufacturer_id"):
            rank = ROLE_ORDER.get(role, 9)
            if key not in makers or rank < makers[key][0]:
                makers[key] = (rank, maker_id)
        self.makers = {k: v[1] for k, v in makers.items()}
        self.models = {(m, name_key(n)): pk for pk, m, n in FirearmModel.objects.values_list("id", "manufacturer_id",
                                                                                             "name")}
        self.agencies = {name_key(k): v for k, v in (agencies or {}).items()}


def _text(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def _cleaned(row: Mapping[str, Any]) -> dict[str, str]:
    """Every given value as stripped text, once (the checks below read each field often)."""
    return {name: str(value).strip() for name, value in row.items() if value is not None}


class Limits:
    """Column sizes the database enforces (PostgreSQL refuses longer text; SQLite would keep
    it), read from the models so a file row, a form and an API body are refused alike."""

    def __init__(self) -> None:
        from cifta.registry.models import Firearm, Marking, SerialNumber

        def size(model: Any, name: str) -> int:
            return int(model._meta.get_field(name).max_length)

        self.text = {"make": size(Firearm, "make_as_read"), "model": size(Firearm, "model_as_read"),
                     "calibre": size(Firearm, "calibre_as_read"),
                     "storage_location": size(Firearm, "storage_location"),
                     "manufacture_mark": size(Marking, "text"), "import_mark": size(Marking, "text"),
                     "importer_name": size(Marking, "importer_name"),
                     "importer_address": size(Marking, "importer_address")}
        self.serial = size(SerialNumber, "value")
        self.sources = frozenset(Firearm.Source.values)


_LIMITS: list[Limits] = []


def limits() -> Limits:
    if not _LIMITS:
        _LIMITS.append(Limits())
    return _LIMITS[0]


def _too_long(name: str, limit: int) -> ServiceError:
    return ServiceError(_("At most %(limit)s characters.") % {"limit": limit}, field=name)


def _check_sizes(row: Mapping[str, Any], source: str) -> None:
    sizes = limits()
    for name, limit in sizes.text.items():
        if len(_text(row, name)) > limit:
            raise _too_long(name, limit)
    for name in SERIAL_FIELDS:
        if len(_text(row, name)) > sizes.serial:
            raise _too_long(name, sizes.serial)
    if source not in sizes.sources:
        raise ServiceError(_("Unknown record source %(value)r (one of: %(choices)s).") % {
            "value": source, "choices": ", ".join(sorted(sizes.sources))}, field="source")


def _int(row: Mapping[str, Any], name: str) -> int | None:
    text = _text(row, name)
    if not text:
        return None
    try:
        return int(float(text)) if text.replace(".", "", 1).isdigit() else int(text)
    except ValueError as exc:
        raise ServiceError(_("%(value)r is not a whole number") % {"value": text}, field=name) from exc


def _country(row: Mapping[str, Any], name: str) -> str:
    code = _text(row, name).upper()
    if code and pycountry.countries.get(alpha_2=code) is None:
        raise ServiceError(_("%(code)r is not an ISO 3166 two-letter country code") % {"code": code}, field=name)
    return code


def _year(row: Mapping[str, Any], name: str, today: dt.date) -> int | None:
    year = _int(row, name)
    if year is not None and not 1800 <= year <= today.year:
        raise ServiceError(_("%(year)s is not a possible year (1800 to %(now)s)") % {"year": year, "now": today.year},
                           field=name)
    return year


def draft_from_row(row: Mapping[str, Any], index: ReferenceIndex, *, today: dt.date | None = None,
                   default_source: str = "other") -> FirearmDraft:
    """Check one input and return its draft; ServiceError names the field at fault."""
    today = today or dt.date.today()
    raw, row = row, _cleaned(row)
    source = _text(row, "source") or default_source
    _check_sizes(row, source)
    type_text = _text(row, "type")
    if not type_text:
        raise ServiceError(_("The type is required."), field="type")
    type_id = index.types.get(name_key(type_text))
    if type_id is None:
        raise ServiceError(_("Unknown firearm type %(value)r.") % {"value": type_text}, field="type")

    serials = []
    for name, part in SERIAL_FIELDS.items():
        value = _text(row, name)
        if value:
            key = serial_key(value)
            if not key:
                raise ServiceError(_("%(value)r has no letters or digits.") % {"value": value}, field=name)
            serials.append((index.parts[part], value, key, False))
    if not serials:
        raise ServiceError(_("A serial number (frame or receiver) is required."), field="serial")
    component, value, key, _primary = serials[0]
    serials[0] = (component, value, key, True)  # frame first, else the first component given

    make = _text(row, "make")
    maker_id = index.makers.get(name_key(make)) if make else None
    model_text = _text(row, "model")
    model_id = index.models.get((maker_id, name_key(model_text))) if maker_id and model_text else None
    calibre_text = _text(row, "calibre")
    calibre_id = None
    if calibre_text:
        calibre_id = index.calibres.get(name_key(calibre_text))
        if calibre_id is None:
            message = _("Unknown calibre %(value)r: no calibre has this name or alias.") % {"value": calibre_text}
            raise ServiceError(message, field="calibre")

    event = _text(row, "event") or "registered"
    if event not in FIRST_EVENTS:
        raise ServiceError(_("A record starts with one of: %(events)s.") % {"events": ", ".join(sorted(FIRST_EVENTS))},
                           field="event")
    occurred_on = today
    if _text(row, "event_date"):
        given: Any = raw.get("event_date")
        if isinstance(given, dt.datetime):
            occurred_on = given.date()
        elif isinstance(given, dt.date):
            occurred_on = given
        else:
            try:
                occurred_on = dt.date.fromisoformat(_text(row, "event_date")[:10])
            except ValueError as exc:
                raise ServiceError(_("Dates are written YYYY-MM-DD."), field="event_date") from exc
        if occurred_on > today:
            raise ServiceError(_("The date is in the future."), field="event_date")

    agency_id = None
    agency_text = _text(row, "holding_agency")
    if agency_text:
        agency_id = index.agencies.get(name_key(agency_text))
        if agency_id is None:
            message = _("No agency of yours is named %(value)r.") % {"value": agency_text}
            raise ServiceError(message, field="holding_agency")

    country_of_manufacture = _country(row, "country_of_manufacture")
    year = _year(row, "year_of_manufacture", today)
    markings = []
    if _text(row, "manufacture_mark"):
        markings.append(MarkingDraft("manufacture", _text(row, "manufacture_mark"), component_id=serials[0][0],
                                     country_code=country_of_manufacture, year=year))
    import_fields = ("import_mark", "importer_name", "importer_address", "import_country", "import_year")
    if any(_text(row, f) for f in import_fields):
        import_country = _country(row, "import_country")
        if not import_country:
            raise ServiceError(_("An import marking needs the country of import (ITI 8(b))."), field="import_country")
        markings.append(MarkingDraft(
            "import", _text(row, "import_mark") or f"{import_country} {_text(row, 'import_year')}".strip(),
            component_id=serials[0][0], importer_name=_text(row, "importer_name"),
            importer_address=_text(row, "importer_address"), import_country=import_country,
            import_year=_year(row, "import_year", today),
        ))
    return FirearmDraft(
        type_id=type_id, serials=serials, first_event=event, occurred_on=occurred_on,
        manufacturer_id=maker_id, make_as_read=make, model_id=model_id, model_as_read=model_text,
        calibre_id=calibre_id, calibre_as_read=calibre_text, country_of_manufacture=country_of_manufacture,
        year_of_manufacture=year, holding_agency_id=agency_id, storage_location=_text(row, "storage_location"),
        source=source, notes=_text(row, "notes"), markings=markings,
    )
