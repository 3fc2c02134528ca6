"""The inventory world plus destruction events in A and B, built through the services.

    A: policy_a   two witnesses from two agencies (the default, saved)
       new_a      a firearm "DES-1001" seized in A (registry only)
       event_a    planned "Annual destruction" at Foundry A: seized_a (confiscated, in Armoury 2)
                  and new_a, and 20 grenades of lot_a2 from ECM 1 (50 held); witnesses of
                  Registry A and of the Arsenal (two agencies) and an observer (UNLIREC); a
                  photo before; one custody step with seals
    B: policy_b, event_b "Destruction PRIVATEBRAVO" with private_b, witness_b, photo_b and
       custody_b, all private to B (they carry MARKER_B)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from cifta.core.context import Source, change_context
from cifta.core.scoping import country_scope
from cifta.destruction import services_events as services
from cifta.destruction.models import (
    CustodyStep,
    DestructionEvent,
    DestructionItem,
    DestructionPhoto,
    DestructionPolicy,
    Witness,
)
from cifta.directory.models import Agency
from cifta.registry.models import Firearm
from cifta.testing.inventory_world import Inventory, InventoryWorldTestCase
from cifta.testing.registry_world import Firearms, register
from cifta.testing.stockpile_world import Arsenals
from cifta.testing.world import MARKER_A, MARKER_B, World

ACTOR = "system:test"
PLANNED = dt.date(2025, 5, 20)
# The smallest valid PNG (1x1 pixel).
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")


def png(extra: bytes = b"") -> bytes:
    """A PNG whose hash differs with ``extra`` (bytes after the end chunk are ignored by viewers)."""
    return PNG + extra


@dataclass
class Destructions:
    policy_a: DestructionPolicy
    new_a: Firearm
    event_a: DestructionEvent
    item_seized_a: DestructionItem
    item_new_a: DestructionItem
    item_lot_a: DestructionItem
    witness_a1: Witness
    witness_a2: Witness
    observer_a: Witness
    photo_a: DestructionPhoto
    custody_a: CustodyStep
    arsenal_agency_a: Agency
    policy_b: DestructionPolicy
    event_b: DestructionEvent
    item_b: DestructionItem
    witness_b: Witness
    photo_b: DestructionPhoto
    custody_b: CustodyStep


def build_destructions(world: World, firearms: Firearms, arsenals: Arsenals, inventory: Inventory) -> Destructions:
    new_a = register(world, "A", {"type": "rifle", "serial": "DES-1001", "event": "seized",
                                  "event_date": "2023-04-04"})
    at = timezone.now() - dt.timedelta(days=1)
    with country_scope([world.country_a.pk]), change_context(ACTOR, Source.COMMAND):
        arsenal = Agency.objects.owned().get(name=f"Arsenal A {MARKER_A}")
        policy_a = services.save_policy(actor=ACTOR, min_witnesses=2, min_agencies=2)
        event_a = services.plan_event(actor=ACTOR, title="Annual destruction", legal_order="Resolution 12/2025",
                                      site_name="Foundry A", site_address="Km 5, industrial zone",
                                      latitude="4.610000", longitude="-74.090000", planned_on=PLANNED,
                                      responsible_officer="Col. Vargas", weapon_method="smelting",
                                      ammunition_method="open_detonation")
        added = services.add_firearms(actor=ACTOR, event=event_a, firearms=[firearms.seized_a, new_a])
        item_lot_a = services.add_lot(actor=ACTOR, event=event_a, lot=inventory.lot_a2, storehouse=arsenals.store_a1,
                                      quantity=20)
        witness_a1 = services.add_witness(actor=ACTOR, event=event_a, full_name="Ana Registro",
                                          agency=world.agency_a, position="Registrar")
        witness_a2 = services.add_witness(actor=ACTOR, event=event_a, full_name="Mario Arsenal", agency=arsenal,
                                          position="Quartermaster")
        observer_a = services.add_witness(actor=ACTOR, event=event_a, full_name="Observer One", role="observer",
                                          organisation="UNLIREC", independent=True)
        photo_a = services.add_photo(actor=ACTOR, event=event_a, stage="before", content=png(b"A"),
                                     filename="before.png", caption="Stack before")
        custody_a = services.record_custody(actor=ACTOR, event=event_a, at=at, from_place="Depot A",
                                            to_place="Foundry A", handed_by="Sgt. Ruiz", received_by="Col. Vargas",
                                            seal_numbers="S-001, S-002")
    with country_scope([world.country_b.pk]), change_context(ACTOR, Source.COMMAND):
        policy_b = services.save_policy(actor=ACTOR, min_witnesses=1, min_agencies=1)
        event_b = services.plan_event(actor=ACTOR, title=f"Destruction {MARKER_B}", legal_order=f"Order {MARKER_B}",
                                      site_name=f"Site {MARKER_B}", planned_on=PLANNED,
                                      responsible_officer=f"Officer {MARKER_B}", weapon_method="cutting")
        item_b = services.add_firearms(actor=ACTOR, event=event_b, firearms=[firearms.private_b]).items[0]
        witness_b = services.add_witness(actor=ACTOR, event=event_b, full_name=f"Witness {MARKER_B}",
                                         agency=world.agency_b)
        photo_b = services.add_photo(actor=ACTOR, event=event_b, stage="before", content=png(b"B"),
                                     filename="b.png", caption=f"Photo {MARKER_B}")
        custody_b = services.record_custody(actor=ACTOR, event=event_b, at=at, from_place=f"Store {MARKER_B}",
                                            to_place=f"Site {MARKER_B}", handed_by=f"H {MARKER_B}",
                                            received_by=f"R {MARKER_B}", seal_numbers=f"{MARKER_B}-1")
    by_firearm = {i.firearm_id: i for i in added.items}
    return Destructions(
        policy_a=policy_a, new_a=Firearm.unscoped.get(pk=new_a.pk),
        event_a=DestructionEvent.unscoped.get(pk=event_a.pk),
        item_seized_a=by_firearm[firearms.seized_a.pk], item_new_a=by_firearm[new_a.pk], item_lot_a=item_lot_a,
        witness_a1=witness_a1, witness_a2=witness_a2, observer_a=observer_a, photo_a=photo_a, custody_a=custody_a,
        arsenal_agency_a=arsenal, policy_b=policy_b, event_b=DestructionEvent.unscoped.get(pk=event_b.pk),
        item_b=item_b, witness_b=witness_b, photo_b=photo_b, custody_b=custody_b)


class DestructionWorldTestCase(InventoryWorldTestCase):
    destructions: Destructions

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.destructions = build_destructions(cls.world, cls.firearms, cls.arsenals, cls.inventory)
