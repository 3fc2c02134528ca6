"""Physical security pages: each page for its owner with its charts, an assessment from the
form, refusals that write nothing, viewers refused (403), another State's records 404, the
Secretariat kept out of State pages, and nothing of B ever shown to A."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from cifta.core.models import AuditEvent, ObjectChange
from cifta.stockpile import events
from cifta.stockpile.forms_security import field_key
from cifta.stockpile.models import AssessmentItem, SecurityAssessment
from cifta.stockpile.tests.test_security_api_battery import SecurityWorldTestCase
from cifta.testing.world import MARKER_A, MARKER_B


def url(name: str, *args: Any, query: str = "") -> str:
    return reverse(f"stockpile:{name}", args=args) + (f"?{query}" if query else "")


def form_payload(target: Any, **overrides: str) -> dict[str, str]:
    data = {"facility": str(target.public_id), "assessed_on": "2025-09-01", "assessor": "Team A",
            "summary": "Third visit"}
    data[f"score_{field_key('PER-01')}"] = "2"
    data[f"evidence_{field_key('PER-01')}"] = "Fence intact"
    data[f"score_{field_key('KEY-02')}"] = "0"
    data[f"recommendation_{field_key('KEY-02')}"] = "Keep a signed key register"
    data[f"score_{field_key('LPS-01')}"] = "na"
    data.update(overrides)
    return data


class PagesTest(SecurityWorldTestCase):
    def test_every_page_answers_for_its_owner(self) -> None:
        a, f = self.assessments, self.arsenals
        alice = self.web("alice")
        for page in (url("assessment_list"), url("assessment_new"),
                     url("assessment_new", query=f"facility={f.facility_a.public_id}"),
                     url("facility_assessments", f.facility_a.public_id), url("assessment_detail", a.a1.public_id),
                     url("assessment_detail", a.a2.public_id), url("security_checklist"), url("evaluation_report"),
                     url("evaluation_report", query="date=2025-02-01"), url("evaluation_report", query="date=junk")):
            response = alice.get(page)
            self.assertEqual(response.status_code, 200, page)
            self.assertNotIn(MARKER_B, response.content.decode(), page)

    def test_the_list_shows_latest_scores_and_a_trend_chart(self) -> None:
        body = self.web("alice").get(url("assessment_list")).content.decode()
        self.assertIn("Depot A", body)
        self.assertIn("93.8 %", body)  # the latest score of Depot A
        self.assertIn("<polyline", body)
        self.assertIn(str(self.assessments.a1.public_id), body)

    def test_the_facility_page_draws_overall_and_section_trends(self) -> None:
        body = self.web("alice").get(url("facility_assessments", self.arsenals.facility_a.public_id)).content.decode()
        self.assertEqual(body.count("<polyline"), 1 + 4)  # overall, then the four sections scored (PER KEY ALM REC)
        self.assertIn("59.4 %", body)

    def test_the_detail_shows_section_bars_and_the_gaps_first(self) -> None:
        body = self.web("alice").get(url("assessment_detail", self.assessments.a1.public_id)).content.decode()
        self.assertIn("<rect", body)
        gaps = body.index("Items not met, with the recommendations")
        self.assertLess(gaps, body.index("Name a key custodian"))
        self.assertLess(body.index("Name a key custodian"), body.index("Repair the fence"))
        self.assertIn(MARKER_A, body)
        self.assertIn("not assessed", body)

    def test_pages_follow_the_language(self) -> None:
        alice = self.web("alice")
        alice.post(reverse("set_language"), {"language": "es", "next": "/"})
        body = alice.get(url("assessment_detail", self.assessments.a1.public_id)).content.decode()
        self.assertIn('lang="es"', body)
        self.assertIn("59,4", body)  # Spanish decimal comma

    def test_record_from_the_form(self) -> None:
        before = self.count(SecurityAssessment)
        response = self.web("alice").post(url("assessment_new"), form_payload(self.arsenals.facility_a))
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        self.assertEqual(self.count(SecurityAssessment), before + 1)
        made = SecurityAssessment.unscoped.latest("id")
        self.assertEqual(response["Location"], made.get_absolute_url())
        items = {i.code: (i.score, i.evidence, i.recommendation)
                 for i in AssessmentItem.unscoped.filter(assessment=made)}
        self.assertEqual(items, {"PER-01": (2, "Fence intact", ""), "KEY-02": (0, "", "Keep a signed key register"),
                                 "LPS-01": (None, "", "")})
        change = ObjectChange.unscoped.filter(object_type="stockpile.securityassessment", object_id=made.pk).get()
        self.assertEqual((change.actor_id, change.source), (self.world.alice.pk, "web"))
        self.assertTrue(AuditEvent.unscoped.filter(verb=events.ASSESSMENT_RECORDED, target_id=made.pk).exists())

    def refused(self, data: dict[str, str], text: str, user: str = "alice") -> None:
        client = self.web(user)
        before = (self.changes_count(), self.events_count())
        response = client.post(url("assessment_new"), data)
        self.assertEqual(response.status_code, 400)
        self.assertIn(text, response.content.decode())
        self.assertEqual((self.changes_count(), self.events_count()), before)

    def test_form_refusals_write_nothing(self) -> None:
        f = self.arsenals.facility_a
        tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
        self.refused(form_payload(f, assessed_on=tomorrow), "The date cannot be in the future.")
        self.refused({"facility": str(f.public_id), "assessed_on": "2025-09-01", "assessor": "x"},
                     "Answer at least one item of the checklist.")
        self.refused(form_payload(f, **{f"score_{field_key('PER-01')}": "3"}), "Select a valid choice")
        self.refused(form_payload(f, facility=str(self.arsenals.facility_b.public_id)), "Select a valid choice")
        self.refused(form_payload(f, **{f"evidence_{field_key('DOR-01')}": "Door seen, no answer given"}),
                     "Choose an answer for this item")
        self.refused(form_payload(f, assessor=""), "This field is required.")

    def test_viewers_cannot_open_or_post_the_form(self) -> None:
        before = self.changes_count()
        bob = self.web("bob")
        self.assertEqual(bob.get(url("assessment_new")).status_code, 403)
        self.assertEqual(bob.post(url("assessment_new"), form_payload(self.arsenals.facility_a)).status_code, 403)
        self.assertEqual(self.changes_count(), before)
        # A viewer reads, but does not export.
        self.assertEqual(bob.get(url("assessment_list")).status_code, 200)
        self.assertEqual(bob.get(url("evaluation_report")).status_code, 200)
        self.assertEqual(bob.get(url("evaluation_report_pdf")).status_code, 403)

    def test_another_states_records_are_404(self) -> None:
        alice = self.web("alice")
        for page in (url("assessment_detail", self.assessments.b.public_id),
                     url("facility_assessments", self.arsenals.facility_b.public_id),
                     url("assessment_new", query=f"facility={self.arsenals.facility_b.public_id}"),
                     url("assessment_new", query="facility=not-a-uuid")):
            self.assertEqual(alice.get(page).status_code, 404, page)
        carlos = self.web("carlos")
        self.assertEqual(carlos.get(url("assessment_detail", self.assessments.a1.public_id)).status_code, 404)
        for page in (url("assessment_list"), url("evaluation_report")):
            self.assertNotIn(MARKER_A, carlos.get(page).content.decode())

    def test_the_secretariat_is_refused_state_pages_but_reads_the_checklist(self) -> None:
        for name in ("sam", "sara"):
            client = self.web(name)
            for page in (url("assessment_list"), url("assessment_new"), url("evaluation_report"),
                         url("evaluation_report_pdf"), url("facility_assessments", self.arsenals.facility_a.public_id),
                         url("assessment_detail", self.assessments.a1.public_id)):
                self.assertEqual(client.get(page).status_code, 403, (name, page))
            self.assertEqual(client.get(url("security_checklist")).status_code, 200)

    def test_the_checklist_page_shows_sources_and_what_is_to_be_checked(self) -> None:
        body = self.web("alice").get(url("security_checklist")).content.decode()
        self.assertIn("KEY-02", body)
        self.assertIn("to be checked", body)
        self.assertIn("Belarus", body)


class ReportPagesTest(SecurityWorldTestCase):
    def test_the_report_page_has_charts_and_only_the_states_facilities(self) -> None:
        response = self.web("alice").get(url("evaluation_report", query="date=2025-12-31"))
        body = response.content.decode()
        self.assertEqual(response.status_code, 200)
        self.assertIn("National technical evaluation", body)
        self.assertIn("Depot A", body)
        self.assertIn("<svg", body)
        self.assertIn("Have each issue signed", body)
        self.assertIn(url("evaluation_report_pdf"), body)
        self.assertNotIn(MARKER_B, body)

    def test_as_of_an_earlier_date_the_first_assessment_counts(self) -> None:
        body = self.web("alice").get(url("evaluation_report", query="date=2025-02-01")).content.decode()
        self.assertIn("59.4 %", body)
        self.assertNotIn("93.8 %", body)

    def test_the_pdf_is_audited(self) -> None:
        alice = self.web("alice")
        before = self.events_count()
        response = alice.get(url("evaluation_report_pdf", query="lang=pt&date=2025-12-31"))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertIn("-pt.pdf", response["Content-Disposition"])
        self.assertEqual(self.events_count(), before + 1)
        event = AuditEvent.unscoped.latest("seq")
        self.assertEqual((event.verb, event.actor_id, event.payload["query"]["date"]),
                         (events.REPORT_EXPORTED, self.world.alice.pk, "2025-12-31"))
