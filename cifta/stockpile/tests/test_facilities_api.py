"""The facility and safety API beyond the battery: partial changes keep what is not given, the
safety check of a facility as JSON (audited), the quantity-distance report and its refusals, the
national rules (a loosening names the field, a second record is a conflict), the Secretariat,
and the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from cifta.core.models import AuditEvent
from cifta.stockpile import events
from cifta.stockpile.models import ExposedSite, Facility, MeasuredDistance, Storehouse
from cifta.stockpile.safety import qd_report
from cifta.stockpile.tests.test_facilities_world import FacilitiesTestCase
from cifta.testing.world import MARKER_B


class FacilityApiTest(FacilitiesTestCase):
    def writes(self) -> tuple[int, int]:
        return self.changes_count(), self.events_count()

    def test_build_a_facility_through_the_api(self) -> None:
        api = self.api("alice")
        response = api.post("/api/v1/facilities/", {
            "name": "Depot South", "kind": "ammunition_area", "operator": str(self.world.agency_a.public_id),
            "latitude": "3.5", "longitude": "-76.5"}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        facility = response.json()
        self.assertEqual((facility["country"], facility["latitude"]), ("CO", "3.500000"))
        response = api.post("/api/v1/storehouses/", {
            "facility": facility["public_id"], "name": "M1", "kind": "above_ground", "latitude": "3.5",
            "longitude": "-76.5", "licensed_limits_kg": {"1.1": 1000, "1.4": None}}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        store = response.json()
        self.assertEqual(store["licensed_limits_kg"], {"1.1": 1000.0})
        response = api.post("/api/v1/exposed-sites/", {
            "facility": facility["public_id"], "name": "Road 25", "kind": "public_traffic_route",
            "traffic": "light"}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        site = response.json()
        self.assertIsNone(site["latitude"])
        response = api.post("/api/v1/measured-distances/", {
            "storehouse": store["public_id"], "site": site["public_id"], "distance_m": "300"}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["distance_m"], "300.0")
        # filters by facility
        listed = api.get("/api/v1/storehouses/", {"facility": facility["public_id"]}).json()
        self.assertEqual([row["name"] for row in listed["results"]], ["M1"])
        self.assertEqual(api.get("/api/v1/exposed-sites/", {"facility": "nope"}).status_code, 400)
        self.assertEqual(api.get("/api/v1/storehouses/", {"facility": str(self.arsenals.facility_b.public_id)})
                         .json()["results"], [])

    def test_the_list_takes_the_pages_filters(self) -> None:
        api = self.api("alice")

        def names(**query: str) -> list[str]:
            return [row["name"] for row in api.get("/api/v1/facilities/", query).json()["results"]]

        self.assertEqual(names(), ["Depot A"])
        self.assertEqual(names(q="depot"), ["Depot A"])
        self.assertEqual(names(q="nothing"), [])
        self.assertEqual(names(kind="ammunition_area"), ["Depot A"])
        self.assertEqual(names(active="no"), [])
        self.assertEqual(names(operator=str(self.world.agency_a.public_id)), ["Depot A"])
        self.assertEqual(names(operator="nope"), [])
        self.assertEqual(api.get("/api/v1/facilities/", {"kind": "castle"}).status_code, 400)

    def test_a_partial_change_keeps_the_rest(self) -> None:
        api, a = self.api("alice"), self.arsenals
        response = api.patch(f"/api/v1/facilities/{a.facility_a.public_id}/", {"notes": "Gate 2"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        facility = Facility.unscoped.get(pk=a.facility_a.pk)
        self.assertEqual((facility.notes, facility.name, facility.perimeter_fence, facility.operator_id),
                         ("Gate 2", "Depot A", True, self.world.agency_a.pk))
        response = api.patch(f"/api/v1/storehouses/{a.store_a1.public_id}/", {"conditions_met": ["T6-4"]},
                             format="json")
        self.assertEqual(response.status_code, 200, response.content)
        store = Storehouse.unscoped.get(pk=a.store_a1.pk)
        self.assertEqual((store.conditions_met, store.licensed_limits_kg), (["T6-4"], {"1.1": 5000.0}))
        response = api.patch(f"/api/v1/exposed-sites/{a.road_a.public_id}/", {"traffic": "light"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(ExposedSite.unscoped.get(pk=a.road_a.pk).traffic, "light")
        response = api.patch(f"/api/v1/measured-distances/{self.measure_a.public_id}/",
                             {"distance_m": "410", "storehouse": str(a.store_a2.public_id)}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        measure = MeasuredDistance.unscoped.get(pk=self.measure_a.pk)
        self.assertEqual((str(measure.distance_m), measure.storehouse_id), ("410.0", a.store_a1.pk))

    def test_refusals_name_the_field_and_write_nothing(self) -> None:
        api, a = self.api("alice"), self.arsenals
        cases: list[tuple[str, str, dict[str, Any], str, int]] = [
            ("post", "/api/v1/facilities/", {"name": "Depot A", "kind": "depot", "latitude": "1", "longitude": "1",
                                             "operator": str(self.world.agency_a.public_id)}, "field", 409),
            ("post", "/api/v1/storehouses/", {"facility": str(a.facility_a.public_id), "name": "X",
                                              "kind": "igloo", "latitude": "1", "longitude": "1"}, "kind", 400),
            ("post", "/api/v1/storehouses/", {"facility": str(a.facility_a.public_id), "name": "X",
                                              "kind": "open_stack", "latitude": "1", "longitude": "1",
                                              "licensed_limits_kg": {"1.6": 1}}, "licensed_limits_kg", 400),
            ("patch", f"/api/v1/storehouses/{a.store_a1.public_id}/",
             {"facility": str(a.facility_b.public_id)}, "facility", 400),
            ("post", "/api/v1/exposed-sites/", {"facility": str(a.facility_a.public_id), "name": "X",
                                                "kind": "inhabited_building", "latitude": "1"}, "longitude", 400),
            ("post", "/api/v1/measured-distances/", {"storehouse": str(a.store_a1.public_id),
                                                     "site": str(a.school_a.public_id), "distance_m": "5",
                                                     "measured_on": "2999-01-01"}, "measured_on", 400),
        ]
        for method, path, body, field, code in cases:
            before = self.writes()
            response = getattr(api, method)(path, body, format="json")
            self.assertEqual(response.status_code, code, (path, response.content))
            answer = response.json()
            self.assertTrue(field in answer or answer.get("field") == "name", (path, answer))
            self.assertEqual(self.writes(), before, path)

    def test_the_safety_check_of_a_facility(self) -> None:
        before = AuditEvent.unscoped.filter(verb=events.SAFETY_CHECKED).count()
        response = self.api("bob").get(f"/api/v1/facilities/{self.arsenals.facility_a.public_id}/safety/")
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["counts"], {"violation": 3, "condition": 0, "notice": 1, "errors": 0})
        ecm = next(s for s in body["storehouses"] if s["name"] == "ECM 1")
        self.assertEqual([f["code"] for f in ecm["findings"]],
                         ["quantity_above_licence", "site_too_close", "quantity_above_qd_limit"])
        close = ecm["findings"][1]
        self.assertEqual((close["rule_id"], close["params"]["required_m"], close["severity"]),
                         ("1.1/earth_covered/ptr_heavy", 480.0, "violation"))
        self.assertIn("Highway 40 is 350 m away", close["text"])
        self.assertEqual(ecm["licence"]["limits"]["1.1"]["binding_site"], "Highway 40")
        self.assertEqual(ecm["licence"]["limits"]["1.1"]["limit_kg"], 0.0)
        self.assertEqual((ecm["ibd_m"], ecm["ptrd_m"], ecm["neq_kg"], ecm["treatment"]), (480.0, 320.0, 10000.0, "1.1"))
        self.assertEqual({r["site"]: r["measured"] for r in ecm["required_distances"]},
                         {"Highway 40": True, "School": False, "Armoury 2": False})
        self.assertEqual(AuditEvent.unscoped.filter(verb=events.SAFETY_CHECKED).count(), before + 1)
        self.assertEqual(self.api("alice").get(f"/api/v1/facilities/{self.arsenals.facility_b.public_id}/safety/")
                         .status_code, 404)

    def test_the_quantity_distance_report(self) -> None:
        api = self.api("alice")
        response = api.get("/api/v1/safety-qd/", {"hd": "1.1", "neq": "1000"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), qd_report("1.1", 1000.0))
        self.assertEqual(api.get("/api/v1/safety-qd/", {"hd": "1.2", "neq": "5000"}).json()["ibd_m"], None)
        for query, field in (({"hd": "2.1", "neq": "10"}, "hd"), ({"neq": "10"}, "hd"), ({"hd": "1.1"}, "neq"),
                             ({"hd": "1.1", "neq": "x"}, "neq"), ({"hd": "1.1", "neq": "0"}, "neq"),
                             ({"hd": "1.1", "neq": "-5"}, "neq"), ({"hd": "1.1", "neq": "300000"}, "neq"),
                             ({"hd": "1.3", "neq": "nan"}, "neq")):
            response = api.get("/api/v1/safety-qd/", query)
            self.assertEqual(response.status_code, 400, query)
            self.assertIn(field, response.json(), query)
        self.assertEqual(self.api("sam").get("/api/v1/safety-qd/", {"hd": "1.3", "neq": "500"}).status_code, 200)
        self.assertIn(self.api(None).get("/api/v1/safety-qd/", {"hd": "1.3", "neq": "500"}).status_code, (401, 403))

    def test_national_rules(self) -> None:
        api = self.api("nadia")
        before = self.writes()
        response = api.post("/api/v1/safety-rules/", {"label": "CO Res. 1", "tightenings": {"multiplier": 0.7}},
                            format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("multiplier", response.json())
        response = api.post("/api/v1/safety-rules/", {"label": "CO Res. 1", "tightenings": {
            "minimum_m": {"1.3/*/inhabited_building": 10}}}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("minimum_m[1.3/*/inhabited_building]", response.json())
        self.assertEqual(self.writes(), before)
        response = api.post("/api/v1/safety-rules/", {"label": "CO Res. 1", "tightenings": {"multiplier": 1.2}},
                            format="json")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["country"], body["amendments"]), ("CO", ["distances × 1.2"]))
        self.assertIn("+ CO Res. 1", body["ruleset_version"])
        self.assertEqual(api.post("/api/v1/safety-rules/", {"label": "CO Res. 2"}, format="json").status_code, 409)
        response = api.patch(f"/api/v1/safety-rules/{body['public_id']}/", {"label": "CO Res. 2"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["amendments"], ["distances × 1.2"])  # the tightenings stay
        listed = self.api("bob").get("/api/v1/safety-rules/").json()["results"]
        self.assertEqual([row["label"] for row in listed], ["CO Res. 2"])
        self.assertNotIn(MARKER_B, self.api("bob").get("/api/v1/safety-rules/").content.decode())

    def test_the_secretariat_reads_nothing_and_writes_nothing(self) -> None:
        for name in ("sam", "sara"):
            api = self.api(name)
            for path in ("/api/v1/facilities/", "/api/v1/storehouses/", "/api/v1/exposed-sites/",
                         "/api/v1/measured-distances/", "/api/v1/safety-rules/"):
                response = api.get(path)
                self.assertEqual(response.status_code, 200, path)
                self.assertEqual(response.json()["results"], [], path)
            before = self.writes()
            response = api.post("/api/v1/facilities/", {
                "name": "OAS depot", "kind": "depot", "operator": str(self.world.agency_s.public_id),
                "latitude": "1", "longitude": "1"}, format="json")
            self.assertEqual(response.status_code, 403)
            self.assertEqual(self.writes(), before)


class SchemaTest(FacilitiesTestCase):
    def test_the_schema_describes_facilities_without_warnings(self) -> None:
        from drf_spectacular.drainage import GENERATOR_STATS
        from drf_spectacular.generators import SchemaGenerator

        GENERATOR_STATS.reset()
        with GENERATOR_STATS.silence():
            schema = SchemaGenerator().get_schema(request=None, public=True)
        ours = ("Facility", "Storehouse", "ExposedSite", "MeasuredDistance", "SafetyRules", "SafetyQd", "facilities",
                "storehouses", "exposed-sites", "measured-distances", "safety-")
        warnings = [w for w in list(GENERATOR_STATS._warn_cache) + list(GENERATOR_STATS._error_cache)
                    if any(word in w for word in ours) and "could not resolve authenticator" not in w]
        self.assertEqual(warnings, [])
        for path in ("/api/v1/facilities/", "/api/v1/facilities/{public_id}/safety/", "/api/v1/storehouses/",
                     "/api/v1/exposed-sites/", "/api/v1/measured-distances/", "/api/v1/safety-rules/",
                     "/api/v1/safety-qd/"):
            self.assertIn(path, schema["paths"])
