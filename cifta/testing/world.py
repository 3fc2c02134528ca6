"""The shared test world (DESIGN.md §7): countries A and B, the Secretariat, and named users,
built through the same services the application uses.

    alice  officer, A          bob    viewer, A          nadia  national admin, A
    aude   auditor, A          carlos officer, B         nico   national admin, B
    sam    Secretariat analyst sara   Secretariat admin  root   hub superuser
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from cifta.accounts import services as account_services
from cifta.accounts.models import User
from cifta.core.context import Source, change_context
from cifta.core.permissions import Role
from cifta.core.scoping import country_scope
from cifta.directory import services as directory_services
from cifta.directory.models import Agency, Country, PointOfContact

PASSWORD = "world-password-2026"
CODE_A, CODE_B = "CO", "MX"
ACTOR = "system:test-world"
# Strings carried only by records private to A or to B. The isolation tests assert that no page
# or API answer seen by the other country contains them.
MARKER_A, MARKER_B = "PRIVATEALPHA", "PRIVATEBRAVO"


@dataclass
class World:
    country_a: Country
    country_b: Country
    secretariat: Country
    agency_a: Agency
    agency_b: Agency
    agency_s: Agency
    contact_a: PointOfContact
    contact_b: PointOfContact
    hidden_contact_a: PointOfContact
    hidden_contact_b: PointOfContact
    alice: User
    bob: User
    nadia: User
    aude: User
    carlos: User
    nico: User
    sam: User
    sara: User
    root: User

    def user(self, name: str) -> User:
        return getattr(self, name)  # type: ignore[no-any-return]


def build_world() -> World:
    with change_context(ACTOR, Source.COMMAND), transaction.atomic():
        directory_services.sync_countries(actor=ACTOR)
        a = Country.objects.get(code=CODE_A)
        b = Country.objects.get(code=CODE_B)
        s = Country.objects.get(code="OAS")
        people: dict[str, Any] = {}
        with country_scope([a.pk]):
            agency_a = directory_services.create_agency(actor=ACTOR, name="Registry A", kind=Agency.Kind.REGISTRY)
            private_a = directory_services.create_agency(
                actor=ACTOR, name=f"Arsenal A {MARKER_A}", kind=Agency.Kind.ARMED_FORCES)
            hidden_a = directory_services.create_point_of_contact(
                actor=ACTOR, agency=private_a, full_name=f"Internal A {MARKER_A}",
                email=f"internal@{MARKER_A.lower()}.test", published=False)
            contact_a = directory_services.create_point_of_contact(
                actor=ACTOR, agency=agency_a, full_name="Contact A", email="contact@a.test", is_primary=True)
            for name, role in (("alice", Role.OFFICER), ("bob", Role.VIEWER), ("nadia", Role.NATIONAL_ADMIN),
                               ("aude", Role.AUDITOR)):
                people[name] = _user(name, agency_a, role, MARKER_A)
        with country_scope([b.pk]):
            agency_b = directory_services.create_agency(actor=ACTOR, name="Registry B", kind=Agency.Kind.REGISTRY)
            contact_b = directory_services.create_point_of_contact(
                actor=ACTOR, agency=agency_b, full_name="Contact B", email="contact@b.test", is_primary=True)
            private_b = directory_services.create_agency(
                actor=ACTOR, name=f"Arsenal B {MARKER_B}", kind=Agency.Kind.ARMED_FORCES)
            hidden_b = directory_services.create_point_of_contact(
                actor=ACTOR, agency=private_b, full_name=f"Internal B {MARKER_B}",
                email=f"internal@{MARKER_B.lower()}.test", published=False)
            for name, role in (("carlos", Role.OFFICER), ("nico", Role.NATIONAL_ADMIN)):
                people[name] = _user(name, agency_b, role, MARKER_B)
        with country_scope([s.pk]):
            agency_s = directory_services.create_agency(
                actor=ACTOR, name="Secretariat unit", kind=Agency.Kind.SECRETARIAT)
            people["sam"] = _user("sam", agency_s, Role.SECRETARIAT_ANALYST)
            people["sara"] = _user("sara", agency_s, Role.SECRETARIAT_ADMIN)
        root = User.objects.create_superuser("root", "root@hub.test", PASSWORD)
    return World(a, b, s, agency_a, agency_b, agency_s, contact_a, contact_b, hidden_a, hidden_b, root=root, **people)


def _user(name: str, agency: Agency, role: str, marker: str = "") -> User:
    return account_services.create_user(
        actor=ACTOR, username=name, email=f"{name}@world.test", agency=agency, role=role,
        first_name=name.capitalize(), last_name=marker, password=PASSWORD,
    )
