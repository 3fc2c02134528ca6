"""The stockpile world plus inventories in A and B, built through the services.

    A: lot_a1 "Cartridge 7.62x51 ball" A-762-01 (1.4S): 1,000 received into store_a1, 100 issued
           (movement reference carries MARKER_A): 900 held
       lot_a2 "Grenade, hand, HE" A-GR-07 (1.1D), shelf life ended 2024-12-31: 50 in store_a1
       glock_a received into store_a2 (the weapons store); seized_a confiscated in the registry
           and received into store_a2 (a destruction candidate)
       check_a  closed 2025-03-02: lot_a1 counted 890 (a discrepancy of -10, open), glock_a
                counted 1
       check_a_open  scheduled for 2025-06-01, nothing counted yet
    B: lot_b "Mortar bomb PRIVATEBRAVO" (1.1D): 20 received into store_b1 (movement_b);
       check_b closed: counted 18, a discrepancy of -2 (private to B)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cifta.core.context import Source, change_context
from cifta.core.scoping import country_scope
from cifta.registry import services as registry_services
from cifta.registry.models import Firearm
from cifta.stockpile import services_inventory as inventory
from cifta.stockpile.models import AmmunitionLot, CountLine, Discrepancy, Movement, StockCheck
from cifta.testing.registry_world import Firearms
from cifta.testing.stockpile_world import Arsenals, StockpileWorldTestCase
from cifta.testing.world import MARKER_A, MARKER_B, World

ACTOR = "system:test"
RECEIVED = dt.date(2025, 1, 10)
COUNTED = dt.date(2025, 3, 2)


@dataclass
class Inventory:
    lot_a1: AmmunitionLot
    lot_a2: AmmunitionLot
    receipt_a1: Movement
    issue_a1: Movement
    check_a: StockCheck
    check_a_open: StockCheck
    line_a: CountLine
    discrepancy_a: Discrepancy
    lot_b: AmmunitionLot
    movement_b: Movement
    check_b: StockCheck
    line_b: CountLine
    discrepancy_b: Discrepancy


def build_inventory(world: World, firearms: Firearms, arsenals: Arsenals) -> Inventory:
    ar = arsenals
    with country_scope([world.country_a.pk]), change_context(ACTOR, Source.COMMAND):
        lot_a1 = inventory.save_lot(actor=ACTOR, nature="Cartridge 7.62x51 ball", lot_number="A-762-01",
                                    calibre="7.62x51", manufacturer="Indumil", year=2015, un_number="0012",
                                    hazard_division="1.4", compatibility_group="S", neq_per_unit_kg="0.003")
        lot_a2 = inventory.save_lot(actor=ACTOR, nature="Grenade, hand, HE", lot_number="A-GR-07", year=2010,
                                    un_number="UN0284", hazard_division="1.1", compatibility_group="D",
                                    neq_per_unit_kg="0.18", expiry_date=dt.date(2024, 12, 31))
        receipt_a1 = inventory.record_movement(actor=ACTOR, kind="receipt", occurred_on=RECEIVED, quantity=1000,
                                               lot=lot_a1, to_storehouse=ar.store_a1, reference="GRN-2025-001")
        issue_a1 = inventory.record_movement(actor=ACTOR, kind="issue", occurred_on=dt.date(2025, 2, 1),
                                             quantity=100, lot=lot_a1, from_storehouse=ar.store_a1,
                                             reference=f"ISS-{MARKER_A}")
        inventory.record_movement(actor=ACTOR, kind="receipt", occurred_on=RECEIVED, quantity=50, lot=lot_a2,
                                  to_storehouse=ar.store_a1, reference="GRN-2025-002")
        inventory.record_movement(actor=ACTOR, kind="receipt", occurred_on=RECEIVED, quantity=1,
                                  firearm=firearms.glock_a, to_storehouse=ar.store_a2, reference="GRN-2025-003")
        registry_services.record_event(actor=ACTOR, firearm=firearms.seized_a, kind="confiscated",
                                       occurred_on=dt.date(2024, 6, 1), reference="COURT-1")
        inventory.record_movement(actor=ACTOR, kind="receipt", occurred_on=RECEIVED, quantity=1,
                                  firearm=firearms.seized_a, to_storehouse=ar.store_a2, reference="GRN-2025-004")
        check_a = inventory.schedule_check(actor=ACTOR, facility=ar.facility_a, scheduled_on=dt.date(2025, 3, 1),
                                           counted_by="Capt. Ruiz", witness="Lt. Gomez")
        line_a = inventory.enter_count(actor=ACTOR, check=check_a, storehouse=ar.store_a1, lot=lot_a1, counted=890)
        inventory.enter_count(actor=ACTOR, check=check_a, storehouse=ar.store_a2, firearm=firearms.glock_a,
                              counted=1)
        inventory.close_check(actor=ACTOR, check=check_a, closed_on=COUNTED)
        check_a_open = inventory.schedule_check(actor=ACTOR, facility=ar.facility_a,
                                                scheduled_on=dt.date(2025, 6, 1))
    with country_scope([world.country_b.pk]), change_context(ACTOR, Source.COMMAND):
        lot_b = inventory.save_lot(actor=ACTOR, nature=f"Mortar bomb {MARKER_B}", lot_number="B-81-3",
                                   hazard_division="1.1", compatibility_group="D", neq_per_unit_kg="0.7")
        movement_b = inventory.record_movement(actor=ACTOR, kind="receipt", occurred_on=RECEIVED, quantity=20,
                                               lot=lot_b, to_storehouse=ar.store_b1, reference=f"GRN-{MARKER_B}")
        check_b = inventory.schedule_check(actor=ACTOR, facility=ar.facility_b, scheduled_on=dt.date(2025, 3, 1),
                                           counted_by=f"Officer {MARKER_B}")
        line_b = inventory.enter_count(actor=ACTOR, check=check_b, storehouse=ar.store_b1, lot=lot_b, counted=18)
        inventory.close_check(actor=ACTOR, check=check_b, closed_on=COUNTED)
    return Inventory(
        lot_a1=AmmunitionLot.unscoped.get(pk=lot_a1.pk), lot_a2=AmmunitionLot.unscoped.get(pk=lot_a2.pk),
        receipt_a1=receipt_a1, issue_a1=issue_a1, check_a=StockCheck.unscoped.get(pk=check_a.pk),
        check_a_open=check_a_open, line_a=line_a, discrepancy_a=Discrepancy.unscoped.get(line=line_a),
        lot_b=lot_b, movement_b=movement_b, check_b=StockCheck.unscoped.get(pk=check_b.pk), line_b=line_b,
        discrepancy_b=Discrepancy.unscoped.get(line=line_b))


class InventoryWorldTestCase(StockpileWorldTestCase):
    inventory: Inventory

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.inventory = build_inventory(cls.world, cls.firearms, cls.arsenals)
        cls.firearms.seized_a = Firearm.unscoped.get(pk=cls.firearms.seized_a.pk)
