"""The demo world: every member state with a few fictitious agencies and a point of contact,
demo users for every role in three States and the Secretariat, firearms in those three States,
and tracing records between them. Built through the same services users go through, and
idempotent: running it again adds only what is missing."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cifta.accounts import services as account_services
from cifta.accounts.models import User
from cifta.core.context import Source, change_context
from cifta.core.permissions import Role
from cifta.core.scoping import Scope, country_scope
from cifta.directory import services as directory_services
from cifta.directory.models import Agency, Country, PointOfContact
from cifta.directory.reference_data import SECRETARIAT_CODE
from cifta.reference.csvio import load_seed
from cifta.registry import services as registry_services
from cifta.registry.drafts import ReferenceIndex, draft_from_row
from cifta.registry.models import Firearm, SerialRange
from cifta.registry.serial_ranges import register_range
from cifta.tracing import services as tracing_services
from cifta.tracing.engines import deadlines as deadline_rules
from cifta.tracing.models import TraceCase, TracePolicy, TraceRequest, TraceStep

DEMO_PASSWORD = "cifta-demo-2026"
DEMO_ACTOR = "system:demo"
USER_COUNTRIES = ("CO", "MX", "JM")

# Fictitious agencies every demo State gets (clearly marked as demo data).
AGENCIES = (
    ("National Firearms Registry (demo)", "NFR", Agency.Kind.REGISTRY),
    ("National Police (demo)", "NP", Agency.Kind.POLICE),
    ("Customs Service (demo)", "CUS", Agency.Kind.CUSTOMS),
    ("Armed Forces Arsenal (demo)", "AFA", Agency.Kind.ARMED_FORCES),
)
NATIONAL_ROLES = (
    ("admin", Role.NATIONAL_ADMIN, "National Firearms Registry (demo)"),
    ("officer", Role.OFFICER, "National Police (demo)"),
    ("viewer", Role.VIEWER, "Customs Service (demo)"),
    ("auditor", Role.AUDITOR, "National Firearms Registry (demo)"),
)
LANGUAGE_OF = {"CO": "es", "MX": "es", "JM": "en"}


@dataclass
class DemoLogin:
    username: str
    role: str
    country: str
    totp_secret: str = ""


@dataclass
class DemoReport:
    created: dict[str, int] = field(default_factory=lambda: {"agencies": 0, "contacts": 0, "users": 0,
                                                             "firearms": 0, "trace_cases": 0, "trace_requests": 0})
    logins: list[DemoLogin] = field(default_factory=list)


def build_demo_world() -> DemoReport:
    report = DemoReport()
    with change_context(DEMO_ACTOR, Source.COMMAND):
        directory_services.sync_countries(actor=DEMO_ACTOR)
        load_seed()
        for country in Country.objects.order_by("code"):
            with country_scope([country.pk]):
                _ensure_country_directory(country, report)
        for code in USER_COUNTRIES:
            country = Country.objects.get(code=code)
            with country_scope([country.pk]):
                for suffix, role, agency_name in NATIONAL_ROLES:
                    agency = Agency.objects.get(name=agency_name)
                    _ensure_user(report, f"demo-{code.lower()}-{suffix}", role, agency, country,
                                 LANGUAGE_OF.get(code, "en"))
                _ensure_firearms(country, report)
        _ensure_tracing(report)
        secretariat = Country.objects.get(code=SECRETARIAT_CODE)
        with country_scope([secretariat.pk]):
            agency = Agency.objects.get(kind=Agency.Kind.SECRETARIAT)
            _ensure_user(report, "demo-sec-admin", Role.SECRETARIAT_ADMIN, agency, secretariat, "en")
            _ensure_user(report, "demo-sec-analyst", Role.SECRETARIAT_ANALYST, agency, secretariat, "fr")
    return report


def _ensure_country_directory(country: Country, report: DemoReport) -> None:
    if country.is_secretariat:
        wanted = [("CIFTA Technical Secretariat (demo)", "ST-CIFTA", Agency.Kind.SECRETARIAT)]
    else:
        wanted = list(AGENCIES)
    for name, acronym, kind in wanted:
        if not Agency.objects.owned().filter(name=name).exists():
            directory_services.create_agency(
                actor=DEMO_ACTOR, name=name, acronym=acronym, kind=kind, city="Demo City",
                email=f"{acronym.lower()}@{country.code.lower()}.demo.invalid",
            )
            report.created["agencies"] += 1
    if not PointOfContact.objects.owned().exists():
        agency = Agency.objects.owned().order_by("id").first()
        assert agency is not None
        directory_services.create_point_of_contact(
            actor=DEMO_ACTOR, agency=agency, full_name=f"Demo Contact {country.code}",
            title="National point of contact (fictitious)",
            email=f"poc@{country.code.lower()}.demo.invalid", languages="en, es", is_primary=True,
        )
        report.created["contacts"] += 1


def _ensure_user(report: DemoReport, username: str, role: str, agency: Agency, country: Country, lang: str) -> None:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = account_services.create_user(
            actor=DEMO_ACTOR, username=username, email=f"{username}@demo.invalid", agency=agency, role=role,
            first_name=username.split("-")[-1].capitalize(), last_name=f"Demo {country.code}",
            password=DEMO_PASSWORD, preferred_language=lang, is_demo=True,
        )
        report.created["users"] += 1
    secret = ""
    if role in (Role.NATIONAL_ADMIN, Role.SECRETARIAT_ADMIN):
        secret = _ensure_totp(user)
    report.logins.append(DemoLogin(username, str(Role(role).label), country.code, secret))


def _ensure_totp(user: User) -> str:
    """Demo administrators are enrolled already, so the demo works without a phone: the secret
    is printed and ``cifta demo --totp USER`` prints the current code."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="demo authenticator", confirmed=True)
    return base64.b32encode(device.bin_key).decode("ascii")


def current_totp_code(username: str) -> str:
    """The current code of a demo account (refused for any real account)."""
    import time

    from django_otp.oath import totp

    user = User.objects.filter(username=username, is_demo=True).first()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user else None
    if device is None:
        raise LookupError(f"{username} is not a demo account with a second factor")
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    del time
    return f"{code:0{device.digits}d}"


# Fictitious firearms: (type, make, model, calibre, serial prefix, first event, later events)
DEMO_FIREARMS = (
    ("pistol", "Glock", "17", "9mm Luger", "GLK", "imported", ()),
    ("pistol", "Taurus", "PT92", "9 mm Parabellum", "TPT", "imported", ("reported_stolen",)),
    ("revolver", "Smith & Wesson", "Model 10", ".38 Special", "SW", "registered", ("reported_lost",)),
    ("assault_rifle", "Colt", "M16A2", "5.56 NATO", "C16", "imported", ()),
    ("shotgun", "Mossberg", "500", "12 GA", "MB5", "registered", ()),
    ("pistol", "Bersa", "Thunder 380", ".380 ACP", "BT3", "seized", ("confiscated",)),
    ("assault_rifle", "Norinco", "Type 56", "7.62x39", "N56", "seized", ()),
    ("rifle", "Ruger", "10/22", "22 LR", "R10", "registered", ()),
)


def _ensure_firearms(country: Country, report: DemoReport) -> None:
    """A few dozen fictitious firearms per demo State, in every status the registers show."""
    registry = Agency.objects.get(name="National Firearms Registry (demo)")
    index = ReferenceIndex({registry.name: registry.pk})
    for n in range(24):
        kind, make, model, calibre, prefix, first, later = DEMO_FIREARMS[n % len(DEMO_FIREARMS)]
        serial = f"{prefix}{country.code}{1000 + n}"
        if Firearm.objects.owned().filter(serial_key=serial).exists():
            continue
        row = {"type": kind, "make": make, "model": model, "calibre": calibre, "serial": serial,
               "event": first, "event_date": f"20{15 + n % 9}-0{1 + n % 9}-1{n % 9}",
               "holding_agency": registry.name, "country_of_manufacture": "",
               "manufacture_mark": f"{make.upper()} {serial}" if n % 3 else ""}
        if first == "imported":
            row.update(import_country=country.code, import_year=str(2015 + n % 9), importer_name="Demo Importer SA",
                       importer_address="1 Demo Street, Demo City")
        firearm = registry_services.register_firearm(actor=DEMO_ACTOR, draft=draft_from_row(row, index))
        for event in later:
            registry_services.record_event(actor=DEMO_ACTOR, firearm=firearm, kind=event, agency=registry,
                                           reference=f"DEMO-{serial}")
        report.created["firearms"] += 1
    # A licence listing a range of serials, found by the serial search (e.g. GLK<CC>5150).
    reference = f"DEMO-LIC-{country.code}-1"
    if not SerialRange.objects.filter(reference=reference).exists():
        register_range(actor=DEMO_ACTOR, kind=SerialRange.Kind.LICENCE, reference=reference,
                       first_serial=f"GLK{country.code}5000", last_serial=f"GLK{country.code}5299",
                       manufacturer="Glock", note="demo")


# --- tracing -----------------------------------------------------------------------------------
# Fictitious trace cases and requests between the three demo States, so that every list and
# state of the tracing pages has something in it. Each record is found again by its case
# reference and built in one transaction: a second run, or a run after an interruption, adds
# only what is missing.

LEGAL_BASIS = "Firearms Act (demo), possession without a licence"


def _ensure_tracing(report: DemoReport) -> None:
    ids = dict(Country.objects.filter(code__in=USER_COUNTRIES).values_list("code", "pk"))
    today = timezone.localdate()

    # Jamaica answers on its own deadlines, with its public holidays skipped.
    with country_scope([ids["JM"]]):
        if not TracePolicy.objects.owned().exists():
            holidays = "\n".join(f"{year}-{day}" for year in (today.year, today.year + 1)
                                 for day in ("08-01", "08-06", "12-25", "12-26"))
            tracing_services.save_policy(actor=DEMO_ACTOR, acknowledge_working_days=3, urgent_hours=48,
                                         routine_days=21, holidays=holidays)

    def once(code: str, key: str, build: Callable[[], object], kind: str) -> None:
        model = TraceCase if kind == "trace_cases" else TraceRequest
        with country_scope([ids[code]]):
            if model.objects.owned().filter(case_reference=key).exists():
                return
        with transaction.atomic():
            build()
        report.created[kind] += 1

    def scope(code: str) -> AbstractContextManager[Scope]:
        return country_scope([ids[code]])

    def firearm(serial: str) -> Firearm:
        return Firearm.objects.owned().get(serial_key=serial)

    # Domestic traces answered by the national registry: a recovered firearm whose serial is
    # on record as stolen or lost.
    for code, serial, make, place, days_ago in (
        ("CO", "TPTCO1001", "Taurus", "Bogotá, Kennedy district (demo)", 40),
        ("MX", "TPTMX1001", "Taurus", "Monterrey, vehicle checkpoint (demo)", 25),
        ("JM", "SWJM1002", "Smith & Wesson", "Kingston, Spanish Town Road (demo)", 18),
    ):
        def domestic(code: str = code, serial: str = serial, make: str = make, place: str = place,
                     days_ago: int = days_ago) -> None:
            with scope(code):
                case = tracing_services.open_case(
                    actor=DEMO_ACTOR, case_reference=f"DEMO-{code}-CASE-1",
                    illicit_reason="Found in the possession of a person without a licence (demo).",
                    legal_basis=LEGAL_BASIS, recovered_on=today - dt.timedelta(days=days_ago),
                    recovered_place=place, make=make, circumstances="Stop and search (demo).",
                    markings=[{"component": "frame", "serial": serial, "text": ""}])
                found = firearm(serial)
                tracing_services.record_domestic_trace(
                    actor=DEMO_ACTOR, case=case, firearm=found,
                    conclusion=f"The national registry holds {serial}, reported {found.status} by its holder: "
                               "the firearm was diverted from a lawful holder (demo).")
        once(code, f"DEMO-{code}-CASE-1", domestic, "trace_cases")

    # An open case: a revolver with a partly legible serial, not yet traced.
    def open_case() -> None:
        with scope("CO"):
            tracing_services.open_case(
                actor=DEMO_ACTOR, case_reference="DEMO-CO-CASE-2",
                illicit_reason="Recovered after an armed robbery; the serial was filed off in part (demo).",
                legal_basis=LEGAL_BASIS, recovered_on=today - dt.timedelta(days=6),
                recovered_place="Medellín, Comuna 13 (demo)", make="Smith & Wesson", firearm_type="revolver",
                calibre=".38 Special", markings=[{"component": "frame", "serial": "SW??1002", "text": "S&W"}])
    once("CO", "DEMO-CO-CASE-2", open_case, "trace_cases")

    def found_in_mexico() -> None:
        # Colombia recovers a Glock imported into Mexico: a case, a request, Mexico's answer, and
        # Colombia's notice that it will share the answer with its prosecutor.
        with scope("CO"):
            case = tracing_services.open_case(
                actor=DEMO_ACTOR, case_reference="DEMO-CO-CASE-3",
                illicit_reason="Seized at a border crossing from a person without a licence (demo).",
                legal_basis=LEGAL_BASIS, recovered_on=today - dt.timedelta(days=12),
                recovered_place="Cúcuta, border crossing (demo)", make="Glock", model_name="17",
                firearm_type="pistol", calibre="9mm Luger", country_of_manufacture="AT",
                country_of_last_import="MX",
                markings=[{"component": "frame", "serial": "GLKMX1000", "text": "GLOCK AUSTRIA"}])
            report.created["trace_cases"] += 1
            request = tracing_services.draft_request(
                actor=DEMO_ACTOR, requested_country="MX", case=case, case_reference="DEMO-CO-REQ-1",
                intended_use="Criminal investigation and prosecution of the trafficker (demo).",
                use_limits="For the criminal proceedings only; not to be passed to third parties without notice.")
            tracing_services.send_request(actor=DEMO_ACTOR, request=request, role=Role.OFFICER)
        with scope("MX"):
            for action in ("acknowledge", "start"):
                tracing_services.take_step(actor=DEMO_ACTOR, request=request, action=action, role=Role.OFFICER)
            tracing_services.answer_request(
                actor=DEMO_ACTOR, request=request, role=Role.OFFICER, outcome="found", firearm=firearm("GLKMX1000"),
                fields=["serial", "make", "model", "calibre", "status"],
                last_legal_holder="Demo Importer SA, licensed importer (demo)",
                point_of_diversion="Sold by the importer to a dealer whose records end there (demo).",
                diversion_date=today - dt.timedelta(days=400),
                use_limits="Not for publication (demo).")
        with scope("CO"):
            tracing_services.share_onward(actor=DEMO_ACTOR, request=request,
                                          recipient="Office of the Attorney General (demo)",
                                          purpose="Evidence in the trafficking case (demo).")

    def request(source: str, target: str, key: str, serial: str, make: str, urgency: str = "routine") -> TraceRequest:
        with scope(source):
            r = tracing_services.draft_request(
                actor=DEMO_ACTOR, requested_country=target, case_reference=key, urgency=urgency,
                intended_use="Criminal investigation (demo).",
                illicit_reason="Recovered without a licence (demo).", legal_basis=LEGAL_BASIS,
                recovered_on=today - dt.timedelta(days=10), recovered_place="Demo City (demo)", make=make,
                country_of_last_import=target, markings=[{"component": "frame", "serial": serial, "text": ""}])
            return tracing_services.send_request(actor=DEMO_ACTOR, request=r, role=Role.OFFICER)

    def acknowledged() -> None:
        r = request("MX", "CO", "DEMO-MX-REQ-1", "C16CO1003", "Colt")
        with scope("CO"):
            tracing_services.take_step(actor=DEMO_ACTOR, request=r, action="acknowledge", role=Role.OFFICER)

    def delayed() -> None:
        r = request("CO", "JM", "DEMO-CO-REQ-2", "MB5JM1004", "Mossberg")
        with scope("JM"):
            tracing_services.take_step(actor=DEMO_ACTOR, request=r, action="acknowledge", role=Role.OFFICER)
            tracing_services.take_step(
                actor=DEMO_ACTOR, request=r, action="delay", role=Role.OFFICER,
                reason="An investigation into the last holder is under way; we will answer after the hearing (demo).")

    def not_found() -> None:
        r = request("JM", "MX", "DEMO-JM-REQ-1", "R10MX9999", "Ruger")
        with scope("MX"):
            tracing_services.take_step(actor=DEMO_ACTOR, request=r, action="acknowledge", role=Role.OFFICER)
            tracing_services.answer_request(actor=DEMO_ACTOR, request=r, role=Role.OFFICER, outcome="not_found",
                                            failure_reason="no_record",
                                            note="No firearm with this serial was imported or registered (demo).")

    def overdue() -> None:
        # Sent nine days ago and never acknowledged: late on both of Jamaica's deadlines.
        r = request("MX", "JM", "DEMO-MX-REQ-2", "N56JM1006", "Norinco", urgency="urgent")
        _backdate(r, ids["MX"], days=9)

    def draft() -> None:
        with scope("CO"):
            tracing_services.draft_request(
                actor=DEMO_ACTOR, requested_country="JM", case_reference="DEMO-CO-REQ-3",
                intended_use="Criminal investigation (demo).", illicit_reason="Recovered without a licence (demo).",
                make="Bersa", markings=[{"component": "frame", "serial": "BT3JM1013", "text": ""}])

    once("CO", "DEMO-CO-REQ-1", found_in_mexico, "trace_requests")
    once("MX", "DEMO-MX-REQ-1", acknowledged, "trace_requests")
    once("JM", "DEMO-JM-REQ-2", lambda: request("JM", "CO", "DEMO-JM-REQ-2", "GLKCO1008", "Glock"), "trace_requests")
    once("CO", "DEMO-CO-REQ-2", delayed, "trace_requests")
    once("JM", "DEMO-JM-REQ-1", not_found, "trace_requests")
    once("MX", "DEMO-MX-REQ-2", overdue, "trace_requests")
    once("CO", "DEMO-CO-REQ-3", draft, "trace_requests")


def _backdate(request: TraceRequest, country_id: int, *, days: int) -> None:
    """Move a just-sent request back in time, as if it had been sent ``days`` ago, with the
    deadlines it had then. Only the demo does this: the services always send now."""
    with country_scope([country_id]):
        request = TraceRequest.objects.owned().get(pk=request.pk)
        sent_at = timezone.now() - dt.timedelta(days=days)
        policy, holidays = tracing_services.policy_for(request.requested_country_id)
        due = deadline_rules.deadlines(sent_at, request.urgency, policy, holidays)
        request.sent_at, request.acknowledge_by, request.answer_by = sent_at, due.acknowledge_by, due.answer_by
        request.save()
        for step in TraceStep.objects.owned().filter(request=request):
            step.at = sent_at
            step.save()
