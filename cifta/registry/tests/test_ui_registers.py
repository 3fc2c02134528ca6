"""Serial look-up, the lost/stolen/seized registers, the hit-notice inbox, the marking
compliance report and the exports (their contents and their audit)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools

from django.urls import reverse
from openpyxl import load_workbook

from cifta.core.context import Source, change_context
from cifta.core.models import AuditEvent
from cifta.core.scoping import country_scope
from cifta.registry import selectors, services
from cifta.registry.drafts import MarkingDraft
from cifta.registry.models import Firearm, HitNotice
from cifta.registry.tests.test_api_battery import RegistryExtrasTestCase
from cifta.registry.tests.test_ui_pages import field_block
from cifta.testing.registry_world import register
from cifta.testing.world import MARKER_A, MARKER_B


class SerialLookupPageTest(RegistryExtrasTestCase):
    url = reverse("registry:serial_lookup")

    def test_the_case_reference_is_required(self) -> None:
        client = self.web("bob")
        before = self.events_count()
        response = client.post(self.url, {"serial": "ABC123", "case_reference": ""})
        self.assertEqual(response.status_code, 400)
        self.assertIn('role="alert"', field_block(response.content.decode(), "case_reference"))
        self.assertEqual(self.events_count(), before)

    def test_a_look_up_finds_ones_own_firearm_and_is_audited(self) -> None:
        response = self.web("bob").post(self.url, {"serial": "abc 12-3", "case_reference": "INV-9"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual([f.pk for f in response.context["results"]], [self.firearms.glock_a.pk])
        self.assertNotIn(MARKER_B, response.content.decode())
        event = AuditEvent.unscoped.filter(verb="registry.serial.looked_up").latest("seq")
        self.assertEqual((event.actor_id, event.country_id, event.source), (self.world.bob.pk,
                                                                            self.world.country_a.pk, "web"))
        self.assertEqual((event.payload["case_reference"], event.payload["result_count"]), ("INV-9", 1))

    def test_a_hit_on_a_lost_firearm_is_marked_and_notifies(self) -> None:
        before = HitNotice.unscoped.filter(firearm=self.firearms.lost_a).count()
        response = self.web("alice").post(self.url, {"serial": "TX0001", "case_reference": "ROAD-1"})
        self.assertContains(response, "reported lost or stolen: the reporting agency has been notified")
        self.assertEqual(HitNotice.unscoped.filter(firearm=self.firearms.lost_a).count(), before + 1)

    def test_nothing_found_says_so(self) -> None:
        response = self.web("carlos").post(self.url, {"serial": "TX0001", "case_reference": "X"})
        self.assertEqual(response.context["results"], [])
        self.assertContains(response, "No firearm of your country carries this serial.")


class RegisterPagesTest(RegistryExtrasTestCase):
    def test_lost_stolen_and_seized(self) -> None:
        client = self.web("bob")
        lost = client.get(reverse("registry:lost_list"))
        self.assertEqual([f.pk for f in lost.context["page"]], [self.firearms.lost_a.pk])
        self.assertContains(lost, "LOSS-1")  # the report's reference
        self.assertContains(lost, "Registry A")
        self.assertNotContains(lost, MARKER_B)
        self.assertEqual(list(client.get(reverse("registry:stolen_list")).context["page"]), [])
        seized = client.get(reverse("registry:seized_list"))
        self.assertEqual([f.pk for f in seized.context["page"]], [self.firearms.seized_a.pk])
        carlos = self.web("carlos").get(reverse("registry:lost_list"))
        self.assertEqual([f.serial_key for f in carlos.context["page"]], [f"{MARKER_B}LOST"])
        self.assertNotContains(carlos, MARKER_A)

    def test_the_inbox_lists_unread_first_and_an_officer_marks_read(self) -> None:
        client = self.web("alice")
        self.web("alice").post(reverse("registry:serial_lookup"), {"serial": "TX0001", "case_reference": "C"})
        response = client.post(reverse("registry:hit_read", args=[self.a.notice.public_id]))
        self.assertRedirects(response, reverse("registry:hit_list"))
        page = client.get(reverse("registry:hit_list")).context["page"]
        self.assertEqual([n.read_at is None for n in page], [True, False])
        self.assertEqual(client.get(reverse("registry:hit_read", args=[self.a.notice.public_id])).status_code, 405)
        self.assertEqual(client.post(reverse("registry:hit_read", args=[self.b.notice.public_id])).status_code, 404)
        self.assertIsNone(HitNotice.unscoped.get(pk=self.b.notice.pk).read_at)
        self.assertNotContains(client.get(reverse("registry:hit_list")), MARKER_B)


class ComplianceTest(RegistryExtrasTestCase):
    def test_the_report_lists_each_non_compliant_firearm_and_why_by_agency(self) -> None:
        response = self.web("bob").get(reverse("registry:compliance_report"))
        self.assertEqual(response.status_code, 200)
        rows = {f.pk: [i.code for i in issues] for f, issues in response.context["rows"]}
        self.assertEqual(set(rows), {self.firearms.lost_a.pk, self.firearms.seized_a.pk})
        self.assertEqual(rows[self.firearms.lost_a.pk], ["no_manufacture_mark", "no_place_of_manufacture"])
        self.assertIn("no_manufacturer", rows[self.firearms.seized_a.pk])
        html = response.content.decode()
        self.assertIn("No manufacture marking is recorded.", html)
        self.assertIn("CIFTA VI.1.a", html)
        self.assertIn("<h3>Registry A</h3>", html)
        self.assertIn("No holding agency", html)
        self.assertEqual({(s["holding_agency__name"], s["count"]) for s in response.context["summary"]},
                         {("Registry A", 1), (None, 1)})
        self.assertNotIn(MARKER_B, html)

    def test_the_sql_condition_agrees_with_the_engine(self) -> None:
        """``noncompliant_q`` is the list filter; ``engines.compliance`` gives the reasons. Build
        firearms in many marking situations and check both give the same verdict on each."""
        situations = [("pistol", *rest) for rest in itertools.product(
            ("Glock", ""), ("AT", ""), ("registered", "imported"), ("none", "manufacture", "manufacture_country"),
            ("none", "complete", "incomplete"), (False, True),
        )] + [("portable_anti_tank", "", "", "imported", "none", "incomplete", True),
              ("portable_anti_tank", "Glock", "AT", "registered", "none", "none", False)]
        for number, (kind, make, country, event, mark, imp, confiscate) in enumerate(situations):
            row = {"type": kind, "make": make, "serial": f"SQL-{number}", "country_of_manufacture": country,
                   "event": event}
            firearm = register(self.world, "A", row)
            with country_scope([self.world.country_a.pk]), change_context("system:test", Source.COMMAND):
                if mark != "none":
                    services.add_marking(actor="system:test", firearm=firearm, marking=MarkingDraft(
                        "manufacture", "MADE", country_code="AT" if mark == "manufacture_country" else ""))
                if imp != "none":
                    services.add_marking(actor="system:test", firearm=firearm, marking=MarkingDraft(
                        "import", "IMP", import_country="CO", import_year=2024, importer_name="Imp",
                        importer_address="" if imp == "incomplete" else "Calle 1"))
                if confiscate:
                    for k in ("seized", "confiscated"):
                        services.record_event(actor="system:test", firearm=firearm, kind=k,
                                              occurred_on=dt.date(2024, 5, 1))
        with country_scope([self.world.country_a.pk]):
            flagged = set(Firearm.objects.filter(selectors.noncompliant_q()).values_list("pk", flat=True))
            checked = 0
            for firearm in Firearm.objects.select_related("type"):
                issues = selectors.compliance_issues(firearm)
                self.assertEqual(firearm.pk in flagged, bool(issues), (firearm.serial_key, issues))
                checked += 1
        self.assertGreater(checked, 140)
        self.assertTrue(flagged)

    def test_the_compliance_export(self) -> None:
        response = self.web("aude").get(reverse("registry:compliance_export"))
        self.assertEqual(response.status_code, 200)
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0][:3], ["holding agency", "public id", "serial (frame)"])
        self.assertEqual({r[2] for r in rows[1:]}, {"TX0001", self.firearms.seized_a.serial_key})
        self.assertIn("No manufacture marking is recorded.", {r[7] for r in rows[1:]})
        self.assertEqual(self.web("bob").get(reverse("registry:compliance_export")).status_code, 403)


class ExportTest(RegistryExtrasTestCase):
    def test_csv_export_of_the_filtered_list_is_audited(self) -> None:
        response = self.web("alice").get(reverse("registry:firearm_export_csv"), {"calibre": "9x19"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("attachment;", response["Content-Disposition"])
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0][1], "serial (frame)")
        self.assertEqual(sorted(r[1] for r in rows[1:]), ["ABC123", "TX-0001"])
        glock = next(r for r in rows if r[1] == "ABC123")
        self.assertEqual((glock[4], glock[6], glock[7], glock[8]), ("Glock", "17", "9×19 mm", "registered"))
        self.assertNotIn(MARKER_B, response.content.decode("utf-8-sig"))
        event = AuditEvent.unscoped.filter(verb="registry.firearm.exported").latest("seq")
        self.assertEqual((event.actor_id, event.country_id), (self.world.alice.pk, self.world.country_a.pk))
        self.assertEqual(event.payload["result_count"], 2)
        self.assertEqual(event.payload["query"], {"calibre": "9x19", "format": "csv"})

    def test_xlsx_export(self) -> None:
        response = self.web("aude").get(reverse("registry:firearm_export_xlsx"), {"ordering": "serial"})
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(io.BytesIO(response.content)).active
        values = list(sheet.values)
        self.assertEqual(values[0][1], "serial (frame)")
        self.assertEqual([r[1] for r in values[1:]], ["ABC123", f"{MARKER_A}-77", "TX-0001"])
        self.assertEqual(AuditEvent.unscoped.filter(verb="registry.firearm.exported").latest("seq")
                         .payload["result_count"], 3)

    def test_formulas_are_neutralised(self) -> None:
        with country_scope([self.world.country_a.pk]), change_context("system:test", Source.COMMAND):
            services.update_firearm(actor="system:test", instance=self.firearms.glock_a,
                                    storage_location="=HYPERLINK(\"http://x\")")
        rows = list(csv.reader(io.StringIO(self.web("alice").get(reverse("registry:firearm_export_csv"))
                                           .content.decode("utf-8-sig"))))
        self.assertIn("'=HYPERLINK(\"http://x\")", {r[12] for r in rows})
        book = load_workbook(io.BytesIO(self.web("alice").get(reverse("registry:firearm_export_xlsx")).content))
        cells = [c for row in book.active.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
        self.assertEqual([c.data_type for c in cells], ["s"])

    def test_a_viewer_may_not_export(self) -> None:
        client = self.web("bob")
        before = self.events_count()
        for name in ("firearm_export_csv", "firearm_export_xlsx"):
            self.assertEqual(client.get(reverse(f"registry:{name}")).status_code, 403)
        self.assertEqual(self.events_count(), before)
