"""``cifta stock``: ammunition lots, the movement ledger, stock checks and discrepancies, and
the stock that is a candidate for destruction, from the command line.

    cifta stock lot-add --country CC --actor USER --nature TEXT --lot-number TEXT
                        --hazard-division HD --compatibility-group CG --neq KG
                        [--calibre --manufacturer --year --un-number --condition
                         --surveillance-due DATE --expiry DATE]
    cifta stock lots --country CC [--json]
    cifta stock move --country CC --actor USER --kind KIND --date YYYY-MM-DD [--quantity N]
                     (--lot LOT | --firearm FIREARM) [--from STORE] [--to STORE]
                     [--reference TEXT] [--reason TEXT] [--corrects MOVEMENT_ID]
    cifta stock ledger --country CC [--facility F] [--storehouse STORE] [--lot LOT] [--kind K]
                       [--since DATE] [--until DATE] [--json]
    cifta stock check-schedule --country CC --actor USER --facility F --on DATE
                               [--counted-by TEXT] [--witness TEXT]
    cifta stock checks --country CC [--json]
    cifta stock count CHECK_ID --country CC --actor USER --storehouse STORE
                      (--lot LOT | --firearm FIREARM) --counted N
    cifta stock check-close CHECK_ID --country CC --actor USER [--on DATE] [--counted-by] [--witness]
    cifta stock discrepancies --country CC [--open] [--json]
    cifta stock resolve DISCREPANCY_ID --country CC --actor USER --status STATUS --resolution TEXT [--on DATE]
    cifta stock candidates --country CC [--today DATE] [--json]
    cifta stock rates --year Y (--country CC | --all) [--json]

Every subcommand works in the name of one State (``--country``), as the scope of a membership
of it would. Writes need ``--actor``, a user whose membership of that State allows the action.
A lot is named by its public id or its lot number; a storehouse by its public id or as
"FACILITY/STOREHOUSE" (or its name alone when no other storehouse bears it); a facility by its
public id or name; a firearm by its public id or its serial. A refusal exits with an error
naming the field and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone

from cifta.accounts.commands import accountable
from cifta.core.context import Source, change_context
from cifta.core.errors import ServiceError
from cifta.core.permissions import Action
from cifta.core.scoping import country_scope
from cifta.directory.models import Country
from cifta.registry.models import Firearm
from cifta.stockpile import selectors_inventory as selectors
from cifta.stockpile import services_inventory as services
from cifta.stockpile.models import AmmunitionLot, Discrepancy, Facility, Movement, StockCheck, Storehouse

ACTOR = "system:cli"


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


class Command(BaseCommand):
    help = "Ammunition lots, the movement ledger, stock checks, discrepancies and destruction candidates."

    # --- arguments -------------------------------------------------------------------------------
    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)

        def command(name: str, helptext: str, *, actor: bool = True, as_json: bool = False) -> CommandParser:
            p = sub.add_parser(name, help=helptext)
            p.add_argument("--country", required=True, help="ISO code of the State acted for")
            if actor:
                p.add_argument("--actor", help="username of the officer accountable")
            if as_json:
                p.add_argument("--json", action="store_true", help="one JSON object a line")
            return p

        lot = command("lot-add", "record an ammunition lot")
        lot.add_argument("--nature", required=True)
        lot.add_argument("--lot-number", required=True)
        lot.add_argument("--hazard-division", required=True, help="1.1, 1.2, 1.2.1, 1.2.2, 1.3, 1.4, 1.5, 1.6")
        lot.add_argument("--compatibility-group", required=True, help="A-H, J, K, L, N or S")
        lot.add_argument("--neq", required=True, help="net explosive quantity per unit, kg")
        for option in ("calibre", "manufacturer", "un-number"):
            lot.add_argument(f"--{option}", default="")
        lot.add_argument("--year")
        lot.add_argument("--condition", choices=AmmunitionLot.Condition.values,
                         default=AmmunitionLot.Condition.SERVICEABLE)
        lot.add_argument("--surveillance-due", help="YYYY-MM-DD")
        lot.add_argument("--expiry", help="YYYY-MM-DD")

        command("lots", "list the State's lots with what each storehouse holds", actor=False, as_json=True)

        move = command("move", "record a movement in the ledger")
        move.add_argument("--kind", required=True, choices=Movement.Kind.values)
        move.add_argument("--date", required=True, help="YYYY-MM-DD")
        move.add_argument("--quantity", default="1")
        move.add_argument("--lot")
        move.add_argument("--firearm")
        move.add_argument("--from", dest="source", metavar="STORE")
        move.add_argument("--to", dest="target", metavar="STORE")
        move.add_argument("--reference", default="")
        move.add_argument("--reason", default="")
        move.add_argument("--corrects", help="public id of the movement a correction puts right")

        led = command("ledger", "the ledger, newest first, and what each storehouse holds", actor=False, as_json=True)
        led.add_argument("--facility")
        led.add_argument("--storehouse")
        led.add_argument("--lot")
        led.add_argument("--kind", choices=Movement.Kind.values)
        led.add_argument("--since", help="YYYY-MM-DD")
        led.add_argument("--until", help="YYYY-MM-DD")

        sched = command("check-schedule", "schedule a stock check of a facility")
        sched.add_argument("--facility", required=True)
        sched.add_argument("--on", required=True, help="YYYY-MM-DD")
        sched.add_argument("--counted-by", default="")
        sched.add_argument("--witness", default="")

        command("checks", "list the State's stock checks", actor=False, as_json=True)

        count = command("count", "enter a count in a stock check")
        count.add_argument("check", metavar="CHECK_ID")
        count.add_argument("--storehouse", required=True)
        count.add_argument("--lot")
        count.add_argument("--firearm")
        count.add_argument("--counted", required=True, help="units found; for a firearm 1 (there) or 0 (not)")

        close = command("check-close", "close a stock check (each differing count opens a discrepancy)")
        close.add_argument("check", metavar="CHECK_ID")
        close.add_argument("--on", help="YYYY-MM-DD (today by default)")
        close.add_argument("--counted-by")
        close.add_argument("--witness")

        found = command("discrepancies", "list the State's discrepancies", actor=False, as_json=True)
        found.add_argument("--open", action="store_true", help="only those not resolved yet")

        resolve = command("resolve", "record what a discrepancy turned out to be")
        resolve.add_argument("discrepancy", metavar="DISCREPANCY_ID")
        resolve.add_argument("--status", required=True,
                             choices=["investigating", "found", "lost", "stolen", "written_off"])
        resolve.add_argument("--resolution", required=True)
        resolve.add_argument("--on", help="YYYY-MM-DD (today by default)")

        candidates = command("candidates", "surplus and obsolete stock still held", actor=False, as_json=True)
        candidates.add_argument("--today", help="YYYY-MM-DD: as of this date (shelf lives)")

        rates = sub.add_parser("rates", help="discrepancy rates: a State's, or every State's numbers (--all)")
        rates.add_argument("--year", type=int, required=True)
        which = rates.add_mutually_exclusive_group(required=True)
        which.add_argument("--country")
        which.add_argument("--all", action="store_true")
        rates.add_argument("--json", action="store_true")

    # --- dispatch --------------------------------------------------------------------------------
    def handle(self, *args: Any, **options: Any) -> None:
        what = options["what"]
        if what == "rates" and options["all"]:
            self._regional(options["year"], options["json"])
            return
        country = Country.objects.filter(code=(options["country"] or "").strip().upper()).first()
        if country is None:
            raise CommandError(f"--country: no country with code {options['country']}")
        if country.kind != Country.Kind.MEMBER_STATE:
            raise CommandError("--country: the Secretariat keeps no arsenal records; use rates --all")
        handler = getattr(self, "_" + what.replace("-", "_"))
        try:
            handler(country, options)
        except ServiceError as exc:
            raise CommandError(f"{exc.field or what}: {exc}") from exc

    @contextmanager
    def _acting(self, country: Country, actor: Any) -> Iterator[None]:
        with country_scope([country.pk]), change_context(actor, Source.COMMAND):
            yield

    def _actor(self, options: dict[str, Any], country: Country, action: str) -> Any:
        """The accountable user, whose membership of ``country`` allows ``action``."""
        return accountable(options.get("actor"), country, action)[0]

    def _json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, default=str))

    # --- lookups (inside the scope, the caller's own records) --------------------------------
    @staticmethod
    def _date(value: str | None, option: str) -> dt.date | None:
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise CommandError(f"--{option}: give a date as YYYY-MM-DD, not {value!r}") from exc

    @staticmethod
    def _one(found: list[Any], option: str, value: str, what: str) -> Any:
        if not found:
            raise CommandError(f"--{option}: no {what} of yours is {value!r}")
        if len(found) > 1:
            raise CommandError(f"--{option}: several {what}s answer to {value!r}; give the public id")
        return found[0]

    def _lot(self, value: str | None, option: str = "lot") -> AmmunitionLot | None:
        if not value:
            return None
        text = value.strip()
        lots = AmmunitionLot.objects.owned()
        match = Q(public_id=text) if _is_uuid(text) else Q(lot_number=text)
        return self._one(list(lots.filter(match)[:2]), option, value, "ammunition lot")  # type: ignore[no-any-return]

    def _facility(self, value: str | None, option: str = "facility") -> Facility | None:
        if not value:
            return None
        text = value.strip()
        match = Q(public_id=text) if _is_uuid(text) else Q(name=text)
        return self._one(list(Facility.objects.owned().filter(match)[:2]), option, value,  # type: ignore[no-any-return]
                         "facility")

    def _store(self, value: str | None, option: str) -> Storehouse | None:
        if not value:
            return None
        text = value.strip()
        stores = Storehouse.objects.owned().select_related("facility")
        if _is_uuid(text):
            match = Q(public_id=text)
        elif "/" in text:
            facility, _sep, name = text.rpartition("/")
            match = Q(facility__name=facility.strip(), name=name.strip())
        else:
            match = Q(name=text)
        return self._one(list(stores.filter(match)[:2]), option, value, "storehouse")  # type: ignore[no-any-return]

    def _firearm(self, value: str | None) -> Firearm | None:
        if not value:
            return None
        firearm = selectors.find_firearm(value)
        if firearm is None:
            raise CommandError(f"--firearm: no single firearm of yours answers to {value!r}; give the public id")
        return firearm

    @staticmethod
    def _record(model: Any, value: str, what: str) -> Any:
        text = value.strip()
        found = model.objects.owned().filter(public_id=text).first() if _is_uuid(text) else None
        if found is None:
            raise CommandError(f"{what}: no {what.replace('_', ' ')} of yours has the identifier {value!r}")
        return found

    # --- lots ------------------------------------------------------------------------------------
    def _lot_add(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options, country, Action.ADD)
        with self._acting(country, actor):
            lot = services.save_lot(
                actor=actor, nature=options["nature"], lot_number=options["lot_number"],
                hazard_division=options["hazard_division"], compatibility_group=options["compatibility_group"],
                neq_per_unit_kg=options["neq"], calibre=options["calibre"], manufacturer=options["manufacturer"],
                year=options.get("year"), un_number=options["un_number"], condition=options["condition"],
                surveillance_due=self._date(options.get("surveillance_due"), "surveillance-due"),
                expiry_date=self._date(options.get("expiry"), "expiry"))
        self.stdout.write(f"{lot.nature} / {lot.lot_number} ({lot.hazard_division}{lot.compatibility_group}) "
                          f"recorded {lot.public_id}")

    def _lots(self, country: Country, options: dict[str, Any]) -> None:
        with country_scope([country.pk]):
            lots = selectors.attach_balances(selectors.lot_queryset().order_by("nature", "lot_number"))
            rows = [{"lot": str(lot.public_id), "nature": lot.nature, "lot_number": lot.lot_number,
                     "classification": f"{lot.hazard_division}{lot.compatibility_group}",
                     "condition": lot.condition, "surplus": lot.is_surplus,
                     "expiry_date": lot.expiry_date.isoformat() if lot.expiry_date else None,
                     "total": lot.total,  # type: ignore[attr-defined]
                     "held": {str(h.storehouse): h.quantity for h in lot.holdings}}  # type: ignore[attr-defined]
                    for lot in lots]
        for row in rows:
            if options["json"]:
                self._json(row)
                continue
            held = "; ".join(f"{k}: {v}" for k, v in row["held"].items()) or "-"
            flags = " SURPLUS" if row["surplus"] else ""
            self.stdout.write(f"{row['nature']} / {row['lot_number']}  {row['classification']}  "
                              f"{row['condition']}{flags}  total {row['total']}  ({held})  {row['lot']}")

    # --- the ledger ------------------------------------------------------------------------------
    def _move(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options, country, Action.ADD)
        with self._acting(country, actor):
            corrects = self._record(Movement, options["corrects"], "corrects") if options.get("corrects") else None
            movement = services.record_movement(
                actor=actor, kind=options["kind"], occurred_on=self._date(options["date"], "date"),
                quantity=options["quantity"], lot=self._lot(options.get("lot")),
                firearm=self._firearm(options.get("firearm")),
                from_storehouse=self._store(options.get("source"), "from"),
                to_storehouse=self._store(options.get("target"), "to"), reference=options["reference"],
                reason=options["reason"], corrects=corrects)
        self.stdout.write(f"{movement.kind} of {movement.quantity} recorded on {movement.occurred_on} "
                          f"{movement.public_id}")

    def _ledger(self, country: Country, options: dict[str, Any]) -> None:
        with country_scope([country.pk]):
            store = self._store(options.get("storehouse"), "storehouse")
            facility = self._facility(options.get("facility"))
            movements = selectors.filter_movements(
                selectors.movement_queryset(), facility=facility, storehouse=store, lot=self._lot(options.get("lot")),
                kind=options.get("kind") or "", since=self._date(options.get("since"), "since"),
                until=self._date(options.get("until"), "until"))
            rows = [{"movement": str(m.public_id), "date": m.occurred_on.isoformat(), "kind": m.kind,
                     "lot": m.lot.lot_number if m.lot else None, "firearm": m.firearm.serial_key if m.firearm else None,
                     "quantity": m.quantity, "from": str(m.from_storehouse) if m.from_storehouse else None,
                     "to": str(m.to_storehouse) if m.to_storehouse else None, "reference": m.reference,
                     "reason": m.reason} for m in movements]
            stores = [store] if store is not None else list(Storehouse.objects.select_related("facility").filter(
                **({"facility": facility} if facility is not None else {})))
            held: list[dict[str, Any]] = [
                {"storehouse": str(e.storehouse), "lots": {lot.lot_number: qty for lot, qty in e.lots},
                 "firearms": [f.serial_key for f in e.firearms]} for e in selectors.contents(stores)]
        if options["json"]:
            for row in rows:
                self._json(row)
            for entry in held:
                self._json({"balance": entry})
            return
        for row in rows:
            item = row["lot"] or row["firearm"]
            where = f"{row['from'] or '-'} -> {row['to'] or '-'}"
            self.stdout.write(f"{row['date']}  {row['kind']:<14} {item}  {row['quantity']:>8}  {where}  "
                              f"{row['reference']}" + (f"  ({row['reason']})" if row["reason"] else ""))
        for entry in held:
            lots = ", ".join(f"{k}: {v}" for k, v in entry["lots"].items())
            firearms = ", ".join(entry["firearms"])
            self.stdout.write(f"held in {entry['storehouse']}: {lots or 'no ammunition'}"
                              + (f"; firearms {firearms}" if firearms else ""))

    # --- stock checks ------------------------------------------------------------------------------
    def _check_schedule(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options, country, Action.ADD)
        with self._acting(country, actor):
            facility = self._facility(options["facility"])
            assert facility is not None
            check = services.schedule_check(actor=actor, facility=facility,
                                            scheduled_on=self._date(options["on"], "on"),
                                            counted_by=options["counted_by"], witness=options["witness"])
        self.stdout.write(f"stock check of {check.facility.name} scheduled on {check.scheduled_on} {check.public_id}")

    def _checks(self, country: Country, options: dict[str, Any]) -> None:
        with country_scope([country.pk]):
            rows = [{"check": str(c.public_id), "facility": c.facility.name, "scheduled_on": c.scheduled_on.isoformat(),
                     "status": c.status, "lines": c.line_count,  # type: ignore[attr-defined]
                     "discrepancies": c.discrepancy_count,  # type: ignore[attr-defined]
                     "closed_on": c.closed_on.isoformat() if c.closed_on else None}
                    for c in selectors.check_queryset().order_by("scheduled_on", "id")]
        for row in rows:
            if options["json"]:
                self._json(row)
            else:
                self.stdout.write(f"{row['scheduled_on']}  {row['facility']}  {row['status']:<9} "
                                  f"{row['lines']} line(s), {row['discrepancies']} discrepancy(ies)  {row['check']}")

    def _count(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options, country, Action.ADD)
        with self._acting(country, actor):
            check = self._record(StockCheck, options["check"], "check")
            store = self._store(options["storehouse"], "storehouse")
            assert store is not None
            line = services.enter_count(actor=actor, check=check, storehouse=store, lot=self._lot(options.get("lot")),
                                        firearm=self._firearm(options.get("firearm")), counted=options["counted"])
        self.stdout.write(f"counted {line.counted}, recorded {line.recorded}, difference {line.difference:+d}")

    def _check_close(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options, country, Action.CHANGE)
        with self._acting(country, actor):
            check = services.close_check(actor=actor, check=self._record(StockCheck, options["check"], "check"),
                                         closed_on=self._date(options.get("on"), "on"),
                                         counted_by=options.get("counted_by"), witness=options.get("witness"))
            opened = Discrepancy.objects.filter(line__check_run=check).count()
        self.stdout.write(f"stock check closed on {check.closed_on}: {opened} discrepancy(ies) opened")

    # --- discrepancies ---------------------------------------------------------------------------
    def _discrepancies(self, country: Country, options: dict[str, Any]) -> None:
        with country_scope([country.pk]):
            found = selectors.discrepancy_queryset().order_by("id")
            if options["open"]:
                found = found.filter(status__in=services.UNRESOLVED)
            rows = [{"discrepancy": str(d.public_id), "check": str(d.line.check_run.public_id),
                     "facility": d.line.check_run.facility.name, "storehouse": d.line.storehouse.name,
                     "lot": d.line.lot.lot_number if d.line.lot else None,
                     "firearm": d.line.firearm.serial_key if d.line.firearm else None,
                     "recorded": d.line.recorded, "counted": d.line.counted, "difference": d.difference,
                     "status": d.status, "resolved_on": d.resolved_on.isoformat() if d.resolved_on else None}
                    for d in found]
        for row in rows:
            if options["json"]:
                self._json(row)
            else:
                self.stdout.write(f"{row['facility']} / {row['storehouse']}  {row['lot'] or row['firearm']}  "
                                  f"{row['difference']:+d}  {row['status']}  {row['discrepancy']}")

    def _resolve(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options, country, Action.CHANGE)
        with self._acting(country, actor):
            found = services.resolve_discrepancy(
                actor=actor, discrepancy=self._record(Discrepancy, options["discrepancy"], "discrepancy"),
                status=options["status"], resolution=options["resolution"],
                occurred_on=self._date(options.get("on"), "on"))
        settled = f"; settled by {found.settlement.kind} {found.settlement.public_id}" if found.settlement else ""
        self.stdout.write(f"discrepancy {found.difference:+d}: {found.status}{settled}")

    # --- candidates and rates --------------------------------------------------------------------
    def _candidates(self, country: Country, options: dict[str, Any]) -> None:
        from cifta.stockpile.api.views_inventory import candidate_as_dict

        today = self._date(options.get("today"), "today") or timezone.localdate()
        with country_scope([country.pk]):
            rows = [candidate_as_dict(c) for c in selectors.destruction_candidates(today)]
        for row in rows:
            if options["json"]:
                self._json(row)
                continue
            item = f"{row['nature']} / {row['lot_number']}" if row["kind"] == "lot" else f"firearm {row['serial']}"
            neq = f", {row['neq_kg']} kg NEQ" if row["neq_kg"] else ""
            self.stdout.write(f"{row['storehouse_name']}  {item}  {row['quantity']}{neq}  "
                              f"[{', '.join(row['reasons'])}]")
        if not options["json"]:
            self.stdout.write(f"{len(rows)} candidate(s) as of {today}")

    def _rates(self, country: Country, options: dict[str, Any]) -> None:
        from cifta.stockpile.api.views_inventory import rate_as_dict

        with country_scope([country.pk]):
            national = rate_as_dict(selectors.discrepancy_rate(country, options["year"]))
            facilities = [{"facility": f.name, **rate_as_dict(r)} for f, r in selectors.facility_rates(options["year"])]
        if options["json"]:
            self._json({"country": country.code, "year": options["year"], **national, "facilities": facilities})
            return
        self._print_rate(f"{country.code} {options['year']}", national)
        for row in facilities:
            self._print_rate(f"  {row['facility']}", row)

    def _print_rate(self, label: str, r: dict[str, Any]) -> None:
        rate = "-" if r["rate"] is None else f"{round(100 * r['rate'], 1)} %"
        self.stdout.write(f"{label}: {r['checks']} check(s), {r['lines']} line(s) counted, "
                          f"{r['discrepancies']} with a discrepancy ({rate})")

    def _regional(self, year: int, as_json: bool) -> None:
        from cifta.stockpile.api.views_inventory import regional_rates_as_dict

        figures = regional_rates_as_dict(selectors.regional_discrepancy_rates(year))
        if as_json:
            self._json(figures)
            return
        self._print_rate(f"{year}, {len(figures['states'])} of {figures['states_total']} States", figures["totals"])
        for state in figures["states"]:
            self._print_rate(f"  {state['country']}", state)
