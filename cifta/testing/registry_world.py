"""The test world plus reference data and a few firearms in A and B, built through services.

    A: glock_a (Glock 17, 9x19, serial "ABC123", registered, held by Registry A)
       lost_a  (Taurus PT92, serial "TX-0001", reported lost by Registry A)
       seized_a (unknown make, serial "PRIVATEALPHA-77", seized)
    B: glock_b (Glock 17, serial "ABC123" too: the same serial in another country)
       private_b (Beretta 92FS, serial "PRIVATEBRAVO-9", registered)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cifta.core.context import Source, change_context
from cifta.core.scoping import country_scope
from cifta.reference import csvio
from cifta.registry import services
from cifta.registry.drafts import ReferenceIndex, draft_from_row
from cifta.registry.models import Firearm
from cifta.testing.base import WorldTestCase
from cifta.testing.world import MARKER_A, MARKER_B, World

DAY = dt.date(2024, 3, 1)


@dataclass
class Firearms:
    glock_a: Firearm
    lost_a: Firearm
    seized_a: Firearm
    glock_b: Firearm
    private_b: Firearm


def load_reference() -> None:
    with change_context("system:test", Source.COMMAND):
        csvio.load_seed()


def register(world: World, country: str, row: dict[str, str], actor: str = "system:test") -> Firearm:
    c = world.country_a if country == "A" else world.country_b
    agencies = {world.agency_a.name: world.agency_a.pk} if country == "A" else {world.agency_b.name: world.agency_b.pk}
    with country_scope([c.pk]), change_context(actor, Source.COMMAND):
        draft = draft_from_row(row, ReferenceIndex(agencies), today=dt.date(2025, 1, 1))
        return services.register_firearm(actor=actor, draft=draft)


def build_firearms(world: World) -> Firearms:
    load_reference()
    glock_a = register(world, "A", {"type": "pistol", "make": "Glock", "model": "17", "calibre": "9mm Luger",
                                    "serial": "ABC123", "holding_agency": "Registry A", "event": "manufactured",
                                    "event_date": "2020-01-10", "country_of_manufacture": "AT",
                                    "manufacture_mark": "GLOCK AUSTRIA ABC123"})
    lost_a = register(world, "A", {"type": "pistol", "make": "Taurus", "model": "PT92", "calibre": "9x19",
                                   "serial": "TX-0001", "holding_agency": "Registry A", "event_date": "2021-05-01"})
    seized_a = register(world, "A", {"type": "revolver", "serial": f"{MARKER_A}-77", "event": "seized",
                                     "event_date": "2022-02-02", "notes": MARKER_A})
    with country_scope([world.country_a.pk]), change_context("system:test", Source.COMMAND):
        services.record_event(actor="system:test", firearm=lost_a, kind="reported_lost", occurred_on=DAY,
                              agency=world.agency_a, reference="LOSS-1")
    glock_b = register(world, "B", {"type": "pistol", "make": "Glock", "model": "17", "calibre": "9x19",
                                    "serial": "ABC123"})
    private_b = register(world, "B", {"type": "pistol", "make": "Beretta", "model": "92FS", "calibre": "9x19",
                                      "serial": f"{MARKER_B}-9", "notes": MARKER_B})
    return Firearms(*(Firearm.unscoped.get(pk=f.pk) for f in (glock_a, lost_a, seized_a, glock_b, private_b)))


class RegistryWorldTestCase(WorldTestCase):
    firearms: Firearms

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.firearms = build_firearms(cls.world)
