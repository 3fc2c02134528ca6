"""The demo's tracing records: every state the tracing pages show, built once."""

from __future__ import annotations

from django.core.management import call_command
from django.test import TestCase

from cifta.core.context import Source, change_context
from cifta.core.scoping import ALL_COUNTRIES, country_scope
from cifta.demo.world import DEMO_ACTOR, build_demo_world
from cifta.tracing import selectors
from cifta.tracing.models import OnwardShare, TraceAnswer, TraceCase, TracePolicy, TraceRequest, TraceStep


class DemoTracingTest(TestCase):
    def counts(self) -> dict[str, int]:
        with country_scope(ALL_COUNTRIES):
            return {model.__name__: model.objects.count()
                    for model in (TraceCase, TraceRequest, TraceStep, TraceAnswer, OnwardShare, TracePolicy)}

    def test_the_demo_has_cases_and_requests_in_every_state_and_a_second_run_adds_nothing(self) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        first = build_demo_world()
        self.assertEqual((first.created["trace_cases"], first.created["trace_requests"]), (5, 7))
        with country_scope(ALL_COUNTRIES):
            statuses = set(TraceCase.objects.values_list("country__code", "status"))
            states = set(selectors.with_state(TraceRequest.objects.all()).values_list("state", flat=True))
            late = selectors.overdue_requests(TraceRequest.objects.all())
            outcomes = set(TraceAnswer.objects.values_list("outcome", flat=True))
            policies = list(TracePolicy.objects.values_list("country__code", "routine_days"))
        self.assertTrue({("CO", "traced"), ("MX", "traced"), ("JM", "traced"), ("CO", "open"),
                         ("CO", "requested")} <= statuses)
        self.assertEqual(states, {"draft", "sent", "acknowledged", "delayed", "answered"})
        self.assertEqual([(x.request.case_reference, x.steps) for x in late],
                         [("DEMO-MX-REQ-2", ["acknowledge", "answer"])])
        self.assertEqual(outcomes, {"found", "not_found"})
        self.assertEqual(policies, [("JM", 21)])
        after_first = self.counts()

        with change_context(DEMO_ACTOR, Source.COMMAND):
            second = build_demo_world()
        self.assertEqual((second.created["trace_cases"], second.created["trace_requests"]), (0, 0))
        self.assertEqual(self.counts(), after_first)
