"""The safety services: a State's rules (tightening only, the field named, audited, one per
State) and the audited check of a facility; and the facility services' refusals."""

from __future__ import annotations

from cifta.core.errors import ServiceError
from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.scoping import country_scope
from cifta.stockpile import events, services_facilities, services_safety
from cifta.stockpile.models import SafetyRules
from cifta.stockpile.tests.test_facilities_world import ACTOR, TODAY, FacilitiesTestCase, acting


class SafetyRulesServiceTest(FacilitiesTestCase):
    def refused(self, field: str, **kwargs: object) -> ServiceError:
        before = (ObjectChange.unscoped.count(), AuditEvent.unscoped.count())
        with self.assertRaises(ServiceError) as caught, self.in_a():
            services_safety.save_safety_rules(actor=ACTOR, **kwargs)  # type: ignore[arg-type]
        self.assertEqual(caught.exception.field, field)
        self.assertEqual((ObjectChange.unscoped.count(), AuditEvent.unscoped.count()), before)
        return caught.exception

    def test_rules_are_saved_audited_and_replaced(self) -> None:
        with self.in_a():
            first = services_safety.save_safety_rules(
                actor=ACTOR, label="CO Res. 14/2026",
                tightenings={"multiplier": 1.5, "minimum_m": {"*/*/inhabited_building": 500},
                             "functions": {"1.1/*/storehouse:light_structure": "D12"}, "forbid_pairs": [["c", "g"]]})
        self.assertEqual(first.country_id, self.world.country_a.pk)
        self.assertEqual(first.tightenings["forbid_pairs"], [["C", "G"]])
        event = AuditEvent.unscoped.filter(verb=events.RULES_SAVED).latest("seq")
        self.assertEqual(event.payload["label"], "CO Res. 14/2026")
        self.assertIn("CO Res. 14/2026", event.payload["version"])
        self.assertEqual(len(event.payload["amendments"]), 4)
        with self.in_a():
            second = services_safety.save_safety_rules(actor=ACTOR, label="CO Res. 15/2026", tightenings={})
        self.assertEqual(second.pk, first.pk)
        with country_scope([self.world.country_a.pk]):
            self.assertEqual(SafetyRules.objects.count(), 1)
            self.assertEqual(SafetyRules.objects.get().tightenings, {})

    def test_a_loosening_is_refused_naming_the_field(self) -> None:
        error = self.refused("multiplier", label="CO Res. 1", tightenings={"multiplier": 0.9})
        self.assertIn("0.9", str(error))
        self.refused("minimum_m[1.1/*/ptr_light]", label="CO Res. 1",
                     tightenings={"minimum_m": {"1.1/*/ptr_light": 10}})
        self.refused("functions[1.3/*/inhabited_building]", label="CO Res. 1",
                     tightenings={"functions": {"1.3/*/inhabited_building": "D2"}})
        self.refused("permit_pairs", label="CO Res. 1", tightenings={"permit_pairs": [["C", "G"]]})
        self.refused("label", label="  ", tightenings={})
        self.refused("label", label="x" * 101, tightenings={})
        self.refused("tightenings", label="CO Res. 1", tightenings={"maximum": 3})

    def test_a_state_cannot_loosen_its_own_earlier_rules_either_way(self) -> None:
        # The engine compares with the base rules: a State's new values replace its old ones, and a
        # value below the standard is refused whatever the State had before.
        with self.in_a():
            services_safety.save_safety_rules(actor=ACTOR, label="CO Res. 1", tightenings={"multiplier": 2})
        self.refused("multiplier", label="CO Res. 2", tightenings={"multiplier": 0.5})

    def test_the_secretariat_sets_no_rules(self) -> None:
        with self.assertRaises(ServiceError), acting(self.world.secretariat):
            services_safety.save_safety_rules(actor=ACTOR, label="OAS", tightenings={})


class SafetyCheckServiceTest(FacilitiesTestCase):
    def test_the_check_is_audited_with_its_counts(self) -> None:
        with self.in_a():
            checks = services_safety.run_safety_check(self.arsenals.facility_a, actor=ACTOR, today=TODAY)
        self.assertEqual([c.storehouse.name for c in checks], ["Armoury 2", "ECM 1"])
        event = AuditEvent.unscoped.filter(verb=events.SAFETY_CHECKED).latest("seq")
        self.assertEqual(event.target_id, self.arsenals.facility_a.pk)
        self.assertEqual(event.country_id, self.world.country_a.pk)
        self.assertEqual({k: event.payload[k] for k in ("storehouses", "violations", "conditions", "notices")},
                         {"storehouses": 2, "violations": 3, "conditions": 0, "notices": 1})
        self.assertEqual(event.payload["date"], TODAY.isoformat())

    def test_another_states_facility_is_not_checked(self) -> None:
        before = AuditEvent.unscoped.count()
        with self.assertRaises(ServiceError), self.in_a():
            services_safety.run_safety_check(self.arsenals.facility_b, actor=ACTOR)
        self.assertEqual(AuditEvent.unscoped.count(), before)


class FacilityServiceTest(FacilitiesTestCase):
    def test_an_exposed_site_does_not_move_to_another_facility(self) -> None:
        with self.in_a():
            other = services_facilities.save_facility(actor=ACTOR, name="Depot C", kind="depot",
                                                      operator=self.world.agency_a, latitude="5", longitude="-75")
        with self.assertRaises(ServiceError) as caught, self.in_a():
            services_facilities.save_exposed_site(actor=ACTOR, facility=other, instance=self.arsenals.school_a,
                                                  name="School", kind="inhabited_building", latitude="4.605",
                                                  longitude="-74.08")
        self.assertEqual(caught.exception.field, "facility")

    def test_refusals_name_the_field(self) -> None:
        a = self.arsenals
        cases = [
            ("operator", lambda: services_facilities.save_facility(
                actor=ACTOR, name="X", kind="depot", operator=self.world.agency_b, latitude="1", longitude="1")),
            ("latitude", lambda: services_facilities.save_facility(
                actor=ACTOR, name="X", kind="depot", operator=self.world.agency_a, latitude="91", longitude="1")),
            ("licensed_limits_kg", lambda: services_facilities.save_storehouse(
                actor=ACTOR, facility=a.facility_a, name="X", kind="open_stack", latitude="1", longitude="1",
                licensed_limits_kg={"1.6": 10})),
            ("traffic", lambda: services_facilities.save_exposed_site(
                actor=ACTOR, facility=a.facility_a, name="X", kind="public_traffic_route", traffic="")),
            ("site", lambda: services_facilities.record_distance(
                actor=ACTOR, storehouse=a.store_a1, site=a.site_b, distance_m="10")),
            ("distance_m", lambda: services_facilities.record_distance(
                actor=ACTOR, storehouse=a.store_a1, site=a.school_a, distance_m="-1")),
        ]
        for field, call in cases:
            before = ObjectChange.unscoped.count()
            with self.assertRaises(ServiceError, msg=field) as caught, self.in_a():
                call()
            self.assertEqual(caught.exception.field, field)
            self.assertEqual(ObjectChange.unscoped.count(), before)
