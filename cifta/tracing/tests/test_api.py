"""The tracing API end to end: cases and their domestic search, the request workflow across two
States (refusals answer 400 naming the field or 409 and change nothing), what each side may read,
audited reads, the boxes, the figures, and the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from cifta.core.models import AuditEvent
from cifta.registry import events as registry_events
from cifta.testing.world import MARKER_A, MARKER_B
from cifta.tracing import events
from cifta.tracing.models import OnwardShare, TraceAnswer, TraceCase, TraceRequest, TraceStep
from cifta.tracing.tests.test_api_battery import TracingExtrasTestCase


def rows(response: Any) -> list[dict[str, Any]]:
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


def case_url(obj: Any, name: str = "detail") -> str:
    return reverse(f"api:tracecase-{name}", args=[obj.public_id])


def request_url(obj: Any, name: str = "detail") -> str:
    return reverse(f"api:tracerequest-{name}", args=[obj.public_id])


class TraceCaseApiFlowTest(TracingExtrasTestCase):
    def test_opening_a_case_from_a_registry_record_reads_what_is_left_blank(self) -> None:
        response = self.api("alice").post("/api/v1/trace-cases/", {
            "case_reference": "CASE-CO-40", "illicit_reason": "no licence", "legal_basis": "art. 3",
            "recovered_on": "2025-02-01", "recovered_place": "Cali",
            "firearm": str(self.firearms.glock_a.public_id)}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["make"], body["country"], body["status"]), ("Glock", "CO", "open"))
        self.assertEqual(body["firearm"], str(self.firearms.glock_a.public_id))
        self.assertIn("ABC123", [m["serial"] for m in body["markings"]])
        self.assertTrue(body["reference"].startswith("TC-CO-"))

    def test_bad_input_names_the_field_and_stores_nothing(self) -> None:
        client = self.api("alice")
        good = {"case_reference": "C-1", "illicit_reason": "x", "legal_basis": "y", "recovered_on": "2025-01-01",
                "recovered_place": "z", "markings": [{"serial": "S-1"}]}
        before = self.changes_count()
        for change, field in (({"markings": []}, "markings"), ({"recovered_on": None}, "recovered_on"),
                              ({"recovered_on": "2999-01-01"}, "recovered_on"), ({"legal_basis": ""}, "legal_basis"),
                              ({"recovered_on": "yesterday"}, "recovered_on"),
                              ({"markings": [{"component": "wing", "serial": "S-1"}]}, "markings"),
                              ({"country_of_manufacture": "ZZZ"}, "country_of_manufacture")):
            response = client.post("/api/v1/trace-cases/", {**good, **change}, format="json")
            self.assertEqual(response.status_code, 400, (change, response.content))
            self.assertIn(field, response.json(), change)
        self.assertEqual(self.changes_count(), before)

    def test_viewer_and_secretariat_cannot_open_a_case(self) -> None:
        for name in ("bob", "sam", "sara"):
            response = self.api(name).post("/api/v1/trace-cases/", {"case_reference": "X"}, format="json")
            self.assertEqual(response.status_code, 403, name)

    def test_a_marking_photo_is_uploaded_by_its_state_only(self) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        marking = self.traces.case_a.markings.model.unscoped.filter(case=self.traces.case_a).first()
        url = reverse("api:tracemarking-photo", args=[marking.public_id])
        png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
        before = self.changes_count()
        for name, expected in (("carlos", 404), ("bob", 403)):
            response = self.api(name).post(url, {"photo": SimpleUploadedFile("m.png", png, "image/png")},
                                           format="multipart")
            self.assertEqual(response.status_code, expected, name)
        self.assertEqual(self.changes_count(), before)
        response = self.api("alice").post(url, {"photo": SimpleUploadedFile("m.txt", b"x", "text/plain")},
                                          format="multipart")
        self.assertEqual(response.status_code, 400)
        self.assertIn("photo", response.json())
        response = self.api("alice").post(url, {"photo": SimpleUploadedFile("m.png", png, "image/png")},
                                          format="multipart")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertTrue(response.json()["has_photo"])
        self.assertEqual(len(response.json()["photo_sha256"]), 64)

    def test_reading_a_case_is_audited(self) -> None:
        response = self.api("alice").get(case_url(self.traces.case_a))
        self.assertEqual(response.status_code, 200)
        event = AuditEvent.unscoped.filter(verb=events.CASE_VIEWED).latest("seq")
        self.assertEqual(event.payload["case_reference"], self.traces.case_a.case_reference)
        self.assertEqual(event.country_id, self.world.country_a.pk)

    def test_the_domestic_search_finds_the_record_and_is_audited_with_the_case_reference(self) -> None:
        response = self.api("alice").get(case_url(self.traces.case_a, "search"))
        self.assertEqual(response.status_code, 200, response.content)
        marking = response.json()["markings"][0]
        self.assertIsNone(marking["error"])
        hits = {h["firearm"]: h for h in marking["results"]}
        self.assertIn(str(self.firearms.seized_a.public_id), hits)
        self.assertEqual(hits[str(self.firearms.seized_a.public_id)]["status"], "seized")
        searched = AuditEvent.unscoped.filter(verb=registry_events.SERIAL_SEARCHED).latest("seq")
        self.assertEqual(searched.payload["case_reference"], self.traces.case_a.case_reference)
        self.assertEqual(self.api("alice").get(case_url(self.traces.case_b, "search")).status_code, 404)

    def test_a_make_the_reference_data_does_not_know_still_searches_the_serial(self) -> None:
        response = self.api("alice").post("/api/v1/trace-cases/", {
            "case_reference": "C-9", "illicit_reason": "x", "legal_basis": "y", "recovered_on": "2025-01-01",
            "recovered_place": "z", "make": "Glok (as read)", "calibre": "nine",
            "markings": [{"component": "frame", "serial": "ABC123"}]}, format="json")
        case = TraceCase.unscoped.get(public_id=response.json()["public_id"])
        marking = self.api("alice").get(case_url(case, "search")).json()["markings"][0]
        self.assertIsNone(marking["error"])
        self.assertIn(str(self.firearms.glock_a.public_id), [h["firearm"] for h in marking["results"]])

    def test_trace_then_close_is_refused_and_foreign_firearms_are_rejected(self) -> None:
        client, case = self.api("alice"), self.traces.case_a
        before = self.changes_count()
        response = client.post(case_url(case, "trace"), {"firearm": str(self.firearms.private_b.public_id)},
                               format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("firearm", response.json())
        self.assertEqual(self.changes_count(), before)
        response = client.post(case_url(case, "trace"), {"firearm": str(self.firearms.seized_a.public_id),
                                                         "conclusion": "matched"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual((response.json()["status"], response.json()["traced_firearm"]),
                         ("traced", str(self.firearms.seized_a.public_id)))
        response = client.post(case_url(case, "close"), {"conclusion": "nothing"}, format="json")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self.api("bob").post(case_url(case, "close"), {"conclusion": "x"}).status_code, 403)
        self.assertEqual(client.post(case_url(self.traces.case_b, "close"), {"conclusion": "x"}).status_code, 404)

    def test_closing_needs_a_conclusion(self) -> None:
        response = self.api("alice").post(case_url(self.traces.case_a, "close"), {"conclusion": " "}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("conclusion", response.json())
        response = self.api("alice").post(case_url(self.traces.case_a, "close"), {"conclusion": "no record found"},
                                          format="json")
        self.assertEqual(response.json()["status"], "closed")


class TraceRequestApiFlowTest(TracingExtrasTestCase):
    def act(self, name: str, request: TraceRequest, action: str, reason: str = "") -> Any:
        return self.api(name).post(request_url(request, "act"), {"action": action, "reason": reason}, format="json")

    def test_drafting_from_a_case_copies_it_and_refusals_name_the_field(self) -> None:
        client = self.api("alice")
        response = client.post("/api/v1/trace-requests/", {
            "requested_country": "mx", "case": str(self.traces.case_a.public_id), "intended_use": "trial"},
            format="json")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["state"], body["requested_country"], body["case_reference"]),
                         ("draft", "MX", "CASE-CO-1"))
        self.assertEqual(body["case"], str(self.traces.case_a.public_id))
        self.assertEqual(body["actions"], ["send", "withdraw"])
        self.assertEqual(body["markings"][0]["serial"], f"{MARKER_A}-77")
        before = self.changes_count()
        for payload, field in (({"requested_country": "CO"}, "requested_country"),
                               ({"requested_country": "XX"}, "requested_country"),
                               ({"requested_country": "OAS"}, "requested_country"),
                               ({"requested_country": "MX", "urgency": "soon"}, "urgency"),
                               ({"requested_country": "MX", "case_reference": ""}, "case_reference"),
                               ({"requested_country": "MX", "answer_wanted_by": "2020-01-01T00:00:00Z"},
                                "answer_wanted_by"),
                               ({"requested_country": "MX", "case": str(self.traces.case_b.public_id)}, "case")):
            response = client.post("/api/v1/trace-requests/", {
                "case_reference": "C", "intended_use": "x", "illicit_reason": "x",
                "markings": [{"serial": "A-1"}], **payload}, format="json")
            self.assertEqual(response.status_code, 400, payload)
            self.assertIn(field, response.json(), payload)
        self.assertEqual(self.changes_count(), before)

    def test_the_workflow_across_two_states(self) -> None:
        draft = self.traces.draft_ab
        response = self.act("alice", draft, "send")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["state"], "sent")
        self.assertIsNotNone(response.json()["answer_by"])
        inbox = [r["public_id"] for r in rows(self.api("carlos").get("/api/v1/trace-requests/", {"box": "inbox"}))]
        self.assertIn(str(draft.public_id), inbox)
        seen_by_b = self.api("carlos").get(request_url(draft)).json()
        self.assertEqual((seen_by_b["side"], seen_by_b["actions"]), ("requested", ["acknowledge"]))
        self.assertEqual(self.act("carlos", draft, "acknowledge").json()["state"], "acknowledged")
        self.assertEqual(self.api("alice").get(request_url(draft)).json()["actions"], ["withdraw"])
        response = self.act("carlos", draft, "delay")
        self.assertEqual(response.status_code, 400)
        self.assertIn("reason", response.json())
        self.assertEqual(self.act("carlos", draft, "delay", "waiting for the archive").json()["state"], "delayed")
        response = self.api("carlos").post(request_url(draft, "answer"), {
            "outcome": "found", "firearm": str(self.firearms.private_b.public_id), "fields": ["serial", "model"],
            "last_legal_holder": "Registry B"}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["state"], body["answer"]["outcome"]), ("answered", "found"))
        self.assertEqual(body["answer"]["disclosed"], {"serial": f"{MARKER_B}-9", "model": "92FS"})
        self.assertEqual([s["action"] for s in body["steps"]], ["send", "acknowledge", "delay", "answer"])
        self.assertEqual([s["side"] for s in body["steps"]], ["requesting", "requested", "requested", "requested"])
        seen_by_a = self.api("alice").get(request_url(draft)).json()
        self.assertIsNone(seen_by_a["answer"]["firearm"])
        self.assertEqual(seen_by_a["actions"], ["close"])
        self.assertNotIn(str(self.firearms.private_b.public_id), str(seen_by_a))
        response = self.api("alice").post(request_url(draft, "share"), {"recipient": "Prosecutor", "purpose": "trial"},
                                          format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["onward_shares"][0]["recipient"], "Prosecutor")
        self.assertEqual(self.act("alice", draft, "close").json()["state"], "closed")
        self.assertEqual(self.api("carlos").get(request_url(draft)).json()["actions"], [])

    def test_refusals_change_nothing(self) -> None:
        r = self.traces.request_ab
        before = (self.changes_count(), TraceStep.unscoped.count())
        # the requesting State cannot acknowledge, a viewer cannot act, C cannot even find it
        response = self.act("alice", r, "acknowledge")
        self.assertEqual(response.status_code, 400)
        self.assertIn("detail", response.json())
        self.assertEqual(self.act("bob", r, "withdraw", "x").status_code, 403)
        self.assertEqual(self.act("chloe", r, "acknowledge").status_code, 404)
        self.assertEqual(self.act("sam", r, "acknowledge").status_code, 403)
        self.assertEqual(self.act("carlos", r, "teleport").status_code, 400)
        self.assertEqual(self.act("carlos", r, "answer").status_code, 400)
        # not yet acknowledged: cannot be answered (409), and B cannot send A's request
        response = self.api("carlos").post(request_url(r, "answer"), {"outcome": "not_found",
                                                                      "failure_reason": "no_record"}, format="json")
        self.assertEqual(response.status_code, 409, response.content)
        self.assertEqual(self.act("carlos", r, "send").status_code, 400)
        self.assertEqual((self.changes_count(), TraceStep.unscoped.count()), before)

    def test_answer_refusals(self) -> None:
        r = self.traces.request_ab
        self.act("carlos", r, "acknowledge")
        client = self.api("carlos")
        before = self.changes_count()
        for payload, field in (({"outcome": "maybe"}, "outcome"),
                               ({"outcome": "not_found"}, "failure_reason"),
                               ({"outcome": "found"}, "firearm"),
                               ({"outcome": "found", "firearm": str(self.firearms.glock_a.public_id)}, "firearm"),
                               ({"outcome": "found", "firearm": str(self.firearms.glock_b.public_id),
                                 "fields": ["owner"]}, "fields"),
                               ({"outcome": "partial", "diversion_date": "2999-01-01"}, "diversion_date")):
            response = client.post(request_url(r, "answer"), payload, format="json")
            self.assertEqual(response.status_code, 400, (payload, response.content))
            self.assertIn(field, response.json(), payload)
        self.assertEqual(self.changes_count(), before)
        response = self.api("alice").post(request_url(r, "answer"), {"outcome": "not_found",
                                                                     "failure_reason": "no_record"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(TraceAnswer.unscoped.filter(request=r).exists())

    def test_a_second_answer_is_409(self) -> None:
        response = self.api("alice").post(request_url(self.traces.request_ba, "answer"), {
            "outcome": "not_found", "failure_reason": "no_record"}, format="json")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(TraceAnswer.unscoped.filter(request=self.traces.request_ba).count(), 1)

    def test_only_the_requesting_state_shares_onward(self) -> None:
        url = request_url(self.traces.request_ba, "share")
        before = OnwardShare.unscoped.count()
        self.assertEqual(self.api("alice").post(url, {"recipient": "x", "purpose": "y"}).status_code, 404)
        response = self.api("carlos").post(url, {"recipient": "", "purpose": "y"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("recipient", response.json())
        response = self.api("carlos").post(request_url(self.traces.request_ab, "share"),
                                           {"recipient": "x", "purpose": "y"})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(OnwardShare.unscoped.count(), before)
        self.assertEqual(self.api("carlos").post(url, {"recipient": "Judge", "purpose": "y"}).status_code, 201)

    def test_the_requested_state_searches_its_registry_and_the_search_is_audited(self) -> None:
        r = self.traces.request_ab
        response = self.api("carlos").get(request_url(r, "search"))
        self.assertEqual(response.status_code, 200, response.content)
        found = response.json()["markings"][0]["results"]
        self.assertEqual([h["firearm"] for h in found], [str(self.firearms.glock_b.public_id)])
        searched = AuditEvent.unscoped.filter(verb=registry_events.SERIAL_SEARCHED).latest("seq")
        self.assertEqual((searched.payload["case_reference"], searched.country_id),
                         (r.reference, self.world.country_b.pk))
        self.assertEqual(self.api("alice").get(request_url(r, "search")).status_code, 403)
        self.assertEqual(self.api("chloe").get(request_url(r, "search")).status_code, 404)

    def test_reading_a_request_is_audited_for_the_reader(self) -> None:
        r = self.traces.request_ab
        for name, country in (("alice", self.world.country_a), ("carlos", self.world.country_b)):
            self.assertEqual(self.api(name).get(request_url(r)).status_code, 200)
            event = AuditEvent.unscoped.filter(verb=events.REQUEST_VIEWED).latest("seq")
            self.assertEqual((event.country_id, event.payload["case_reference"], event.target_id),
                             (country.pk, r.case_reference, r.pk))
        before = AuditEvent.unscoped.filter(verb=events.REQUEST_VIEWED).count()
        self.api("chloe").get(request_url(r))
        self.assertEqual(AuditEvent.unscoped.filter(verb=events.REQUEST_VIEWED).count(), before)

    def test_boxes(self) -> None:
        t = self.traces

        def box(name: str, which: str) -> set[str]:
            response = self.api(name).get("/api/v1/trace-requests/", {"box": which})
            self.assertEqual(response.status_code, 200, response.content)
            return {r["reference"] for r in rows(response)}

        self.assertEqual(box("alice", "outbox"), {t.draft_ab.reference, t.request_ab.reference,
                                                  self.extras.request_ac.reference})
        self.assertEqual(box("alice", "inbox"), {t.request_ba.reference, self.extras.request_ca.reference})
        self.assertIn(t.request_ab.reference, box("carlos", "inbox"))
        self.assertEqual(box("alice", "overdue"), set())
        later = timezone.now() + dt.timedelta(days=40)
        with mock.patch("django.utils.timezone.now", return_value=later):
            response = self.api("alice").get("/api/v1/trace-requests/", {"box": "overdue"})
        late = {r["reference"]: r["overdue"] for r in rows(response)}
        self.assertEqual(late, {t.request_ab.reference: ["acknowledge", "answer"]})
        response = self.api("alice").get("/api/v1/trace-requests/", {"box": "drafts"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("box", response.json())

    def test_the_secretariat_sees_no_request(self) -> None:
        for name in ("sam", "sara"):
            client = self.api(name)
            self.assertEqual(client.get("/api/v1/trace-requests/").json()["count"], 0)
            self.assertEqual(client.get(request_url(self.traces.request_ab)).status_code, 404)
            for path in ("trace-steps", "trace-answers", "onward-shares", "trace-reminders", "trace-cases",
                         "trace-markings"):
                self.assertEqual(client.get(f"/api/v1/{path}/").json()["count"], 0, path)


class FiguresApiTest(TracingExtrasTestCase):
    def test_a_state_gets_its_own_figures(self) -> None:
        year = timezone.now().year
        for name in ("alice", "bob"):
            response = self.api(name).get("/api/v1/trace-figures/", {"year": year})
            self.assertEqual(response.status_code, 200, response.content)
            body = response.json()
            self.assertEqual((body["scope"], body["country"], body["year"]), ("state", "CO", year))
            self.assertEqual(body["received"]["requests"], 2)  # request_ba and request_ca
            self.assertEqual(body["sent"]["requests"], 2)  # request_ab and request_ac
        response = self.api("alice").get("/api/v1/trace-figures/", {"year": "last"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("year", response.json())

    def test_the_secretariat_gets_numbers_for_every_state(self) -> None:
        response = self.api("sam").get("/api/v1/trace-figures/")
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["scope"], "regional")
        self.assertEqual(body["totals"]["requests"], 6)
        self.assertTrue({"CO", "MX", "PE"} <= {s["country"] for s in body["states"]})
        text = response.content.decode()
        for secret in (MARKER_A, MARKER_B, str(self.traces.request_ab.public_id), self.traces.request_ab.reference,
                       "ABC123"):
            self.assertNotIn(secret, text)


class SchemaTest(TracingExtrasTestCase):
    maxDiff = None

    def test_the_schema_describes_tracing_without_warnings(self) -> None:
        from drf_spectacular.drainage import GENERATOR_STATS
        from drf_spectacular.generators import SchemaGenerator

        GENERATOR_STATS.reset()
        with GENERATOR_STATS.silence():
            schema = SchemaGenerator().get_schema(request=None, public=True)
        ours = ("Trace", "Onward", "tracing")
        warnings = [w for w in list(GENERATOR_STATS._warn_cache) + list(GENERATOR_STATS._error_cache)
                    if any(word in w for word in ours) and "could not resolve authenticator" not in w]
        self.assertEqual(warnings, [])
        for path in ("/api/v1/trace-cases/", "/api/v1/trace-cases/{public_id}/search/",
                     "/api/v1/trace-requests/{public_id}/act/", "/api/v1/trace-requests/{public_id}/answer/",
                     "/api/v1/trace-requests/{public_id}/share/", "/api/v1/trace-figures/", "/api/v1/trace-policies/",
                     "/api/v1/trace-steps/", "/api/v1/trace-answers/", "/api/v1/onward-shares/",
                     "/api/v1/trace-reminders/", "/api/v1/trace-markings/"):
            self.assertIn(path, schema["paths"])
        response = self.api("alice").get("/api/v1/schema/", {"format": "json"})
        self.assertEqual(response.status_code, 200)
