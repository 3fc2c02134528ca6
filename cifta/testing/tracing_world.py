"""The registry world plus a third State and trace records, built through the services.

    C: a third State (Peru), officer ``chloe``, published contact "Contact C".
    case_a       A's domestic trace of seized_a (private to A; carries MARKER_A)
    case_b       B's domestic trace (private to B; carries MARKER_B)
    draft_ab     A's draft request to B (not sent: private to A; carries MARKER_A)
    request_ab   A -> B, sent, about serial ABC123 (B holds glock_b); shared by A and B only
    request_ba   B -> A, sent, acknowledged and answered "found" by A (TX-0001, lost_a)
    request_bc   B -> C, sent (private to B and C; carries MARKER_B): A is the uninvolved State
    policy_b     B's own deadlines (published to every State)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from cifta.accounts.models import User
from cifta.core.context import Source, change_context
from cifta.core.permissions import Role
from cifta.core.scoping import country_scope
from cifta.directory import services as directory_services
from cifta.directory.models import Agency, Country
from cifta.testing.base import WorldTestCase
from cifta.testing.registry_world import Firearms, build_firearms
from cifta.testing.world import ACTOR, MARKER_A, MARKER_B, World, _user
from cifta.tracing import services
from cifta.tracing.models import TraceAnswer, TraceCase, TracePolicy, TraceRequest

CODE_C = "PE"
RECOVERED = dt.date(2025, 6, 1)


@dataclass
class Traces:
    country_c: Country
    chloe: User
    case_a: TraceCase
    case_b: TraceCase
    draft_ab: TraceRequest
    request_ab: TraceRequest
    request_ba: TraceRequest
    request_bc: TraceRequest
    answer_ba: TraceAnswer
    policy_b: TracePolicy


def _case(country: Country, actor: str, serial: str, marker: str, **extra: object) -> TraceCase:
    with country_scope([country.pk]), change_context(actor, Source.COMMAND):
        return services.open_case(
            actor=actor, case_reference=f"CASE-{country.code}-1", illicit_reason=f"found at a crime scene {marker}",
            legal_basis="Penal code art. 1", recovered_on=RECOVERED, recovered_place=f"Warehouse {marker}",
            markings=[{"component": "frame", "serial": serial, "text": ""}], **extra)  # type: ignore[arg-type]


def build_traces(world: World, firearms: Firearms) -> Traces:
    a, b = world.country_a, world.country_b
    with change_context(ACTOR, Source.COMMAND), transaction.atomic():
        c = Country.objects.get(code=CODE_C)
        with country_scope([c.pk]):
            agency_c = directory_services.create_agency(actor=ACTOR, name="Registry C", kind=Agency.Kind.REGISTRY)
            directory_services.create_point_of_contact(actor=ACTOR, agency=agency_c, full_name="Contact C",
                                                       email="contact@c.test", is_primary=True)
            chloe = _user("chloe", agency_c, Role.OFFICER)
    case_a = _case(a, "system:test", f"{MARKER_A}-77", MARKER_A, firearm=firearms.seized_a)
    case_b = _case(b, "system:test", f"{MARKER_B}-9", MARKER_B)
    with country_scope([b.pk]), change_context("system:test", Source.COMMAND):
        policy_b = services.save_policy(actor="system:test", acknowledge_working_days=3, urgent_hours=48,
                                        routine_days=20, holidays="2025-12-25")
    with country_scope([a.pk]), change_context(world.alice, Source.COMMAND):
        draft_ab = services.draft_request(
            actor=world.alice, requested_country=b, case=case_a, case_reference="CASE-CO-1",
            intended_use=f"prosecution {MARKER_A}", illicit_reason="seized without licence")
        request_ab = services.draft_request(
            actor=world.alice, requested_country=b, case_reference="CASE-CO-2", intended_use="prosecution",
            illicit_reason="found without licence", urgency="urgent", make="Glock", calibre="9x19",
            country_of_manufacture="AT", use_limits="Not for disclosure to third parties",
            markings=[{"component": "frame", "serial": "ABC123", "text": "GLOCK AUSTRIA"}])
        services.send_request(actor=world.alice, request=request_ab, role=Role.OFFICER)
    with country_scope([b.pk]), change_context(world.carlos, Source.COMMAND):
        request_ba = services.draft_request(
            actor=world.carlos, requested_country=a, case_reference="CASE-MX-7", intended_use="investigation",
            illicit_reason="recovered after a robbery", make="Taurus",
            markings=[{"component": "frame", "serial": "TX-0001", "text": ""}])
        services.send_request(actor=world.carlos, request=request_ba, role=Role.OFFICER)
        request_bc = services.draft_request(
            actor=world.carlos, requested_country=c, case_reference=f"CASE-{MARKER_B}",
            intended_use=f"court {MARKER_B}", illicit_reason=f"smuggled {MARKER_B}",
            markings=[{"component": "frame", "serial": "PE-5544", "text": ""}])
        services.send_request(actor=world.carlos, request=request_bc, role=Role.OFFICER)
    with country_scope([a.pk]), change_context(world.alice, Source.COMMAND):
        services.take_step(actor=world.alice, request=request_ba, action="acknowledge", role=Role.OFFICER)
        answer_ba = services.answer_request(
            actor=world.alice, request=request_ba, role=Role.OFFICER, outcome="found", firearm=firearms.lost_a,
            fields=["serial", "make", "model"], last_legal_holder="Registry A",
            point_of_diversion="reported lost by its holder")
    cases = TraceCase.unscoped.in_bulk([case_a.pk, case_b.pk])
    requests = TraceRequest.unscoped.in_bulk([draft_ab.pk, request_ab.pk, request_ba.pk, request_bc.pk])
    return Traces(c, chloe, cases[case_a.pk], cases[case_b.pk], requests[draft_ab.pk], requests[request_ab.pk],
                  requests[request_ba.pk], requests[request_bc.pk], TraceAnswer.unscoped.get(pk=answer_ba.pk),
                  TracePolicy.unscoped.get(pk=policy_b.pk))

class TracingWorldTestCase(WorldTestCase):
    firearms: Firearms
    traces: Traces

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.firearms = build_firearms(cls.world)
        cls.traces = build_traces(cls.world, cls.firearms)

    def chloe_web(self) -> object:
        from django.test import Client

        client = Client()
        client.force_login(self.traces.chloe)
        return client
