"""Writes of the inventory: ammunition lots, the movement ledger, stock checks and their
discrepancies.

One transaction each; a refusal names the field and leaves nothing written. Everything a write
touches is looked up through ``owned()``, so another State's record is "does not exist".
Balances are never stored: they are sums over ``Movement`` rows (``ledger.py``). A movement
that takes stock out of a storehouse is checked against those sums after the storehouse rows
are locked (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite every transaction is
``IMMEDIATE`` and holds the write lock from its start), so two officers issuing the last units
of a lot at the same moment cannot both succeed.

Lock order, to keep concurrent writers free of deadlocks: the record being decided on (a stock
check, a discrepancy), then storehouse rows (by id), then the firearm row, and only then the
first save (which takes the audit chain's lock).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cifta.core import audit
from cifta.core.errors import ConflictError, ServiceError
from cifta.registry import services as registry_services
from cifta.registry.engines.lifecycle import Event, Status
from cifta.registry.models import Firearm
from cifta.registry.selectors import status_label
from cifta.stockpile import events, ledger
from cifta.stockpile.models import (
    AmmunitionLot,
    CountLine,
    Discrepancy,
    Facility,
    Movement,
    StockCheck,
    Storehouse,
)
from cifta.stockpile.safety import divisions
from cifta.stockpile.safety.errors import SafetyError

K = Movement.Kind
# Which places each kind of movement names: (from, to).
PLACES: dict[str, tuple[bool, bool]] = {
    K.RECEIPT: (False, True),
    K.ISSUE: (True, False),
    K.TRANSFER_OUT: (True, False),
    K.LOSS: (True, False),
    K.DESTRUCTION: (True, False),
    K.MOVE: (True, True),
    K.CORRECTION_IN: (False, True),
    K.CORRECTION_OUT: (True, False),
}
CORRECTIONS = frozenset({K.CORRECTION_IN, K.CORRECTION_OUT})
# A firearm the registry records as gone cannot come into a storehouse: record its recovery
# (or re-import) in the registry first.
NOT_IN_HAND = frozenset({Status.LOST, Status.STOLEN, Status.EXPORTED, Status.DESTROYED})

# Classification codes that exist (UN Model Regulations, 2.1.2.1.1): the compatibility groups
# each hazard division can carry. 1.2 is split into 1.2.1 and 1.2.2 for quantity-distances.
GROUPS_OF_DIVISION: dict[str, frozenset[str]] = {
    "1.1": frozenset("ABCDEFGJL"),
    "1.2.1": frozenset("BCDEFGHJKL"),
    "1.2.2": frozenset("BCDEFGHJKL"),
    "1.3": frozenset("CFGHJKL"),
    "1.4": frozenset("BCDEFGS"),
    "1.5": frozenset("D"),
    "1.6": frozenset("N"),
}
UN_NUMBER = re.compile(r"^(?:UN)?\s*(\d{4})$")
FIRST_YEAR = 1850
MAX_QUANTITY = 2_147_483_647  # the column's limit
MAX_NEQ = Decimal("999999.999999")
NEQ_STEP = Decimal("0.000001")


# --- helpers -----------------------------------------------------------------------------------
def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ServiceError(_("This field is required."), field=field)
    if len(text) > limit:
        raise ServiceError(_("At most %(limit)s characters.") % {"limit": limit}, field=field)
    return text


def _own(model: Any, obj: Any, field: str) -> Any:
    """The caller's own record with the same id (another State's reads as missing)."""
    found = model.objects.owned().filter(pk=getattr(obj, "pk", None)).first() if obj is not None else None
    if found is None:
        raise ServiceError(_("No record of your State has this identifier."), field=field)
    return found


def _date(value: Any, field: str, *, required: bool = True, past: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise ServiceError(_("This field is required."), field=field)
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise ServiceError(_("Give a date as YYYY-MM-DD."), field=field) from exc
    if past and value > timezone.localdate():
        raise ServiceError(_("The date cannot be in the future."), field=field)
    return value


def _count(value: Any, field: str, *, minimum: int) -> int:
    if isinstance(value, bool):
        raise ServiceError(_("Give a whole number."), field=field)
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except (TypeError, ValueError) as exc:
        raise ServiceError(_("Give a whole number."), field=field) from exc
    if number < minimum:
        raise ServiceError(_("Give a number of at least %(minimum)s.") % {"minimum": minimum}, field=field)
    if number > MAX_QUANTITY:
        raise ServiceError(_("This number is too large."), field=field)
    return number


def _day(value: dt.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


# --- ammunition lots ---------------------------------------------------------------------------
def _division_and_group(hazard_division: Any, compatibility_group: Any, neq: Decimal) -> tuple[str, str]:
    try:
        hd = divisions.division(str(hazard_division or ""), float(neq))
    except SafetyError as exc:
        raise ServiceError(_("Choose a hazard division: 1.1, 1.2 (1.2.1 or 1.2.2), 1.3, 1.4, 1.5 or 1.6."),
                           field="hazard_division") from exc
    try:
        cg = divisions.group(str(compatibility_group or ""))
    except SafetyError as exc:
        raise ServiceError(_("Choose a compatibility group: A to H, J, K, L, N or S."),
                           field="compatibility_group") from exc
    if cg not in GROUPS_OF_DIVISION[hd]:
        raise ServiceError(_("There is no classification code %(hd)s%(cg)s: division %(hd)s carries the groups "
                             "%(groups)s.") % {"hd": hd, "cg": cg, "groups": ", ".join(sorted(GROUPS_OF_DIVISION[hd]))},
                           field="compatibility_group")
    return hd, cg


def _neq(value: Any) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ServiceError(_("Give the net explosive quantity in kilograms."), field="neq_per_unit_kg") from exc
    if not number.is_finite() or number <= 0:
        raise ServiceError(_("The net explosive quantity per unit must be more than zero."), field="neq_per_unit_kg")
    if number > MAX_NEQ:
        raise ServiceError(_("The net explosive quantity per unit is too large."), field="neq_per_unit_kg")
    number = number.quantize(NEQ_STEP)
    if number <= 0:
        raise ServiceError(_("The net explosive quantity per unit must be at least 0.000001 kg."),
                           field="neq_per_unit_kg")
    return number


def _un_number(value: Any) -> str:
    text = str(value or "").strip().upper()
    if not text:
        return ""
    match = UN_NUMBER.match(text)
    if match is None:
        raise ServiceError(_("Write the UN number as four digits, e.g. UN0012 or 0012."), field="un_number")
    return f"UN{match.group(1)}"


def _year(value: Any) -> int | None:
    if value in (None, ""):
        return None
    year = _count(value, "year", minimum=0)
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise ServiceError(_("Give a year between %(first)s and this year.") % {"first": FIRST_YEAR}, field="year")
    return year


@transaction.atomic
def save_lot(*, actor: Any, instance: AmmunitionLot | None = None, nature: str, lot_number: str,
             hazard_division: str, compatibility_group: str, neq_per_unit_kg: Any, calibre: str = "",
             manufacturer: str = "", year: Any = None, un_number: str = "",
             condition: str = AmmunitionLot.Condition.SERVICEABLE, surveillance_due: Any = None,
             expiry_date: Any = None) -> AmmunitionLot:
    """Record a lot, or correct what describes one (``instance``). How much of it lies where is
    the ledger's business, never a field here."""
    lot = _own(AmmunitionLot, instance, "lot") if instance is not None else AmmunitionLot()
    lot.nature = _text(nature, "nature", 150, required=True)
    lot.lot_number = _text(lot_number, "lot_number", 60, required=True)
    lot.calibre = _text(calibre, "calibre", 80)
    lot.manufacturer = _text(manufacturer, "manufacturer", 150)
    lot.year = _year(year)
    lot.un_number = _un_number(un_number)
    lot.neq_per_unit_kg = _neq(neq_per_unit_kg)
    lot.hazard_division, lot.compatibility_group = _division_and_group(hazard_division, compatibility_group,
                                                                       lot.neq_per_unit_kg)
    if condition not in AmmunitionLot.Condition.values:
        raise ServiceError(_("Unknown value %(value)r.") % {"value": condition}, field="condition")
    lot.condition = condition
    lot.surveillance_due = _date(surveillance_due, "surveillance_due", required=False, past=False)
    lot.expiry_date = _date(expiry_date, "expiry_date", required=False, past=False)
    if lot.expiry_date is not None and lot.year is not None and lot.expiry_date.year < lot.year:
        raise ServiceError(_("The shelf life cannot end before the year of manufacture."), field="expiry_date")
    try:
        with transaction.atomic():
            lot.save()
    except IntegrityError as exc:
        raise ConflictError(_("Your State already records a lot with this nature and lot number."),
                            field="lot_number") from exc
    audit.emit(events.LOT_SAVED, target=lot, payload={"lot_number": lot.lot_number, "nature": lot.nature,
                                                      "new": instance is None})
    return lot


@transaction.atomic
def declare_surplus(*, actor: Any, lot: AmmunitionLot, surplus: bool = True, reason: str = "") -> AmmunitionLot:
    """Declare a lot surplus to requirements (a candidate for destruction), or withdraw the
    declaration. The reason goes to the audit log."""
    found = AmmunitionLot.objects.owned().select_for_update().filter(pk=getattr(lot, "pk", None)).first()
    if found is None:
        raise ServiceError(_("No record of your State has this identifier."), field="lot")
    lot = found
    reason = _text(reason, "reason", 500)
    if lot.is_surplus == bool(surplus):
        raise ConflictError(_("The lot is already declared surplus.") if surplus
                            else _("The lot is not declared surplus."), field="is_surplus")
    lot.is_surplus = bool(surplus)
    lot.save()
    audit.emit(events.LOT_SAVED, target=lot, payload={"lot_number": lot.lot_number, "surplus": lot.is_surplus,
                                                      "reason": reason})
    return lot


# --- the ledger --------------------------------------------------------------------------------
def _lock_storehouses(stores: list[Storehouse]) -> dict[int, Storehouse]:
    """Lock the storehouse rows (ordered by id, so two writers take them in the same order)
    and read them afresh."""
    ids = sorted({s.pk for s in stores})
    locked = list(Storehouse.objects.owned().select_for_update().filter(pk__in=ids).order_by("id"))
    return {s.pk: s for s in locked}


def _place(store: Storehouse | None, field: str) -> Storehouse | None:
    if store is None:
        return None
    return _own(Storehouse, store, field)  # type: ignore[no-any-return]


def lowest_balance_from(store: Storehouse, lot_id: int, day: dt.date) -> int:
    """The lowest quantity of a lot held in a storehouse on ``day`` or any later day (the
    balance at the end of each day, today's included). An outflow dated ``day`` may take at
    most this much without any day's balance going below zero."""
    per_day: dict[dt.date, int] = defaultdict(int)
    rows = Movement.objects.filter(lot_id=lot_id)
    for when, total in (rows.filter(to_storehouse=store).values_list("occurred_on")
                        .annotate(total=Sum("quantity")).order_by()):
        per_day[when] += total
    for when, total in (rows.filter(from_storehouse=store).values_list("occurred_on")
                        .annotate(total=Sum("quantity")).order_by()):
        per_day[when] -= total
    held = sum(q for when, q in per_day.items() if when <= day)
    lowest = held
    for when in sorted(w for w in per_day if w > day):
        held += per_day[when]
        lowest = min(lowest, held)
    return lowest


def _check_firearm(firearm: Firearm, occurred_on: dt.date, source: Storehouse | None,
                   target: Storehouse | None) -> None:
    firearm = Firearm.objects.owned().select_for_update().get(pk=firearm.pk)
    if target is not None and firearm.status in NOT_IN_HAND:
        raise ServiceError(_("The registry records this firearm as %(status)s: record its recovery in the registry "
                             "first.") % {"status": status_label(firearm.status)}, field="firearm")
    if target is not None and not target.holds_weapons:
        raise ServiceError(_("%(storehouse)s does not store weapons.") % {"storehouse": target}, field="to_storehouse")
    last = Movement.objects.filter(firearm=firearm).order_by("-id").select_related("to_storehouse").first()
    where = last.to_storehouse if last is not None else None
    if last is not None and occurred_on < last.occurred_on:
        raise ServiceError(_("The firearm's last movement is dated %(date)s: a later one cannot be dated before "
                             "it.") % {"date": _day(last.occurred_on)}, field="occurred_on")
    if source is None:
        if where is not None:
            raise ConflictError(_("The ledger already places this firearm in %(storehouse)s: a firearm is in one "
                                  "place at a time.") % {"storehouse": where}, field="firearm")
        return
    if where is None:
        raise ServiceError(_("The ledger places this firearm in no storehouse."), field="from_storehouse")
    if where.pk != source.pk:
        raise ServiceError(_("The ledger places this firearm in %(storehouse)s.") % {"storehouse": where},
                           field="from_storehouse")


@transaction.atomic
def record_movement(*, actor: Any, kind: str, occurred_on: Any, quantity: Any, lot: AmmunitionLot | None = None,
                    firearm: Firearm | None = None, from_storehouse: Storehouse | None = None,
                    to_storehouse: Storehouse | None = None, reference: str = "", reason: str = "",
                    corrects: Movement | None = None) -> Movement:
    """Add one line to the ledger: a quantity of a lot, or one registry firearm, coming into a
    storehouse (receipt, correction in), leaving it (issue, transfer out, loss, destruction,
    correction out) or moving between two of the State's storehouses. A movement is never
    changed afterwards: a mistake is put right by a correction that says why."""
    if kind not in PLACES:
        raise ServiceError(_("Unknown value %(value)r.") % {"value": kind}, field="kind")
    day = _date(occurred_on, "occurred_on")
    assert day is not None
    if (lot is None) == (firearm is None):
        raise ServiceError(_("Give either an ammunition lot or a firearm."), field="lot")
    if lot is not None:
        lot = _own(AmmunitionLot, lot, "lot")
        quantity = _count(quantity, "quantity", minimum=1)
    else:
        firearm = _own(Firearm, firearm, "firearm")
        if quantity not in (None, "") and (isinstance(quantity, bool) or str(quantity).strip() != "1"):
            raise ServiceError(_("A firearm moves one at a time: the quantity is 1."), field="quantity")
        quantity = 1
    needs_from, needs_to = PLACES[kind]
    if needs_from and from_storehouse is None:
        raise ServiceError(_("Say which storehouse it leaves."), field="from_storehouse")
    if not needs_from and from_storehouse is not None:
        raise ServiceError(_("This movement brings stock in: it leaves no storehouse of yours."),
                           field="from_storehouse")
    if needs_to and to_storehouse is None:
        raise ServiceError(_("Say which storehouse it goes to."), field="to_storehouse")
    if not needs_to and to_storehouse is not None:
        raise ServiceError(_("This movement takes stock out: it goes to no storehouse of yours."),
                           field="to_storehouse")
    source, target = _place(from_storehouse, "from_storehouse"), _place(to_storehouse, "to_storehouse")
    if source is not None and target is not None and source.pk == target.pk:
        raise ServiceError(_("A move goes to another storehouse."), field="to_storehouse")
    reference = _text(reference, "reference", 100)
    reason = _text(reason, "reason", 500, required=kind in CORRECTIONS)
    if corrects is not None:
        if kind not in CORRECTIONS:
            raise ServiceError(_("Only a correction corrects another movement."), field="corrects")
        corrects = _own(Movement, corrects, "corrects")
        assert corrects is not None
        if corrects.lot_id != getattr(lot, "pk", None) or corrects.firearm_id != getattr(firearm, "pk", None):
            raise ServiceError(_("The movement corrected concerns another lot or firearm."), field="corrects")

    locked = _lock_storehouses([s for s in (source, target) if s is not None])
    source = locked[source.pk] if source is not None else None
    target = locked[target.pk] if target is not None else None
    for store, field in ((source, "from_storehouse"), (target, "to_storehouse")):
        if store is not None and not store.is_active:
            raise ServiceError(_("%(storehouse)s is no longer in use.") % {"storehouse": store}, field=field)
    if firearm is not None:
        _check_firearm(firearm, day, source, target)
    elif source is not None:
        assert lot is not None
        available = lowest_balance_from(source, lot.pk, day)
        if quantity > available:
            raise ServiceError(_("Not enough of this lot in %(storehouse)s: %(available)s held from %(date)s on, "
                                 "%(quantity)s asked. A balance never goes below zero.")
                               % {"storehouse": source, "available": max(available, 0), "date": _day(day),
                                  "quantity": quantity}, field="quantity")

    movement = Movement(kind=kind, occurred_on=day, lot=lot, firearm=firearm, quantity=quantity,
                        from_storehouse=source, to_storehouse=target, reference=reference, reason=reason,
                        corrects=corrects)
    movement.save()
    audit.emit(events.MOVEMENT_RECORDED, target=movement, payload={
        "kind": kind, "quantity": quantity, "occurred_on": day,
        "lot": lot.lot_number if lot is not None else None,
        "firearm": str(firearm.public_id) if firearm is not None else None,
        "from": str(source) if source is not None else None, "to": str(target) if target is not None else None,
        "reference": reference})
    return movement


# --- stock checks ------------------------------------------------------------------------------
@transaction.atomic
def schedule_check(*, actor: Any, facility: Facility, scheduled_on: Any, counted_by: str = "",
                   witness: str = "") -> StockCheck:
    """Plan a physical count of a facility (any date: a check is usually planned ahead)."""
    facility = _own(Facility, facility, "facility")
    if not facility.is_active:
        raise ServiceError(_("This facility is no longer in use."), field="facility")
    day = _date(scheduled_on, "scheduled_on", past=False)
    assert day is not None
    check = StockCheck(facility=facility, scheduled_on=day, counted_by=_text(counted_by, "counted_by", 150),
                       witness=_text(witness, "witness", 150))
    check.save()
    audit.emit(events.CHECK_SCHEDULED, target=check, payload={"facility": facility.name, "scheduled_on": day})
    return check


def _open_check(check: StockCheck) -> StockCheck:
    found = StockCheck.objects.owned().select_for_update().filter(pk=getattr(check, "pk", None)).first()
    if found is None:
        raise ServiceError(_("No record of your State has this identifier."), field="check")
    if found.status == StockCheck.Status.CLOSED:
        raise ConflictError(_("This stock check is closed: nothing more can be counted in it."), field="check")
    return found


@transaction.atomic
def enter_count(*, actor: Any, check: StockCheck, storehouse: Storehouse, counted: Any,
                lot: AmmunitionLot | None = None, firearm: Firearm | None = None) -> CountLine:
    """What was found in one storehouse: how many units of a lot, or whether a firearm is there
    (1) or not (0). What the ledger says at this moment is kept beside it. Each lot is counted
    once per storehouse in a check, each firearm once per check."""
    check = _open_check(check)
    store = _own(Storehouse, storehouse, "storehouse")
    if store.facility_id != check.facility_id:
        raise ServiceError(_("This storehouse belongs to another facility."), field="storehouse")
    if (lot is None) == (firearm is None):
        raise ServiceError(_("Give either an ammunition lot or a firearm."), field="lot")
    lines = CountLine.objects.owned().filter(check_run=check)
    if lot is not None:
        lot = _own(AmmunitionLot, lot, "lot")
        assert lot is not None
        number = _count(counted, "counted", minimum=0)
        earlier = lines.filter(storehouse=store, lot=lot).first()
        if earlier is not None:
            raise ConflictError(_("This lot is already counted in %(storehouse)s for this check (%(counted)s): a "
                                  "count is entered once.") % {"storehouse": store, "counted": earlier.counted},
                                field="lot")
        recorded = ledger.balance(store, lot.pk)
    else:
        firearm = _own(Firearm, firearm, "firearm")
        assert firearm is not None
        number = _count(counted, "counted", minimum=0)
        if number > 1:
            raise ServiceError(_("A firearm is there (1) or not (0)."), field="counted")
        earlier = lines.filter(firearm=firearm).select_related("storehouse").first()
        if earlier is not None:
            raise ConflictError(_("This firearm is already counted in this check (%(storehouse)s): a count is "
                                  "entered once.") % {"storehouse": earlier.storehouse}, field="firearm")
        where = ledger.firearm_location(firearm)
        recorded = 1 if where is not None and where.pk == store.pk else 0
    line = CountLine(check_run=check, country_id=check.country_id, storehouse=store, lot=lot, firearm=firearm,
                     recorded=max(recorded, 0), counted=number)
    try:
        with transaction.atomic():
            line.save()
    except IntegrityError as exc:
        raise ConflictError(_("This item is already counted in this check: a count is entered once."),
                            field="lot" if lot is not None else "firearm") from exc
    if check.status == StockCheck.Status.SCHEDULED:
        check.status = StockCheck.Status.COUNTING
        check.save()
    audit.emit(events.COUNT_ENTERED, target=check, payload={
        "storehouse": str(store), "lot": lot.lot_number if lot is not None else None,
        "firearm": str(firearm.public_id) if firearm is not None else None,
        "recorded": line.recorded, "counted": line.counted})
    return line


@transaction.atomic
def close_check(*, actor: Any, check: StockCheck, closed_on: Any = None, counted_by: str | None = None,
                witness: str | None = None) -> StockCheck:
    """End the count: every line whose count differs from the ledger opens a discrepancy, to be
    investigated and resolved. A check with nothing counted cannot be closed."""
    check = _open_check(check)
    lines = list(CountLine.objects.owned().filter(check_run=check).order_by("id"))
    if not lines:
        raise ServiceError(_("Nothing has been counted: enter at least one count before closing the check."),
                           field="lines")
    day = _date(closed_on, "closed_on", required=False) or timezone.localdate()
    if counted_by is not None:
        check.counted_by = _text(counted_by, "counted_by", 150)
    if witness is not None:
        check.witness = _text(witness, "witness", 150)
    opened = 0
    for line in lines:
        if line.counted != line.recorded:
            Discrepancy(line=line, country_id=line.country_id, difference=line.counted - line.recorded).save()
            opened += 1
    check.status, check.closed_on = StockCheck.Status.CLOSED, day
    check.save()
    audit.emit(events.CHECK_CLOSED, target=check, payload={"lines": len(lines), "discrepancies": opened,
                                                           "closed_on": day})
    return check


# --- discrepancies -----------------------------------------------------------------------------
RESOLVED = frozenset({Discrepancy.Status.FOUND, Discrepancy.Status.LOST, Discrepancy.Status.STOLEN,
                      Discrepancy.Status.WRITTEN_OFF})
UNRESOLVED = frozenset({Discrepancy.Status.OPEN, Discrepancy.Status.INVESTIGATING})


def settlement_reference(check: StockCheck) -> str:
    return f"stock-check:{check.public_id}"


@transaction.atomic
def resolve_discrepancy(*, actor: Any, discrepancy: Discrepancy, status: str, resolution: str,
                        occurred_on: Any = None) -> Discrepancy:
    """Say what a discrepancy turned out to be.

    - ``investigating``: still open, under investigation; nothing else changes.
    - ``found``: the ledger was right (the items were found); the ledger does not change.
    - ``lost`` / ``stolen``: a shortfall; a ``loss`` movement takes it out of the ledger, and a
      registry firearm is reported lost or stolen in the registry too.
    - ``written_off``: the count stands; a correction (out for a shortfall, in for a surplus)
      brings the ledger to it, with the resolution as its reason.
    """
    found = (Discrepancy.objects.owned().select_for_update()
             .filter(pk=getattr(discrepancy, "pk", None)).first())
    if found is None:
        raise ServiceError(_("No record of your State has this identifier."), field="discrepancy")
    if found.status not in UNRESOLVED:
        raise ConflictError(_("This discrepancy is already resolved (%(status)s).")
                            % {"status": found.get_status_display()}, field="status")
    if status not in RESOLVED | {Discrepancy.Status.INVESTIGATING}:
        raise ServiceError(_("Choose under investigation, found, lost, stolen or written off."), field="status")
    resolution = _text(resolution, "resolution", 4000, required=True)
    day = _date(occurred_on, "occurred_on", required=False) or timezone.localdate()
    line = CountLine.objects.owned().select_related("check_run", "storehouse", "lot", "firearm").get(pk=found.line_id)
    shortfall = -found.difference
    settlement: Movement | None = None
    item: dict[str, Any] = {"lot": line.lot, "firearm": line.firearm}
    reference = settlement_reference(line.check_run)
    if status in (Discrepancy.Status.LOST, Discrepancy.Status.STOLEN):
        if shortfall <= 0:
            raise ServiceError(_("Only a shortfall can be reported lost or stolen: more was counted than "
                                 "recorded."), field="status")
        settlement = record_movement(actor=actor, kind=K.LOSS, occurred_on=day, quantity=shortfall,
                                     from_storehouse=line.storehouse, reference=reference, reason=resolution[:500],
                                     **item)
    elif status == Discrepancy.Status.WRITTEN_OFF:
        if shortfall > 0:
            settlement = record_movement(actor=actor, kind=K.CORRECTION_OUT, occurred_on=day, quantity=shortfall,
                                         from_storehouse=line.storehouse, reference=reference,
                                         reason=resolution[:500], **item)
        else:
            settlement = record_movement(actor=actor, kind=K.CORRECTION_IN, occurred_on=day, quantity=-shortfall,
                                         to_storehouse=line.storehouse, reference=reference,
                                         reason=resolution[:500], **item)
    found.status, found.resolution, found.settlement = status, resolution, settlement
    found.resolved_on = day if status in RESOLVED else None
    found.save()
    if line.firearm is not None and status in (Discrepancy.Status.LOST, Discrepancy.Status.STOLEN):
        kind = Event.REPORTED_LOST if status == Discrepancy.Status.LOST else Event.REPORTED_STOLEN
        try:
            registry_services.record_event(actor=actor, firearm=line.firearm, kind=kind, occurred_on=day,
                                           reference=reference, notes=resolution)
        except ServiceError as exc:
            raise ServiceError(_("The registry refuses to record this: %(reason)s") % {"reason": exc},
                               field="status") from exc
    audit.emit(events.DISCREPANCY_RESOLVED, target=found, payload={
        "status": status, "difference": found.difference,
        "settlement": str(settlement.public_id) if settlement is not None else None})
    return found
