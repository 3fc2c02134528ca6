"""Reads of the movement ledger: what lies where. Nothing here is stored; every balance is a
sum over ``Movement`` rows read through the scope (a quantity coming into a storehouse counts
plus, leaving it minus). Services check their writes against these same sums, under a lock."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Max, Sum

from cifta.registry.models import Firearm
from cifta.stockpile.models import Movement, Storehouse


def balances(storehouse_ids: Iterable[int] | None = None, lot_ids: Iterable[int] | None = None
             ) -> dict[tuple[int, int], int]:
    """(storehouse id, lot id) -> quantity held, for every pair with a non-zero balance."""
    movements = Movement.objects.filter(lot__isnull=False)
    ins = movements.filter(to_storehouse__isnull=False)
    outs = movements.filter(from_storehouse__isnull=False)
    if storehouse_ids is not None:
        ids = list(storehouse_ids)
        ins, outs = ins.filter(to_storehouse_id__in=ids), outs.filter(from_storehouse_id__in=ids)
    if lot_ids is not None:
        lots = list(lot_ids)
        ins, outs = ins.filter(lot_id__in=lots), outs.filter(lot_id__in=lots)
    held: dict[tuple[int, int], int] = defaultdict(int)
    for store, lot, total in ins.values_list("to_storehouse_id", "lot_id").annotate(total=Sum("quantity")):
        held[(store, lot)] += total
    for store, lot, total in outs.values_list("from_storehouse_id", "lot_id").annotate(total=Sum("quantity")):
        held[(store, lot)] -= total
    return {key: qty for key, qty in held.items() if qty}


def lot_balances(storehouse: Storehouse) -> dict[int, int]:
    """Lot id -> quantity held in one storehouse."""
    return {lot: qty for (_store, lot), qty in balances([storehouse.pk]).items()}


def balance(storehouse: Storehouse, lot_id: int) -> int:
    return balances([storehouse.pk], [lot_id]).get((storehouse.pk, lot_id), 0)


def firearm_location(firearm: Firearm) -> Storehouse | None:
    """Where a registry firearm is: the storehouse of its last movement, if that brought it in."""
    last = Movement.objects.filter(firearm=firearm).order_by("-id").select_related("to_storehouse").first()
    return last.to_storehouse if last is not None else None


def firearms_in(storehouse_ids: Iterable[int]) -> dict[int, list[int]]:
    """Storehouse id -> ids of the firearms whose last movement brought them there."""
    ids = list(storehouse_ids)
    # A subquery, not a list of ids: a State's armouries may hold more firearms than a
    # statement may carry parameters (SQLite's limit is 32,766).
    last = (Movement.objects.filter(firearm__isnull=False).values("firearm_id")
            .annotate(last_id=Max("id")).values("last_id"))
    located: dict[int, list[int]] = defaultdict(list)
    for store, firearm in (Movement.objects.filter(id__in=last, to_storehouse_id__in=ids)
                           .values_list("to_storehouse_id", "firearm_id")):
        located[store].append(firearm)
    return dict(located)

