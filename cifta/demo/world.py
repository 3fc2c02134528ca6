"""The demo world: every member state with a few fictitious agencies and a point of contact,
demo users for every role in three States and the Secretariat, firearms in those three States,
tracing records between them, an arsenal in each of them (an ammunition storage area and an
armoury, with lots, a ledger, stock checks and security assessments), and in Colombia a certified
destruction event and a planned one. Built through the same services users go through, and
idempotent: running it again adds only what is missing."""

from __future__ import annotations

import base64
import datetime as dt
import math
import struct
import zlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cifta.accounts import services as account_services
from cifta.accounts.models import User
from cifta.core.context import Source, change_context
from cifta.core.permissions import Role
from cifta.core.scoping import Scope, country_scope
from cifta.destruction import services_certificates as certificate_services
from cifta.destruction import services_events as destruction_services
from cifta.destruction.models import DestructionEvent, DestructionPhoto, Method, SigningKey, Witness
from cifta.directory import services as directory_services
from cifta.directory.models import Agency, Country, PointOfContact
from cifta.directory.reference_data import SECRETARIAT_CODE
from cifta.reference.csvio import load_seed
from cifta.registry import services as registry_services
from cifta.registry.drafts import ReferenceIndex, draft_from_row
from cifta.registry.models import Firearm, SerialRange
from cifta.registry.serial_ranges import register_range
from cifta.stockpile import ledger
from cifta.stockpile import security_checklist as checklist
from cifta.stockpile import services_facilities as facility_services
from cifta.stockpile import services_inventory as inventory_services
from cifta.stockpile import services_safety as safety_services
from cifta.stockpile import services_security as security_services
from cifta.stockpile.models import (
    AmmunitionLot,
    Discrepancy,
    Facility,
    Movement,
    SafetyRules,
    SecurityAssessment,
    StockCheck,
    Storehouse,
)
from cifta.stockpile.safety_bridge import EARTH_RADIUS_M
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
    created: dict[str, int] = field(default_factory=lambda: {
        "agencies": 0, "contacts": 0, "users": 0, "firearms": 0, "trace_cases": 0, "trace_requests": 0,
        "facilities": 0, "ammunition_lots": 0, "movements": 0, "stock_checks": 0, "security_assessments": 0,
        "destruction_events": 0, "certificates": 0})
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
        _ensure_stockpiles(report)
        _ensure_destruction(report)
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


# --- stockpiles --------------------------------------------------------------------------------
# Each demo State keeps an ammunition storage area near a real city (an earth-covered and an
# above-ground magazine, a village and a highway around them) and an armoury in the capital or a
# large city, with ammunition lots of common natures, a ledger of receipts, issues and a move,
# registry firearms received into the armoury, a closed stock check whose two discrepancies are
# one open and one resolved as found, an upcoming check, and physical security assessments (the
# storage area twice, to show a trend). Colombia's national rules tighten every distance by 1.2,
# so its highway, measured at 452 m, is too close to the earth-covered magazine (480 m needed,
# 400 m under the standard alone); in Mexico a village lies too close to it outright. Every
# record is found again by its name, lot number, document reference or assessor; dates are
# counted back from today.


@dataclass(frozen=True)
class DemoArsenal:
    code: str
    area: str
    area_at: tuple[str, str]  # latitude, longitude of the storage area's gate
    area_address: str
    village: str
    village_m: tuple[int, int]  # metres east and north of the gate
    highway: str
    highway_m: tuple[int, int]
    highway_measured_m: str  # measured on the ground from the earth-covered magazine
    armoury: str
    armoury_at: tuple[str, str]
    armoury_address: str
    maker: str
    scale: float  # the State's holdings against the quantities below
    rules: str = ""  # legal reference of the State's own safety rules (distances x 1.2)


ARSENALS = (
    DemoArsenal("CO", "Ammunition storage area El Rosal (demo)", ("4.856000", "-74.302000"),
                "Km 4 west of El Rosal, Cundinamarca (demo)", "Vereda San Rafael (demo)", (1050, 1300),
                "Bogotá–Medellín road (demo)", (-90, -400), "452.0", "Central Armoury, Bogotá (demo)",
                ("4.615000", "-74.070000"), "Carrera 7, Bogotá (demo)", "Indumil", 1.0,
                "Resolución MDN 0117 de 2025, art. 4 (demo)"),
    DemoArsenal("MX", "Ammunition storage area Ciénega de Flores (demo)", ("25.990000", "-100.190000"),
                "Monterrey–Nuevo Laredo highway km 32, Nuevo León (demo)", "Ejido La Cruz (demo)", (-150, 380),
                "Monterrey–Nuevo Laredo highway (demo)", (700, -600), "1010.0",
                "Central Armoury, Monterrey (demo)", ("25.672000", "-100.310000"),
                "Avenida Constitución, Monterrey (demo)", "Industria Militar (DGIM)", 1.5),
    DemoArsenal("JM", "Ammunition storage area St Catherine (demo)", ("18.042000", "-77.005000"),
                "Off the Spanish Town–Bog Walk road, St Catherine (demo)", "Rosemount district (demo)", (-1200, 900),
                "Spanish Town–Bog Walk road (demo)", (400, -700), "890.5", "Central Armoury, Kingston (demo)",
                ("17.996000", "-76.783000"), "Camp Road, Kingston (demo)", "imported (demo)", 0.5),
)
ECM, AGM, ARMOURY = "Magazine 1 (earth-covered)", "Magazine 2 (above ground)", "Weapons store"
# name, kind, metres east and north of the gate, licensed limits (kg NEQ per hazard division)
AREA_STORES = (
    (ECM, Storehouse.Kind.EARTH_COVERED, (-90, 60), {"1.1": 2500}),
    (AGM, Storehouse.Kind.ABOVE_GROUND, (110, -40), {"1.3": 2000, "1.4": 1000}),
)


@dataclass(frozen=True)
class DemoLot:
    key: str
    nature: str
    calibre: str
    lot: str  # with the State's code
    year: int
    un_number: str
    hd: str
    cg: str
    neq_kg: str
    shelf_life_days: int  # from today; negative: expired
    surplus: str = ""  # the reason it was declared surplus


DEMO_LOTS = (
    DemoLot("556", "Cartridge 5.56x45 ball", "5.56x45 mm", "{cc}-556-20-031", 2020, "UN0012", "1.4", "S",
            "0.0017", 12 * 365),
    DemoLot("9mm", "Small arms cartridge 9x19", "9x19 mm", "{cc}-9MM-22-007", 2022, "UN0012", "1.4", "S",
            "0.00035", 14 * 365),
    DemoLot("9mm-old", "Small arms cartridge 9x19", "9x19 mm", "{cc}-9MM-09-002", 2009, "UN0012", "1.4", "S",
            "0.00035", -400),
    DemoLot("81", "Mortar bomb 81 mm HE", "81 mm", "{cc}-81HE-18-004", 2018, "", "1.1", "D", "0.9", 8 * 365),
    DemoLot("gren", "Grenade, hand, fragmentation", "", "{cc}-GRF-16-011", 2016, "UN0284", "1.1", "D", "0.185",
            6 * 365),
    DemoLot("prop", "Propellant charge 105 mm", "105 mm", "{cc}-PC105-15-003", 2015, "UN0242", "1.3", "C", "1.6",
            5 * 365, surplus="The 105 mm howitzers were withdrawn from service: the charges are surplus to "
                             "requirements (demo)."),
)
# reference, kind, lot, quantity (before the State's scale), from, to, days ago, reason
DEMO_LEDGER = (
    ("RV-01", "receipt", "prop", 600, None, AGM, 1450, ""),
    ("RV-02", "receipt", "9mm-old", 20000, None, AGM, 1400, ""),
    ("RV-03", "receipt", "81", 1200, None, ECM, 700, ""),
    ("RV-04", "receipt", "gren", 1500, None, ECM, 700, ""),
    ("RV-05", "receipt", "556", 240000, None, AGM, 420, ""),
    ("RV-06", "receipt", "9mm", 60000, None, AGM, 300, ""),
    ("IV-01", "issue", "556", 40000, AGM, None, 200, "Annual marksmanship training, 1st Infantry Battalion (demo)."),
    ("IV-02", "issue", "81", 60, ECM, None, 150, "Live-fire exercise of the mortar platoon (demo)."),
    ("TV-01", "move", "9mm", 10000, AGM, ARMOURY, 120, "Stock for the armoury's daily issues (demo)."),
)
# Registry firearms received into the armoury: service rifles and a pistol, a seized rifle kept
# as evidence and a confiscated pistol awaiting destruction (none of them is in a trace).
ARMOURY_FIREARMS = ("C16{cc}1011", "C16{cc}1019", "GLK{cc}1016", "N56{cc}1014", "BT3{cc}1021")
CHECKED_BY, UPCOMING_BY = "Ammunition accounting officer (demo)", "Armoury accounting officer (demo)"
# storehouse, lot, counted minus recorded
DEMO_COUNTS = ((ECM, "81", 0), (ECM, "gren", -12), (AGM, "556", -960), (AGM, "prop", 0))
FOUND = ("Twelve grenades were found in bay 3 of Magazine 1, in a box marked with another lot's number; "
         "the box was relabelled (demo).")

# The physical security assessments: assessor, days ago, summary, and the items not fully met
# (code: score, evidence, recommendation); every other item is met, those in the last element
# do not apply.
Gaps = dict[str, tuple[int, str, str]]
AREA_VISITS: tuple[tuple[str, int, str, Gaps, tuple[str, ...]], ...] = (
    ("Inspectorate of the Armed Forces (demo)", 420,
     "Sound perimeter and magazines; key control, alarm testing and the fire plan need work (demo).", {
         "PER-04": (1, "Vegetation up to the fence on the north side.", "Clear a 10 m zone along the fence."),
         "KEY-02": (0, "No key register: keys are handed over orally at the change of guard.",
                    "Keep a key register signed at each issue and return."),
         "ALM-03": (0, "No record of an alarm test in the last twelve months.",
                    "Test the alarm monthly and log each test."),
         "ALM-04": (1, "Battery backup of four hours; no tamper detection.", "Add tamper and line-fault detection."),
         "LGT-01": (1, "Two of the six floodlights out of order.", "Repair the floodlights; check them weekly."),
         "REC-03": (1, "The last full count was two years ago.", "Count everything once a year, with spot checks."),
         "FIR-04": (0, "No fire plan agreed with the municipal fire service.",
                    "Agree a fire plan with the fire service and hold a drill."),
         "LPS-02": (1, "Earthing last tested three years ago.", "Test the earthing every year and record it."),
     }, ()),
    ("National technical evaluation team (demo)", 60,
     "Most recommendations of the previous visit are in place; the fire drill is still to be held (demo).", {
         "ALM-04": (1, "Battery backup of four hours; tamper detection ordered.", "Install the tamper detection."),
         "FIR-04": (1, "Fire plan agreed in writing; no drill held yet.", "Hold the first drill with the fire "
                                                                          "service."),
     }, ()),
)
ARMOURY_VISIT: tuple[str, int, str, Gaps, tuple[str, ...]] = (
    "Police Inspectorate (demo)", 150, "A well-kept armoury; pistol ammunition is stored in the weapons room (demo).", {
        "SEP-01": (1, "9x19 ammunition kept in a locked cabinet in the weapons room.",
                   "Move the ammunition to a separate room."),
        "TPR-01": (1, "The armourer opens alone on night duty.", "Open only in the presence of two persons."),
    }, ("LGT-03", "LPS-01", "LPS-02", "SEP-04"))


def _offset(origin: tuple[str, str], east_m: float, north_m: float) -> tuple[str, str]:
    """The point ``east_m`` and ``north_m`` metres from ``origin``, in decimal degrees."""
    lat, lon = float(origin[0]), float(origin[1])
    lat2 = lat + math.degrees(north_m / EARTH_RADIUS_M)
    lon2 = lon + math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
    return f"{lat2:.6f}", f"{lon2:.6f}"


def _ensure_stockpiles(report: DemoReport) -> None:
    for arsenal in ARSENALS:
        country = Country.objects.get(code=arsenal.code)
        with country_scope([country.pk]):
            _ensure_arsenal(arsenal, report)


def _ensure_arsenal(a: DemoArsenal, report: DemoReport) -> None:
    today = timezone.localdate()

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    def agency(name: str) -> Agency:
        return Agency.objects.owned().get(name=name)

    # The facilities, with their storehouses, exposed sites and measured distance.
    area = Facility.objects.owned().filter(name=a.area).first()
    if area is None:
        with transaction.atomic():
            area = facility_services.save_facility(
                actor=DEMO_ACTOR, name=a.area, kind=Facility.Kind.AMMUNITION_AREA,
                operator=agency("Armed Forces Arsenal (demo)"), latitude=a.area_at[0], longitude=a.area_at[1],
                address=a.area_address, perimeter_fence=True, intrusion_alarm=True, guarded_24h=True,
                notes="Fictitious storage area of the demo.")
            stores = {}
            for name, store_kind, (east, north), limits in AREA_STORES:
                lat, lon = _offset(a.area_at, east, north)
                stores[name] = facility_services.save_storehouse(
                    actor=DEMO_ACTOR, facility=area, name=name, kind=store_kind, latitude=lat, longitude=lon,
                    licensed_limits_kg=limits)
            lat, lon = _offset(a.area_at, *a.village_m)
            facility_services.save_exposed_site(actor=DEMO_ACTOR, facility=area, name=a.village,
                                                kind="inhabited_building", latitude=lat, longitude=lon)
            lat, lon = _offset(a.area_at, *a.highway_m)
            highway = facility_services.save_exposed_site(actor=DEMO_ACTOR, facility=area, name=a.highway,
                                                          kind="public_traffic_route", traffic="heavy",
                                                          latitude=lat, longitude=lon)
            facility_services.record_distance(actor=DEMO_ACTOR, storehouse=stores[ECM], site=highway,
                                              distance_m=a.highway_measured_m, measured_on=ago(500))
        report.created["facilities"] += 1
    armoury = Facility.objects.owned().filter(name=a.armoury).first()
    if armoury is None:
        with transaction.atomic():
            armoury = facility_services.save_facility(
                actor=DEMO_ACTOR, name=a.armoury, kind=Facility.Kind.ARMOURY, operator=agency("National Police (demo)"),
                latitude=a.armoury_at[0], longitude=a.armoury_at[1], address=a.armoury_address,
                perimeter_fence=True, intrusion_alarm=True, guarded_24h=True)
            lat, lon = _offset(a.armoury_at, 15, 10)
            facility_services.save_storehouse(actor=DEMO_ACTOR, facility=armoury, name=ARMOURY,
                                              kind=Storehouse.Kind.ABOVE_GROUND, latitude=lat, longitude=lon,
                                              licensed_limits_kg={"1.4": 100}, holds_weapons=True)
        report.created["facilities"] += 1
    store = {s.name: s for s in Storehouse.objects.owned().filter(facility__in=[area, armoury])}

    # The lots.
    lots: dict[str, AmmunitionLot] = {}
    for spec in DEMO_LOTS:
        number = spec.lot.format(cc=a.code)
        found = AmmunitionLot.objects.owned().filter(nature=spec.nature, lot_number=number).first()
        if found is None:
            with transaction.atomic():
                found = inventory_services.save_lot(
                    actor=DEMO_ACTOR, nature=spec.nature, lot_number=number, calibre=spec.calibre,
                    manufacturer=a.maker, year=spec.year, un_number=spec.un_number, hazard_division=spec.hd,
                    compatibility_group=spec.cg, neq_per_unit_kg=spec.neq_kg,
                    surveillance_due=today + dt.timedelta(days=150) if spec.shelf_life_days > 0 else None,
                    expiry_date=today + dt.timedelta(days=spec.shelf_life_days))
                if spec.surplus:
                    found = inventory_services.declare_surplus(actor=DEMO_ACTOR, lot=found, reason=spec.surplus)
            report.created["ammunition_lots"] += 1
        lots[spec.key] = found

    # The ledger: receipts, issues and a move, then the firearms received into the armoury. What
    # a movement names is looked up only when it is missing (a demo user may rename things).
    def missing(reference: str) -> bool:
        return not Movement.objects.owned().filter(reference=reference).exists()

    def record(reference: str, **movement: Any) -> None:
        inventory_services.record_movement(actor=DEMO_ACTOR, reference=reference, **movement)
        report.created["movements"] += 1

    for suffix, kind, lot_key, quantity, source, target, days, reason in DEMO_LEDGER:
        reference = f"DEMO-{a.code}-{suffix}"
        if missing(reference):
            record(reference, kind=kind, lot=lots[lot_key], quantity=round(quantity * a.scale),
                   from_storehouse=store[source] if source else None,
                   to_storehouse=store[target] if target else None, occurred_on=ago(days), reason=reason)
    for n, serial in enumerate(ARMOURY_FIREARMS, 1):
        reference = f"DEMO-{a.code}-RV-F{n}"
        if missing(reference):
            record(reference, kind="receipt", firearm=Firearm.objects.owned().get(serial_key=serial.format(cc=a.code)),
                   quantity=1, to_storehouse=store[ARMOURY], occurred_on=ago(250))

    # A closed stock check of the storage area: one discrepancy resolved as found, one open.
    if not StockCheck.objects.owned().filter(facility=area, counted_by=CHECKED_BY).exists():
        with transaction.atomic():
            check = inventory_services.schedule_check(actor=DEMO_ACTOR, facility=area, scheduled_on=ago(30),
                                                      counted_by=CHECKED_BY,
                                                      witness="Office of the Inspector General (demo)")
            for store_name, lot_key, difference in DEMO_COUNTS:
                held = ledger.balance(store[store_name], lots[lot_key].pk)
                inventory_services.enter_count(actor=DEMO_ACTOR, check=check, storehouse=store[store_name],
                                               lot=lots[lot_key], counted=held + difference)
            inventory_services.close_check(actor=DEMO_ACTOR, check=check, closed_on=ago(28))
            found_line = Discrepancy.objects.owned().get(line__check_run=check, line__lot=lots["gren"])
            inventory_services.resolve_discrepancy(actor=DEMO_ACTOR, discrepancy=found_line, status="found",
                                                   resolution=FOUND, occurred_on=ago(25))
        report.created["stock_checks"] += 1
    # The armoury's next count, a month ahead.
    if not StockCheck.objects.owned().filter(facility=armoury, counted_by=UPCOMING_BY).exists():
        inventory_services.schedule_check(actor=DEMO_ACTOR, facility=armoury, counted_by=UPCOMING_BY,
                                          scheduled_on=today + dt.timedelta(days=30),
                                          witness="Police Inspectorate (demo)")
        report.created["stock_checks"] += 1

    # Physical security assessments: the storage area twice (a year apart), the armoury once.
    for facility, (assessor, days, summary, gaps, not_applicable) in (
            (area, AREA_VISITS[0]), (area, AREA_VISITS[1]), (armoury, ARMOURY_VISIT)):
        if SecurityAssessment.objects.owned().filter(facility=facility, assessor=assessor).exists():
            continue
        items = []
        for item in checklist.all_items():
            score, evidence, recommendation = gaps.get(item.code, (2, "", ""))
            items.append({"code": item.code, "score": None if item.code in not_applicable else score,
                          "evidence": evidence, "recommendation": recommendation})
        security_services.record_assessment(actor=DEMO_ACTOR, facility=facility, assessed_on=ago(days),
                                            assessor=assessor, items=items, summary=summary)
        report.created["security_assessments"] += 1

    # The State's own safety rules: every distance multiplied by 1.2.
    if a.rules and not SafetyRules.objects.owned().exists():
        safety_services.save_safety_rules(actor=DEMO_ACTOR, label=a.rules, tightenings={"multiplier": 1.2})


# --- destruction -------------------------------------------------------------------------------
# Colombia smelts two seized rifles at a steel mill, under a court order, before two witnesses of
# two agencies and an observer of an international organisation: the rifles are carried there
# under seal, photographed before and after, checked off as destroyed (the registry records them
# destroyed), and the registry's signing key certifies the event. A second event, still planned,
# lists the armoury's confiscated pistol and the storage area's expired and surplus ammunition;
# it has one witness of the two the rule asks for, so it cannot be approved yet. Each event is
# found again by its title and built in one transaction; dates are counted back from today.
# (Only the certified event is executed: executed ammunition would leave the ledger by a
# ``destruction`` movement, which the stockpile demo does not show.)

CERTIFIED_EVENT = "Smelting of seized rifles, Sogamoso (demo)"
PLANNED_EVENT = "Open burning of expired and surplus ammunition, El Rosal (demo)"
SIGNING_AUTHORITY = "National Firearms Registry (demo)"
# Seized rifles that no trace, case or stockpile movement of the demo names.
DESTROYED_FIREARMS = ("N56{cc}1006", "N56{cc}1022")
SEALS = "{cc}-SEAL-00871, {cc}-SEAL-00872"
# witness or observer, name, position, agency (or organisation), independent of the holder
EVENT_WITNESSES = (
    (Witness.Role.WITNESS, "Carlos Méndez", "Inspector, weapons control (demo)", "National Police (demo)", False),
    (Witness.Role.WITNESS, "Lucía Herrera", "Customs officer (demo)", "Customs Service (demo)", True),
    (Witness.Role.OBSERVER, "Ana Beltrán", "Observer, arms destruction programme (demo)",
     "UNLIREC, United Nations (demo observer)", True),
)


def _png(rgb: tuple[int, int, int]) -> bytes:
    """A valid 1x1 PNG of one colour: the demo's stand-in for a photo."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8 bits, truecolour
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes((0, *rgb))))
            + chunk(b"IEND", b""))


def _ensure_destruction(report: DemoReport) -> None:
    country = Country.objects.get(code="CO")
    with country_scope([country.pk]):
        admin = User.objects.get(username="demo-co-admin")  # a national administrator: may approve
        if not DestructionEvent.objects.owned().filter(title=CERTIFIED_EVENT).exists():
            with transaction.atomic():
                _certified_event(country.code, admin, report)
            report.created["destruction_events"] += 1
        if not DestructionEvent.objects.owned().filter(title=PLANNED_EVENT).exists():
            with transaction.atomic():
                _planned_event(country.code)
            report.created["destruction_events"] += 1


def _certified_event(code: str, admin: User, report: DemoReport) -> None:
    day = timezone.localdate() - dt.timedelta(days=14)

    def at(hour: int, minute: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    def agency(name: str) -> Agency:
        return Agency.objects.owned().get(name=name)

    event = destruction_services.plan_event(
        actor=DEMO_ACTOR, title=CERTIFIED_EVENT, planned_on=day,
        legal_order="Order of the 3rd Criminal Circuit Court of Bogotá, case 2024-00117 (demo)",
        site_name="Steel mill smelting plant, Sogamoso (demo)", site_address="Sogamoso–Nobsa road km 3, Boyacá (demo)",
        latitude="5.770000", longitude="-72.940000", responsible_officer="Major Andrea Rojas, Armed Forces Arsenal "
                                                                        "(demo)",
        weapon_method=Method.SMELTING)
    destruction_services.add_firearms(actor=DEMO_ACTOR, event=event,
                                      serials=[s.format(cc=code) for s in DESTROYED_FIREARMS])
    for role, name, position, body, independent in EVENT_WITNESSES:
        own = Agency.objects.owned().filter(name=body).first()
        destruction_services.add_witness(actor=DEMO_ACTOR, event=event, role=role, full_name=name, position=position,
                                         agency=own, organisation="" if own else body, independent=independent)
    seals = SEALS.format(cc=code)
    destruction_services.record_custody(
        actor=DEMO_ACTOR, event=event, at=at(6, 30), from_place="Evidence store of the National Police, Bogotá (demo)",
        to_place="Escort vehicle of the Armed Forces Arsenal (demo)", handed_by="Sergeant Pedro Gómez, evidence "
        "custodian (demo)", received_by="Lieutenant Jorge Ruiz, escort commander (demo)", seal_numbers=seals)
    destruction_services.record_custody(
        actor=DEMO_ACTOR, event=event, at=at(9, 40), from_place="Escort vehicle of the Armed Forces Arsenal (demo)",
        to_place="Steel mill smelting plant, Sogamoso (demo)", handed_by="Lieutenant Jorge Ruiz, escort commander "
        "(demo)", received_by="Major Andrea Rojas, Armed Forces Arsenal (demo)", seal_numbers=seals)
    destruction_services.add_photo(actor=DEMO_ACTOR, event=event, stage=DestructionPhoto.Stage.BEFORE,
                                   content=_png((96, 96, 88)), filename="before.png",
                                   caption="The two rifles tagged and sealed, before smelting (demo).")
    event = destruction_services.approve_event(actor=admin, event=event)
    event = destruction_services.execute_event(
        actor=DEMO_ACTOR, event=event, default=destruction_services.DESTROYED, started_at=at(10, 0),
        ended_at=at(12, 30), scrap_disposition="The melt was cast into steel bars for construction; no part of a "
                                               "weapon was recoverable (demo).")
    destruction_services.add_photo(actor=DEMO_ACTOR, event=event, stage=DestructionPhoto.Stage.AFTER,
                                   content=_png((200, 80, 20)), filename="after.png",
                                   caption="The ladle after the rifles were melted (demo).")
    authority = agency(SIGNING_AUTHORITY)
    if not SigningKey.objects.owned().filter(authority=authority, valid_until__isnull=True,
                                             revoked_at__isnull=True).exists():
        certificate_services.create_key(actor=admin, authority=authority)
    certificate_services.issue_certificate(actor=admin, event=event, authority=authority)
    report.created["certificates"] += 1


def _planned_event(code: str) -> None:
    arsenal = next(a for a in ARSENALS if a.code == code)
    area = Facility.objects.owned().get(name=arsenal.area)
    store = Storehouse.objects.owned().get(facility=area, name=AGM)
    event = destruction_services.plan_event(
        actor=DEMO_ACTOR, title=PLANNED_EVENT, planned_on=timezone.localdate() + dt.timedelta(days=21),
        legal_order="Resolution of the Ministry of Defence on unserviceable stock, MDN-031 (demo)",
        site_name="Demolition range of the storage area El Rosal (demo)", site_address=arsenal.area_address,
        latitude=arsenal.area_at[0], longitude=arsenal.area_at[1],
        responsible_officer="Captain Luis Torres, ammunition technical officer (demo)",
        weapon_method=Method.CUTTING, ammunition_method=Method.OPEN_BURNING)
    pistol = Firearm.objects.owned().get(serial_key=ARMOURY_FIREARMS[-1].format(cc=code))  # confiscated, in store
    destruction_services.add_firearms(actor=DEMO_ACTOR, event=event, firearms=[pistol])
    for spec in DEMO_LOTS:
        if spec.shelf_life_days > 0 and not spec.surplus:
            continue
        lot = AmmunitionLot.objects.owned().get(nature=spec.nature, lot_number=spec.lot.format(cc=code))
        held = ledger.balance(store, lot.pk)
        if held > 0:
            destruction_services.add_lot(actor=DEMO_ACTOR, event=event, lot=lot, storehouse=store, quantity=held)
    destruction_services.add_witness(actor=DEMO_ACTOR, event=event, full_name="Diana Castro",
                                     position="Ammunition inspector (demo)",
                                     agency=Agency.objects.owned().get(name="Armed Forces Arsenal (demo)"))
