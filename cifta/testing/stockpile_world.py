"""The registry world plus an arsenal in A and one in B, built through the services.

    A: facility_a "Depot A" (Registry A operates it), storehouses store_a1 (earth-covered,
       1.1 limit 5,000 kg) and store_a2 (light structure, weapons); exposed sites school_a
       (inhabited building, coordinates) and road_a (heavy public traffic route, a measured
       distance to store_a1).
    B: facility_b "Depot B PRIVATEBRAVO" with store_b1 and site_b (private to B).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cifta.core.context import Source, change_context
from cifta.core.scoping import country_scope
from cifta.stockpile import services_facilities as facilities
from cifta.stockpile.models import ExposedSite, Facility, Storehouse
from cifta.testing.base import WorldTestCase
from cifta.testing.registry_world import Firearms, build_firearms
from cifta.testing.world import MARKER_B, World

ACTOR = "system:test"
MEASURED = dt.date(2025, 1, 15)


@dataclass
class Arsenals:
    facility_a: Facility
    store_a1: Storehouse
    store_a2: Storehouse
    school_a: ExposedSite
    road_a: ExposedSite
    facility_b: Facility
    store_b1: Storehouse
    site_b: ExposedSite


def build_arsenals(world: World) -> Arsenals:
    with country_scope([world.country_a.pk]), change_context(ACTOR, Source.COMMAND):
        facility_a = facilities.save_facility(actor=ACTOR, name="Depot A", kind="ammunition_area",
                                              operator=world.agency_a, latitude="4.600000", longitude="-74.080000",
                                              perimeter_fence=True)
        store_a1 = facilities.save_storehouse(actor=ACTOR, facility=facility_a, name="ECM 1", kind="earth_covered",
                                              latitude="4.600000", longitude="-74.080000",
                                              licensed_limits_kg={"1.1": 5000})
        store_a2 = facilities.save_storehouse(actor=ACTOR, facility=facility_a, name="Armoury 2",
                                              kind="light_structure", latitude="4.601000", longitude="-74.080000",
                                              holds_weapons=True)
        school_a = facilities.save_exposed_site(actor=ACTOR, facility=facility_a, name="School",
                                                kind="inhabited_building", latitude="4.605000",
                                                longitude="-74.080000")
        road_a = facilities.save_exposed_site(actor=ACTOR, facility=facility_a, name="Highway 40",
                                              kind="public_traffic_route", traffic="heavy")
        facilities.record_distance(actor=ACTOR, storehouse=store_a1, site=road_a, distance_m=350,
                                   measured_on=MEASURED)
    with country_scope([world.country_b.pk]), change_context(ACTOR, Source.COMMAND):
        facility_b = facilities.save_facility(actor=ACTOR, name=f"Depot B {MARKER_B}", kind="depot",
                                              operator=world.agency_b, latitude="19.430000", longitude="-99.130000",
                                              notes=MARKER_B)
        store_b1 = facilities.save_storehouse(actor=ACTOR, facility=facility_b, name=f"Magazine {MARKER_B}",
                                              kind="above_ground", latitude="19.430000", longitude="-99.130000")
        site_b = facilities.save_exposed_site(actor=ACTOR, facility=facility_b, name=f"Village {MARKER_B}",
                                              kind="inhabited_building", latitude="19.440000", longitude="-99.130000")
    return Arsenals(facility_a, store_a1, store_a2, school_a, road_a, facility_b, store_b1, site_b)


class StockpileWorldTestCase(WorldTestCase):
    firearms: Firearms
    arsenals: Arsenals

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.firearms = build_firearms(cls.world)
        cls.arsenals = build_arsenals(cls.world)
