"""Tracing services: the workflow across two States, refusals that change nothing, deadlines,
reminders and e-mail, onward sharing, and the three-State confidentiality of the records."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from cifta.core.context import Source, change_context
from cifta.core.errors import ConflictError, ServiceError
from cifta.core.permissions import Role
from cifta.core.scoping import country_scope
from cifta.testing.tracing_world import TracingWorldTestCase
from cifta.tracing import selectors, services
from cifta.tracing.models import OnwardShare, TraceAnswer, TraceCase, TraceReminder, TraceRequest, TraceStep


class _Acting:
    def act(self, country, user):  # type: ignore[no-untyped-def]
        from contextlib import ExitStack

        stack = ExitStack()
        stack.enter_context(country_scope([country.pk]))
        stack.enter_context(change_context(user, Source.WEB))
        return stack


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
class WorkflowTest(TracingWorldTestCase, _Acting):
    def test_sent_request_has_deadlines_of_the_requested_state_and_is_routed_to_its_contact(self) -> None:
        r = self.traces.request_ab
        self.assertEqual(r.point_of_contact_id, self.world.contact_b.pk)
        # B set 48 hours for urgent answers and 3 working days to acknowledge: the answer falls
        # due first, and the acknowledgement with it.
        self.assertEqual(r.answer_by - r.sent_at, dt.timedelta(hours=48))
        self.assertEqual(r.acknowledge_by, r.answer_by)

    def test_sending_mails_the_point_of_contact_after_commit(self) -> None:
        with self.captureOnCommitCallbacks(execute=True), self.act(self.world.country_a, self.world.alice):
            services.send_request(actor=self.world.alice, request=self.traces.draft_ab, role=Role.OFFICER)
        self.assertEqual([m.to for m in mail.outbox], [["contact@b.test"]])
        self.assertIn(self.traces.draft_ab.reference, mail.outbox[0].subject)

    def test_requested_state_acknowledges_and_answers_once(self) -> None:
        r = self.traces.request_ab
        with self.act(self.world.country_b, self.world.carlos):
            services.take_step(actor=self.world.carlos, request=r, action="acknowledge", role=Role.OFFICER)
            answer = services.answer_request(actor=self.world.carlos, request=r, role=Role.OFFICER, outcome="found",
                                             firearm=self.firearms.glock_b, fields=["serial", "make", "calibre"])
            self.assertEqual(set(answer.disclosed), {"serial", "make", "calibre"})
            self.assertEqual(answer.disclosed["serial"], "ABC123")
            steps_before = TraceStep.unscoped.count()
            with self.assertRaises(ConflictError):
                services.answer_request(actor=self.world.carlos, request=r, role=Role.OFFICER, outcome="not_found",
                                        failure_reason="no_record")
            self.assertEqual(TraceStep.unscoped.count(), steps_before)
            self.assertEqual(TraceAnswer.unscoped.filter(request=r).count(), 1)
            self.assertEqual(services.current_state(r), "answered")

    def test_the_requesting_state_cannot_answer_its_own_request(self) -> None:
        with self.act(self.world.country_a, self.world.alice), self.assertRaises(ServiceError) as caught:
            services.answer_request(actor=self.world.alice, request=self.traces.request_ab, role=Role.OFFICER,
                                    outcome="not_found", failure_reason="no_record")
        self.assertIn("requested", str(caught.exception))
        self.assertFalse(TraceAnswer.unscoped.filter(request=self.traces.request_ab).exists())

    def test_an_uninvolved_state_cannot_find_or_act_on_the_request(self) -> None:
        with self.act(self.traces.country_c, self.traces.chloe):
            self.assertFalse(TraceRequest.objects.filter(pk=self.traces.request_ab.pk).exists())
            with self.assertRaises(ServiceError):
                services.take_step(actor=self.traces.chloe, request=self.traces.request_ab, action="acknowledge",
                                   role=Role.OFFICER)
            self.assertEqual(list(TraceStep.objects.filter(request=self.traces.request_ab)), [])
            self.assertEqual(list(TraceAnswer.objects.all()), [])

    def test_withdrawn_request_refuses_every_action(self) -> None:
        r = self.traces.request_ab
        with self.act(self.world.country_a, self.world.alice):
            with self.assertRaises(ServiceError) as caught:
                services.take_step(actor=self.world.alice, request=r, action="withdraw", role=Role.OFFICER)
            self.assertEqual(caught.exception.field, "reason")
            services.take_step(actor=self.world.alice, request=r, action="withdraw", role=Role.OFFICER,
                               reason="the firearm was identified locally")
        before = TraceStep.unscoped.count()
        with self.act(self.world.country_b, self.world.carlos), self.assertRaises(ConflictError):
            services.take_step(actor=self.world.carlos, request=r, action="acknowledge", role=Role.OFFICER)
        self.assertEqual(TraceStep.unscoped.count(), before)

    def test_delay_and_restrict_need_a_reason_and_a_viewer_cannot_act(self) -> None:
        r = self.traces.request_ab
        with self.act(self.world.country_b, self.world.carlos):
            services.take_step(actor=self.world.carlos, request=r, action="acknowledge", role=Role.OFFICER)
            with self.assertRaises(ServiceError):
                services.take_step(actor=self.world.carlos, request=r, action="delay", role=Role.OFFICER)
            with self.assertRaises(ServiceError):
                services.take_step(actor=self.world.carlos, request=r, action="delay", role=Role.VIEWER,
                                   reason="ongoing investigation")
            services.take_step(actor=self.world.carlos, request=r, action="restrict", role=Role.OFFICER,
                               reason="national security")
            self.assertEqual(services.current_state(r), "restricted")

    def test_missing_case_reference_and_self_addressed_requests_are_refused(self) -> None:
        before = TraceRequest.unscoped.count()
        with self.act(self.world.country_a, self.world.alice):
            for kwargs, field in (({"case_reference": "", "requested_country": self.world.country_b}, "case_reference"),
                                  ({"case_reference": "X", "requested_country": self.world.country_a},
                                   "requested_country"),
                                  ({"case_reference": "X", "requested_country": self.world.secretariat},
                                   "requested_country")):
                with self.assertRaises(ServiceError) as caught:
                    services.draft_request(actor=self.world.alice, intended_use="x", illicit_reason="x",
                                           markings=[{"serial": "A1"}], **kwargs)
                self.assertEqual(caught.exception.field, field)
        self.assertEqual(TraceRequest.unscoped.count(), before)

    def test_a_hand_set_deadline_in_the_past_is_refused_and_a_future_one_is_kept(self) -> None:
        before = TraceRequest.unscoped.count()
        with self.act(self.world.country_a, self.world.alice):
            with self.assertRaises(ServiceError) as caught:
                services.draft_request(actor=self.world.alice, requested_country=self.world.country_b,
                                       case_reference="X", intended_use="x", illicit_reason="x",
                                       markings=[{"serial": "A1"}],
                                       answer_wanted_by=timezone.now() - dt.timedelta(hours=1))
            self.assertEqual(caught.exception.field, "answer_wanted_by")
            self.assertEqual(TraceRequest.unscoped.count(), before)
            wanted = timezone.now() + dt.timedelta(days=2)
            r = services.draft_request(actor=self.world.alice, requested_country=self.world.country_b,
                                       case_reference="X", intended_use="x", illicit_reason="x",
                                       markings=[{"serial": "A1"}], answer_wanted_by=wanted)
            r = services.send_request(actor=self.world.alice, request=r, role=Role.OFFICER)
        self.assertEqual(r.answer_by, wanted)

    def test_onward_sharing_notifies_the_answering_state(self) -> None:
        with self.captureOnCommitCallbacks(execute=True), self.act(self.world.country_b, self.world.carlos):
            share = services.share_onward(actor=self.world.carlos, request=self.traces.request_ba,
                                          recipient="Federal prosecutor", purpose="indictment")
        self.assertEqual(mail.outbox[-1].to, ["contact@a.test"])
        with self.act(self.world.country_a, self.world.alice):
            self.assertTrue(OnwardShare.objects.filter(pk=share.pk).exists())
        with self.act(self.traces.country_c, self.traces.chloe):
            self.assertFalse(OnwardShare.objects.filter(pk=share.pk).exists())
        with self.act(self.world.country_b, self.world.carlos), self.assertRaises(ConflictError):
            services.share_onward(actor=self.world.carlos, request=self.traces.request_bc, recipient="x", purpose="y")


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
class RemindersAndFiguresTest(TracingWorldTestCase, _Acting):
    def test_overdue_requests_get_one_reminder_a_day_then_an_escalation(self) -> None:
        later = timezone.now() + dt.timedelta(days=6)
        with change_context("system:job", Source.JOB), self.captureOnCommitCallbacks(execute=True):
            run = services.send_reminders(actor="system:job", now=later)
            again = services.send_reminders(actor="system:job", now=later)
        # request_ab (B, urgent 48h: acknowledge and answer late) and request_bc (C, acknowledge late)
        self.assertGreaterEqual(run.reminders + run.escalations, 3)
        self.assertEqual(again.reminders + again.escalations, 0)
        self.assertTrue(any("contact@b.test" in m.to for m in mail.outbox))
        with self.act(self.world.country_a, self.world.alice):
            visible = set(TraceReminder.objects.values_list("request_id", flat=True))
        self.assertEqual(visible, {self.traces.request_ab.pk})
        with self.act(self.world.country_b, self.world.carlos):
            late = selectors.overdue_requests(selectors.inbox(self.world.country_b.pk), later)
        self.assertEqual([x.request.pk for x in late], [self.traces.request_ab.pk])
        self.assertEqual(late[0].steps, ["acknowledge", "answer"])

    def test_domestic_trace_finds_the_record_and_counts_in_sdg_16_4_2(self) -> None:
        case = self.traces.case_a
        with self.act(self.world.country_a, self.world.alice):
            results = selectors.case_search(case)
            hits = [h.firearm.pk for _m, r in results for h in r.hits]
            self.assertIn(self.firearms.seized_a.pk, hits)
            services.record_domestic_trace(actor=self.world.alice, case=case, firearm=self.firearms.seized_a)
            with self.assertRaises(ConflictError):
                services.close_case(actor=self.world.alice, case=case, conclusion="x")
            figures = selectors.state_figures(self.world.country_a, 2025)
            this_year = selectors.state_figures(self.world.country_a, timezone.now().year)
        self.assertEqual(TraceCase.unscoped.get(pk=case.pk).status, "traced")
        self.assertEqual((figures.traced, figures.seized), (1, 1))
        self.assertEqual((this_year.received.requests, this_year.received.answered_in_time), (1, 1))
        self.assertEqual((this_year.sent.requests, this_year.sent.acknowledged_in_time), (1, 0))

    def test_regional_figures_are_numbers_for_every_state(self) -> None:
        year = timezone.now().year
        regional = selectors.regional_figures(year)
        self.assertEqual(regional.totals.requests, 3)
        codes = {s.country.code for s in regional.states}
        self.assertTrue({"CO", "MX", "PE"} <= codes)
