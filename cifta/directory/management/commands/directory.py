"""``cifta directory sync``: load or refresh the member states (ISO names in four languages,
CIFTA status) and the Secretariat. ``cifta directory list`` prints them."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cifta.core.context import Source, change_context
from cifta.directory.models import Country
from cifta.directory.services import sync_countries


class Command(BaseCommand):
    help = "Load or list the directory of member states."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["sync", "list"])
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sync":
            with change_context("system:directory-sync", Source.COMMAND):
                result = sync_countries(actor="system:directory-sync")
            self.stdout.write(f"{result['created']} created, {result['updated']} updated")
            return
        rows = [
            {"code": c.code, "name": c.name_en, "kind": c.kind, "cifta_status": c.cifta_status,
             "signed_on": c.cifta_signed_on.isoformat() if c.cifta_signed_on else None,
             "ratified_on": c.cifta_ratified_on.isoformat() if c.cifta_ratified_on else None}
            for c in Country.objects.order_by("code")
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write(f"{row['code']:<4} {row['cifta_status']:<11} {row['name']}")
