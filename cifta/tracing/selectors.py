"""Tracing reads: the two sides' lists with each request's state, overdue lists, a case's
domestic search, and the figures (a State's own, and the Secretariat's counts over all).

Everything reads through the scoped managers except ``regional_figures``, which enters
ALL_COUNTRIES on purpose and returns numbers only, never a record (DESIGN §4: the
Secretariat sees aggregates of States' records)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cifta.core.scoping import ALL_COUNTRIES, country_scope
from cifta.directory.models import Country
from cifta.registry import serial_search
from cifta.registry.engines.lifecycle import Event
from cifta.registry.models import Firearm, FirearmEvent
from cifta.tracing.engines import figures as figure_rules
from cifta.tracing.engines.deadlines import Deadlines, overdue
from cifta.tracing.engines.workflow import FINAL, Outcome, State
from cifta.tracing.models import TraceAnswer, TraceCase, TraceRequest, TraceStep

# Registry events that put an arm in SDG 16.4.2's denominator (seized, found or surrendered).
SEIZURES = (Event.SEIZED, Event.CONFISCATED, Event.RECOVERED)
OPEN_STATES = tuple(s.value for s in State if s not in FINAL and s not in (State.ANSWERED, State.RESTRICTED))


def with_state(requests: QuerySet[TraceRequest]) -> QuerySet[Any]:
    """Each request annotated with ``state``: its last step's, or draft."""
    last = TraceStep.objects.filter(request=OuterRef("pk")).order_by("-seq").values("state_after")[:1]
    return requests.annotate(state=Coalesce(Subquery(last), Value(State.DRAFT.value)))


def outbox(country_id: int) -> QuerySet[TraceRequest]:
    return with_state(TraceRequest.objects.filter(country_id=country_id)).select_related("requested_country")


def inbox(country_id: int) -> QuerySet[TraceRequest]:
    return with_state(TraceRequest.objects.filter(requested_country_id=country_id, sent_at__isnull=False)
                      ).select_related("country")


def acknowledged_at(request: TraceRequest) -> dt.datetime | None:
    return (TraceStep.objects.filter(request=request, action="acknowledge").values_list("at", flat=True).first())


@dataclass(frozen=True)
class Late:
    request: TraceRequest
    steps: list[str]  # "acknowledge", "answer"


def overdue_requests(requests: QuerySet[TraceRequest], now: dt.datetime | None = None) -> list[Late]:
    """Requests of the queryset whose acknowledgement or answer is past due."""
    now = now or timezone.now()
    candidates = list(with_state(requests).filter(sent_at__isnull=False, state__in=OPEN_STATES)
                      .filter(Q(acknowledge_by__lt=now) | Q(answer_by__lt=now))
                      .select_related("country", "requested_country"))
    acknowledged = set(TraceStep.objects.filter(request__in=[r.pk for r in candidates], action="acknowledge")
                       .values_list("request_id", flat=True))
    late = []
    for r in candidates:
        steps = overdue(Deadlines(r.acknowledge_by, r.answer_by), now=now, acknowledged=r.pk in acknowledged,
                        answered=False)
        if steps:
            late.append(Late(r, steps))
    late.sort(key=lambda item: item.request.answer_by or now)
    return late


def case_search(case: TraceCase, *, limit: int = 10) -> list[tuple[Any, Any]]:
    """The domestic trace: each serial read on the recovered firearm searched in the national
    registry (lost, stolen and seized firearms are in it, marked by their status), with the
    make and calibre read raising agreement. Audited by the search with the case reference."""
    results: list[tuple[Any, Any]] = []
    for marking in case.markings.exclude(serial="").select_related("component"):
        try:
            found = search_marking(marking.serial, case_reference=case.case_reference, make=case.make,
                                   calibre=case.calibre, limit=limit)
        except serial_search.ServiceError as exc:
            results.append((marking, exc))
            continue
        results.append((marking, found))
    return results


def search_marking(serial: str, *, case_reference: str, make: str = "", calibre: str = "",
                   limit: int = 10) -> serial_search.SearchResult:
    """One serial read on a recovered firearm, searched in the scope's registry. The make and
    calibre as read raise agreement when the reference data knows them; as read they may not be
    (a misspelt make, a calibre written another way), and then the serial is searched without
    them rather than not at all."""
    given = {"make": make.strip(), "calibre": calibre.strip()}
    while True:
        try:
            return serial_search.search_serials(serial, case_reference=case_reference, limit=limit,
                                                filters=serial_search.Filters(**given))
        except serial_search.ServiceError as exc:
            field = exc.field or ""
            if given.get(field):
                given[field] = ""
                continue
            raise


def firearm_life(firearm: Firearm) -> list[FirearmEvent]:
    """The firearm's chain as the registry knows it: manufacture, import, holders, loss or theft."""
    return list(firearm.events.select_related("agency").order_by("occurred_on", "id"))


# --- figures -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class StateFigures:
    country: Country
    year: int
    sent: figure_rules.Timeliness  # requests this State sent
    received: figure_rules.Timeliness  # requests this State was asked
    cases: int
    traced: int  # origin traced or established (domestic traces and found answers)
    seized: int  # arms seized, found or surrendered: SDG 16.4.2's denominator

    @property
    def sdg_pair(self) -> tuple[int, int] | None:
        return (self.traced, self.seized) if self.seized else None

    @property
    def sdg_value(self) -> float | None:
        return round(100 * self.traced / self.seized, 1) if self.seized else None


def _traces(requests: QuerySet[TraceRequest]) -> list[figure_rules.Trace]:
    # Sent requests: their three dates are set.
    rows: list[tuple[int, Any, Any, Any]] = list(
        requests.filter(sent_at__isnull=False).values_list("pk", "sent_at", "acknowledge_by", "answer_by"))
    ids = [r[0] for r in rows]
    acks = dict(TraceStep.objects.filter(request_id__in=ids, action="acknowledge").values_list("request_id", "at"))
    answers = {a[0]: a[1:] for a in TraceAnswer.objects.filter(request_id__in=ids)
               .values_list("request_id", "answered_at", "outcome", "failure_reason")}
    restricted = set(TraceStep.objects.filter(request_id__in=ids, action="restrict")
                     .values_list("request_id", flat=True))
    traces = []
    for pk, sent_at, ack_by, answer_by in rows:
        answered_at, outcome, failure = answers.get(pk, (None, "", ""))
        if pk in restricted and not failure:
            failure = "restricted"
        traces.append(figure_rules.Trace(sent_at, ack_by, answer_by, acks.get(pk), answered_at, outcome, failure))
    return traces


def _year(field: str, year: int) -> dict[str, Any]:
    return {f"{field}__year": year}


def state_figures(country: Country, year: int) -> StateFigures:
    """One State's tracing figures for a year, read through the active scope."""
    sent = TraceRequest.objects.filter(country=country, **_year("sent_at", year))
    received = TraceRequest.objects.filter(requested_country=country, **_year("sent_at", year))
    cases = TraceCase.objects.filter(country=country, **_year("recovered_on", year))
    case_firearms = set(cases.exclude(firearm=None).values_list("firearm_id", flat=True))
    domestic = cases.filter(status=TraceCase.Status.TRACED).count()
    abroad = (TraceAnswer.objects.filter(request__country=country, request__case__in=cases, outcome=Outcome.FOUND)
              .exclude(request__case__status=TraceCase.Status.TRACED).values("request__case").distinct().count())
    seized_events = (FirearmEvent.objects.filter(country=country, kind__in=SEIZURES, **_year("occurred_on", year))
                     .values_list("firearm_id", flat=True).distinct())
    uncased = len(set(seized_events) - case_firearms)
    return StateFigures(country, year, figure_rules.timeliness(_traces(sent)),
                        figure_rules.timeliness(_traces(received)), cases.count(), domestic + abroad,
                        cases.count() + uncased)


@dataclass(frozen=True)
class RegionalFigures:
    year: int
    states: list[StateFigures]
    sdg: figure_rules.Sdg1642
    totals: figure_rules.Timeliness


def regional_figures(year: int) -> RegionalFigures:
    """All States' figures for the Secretariat: counts and timeliness only. The rows read here
    never leave this function; only the numbers do."""
    with country_scope(ALL_COUNTRIES):
        members = list(Country.objects.member_states().order_by("code"))
        active = set(TraceRequest.objects.filter(**_year("sent_at", year)).values_list("country_id", flat=True))
        active |= set(TraceRequest.objects.filter(**_year("sent_at", year)).values_list("requested_country_id",
                                                                                        flat=True))
        active |= set(TraceCase.objects.filter(**_year("recovered_on", year)).values_list("country_id", flat=True))
        # A State that seized firearms but traced none counts in SDG 16.4.2 (0 over its seizures).
        active |= set(FirearmEvent.objects.filter(kind__in=SEIZURES, **_year("occurred_on", year))
                      .values_list("country_id", flat=True).distinct())
        states = [state_figures(c, year) for c in members if c.pk in active]
        all_sent = _traces(TraceRequest.objects.filter(**_year("sent_at", year)))
    by_state: dict[str, tuple[int, int] | None] = defaultdict(lambda: None)
    for figures in states:
        by_state[figures.country.code] = figures.sdg_pair
    for c in members:
        by_state.setdefault(c.code, None)
    return RegionalFigures(year, states, figure_rules.sdg_16_4_2(dict(by_state), len(members)),
                           figure_rules.timeliness(all_sent))
