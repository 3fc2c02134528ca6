"""The standard battery (cifta/testing/battery.py) for every tracing model's API endpoint, with
the tracing world plus records that only two of the three States share, so that each model has
a record of B that A cannot read and a record of A that B cannot read.

Extra records (built through the services):

    request_ac  A -> C from case_a, answered "not found" by C; A shared the answer onward (MARKER_A)
    request_ca  C -> A, answered "not found" by A (A's answer: private to A and C)
    request_cb  C -> B, answered "found" by B (B's answer: private to B and C; MARKER_B)
    request_bc  (world) answered "partial" by C; B shared the answer onward (MARKER_B)
    reminders   sent while every request was still unanswered: A owes request_ca, B request_ab
                and request_cb, C request_bc and request_ac
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from cifta.core.context import Source, change_context
from cifta.core.permissions import Role
from cifta.core.scoping import country_scope
from cifta.testing.battery import ScopedApiBattery
from cifta.testing.tracing_world import TracingWorldTestCase
from cifta.testing.world import MARKER_A, MARKER_B
from cifta.tracing import services
from cifta.tracing.models import (
    OnwardShare,
    TraceAnswer,
    TraceCase,
    TraceMarking,
    TracePolicy,
    TraceReminder,
    TraceRequest,
    TraceStep,
)


@dataclass
class Extras:
    request_ac: TraceRequest
    request_ca: TraceRequest
    request_cb: TraceRequest
    answer_ca: TraceAnswer  # A's
    answer_cb: TraceAnswer  # B's
    share_ac: OnwardShare  # A's
    share_bc: OnwardShare  # B's


@contextmanager
def acting(country: Any, actor: Any) -> Iterator[None]:
    with country_scope([country.pk]), change_context(actor, Source.COMMAND):
        yield


def build_extras(world: Any, traces: Any, firearms: Any) -> Extras:
    a, b, c = world.country_a, world.country_b, traces.country_c
    alice, carlos, chloe = world.alice, world.carlos, traces.chloe

    def request(actor: Any, to: Any, reference: str, serial: str, **extra: Any) -> TraceRequest:
        made = services.draft_request(actor=actor, requested_country=to, case_reference=reference,
                                      intended_use="prosecution", illicit_reason="recovered without licence",
                                      markings=[{"component": "frame", "serial": serial, "text": ""}], **extra)
        return services.send_request(actor=actor, request=made, role=Role.OFFICER)

    with acting(a, alice):
        request_ac = request(alice, c, "CASE-CO-9", "AC-100", case=traces.case_a)
    with acting(c, chloe):
        request_ca = request(chloe, a, "CASE-PE-1", "TX-0001")
        request_cb = request(chloe, b, "CASE-PE-2", "ABC123", make="Glock")
    # Every request still unanswered: one reminder per overdue step, in the requested State's name.
    with change_context("system:test", Source.JOB):
        services.send_reminders(actor="system:test", now=timezone.now() + dt.timedelta(days=60))
    with acting(c, chloe):
        for r in (request_ac, traces.request_bc):
            services.take_step(actor=chloe, request=r, action="acknowledge", role=Role.OFFICER)
        services.answer_request(actor=chloe, request=request_ac, role=Role.OFFICER, outcome="not_found",
                                failure_reason="no_record")
        services.answer_request(actor=chloe, request=traces.request_bc, role=Role.OFFICER, outcome="partial",
                                chain=[{"date": "2019-01-01", "event": "exported", "country": "MX"}],
                                note=f"Exported {MARKER_B}")
    with acting(a, alice):
        services.take_step(actor=alice, request=request_ca, action="acknowledge", role=Role.OFFICER)
        answer_ca = services.answer_request(actor=alice, request=request_ca, role=Role.OFFICER, outcome="not_found",
                                            failure_reason="records_lost", note=f"Archive burnt {MARKER_A}")
        share_ac = services.share_onward(actor=alice, request=request_ac, recipient=f"Prosecutor {MARKER_A}",
                                         purpose="indictment")
    with acting(b, carlos):
        services.take_step(actor=carlos, request=request_cb, action="acknowledge", role=Role.OFFICER)
        answer_cb = services.answer_request(actor=carlos, request=request_cb, role=Role.OFFICER, outcome="found",
                                            firearm=firearms.glock_b, fields=["serial", "make"],
                                            note=f"Sold to {MARKER_B}")
        share_bc = services.share_onward(actor=carlos, request=traces.request_bc,
                                         recipient=f"Prosecutor {MARKER_B}", purpose="trial")
    return Extras(*(TraceRequest.unscoped.get(pk=r.pk) for r in (request_ac, request_ca, request_cb)),
                  *(TraceAnswer.unscoped.get(pk=x.pk) for x in (answer_ca, answer_cb)),
                  *(OnwardShare.unscoped.get(pk=x.pk) for x in (share_ac, share_bc)))


class TracingExtrasTestCase(TracingWorldTestCase):
    """The tracing world (firearms, trace cases, requests between A, B and C) plus the extras."""

    extras: Extras

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.extras = build_extras(cls.world, cls.traces, cls.firearms)

    def api(self, name: str | None) -> Any:
        if name == "chloe":
            from rest_framework.test import APIClient

            client = APIClient()
            client.force_authenticate(self.traces.chloe)
            return client
        return super().api(name)

    def web(self, name: str) -> Any:
        return self.chloe_web() if name == "chloe" else super().web(name)

    def step_of(self, request: TraceRequest, action: str) -> TraceStep:
        return TraceStep.unscoped.get(request=request, action=action)


class TracePolicyApiTest(TracingExtrasTestCase, ScopedApiBattery):
    """Deadlines are published to every State (a requesting State must know when an answer is
    due): the battery's "another country's record is invisible" does not apply; writing another
    State's deadlines is still 404."""

    model = TracePolicy
    basename = "tracepolicy"

    def object_a(self) -> Any:
        policy = TracePolicy.unscoped.filter(country=self.world.country_a).first()
        if policy is None:
            with acting(self.world.country_a, self.world.alice):
                policy = services.save_policy(actor=self.world.alice, routine_days=25)
        return policy

    def object_b(self) -> Any:
        return self.traces.policy_b

    def create_payload(self) -> dict[str, Any]:
        return {"acknowledge_working_days": 4, "urgent_hours": 24, "routine_days": 15, "holidays": "2026-01-01"}

    def update_payload(self) -> dict[str, Any]:
        return {"routine_days": 10}

    def test_list_shows_own_records_and_nothing_private_of_another_country(self) -> None:
        own = self.object_a()
        for reader in ("alice", "carlos", "chloe", "sam"):
            ids = self.ids(self.api(reader).get(self.list_url()))
            self.assertEqual(ids, {str(own.public_id), str(self.traces.policy_b.public_id)}, reader)

    def test_detail_of_another_country_is_404(self) -> None:
        # Published: readable by all; only its own State may change it (see the update test).
        response = self.api("alice").get(self.detail_url(self.object_b()))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["routine_days"], 20)

    def test_a_second_policy_is_refused_and_a_bad_value_names_the_field(self) -> None:
        self.object_a()
        response = self.api("alice").post(self.list_url(), self.create_payload(), format="json")
        self.assertEqual(response.status_code, 409)
        before = self.changes_count()
        response = self.api("carlos").patch(self.detail_url(self.object_b()), {"urgent_hours": 0}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("urgent_hours", response.json())
        response = self.api("carlos").patch(self.detail_url(self.object_b()), {"holidays": "Christmas"},
                                            format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("holidays", response.json())
        self.assertEqual(self.changes_count(), before)

    def test_patch_keeps_the_values_not_given(self) -> None:
        response = self.api("carlos").patch(self.detail_url(self.object_b()), {"routine_days": 12}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["routine_days"], body["urgent_hours"], body["acknowledge_working_days"]), (12, 48, 3))

    def test_the_secretariat_cannot_write(self) -> None:
        before = self.changes_count()
        response = self.api("sara").post(self.list_url(), self.create_payload(), format="json")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.changes_count(), before)


class TraceCaseApiTest(TracingExtrasTestCase, ScopedApiBattery):
    model = TraceCase
    basename = "tracecase"

    def object_a(self) -> Any:
        return self.traces.case_a

    def object_b(self) -> Any:
        return self.traces.case_b

    def create_payload(self) -> dict[str, Any]:
        return {"case_reference": "CASE-CO-77", "illicit_reason": "found at a crime scene",
                "legal_basis": "Penal code art. 2", "recovered_on": "2025-05-05", "recovered_place": "Bogota",
                "make": "Glock", "markings": [{"component": "frame", "serial": "ZZ-123", "text": ""},
                                              {"component": "slide", "serial": "", "text": "GLOCK"}]}

    def foreign_fk_payload(self) -> dict[str, Any]:
        return {**self.create_payload(), "firearm": str(self.firearms.private_b.public_id)}


class TraceMarkingApiTest(TracingExtrasTestCase, ScopedApiBattery):
    model = TraceMarking
    basename = "tracemarking"

    def object_a(self) -> Any:
        return TraceMarking.unscoped.filter(case=self.traces.case_a).first()

    def object_b(self) -> Any:
        return TraceMarking.unscoped.filter(case=self.traces.case_b).first()


class TraceRequestApiTest(TracingExtrasTestCase, ScopedApiBattery):
    model = TraceRequest
    basename = "tracerequest"
    list_query_budget = 12

    def object_a(self) -> Any:
        return self.traces.request_ab

    def private_object_a(self) -> Any:
        return self.traces.draft_ab

    def object_b(self) -> Any:
        return self.traces.request_bc

    def create_payload(self) -> dict[str, Any]:
        return {"requested_country": "MX", "case_reference": "CASE-CO-5", "intended_use": "prosecution",
                "illicit_reason": "smuggled", "markings": [{"component": "frame", "serial": "QQ-1", "text": ""}]}

    def foreign_fk_payload(self) -> dict[str, Any]:
        return {**self.create_payload(), "case": str(self.traces.case_b.public_id)}

    def _ids(self, reader: str) -> set[str]:
        return self.ids(self.api(reader).get(self.list_url(), {"limit": 1000}))

    def test_three_states_each_see_only_the_requests_they_are_a_side_of(self) -> None:
        t, x = self.traces, self.extras
        ids = {name: self._ids(name) for name in ("alice", "carlos", "chloe", "sam")}
        ab, ba, bc = str(t.request_ab.public_id), str(t.request_ba.public_id), str(t.request_bc.public_id)
        self.assertTrue({ab, ba} <= ids["alice"] and {ab, ba} <= ids["carlos"])
        self.assertIn(str(t.draft_ab.public_id), ids["alice"])
        self.assertNotIn(str(t.draft_ab.public_id), ids["carlos"])
        self.assertNotIn(bc, ids["alice"])
        self.assertEqual(ids["chloe"], {bc, *(str(r.public_id) for r in (x.request_ac, x.request_ca, x.request_cb))})
        self.assertEqual(ids["sam"], set())
        for r in (t.request_ab, t.request_ba, t.draft_ab):
            self.assertEqual(self.api("chloe").get(self.detail_url(r)).status_code, 404)
        self.assertEqual(self.api("carlos").get(self.detail_url(t.draft_ab)).status_code, 404)

    def test_the_other_side_never_gets_links_into_the_owners_records(self) -> None:
        t = self.traces
        # draft_ab comes from case_a: A sees the link, B (once sent) does not.
        with acting(self.world.country_a, self.world.alice):
            services.send_request(actor=self.world.alice, request=t.draft_ab, role=Role.OFFICER)
        self.assertEqual(self.api("alice").get(self.detail_url(t.draft_ab)).json()["case"],
                         str(t.case_a.public_id))
        seen_by_b = self.api("carlos").get(self.detail_url(t.draft_ab)).json()
        self.assertIsNone(seen_by_b["case"])
        self.assertNotIn(str(t.case_a.public_id), str(seen_by_b))
        # request_ba was answered by A from lost_a: B reads the disclosed fields, never the record.
        seen_by_b = self.api("carlos").get(self.detail_url(t.request_ba)).json()
        self.assertEqual(seen_by_b["answer"]["disclosed"]["serial"], "TX-0001")
        self.assertIsNone(seen_by_b["answer"]["firearm"])
        self.assertNotIn(str(self.firearms.lost_a.public_id), str(seen_by_b))
        seen_by_a = self.api("alice").get(self.detail_url(t.request_ba)).json()
        self.assertEqual(seen_by_a["answer"]["firearm"], str(self.firearms.lost_a.public_id))


class TraceStepApiTest(TracingExtrasTestCase, ScopedApiBattery):
    model = TraceStep
    basename = "tracestep"

    def object_a(self) -> Any:
        return self.step_of(self.traces.request_ab, "send")

    def private_object_a(self) -> Any:
        return self.step_of(self.extras.request_ac, "send")

    def object_b(self) -> Any:
        return self.step_of(self.traces.request_bc, "send")

    def test_the_uninvolved_state_sees_no_step_of_a_and_b(self) -> None:
        t = self.traces
        chloe = self.ids(self.api("chloe").get(self.list_url(), {"limit": 1000}))
        shared = TraceStep.unscoped.filter(request__in=[t.request_ab, t.request_ba])
        self.assertTrue(shared.exists())
        self.assertFalse({str(s.public_id) for s in shared} & chloe)
        alice = self.ids(self.api("alice").get(self.list_url(), {"limit": 1000}))
        carlos = self.ids(self.api("carlos").get(self.list_url(), {"limit": 1000}))
        self.assertTrue({str(s.public_id) for s in shared} <= alice & carlos)


class TraceAnswerApiTest(TracingExtrasTestCase, ScopedApiBattery):
    model = TraceAnswer
    basename = "traceanswer"

    def object_a(self) -> Any:
        return self.traces.answer_ba

    def private_object_a(self) -> Any:
        return self.extras.answer_ca

    def object_b(self) -> Any:
        return self.extras.answer_cb

    def test_the_record_used_is_shown_to_the_answering_state_only(self) -> None:
        answer = self.traces.answer_ba
        self.assertEqual(self.api("alice").get(self.detail_url(answer)).json()["firearm"],
                         str(self.firearms.lost_a.public_id))
        seen_by_b = self.api("carlos").get(self.detail_url(answer))
        self.assertEqual(seen_by_b.status_code, 200)
        self.assertIsNone(seen_by_b.json()["firearm"])
        self.assertEqual(self.api("chloe").get(self.detail_url(answer)).status_code, 404)
        self.assertEqual(self.api("sam").get(self.detail_url(answer)).status_code, 404)


class OnwardShareApiTest(TracingExtrasTestCase, ScopedApiBattery):
    model = OnwardShare
    basename = "onwardshare"

    def object_a(self) -> Any:
        return self.extras.share_ac

    def object_b(self) -> Any:
        return self.extras.share_bc

    def test_the_answering_state_sees_the_notice(self) -> None:
        self.assertEqual(self.api("chloe").get(self.detail_url(self.extras.share_ac)).status_code, 200)


class TraceReminderApiTest(TracingExtrasTestCase, ScopedApiBattery):
    model = TraceReminder
    basename = "tracereminder"

    def object_a(self) -> Any:
        return TraceReminder.unscoped.filter(request=self.extras.request_ca).first()

    def object_b(self) -> Any:
        return TraceReminder.unscoped.filter(request=self.extras.request_cb).first()

    def test_the_addresses_are_shown_to_the_reminded_state_only(self) -> None:
        reminder = TraceReminder.unscoped.filter(request=self.traces.request_ab).first()
        self.assertIsNotNone(reminder)
        self.assertIn("contact@b.test", self.api("carlos").get(self.detail_url(reminder)).json()["sent_to"])
        self.assertIsNone(self.api("alice").get(self.detail_url(reminder)).json()["sent_to"])


def test_every_tracing_route_name_is_reversible() -> None:
    for name in ("tracepolicy", "tracecase", "tracemarking", "tracerequest", "tracestep", "traceanswer",
                 "onwardshare", "tracereminder", "trace-figures"):
        assert reverse(f"api:{name}-list").startswith("/api/v1/")
