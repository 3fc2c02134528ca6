"""``cifta demo``: migrate the embedded database, load the demo world, print the logins and
serve the web app on http://127.0.0.1:8000 (``--no-serve`` only prepares the data)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cifta.demo.world import DEMO_PASSWORD, build_demo_world, current_totp_code


class Command(BaseCommand):
    help = "Prepare the demo world and serve the web app."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="prepare the data and stop")
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--totp", metavar="USERNAME", help="print the current second-factor code of a demo user")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["totp"]:
            try:
                self.stdout.write(current_totp_code(options["totp"]))
            except LookupError as exc:
                raise CommandError(str(exc)) from exc
            return
        call_command("migrate", interactive=False, verbosity=0)
        report = build_demo_world()
        created = report.created
        self.stdout.write(
            f"Demo world ready in {settings.DATABASES['default']['NAME']}: "
            f"{created['agencies']} agencies, {created['contacts']} points of contact, {created['firearms']} firearms, "
            f"{created['users']} users created (existing ones kept)."
        )
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        self.stdout.write(f"  {'username':<20} {'country':<8} role")
        for login in report.logins:
            self.stdout.write(f"  {login.username:<20} {login.country:<8} {login.role}")
        admins = [login for login in report.logins if login.totp_secret]
        if admins:
            self.stdout.write("")
            self.stdout.write("Administrators need a second factor. Add the secret to an authenticator app,")
            self.stdout.write("or print the current code with:  cifta demo --totp USERNAME")
            for login in admins:
                self.stdout.write(f"  {login.username:<20} {login.totp_secret}")
        if options["no_serve"]:
            return
        self.stdout.write("")
        self.stdout.write(f"Serving http://{options['addrport']}/  (Ctrl+C to stop)")
        call_command("runserver", options["addrport"], insecure=True, use_reloader=False)
