"""The world the facility and safety tests share: the stockpile world (``cifta/testing/
stockpile_world.py``) plus what the safety check reads.

    A: lot_a "Charge, demolition" L-A1 (HD 1.1, group D, 25 kg NEQ each): 400 in store_a1
       (10,000 kg NEQ, twice its 5,000 kg licence; Highway 40 measured at 350 m is too close)
    B: lot_b "Mortar PRIVATEBRAVO" (HD 1.1, group D): 20 in store_b1; a measured distance
       store_b1 -> site_b; B's national rules (label carries MARKER_B)

Lots and receipts are written as rows here (the ledger's own services are tested with the
inventory); everything else goes through the services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import transaction

from cifta.core.context import Source, change_context
from cifta.core.scoping import country_scope
from cifta.stockpile import services_facilities, services_safety
from cifta.stockpile.models import AmmunitionLot, MeasuredDistance, Movement, SafetyRules, Storehouse
from cifta.testing.stockpile_world import StockpileWorldTestCase
from cifta.testing.world import MARKER_B

ACTOR = "system:test"
RECEIVED = dt.date(2025, 1, 20)
TODAY = dt.date(2026, 6, 1)


@contextmanager
def acting(country: Any, actor: Any = ACTOR) -> Iterator[None]:
    with country_scope([country.pk]), change_context(actor, Source.COMMAND), transaction.atomic():
        yield


def receive(country: Any, store: Storehouse, *, nature: str, lot_number: str, hd: str = "1.1", group: str = "D",
            neq: str | Decimal = "1", quantity: int = 1, condition: str = "serviceable",
            expiry: dt.date | None = None) -> AmmunitionLot:
    """A lot and its receipt into ``store`` (a new lot each time)."""
    with acting(country):
        lot = AmmunitionLot(nature=nature, lot_number=lot_number, hazard_division=hd, compatibility_group=group,
                            neq_per_unit_kg=Decimal(str(neq)), condition=condition, expiry_date=expiry)
        lot.save()
        Movement(kind=Movement.Kind.RECEIPT, occurred_on=RECEIVED, lot=lot, quantity=quantity,
                 to_storehouse=store, reference="test").save()
    return lot


class FacilitiesTestCase(StockpileWorldTestCase):
    lot_a: AmmunitionLot
    lot_b: AmmunitionLot
    measure_a: MeasuredDistance
    measure_b: MeasuredDistance
    rules_b: SafetyRules

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w, arsenals = cls.world, cls.arsenals
        cls.lot_a = receive(w.country_a, arsenals.store_a1, nature="Charge, demolition", lot_number="L-A1",
                            neq="25", quantity=400)
        cls.lot_b = receive(w.country_b, arsenals.store_b1, nature=f"Mortar {MARKER_B}", lot_number="L-B1",
                            neq="2.5", quantity=20)
        with acting(w.country_b):
            cls.measure_b = services_facilities.record_distance(actor=ACTOR, storehouse=arsenals.store_b1,
                                                                site=arsenals.site_b, distance_m="1110.0",
                                                                measured_on=RECEIVED)
            cls.rules_b = services_safety.save_safety_rules(actor=ACTOR, label=f"MX Res. {MARKER_B}",
                                                            tightenings={"multiplier": 1.25})
        cls.measure_a = MeasuredDistance.unscoped.get(storehouse=arsenals.store_a1, site=arsenals.road_a)

    def in_a(self) -> Any:
        return acting(self.world.country_a)

    def in_b(self) -> Any:
        return acting(self.world.country_b)
