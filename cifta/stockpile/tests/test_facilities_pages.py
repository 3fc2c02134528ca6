"""The facility and safety pages: list with filters and counts, records added and changed through
their forms (refusals beside the field, nothing written), the map, the safety check with the
licences, the calculator, the national rules; viewers, the Secretariat and other States refused."""

from __future__ import annotations

import re

from django.urls import reverse

from cifta.core.models import AuditEvent
from cifta.core.scoping import country_scope
from cifta.stockpile import events, services_safety
from cifta.stockpile.models import ExposedSite, Facility, MeasuredDistance, SafetyRules, Storehouse
from cifta.stockpile.tests.test_facilities_world import ACTOR, FacilitiesTestCase
from cifta.testing.world import MARKER_B


def url(name: str, *args: object) -> str:
    return reverse(f"stockpile:{name}", args=args)


class FacilityPagesTest(FacilitiesTestCase):
    def text(self, response: object) -> str:
        return response.content.decode()  # type: ignore[attr-defined]

    def writes(self) -> tuple[int, int]:
        return self.changes_count(), self.events_count()

    def test_the_area_opens_on_the_facility_list(self) -> None:
        home = self.text(self.web("alice").get("/"))
        self.assertIn(f'href="{url("facility_list")}"', home)

    def test_the_list_with_filters_and_counts(self) -> None:
        response = self.web("alice").get(url("facility_list"))
        self.assertEqual(response.status_code, 200)
        text = self.text(response)
        self.assertIn("Depot A", text)
        self.assertNotIn(MARKER_B, text)
        row = re.search(r"Depot A</a>.*?</tr>", text, re.S)
        assert row is not None
        cells = re.findall(r'<td class="num">(?:<a[^>]*><strong>)?(\d+)', row.group(0))
        self.assertEqual(cells, ["2", "2", "3", "0", "1"])  # storehouses, sites, violations, conditions, notices
        self.assertIn(url("facility_safety", self.arsenals.facility_a.public_id), row.group(0))
        for query, present in (("?q=depot", True), ("?q=nothing", False), ("?kind=armoury", False),
                               ("?kind=ammunition_area", True), ("?active=no", False),
                               (f"?operator={self.world.agency_a.public_id}", True), ("?operator=zzz", False)):
            found = "Depot A</a>" in self.text(self.web("alice").get(url("facility_list") + query))
            self.assertEqual(found, present, query)

    def test_record_and_change_a_facility(self) -> None:
        web = self.web("alice")
        body = {"name": "Depot North", "kind": "depot", "operator": str(self.world.agency_a.public_id),
                "latitude": "4.7", "longitude": "-74.1", "perimeter_fence": "on", "is_active": "on"}
        response = web.post(url("facility_new"), body)
        self.assertEqual(response.status_code, 302)
        facility = Facility.unscoped.get(name="Depot North")
        self.assertEqual((facility.country_id, facility.operator_id, facility.perimeter_fence),
                         (self.world.country_a.pk, self.world.agency_a.pk, True))
        self.assertEqual(response["Location"], facility.get_absolute_url())
        response = web.post(url("facility_edit", facility.public_id), {**body, "notes": "New gate", "kind": "armoury"})
        self.assertEqual(response.status_code, 302)
        facility.refresh_from_db()
        self.assertEqual((facility.notes, facility.kind), ("New gate", "armoury"))
        # the same name again: refused beside the field, nothing written
        before = self.writes()
        response = web.post(url("facility_new"), body)
        self.assertEqual(response.status_code, 400)
        self.assertIn("This name is already used here.", self.text(response))
        self.assertEqual(self.writes(), before)

    def test_another_states_agency_is_no_choice(self) -> None:
        web = self.web("alice")  # logging in is an audited event: before counting
        before = self.writes()
        response = web.post(url("facility_new"), {
            "name": "X", "kind": "depot", "operator": str(self.world.agency_b.public_id), "latitude": "1",
            "longitude": "1"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.writes(), before)
        self.assertNotIn("Registry B", self.text(self.web("alice").get(url("facility_new"))))

    def test_a_viewer_reads_but_writes_nothing(self) -> None:
        web, a = self.web("bob"), self.arsenals
        self.assertEqual(web.get(url("facility_detail", a.facility_a.public_id)).status_code, 200)
        self.assertNotIn(url("storehouse_new", a.facility_a.public_id),
                         self.text(web.get(url("facility_detail", a.facility_a.public_id))))
        before = self.writes()
        for target in (url("facility_new"), url("facility_edit", a.facility_a.public_id),
                       url("storehouse_new", a.facility_a.public_id), url("storehouse_edit", a.store_a1.public_id),
                       url("site_new", a.facility_a.public_id), url("site_edit", a.school_a.public_id),
                       url("distance_new", a.facility_a.public_id), url("distance_edit", self.measure_a.public_id)):
            self.assertEqual(web.post(target, {"name": "x", "kind": "depot"}).status_code, 403, target)
        response = web.post(url("safety_rules"), {"label": "x"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.writes(), before)

    def test_another_states_records_are_404_and_untouched(self) -> None:
        web, a = self.web("alice"), self.arsenals
        before = self.writes()
        for target in (url("facility_detail", a.facility_b.public_id), url("facility_map", a.facility_b.public_id),
                       url("facility_safety", a.facility_b.public_id), url("facility_edit", a.facility_b.public_id),
                       url("storehouse_detail", a.store_b1.public_id), url("storehouse_edit", a.store_b1.public_id),
                       url("storehouse_new", a.facility_b.public_id), url("site_new", a.facility_b.public_id),
                       url("site_edit", a.site_b.public_id), url("distance_new", a.facility_b.public_id),
                       url("distance_edit", self.measure_b.public_id)):
            self.assertEqual(web.get(target).status_code, 404, target)
            # pages that only read answer a POST with 405 before looking the record up
            self.assertIn(web.post(target, {"name": "x", "kind": "depot"}).status_code, (404, 405), target)
        self.assertEqual(self.writes(), before)

    def test_the_secretariat_is_refused_on_state_pages(self) -> None:
        web, a = self.web("sam"), self.arsenals
        response = web.get(url("facility_list"))
        self.assertEqual(response.status_code, 200)
        self.assertIn(url("qd_calculator"), self.text(response))
        self.assertNotIn("Depot", self.text(response))
        for target in (url("facility_new"), url("safety_rules"), url("facility_detail", a.facility_a.public_id),
                       url("facility_safety", a.facility_a.public_id)):
            self.assertEqual(web.get(target).status_code, 403, target)
        self.assertEqual(web.get(url("qd_calculator") + "?hd=1.1&neq=1000").status_code, 200)

    def test_the_detail_and_the_forms_to_add(self) -> None:
        web, a = self.web("alice"), self.arsenals
        text = self.text(web.get(url("facility_detail", a.facility_a.public_id)))
        for part in ("ECM 1", "Armoury 2", "School", "Highway 40", "350", url("storehouse_new", a.facility_a.public_id),
                     url("site_new", a.facility_a.public_id), url("distance_new", a.facility_a.public_id),
                     url("distance_edit", self.measure_a.public_id)):
            self.assertIn(part, text)
        self.assertEqual(len(re.findall(r'id="([^"]+)"', text)), len(set(re.findall(r'id="([^"]+)"', text))))
        # a storehouse, with its limits and conditions
        response = web.post(url("storehouse_new", a.facility_a.public_id), {
            "name": "ECM 3", "kind": "earth_covered", "latitude": "4.599", "longitude": "-74.081",
            "limit_1_1": "2500", "limit_1_3": "8000.5", "conditions_met": ["T6-2", "T6-4"], "is_active": "on"})
        self.assertEqual(response.status_code, 302, response.content[:2000])
        store = Storehouse.unscoped.get(name="ECM 3")
        self.assertEqual(store.licensed_limits_kg, {"1.1": 2500.0, "1.3": 8000.5})
        self.assertEqual(store.conditions_met, ["T6-2", "T6-4"])
        response = web.post(url("storehouse_edit", store.public_id), {
            "name": "ECM 3", "kind": "earth_covered", "latitude": "4.599", "longitude": "-74.081", "limit_1_1": "3000"})
        self.assertEqual(response.status_code, 302)
        store.refresh_from_db()
        self.assertEqual((store.licensed_limits_kg, store.conditions_met, store.is_active),
                         ({"1.1": 3000.0}, [], False))
        # an exposed site: a building has no traffic class (said beside the field)
        before = self.writes()
        response = web.post(url("site_new", a.facility_a.public_id), {
            "name": "Farm", "kind": "inhabited_building", "traffic": "heavy", "latitude": "4.59",
            "longitude": "-74.08"})
        self.assertEqual(response.status_code, 400)
        self.assertRegex(self.text(response), r'(?s)id="id_traffic".*Only a public traffic route has a traffic class')
        self.assertEqual(self.writes(), before)
        response = web.post(url("site_new", a.facility_a.public_id), {
            "name": "Farm", "kind": "inhabited_building", "latitude": "4.59", "longitude": "-74.08"})
        self.assertEqual(response.status_code, 302)
        farm = ExposedSite.unscoped.get(name="Farm")
        response = web.post(url("site_edit", farm.public_id), {"name": "Farm", "kind": "process_building"})
        self.assertEqual(response.status_code, 302)
        farm.refresh_from_db()
        self.assertEqual((farm.kind, farm.latitude), ("process_building", None))
        # a measured distance, then a new measure of the same pair
        response = web.post(url("distance_new", a.facility_a.public_id), {
            "storehouse": str(store.public_id), "site": str(farm.public_id), "distance_m": "123.4",
            "measured_on": "2025-05-05"})
        self.assertEqual(response.status_code, 302)
        measure = MeasuredDistance.unscoped.get(storehouse=store, site=farm)
        response = web.post(url("distance_edit", measure.public_id), {
            "storehouse": str(a.store_a1.public_id), "site": str(a.school_a.public_id), "distance_m": "130",
            "measured_on": "2025-05-06"})
        self.assertEqual(response.status_code, 302)
        measure.refresh_from_db()
        self.assertEqual((str(measure.distance_m), measure.storehouse_id, measure.site_id),
                         ("130.0", store.pk, farm.pk))
        # another State's site is no choice
        before = self.writes()
        response = web.post(url("distance_new", a.facility_a.public_id), {
            "storehouse": str(a.store_a1.public_id), "site": str(a.site_b.public_id), "distance_m": "1",
            "measured_on": "2025-05-05"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.writes(), before)

    def test_the_map(self) -> None:
        web, a = self.web("alice"), self.arsenals
        response = web.get(url("facility_map", a.facility_a.public_id))
        self.assertEqual(response.status_code, 200)
        text = self.text(response)
        svg = re.search(r"<svg.*?</svg>", text, re.S)
        assert svg is not None
        for part in ("ECM 1", "Armoury 2", "School", "IBD 480 m", "PTRD 320 m", "200 m", "<polygon", "<circle"):
            self.assertIn(part, svg.group(0))
        self.assertIn("Highway 40", text)  # listed under the map: no coordinates
        self.assertNotIn("<script", text.split("<main", 1)[1])
        self.assertNotIn("http", svg.group(0).replace("http://www.w3.org/2000/svg", ""))
        with self.settings(LANGUAGE_CODE="es"):
            spanish = self.text(web.get(url("facility_map", a.facility_a.public_id), HTTP_ACCEPT_LANGUAGE="es"))
        self.assertIn('<html lang="es">', spanish)
        svg_es = re.search(r"<svg.*?</svg>", spanish, re.S)
        assert svg_es is not None
        for attribute in re.findall(r' (?:x|y|cx|cy|r|x1|x2|y1|y2|width|height)="([^"]*)"', svg_es.group(0)):
            self.assertRegex(attribute, r"^-?\d+(\.\d+)?$")

    def test_the_safety_check_page_is_audited(self) -> None:
        web, a = self.web("bob"), self.arsenals
        before = AuditEvent.unscoped.filter(verb=events.SAFETY_CHECKED).count()
        response = web.get(url("facility_safety", a.facility_a.public_id))
        self.assertEqual(response.status_code, 200)
        text = self.text(response)
        for part in ("1.1/earth_covered/ptr_heavy", "AASTP-1", "Highway 40 is 350 m away; 480 m are required",
                     "above the 5,000 kg the storehouse&#x27;s licence allows", "Explosives limit licence of ECM 1",
                     "above what the distances allow", "Highway 40 has neither coordinates nor a measured distance",
                     "3 violations"):
            self.assertIn(part, text)
        self.assertEqual(AuditEvent.unscoped.filter(verb=events.SAFETY_CHECKED).count(), before + 1)
        self.assertEqual(web.post(url("facility_safety", a.facility_a.public_id)).status_code, 405)

    def test_the_storehouse_page(self) -> None:
        response = self.web("alice").get(url("storehouse_detail", self.arsenals.store_a1.public_id))
        self.assertEqual(response.status_code, 200)
        text = self.text(response)
        for part in ("Charge, demolition / L-A1", "10,000", "HD 1.1: 5,000", "1.1/earth_covered/ptr_heavy", "350"):
            self.assertIn(part, text)

    def test_the_calculator(self) -> None:
        web = self.web("alice")
        text = self.text(web.get(url("qd_calculator")))
        self.assertIn('name="neq"', text)
        response = web.get(url("qd_calculator"), {"hd": "1.1", "neq": "1000"})
        text = self.text(response)
        self.assertRegex(text, r"(?s)<th scope=\"row\">D13</th>.*?173\.93.*?270</td>")
        self.assertRegex(text, r"(?s)<th scope=\"row\">D2</th>.*?4\.40</td><td class=\"num\"><span")  # not tabulated
        response = web.get(url("qd_calculator"), {"hd": "1.1", "neq": "300000"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("above the largest quantity the distance tables cover", self.text(response))
        self.assertEqual(web.get(url("qd_calculator"), {"hd": "2.1", "neq": "10"}).status_code, 400)
        self.assertEqual(web.get(url("qd_calculator"), {"hd": "1.1", "neq": "-3"}).status_code, 400)

    def test_national_rules_page(self) -> None:
        bob = self.web("bob")
        response = bob.get(url("safety_rules"))
        self.assertEqual(response.status_code, 200)
        self.assertNotIn('name="label"', self.text(response))
        self.assertNotIn(MARKER_B, self.text(response))
        nadia = self.web("nadia")
        self.assertIn('name="label"', self.text(nadia.get(url("safety_rules"))))
        before = self.writes()
        response = nadia.post(url("safety_rules"), {"label": "CO Res. 9", "minimum_m": "1.1/*/ptr_light = 50"})
        self.assertEqual(response.status_code, 400)
        self.assertRegex(self.text(response), r"(?s)id=\"id_minimum_m\".*would loosen the rules")
        response = nadia.post(url("safety_rules"), {"label": "CO Res. 9", "minimum_m": "1.1/*/ptr_light 50"})
        self.assertIn("Line 1: write pattern = value.", self.text(response))
        response = nadia.post(url("safety_rules"), {"label": "CO Res. 9", "multiplier": "0.5"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.writes(), before)
        response = nadia.post(url("safety_rules"), {
            "label": "CO Res. 9", "multiplier": "1.1", "minimum_m": "*/*/inhabited_building = 450\n# comment\n",
            "functions": "1.1/*/storehouse:light_structure = D12", "forbid_pairs": "C G\nd, g"})
        self.assertEqual(response.status_code, 302)
        with country_scope([self.world.country_a.pk]):
            record = SafetyRules.objects.get()
        self.assertEqual(record.tightenings, {
            "multiplier": 1.1, "minimum_m": {"*/*/inhabited_building": 450.0},
            "functions": {"1.1/*/storehouse:light_structure": "D12"}, "forbid_pairs": [["C", "G"], ["D", "G"]]})
        text = self.text(bob.get(url("safety_rules")))
        for part in ("CO Res. 9", "distances × 1.1", "C with G forbidden", "1.1/earth_covered/inhabited_building"):
            self.assertIn(part, text)
        # the form shows what is recorded
        self.assertIn("*/*/inhabited_building = 450", self.text(nadia.get(url("safety_rules"))))
        # every check from now on applies them
        with country_scope([self.world.country_a.pk]):
            self.assertIn("CO Res. 9", services_safety.safety_bridge.rules_for(self.world.country_a.pk).version)

    def test_rules_the_engine_refuses_are_said_everywhere(self) -> None:
        with self.in_a():
            record = SafetyRules(label="Old", tightenings={"multiplier": 0.5})
            record.save()
        web, a = self.web("alice"), self.arsenals
        for target in (url("facility_list"), url("facility_safety", a.facility_a.public_id),
                       url("facility_map", a.facility_a.public_id), url("storehouse_detail", a.store_a1.public_id),
                       url("safety_rules")):
            response = web.get(target)
            self.assertEqual(response.status_code, 200, target)
        self.assertIn("could not be checked", self.text(web.get(url("facility_safety", a.facility_a.public_id))))
        self.assertIn("would loosen the rules", self.text(web.get(url("safety_rules"))))
        self.assertTrue(ACTOR)
