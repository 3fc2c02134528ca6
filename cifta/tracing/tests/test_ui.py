"""Tracing pages: each page for its owner, a case from the form and from a registry record, the
domestic search and its one-click close, a request from draft to answer across two States,
refusals that write nothing, the third State and the Secretariat kept out, and audited reads."""

from __future__ import annotations

import json
import tempfile
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from cifta.core.models import AuditEvent, ObjectChange
from cifta.registry.tests.test_api_battery import PNG
from cifta.testing.tracing_world import RECOVERED, TracingWorldTestCase
from cifta.testing.world import MARKER_A, MARKER_B
from cifta.tracing import events
from cifta.tracing.models import TraceAnswer, TraceCase, TraceMarking, TracePolicy, TraceRequest, TraceStep

MEDIA_ROOT = tempfile.mkdtemp(prefix="cifta-tracing-tests-")


def url(name: str, *args: Any, query: str = "") -> str:
    return reverse(f"tracing:{name}", args=args) + (f"?{query}" if query else "")


def case_payload(**overrides: str) -> dict[str, str]:
    return {"case_reference": "POL-2025-77", "illicit_reason": "carried without a licence",
            "legal_basis": "Law 1119", "recovered_on": RECOVERED.isoformat(), "recovered_place": "Bogotá",
            "circumstances": "", "make": "", "model_name": "", "firearm_type": "", "calibre": "",
            "country_of_manufacture": "", "country_of_last_import": "", **overrides}


def request_payload(**overrides: str) -> dict[str, str]:
    return {"requested_country": "MX", "urgency": "routine", "case_reference": "POL-2025-78",
            "intended_use": "prosecution", "use_limits": "", "illicit_reason": "smuggled", "legal_basis": "",
            "recovered_on": "", "recovered_place": "", "make": "", "model_name": "", "firearm_type": "",
            "calibre": "", "country_of_manufacture": "", "country_of_last_import": "",
            "marking_1_component": "frame", "marking_1_serial": "ABC123", "marking_1_text": "", **overrides}


class PagesTest(TracingWorldTestCase):
    def test_every_page_answers_for_its_owner(self) -> None:
        t, f = self.traces, self.firearms
        alice, carlos = self.web("alice"), self.web("carlos")
        pages = [
            (alice, url("dashboard")), (alice, url("dashboard", query="year=2025")),
            (alice, url("case_list")), (alice, url("case_list", query="status=open&q=77")),
            (alice, url("case_new")), (alice, url("case_new", query=f"firearm={f.glock_a.public_id}")),
            (alice, url("case_detail", t.case_a.public_id)),
            (alice, url("request_list")), (alice, url("request_list", query="tab=inbox")),
            (alice, url("request_list", query="tab=overdue")),
            (alice, url("request_new")), (alice, url("request_new", query=f"case={t.case_a.public_id}")),
            (alice, url("request_detail", t.request_ab.public_id)),
            (alice, url("request_detail", t.draft_ab.public_id)),
            (alice, url("request_detail", t.request_ba.public_id)), (alice, url("policy")),
            (carlos, url("request_detail", t.request_ab.public_id)),
            (carlos, url("request_search", t.request_ab.public_id)),
            (carlos, url("request_answer", t.request_ab.public_id, query=f"firearm={f.glock_b.public_id}")),
            (carlos, url("request_share", t.request_ba.public_id)), (self.web("nadia"), url("policy")),
            (self.web("sam"), url("dashboard")),
        ]
        for client, address in pages:
            with self.subTest(address):
                self.assertEqual(client.get(address).status_code, 200)

    def test_the_area_and_the_registry_link_to_tracing(self) -> None:
        firearm = self.firearms.glock_a
        new_case = url("case_new", query=f"firearm={firearm.public_id}")
        self.assertContains(self.web("alice").get(reverse("home")), url("dashboard"))
        self.assertContains(self.web("alice").get(firearm.get_absolute_url()), new_case)
        self.assertNotContains(self.web("bob").get(firearm.get_absolute_url()), new_case)
        found = self.web("alice").post(reverse("registry:serial_search"), {"q": "ABC123", "case_reference": "X-1"})
        self.assertContains(found, new_case)

    def test_the_dashboard_shows_the_years_figures_as_charts(self) -> None:
        response = self.web("alice").get(url("dashboard", query="year=2025"))
        self.assertEqual((response.context["year"], response.context["figures"].cases), (2025, 1))
        self.assertEqual(response.context["counts"]["open_cases"], 1)
        self.assertContains(response, "<svg", count=2)


class CasesTest(TracingWorldTestCase):
    def test_a_case_is_opened_from_the_form(self) -> None:
        response = self.web("alice").post(url("case_new"), case_payload(
            marking_1_component="frame", marking_1_serial="ZX-99", marking_2_component="slide", marking_2_text="ZX"))
        case = TraceCase.unscoped.get(case_reference="POL-2025-77")
        self.assertRedirects(response, case.get_absolute_url())
        self.assertEqual(case.country_id, self.world.country_a.pk)
        self.assertEqual(list(TraceMarking.unscoped.filter(case=case).values_list("component__code", "serial", "text")),
                         [("frame", "ZX-99", ""), ("slide", "", "ZX")])
        change = ObjectChange.unscoped.get(object_type="tracing.tracecase", object_id=case.pk)
        self.assertEqual((change.source, change.actor_id), ("web", self.world.alice.pk))

    def test_a_case_is_opened_from_a_registry_record(self) -> None:
        firearm = self.firearms.glock_a
        address = url("case_new", query=f"firearm={firearm.public_id}")
        form = self.web("alice").get(address)
        self.assertContains(form, 'value="ABC123"')
        self.assertContains(form, 'value="Glock"')
        response = self.web("alice").post(address, case_payload())
        case = TraceCase.unscoped.get(case_reference="POL-2025-77")
        self.assertRedirects(response, case.get_absolute_url())
        self.assertEqual((case.firearm_id, case.make), (firearm.pk, "Glock"))
        self.assertIn("ABC123", TraceMarking.unscoped.filter(case=case).values_list("serial", flat=True))

    def test_another_states_record_cannot_open_a_case(self) -> None:
        address = url("case_new", query=f"firearm={self.firearms.glock_b.public_id}")
        self.assertEqual(self.web("alice").get(address).status_code, 404)
        self.assertEqual(self.web("alice").get(url("case_new", query="firearm=not-a-uuid")).status_code, 404)

    def test_a_case_without_markings_is_refused_beside_the_markings(self) -> None:
        before = self.changes_count()
        response = self.web("alice").post(url("case_new"), case_payload())
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Record at least one marking", status_code=400)
        self.assertEqual(self.changes_count(), before)

    def test_the_domestic_search_finds_the_firearm_and_one_click_closes_the_case(self) -> None:
        case, firearm = self.traces.case_a, self.firearms.seized_a
        alice = self.web("alice")
        found = alice.post(url("case_search", case.public_id))
        self.assertEqual(found.status_code, 200)
        self.assertContains(found, firearm.get_absolute_url())
        self.assertContains(found, "This is the firearm: close as traced")
        self.assertTrue(AuditEvent.unscoped.filter(verb=events.CASE_SEARCHED, target_id=case.pk).exists())
        response = alice.post(url("case_trace", case.public_id), {"firearm": str(firearm.public_id)})
        self.assertRedirects(response, case.get_absolute_url())
        case.refresh_from_db()
        self.assertEqual((case.status, case.traced_firearm_id), ("traced", firearm.pk))

    def test_the_search_shows_a_lost_firearm_with_its_badge_and_life(self) -> None:
        alice = self.web("alice")
        alice.post(url("case_new"), case_payload(marking_1_serial="TX-0001"))
        case = TraceCase.unscoped.get(case_reference="POL-2025-77")
        found = alice.post(url("case_search", case.public_id))
        self.assertContains(found, "reported lost or stolen")
        self.assertContains(found, "LOSS-1")  # the loss report in the firearm's life

    def test_closing_untraced_needs_a_conclusion(self) -> None:
        case = self.traces.case_a
        before = self.changes_count()
        refused = self.web("alice").post(url("case_close", case.public_id), {"conclusion": ""})
        self.assertEqual(refused.status_code, 400)
        self.assertContains(refused, "This field is required", status_code=400)
        self.assertEqual(self.changes_count(), before)
        self.web("alice").post(url("case_close", case.public_id), {"conclusion": "serial destroyed"})
        self.assertEqual(TraceCase.unscoped.get(pk=case.pk).status, "closed")

    def test_viewing_a_case_is_audited(self) -> None:
        case = self.traces.case_a
        self.web("alice").get(url("case_detail", case.public_id))
        event = AuditEvent.unscoped.filter(verb=events.CASE_VIEWED).latest("seq")
        self.assertEqual((event.target_id, event.country_id, event.payload["case_reference"]),
                         (case.pk, self.world.country_a.pk, case.case_reference))

    @override_settings(MEDIA_ROOT=MEDIA_ROOT)
    def test_a_marking_photo_is_uploaded_and_served_only_to_its_state(self) -> None:
        marking = TraceMarking.unscoped.filter(case=self.traces.case_a).first()
        assert marking is not None
        upload = SimpleUploadedFile("mark.png", PNG, content_type="image/png")
        response = self.web("alice").post(url("marking_photo_add", marking.public_id), {"photo": upload})
        self.assertRedirects(response, self.traces.case_a.get_absolute_url())
        self.assertEqual(len(TraceMarking.unscoped.get(pk=marking.pk).photo_sha256), 64)
        image = self.web("alice").get(url("marking_photo", marking.public_id))
        self.assertEqual((image.status_code, image["Content-Type"]), (200, "image/png"))
        self.assertEqual(self.web("carlos").get(url("marking_photo", marking.public_id)).status_code, 404)


class RequestFlowTest(TracingWorldTestCase):
    def test_draft_send_acknowledge_answer_and_the_requester_sees_only_what_was_disclosed(self) -> None:
        alice, carlos = self.web("alice"), self.web("carlos")
        response = alice.post(url("request_new"), request_payload())
        draft = TraceRequest.unscoped.get(case_reference="POL-2025-78")
        self.assertRedirects(response, draft.get_absolute_url())
        self.assertEqual(carlos.get(draft.get_absolute_url()).status_code, 404)  # a draft is A's alone
        alice.post(url("request_act", draft.public_id), {"action": "send"})
        self.assertContains(carlos.get(url("request_list", query="tab=inbox")), draft.reference)
        carlos.post(url("request_act", draft.public_id), {"action": "acknowledge"})
        search = carlos.post(url("request_search", draft.public_id))
        answer_url = url("request_answer", draft.public_id, query=f"firearm={self.firearms.glock_b.public_id}")
        self.assertContains(search, answer_url.replace("&", "&amp;"))
        form = carlos.get(answer_url)
        self.assertContains(form, "Calibre: 9×19 mm")  # the officer sees each value that can go out
        response = carlos.post(answer_url, {"outcome": "found", "disclose": ["serial", "calibre"],
                                            "last_legal_holder": "Registry B"})
        self.assertRedirects(response, draft.get_absolute_url())
        answer = TraceAnswer.unscoped.get(request=draft)
        self.assertEqual(set(answer.disclosed), {"serial", "calibre"})
        page = alice.get(draft.get_absolute_url())
        shown = dict(page.context["answer"]["disclosed"])
        self.assertEqual(set(map(str, shown)), {"Serial number", "Calibre"})
        self.assertContains(page, "ABC123")
        self.assertNotContains(page, str(self.firearms.glock_b.public_id))  # the record itself is not shared

    def test_answering_twice_is_refused_and_writes_nothing(self) -> None:
        request = self.traces.request_ba  # answered by A in the world
        address = url("request_answer", request.public_id)
        before = (self.changes_count(), TraceStep.unscoped.count())
        response = self.web("alice").post(address, {"outcome": "not_found", "failure_reason": "no_record"})
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "already been answered", status_code=409)
        self.assertEqual((self.changes_count(), TraceStep.unscoped.count()), before)
        self.assertEqual(TraceAnswer.unscoped.filter(request=request).count(), 1)

    def test_a_not_found_answer_needs_its_reason(self) -> None:
        request = self.traces.request_ab
        self.web("carlos").post(url("request_act", request.public_id), {"action": "acknowledge"})
        before = self.changes_count()
        response = self.web("carlos").post(url("request_answer", request.public_id), {"outcome": "not_found"})
        self.assertContains(response, "Say why the firearm could not be traced", status_code=400)
        self.assertEqual(self.changes_count(), before)

    def test_a_request_without_case_reference_is_refused(self) -> None:
        before = TraceRequest.unscoped.count()
        response = self.web("alice").post(url("request_new"), request_payload(case_reference=""))
        self.assertEqual(response.status_code, 400)
        self.assertIn("case_reference", response.context["form"].errors)
        self.assertEqual(TraceRequest.unscoped.count(), before)

    def test_an_answer_date_already_past_is_refused_beside_its_field(self) -> None:
        before = TraceRequest.unscoped.count()
        response = self.web("alice").post(url("request_new"), request_payload(answer_wanted_by="2020-01-01T10:00"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("answer_wanted_by", response.context["form"].errors)
        self.assertEqual(TraceRequest.unscoped.count(), before)

    def test_withdrawing_without_a_reason_is_refused_beside_the_reason(self) -> None:
        request = self.traces.request_ab
        before = TraceStep.unscoped.count()
        response = self.web("alice").post(url("request_act", request.public_id), {"action": "withdraw", "reason": ""})
        self.assertContains(response, "Give the reason", status_code=400)
        self.assertEqual(TraceStep.unscoped.count(), before)
        self.web("alice").post(url("request_act", request.public_id),
                               {"action": "withdraw", "reason": "traced at home"})
        self.assertEqual(TraceStep.unscoped.filter(request=request).latest("seq").state_after, "withdrawn")

    def test_an_action_of_the_other_side_is_refused_as_a_message(self) -> None:
        request = self.traces.request_ab
        before = TraceStep.unscoped.count()
        response = self.web("alice").post(url("request_act", request.public_id), {"action": "acknowledge"},
                                          follow=True)
        self.assertContains(response, "Only the requested State may do this")
        self.assertEqual(TraceStep.unscoped.count(), before)

    def test_the_requesting_state_shares_the_answer_onward(self) -> None:
        request = self.traces.request_ba
        response = self.web("carlos").post(url("request_share", request.public_id),
                                           {"recipient": "Federal prosecutor", "purpose": "indictment"})
        self.assertRedirects(response, request.get_absolute_url())
        self.assertContains(self.web("alice").get(request.get_absolute_url()), "Federal prosecutor")
        self.assertEqual(self.web("alice").get(url("request_share", request.public_id)).status_code, 403)

    def test_viewing_a_request_is_audited(self) -> None:
        request = self.traces.request_ab
        self.web("carlos").get(request.get_absolute_url())
        event = AuditEvent.unscoped.filter(verb="tracing.request.viewed").latest("seq")
        self.assertEqual((event.target_id, event.country_id, event.payload["case_reference"]),
                         (request.pk, self.world.country_b.pk, request.case_reference))

    def test_both_sides_export_and_each_export_is_audited(self) -> None:
        request = self.traces.request_ba
        exported = self.web("alice").get(url("request_export_json", request.public_id))
        self.assertEqual(exported.status_code, 200)
        self.assertIn(request.reference, json.dumps(json.loads(exported.content)))
        pdf = self.web("carlos").get(url("request_export_pdf", request.public_id, query="lang=es"))
        self.assertEqual((pdf.status_code, pdf["Content-Type"], pdf.content[:4]), (200, "application/pdf", b"%PDF"))
        verbs = AuditEvent.unscoped.filter(verb=events.REQUEST_EXPORTED, target_id=request.pk)
        self.assertEqual(sorted(verbs.values_list("country_id", flat=True)),
                         sorted([self.world.country_a.pk, self.world.country_b.pk]))


class ConfinementTest(TracingWorldTestCase):
    def test_an_uninvolved_state_gets_404_and_its_lists_do_not_show_the_request(self) -> None:
        request = self.traces.request_ab
        chloe: Any = self.chloe_web()
        for name in ("request_detail", "request_search", "request_answer", "request_share", "request_export_json"):
            with self.subTest(name):
                self.assertEqual(chloe.get(url(name, request.public_id)).status_code, 404)
        before = self.changes_count()
        self.assertEqual(chloe.post(url("request_act", request.public_id), {"action": "acknowledge"}).status_code, 404)
        self.assertEqual(self.changes_count(), before)
        for tab in ("outbox", "inbox", "overdue"):
            page = chloe.get(url("request_list", query=f"tab={tab}"))
            self.assertNotContains(page, request.reference)
        self.assertContains(chloe.get(url("request_list", query="tab=inbox")), self.traces.request_bc.reference)

    def test_no_tracing_page_shows_another_states_private_records(self) -> None:
        from django.urls import get_resolver

        with self.as_all():
            private_b = [self.traces.case_b, self.traces.request_bc,
                         *TraceMarking.objects.filter(case=self.traces.case_b),
                         *TraceStep.objects.filter(request=self.traces.request_bc)]
        names = [name for name in get_resolver("cifta.tracing.urls").reverse_dict if isinstance(name, str)]
        for viewer in ("alice", "sam"):
            client = self.web(viewer)
            for name in names:
                try:
                    addresses = [url(name)]
                except Exception:
                    addresses = [url(name, record.public_id) for record in private_b]
                for address in addresses:
                    with self.subTest(viewer=viewer, address=address):
                        response = client.get(address)
                        self.assertNotContains(response, MARKER_B, status_code=response.status_code)
                        if "-" in address:  # a record's own page
                            self.assertIn(response.status_code, (403, 404, 405))

    def test_a_state_never_sees_another_states_case(self) -> None:
        self.assertEqual(self.web("alice").get(url("case_detail", self.traces.case_b.public_id)).status_code, 404)
        self.assertNotContains(self.web("alice").get(url("case_list", query=f"q={MARKER_B}")),
                               self.traces.case_b.reference)

    def test_a_viewer_cannot_write(self) -> None:
        bob = self.web("bob")
        before = self.changes_count()
        for address, data in ((url("case_new"), case_payload(marking_1_serial="X1")),
                              (url("case_close", self.traces.case_a.public_id), {"conclusion": "x"}),
                              (url("request_new"), request_payload()),
                              (url("request_act", self.traces.draft_ab.public_id), {"action": "send"}),
                              (url("request_answer", self.traces.request_ba.public_id), {"outcome": "found"})):
            with self.subTest(address):
                self.assertEqual(bob.post(address, data).status_code, 403)
        self.assertEqual(self.changes_count(), before)
        self.assertNotContains(bob.get(self.traces.draft_ab.get_absolute_url()), "Send the request")

    def test_the_secretariat_sees_regional_figures_only(self) -> None:
        sam = self.web("sam")
        regional = sam.get(url("dashboard"))
        self.assertIn("regional", regional.context)
        self.assertEqual(regional.context["totals"].requests, 3)
        for text in (self.traces.request_ab.reference, self.traces.case_a.reference, MARKER_A, MARKER_B):
            self.assertNotContains(regional, text)
        for address in (url("case_list"), url("case_detail", self.traces.case_a.public_id), url("request_list"),
                        url("request_detail", self.traces.request_ab.public_id), url("policy")):
            with self.subTest(address):
                self.assertIn(sam.get(address).status_code, (403, 404))


class PolicyPageTest(TracingWorldTestCase):
    def test_a_national_admin_sets_the_states_deadlines(self) -> None:
        response = self.web("nadia").post(url("policy"), {"acknowledge_working_days": "4", "urgent_hours": "",
                                                          "routine_days": "25", "holidays": "2025-12-25"})
        self.assertRedirects(response, url("policy"))
        policy = TracePolicy.unscoped.get(country=self.world.country_a)
        self.assertEqual((policy.acknowledge_working_days, policy.urgent_hours, policy.routine_days), (4, None, 25))

    def test_a_bad_holiday_is_refused_beside_the_field(self) -> None:
        response = self.web("nadia").post(url("policy"), {"holidays": "25/12/2025"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("holidays", response.context["form"].errors)
        self.assertFalse(TracePolicy.unscoped.filter(country=self.world.country_a).exists())

    def test_an_officer_reads_the_deadlines_but_cannot_set_them(self) -> None:
        page = self.web("alice").get(url("policy"))
        self.assertIsNone(page.context["form"])
        self.assertContains(page, self.world.country_b.name)  # B's published deadlines
        self.assertEqual(self.web("alice").post(url("policy"), {"routine_days": "9"}).status_code, 403)
