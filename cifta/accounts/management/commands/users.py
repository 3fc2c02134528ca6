"""``cifta users add``: create a user with a membership from the command line (how the first
national administrator of a State is set up); ``cifta users list --country CC``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cifta.accounts import services
from cifta.accounts.models import Membership
from cifta.core.context import Source, change_context
from cifta.core.errors import ServiceError
from cifta.core.permissions import Role
from cifta.core.scoping import country_scope
from cifta.directory.models import Agency, Country

ACTOR = "system:cli"


class Command(BaseCommand):
    help = "Add or list users."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="create a user and its membership")
        add.add_argument("username")
        add.add_argument("--country", required=True, help="ISO code of the State, or OAS for the Secretariat")
        add.add_argument("--agency", required=True, help="agency name (as in the directory)")
        add.add_argument("--role", required=True, choices=Role.values)
        add.add_argument("--email", required=True)
        add.add_argument("--first-name", default="")
        add.add_argument("--last-name", default="")
        listing = sub.add_parser("list", help="list the users of a State")
        listing.add_argument("--country", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        country = Country.objects.filter(code=options["country"].upper()).first()
        if country is None:
            raise CommandError(f"--country: no country with code {options['country']}")
        with country_scope([country.pk]), change_context(ACTOR, Source.COMMAND):
            if options["action"] == "list":
                for m in Membership.objects.select_related("user", "agency").order_by("user__username"):
                    self.stdout.write(f"{m.user.username:<24} {m.role:<20} {m.agency.name} "
                                      f"{'' if m.is_active else '(inactive)'}")
                return
            agency = Agency.objects.filter(name=options["agency"]).first()
            if agency is None:
                raise CommandError(f"--agency: {country.code} has no agency named {options['agency']!r}")
            try:
                user = services.create_user(
                    actor=ACTOR, username=options["username"], email=options["email"], agency=agency,
                    role=options["role"], first_name=options["first_name"], last_name=options["last_name"],
                )
            except ServiceError as exc:
                raise CommandError(f"--{exc.field or 'input'}: {exc}") from exc
        self.stdout.write(
            f"Created {user.username}. They set their password with the link from "
            f"'Forgotten your password?' on the login page (sent to {user.email})."
        )
