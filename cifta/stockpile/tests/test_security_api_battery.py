"""The standard battery (cifta/testing/battery.py) for the physical security models' API, plus
the API's own rules: an assessment recorded with its items through the service, refusals that
name the field and write nothing, the checklist in the caller's language, the report as a PDF.

The security world (built here through the services, on top of the stockpile world):

    A  assessment_a1  Depot A, 2025-01-10, weak (evidence carries MARKER_A)
       assessment_a2  Depot A, 2025-06-10, better
    B  assessment_b   Depot B PRIVATEBRAVO, 2025-03-01 (assessor, evidence and summary carry MARKER_B)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from cifta.core.context import Source, change_context
from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.scoping import country_scope
from cifta.stockpile import events, services_security
from cifta.stockpile import security_checklist as checklist
from cifta.stockpile.models import AssessmentItem, SecurityAssessment
from cifta.testing.battery import ScopedApiBattery
from cifta.testing.stockpile_world import StockpileWorldTestCase
from cifta.testing.world import MARKER_A, MARKER_B

FIRST, SECOND, B_DAY = dt.date(2025, 1, 10), dt.date(2025, 6, 10), dt.date(2025, 3, 1)

# Depot A at its first visit: the perimeter and keys weak, lightning protection not applicable.
ITEMS_A1: list[dict[str, Any]] = [
    {"code": "PER-01", "score": 1, "evidence": f"Fence cut on the north side {MARKER_A}",
     "recommendation": "Repair the fence and patrol the north side"},
    {"code": "PER-02", "score": 2, "evidence": "One gate, guarded", "recommendation": ""},
    {"code": "KEY-01", "score": 0, "evidence": "Keys hang in the guard room", "recommendation": "Name a key custodian"},
    {"code": "KEY-02", "score": 0, "evidence": "No key register", "recommendation": "Keep a key register"},
    {"code": "ALM-01", "score": 2, "evidence": "", "recommendation": ""},
    {"code": "REC-01", "score": 2, "evidence": "", "recommendation": ""},
    {"code": "LPS-01", "score": None, "evidence": "No explosives stored yet", "recommendation": ""},
]
ITEMS_A2: list[dict[str, Any]] = [
    {"code": "PER-01", "score": 2, "evidence": "Fence repaired", "recommendation": ""},
    {"code": "PER-02", "score": 2, "evidence": "", "recommendation": ""},
    {"code": "KEY-01", "score": 2, "evidence": "Duty officer holds the keys", "recommendation": ""},
    {"code": "KEY-02", "score": 1, "evidence": "Register kept, unsigned", "recommendation": "Have each issue signed"},
    {"code": "ALM-01", "score": 2, "evidence": "", "recommendation": ""},
    {"code": "REC-01", "score": 2, "evidence": "", "recommendation": ""},
]
ITEMS_B: list[dict[str, Any]] = [
    {"code": "PER-01", "score": 0, "evidence": f"No fence {MARKER_B}", "recommendation": f"Build a fence {MARKER_B}"},
    {"code": "DOR-03", "score": 1, "evidence": "", "recommendation": ""},
]


@dataclass
class Assessments:
    a1: SecurityAssessment
    a2: SecurityAssessment
    b: SecurityAssessment


def build_assessments(world: Any, arsenals: Any) -> Assessments:
    with country_scope([world.country_a.pk]), change_context(world.alice, Source.WEB):
        a1 = services_security.record_assessment(actor=world.alice, facility=arsenals.facility_a, assessed_on=FIRST,
                                                 assessor="Inspection team A", items=ITEMS_A1,
                                                 summary="First visit: perimeter and keys need work.")
        a2 = services_security.record_assessment(actor=world.alice, facility=arsenals.facility_a, assessed_on=SECOND,
                                                 assessor="Inspection team A", items=ITEMS_A2)
    with country_scope([world.country_b.pk]), change_context(world.carlos, Source.WEB):
        b = services_security.record_assessment(actor=world.carlos, facility=arsenals.facility_b, assessed_on=B_DAY,
                                                assessor=f"Inspector {MARKER_B}", items=ITEMS_B, summary=MARKER_B)
    return Assessments(*(SecurityAssessment.unscoped.get(pk=x.pk) for x in (a1, a2, b)))


class SecurityWorldTestCase(StockpileWorldTestCase):
    assessments: Assessments

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.assessments = build_assessments(cls.world, cls.arsenals)

    def count(self, model: Any) -> int:
        return int(model.unscoped.count())


class SecurityAssessmentApiTest(SecurityWorldTestCase, ScopedApiBattery):
    model = SecurityAssessment
    basename = "securityassessment"

    def object_a(self) -> Any:
        return self.assessments.a1

    def object_b(self) -> Any:
        return self.assessments.b

    def create_payload(self) -> dict[str, Any]:
        return {"facility": str(self.arsenals.facility_a.public_id), "assessed_on": "2025-07-01",
                "assessor": "Team A", "summary": "", "items": [{"code": "PER-01", "score": 2},
                                                             {"code": "LPS-01", "score": None}]}

    def foreign_fk_payload(self) -> dict[str, Any]:
        return {**self.create_payload(), "facility": str(self.arsenals.facility_b.public_id)}

    # --- the endpoint's own rules
    def test_a_created_assessment_has_its_items_scores_and_an_audit_event(self) -> None:
        payload = {**self.create_payload(), "items": [
            {"code": "per-01", "score": 2, "evidence": "Intact", "recommendation": ""},
            {"code": "KEY-02", "score": 0, "evidence": "None", "recommendation": "Keep one"},
            {"code": "LPS-01", "score": None}]}
        response = self.api("alice").post(self.list_url(), payload, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual([(i["code"], i["score"]) for i in body["items"]], [("PER-01", 2), ("KEY-02", 0),
                                                                            ("LPS-01", None)])
        self.assertEqual(body["checklist_version"], checklist.VERSION)
        # PER-01 weight 3 met (6 of 6), KEY-02 weight 2 not met (0 of 4); LPS-01 does not count.
        self.assertEqual(body["score"], {"percent": 60.0, "band": "fair", "scored": 2, "not_applicable": 1,
                                         "not_assessed": len(checklist.ITEMS) - 3})
        sections = {s["code"]: s["percent"] for s in body["sections"]}
        self.assertEqual((sections["PER"], sections["KEY"], sections["LPS"], sections["ALM"]), (100.0, 0.0, None, None))
        created = SecurityAssessment.unscoped.get(public_id=body["public_id"])
        self.assertEqual(AssessmentItem.unscoped.filter(assessment=created, country=self.world.country_a).count(), 3)
        event = AuditEvent.unscoped.filter(verb=events.ASSESSMENT_RECORDED).latest("seq")
        self.assertEqual((event.target_id, event.actor_id, event.source), (created.pk, self.world.alice.pk, "api"))

    def refused(self, payload: dict[str, Any], field: str, user: str = "alice") -> dict[str, Any]:
        before = (self.changes_count(), self.events_count())
        response = self.api(user).post(self.list_url(), payload, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn(field, response.json())
        self.assertEqual((self.changes_count(), self.events_count()), before)
        return dict(response.json())

    def test_refusals_name_the_field_and_write_nothing(self) -> None:
        good = self.create_payload()
        body = self.refused({**good, "items": [{"code": "KEY-99", "score": 1}]}, "items")
        self.assertIn("KEY-99", body["items"][0])
        self.refused({**good, "items": [{"code": "PER-01", "score": 3}]}, "items")
        self.refused({**good, "items": []}, "items")
        self.refused({**good, "items": [{"code": "PER-01", "score": None}]}, "items")
        self.refused({**good, "items": [{"code": "PER-01", "score": 1}, {"code": "PER-01", "score": 2}]}, "items")
        tomorrow = dt.date.today() + dt.timedelta(days=2)
        self.refused({**good, "assessed_on": tomorrow.isoformat()}, "assessed_on")
        self.refused({**good, "assessor": ""}, "assessor")
        self.refused({**good, "facility": str(self.arsenals.facility_b.public_id)}, "facility")

    def test_there_is_no_update_or_delete(self) -> None:
        url = self.detail_url(self.assessments.a1)
        before = self.changes_count()
        for user, method in (("alice", "patch"), ("alice", "put"), ("nadia", "delete")):
            response = getattr(self.api(user), method)(url, {"assessor": "x"}, format="json")
            self.assertEqual(response.status_code, 405, method)
        # An officer may not retire anything: refused before the method is even looked at.
        self.assertEqual(self.api("alice").delete(url).status_code, 403)
        self.assertEqual(self.changes_count(), before)

    def test_the_secretariat_sees_none_and_cannot_write(self) -> None:
        self.assertEqual(self.ids(self.api("sam").get(self.list_url())), set())
        before = self.changes_count()
        response = self.api("sara").post(self.list_url(), self.create_payload(), format="json")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.changes_count(), before)

    def test_filters(self) -> None:
        client = self.api("alice")
        ids = self.ids(client.get(self.list_url(), {"facility": str(self.arsenals.facility_a.public_id),
                                                    "assessed_after": "2025-02-01"}))
        self.assertEqual(ids, {str(self.assessments.a2.public_id)})
        self.assertEqual(self.ids(client.get(self.list_url(), {"facility": str(self.arsenals.facility_b.public_id)})),
                         set())


class AssessmentItemApiTest(SecurityWorldTestCase, ScopedApiBattery):
    model = AssessmentItem
    basename = "assessmentitem"

    def object_a(self) -> Any:
        return AssessmentItem.unscoped.filter(assessment=self.assessments.a1).first()

    def object_b(self) -> Any:
        return AssessmentItem.unscoped.filter(assessment=self.assessments.b).first()

    def test_items_are_read_only_and_carry_their_checklist_data(self) -> None:
        response = self.api("alice").post(self.list_url(), {"code": "PER-01", "score": 2}, format="json")
        self.assertEqual(response.status_code, 405)
        body = self.api("alice").get(self.list_url(), {"assessment": str(self.assessments.a1.public_id),
                                                       "code": "KEY-02"}).json()
        self.assertEqual(len(body["results"]), 1)
        row = body["results"][0]
        self.assertEqual((row["section"], row["weight"], row["verified"], row["score"]), ("KEY", 2, False, 0))
        na = self.api("alice").get(self.list_url(), {"not_applicable": "true"}).json()
        self.assertEqual([r["code"] for r in na["results"]], ["LPS-01"])


class ChecklistAndReportApiTest(SecurityWorldTestCase):
    def test_the_checklist_in_the_callers_language(self) -> None:
        url = reverse("api:security-checklist-list")
        english = self.api("alice").get(url).json()
        self.assertEqual((english["version"], english["items"]), (checklist.VERSION, len(checklist.ITEMS)))
        self.assertEqual(len(english["sections"]), len(checklist.CHECKLIST))
        first = english["sections"][0]["items"][0]
        self.assertEqual(set(first), {"code", "text", "weight", "standard", "reference", "verified"})
        self.assertEqual(first["text"], checklist.ITEMS["PER-01"].text)
        spanish = self.api("alice").get(url, {"lang": "es"}).json()
        self.assertEqual(spanish["language"], "es")
        self.assertEqual([s["code"] for s in spanish["sections"]], [s["code"] for s in english["sections"]])
        # The Secretariat reads the method too; anonymous callers do not.
        self.assertEqual(self.api("sam").get(url).status_code, 200)
        self.assertIn(self.api(None).get(url).status_code, (401, 403))

    def test_the_report_is_a_pdf_audited_and_refused_to_viewers_and_the_secretariat(self) -> None:
        url = reverse("api:evaluation-report-list")
        before = self.events_count()
        response = self.api("alice").get(url, {"date": "2025-12-31", "lang": "fr"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertIn("-CO-2025-12-31-fr.pdf", response["Content-Disposition"])
        event = AuditEvent.unscoped.filter(verb=events.REPORT_EXPORTED).latest("seq")
        self.assertEqual(self.events_count(), before + 1)
        self.assertEqual((event.country_id, event.payload["query"]["language"], event.payload["query"]["format"]),
                         (self.world.country_a.pk, "fr", "pdf"))
        self.assertEqual(self.api("bob").get(url).status_code, 403)
        self.assertEqual(self.api("sam").get(url).status_code, 403)
        self.assertEqual(self.api("alice").get(url, {"lang": "de"}).status_code, 400)
        self.assertEqual(ObjectChange.unscoped.filter(object_type="stockpile.securityassessment").count(), 3)


def test_every_security_route_name_is_reversible() -> None:
    for name in ("securityassessment", "assessmentitem", "security-checklist", "evaluation-report"):
        assert reverse(f"api:{name}-list").startswith("/api/v1/")
