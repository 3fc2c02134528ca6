"""Marking operations: an agency's marking sessions, and the log a marking machine writes.

Each line of a machine log (serial, text marked, time, machine) is matched to one firearm of the
caller's country by its canonical serial on any component. A unique match adds the marking
(``services.add_marking``: the marking, a "marked" event, the audit) and an item of the session;
no match, several firearms with that serial, or a destroyed firearm make an item that says why,
so nothing of the log is lost and a person can settle each unmatched line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cifta.core import audit
from cifta.core.errors import ServiceError
from cifta.directory.models import Agency
from cifta.reference.normalise import name_key
from cifta.registry import events, services
from cifta.registry.drafts import MarkingDraft
from cifta.registry.engines.lifecycle import Status
from cifta.registry.importing.mapping import resolve
from cifta.registry.importing.readers import open_table
from cifta.registry.models import Firearm, Marking, MarkingSession, MarkingSessionItem, SerialNumber
from cifta.registry.serials.normalise import serial_key

LOG_FIELDS = ("serial", "text", "marked_at", "machine", "kind")
LOG_LABELS = {
    "serial": gettext_lazy("serial"),
    "text": gettext_lazy("text marked"),
    "marked_at": gettext_lazy("time of marking"),
    "machine": gettext_lazy("machine id"),
    "kind": gettext_lazy("kind of marking"),
}
LOG_SYNONYMS = {
    "serial": ("serial", "serial number", "serial no", "s/n", "sn", "número de serie", "numero de serie",
               "numéro de série", "número de série", "serie", "firearm serial"),
    "text": ("text", "text marked", "marked text", "marking", "marking text", "texto", "texto marcado", "marcaje",
             "texte", "texte marqué", "marquage", "marcação"),
    "marked_at": ("timestamp", "time", "date", "datetime", "marked at", "fecha", "fecha y hora", "hora",
                  "horodatage", "date et heure", "data", "data e hora"),
    "machine": ("machine", "machine id", "machine_id", "máquina", "maquina", "id máquina", "id de la máquina",
                "id machine", "equipo"),
    "kind": ("kind", "kind of marking", "marking kind", "tipo de marcaje", "type de marquage"),
}
BATCH = 500
DATETIME_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


def _auto(headers: Sequence[str]) -> dict[str, str]:
    table: dict[str, str] = {}
    for field_name in LOG_FIELDS:
        table.setdefault(name_key(field_name), field_name)
        for text in LOG_SYNONYMS[field_name]:
            table.setdefault(name_key(text), field_name)
    columns: dict[str, str] = {}
    for header in headers:
        name = table.get(name_key(header or ""))
        if name and name not in columns:
            columns[name] = header
    return columns


@transaction.atomic
def create_marking_session(*, actor: Any, agency: Agency, held_on: dt.date, machine: str = "",
                           operator: str = "", notes: str = "") -> MarkingSession:
    """A session of one of the caller's own agencies (the country follows the agency)."""
    own = Agency.objects.owned().filter(pk=getattr(agency, "pk", None)).first()
    if own is None:
        raise ServiceError(_("Choose one of your own agencies."), field="agency")
    if held_on > timezone.localdate():
        raise ServiceError(_("The date is in the future."), field="held_on")
    session = MarkingSession(agency=own, country_id=own.country_id, held_on=held_on, machine=machine.strip()[:100],
                             operator=operator.strip()[:150], notes=notes.strip()[:500])
    session.save()
    audit.emit(events.SESSION_CREATED, target=session, payload={"agency": own.pk, "held_on": held_on,
                                                               "machine": session.machine})
    return session


@dataclass
class LogLine:
    line: int
    serial: str
    text: str
    marked_at: dt.datetime | None
    machine: str
    kind: str
    problem: str = ""


@dataclass
class LogResult:
    matched: int = 0
    unmatched: int = 0
    items: list[MarkingSessionItem] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return self.matched + self.unmatched


def _when(value: Any) -> dt.datetime | None:
    """A time as a log writes it: ISO 8601, or day/month/year (as written in the Americas)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(0))
    else:
        text = str(value).strip()
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            for fmt in DATETIME_FORMATS:
                try:
                    moment = dt.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            else:
                raise ValueError(text) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _line(number: int, row: Mapping[str, Any], default_machine: str) -> LogLine:
    def text(name: str) -> str:
        value = row.get(name)
        return "" if value is None else str(value).strip()

    item = LogLine(number, text("serial"), text("text"), None, text("machine") or default_machine,
                   text("kind") or Marking.Kind.STATE)
    try:
        item.marked_at = _when(row.get("marked_at"))
    except ValueError:
        item.problem = _("The time %(value)r cannot be read: write it as YYYY-MM-DD HH:MM.") % {
            "value": text("marked_at")}
    if not item.problem:
        if not item.serial:
            item.problem = _("No serial on this line.")
        elif not serial_key(item.serial):
            item.problem = _("The serial has no letters or digits.")
        elif len(item.serial) > 60:
            item.problem = _("The serial is longer than 60 characters.")
        elif not item.text:
            item.problem = _("No text marked on this line.")
        elif len(item.text) > 200:
            item.problem = _("The text marked is longer than 200 characters.")
        elif item.kind not in Marking.Kind.values:
            item.problem = _("Unknown kind of marking %(value)r (one of: %(choices)s).") % {
                "value": item.kind, "choices": ", ".join(Marking.Kind.values)}
        elif item.marked_at is not None and item.marked_at > timezone.now():
            item.problem = _("The time of marking is in the future.")
    return item


def _candidates(keys: set[str]) -> dict[str, dict[int, tuple[str, int]]]:
    """serial key -> {firearm id: (status, component id)}, in the caller's own country only."""
    found: dict[str, dict[int, tuple[str, int]]] = {}
    rows = SerialNumber.objects.owned().filter(key__in=keys).order_by("-is_primary").values_list(
        "key", "firearm_id", "firearm__status", "component_id")
    for key, firearm_id, status, component_id in rows:
        found.setdefault(key, {}).setdefault(firearm_id, (status, component_id))
    return found


def _unmatched(session: MarkingSession, line: LogLine, reason: str) -> MarkingSessionItem:
    item = MarkingSessionItem(session=session, country_id=session.country_id, serial=line.serial[:60],
                              text=line.text[:200], marked_at=line.marked_at, machine=line.machine[:100],
                              unmatched_reason=reason[:200])
    with transaction.atomic():
        item.save()
    return item


def _apply(actor: Any, session: MarkingSession, line: LogLine, firearm_id: int,
           component_id: int | None) -> MarkingSessionItem:
    firearm = Firearm.objects.owned().get(pk=firearm_id)
    when = line.marked_at or timezone.make_aware(dt.datetime.combine(session.held_on, dt.time(0)))
    draft = MarkingDraft(kind=line.kind, text=line.text, component_id=component_id, method="",
                         country_code=session.country.code if len(session.country.code) == 2 else "",
                         year=timezone.localtime(when).year)
    with transaction.atomic():
        services.add_marking(actor=actor, firearm=firearm, marking=draft,
                             occurred_on=timezone.localtime(when).date(), agency=session.agency)
        item = MarkingSessionItem(session=session, country_id=session.country_id, firearm=firearm,
                                  serial=line.serial, text=line.text, marked_at=line.marked_at,
                                  machine=line.machine[:100])
        item.save()
    return item


def check_log(path: str | Path, *, encoding: str = "utf-8", columns: Mapping[str, str] | None = None) -> list[str]:
    """The log's headers, or FileProblem saying why it cannot be read (before a session exists)."""
    with open_table(path, encoding=encoding) as table:
        resolve(table.headers, columns, required=("serial", "text"), known=LOG_FIELDS, auto=_auto, labels=LOG_LABELS)
        return table.headers


def import_marking_log(*, actor: Any, session: MarkingSession, path: str | Path, encoding: str = "utf-8",
                       columns: Mapping[str, str] | None = None) -> LogResult:
    """Match each line of a machine log; returns how many lines matched and how many did not.

    Raises FileProblem when the file cannot be read or has no serial or text column."""
    session = MarkingSession.objects.owned().select_related("agency", "country").get(pk=session.pk)
    result = LogResult()
    with open_table(path, encoding=encoding) as table:
        colmap = resolve(table.headers, columns, required=("serial", "text"), known=LOG_FIELDS, auto=_auto,
                         labels=LOG_LABELS)
        positions = list(colmap.positions.items())
        chunk: list[LogLine] = []
        for number, values in table.rows():
            count = len(values)
            row = {name: values[pos] for name, pos in positions if pos < count}
            line = _line(number, row, session.machine)
            problems = table.row_problems.get(number)
            if problems and not line.problem:
                line.problem = problems[0][1]
            chunk.append(line)
            if len(chunk) >= BATCH:
                _match(actor, session, chunk, result)
                chunk = []
        if chunk:
            _match(actor, session, chunk, result)
    with transaction.atomic():
        audit.emit(events.MARKING_LOG_IMPORTED, target=session, payload={
            "file": Path(path).name, "matched": result.matched, "unmatched": result.unmatched})
    return result


def _match(actor: Any, session: MarkingSession, lines: list[LogLine], result: LogResult) -> None:
    found = _candidates({serial_key(line.serial) for line in lines if not line.problem})
    for line in lines:
        reason = line.problem
        firearm_id = component_id = None
        if not reason:
            candidates = found.get(serial_key(line.serial), {})
            if not candidates:
                reason = _("No firearm of yours has this serial.")
            elif len(candidates) > 1:
                reason = _("%(count)s firearms have this serial: mark each one from its record.") % {
                    "count": len(candidates)}
            else:
                ((firearm_id, (status, component_id)),) = candidates.items()
                if status == Status.DESTROYED:
                    reason = _("This firearm was destroyed: it cannot be marked.")
        if not reason and firearm_id is not None:
            try:
                result.items.append(_apply(actor, session, line, firearm_id, component_id))
                result.matched += 1
                continue
            except ServiceError as exc:
                reason = str(exc)
        result.items.append(_unmatched(session, line, reason))
        result.unmatched += 1
