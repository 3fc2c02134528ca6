"""Recording an assessment: one transaction, items and audit together, the facility's country;
every refusal names its field and writes nothing. Selectors: the latest assessment of each
facility and the trend over time, overall and per section."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cifta.core.context import Source, change_context
from cifta.core.errors import ServiceError
from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.scoping import country_scope
from cifta.stockpile import events
from cifta.stockpile import security_checklist as checklist
from cifta.stockpile import selectors_security as selectors
from cifta.stockpile.models import AssessmentItem, SecurityAssessment
from cifta.stockpile.services_security import record_assessment
from cifta.stockpile.tests.test_security_api_battery import FIRST, SECOND, SecurityWorldTestCase


class RecordAssessmentTest(SecurityWorldTestCase):
    def record(self, **overrides: Any) -> SecurityAssessment:
        values: dict[str, Any] = {"facility": self.arsenals.facility_a, "assessed_on": dt.date(2025, 8, 1),
                                  "assessor": "Team A", "summary": "",
                                  "items": [{"code": "PER-01", "score": 2, "evidence": "ok", "recommendation": ""}]}
        values.update(overrides)
        with country_scope([self.world.country_a.pk]), change_context(self.world.alice, Source.WEB):
            return record_assessment(actor=self.world.alice, **values)

    def refused(self, field: str, **overrides: Any) -> str:
        counts = (self.count(SecurityAssessment), self.count(AssessmentItem), ObjectChange.unscoped.count(),
                  AuditEvent.unscoped.count())
        with self.assertRaises(ServiceError) as caught:
            self.record(**overrides)
        self.assertEqual(caught.exception.field, field)
        self.assertEqual((self.count(SecurityAssessment), self.count(AssessmentItem), ObjectChange.unscoped.count(),
                          AuditEvent.unscoped.count()), counts, overrides)
        return str(caught.exception)

    def test_one_assessment_with_its_items_change_rows_and_one_audit_event(self) -> None:
        before_changes, before_events = ObjectChange.unscoped.count(), AuditEvent.unscoped.count()
        items = [{"code": "PER-01", "score": 1, "evidence": " Gap in the fence ", "recommendation": "Repair"},
                 {"code": "key-02", "score": None}]
        made = self.record(items=items, summary="Visit", assessor="  Team A  ")
        made = SecurityAssessment.unscoped.get(pk=made.pk)
        self.assertEqual((made.country_id, made.facility_id, made.assessor, made.checklist_version, made.summary),
                         (self.world.country_a.pk, self.arsenals.facility_a.pk, "Team A", checklist.VERSION, "Visit"))
        rows = list(AssessmentItem.unscoped.filter(assessment=made).order_by("id"))
        self.assertEqual([(r.code, r.score, r.evidence, r.country_id) for r in rows],
                         [("PER-01", 1, "Gap in the fence", self.world.country_a.pk),
                          ("KEY-02", None, "", self.world.country_a.pk)])
        self.assertEqual(ObjectChange.unscoped.count(), before_changes + 3)
        self.assertEqual(AuditEvent.unscoped.count(), before_events + 1)
        event = AuditEvent.unscoped.latest("seq")
        self.assertEqual(event.verb, events.ASSESSMENT_RECORDED)
        self.assertEqual(event.payload["items"], 2)
        self.assertEqual(event.payload["score_percent"], 50.0)

    def test_refusals(self) -> None:
        self.assertIn("KEY-99", self.refused("items", items=[{"code": "KEY-99", "score": 1}]))
        self.refused("items", items=[{"code": "PER-01", "score": 3}])
        self.refused("items", items=[{"code": "PER-01", "score": -1}])
        self.refused("items", items=[{"code": "PER-01", "score": "2"}])
        self.refused("items", items=[{"code": "PER-01", "score": True}])
        self.refused("items", items=[{"code": "PER-01"}])
        self.refused("items", items=[])
        self.refused("items", items=None)
        self.refused("items", items=["PER-01"])
        self.refused("items", items=[{"code": "PER-01", "score": 2, "photo": "x"}])
        self.refused("items", items=[{"code": "PER-01", "score": 2}, {"code": "per-01", "score": 1}])
        self.refused("items", items=[{"code": "PER-01", "score": None}, {"code": "PER-02", "score": None}])
        self.refused("items", items=[{"code": "PER-01", "score": 2, "evidence": "x" * 4001}])
        # A good item before a bad one: nothing of it is kept either.
        self.refused("items", items=[{"code": "PER-01", "score": 2}, {"code": "NOPE", "score": 2}])
        self.refused("assessed_on", assessed_on=timezone.localdate() + dt.timedelta(days=1))
        self.refused("assessed_on", assessed_on="2025-01-01")
        self.refused("assessor", assessor="   ")
        self.refused("assessor", assessor="x" * 151)
        self.refused("facility", facility=self.arsenals.facility_b)
        self.refused("facility", facility=None)

    def test_a_retired_facility_is_not_assessed(self) -> None:
        from cifta.stockpile import services_facilities

        f = self.arsenals.facility_a
        with country_scope([self.world.country_a.pk]), change_context(self.world.alice, Source.WEB):
            services_facilities.save_facility(actor=self.world.alice, instance=f, name=f.name, kind=f.kind,
                                              operator=f.operator, latitude=f.latitude, longitude=f.longitude,
                                              is_active=False)
        self.assertIn("retired", self.refused("facility"))

    def test_today_is_accepted(self) -> None:
        self.assertEqual(self.record(assessed_on=timezone.localdate()).assessed_on, timezone.localdate())

    def test_a_state_cannot_assess_another_states_facility_even_by_its_object(self) -> None:
        with country_scope([self.world.country_b.pk]), change_context(self.world.carlos, Source.WEB), \
                self.assertRaises(ServiceError):
            record_assessment(actor=self.world.carlos, facility=self.arsenals.facility_a, assessed_on=FIRST,
                              assessor="x", items=[{"code": "PER-01", "score": 2}])


class SelectorsTest(SecurityWorldTestCase):
    def test_latest_per_facility_and_as_of_a_date(self) -> None:
        a = self.assessments
        with country_scope([self.world.country_a.pk]):
            self.assertEqual({k: v.pk for k, v in selectors.latest_per_facility().items()},
                             {self.arsenals.facility_a.pk: a.a2.pk})
            self.assertEqual(selectors.latest(self.arsenals.facility_a, on=dt.date(2025, 3, 1)).pk, a.a1.pk)
            self.assertIsNone(selectors.latest(self.arsenals.facility_a, on=dt.date(2024, 12, 31)))
            # Another State's assessment does not exist here.
            self.assertIsNone(selectors.latest(self.arsenals.facility_b))

    def test_trend_overall_and_per_section(self) -> None:
        with country_scope([self.world.country_a.pk]):
            points = selectors.trend(self.arsenals.facility_a)
        self.assertEqual([p.assessed_on for p in points], [FIRST, SECOND])
        # Weights PER-01 3, PER-02 2, KEY-01 3, KEY-02 2, ALM-01 3, REC-01 3: 32 points possible.
        # First: 1x3 + 2x2 + 0x3 + 0x2 + 2x3 + 2x3 = 19; second: 6 + 4 + 6 + 1x2 + 6 + 6 = 30.
        self.assertEqual(points[0].percent, 59.4)
        self.assertEqual(points[1].percent, 93.8)
        self.assertEqual(selectors.section_trend(points, "KEY"), [(FIRST, 0.0), (SECOND, 80.0)])
        self.assertEqual(selectors.section_trend(points, "LPS"), [(FIRST, None), (SECOND, None)])

    def test_recommendations_worst_first(self) -> None:
        with country_scope([self.world.country_a.pk]):
            found = selectors.recommendations(selectors.with_items(SecurityAssessment.objects.all())
                                              .get(pk=self.assessments.a1.pk))
        self.assertEqual([(r.code, r.score) for r in found], [("KEY-01", 0), ("KEY-02", 0), ("PER-01", 1)])
        self.assertEqual(found[0].recommendation, "Name a key custodian")
