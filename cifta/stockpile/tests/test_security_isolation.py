"""Every physical security route, walked as a user of one State with the other State's
identifiers (assessments, their items, facilities), and as the Secretariat: the other side's
records are 404 (or the page is refused), and nothing private of the other side shows, in a
page, an API answer, the report page or the PDF."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from cifta.stockpile.models import AssessmentItem, SecurityAssessment
from cifta.stockpile.tests.test_security_api_battery import SecurityWorldTestCase
from cifta.testing.world import MARKER_A, MARKER_B
from cifta.tracing.tests.test_exports import pdf_text

PAGES = ("assessment_list", "assessment_new", "security_checklist", "evaluation_report", "evaluation_report_pdf")
ID_PAGES = ("facility_assessments", "assessment_detail")
API_LISTS = ("securityassessment", "assessmentitem", "security-checklist", "evaluation-report")
API_DETAILS = ("securityassessment", "assessmentitem")


class SecurityIsolationWalkTest(SecurityWorldTestCase):
    def ids_of(self, country: Any) -> list[str]:
        ids = [str(a.public_id) for a in SecurityAssessment.unscoped.filter(country=country)]
        ids += [str(i.public_id) for i in AssessmentItem.unscoped.filter(country=country)]
        facility = self.arsenals.facility_b if country == self.world.country_b else self.arsenals.facility_a
        return [*ids, str(facility.public_id)]

    def body(self, response: Any) -> str:
        content = b"".join(response) if response.streaming else response.content
        if content.startswith(b"%PDF"):
            return pdf_text(content)
        return content.decode("utf-8", "replace")

    def walk(self, viewer: str, victim: Any, marker: str) -> int:
        web, api = self.web(viewer), self.api(viewer)
        foreign = self.ids_of(victim)
        visited = 0
        for name in PAGES:
            for query in ("", f"?q={marker}", "?date=2025-12-31", "?lang=es"):
                response = web.get(reverse(f"stockpile:{name}") + query)
                self.assertIn(response.status_code, (200, 403), (viewer, name, query))
                self.assertNotIn(marker, self.body(response).replace(f"q={marker}", ""), (viewer, name, query))
                visited += 1
        for name in API_LISTS:
            for query in ("", "?limit=1000", f"?facility={foreign[-1]}", "?format=json"):
                response = api.get(reverse(f"api:{name}-list") + query)
                self.assertIn(response.status_code, (200, 400, 403), (viewer, name, query))
                self.assertNotIn(marker, self.body(response), (viewer, name, query))
                visited += 1
        for public_id in foreign:
            for name in ID_PAGES:
                response = web.get(reverse(f"stockpile:{name}", args=[public_id]))
                self.assertIn(response.status_code, (403, 404), (viewer, name))
                self.assertNotIn(marker, self.body(response))
                visited += 1
            for name in API_DETAILS:
                response = api.get(reverse(f"api:{name}-detail", args=[public_id]))
                self.assertIn(response.status_code, (403, 404), (viewer, name))
                visited += 1
            before = self.changes_count()
            response = web.get(reverse("stockpile:assessment_new") + f"?facility={public_id}")
            self.assertIn(response.status_code, (403, 404))
            post = web.post(reverse("stockpile:assessment_new"), {"facility": public_id, "assessed_on": "2025-01-01",
                                                                  "assessor": "x", "score_per_01": "2"})
            self.assertIn(post.status_code, (400, 403))
            self.assertEqual(self.changes_count(), before)
        return visited

    def test_nothing_of_b_reaches_a(self) -> None:
        self.assertGreater(self.walk("alice", self.world.country_b, MARKER_B), 40)

    def test_nothing_of_a_reaches_b(self) -> None:
        self.walk("carlos", self.world.country_a, MARKER_A)

    def test_nothing_of_a_state_reaches_the_secretariat(self) -> None:
        self.walk("sam", self.world.country_a, MARKER_A)
        self.walk("sara", self.world.country_b, MARKER_B)
