"""Reads of destruction events: lists with their counts, the State's witness rule, what keeps
a firearm from being destroyed (an open trace, another open event) and the candidates an
officer may pick from (the registry's seized and confiscated firearms, and the stockpile's
surplus and obsolete stock).

Everything reads through the scoped managers; what leads to a write uses ``owned()``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from cifta.destruction.models import DestructionEvent, DestructionItem, DestructionPolicy, Witness
from cifta.registry.engines.lifecycle import Status
from cifta.registry.models import Firearm
from cifta.registry.selectors import status_label
from cifta.stockpile import selectors_inventory
from cifta.tracing.engines.workflow import State
from cifta.tracing.models import TraceAnswer, TraceCase, TraceRequest
from cifta.tracing.selectors import with_state

DEFAULT_MIN_WITNESSES = 2
DEFAULT_MIN_AGENCIES = 2
OPEN_EVENT = (DestructionEvent.Status.PLANNED, DestructionEvent.Status.APPROVED)
CLOSED_TRACE_STATES = (State.ANSWERED, State.WITHDRAWN, State.CLOSED)
# Registry statuses an officer may put forward for destruction from the registry.
REGISTRY_CANDIDATES = (Status.SEIZED, Status.CONFISCATED, Status.DEACTIVATED)


# --- events ------------------------------------------------------------------------------------
def event_queryset() -> QuerySet[DestructionEvent]:
    return DestructionEvent.objects.select_related("country").annotate(
        item_count=Count("items", distinct=True), witness_count=Count(
            "witnesses", filter=Q(witnesses__role=Witness.Role.WITNESS), distinct=True)).order_by("-planned_on", "-id")


def filter_events(events: QuerySet[DestructionEvent], *, status: str = "", year: int | None = None,
                  q: str = "") -> QuerySet[DestructionEvent]:
    if status:
        events = events.filter(status=status)
    if year:
        events = events.filter(planned_on__year=year)
    if q:
        events = events.filter(Q(reference__icontains=q) | Q(title__icontains=q) | Q(site_name__icontains=q))
    return events


def items_of(event: DestructionEvent) -> list[DestructionItem]:
    return list(DestructionItem.objects.filter(event=event).select_related(
        "firearm__manufacturer", "firearm__model", "firearm__calibre", "firearm__type", "lot",
        "storehouse__facility").order_by("kind", "id"))


# --- the witness rule --------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    min_witnesses: int
    min_agencies: int
    policy: DestructionPolicy | None


def witness_rule() -> Rule:
    """The State's own rule, or the default (two witnesses from two agencies)."""
    policy = DestructionPolicy.objects.owned().first()
    if policy is None:
        return Rule(DEFAULT_MIN_WITNESSES, DEFAULT_MIN_AGENCIES, None)
    return Rule(policy.min_witnesses, policy.min_agencies, policy)


def witness_shortfall(event: DestructionEvent, rule: Rule | None = None) -> str | None:
    """Why the event's witnesses do not meet the rule, or None when they do. Observers do not
    count; witnesses count once per agency (or organisation, when no agency is named)."""
    rule = rule or witness_rule()
    witnesses = list(Witness.objects.owned().filter(event=event, role=Witness.Role.WITNESS)
                     .values_list("agency_id", "organisation"))
    bodies = {f"agency:{agency}" if agency else f"org:{organisation.strip().casefold()}"
              for agency, organisation in witnesses}
    if len(witnesses) < rule.min_witnesses or len(bodies) < rule.min_agencies:
        return _("The rule of your State asks for at least %(witnesses)s witness(es) from at least %(agencies)s "
                 "different agency(ies); this event has %(have)s witness(es) from %(bodies)s.") % {
            "witnesses": rule.min_witnesses, "agencies": rule.min_agencies, "have": len(witnesses),
            "bodies": len(bodies)}
    return None


# --- what keeps a firearm from destruction -----------------------------------------------------
def open_traces(firearm_ids: Iterable[int]) -> dict[int, str]:
    """Firearm id -> the reference of an open trace about it: a domestic trace case still open
    (or waiting for an answer from abroad) whose recovered or traced firearm it is, or a request
    sent about such a case and not answered, withdrawn or closed yet."""
    ids = list(firearm_ids)
    if not ids:
        return {}
    found: dict[int, str] = {}
    about = Q(firearm_id__in=ids) | Q(traced_firearm_id__in=ids)
    for ref, firearm_id, traced_id in (TraceCase.objects.owned().filter(about).filter(
            status__in=[TraceCase.Status.OPEN, TraceCase.Status.REQUESTED])
            .values_list("reference", "firearm_id", "traced_firearm_id")):
        for fid in (firearm_id, traced_id):
            if fid in ids:
                found.setdefault(fid, ref)
    requests = with_state(TraceRequest.objects.owned().filter(
        Q(case__firearm_id__in=ids) | Q(case__traced_firearm_id__in=ids))).annotate(
        answered=Exists(TraceAnswer.objects.filter(request=OuterRef("pk"))))
    for ref, state, answered, firearm_id, traced_id in requests.values_list(
            "reference", "state", "answered", "case__firearm_id", "case__traced_firearm_id"):
        if answered or state in CLOSED_TRACE_STATES:
            continue
        for fid in (firearm_id, traced_id):
            if fid in ids:
                found.setdefault(fid, ref)
    return found


def in_open_events(firearm_ids: Iterable[int], *, exclude: DestructionEvent | None = None) -> dict[int, str]:
    """Firearm id -> the reference of another planned or approved event that lists it."""
    items = DestructionItem.objects.owned().filter(firearm_id__in=list(firearm_ids),
                                                   status=DestructionItem.Status.LISTED,
                                                   event__status__in=OPEN_EVENT)
    if exclude is not None:
        items = items.exclude(event=exclude)
    return dict(items.values_list("firearm_id", "event__reference"))


def reserved_quantity(lot_id: int, storehouse_id: int, *, exclude: DestructionEvent | None = None) -> int:
    """Units of a lot in a storehouse already listed by planned or approved events."""
    items = DestructionItem.objects.owned().filter(lot_id=lot_id, storehouse_id=storehouse_id,
                                                   status=DestructionItem.Status.LISTED,
                                                   event__status__in=OPEN_EVENT)
    if exclude is not None:
        items = items.exclude(event=exclude)
    return sum(items.values_list("quantity", flat=True))


# --- candidates --------------------------------------------------------------------------------
@dataclass
class FirearmCandidate:
    firearm: Firearm
    reason: str


def registry_candidates(event: DestructionEvent, *, q: str = "", status: str = "",
                        limit: int = 200) -> list[FirearmCandidate]:
    """The State's seized, confiscated and deactivated firearms that no open event lists and
    no open trace holds back, newest first (``limit`` rows)."""
    firearms = Firearm.objects.owned().filter(status__in=[str(s) for s in REGISTRY_CANDIDATES])
    if status:
        firearms = firearms.filter(status=status)
    if q:
        firearms = firearms.filter(serial_key__icontains=q)
    listed = DestructionItem.objects.owned().filter(firearm_id=OuterRef("pk"), status=DestructionItem.Status.LISTED,
                                                   event__status__in=OPEN_EVENT)
    rows = list(firearms.exclude(Exists(listed)).select_related("manufacturer", "model", "type")
                .order_by("-id")[:limit])
    held = open_traces(f.pk for f in rows)
    return [FirearmCandidate(f, status_label(f.status)) for f in rows if f.pk not in held]


def stock_candidates(today: dt.date) -> list[selectors_inventory.Candidate]:
    """The stockpile's surplus and obsolete stock still held (``destruction_candidates``)."""
    return selectors_inventory.destruction_candidates(today)


def lot_choices(today: dt.date) -> list[Any]:
    return [c for c in stock_candidates(today) if c.lot is not None]
