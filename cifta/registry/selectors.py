"""Reads of the registry that are more than a filter: the list query, marking compliance (the
pure engine fed from the records, and the same rules as one SQL condition for lists), serial
look-up, the lost/stolen/seized registers and the rows of an export.

Everything here runs inside the caller's country scope (a request or a command sets it)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pycountry
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cifta.core.errors import ServiceError
from cifta.directory.models import Agency
from cifta.reference.models import Calibre, CalibreAlias, FirearmType, Manufacturer
from cifta.reference.normalise import name_key
from cifta.reference.selectors import resolve_calibre, resolve_manufacturer, resolve_model
from cifta.registry.drafts import ReferenceIndex
from cifta.registry.engines import compliance
from cifta.registry.engines.lifecycle import Event, Status
from cifta.registry.models import Firearm, FirearmEvent, HitNotice, Marking, SerialNumber, serial_index_forms
from cifta.registry.serials.normalise import serial_key

# --- labels ------------------------------------------------------------------------------------
# Statuses and events are engine enums (plain strings); these are their names in the interface.
STATUS_LABELS: dict[str, Promise] = {
    Status.REGISTERED: _("registered"),
    Status.EXPORTED: _("exported"),
    Status.LOST: _("lost"),
    Status.STOLEN: _("stolen"),
    Status.SEIZED: _("seized"),
    Status.CONFISCATED: _("confiscated"),
    Status.DEACTIVATED: _("deactivated"),
    Status.DESTROYED: _("destroyed"),
}
EVENT_LABELS: dict[str, Promise] = {
    Event.MANUFACTURED: _("manufactured"),
    Event.IMPORTED: _("imported"),
    Event.EXPORTED: _("exported"),
    Event.REGISTERED: _("registered"),
    Event.HOLDER_CHANGED: _("holder changed"),
    Event.MARKED: _("marked"),
    Event.REPORTED_LOST: _("reported lost"),
    Event.REPORTED_STOLEN: _("reported stolen"),
    Event.RECOVERED: _("recovered"),
    Event.SEIZED: _("seized"),
    Event.CONFISCATED: _("confiscated"),
    Event.DEACTIVATED: _("deactivated"),
    Event.DESTROYED: _("destroyed"),
}
ISSUE_MESSAGES: dict[str, Promise] = {
    "no_manufacture_mark": _("No manufacture marking is recorded."),
    "no_manufacturer": _("The manufacturer is not identified."),
    "no_place_of_manufacture": _("The country or place of manufacture is not marked."),
    "no_serial": _("No serial number on the frame or receiver."),
    "no_import_mark": _("Imported, but no import marking."),
    "import_mark_no_importer": _("The import marking lacks the importer's name and address."),
    "import_mark_no_country": _("The import marking lacks the country of import."),
    "import_mark_no_year": _("The import marking lacks the year of import."),
    "no_confiscation_mark": _("Confiscated and kept for official use, but not marked as such."),
    "no_civilian_transfer_mark": _("Transferred from State stocks to civilian use without a marking of the "
                                   "transferring country."),
}
REPORTED_MISSING = (Status.LOST, Status.STOLEN)


def status_label(value: str) -> str:
    return str(STATUS_LABELS.get(value, value))


def event_label(value: str) -> str:
    return str(EVENT_LABELS.get(value, value))


# --- the list ----------------------------------------------------------------------------------
def firearm_queryset() -> QuerySet[Firearm]:
    """Firearms the scope may read, with what a list row shows joined in (no per-row query)."""
    return Firearm.objects.select_related("type", "manufacturer", "model", "calibre", "holding_agency", "country")


def serial_lookup(raw: str) -> tuple[str, QuerySet[Firearm]]:
    """Firearms with this serial on any component, compared in canonical form (separators and
    case do not count). Returns the canonical key and the firearms."""
    key = serial_key(raw or "")
    if not key:
        return key, firearm_queryset().none()
    return key, firearm_queryset().filter(with_serial_key(key)).order_by("-id")


def with_serial_key(key: str) -> Q:
    """Firearms with a component serial of this canonical key. Written as ``id IN (serials with
    this key)`` so both databases start from the serial index; an EXISTS per firearm made
    SQLite walk the whole register (over a second at a million firearms)."""
    folded = serial_index_forms(key)[0]
    return Q(pk__in=SerialNumber.objects.filter(folded=folded, key=key).values("firearm_id"))


# --- marking compliance ------------------------------------------------------------------------
def _marks(**kwargs: Any) -> QuerySet[Marking]:
    return Marking.objects.filter(firearm=OuterRef("pk"), **kwargs)


def _events(**kwargs: Any) -> QuerySet[FirearmEvent]:
    return FirearmEvent.objects.filter(firearm=OuterRef("pk"), **kwargs)


def noncompliant_q() -> Q:
    """The engine's rules (``engines/compliance.check`` fed by ``firearm_facts``) written as one
    SQL condition, so a list can filter on marking compliance without loading every record.

    It follows the engine rule for rule: destructive devices are exempt; otherwise a record is
    non-compliant when it has no manufacture marking, no identified manufacturer, no country of
    manufacture (neither on the record nor on a manufacture marking), no primary serial; when it
    was imported (an 'imported' event or an import marking) without a complete import marking
    (importer name and address, country and year); or when it was confiscated without a State or
    confiscation marking. ``test_ui_compliance`` checks that both agree. Build it inside a scope."""
    imported = Q(Exists(_events(kind=Event.IMPORTED))) | Q(Exists(_marks(kind=Marking.Kind.IMPORT)))
    incomplete_import = Q(Exists(_marks(kind=Marking.Kind.IMPORT).filter(
        Q(importer_name="") | Q(importer_address="") | Q(import_country="") | Q(import_year__isnull=True)
    )))
    return ~Q(type__cifta_class=FirearmType.CiftaClass.DESTRUCTIVE) & (
        ~Q(Exists(_marks(kind=Marking.Kind.MANUFACTURE)))
        | Q(manufacturer__isnull=True)
        | (Q(country_of_manufacture="")
           & ~Q(Exists(_marks(kind=Marking.Kind.MANUFACTURE).exclude(country_code=""))))
        | ~Q(Exists(SerialNumber.objects.filter(firearm=OuterRef("pk"), is_primary=True)))
        | (imported & (~Q(Exists(_marks(kind=Marking.Kind.IMPORT))) | incomplete_import))
        | (Q(Exists(_events(kind=Event.CONFISCATED)))
           & ~Q(Exists(_marks(kind__in=[Marking.Kind.STATE, Marking.Kind.CONFISCATION]))))
    )


def firearm_facts(firearm: Firearm, marks: Iterable[Marking], event_kinds: Iterable[str],
                  has_primary_serial: bool) -> compliance.FirearmFacts:
    """What the compliance engine needs to know of one firearm.

    Not derived (always False): ``was_transferred_to_civilian_use`` (ITI 8(c)); the registry does
    not yet record whether a firearm came from State stocks."""
    marks = list(marks)
    kinds = set(event_kinds)
    return compliance.FirearmFacts(
        has_manufacturer=firearm.manufacturer_id is not None,
        has_primary_serial=has_primary_serial,
        country_of_manufacture=firearm.country_of_manufacture,
        was_imported=Event.IMPORTED in kinds or any(m.kind == Marking.Kind.IMPORT for m in marks),
        was_confiscated_for_official_use=Event.CONFISCATED in kinds,
        destructive_device=firearm.type.cifta_class == FirearmType.CiftaClass.DESTRUCTIVE,
        marks=[compliance.MarkFacts(
            kind=m.kind, text=m.text, country_code=m.country_code, year=m.year, importer_name=m.importer_name,
            importer_address=m.importer_address, import_country=m.import_country, import_year=m.import_year,
        ) for m in marks],
    )


@dataclass(frozen=True)
class ComplianceIssue:
    code: str
    rule: str
    message: str


def _issues(facts: compliance.FirearmFacts) -> list[ComplianceIssue]:
    return [ComplianceIssue(i.code, i.rule, str(ISSUE_MESSAGES.get(i.code, i.message)))
            for i in compliance.check(facts)]


def compliance_issues(firearm: Firearm) -> list[ComplianceIssue]:
    """Why one firearm's markings fall short of CIFTA Art. VI and ITI para. 8 (empty: compliant)."""
    marks = list(firearm.markings.all())
    kinds = list(firearm.events.values_list("kind", flat=True))
    has_primary = firearm.serials.filter(is_primary=True).exists()
    return _issues(firearm_facts(firearm, marks, kinds, has_primary))


def compliance_prefetches() -> list[Prefetch]:
    return [
        Prefetch("markings", queryset=Marking.objects.order_by("id")),
        Prefetch("events", queryset=FirearmEvent.objects.only("id", "firearm_id", "kind").order_by()),
        Prefetch("serials", queryset=SerialNumber.objects.filter(is_primary=True).only("id", "firearm_id",
                                                                                         "is_primary")),
    ]


def with_compliance_issues(firearms: Iterable[Firearm]) -> list[tuple[Firearm, list[ComplianceIssue]]]:
    """Each firearm with its issues. The firearms must carry ``compliance_prefetches()``."""
    rows = []
    for firearm in firearms:
        facts = firearm_facts(firearm, firearm.markings.all(), [e.kind for e in firearm.events.all()],
                              any(s.is_primary for s in firearm.serials.all()))
        rows.append((firearm, _issues(facts)))
    return rows


def compliance_report_queryset() -> QuerySet[Firearm]:
    """Every non-compliant firearm, by holding agency (no agency last), then oldest first."""
    return (firearm_queryset().filter(noncompliant_q())
            .order_by(F("holding_agency__name").asc(nulls_last=True), "id"))


def compliance_summary() -> list[dict[str, Any]]:
    """How many non-compliant firearms each holding agency has."""
    from django.db.models import Count

    return list(
        Firearm.objects.filter(noncompliant_q())
        .values("holding_agency__name", "holding_agency__public_id")
        .annotate(count=Count("id"))
        .order_by(F("holding_agency__name").asc(nulls_last=True))
    )


# --- registers and inbox -----------------------------------------------------------------------
REGISTERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # register -> (statuses listed, events that put a firearm on it)
    "lost": ((Status.LOST,), (Event.REPORTED_LOST,)),
    "stolen": ((Status.STOLEN,), (Event.REPORTED_STOLEN,)),
    "seized": ((Status.SEIZED, Status.CONFISCATED), (Event.SEIZED, Event.CONFISCATED)),
}


def register_queryset(register: str) -> QuerySet[Firearm]:
    """Firearms on the lost, stolen or seized register, with the date, reference and agency of
    the event that put them there (one query for the whole page)."""
    statuses, kinds = REGISTERS[register]
    report = FirearmEvent.objects.filter(firearm=OuterRef("pk"), kind__in=kinds).order_by("-occurred_on", "-id")
    return (
        firearm_queryset().filter(status__in=statuses)
        .annotate(reported_on=Subquery(report.values("occurred_on")[:1]),
                  report_reference=Subquery(report.values("reference")[:1]),
                  reporting_agency=Subquery(report.values("agency__name")[:1]))
        .order_by(F("reported_on").desc(nulls_last=True), "-id")
    )


def hit_notices() -> QuerySet[HitNotice]:
    """The country's hit notices, unread first, newest first."""
    return HitNotice.objects.select_related("firearm", "firearm__manufacturer", "agency", "matched_firearm").order_by(
        F("read_at").asc(nulls_first=True), "-id")


def firearm_timeline(firearm: Firearm) -> QuerySet[FirearmEvent]:
    return firearm.events.select_related("agency", "civilian_holder").order_by("occurred_on", "id")


# --- input -------------------------------------------------------------------------------------
def reference_index() -> ReferenceIndex:
    """The reference index for ``drafts.draft_from_row``, with the caller's own active agencies
    known by name and by public id (the form and the API send the public id)."""
    agencies: dict[str, int] = {}
    for pk, name, public_id in Agency.objects.owned().filter(is_active=True).values_list("pk", "name", "public_id"):
        agencies[name] = pk
        agencies[str(public_id)] = pk
    return ReferenceIndex(agencies)


# --- descriptive corrections -------------------------------------------------------------------
def resolve_descriptive(data: dict[str, Any], *, firearm: Firearm | None = None) -> dict[str, Any]:
    """Turn what a person writes for the descriptive fields (type, make, model and calibre as
    text, codes and years) into the keyword arguments of ``services.update_firearm``. Keys
    absent from ``data`` are left alone; ServiceError names the field at fault."""
    out: dict[str, Any] = {}
    for name in ("storage_location", "notes", "make_as_read", "model_as_read", "calibre_as_read"):
        if name in data:
            out[name] = (data[name] or "").strip()
    if "type" in data:
        text = (data["type"] or "").strip()
        found = resolve_firearm_type(text)
        if found is None:
            raise ServiceError(str(_("Unknown firearm type.")), field="type")
        out["type"] = found
    if "make" in data:
        text = (data["make"] or "").strip()
        out["make_as_read"] = text
        out["manufacturer"] = resolve_manufacturer(text) if text else None
    maker = out.get("manufacturer", firearm.manufacturer if firearm else None)
    if "model" in data or "manufacturer" in out:
        text = (data.get("model") if "model" in data else (firearm.model_as_read if firearm else "")) or ""
        text = text.strip()
        out["model_as_read"] = text
        out["model"] = resolve_model(maker, text) if maker and text else None
    if "calibre" in data:
        text = (data["calibre"] or "").strip()
        calibre = resolve_calibre(text) if text else None
        if text and calibre is None:
            raise ServiceError(str(_("Unknown calibre: no calibre has this name or alias.")), field="calibre")
        out["calibre"], out["calibre_as_read"] = calibre, text
    if "country_of_manufacture" in data:
        out["country_of_manufacture"] = country_code(data["country_of_manufacture"], "country_of_manufacture")
    if "year_of_manufacture" in data:
        out["year_of_manufacture"] = year(data["year_of_manufacture"], "year_of_manufacture")
    return out


def resolve_firearm_type(text: str) -> FirearmType | None:
    """The firearm type a written code or label (any of the four languages) means, or None."""
    key = name_key(text)
    if not key:
        return None
    for t in FirearmType.objects.all():
        if key in {name_key(v) for v in (t.code, t.label_en, t.label_es, t.label_fr, t.label_pt)}:
            return t
    return None


def country_code(value: Any, field: str) -> str:
    code = ("" if value is None else str(value)).strip().upper()
    if code and pycountry.countries.get(alpha_2=code) is None:
        raise ServiceError(str(_("Use a two-letter ISO 3166 country code.")), field=field)
    return code


def year(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ServiceError(str(_("Write the year as a whole number.")), field=field) from exc
    this_year = timezone.localdate().year
    if not 1800 <= number <= this_year:
        raise ServiceError(str(_("The year must be between 1800 and this year.")), field=field)
    return number


def make_preview(make: str) -> Manufacturer | None:
    return resolve_manufacturer(make) if make.strip() else None


def calibre_preview(text: str) -> Calibre | None:
    return resolve_calibre(text) if text.strip() else None


def calibre_choices() -> list[str]:
    """Every calibre name and alias, for the form's suggestion list."""
    names = set(Calibre.objects.values_list("designation", flat=True))
    names.update(CalibreAlias.objects.values_list("alias", flat=True))
    return sorted(names, key=str.lower)


def manufacturer_choices() -> list[str]:
    return list(Manufacturer.objects.order_by(Lower("name")).values_list("name", flat=True))


# --- exports -----------------------------------------------------------------------------------
EXPORT_HEADER: Sequence[Promise] = (
    _("public id"), _("serial (frame)"), _("other serials"), _("type"), _("make"), _("make as read"),
    _("model"), _("calibre"), _("status"), _("country of manufacture"), _("year of manufacture"),
    _("holding agency"), _("storage location"), _("record source"), _("recorded on"),
)


def export_rows(queryset: QuerySet[Firearm]) -> Iterator[list[Any]]:
    """The header, then one row per firearm. Serials come in one extra query per 2,000 rows."""
    yield [str(h) for h in EXPORT_HEADER]
    serials = Prefetch("serials", queryset=SerialNumber.objects.select_related("component"))
    for f in queryset.prefetch_related(serials).iterator(chunk_size=2000):
        frame = next((s.value for s in f.serials.all() if s.is_primary), f.serial_key)
        others = "; ".join(f"{s.component.label}: {s.value}" for s in f.serials.all() if not s.is_primary)
        yield [
            str(f.public_id), frame, others, f.type.label, f.manufacturer.name if f.manufacturer else "",
            f.make_as_read, f.model.name if f.model else f.model_as_read,
            f.calibre.designation if f.calibre else f.calibre_as_read, status_label(f.status),
            f.country_of_manufacture, f.year_of_manufacture or "",
            f.holding_agency.name if f.holding_agency else "", f.storage_location, f.get_source_display(),
            timezone.localtime(f.created_at).date().isoformat(),
        ]


COMPLIANCE_HEADER: Sequence[Promise] = (
    _("holding agency"), _("public id"), _("serial (frame)"), _("type"), _("make"), _("model"), _("status"),
    _("issue"), _("rule"),
)


def compliance_export_rows(queryset: QuerySet[Firearm]) -> Iterator[list[Any]]:
    """One row per issue of every non-compliant firearm."""
    yield [str(h) for h in COMPLIANCE_HEADER]
    chunk: list[Firearm] = []

    def flush() -> Iterator[list[Any]]:
        for f, issues in with_compliance_issues(chunk):
            for issue in issues:
                yield [f.holding_agency.name if f.holding_agency else "", str(f.public_id), f.serial_key,
                       f.type.label, f.manufacturer.name if f.manufacturer else f.make_as_read,
                       f.model.name if f.model else f.model_as_read, status_label(f.status), issue.message,
                       issue.rule]

    for firearm in queryset.prefetch_related(*compliance_prefetches()).iterator(chunk_size=2000):
        chunk.append(firearm)
        if len(chunk) >= 2000:
            yield from flush()
            chunk = []
    yield from flush()
