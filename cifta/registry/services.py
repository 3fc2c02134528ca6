"""Writes of the registry. One transaction each; every change is in the change log and every
business event in the audit log. Status is never edited: it follows from the events."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cifta.core import audit, bulkwrite
from cifta.core.errors import ConflictError, ServiceError
from cifta.directory.models import Agency
from cifta.registry import events
from cifta.registry.drafts import FirearmDraft, MarkingDraft
from cifta.registry.engines import lifecycle, state_marking
from cifta.registry.engines.lifecycle import Event, LifecycleError, Proposed, Status
from cifta.registry.models import (
    CivilianHolder,
    Firearm,
    FirearmEvent,
    FirearmPhoto,
    HitNotice,
    Marking,
    MarkingSequence,
    SerialNumber,
    serial_index_forms,
)

REPORTED_MISSING = (Status.LOST, Status.STOLEN)


def _lifecycle_error(exc: LifecycleError) -> ServiceError:
    messages = {
        "destroyed": _("This firearm was destroyed: nothing can be recorded after its destruction."),
        "not_first": _("This event cannot be the first in a firearm's record."),
        "not_allowed": _("This event cannot follow the firearm's current status."),
        "art_vii": _("A seized or confiscated firearm cannot be disposed of to a private holder "
                     "(CIFTA Art. VII)."),
    }
    return ServiceError(str(messages.get(exc.code, str(exc))), field="kind")


def _duplicate(draft: FirearmDraft) -> Firearm | None:
    return Firearm.objects.owned().filter(
        manufacturer_id=draft.manufacturer_id, model_id=draft.model_id, serial_key=draft.serial_key
    ).first()


def _firearm_from_draft(draft: FirearmDraft, status: Status, country_id: int | None = None) -> Firearm:
    firearm = Firearm(
        type_id=draft.type_id, manufacturer_id=draft.manufacturer_id, make_as_read=draft.make_as_read,
        model_id=draft.model_id, model_as_read=draft.model_as_read, calibre_id=draft.calibre_id,
        calibre_as_read=draft.calibre_as_read, serial_key=draft.serial_key,
        country_of_manufacture=draft.country_of_manufacture, year_of_manufacture=draft.year_of_manufacture,
        status=status, holding_agency_id=draft.holding_agency_id, storage_location=draft.storage_location,
        source=draft.source, notes=draft.notes,
    )
    if country_id is not None:
        firearm.country_id = country_id
    return firearm


def _marking(firearm: Firearm, m: MarkingDraft) -> Marking:
    return Marking(
        firearm=firearm, country_id=firearm.country_id, kind=m.kind, text=m.text, component_id=m.component_id,
        location=m.location, method=m.method, country_code=m.country_code, year=m.year,
        importer_name=m.importer_name, importer_address=m.importer_address, import_country=m.import_country,
        import_year=m.import_year,
    )


@transaction.atomic
def register_firearm(*, actor: Any, draft: FirearmDraft, trigger: str = HitNotice.Trigger.CREATED) -> Firearm:
    """Create a firearm record from a checked draft, with its serials, markings and first event."""
    if _duplicate(draft) is not None:
        raise ConflictError(_("A firearm with this make, model and serial is already registered."), field="serial")
    try:
        status = lifecycle.check([], Proposed(Event(draft.first_event)))
    except LifecycleError as exc:
        raise _lifecycle_error(exc) from exc
    assert status is not None
    firearm = _firearm_from_draft(draft, status)
    firearm.save()
    for component_id, value, key, primary in draft.serials:
        SerialNumber(firearm=firearm, country_id=firearm.country_id, component_id=component_id, value=value,
                     key=key, is_primary=primary).save()
    for marking in draft.markings:
        _marking(firearm, marking).save()
    FirearmEvent(firearm=firearm, country_id=firearm.country_id, kind=draft.first_event,
                 occurred_on=draft.occurred_on, agency_id=draft.holding_agency_id, status_after=status).save()
    audit.emit(events.FIREARM_REGISTERED, target=firearm, payload={"serial": draft.serial_key,
                                                                  "event": draft.first_event})
    raise_hit_notices([firearm], trigger=trigger)
    return firearm


def bulk_register(*, actor: Any, drafts: list[FirearmDraft], country_id: int, source_name: str,
                  batch_number: int) -> list[int]:
    """Insert a batch of checked drafts at once, with their serials, markings and first events,
    one change-log row per record (``core.bulkwrite``) and one audit event for the batch. The
    caller holds the transaction (one per batch) and has removed duplicates. Returns the ids."""
    status_of = {}
    for kind in {d.first_event for d in drafts}:
        try:
            status_of[kind] = lifecycle.check([], Proposed(Event(kind)))
        except LifecycleError as exc:
            raise _lifecycle_error(exc) from exc
    base = {"country_id": country_id}
    firearms, firearm_reprs = [], []
    for d in drafts:
        key = d.serial_key
        firearms.append({
            **base, "type_id": d.type_id, "manufacturer_id": d.manufacturer_id, "make_as_read": d.make_as_read,
            "model_id": d.model_id, "model_as_read": d.model_as_read, "calibre_id": d.calibre_id,
            "calibre_as_read": d.calibre_as_read, "serial_key": key,
            "country_of_manufacture": d.country_of_manufacture, "year_of_manufacture": d.year_of_manufacture,
            "status": str(status_of[d.first_event]), "holding_agency_id": d.holding_agency_id,
            "civilian_holder_id": None, "storage_location": d.storage_location, "source": d.source,
            "notes": d.notes})
        firearm_reprs.append(f"{key or '?'} ({d.make_as_read or '-'} {d.model_as_read})".strip())
    ids = bulkwrite.create_rows(Firearm, firearms, firearm_reprs, message=source_name)

    serials: list[dict[str, Any]] = []
    markings: list[dict[str, Any]] = []
    first_events: list[dict[str, Any]] = []
    kind_label = {k: str(label) for k, label in Marking.Kind.choices}
    for pk, d in zip(ids, drafts, strict=True):
        for component_id, value, skey, primary in d.serials:
            folded, folded_reversed, bare = serial_index_forms(skey)
            serials.append({**base, "firearm_id": pk, "component_id": component_id, "value": value, "key": skey,
                            "is_primary": primary, "folded": folded, "folded_reversed": folded_reversed,
                            "bare": bare})
        for m in d.markings:
            markings.append({**base, "firearm_id": pk, "kind": m.kind, "component_id": m.component_id,
                             "location": m.location, "text": m.text, "method": m.method,
                             "country_code": m.country_code, "year": m.year, "importer_name": m.importer_name,
                             "importer_address": m.importer_address, "import_country": m.import_country,
                             "import_year": m.import_year})
        first_events.append({**base, "firearm_id": pk, "kind": d.first_event, "occurred_on": d.occurred_on,
                             "agency_id": d.holding_agency_id, "civilian_holder_id": None,
                             "counterpart_country": "", "reference": "", "notes": "",
                             "status_after": str(status_of[d.first_event])})
    bulkwrite.create_rows(SerialNumber, serials, [s["value"] for s in serials], message=source_name)
    bulkwrite.create_rows(Marking, markings, [f"{kind_label.get(m['kind'], m['kind'])}: {m['text']}"
                                              for m in markings], message=source_name)
    bulkwrite.create_rows(FirearmEvent, first_events, [f"{e['kind']} {e['occurred_on']}" for e in first_events],
                          message=source_name)
    audit.emit(events.BATCH_IMPORTED, country_id=country_id,
               payload={"file": source_name, "batch": batch_number, "rows": len(firearms)})
    # Hit notices need the records: load only those whose serial is reported missing.
    keys = {f["serial_key"] for f in firearms}
    if Firearm.objects.owned().filter(serial_key__in=keys, status__in=REPORTED_MISSING).exists():
        raise_hit_notices(list(Firearm.objects.owned().filter(pk__in=ids)), trigger=HitNotice.Trigger.IMPORTED)
    return ids


def raise_hit_notices(firearms: Iterable[Firearm], *, trigger: str, detail: str = "") -> list[HitNotice]:
    """Tell the reporting agency when a record matches a firearm of the same country reported
    lost or stolen (same frame serial; same make when both are known)."""
    firearms = list(firearms)
    keys = {f.serial_key for f in firearms if f.serial_key}
    if not keys:
        return []
    missing = list(Firearm.objects.owned().filter(serial_key__in=keys, status__in=REPORTED_MISSING))
    notices = []
    for record in firearms:
        for reported in missing:
            if reported.pk == record.pk or reported.serial_key != record.serial_key:
                continue
            makers = {reported.manufacturer_id, record.manufacturer_id} - {None}
            if len(makers) > 1:  # both makes known and different: not the same firearm
                continue
            notices.append(_notice(reported, trigger, matched=record, detail=detail))
    return notices


def raise_search_hits(found: Iterable[Firearm], *, query: str) -> list[HitNotice]:
    return [_notice(f, HitNotice.Trigger.SEARCHED, detail=f"search: {query}"[:300])
            for f in found if f.status in REPORTED_MISSING]


def _notice(reported: Firearm, trigger: str, *, matched: Firearm | None = None, detail: str = "") -> HitNotice:
    report = reported.events.filter(kind__in=[Event.REPORTED_LOST, Event.REPORTED_STOLEN]).order_by("-id").first()
    notice = HitNotice(firearm=reported, country_id=reported.country_id, trigger=trigger, matched_firearm=matched,
                       agency_id=(report.agency_id if report else None) or reported.holding_agency_id, detail=detail)
    notice.save()
    audit.emit(events.HIT_RAISED, target=reported, payload={"trigger": trigger,
                                                           "matched": matched.pk if matched else None})
    return notice


@transaction.atomic
def record_event(*, actor: Any, firearm: Firearm, kind: str, occurred_on: dt.date | None = None,
                 agency: Agency | None = None, civilian_holder: CivilianHolder | None = None,
                 counterpart_country: str = "", reference: str = "", notes: str = "") -> FirearmEvent:
    """Add one event to a firearm's life, if its history allows it, and update what follows."""
    firearm = Firearm.objects.owned().select_for_update().get(pk=firearm.pk)
    try:
        event = Event(kind)
    except ValueError as exc:
        raise ServiceError(_("Unknown event."), field="kind") from exc
    occurred_on = occurred_on or timezone.localdate()
    if occurred_on > timezone.localdate():
        raise ServiceError(_("The date is in the future."), field="occurred_on")
    if event is Event.HOLDER_CHANGED and agency is None and civilian_holder is None:
        raise ServiceError(_("Say who holds the firearm now: an agency or a licensed holder."), field="agency")
    if agency is not None:
        agency = Agency.objects.owned().get(pk=agency.pk)
    if civilian_holder is not None:
        civilian_holder = CivilianHolder.objects.owned().get(pk=civilian_holder.pk)
    if event in (Event.EXPORTED, Event.IMPORTED) and not counterpart_country:
        raise ServiceError(_("Give the other country of the transfer."), field="counterpart_country")
    history = [Event(k) for k in firearm.events.order_by("occurred_on", "id").values_list("kind", flat=True)]
    try:
        status = lifecycle.check(history, Proposed(event, to_civilian_holder=civilian_holder is not None))
    except LifecycleError as exc:
        raise _lifecycle_error(exc) from exc
    assert status is not None
    row = FirearmEvent(firearm=firearm, country_id=firearm.country_id, kind=event, occurred_on=occurred_on,
                       agency=agency, civilian_holder=civilian_holder, counterpart_country=counterpart_country.upper(),
                       reference=reference, notes=notes, status_after=status)
    row.save()
    firearm.status = status
    if event is Event.HOLDER_CHANGED:
        firearm.holding_agency, firearm.civilian_holder = agency, civilian_holder
    elif event in (Event.SEIZED, Event.CONFISCATED) and agency is not None:
        firearm.holding_agency, firearm.civilian_holder = agency, None
    firearm.save()
    audit.emit(events.EVENT_RECORDED, target=firearm, payload={"event": event.value, "status": status.value,
                                                              "reference": reference})
    return row


@transaction.atomic
def add_marking(*, actor: Any, firearm: Firearm, marking: MarkingDraft, occurred_on: dt.date | None = None,
                agency: Agency | None = None) -> Marking:
    firearm = Firearm.objects.owned().select_for_update().get(pk=firearm.pk)
    if marking.kind == "import" and not marking.import_country:
        raise ServiceError(_("An import marking needs the country of import (ITI 8(b))."), field="import_country")
    if not marking.text.strip():
        raise ServiceError(_("Write the text of the marking as read."), field="text")
    record_event(actor=actor, firearm=firearm, kind=Event.MARKED, occurred_on=occurred_on, agency=agency,
                 notes=marking.text[:500])
    row = _marking(firearm, marking)
    row.save()
    audit.emit(events.MARKING_ADDED, target=firearm, payload={"kind": marking.kind, "text": marking.text})
    return row


FIREARM_EDITABLE = ("storage_location", "notes", "year_of_manufacture", "country_of_manufacture",
                    "calibre", "model", "manufacturer", "make_as_read", "model_as_read", "calibre_as_read", "type")


@transaction.atomic
def update_firearm(*, actor: Any, instance: Firearm, **data: Any) -> Firearm:
    """Correct descriptive fields. Status, holder and serials change only through events."""
    firearm = Firearm.objects.owned().select_for_update().get(pk=instance.pk)
    unknown = set(data) - set(FIREARM_EDITABLE)
    if unknown:
        field = sorted(unknown)[0]
        raise ServiceError(_("This field changes only through an event."), field=field)
    for name, value in data.items():
        setattr(firearm, name, value)
    if firearm.year_of_manufacture and firearm.year_of_manufacture > timezone.localdate().year:
        raise ServiceError(_("The year is in the future."), field="year_of_manufacture")
    clash = Firearm.objects.owned().filter(manufacturer_id=firearm.manufacturer_id, model_id=firearm.model_id,
                                           serial_key=firearm.serial_key).exclude(pk=firearm.pk)
    if clash.exists():
        raise ConflictError(_("A firearm with this make, model and serial is already registered."), field="serial")
    firearm.save()
    audit.emit(events.FIREARM_UPDATED, target=firearm, payload={"fields": sorted(data)})
    return firearm


@transaction.atomic
def create_civilian_holder(*, actor: Any, full_name: str, id_document: str = "",
                           licence_number: str = "") -> CivilianHolder:
    if not full_name.strip():
        raise ServiceError(_("A name is required."), field="full_name")
    holder = CivilianHolder(full_name=full_name.strip(), id_document=id_document, licence_number=licence_number)
    holder.save()
    audit.emit(events.HOLDER_CREATED, target=holder, payload={})
    return holder


MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")


@transaction.atomic
def add_photo(*, actor: Any, firearm: Firearm, content: bytes, filename: str, caption: str = "") -> FirearmPhoto:
    firearm = Firearm.objects.owned().get(pk=firearm.pk)
    if len(content) > MAX_PHOTO_BYTES:
        raise ServiceError(_("A photo may be at most 10 MB."), field="image")
    if not content.startswith(PHOTO_SIGNATURES):
        raise ServiceError(_("Photos are JPEG, PNG or WebP images."), field="image")
    digest = hashlib.sha256(content).hexdigest()
    photo = FirearmPhoto(firearm=firearm, country_id=firearm.country_id, sha256=digest, caption=caption)
    photo.image.save(filename, ContentFile(content), save=False)
    photo.save()
    audit.emit(events.PHOTO_ADDED, target=firearm, payload={"sha256": digest})
    return photo


@transaction.atomic
def mark_hit_read(*, actor: Any, notice: HitNotice) -> HitNotice:
    notice = HitNotice.objects.owned().select_for_update().get(pk=notice.pk)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save()
        audit.emit(events.HIT_READ, target=notice, payload={})
    return notice


@transaction.atomic
def next_state_serial(*, actor: Any, prefix: str) -> tuple[int, str]:
    """Draw the next State-applied serial under a prefix. The sequence row is locked, so two
    officers drawing at the same moment get different numbers."""
    if not MarkingSequence.objects.owned().filter(prefix=prefix).exists():
        try:
            with transaction.atomic():
                MarkingSequence(prefix=prefix, last_number=0).save()
        except IntegrityError:
            pass  # another officer created it at the same moment: use theirs
    sequence = MarkingSequence.objects.owned().select_for_update().get(prefix=prefix)
    number = sequence.last_number + 1
    if number >= state_marking.CAPACITY:
        raise ServiceError(_("This marking series is full."), field="prefix")
    sequence.last_number = number
    sequence.save()
    return number, state_marking.encode_serial(number)


def marking_layout(country_code: str) -> state_marking.Layout:
    """The State's variant of the 05.30 layout (settings ``CIFTA_MARKING_LAYOUTS``), or the default."""
    from django.conf import settings

    variant = getattr(settings, "CIFTA_MARKING_LAYOUTS", {}).get(country_code)
    if not variant:
        return state_marking.DEFAULT_LAYOUT
    return state_marking.Layout(parts=tuple(variant.get("parts", state_marking.DEFAULT_LAYOUT.parts)),
                                separator=variant.get("separator", " "))


@transaction.atomic
def generate_state_marking(*, actor: Any, firearm: Firearm, year: int | None = None) -> str:
    """A new State marking for a firearm in the MOSAIC 05.30 layout, with a unique State serial
    (alphabet without I, O and Q). Applying it is recorded with ``add_marking``."""
    firearm = Firearm.objects.owned().select_related("country", "manufacturer", "type", "calibre").get(pk=firearm.pk)
    if firearm.status == Status.DESTROYED:
        raise ServiceError(_("This firearm was destroyed: nothing can be recorded after its destruction."),
                           field="firearm")
    year = year or timezone.localdate().year
    maker = firearm.manufacturer.code if firearm.manufacturer else "XXXX"
    calibre = firearm.calibre.marking_code if firearm.calibre else "00"
    layout = marking_layout(firearm.country.code)
    prefix = f"{firearm.country.code}|{maker}|{year % 100:02d}|{firearm.type.marking_code}"
    number, _serial = next_state_serial(actor=actor, prefix=prefix)
    text = state_marking.compose(country=firearm.country.code, maker=maker, year=year,
                                 type_code=firearm.type.marking_code, number=number, calibre=calibre, layout=layout)
    audit.emit(events.STATE_MARK_GENERATED, target=firearm, payload={"marking": text})
    return text


def look_up_serial(*, principal: Any, serial: str, case_reference: str) -> list[Firearm]:
    """The exact look-up as people use it: an audited sensitive read (who, what, why, how many),
    and a hit on a firearm reported lost or stolen tells the agency that reported it. Both are
    written in one transaction. Each firearm found carries ``reported_missing``."""
    from cifta.registry.selectors import serial_lookup

    key, queryset = serial_lookup(serial)
    found = list(queryset)
    with transaction.atomic():
        audit.audit_read(events.SERIAL_LOOKED_UP, country_id=principal.country_id,
                         query={"serial": serial, "canonical": key}, result_count=len(found),
                         case_reference=case_reference)
        raise_search_hits(found, query=key)
    for f in found:
        f.reported_missing = f.status in REPORTED_MISSING  # type: ignore[attr-defined]
    return found
