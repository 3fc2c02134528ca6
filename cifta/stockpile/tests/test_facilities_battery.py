"""The standard battery (cifta/testing/battery.py) for the API of facilities, storehouses,
exposed sites, measured distances and national safety rules, on the facilities world."""

from __future__ import annotations

from typing import Any

from cifta.stockpile.models import ExposedSite, Facility, MeasuredDistance, SafetyRules, Storehouse
from cifta.stockpile.tests.test_facilities_world import FacilitiesTestCase, acting
from cifta.testing.battery import ScopedApiBattery


class FacilityApiBattery(FacilitiesTestCase, ScopedApiBattery):
    model = Facility
    basename = "facility"

    def object_a(self) -> Any:
        return self.arsenals.facility_a

    def object_b(self) -> Any:
        return self.arsenals.facility_b

    def create_payload(self) -> dict[str, Any]:
        return {"name": "Depot North", "kind": "depot", "operator": str(self.world.agency_a.public_id),
                "latitude": "4.700000", "longitude": "-74.100000", "perimeter_fence": True}

    def foreign_fk_payload(self) -> dict[str, Any]:
        return {**self.create_payload(), "operator": str(self.world.agency_b.public_id)}

    def update_payload(self) -> dict[str, Any]:
        return {"notes": "Fence repaired", "guarded_24h": True}


class StorehouseApiBattery(FacilitiesTestCase, ScopedApiBattery):
    model = Storehouse
    basename = "storehouse"

    def object_a(self) -> Any:
        return self.arsenals.store_a1

    def object_b(self) -> Any:
        return self.arsenals.store_b1

    def create_payload(self) -> dict[str, Any]:
        return {"facility": str(self.arsenals.facility_a.public_id), "name": "ECM 3", "kind": "earth_covered",
                "latitude": "4.599000", "longitude": "-74.081000", "licensed_limits_kg": {"1.1": 2000, "1.3": 8000},
                "conditions_met": ["T6-2"]}

    def foreign_fk_payload(self) -> dict[str, Any]:
        return {**self.create_payload(), "facility": str(self.arsenals.facility_b.public_id)}

    def update_payload(self) -> dict[str, Any]:
        return {"licensed_limits_kg": {"1.1": 12000}}


class ExposedSiteApiBattery(FacilitiesTestCase, ScopedApiBattery):
    model = ExposedSite
    basename = "exposedsite"

    def object_a(self) -> Any:
        return self.arsenals.school_a

    def object_b(self) -> Any:
        return self.arsenals.site_b

    def create_payload(self) -> dict[str, Any]:
        return {"facility": str(self.arsenals.facility_a.public_id), "name": "Chapel", "kind": "inhabited_building",
                "latitude": "4.596000", "longitude": "-74.080000"}

    def foreign_fk_payload(self) -> dict[str, Any]:
        return {**self.create_payload(), "facility": str(self.arsenals.facility_b.public_id)}

    def update_payload(self) -> dict[str, Any]:
        return {"name": "Primary school"}


class MeasuredDistanceApiBattery(FacilitiesTestCase, ScopedApiBattery):
    model = MeasuredDistance
    basename = "measureddistance"

    def object_a(self) -> Any:
        return self.measure_a

    def object_b(self) -> Any:
        return self.measure_b

    def create_payload(self) -> dict[str, Any]:
        return {"storehouse": str(self.arsenals.store_a2.public_id), "site": str(self.arsenals.school_a.public_id),
                "distance_m": "441.5", "measured_on": "2025-02-01"}

    def foreign_fk_payload(self) -> dict[str, Any]:
        return {**self.create_payload(), "storehouse": str(self.arsenals.store_b1.public_id)}

    def update_payload(self) -> dict[str, Any]:
        return {"distance_m": "352.0"}


class SafetyRulesApiBattery(FacilitiesTestCase, ScopedApiBattery):
    """One record per State: A's is recorded for every test but the one that creates it."""

    model = SafetyRules
    basename = "safetyrules"
    writer_a = "nadia"  # national administrators set the rules
    rules_a: SafetyRules

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from cifta.stockpile import services_safety

        with acting(cls.world.country_a):
            cls.rules_a = services_safety.save_safety_rules(actor="system:test", label="CO Res. 7/2025",
                                                            tightenings={"minimum_m": {"*/*/inhabited_building": 450}})

    def object_a(self) -> Any:
        return self.rules_a

    def object_b(self) -> Any:
        return self.rules_b

    def create_payload(self) -> dict[str, Any]:
        return {"label": "CO Res. 14/2026", "tightenings": {"multiplier": 1.5, "forbid_pairs": [["C", "G"]]}}

    def update_payload(self) -> dict[str, Any]:
        return {"tightenings": {"multiplier": 2}}

    def test_create_writes_one_change_with_actor_and_request_and_ignores_country(self) -> None:
        with self.in_a():
            SafetyRules.objects.owned().get().delete()  # the State has none yet
        super().test_create_writes_one_change_with_actor_and_request_and_ignores_country()

    def test_an_officer_cannot_set_the_rules(self) -> None:
        before = self.changes_count()
        response = self.api("alice").patch(self.detail_url(self.rules_a), self.update_payload(), format="json")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.changes_count(), before)
