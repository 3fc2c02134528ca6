"""The demo world: every member state with a few fictitious agencies and a point of contact,
and demo users for every role in three States and the Secretariat. Built through the same
services users go through, and idempotent: running it again adds only what is missing."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from cifta.accounts import services as account_services
from cifta.accounts.models import User
from cifta.core.context import Source, change_context
from cifta.core.permissions import Role
from cifta.core.scoping import country_scope
from cifta.directory import services as directory_services
from cifta.directory.models import Agency, Country, PointOfContact
from cifta.directory.reference_data import SECRETARIAT_CODE
from cifta.reference.csvio import load_seed
from cifta.registry import services as registry_services
from cifta.registry.drafts import ReferenceIndex, draft_from_row
from cifta.registry.models import Firearm, SerialRange
from cifta.registry.serial_ranges import register_range

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
                                                             "firearms": 0})
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
