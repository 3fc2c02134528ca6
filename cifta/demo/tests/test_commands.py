"""The commands a newcomer and an operator run: demo (twice), directory, users, audit."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from cifta.accounts.models import Membership, User
from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.scoping import ALL_COUNTRIES, country_scope
from cifta.demo.world import DEMO_PASSWORD, current_totp_code
from cifta.directory.models import Agency, Country, PointOfContact


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


class DemoCommandTest(TestCase):
    def counts(self) -> dict[str, int]:
        with country_scope(ALL_COUNTRIES):
            return {
                "countries": Country.objects.count(), "agencies": Agency.objects.count(),
                "contacts": PointOfContact.objects.count(), "users": User.objects.count(),
                "memberships": Membership.objects.count(), "changes": ObjectChange.unscoped.count(),
            }

    def test_the_demo_is_complete_prints_logins_and_is_safe_to_run_twice(self):
        first = run("demo", "--no-serve")
        after_first = self.counts()
        assert after_first["countries"] == 36
        assert after_first["agencies"] == 35 * 4 + 1
        assert after_first["contacts"] == 36
        from cifta.registry.models import Firearm

        statuses = set(Firearm.unscoped.values_list("country__code", "status"))
        assert Firearm.unscoped.count() == 3 * 24
        assert {("CO", "lost"), ("MX", "stolen"), ("JM", "confiscated"), ("CO", "seized")} <= statuses
        # every role in three States and the Secretariat
        roles = set(Membership.unscoped.values_list("country__code", "role"))
        for code in ("CO", "MX", "JM"):
            for role in ("national_admin", "officer", "viewer", "auditor"):
                assert (code, role) in roles
        assert ("OAS", "secretariat_admin") in roles and ("OAS", "secretariat_analyst") in roles
        assert DEMO_PASSWORD in first and "demo-co-officer" in first and "demo-sec-analyst" in first
        assert all(u.check_password(DEMO_PASSWORD) for u in User.objects.filter(is_demo=True)[:2])

        second = run("demo", "--no-serve")
        assert self.counts() == after_first, "a second run must add nothing"
        assert "0 agencies, 0 points of contact, 0 firearms, 0 users created" in second
        assert "objectchange" in run("audit", "verify")

    def test_the_totp_helper_answers_for_demo_admins_only(self):
        run("demo", "--no-serve")
        code = current_totp_code("demo-co-admin")
        assert len(code) == 6 and code.isdigit()
        with pytest.raises(LookupError):
            current_totp_code("demo-co-officer")  # no second factor
        User.objects.create_user("real-admin", password="x")
        with pytest.raises(CommandError):
            call_command("demo", totp="real-admin", stdout=StringIO())


class OperatorCommandsTest(TestCase):
    def test_directory_sync_and_list(self):
        assert run("directory", "sync") == "36 created, 0 updated\n"
        assert run("directory", "sync") == "0 created, 0 updated\n"
        listing = run("directory", "list")
        assert "AR   ratified" in listing and "Saint Kitts and Nevis" in listing

    def test_users_add_creates_a_membership_and_refuses_bad_input_by_field(self):
        run("directory", "sync")
        from cifta.core.context import Source, change_context
        from cifta.directory import services

        co = Country.objects.get(code="CO")
        with country_scope([co.pk]), change_context("system:test", Source.COMMAND):
            services.create_agency(actor="system:test", name="Registry", kind="registry")
        out = run("users", "add", "ana", "--country", "co", "--agency", "Registry", "--role", "national_admin",
                  "--email", "ana@example.org")
        assert "Created ana" in out
        assert Membership.unscoped.get(user__username="ana").role == "national_admin"
        assert not User.objects.get(username="ana").has_usable_password()
        with pytest.raises(CommandError, match="--agency"):
            run("users", "add", "bea", "--country", "CO", "--agency", "Nope", "--role", "officer",
                "--email", "b@example.org")
        with pytest.raises(CommandError, match="--role"):
            run("users", "add", "bea", "--country", "CO", "--agency", "Registry", "--role", "secretariat_admin",
                "--email", "b@example.org")
        assert not User.objects.filter(username="bea").exists()
        assert "ana" in run("users", "list", "--country", "CO")
        assert AuditEvent.unscoped.filter(verb="accounts.user.created").count() == 1
