"""The bridge from the facility records to the safety engine: what a storehouse holds comes from
the ledger, distances from a measure or from the coordinates (a site with neither is a finding),
the State's rules tighten the base ones, findings and refusals become sentences, and the map's
geometry."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cifta.core.errors import ServiceError
from cifta.core.scoping import country_scope
from cifta.stockpile import safety_bridge, selectors_facilities, services_facilities, services_safety
from cifta.stockpile.models import SafetyRules
from cifta.stockpile.safety import BASE, ExposedSite, Finding, Lot, SafetyError, Storehouse, licence
from cifta.stockpile.tests.test_facilities_world import ACTOR, TODAY, FacilitiesTestCase, receive


class DistanceTest(FacilitiesTestCase):
    def test_haversine_against_known_distances(self) -> None:
        # A degree of latitude is 111.195 km on the mean sphere; 0.005 degree is 555.97 m.
        self.assertAlmostEqual(safety_bridge.haversine_m(0, 0, 1, 0), 111_195.1, delta=0.5)
        self.assertAlmostEqual(safety_bridge.haversine_m("4.600000", "-74.08", "4.605000", "-74.08"), 555.97,
                               delta=0.05)
        # along a parallel the distance shrinks with the cosine of the latitude
        self.assertAlmostEqual(safety_bridge.haversine_m(60, 10, 60, 11), 55_597.5, delta=1)
        self.assertEqual(safety_bridge.haversine_m(4.6, -74.08, 4.6, -74.08), 0.0)
        # the check's distance is rounded down to the decimetre: rounding never passes a site
        self.assertEqual(safety_bridge.computed_distance_m("4.6", "-74.08", "4.605", "-74.08"), 555.9)

    def test_local_projection_puts_north_up_and_east_right(self) -> None:
        x, y = safety_bridge.local_xy("4.605", "-74.08", "4.6", "-74.08")
        self.assertAlmostEqual(x, 0.0)
        self.assertAlmostEqual(y, 555.97, delta=0.05)
        x, y = safety_bridge.local_xy("4.6", "-74.079", "4.6", "-74.08")
        self.assertAlmostEqual(x, 110.85, delta=0.1)  # 111.195 km × cos 4.6°
        self.assertAlmostEqual(y, 0.0)


class BridgeTest(FacilitiesTestCase):
    def check(self, store: object = None, today: dt.date = TODAY) -> safety_bridge.StorehouseCheck:
        with country_scope([self.world.country_a.pk]):
            return safety_bridge.check_storehouse(store or self.arsenals.store_a1, today)  # type: ignore[arg-type]

    def codes(self, result: safety_bridge.StorehouseCheck) -> list[str]:
        return [f.code for f in result.findings]

    def test_a_measured_distance_wins_and_coordinates_give_the_others(self) -> None:
        result = self.check()
        by_site = {r.site: r for r in result.required}
        self.assertEqual((by_site["Highway 40"].distance_m, by_site["Highway 40"].measured), (350.0, True))
        self.assertEqual((by_site["School"].distance_m, by_site["School"].measured), (555.9, False))
        # the facility's other storehouse is an exposed site of kind "storehouse" with its type
        self.assertEqual(by_site["Armoury 2"].kind, "storehouse")
        self.assertEqual(by_site["Armoury 2"].rule_id, "1.1/earth_covered/storehouse:light_structure")
        self.assertAlmostEqual(by_site["Armoury 2"].distance_m, 111.1)
        # 10,000 kg of HD 1.1 from the ledger
        self.assertEqual((result.treatment, result.neq_kg), ("1.1", 10_000.0))
        self.assertEqual([(h.lot.pk, h.quantity) for h in result.lots], [(self.lot_a.pk, 400)])
        # the school at 555.9 m from coordinates meets the 480 m; a measure of 300 m does not
        self.assertTrue(by_site["School"].meets)
        with self.in_a():
            services_facilities.record_distance(actor=ACTOR, storehouse=self.arsenals.store_a1,
                                                site=self.arsenals.school_a, distance_m="300", measured_on=TODAY)
        school = {r.site: r for r in self.check().required}["School"]
        self.assertEqual((school.distance_m, school.measured, school.meets), (300.0, True, False))

    def test_the_findings_of_the_depot(self) -> None:
        result = self.check()
        self.assertEqual(self.codes(result), ["quantity_above_licence", "site_too_close", "quantity_above_qd_limit"])
        above, close, limit = result.findings
        self.assertEqual((above.params["held_kg"], above.params["licensed_kg"]), (10_000.0, 5000.0))
        self.assertEqual(close.rule_id, "1.1/earth_covered/ptr_heavy")
        self.assertEqual((close.params["site"], close.params["distance_m"], close.params["required_m"]),
                         ("Highway 40", 350.0, 480.0))
        self.assertEqual((limit.params["binding_site"], limit.params["limit_kg"]), ("Highway 40", 0.0))
        self.assertEqual(result.counts, {"violation": 3, "condition": 0, "notice": 0})
        self.assertEqual((result.ibd_m, result.ptrd_m), (480.0, 320.0))
        text = safety_bridge.finding_text(close)
        for part in ("Highway 40", "350", "480", "10,000", "D13", "400"):
            self.assertIn(part, text)

    def test_a_school_too_close_for_what_is_held(self) -> None:
        receive(self.world.country_a, self.arsenals.store_a1, nature="Bomb, general purpose", lot_number="GP-1",
                neq="250", quantity=200)  # 50,000 kg more: 60,000 kg of HD 1.1 needs 870 m
        result = self.check()
        school = [f for f in result.findings if f.code == "site_too_close" and f.params["site"] == "School"]
        self.assertEqual(len(school), 1)
        self.assertEqual(school[0].rule_id, "1.1/earth_covered/inhabited_building")
        self.assertEqual((school[0].params["distance_m"], school[0].params["required_m"]), (555.9, 870.0))
        self.assertIn("AASTP-1", school[0].source)
        self.assertEqual(result.ibd_m, 870.0)
        with translation.override("es"):
            self.assertIn("870", safety_bridge.finding_text(school[0]))

    def test_a_site_without_distance_is_reported_not_skipped(self) -> None:
        result = self.check(self.arsenals.store_a2)  # Highway 40 has no coordinates and no measure to Armoury 2
        self.assertEqual(result.sites_without_distance, ["Highway 40"])
        missing = [f for f in result.findings if f.code == safety_bridge.NO_DISTANCE]
        self.assertEqual(len(missing), 1)
        self.assertEqual((missing[0].severity, missing[0].params["site"]), ("notice", "Highway 40"))
        self.assertIn("Highway 40", safety_bridge.finding_text(missing[0]))
        self.assertNotIn("Highway 40", [r.site for r in result.required])

    def test_the_state_tightening_is_applied(self) -> None:
        with self.in_a():
            services_safety.save_safety_rules(actor=ACTOR, label="CO Res. 3/2026",
                                              tightenings={"minimum_m": {"1.1/*/inhabited_building": 600}})
        result = self.check()
        self.assertIn("CO Res. 3/2026", result.ruleset_version)
        school = [f for f in result.findings if f.code == "site_too_close" and f.params["site"] == "School"]
        self.assertEqual(school[0].params["required_m"], 600.0)
        self.assertIn("CO Res. 3/2026", school[0].source)
        with self.in_a():
            services_safety.save_safety_rules(actor=ACTOR, label="CO Res. 4/2026", tightenings={"multiplier": 1.2})
        result = self.check()
        by_site = {r.site: r for r in result.required}
        self.assertEqual(by_site["School"].required_m, 576.0)  # 480 m × 1.2
        self.assertEqual(result.ibd_m, 576.0)
        # B's rules are B's: A's check never applies them
        self.assertNotIn("MX Res.", result.ruleset_version)

    def test_licences_match_the_engine_on_the_same_facts(self) -> None:
        with self.in_a():
            services_facilities.record_distance(actor=ACTOR, storehouse=self.arsenals.store_a1,
                                                site=self.arsenals.road_a, distance_m="700", measured_on=TODAY)
        result = self.check()
        assert result.licence is not None
        by_hand = Storehouse("ECM 1", "earth_covered", (Lot("x", "1.1", "D", 25.0, 400),), (
            ExposedSite("Highway 40", "public_traffic_route", 700.0, traffic="heavy"),
            ExposedSite("School", "inhabited_building", 555.9),
            ExposedSite("Armoury 2", "storehouse", 111.1, storehouse_type="light_structure")),
            licensed_limits_kg={"1.1": 5000.0})
        expected = licence(by_hand, BASE)
        self.assertEqual(result.licence.limits, expected.limits)
        self.assertEqual(result.licence.entries, expected.entries)
        hd11 = result.licence.limits["1.1"]
        self.assertEqual(hd11.binding_site, "Armoury 2")  # D9 at 111.1 m binds before the school's D13
        self.assertGreater(hd11.limit_kg, 11_000)
        self.assertLess(hd11.limit_kg, 12_100)
        data = safety_bridge.licence_as_dict(result.licence)
        assert data is not None
        self.assertEqual(data["limits"]["1.1"]["binding_site"], "Armoury 2")
        self.assertEqual(len(data["entries"]), 3 * 4)

    def test_lot_conditions_reach_the_engine(self) -> None:
        store = self.arsenals.store_a2
        receive(self.world.country_a, store, nature="Fuze", lot_number="F-1", hd="1.4", group="S", neq="0.01",
                quantity=100, expiry=dt.date(2025, 12, 31))
        receive(self.world.country_a, store, nature="Grenade", lot_number="G-1", hd="1.1", group="F", neq="0.2",
                quantity=10, condition="suspended")
        receive(self.world.country_a, store, nature="Cartridge", lot_number="C-1", hd="1.2", group="E", neq="0.5",
                quantity=10)
        receive(self.world.country_a, store, nature="Drill round", lot_number="D-1", hd="1.4", group="S", neq="0",
                quantity=50)
        result = self.check(store)
        codes = self.codes(result)
        self.assertIn("expired_lot", codes)
        self.assertIn("suspect_not_isolated", codes)
        self.assertIn("compatibility_condition", codes)  # F with E: only segregated (T6-2)
        condition = next(f for f in result.findings if f.code == "compatibility_condition")
        self.assertEqual(condition.params["condition"], "T6-2")
        self.assertEqual(condition.severity, "condition")
        self.assertIn("T6-2", safety_bridge.finding_text(condition))
        self.assertEqual(len(result.lots), 4)  # the inert lot is shown, not sited
        with self.in_a():
            services_facilities.save_storehouse(actor=ACTOR, facility=self.arsenals.facility_a, instance=store,
                                                name=store.name, kind=store.kind, latitude=store.latitude,
                                                longitude=store.longitude, conditions_met=["T6-2"],
                                                holds_weapons=True)
        self.assertNotIn("compatibility_condition", self.codes(self.check(store)))

    def test_a_lot_the_engine_refuses_is_a_finding(self) -> None:
        receive(self.world.country_a, self.arsenals.store_a2, nature="Odd", lot_number="X-1", neq="-1", quantity=3)
        result = self.check(self.arsenals.store_a2)
        bad = [f for f in result.findings if f.code == safety_bridge.INVALID_LOT]
        self.assertEqual(len(bad), 1)
        self.assertEqual(bad[0].severity, "violation")
        self.assertIn("Odd / X-1", safety_bridge.finding_text(bad[0]))

    def test_check_facility_reads_a_fixed_number_of_queries(self) -> None:
        with country_scope([self.world.country_a.pk]):
            with CaptureQueriesContext(connection) as one:
                checks = safety_bridge.check_facilities([self.arsenals.facility_a], TODAY)
            with self.in_a():
                other = services_facilities.save_facility(actor=ACTOR, name="Depot C", kind="depot",
                                                          operator=self.world.agency_a, latitude="5", longitude="-75")
                services_facilities.save_storehouse(actor=ACTOR, facility=other, name="M1", kind="above_ground",
                                                    latitude="5", longitude="-75")
            with CaptureQueriesContext(connection) as two:
                both = safety_bridge.check_facilities([self.arsenals.facility_a, other], TODAY)
        self.assertEqual(len(one), len(two))
        self.assertEqual([c.storehouse.name for c in checks[self.arsenals.facility_a.pk]], ["Armoury 2", "ECM 1"])
        self.assertEqual([c.storehouse.name for c in both[other.pk]], ["M1"])

    def test_an_inactive_empty_storehouse_is_neither_checked_nor_a_site(self) -> None:
        store = self.arsenals.store_a2
        with self.in_a():
            services_facilities.save_storehouse(actor=ACTOR, facility=self.arsenals.facility_a, instance=store,
                                                name=store.name, kind=store.kind, latitude=store.latitude,
                                                longitude=store.longitude, is_active=False)
        with country_scope([self.world.country_a.pk]):
            checks = safety_bridge.check_facility(self.arsenals.facility_a, TODAY)
        self.assertEqual([c.storehouse.name for c in checks], ["ECM 1"])
        self.assertNotIn("Armoury 2", [r.site for r in checks[0].required])


class RulesTest(FacilitiesTestCase):
    def test_clean_tightenings_checks_the_shape_and_names_the_field(self) -> None:
        self.assertEqual(safety_bridge.clean_tightenings(None), {})
        clean = safety_bridge.clean_tightenings({"multiplier": "1.5", "minimum_m": {"*/*/inhabited_building": 500},
                                                 "functions": {"1.1/*/process_building": " d12 "},
                                                 "forbid_pairs": [["c", "g"]]})
        self.assertEqual(clean, {"multiplier": 1.5, "minimum_m": {"*/*/inhabited_building": 500.0},
                                 "functions": {"1.1/*/process_building": "D12"}, "forbid_pairs": [["C", "G"]]})
        for raw, field in (([], "tightenings"), ({"loosen": 1}, "tightenings"), ({"multiplier": "x"}, "multiplier"),
                           ({"multiplier": True}, "multiplier"), ({"minimum_m": []}, "minimum_m"),
                           ({"minimum_m": {"*/*/*": "far"}}, "minimum_m[*/*/*]"),
                           ({"functions": {"*/*/*": 12}}, "functions[*/*/*]"),
                           ({"forbid_pairs": [["C"]]}, "forbid_pairs"), ({"forbid_pairs": "CG"}, "forbid_pairs")):
            with self.assertRaises(ServiceError, msg=raw) as caught:
                safety_bridge.clean_tightenings(raw)
            self.assertEqual(caught.exception.field, field, raw)

    def test_a_loosening_names_the_field(self) -> None:
        for tightenings, field in (({"multiplier": 0.8}, "multiplier"),
                                   ({"minimum_m": {"1.1/*/inhabited_building": 100}},
                                    "minimum_m[1.1/*/inhabited_building]"),
                                   ({"functions": {"1.1/*/inhabited_building": "D11"}},
                                    "functions[1.1/*/inhabited_building]"),
                                   ({"permit_pairs": [["B", "C"]]}, "permit_pairs"),
                                   ({"minimum_m": {"9.9/*/*": 500}}, "minimum_m[9.9/*/*]"),
                                   ({"forbid_pairs": [["C", "Q"]]}, "compatibility_group")):
            with self.assertRaises(ServiceError, msg=tightenings) as caught:
                safety_bridge.tightened("CO Res. 1", tightenings)
            self.assertEqual(caught.exception.field, field)
            self.assertTrue(str(caught.exception))

    def test_rules_for_a_state(self) -> None:
        with country_scope([self.world.country_a.pk]):
            self.assertIs(safety_bridge.rules_for(self.world.country_a.pk), BASE)
            self.assertIs(safety_bridge.rules_for(self.world.country_b.pk), BASE)  # B's are not A's to read
        with country_scope([self.world.country_b.pk]):
            rules = safety_bridge.rules_for(self.world.country_b.pk)
        self.assertEqual(rules.multiplier, 1.25)
        # a stored value the engine refuses is a refusal, never a silent fall-back to the base rules
        with self.in_b():
            record = SafetyRules.objects.owned().get()
            record.tightenings = {"multiplier": 0.5}
            record.save()
        with country_scope([self.world.country_b.pk]), self.assertRaises(ServiceError):
            safety_bridge.rules_for(self.world.country_b.pk)
        # ... and every storehouse says it could not be checked
        with country_scope([self.world.country_b.pk]):
            checks = safety_bridge.check_facility(self.arsenals.facility_b, TODAY)
        self.assertEqual(len(checks), 1)
        self.assertIn("national safety rules are refused", str(checks[0].error))
        self.assertEqual((checks[0].findings, checks[0].licence), ([], None))
        self.assertEqual(safety_bridge.counts(checks)["errors"], 1)


class SentencesTest(FacilitiesTestCase):
    FINDINGS = [
        Finding("expired_lot", "r", "s", {"lot": "L", "expiry": "2025-01-01", "today": "2026-01-01",
                                          "days_past": 365}),
        Finding("suspect_not_isolated", "r", "s", {"suspect_lots": ("L1", "L2"), "lots_in_building": 3}),
        Finding("incompatible", "r", "s", {"group_a": "B", "group_b": "C", "lots_a": ("L1",), "lots_b": ("L2",),
                                           "cell": "", "why": "x"}),
        Finding("compatibility_condition", "r", "s", {"group_a": "C", "group_b": "F", "lots_a": ("L1",),
                                                      "lots_b": ("L2",), "cell": "2", "condition": "T6-2",
                                                      "text": "x"}, "condition"),
        Finding("quantity_above_licence", "r", "s", {"treatment": "1.1", "neq_kg": 1234.5, "aggregation": "T4 1.1",
                                                     "division": "1.1", "held_kg": 1234.5, "licensed_kg": 1000.0}),
        Finding("site_too_close", "r", "s", {"treatment": "greatest_of_four", "neq_kg": 1234.5, "aggregation": "x",
                                             "site": "S", "kind": "inhabited_building", "distance_m": 100.0,
                                             "required_m": 270.0, "division": "1.1", "function": "1.1/D13",
                                             "minimum_m": 0.0, "multiplier": 1.0}),
        Finding("quantity_above_qd_limit", "r", "s", {"treatment": "1.1", "neq_kg": 1234.5, "aggregation": "x",
                                                      "limit_kg": 500.25, "division": "1.1", "binding_site": "S",
                                                      "distance_m": 100.0, "function": "1.1/D13"}),
        Finding("above_table", "r", "s", {"treatment": "1.1", "neq_kg": 300000.0, "aggregation": "x",
                                          "largest_tabulated_kg": 250000.0}),
        Finding("qd_unassessed", "r", "s", {"treatment": "1.6", "neq_kg": 10.0, "aggregation": "x",
                                            "reasons": ()}, "notice"),
        Finding("no_distance", "r", "s", {"site": "S", "kind": "inhabited_building"}, "notice"),
        Finding("invalid_lot", "r", "s", {"lot": "L", "code": "not_positive", "field": "neq_per_unit_kg",
                                          "value": "-1"}),
        Finding("invalid_site", "r", "s", {"site": "S", "code": "unknown_traffic", "field": "traffic", "value": ""}),
    ]

    def test_every_finding_reads_as_a_sentence_in_every_language(self) -> None:
        for language in ("en", "es", "fr", "pt"):
            with translation.override(language):
                for finding in self.FINDINGS:
                    text = safety_bridge.finding_text(finding)
                    self.assertNotIn("%(", text, finding.code)
                    self.assertNotIn(finding.code, text)
        self.assertIn("1,234.5", safety_bridge.finding_text(self.FINDINGS[4]))
        with translation.override("es"):
            self.assertIn("234,5 kg", safety_bridge.finding_text(self.FINDINGS[4]))
        self.assertEqual(safety_bridge.finding_text(Finding("new_code", "r", "s", {})), "Finding new_code.")

    def test_every_engine_refusal_reads_as_a_sentence(self) -> None:
        codes = ("not_positive", "not_finite", "not_integer", "unknown_division", "unknown_group", "unknown_site_kind",
                 "unknown_traffic", "unknown_storehouse_type", "negative_distance", "duplicate_lot", "above_table",
                 "outside_function", "loosening", "label_required", "unknown_rule", "unknown_function",
                 "function_range")
        for code in codes:
            text = safety_bridge.error_text(SafetyError(code, "neq_kg", value=1, neq_kg=300000.0, largest_kg=250000.0,
                                                        current=1.0, table="1.1", function="1.1/D1", lot_id="L"))
            self.assertNotIn(code, text)
            self.assertNotIn("%(", text)
        error = safety_bridge.safety_service_error(SafetyError("loosening", "multiplier", value=0.5, current=1.0))
        self.assertEqual(error.field, "multiplier")
        self.assertIn("0.5", str(error))


class MapTest(FacilitiesTestCase):
    def test_the_map_in_metres_and_in_pixels(self) -> None:
        with country_scope([self.world.country_a.pk]):
            fmap = safety_bridge.facility_map(self.arsenals.facility_a, today=TODAY)
        points = {p.name: p for p in fmap.points}
        self.assertEqual(set(points), {"ECM 1", "Armoury 2", "School"})
        self.assertAlmostEqual(points["School"].y, 555.97, delta=0.1)
        self.assertAlmostEqual(points["Armoury 2"].y, 111.19, delta=0.1)
        self.assertTrue(points["ECM 1"].flagged)  # it has violations
        self.assertFalse(points["School"].flagged)
        self.assertEqual(fmap.unplaced, ["Highway 40"])
        self.assertEqual(sorted((r.storehouse, r.what, r.radius_m) for r in fmap.rings),
                         [("ECM 1", "ibd", 480.0), ("ECM 1", "ptrd", 320.0)])
        self.assertAlmostEqual(fmap.extent_m, 555.97, delta=0.1)
        layout = selectors_facilities.map_layout(fmap, size=640)
        school = next(m for m in layout["markers"] if m.name == "School")
        self.assertEqual((school.x, school.y), ("320", "48"))  # due north, at the edge of the margin
        self.assertEqual(layout["scale"]["metres"], 200.0)
        self.assertEqual(layout["scale"]["label"], "200 m")
        ibd = next(r for r in layout["rings"] if r.get("what") == "ibd")
        self.assertEqual(ibd["r"], "234.8")  # 480 m at 272 px for 555.97 m
        with translation.override("es"):
            layout = selectors_facilities.map_layout(fmap, size=640)
        numbers = [layout["scale"]["x2"], ibd["cx"], *(m.x for m in layout["markers"])]
        self.assertTrue(all(re.fullmatch(r"-?\d+(\.\d+)?", n) for n in numbers), numbers)

    def test_nice_lengths(self) -> None:
        self.assertEqual([selectors_facilities.nice_length(m) for m in (0.7, 3, 140, 277.98, 999, 1000, 4200)],
                         [0.5, 2.0, 100.0, 200.0, 500.0, 1000.0, 2000.0])
        with translation.override("en"):
            self.assertEqual(selectors_facilities.distance_label(2000), "2 km")
            self.assertEqual(selectors_facilities.distance_label(1500), "1.5 km")


class EngineInputTest(FacilitiesTestCase):
    def test_rings_follow_the_division_actually_held(self) -> None:
        store = self.arsenals.store_a2  # a light structure
        receive(self.world.country_a, store, nature="Propellant", lot_number="P-1", hd="1.3", group="C",
                neq=Decimal("100"), quantity=50)  # 5,000 kg of HD 1.3
        with country_scope([self.world.country_a.pk]):
            result = safety_bridge.check_storehouse(store, TODAY)
        self.assertEqual(result.treatment, "1.3")
        # HD 1.3 D4 = 6.4 Q^1/3 = 109.4 -> 110 m to a house; D3 = 4.267 Q^1/3 = 72.96 -> 73 m to a light route
        self.assertEqual((result.ibd_m, result.ptrd_m), (110.0, 73.0))
        engine = Storehouse("x", "light_structure", (Lot("p", "1.3", "C", 100.0, 50),), safety_bridge.RING_SITES)
        from cifta.stockpile.safety import required_distances

        self.assertEqual([r for _s, r, _rule in required_distances(replace(engine), BASE)], [110.0, 73.0])
