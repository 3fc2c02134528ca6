"""Reads of the inventory: lots with what each storehouse holds, the ledger filtered, what a
stock check has still to count, discrepancy rates (a State's own, and every State's numbers
for the Secretariat) and the stock that is a candidate for destruction.

Everything reads through the active scope, except ``regional_discrepancy_rates``, which reads
every State's rows under ``ALL_COUNTRIES`` and lets only numbers out."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cifta.core.scoping import ALL_COUNTRIES, country_scope
from cifta.directory.models import Country
from cifta.registry.engines.lifecycle import Status
from cifta.registry.models import Firearm
from cifta.registry.selectors import with_serial_key
from cifta.registry.serials.normalise import serial_key
from cifta.stockpile import ledger
from cifta.stockpile.models import (
    AmmunitionLot,
    CountLine,
    Discrepancy,
    Facility,
    Movement,
    StockCheck,
    Storehouse,
)

# --- lots --------------------------------------------------------------------------------------


@dataclass
class Holding:
    storehouse: Storehouse
    quantity: int


def lot_queryset() -> QuerySet[AmmunitionLot]:
    return AmmunitionLot.objects.select_related("country")


def filter_lots(lots: QuerySet[AmmunitionLot], *, q: str = "", condition: str = "", surplus: bool | None = None,
                hazard_division: str = "") -> QuerySet[AmmunitionLot]:
    q = (q or "").strip()
    if q:
        lots = lots.filter(Q(nature__icontains=q) | Q(lot_number__icontains=q) | Q(calibre__icontains=q)
                           | Q(manufacturer__icontains=q) | Q(un_number__icontains=q))
    if condition:
        lots = lots.filter(condition=condition)
    if surplus is not None:
        lots = lots.filter(is_surplus=surplus)
    if hazard_division:
        lots = lots.filter(hazard_division=hazard_division)
    return lots


def storehouses_by_id(ids: Iterable[int]) -> dict[int, Storehouse]:
    return {s.pk: s for s in Storehouse.objects.filter(pk__in=list(ids)).select_related("facility")}


def attach_balances(lots: Iterable[AmmunitionLot]) -> list[AmmunitionLot]:
    """Give each lot ``holdings`` (storehouse, quantity) and ``total``, in three queries."""
    rows = list(lots)
    held = ledger.balances(lot_ids=[lot.pk for lot in rows])
    stores = storehouses_by_id({store for store, _lot in held})
    per_lot: dict[int, list[Holding]] = defaultdict(list)
    for (store, lot_id), quantity in held.items():
        per_lot[lot_id].append(Holding(stores[store], quantity))
    for lot in rows:
        holdings = sorted(per_lot.get(lot.pk, []), key=lambda h: (h.storehouse.facility.name, h.storehouse.name))
        lot.holdings = holdings  # type: ignore[attr-defined]
        lot.total = sum(h.quantity for h in holdings)  # type: ignore[attr-defined]
        lot.total_neq_kg = lot.neq_per_unit_kg * lot.total  # type: ignore[attr-defined]
    return rows


def find_firearm(text: str) -> Firearm | None:
    """A firearm of the caller's State by its public id or its serial (any component); None
    when nothing or more than one firearm answers."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return Firearm.objects.owned().filter(public_id=uuid.UUID(text)).first()
    except ValueError:
        pass
    key = serial_key(text)
    if not key:
        return None
    found = list(Firearm.objects.owned().filter(with_serial_key(key))[:2])
    return found[0] if len(found) == 1 else None


# --- the ledger --------------------------------------------------------------------------------
def movement_queryset() -> QuerySet[Movement]:
    return Movement.objects.select_related("country", "lot", "firearm", "from_storehouse__facility",
                                           "to_storehouse__facility", "corrects")


def filter_movements(movements: QuerySet[Movement], *, facility: Facility | None = None,
                     storehouse: Storehouse | None = None, lot: AmmunitionLot | None = None,
                     firearm: Firearm | None = None, kind: str = "", since: dt.date | None = None,
                     until: dt.date | None = None) -> QuerySet[Movement]:
    if facility is not None:
        movements = movements.filter(Q(from_storehouse__facility=facility) | Q(to_storehouse__facility=facility))
    if storehouse is not None:
        movements = movements.filter(Q(from_storehouse=storehouse) | Q(to_storehouse=storehouse))
    if lot is not None:
        movements = movements.filter(lot=lot)
    if firearm is not None:
        movements = movements.filter(firearm=firearm)
    if kind:
        movements = movements.filter(kind=kind)
    if since is not None:
        movements = movements.filter(occurred_on__gte=since)
    if until is not None:
        movements = movements.filter(occurred_on__lte=until)
    return movements


def ledger_header() -> list[str]:
    return [str(x) for x in (_("Date"), _("Movement"), _("Ammunition lot"), _("Nature"), _("Firearm (serial)"),
                             _("Quantity"), _("From"), _("To"), _("Document reference"), _("Reason"),
                             _("Identifier"))]


def ledger_rows(movements: QuerySet[Movement]) -> Iterator[list[Any]]:
    """The ledger as rows for a spreadsheet, header first."""
    yield ledger_header()
    for m in movements.iterator(chunk_size=2000):
        yield [m.occurred_on.isoformat(), m.get_kind_display(), m.lot.lot_number if m.lot else "",
               m.lot.nature if m.lot else "", m.firearm.serial_key if m.firearm else "", m.quantity,
               str(m.from_storehouse) if m.from_storehouse else "", str(m.to_storehouse) if m.to_storehouse else "",
               m.reference, m.reason, str(m.public_id)]


CHUNK = 5000  # ids per statement (SQLite takes at most 32,766 parameters)


def firearms_by_id(ids: Iterable[int], **filters: Any) -> dict[int, Firearm]:
    wanted = sorted(set(ids))
    found: dict[int, Firearm] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = Firearm.objects.filter(pk__in=wanted[start:start + CHUNK], **filters).select_related(
            "type", "manufacturer", "model", "calibre")
        found.update((f.pk, f) for f in rows)
    return found


@dataclass
class StoreContents:
    storehouse: Storehouse
    lots: list[tuple[AmmunitionLot, int]] = field(default_factory=list)
    firearms: list[Firearm] = field(default_factory=list)


def contents(storehouses: Iterable[Storehouse]) -> list[StoreContents]:
    """What the ledger places in each storehouse: lots with their quantities, and firearms."""
    stores = list(storehouses)
    ids = [s.pk for s in stores]
    held = ledger.balances(storehouse_ids=ids)
    lots = {lot.pk: lot for lot in AmmunitionLot.objects.filter(pk__in={lot for _s, lot in held})}
    located = ledger.firearms_in(ids)
    firearms = firearms_by_id(f for fs in located.values() for f in fs)
    out = []
    for store in stores:
        entry = StoreContents(store)
        entry.lots = sorted(((lots[lot], qty) for (s, lot), qty in held.items() if s == store.pk),
                            key=lambda pair: (pair[0].nature, pair[0].lot_number))
        entry.firearms = sorted((firearms[f] for f in located.get(store.pk, [])), key=lambda f: f.serial_key)
        out.append(entry)
    return out


# --- stock checks ------------------------------------------------------------------------------
@dataclass
class Expected:
    """Something the ledger places in a storehouse of the facility and the check has not counted."""

    storehouse: Storehouse
    lot: AmmunitionLot | None
    firearm: Firearm | None
    recorded: int


def uncounted(check: StockCheck) -> list[Expected]:
    stores = list(Storehouse.objects.filter(facility_id=check.facility_id).select_related("facility"))
    lines = list(CountLine.objects.filter(check_run=check).values_list("storehouse_id", "lot_id", "firearm_id"))
    lots_counted = {(s, lot) for s, lot, _f in lines if lot is not None}
    firearms_counted = {f for _s, _l, f in lines if f is not None}
    out: list[Expected] = []
    for entry in contents(stores):
        out += [Expected(entry.storehouse, lot, None, qty) for lot, qty in entry.lots
                if (entry.storehouse.pk, lot.pk) not in lots_counted]
        out += [Expected(entry.storehouse, None, f, 1) for f in entry.firearms if f.pk not in firearms_counted]
    return out


def check_queryset() -> QuerySet[StockCheck]:
    return StockCheck.objects.select_related("facility", "country").annotate(
        line_count=Count("lines", distinct=True), discrepancy_count=Count("lines__discrepancy", distinct=True)
    ).order_by("-scheduled_on", "-id")  # an aggregate drops the model's default order


def discrepancy_queryset() -> QuerySet[Discrepancy]:
    return Discrepancy.objects.select_related("country", "line__check_run__facility", "line__storehouse",
                                              "line__lot", "line__firearm", "settlement")


# --- discrepancy rates -------------------------------------------------------------------------
@dataclass(frozen=True)
class DiscrepancyRate:
    """Closed stock checks of a year: lines counted, lines whose count differed from the ledger."""

    checks: int
    lines: int
    discrepancies: int

    @property
    def rate(self) -> float | None:
        return round(self.discrepancies / self.lines, 4) if self.lines else None


@dataclass(frozen=True)
class StateRate:
    country: Country
    figures: DiscrepancyRate


@dataclass(frozen=True)
class RegionalRates:
    year: int
    states: list[StateRate]
    totals: DiscrepancyRate
    states_total: int


def _closed_in(year: int) -> Q:
    return Q(status=StockCheck.Status.CLOSED, closed_on__year=year)


def discrepancy_rate(subject: Country | Facility, year: int) -> DiscrepancyRate:
    """A State's (or one facility's) discrepancy rate over the checks closed in ``year``, read
    through the active scope."""
    checks = StockCheck.objects.filter(_closed_in(year))
    checks = checks.filter(facility=subject) if isinstance(subject, Facility) else checks.filter(country=subject)
    ids = list(checks.values_list("id", flat=True))
    lines = CountLine.objects.filter(check_run_id__in=ids).count()
    found = Discrepancy.objects.filter(line__check_run_id__in=ids).count()
    return DiscrepancyRate(len(ids), lines, found)


def facility_rates(year: int) -> list[tuple[Facility, DiscrepancyRate]]:
    """Each facility of the scope with closed checks in ``year``."""
    checks = StockCheck.objects.filter(_closed_in(year))
    per_check = dict(checks.values_list("id", "facility_id"))
    lines: dict[int, int] = defaultdict(int)
    found: dict[int, int] = defaultdict(int)
    counted: dict[int, int] = defaultdict(int)
    for facility_id in per_check.values():
        counted[facility_id] += 1
    for check_id, n in (CountLine.objects.filter(check_run_id__in=list(per_check)).values_list("check_run_id")
                        .annotate(n=Count("id")).order_by()):
        lines[per_check[check_id]] += n
    for check_id, n in (Discrepancy.objects.filter(line__check_run_id__in=list(per_check))
                        .values_list("line__check_run_id").annotate(n=Count("id")).order_by()):
        found[per_check[check_id]] += n
    facilities = Facility.objects.filter(pk__in=list(counted)).order_by("name")
    return [(f, DiscrepancyRate(counted[f.pk], lines[f.pk], found[f.pk])) for f in facilities]


def regional_discrepancy_rates(year: int) -> RegionalRates:
    """Every member State's numbers for the Secretariat: checks closed in ``year``, lines
    counted, lines with a discrepancy, and the rate (a signal of possible diversion). The rows
    read here never leave this function; only the numbers do."""
    with country_scope(ALL_COUNTRIES):
        members = list(Country.objects.member_states().order_by("code"))
        checks = dict(StockCheck.objects.filter(_closed_in(year)).values_list("country_id")
                      .annotate(n=Count("id")).order_by())
        closed = StockCheck.objects.filter(_closed_in(year)).values("id")
        lines = dict(CountLine.objects.filter(check_run_id__in=closed).values_list("country_id")
                     .annotate(n=Count("id")).order_by())
        found = dict(Discrepancy.objects.filter(line__check_run_id__in=closed).values_list("country_id")
                     .annotate(n=Count("id")).order_by())
    states = [StateRate(c, DiscrepancyRate(checks.get(c.pk, 0), lines.get(c.pk, 0), found.get(c.pk, 0)))
              for c in members if checks.get(c.pk)]
    totals = DiscrepancyRate(sum(s.figures.checks for s in states), sum(s.figures.lines for s in states),
                             sum(s.figures.discrepancies for s in states))
    return RegionalRates(year, states, totals, len(members))


# --- destruction candidates --------------------------------------------------------------------
REASONS: dict[str, Promise] = {
    "expired": _("shelf life expired"),
    "unserviceable": _("unserviceable"),
    "awaiting_disposal": _("awaiting disposal"),
    "surplus": _("declared surplus"),
    "deactivated": _("deactivated"),
    "confiscated": _("confiscated (CIFTA Art. VII: never to private hands)"),
}
FIREARM_REASONS = {Status.DEACTIVATED: "deactivated", Status.CONFISCATED: "confiscated"}


@dataclass
class Candidate:
    """Stock in a storehouse that may be destroyed, with the reasons."""

    storehouse: Storehouse
    quantity: int
    reasons: list[str]
    lot: AmmunitionLot | None = None
    firearm: Firearm | None = None

    @property
    def kind(self) -> str:
        return "lot" if self.lot is not None else "firearm"

    @property
    def neq_kg(self) -> Decimal | None:
        return self.lot.neq_per_unit_kg * self.quantity if self.lot is not None else None

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASONS[r]) for r in self.reasons]


def lot_reasons(lot: AmmunitionLot, today: dt.date) -> list[str]:
    reasons = []
    if lot.expiry_date is not None and lot.expiry_date <= today:
        reasons.append("expired")
    if lot.condition == AmmunitionLot.Condition.UNSERVICEABLE:
        reasons.append("unserviceable")
    if lot.condition == AmmunitionLot.Condition.AWAITING_DISPOSAL:
        reasons.append("awaiting_disposal")
    if lot.is_surplus:
        reasons.append("surplus")
    return reasons


def destruction_candidates(today: dt.date) -> list[Candidate]:
    """Surplus and obsolete stock still held: lots that are expired (on or before ``today``),
    unserviceable, awaiting disposal or declared surplus, where a storehouse holds some; and
    registry firearms that the ledger places in a storehouse and the registry records as
    deactivated or confiscated. One row per storehouse."""
    lots = {lot.pk: lot for lot in AmmunitionLot.objects.filter(
        Q(expiry_date__lte=today) | Q(is_surplus=True)
        | Q(condition__in=[AmmunitionLot.Condition.UNSERVICEABLE, AmmunitionLot.Condition.AWAITING_DISPOSAL]))}
    held = ledger.balances(lot_ids=list(lots)) if lots else {}
    stores = list(Storehouse.objects.select_related("facility"))
    by_id = {s.pk: s for s in stores}
    located = ledger.firearms_in(list(by_id))
    in_store = {f for ids in located.values() for f in ids}
    flagged = Firearm.objects.filter(status__in=list(FIREARM_REASONS)).values_list("id", flat=True)
    firearms = firearms_by_id(f for f in flagged.iterator(chunk_size=CHUNK) if f in in_store)
    out = [Candidate(by_id[store], qty, lot_reasons(lots[lot], today), lot=lots[lot])
           for (store, lot), qty in held.items() if qty > 0]
    out += [Candidate(by_id[store], 1, [FIREARM_REASONS[Status(firearms[f].status)]], firearm=firearms[f])
            for store, ids in located.items() for f in ids if f in firearms]
    out.sort(key=lambda c: (c.storehouse.facility.name, c.storehouse.name, c.kind,
                            c.lot.nature if c.lot else c.firearm.serial_key if c.firearm else ""))
    return out
