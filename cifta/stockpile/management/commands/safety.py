"""``cifta safety``: explosive safety from the command line.

    cifta safety qd --hd 1.1 --neq 1000 [--json]
    cifta safety check --facility ID --country CC [--json]
    cifta safety licence --facility ID --country CC [--json]

``qd`` prints the engine's quantity-distance report (``--json``: exactly the dict of
``safety.report.qd_report``: ``{"hd", "neq_kg", "functions": {"D1": {"raw", "table"}, ...},
"ibd_m", "ptrd_m"}``). ``check`` checks every storehouse in use of a facility of the State
``--country`` (ID: its public id or its name) and records the check in the audit log;
``licence`` prints each storehouse's explosives limit licence. A refusal exits with an error
naming the option.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone

from cifta.core.context import Source, change_context
from cifta.core.errors import ServiceError
from cifta.core.scoping import country_scope
from cifta.directory.models import Country
from cifta.stockpile import safety_bridge, services_safety
from cifta.stockpile.models import Facility
from cifta.stockpile.safety import SafetyError, qd_report

ACTOR = "system:cli"


class Command(BaseCommand):
    help = "Quantity-distances, the safety check of a facility and its storehouses' explosives limit licences."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        qd = sub.add_parser("qd", help="the distances of one hazard division and net explosive quantity")
        qd.add_argument("--hd", required=True, help="hazard division: 1.1, 1.2, 1.2.1, 1.2.2, 1.3, 1.4, 1.5, 1.6")
        qd.add_argument("--neq", required=True, help="net explosive quantity, kg")
        qd.add_argument("--json", action="store_true")
        for name, helptext in (("check", "check every storehouse in use of a facility (audited)"),
                               ("licence", "the explosives limit licence of each storehouse of a facility")):
            p = sub.add_parser(name, help=helptext)
            p.add_argument("--facility", required=True, help="public id or name of the facility")
            p.add_argument("--country", required=True, help="ISO code of the State that keeps it")
            p.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        what = options["what"]
        if what == "qd":
            self._qd(options)
            return
        code = (options["country"] or "").strip().upper()
        country = Country.objects.filter(code=code).first()
        if country is None:
            raise CommandError(f"--country: no country with code {options['country']}")
        try:
            with country_scope([country.pk]), change_context(ACTOR, Source.COMMAND):
                facility = self._facility(options["facility"], country)
                if what == "check":
                    self._check(facility, options["json"])
                else:
                    self._licence(facility, options["json"])
        except ServiceError as exc:
            raise CommandError(f"{exc.field or what}: {exc}") from exc

    def _json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, default=str))

    # --- qd -------------------------------------------------------------------------------------
    def _qd(self, options: dict[str, Any]) -> None:
        hd = str(options["hd"]).strip()
        try:
            neq = float(str(options["neq"]).strip().replace(",", "."))
        except ValueError as exc:
            raise CommandError(f"--neq: give the net explosive quantity in kg, not {options['neq']!r}") from exc
        try:
            report = qd_report(hd, neq)
        except SafetyError as exc:
            option = "--neq" if exc.field == "neq_kg" else "--hd"
            raise CommandError(f"{option}: {safety_bridge.error_text(exc)}") from exc
        if options["json"]:
            self._json(report)
            return
        self.stdout.write(f"HD {report['hd']}, {report['neq_kg']:g} kg NEQ")
        self.stdout.write(f"{'function':<9} {'raw (m)':>10} {'table (m)':>10}")
        for name, values in report["functions"].items():
            table = "-" if values["table"] is None else str(values["table"])
            self.stdout.write(f"{name:<9} {values['raw']:>10.2f} {table:>10}")
        for label, key in (("inhabited-building distance", "ibd_m"), ("public-traffic-route distance", "ptrd_m")):
            value = report[key]
            self.stdout.write(f"{label}: {'-' if value is None else f'{value} m'}")

    # --- check and licence ------------------------------------------------------------------------
    @staticmethod
    def _facility(given: str, country: Country) -> Facility:
        text = (given or "").strip()
        try:
            match = Q(public_id=uuid.UUID(text))
        except ValueError:
            match = Q(name__iexact=text)
        found = list(Facility.objects.filter(match)[:2])
        if len(found) != 1:
            raise CommandError(f"--facility: no facility of {country.code} has the id or name {given!r}")
        return found[0]

    def _check(self, facility: Facility, as_json: bool) -> None:
        today = timezone.localdate()
        checks = services_safety.run_safety_check(facility, actor=ACTOR, today=today)
        total = safety_bridge.counts(checks)
        if as_json:
            self._json({"facility": str(facility.public_id), "name": facility.name, "checked_on": today.isoformat(),
                        "counts": total, "storehouses": [safety_bridge.check_as_dict(c) for c in checks]})
            return
        self.stdout.write(f"{facility.name}: {len(checks)} storehouse(s), {total['violation']} violation(s), "
                          f"{total['condition']} condition(s) not met, {total['notice']} notice(s)")
        for c in checks:
            self.stdout.write(f"\n{c.storehouse.name} ({c.storehouse.kind}): {c.neq_kg:g} kg NEQ, "
                              f"{safety_bridge.treatment_label(c.treatment)}")
            if c.error:
                self.stdout.write(f"  not checked: {c.error}")
            for f in c.findings:
                self.stdout.write(f"  [{f.severity}] {safety_bridge.finding_text(f)}")
                self.stdout.write(f"      rule {f.rule_id} · {f.source}")
            if not c.findings and not c.error:
                self.stdout.write("  no finding")

    def _licence(self, facility: Facility, as_json: bool) -> None:
        checks = safety_bridge.check_facility(facility, timezone.localdate())
        if as_json:
            self._json({"facility": str(facility.public_id), "name": facility.name,
                        "storehouses": [{"storehouse": str(c.storehouse.public_id), "name": c.storehouse.name,
                                         "error": c.error, "licence": safety_bridge.licence_as_dict(c.licence)}
                                        for c in checks]})
            return
        for c in checks:
            self.stdout.write(f"{c.storehouse.name} ({c.storehouse.kind})")
            if c.licence is None:
                self.stdout.write(f"  not checked: {c.error}")
                continue
            licensed = c.storehouse.licensed_limits_kg or {}
            self.stdout.write(f"  {'HD':<6} {'max NEQ (kg)':>14} {'licensed (kg)':>14}  binding site")
            for hd, limit in c.licence.limits.items():
                held = licensed.get(hd)
                where = (f"{limit.binding_site} at {limit.distance_m:g} m ({limit.rule_id})"
                         if limit.binding_site else "none (table's top)")
                self.stdout.write(f"  {hd:<6} {limit.limit_kg:>14,.3f} {'-' if held is None else f'{held:,.3f}':>14}  "
                                  f"{where}")
