"""``cifta destruction``: destruction events from the command line.

    cifta destruction plan --country CC --actor USER --title TEXT --legal-order TEXT --site TEXT
                           --planned-on DATE --officer NAME [--address TEXT] [--latitude L]
                           [--longitude L] [--weapon-method M] [--ammunition-method M]
    cifta destruction add-items EVENT --country CC --actor USER (--serials FILE | --firearm ID ...)
    cifta destruction add-lot EVENT --country CC --actor USER --lot LOT --storehouse STORE --quantity N
    cifta destruction witness EVENT --country CC --actor USER --name NAME [--agency AGENCY]
                              [--organisation ORG] [--position TEXT] [--observer] [--independent]
    cifta destruction approve EVENT --country CC --actor USER
    cifta destruction execute EVENT --country CC --actor USER --started DATETIME --ended DATETIME
                              [--returned ITEM=REASON ...] [--scrap TEXT]
    cifta destruction cancel EVENT --country CC --actor USER --reason TEXT
    cifta destruction events --country CC [--status S] [--year Y] [--json]
    cifta destruction show EVENT --country CC [--json]

Every subcommand works in the name of one State (``--country``), as the scope of a membership
of it would. Writes need ``--actor``, a user whose membership of that State allows the action
(approving needs a national administrator). An event is named by its reference or public id;
a lot by its lot number or public id; a storehouse as "FACILITY/STOREHOUSE", its name or public
id; an item in ``--returned`` by the firearm's serial, the lot number or the item's public id.
``execute`` checks off every item not named in ``--returned`` as destroyed. A refusal exits
with an error naming the field and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from cifta.accounts.commands import accountable
from cifta.core.context import Source, change_context
from cifta.core.errors import ServiceError
from cifta.core.permissions import Action
from cifta.core.scoping import country_scope
from cifta.destruction import selectors_events as selectors
from cifta.destruction import services_events as services
from cifta.destruction.models import AMMUNITION_METHODS, WEAPON_METHODS, DestructionEvent, Witness
from cifta.directory.models import Agency, Country
from cifta.registry.models import Firearm
from cifta.stockpile.models import AmmunitionLot, Storehouse


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


class Command(BaseCommand):
    help = "Destruction events: plan, list items, witnesses, approve, execute, cancel, list and show."

    # --- arguments -------------------------------------------------------------------------------
    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)

        def command(name: str, helptext: str, *, actor: bool = True, event: bool = True,
                    as_json: bool = False) -> CommandParser:
            p = sub.add_parser(name, help=helptext)
            if event:
                p.add_argument("event", metavar="EVENT", help="reference (DE-CC-YYYY-NNNNN) or public id")
            p.add_argument("--country", required=True, help="ISO code of the State acted for")
            if actor:
                p.add_argument("--actor", help="username of the officer accountable")
            if as_json:
                p.add_argument("--json", action="store_true", help="JSON output")
            return p

        plan = command("plan", "plan a destruction event", event=False)
        plan.add_argument("--title", required=True)
        plan.add_argument("--legal-order", required=True)
        plan.add_argument("--site", required=True)
        plan.add_argument("--planned-on", required=True, help="YYYY-MM-DD")
        plan.add_argument("--officer", required=True, help="the responsible officer")
        plan.add_argument("--address", default="")
        plan.add_argument("--latitude")
        plan.add_argument("--longitude")
        plan.add_argument("--weapon-method", default="", choices=["", *(m.value for m in WEAPON_METHODS)])
        plan.add_argument("--ammunition-method", default="", choices=["", *(m.value for m in AMMUNITION_METHODS)])

        items = command("add-items", "list firearms by serial (a file) or by public id")
        items.add_argument("--serials", metavar="FILE", help="a text file, one serial a line ('-' for stdin)")
        items.add_argument("--firearm", action="append", default=[], help="public id of a firearm (repeatable)")

        lot = command("add-lot", "list a quantity of an ammunition lot taken from a storehouse")
        lot.add_argument("--lot", required=True)
        lot.add_argument("--storehouse", required=True)
        lot.add_argument("--quantity", required=True)

        witness = command("witness", "add a witness (or an observer)")
        witness.add_argument("--name", required=True)
        witness.add_argument("--agency", help="the witness's agency (name or public id)")
        witness.add_argument("--organisation", default="")
        witness.add_argument("--position", default="")
        witness.add_argument("--observer", action="store_true", help="an observer, not a witness")
        witness.add_argument("--independent", action="store_true")

        command("approve", "approve a planned event (national administrators)")

        execute = command("execute", "record the destruction: every item destroyed unless returned")
        execute.add_argument("--started", required=True, help="YYYY-MM-DD HH:MM")
        execute.add_argument("--ended", required=True, help="YYYY-MM-DD HH:MM")
        execute.add_argument("--returned", action="append", default=[], metavar="ITEM=REASON",
                             help="an item returned, with the reason (repeatable)")
        execute.add_argument("--scrap", default="", help="scrap disposition")

        cancel = command("cancel", "cancel a planned or approved event")
        cancel.add_argument("--reason", required=True)

        listing = command("events", "list the State's events", actor=False, event=False, as_json=True)
        listing.add_argument("--status", choices=DestructionEvent.Status.values)
        listing.add_argument("--year", type=int)

        command("show", "an event with its items, witnesses, photos and custody", actor=False, as_json=True)

    # --- dispatch --------------------------------------------------------------------------------
    def handle(self, *args: Any, **options: Any) -> None:
        what = options["what"]
        country = Country.objects.filter(code=(options["country"] or "").strip().upper()).first()
        if country is None:
            raise CommandError(f"--country: no country with code {options['country']}")
        if country.kind != Country.Kind.MEMBER_STATE:
            raise CommandError("--country: the Secretariat keeps no destruction records")
        handler = getattr(self, "_" + what.replace("-", "_"))
        try:
            handler(country, options)
        except services.ItemsRefused as exc:
            raise CommandError("\n".join([f"{exc.field}: nothing was added"]
                                         + [f"  {p.serial}: {p.reason}" for p in exc.problems])) from exc
        except ServiceError as exc:
            raise CommandError(f"{exc.field or what}: {exc}") from exc

    @contextmanager
    def _acting(self, country: Country, actor: Any) -> Iterator[None]:
        with country_scope([country.pk]), change_context(actor, Source.COMMAND):
            yield

    def _actor(self, options: dict[str, Any], country: Country, action: str) -> Any:
        return accountable(options.get("actor"), country, action)[0]

    def _json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, default=str))

    # --- lookups (inside the scope, the caller's own records) ------------------------------------
    @staticmethod
    def _one(found: list[Any], option: str, value: str, what: str) -> Any:
        if not found:
            raise CommandError(f"{option}: no {what} of yours is {value!r}")
        if len(found) > 1:
            raise CommandError(f"{option}: several {what}s answer to {value!r}; give the public id")
        return found[0]

    def _event(self, value: str) -> DestructionEvent:
        text = value.strip()
        match = Q(public_id=text) if _is_uuid(text) else Q(reference=text.upper())
        return self._one(list(DestructionEvent.objects.owned().filter(match)[:2]), "event", value,  # type: ignore[no-any-return]
                         "destruction event")

    def _moment(self, value: str, option: str) -> dt.datetime:
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise CommandError(f"--{option}: give a date and time as 'YYYY-MM-DD HH:MM', not {value!r}") from exc

    # --- writes ----------------------------------------------------------------------------------
    def _plan(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options, country, Action.ADD)
        with self._acting(country, actor):
            event = services.plan_event(
                actor=actor, title=options["title"], legal_order=options["legal_order"], site_name=options["site"],
                planned_on=options["planned_on"], responsible_officer=options["officer"],
                site_address=options["address"], latitude=options.get("latitude"),
                longitude=options.get("longitude"), weapon_method=options["weapon_method"],
                ammunition_method=options["ammunition_method"])
        self.stdout.write(f"{event.reference} planned on {event.planned_on} {event.public_id}")

    def _add_items(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options, country, Action.ADD)
        serials: list[str] = []
        if options.get("serials"):
            path = options["serials"]
            try:
                text = (self.stdin_text() if path == "-" else Path(path).read_text(encoding="utf-8-sig"))
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"--serials: cannot read {path}: {exc}") from exc
            serials = services.parse_serials(text)
        if not serials and not options["firearm"]:
            raise CommandError("--serials: give a file of serials or --firearm ids")
        with self._acting(country, actor):
            event = self._event(options["event"])
            firearms = []
            for value in options["firearm"]:
                found = Firearm.objects.owned().filter(public_id=value).first() if _is_uuid(value) else None
                if found is None:
                    raise CommandError(f"--firearm: no firearm of yours has the identifier {value!r}")
                firearms.append(found)
            added = services.add_firearms(actor=actor, event=event, firearms=firearms, serials=serials)
            rows = [(i.firearm.serial_key if i.firearm else "", str(i.public_id)) for i in added.items]
        for serial, item in rows:
            self.stdout.write(f"listed {serial} {item}")
        self.stdout.write(f"{len(rows)} firearm(s) added to {event.reference}")

    @staticmethod
    def stdin_text() -> str:
        return sys.stdin.read()

    def _add_lot(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options, country, Action.ADD)
        with self._acting(country, actor):
            event = self._event(options["event"])
            text = options["lot"].strip()
            lot = self._one(list(AmmunitionLot.objects.owned().filter(
                Q(public_id=text) if _is_uuid(text) else Q(lot_number=text))[:2]), "--lot", text, "ammunition lot")
            value = options["storehouse"].strip()
            if _is_uuid(value):
                match = Q(public_id=value)
            elif "/" in value:
                facility, _sep, name = value.rpartition("/")
                match = Q(facility__name=facility.strip(), name=name.strip())
            else:
                match = Q(name=value)
            store = self._one(list(Storehouse.objects.owned().filter(match)[:2]), "--storehouse", value, "storehouse")
            item = services.add_lot(actor=actor, event=event, lot=lot, storehouse=store, quantity=options["quantity"])
        self.stdout.write(f"listed {item.quantity} of {item.description} from {store.name} {item.public_id}")

    def _witness(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options, country, Action.ADD)
        with self._acting(country, actor):
            event = self._event(options["event"])
            agency = None
            if options.get("agency"):
                text = options["agency"].strip()
                agency = self._one(list(Agency.objects.owned().filter(
                    Q(public_id=text) if _is_uuid(text) else Q(name=text) | Q(acronym=text))[:2]), "--agency", text,
                    "agency")
            witness = services.add_witness(
                actor=actor, event=event, full_name=options["name"], organisation=options["organisation"],
                role=Witness.Role.OBSERVER if options["observer"] else Witness.Role.WITNESS,
                position=options["position"], agency=agency, independent=options["independent"])
        self.stdout.write(f"{witness.get_role_display()} {witness.full_name} ({witness.organisation}) added to "
                          f"{event.reference}")

    def _approve(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options, country, Action.APPROVE)
        with self._acting(country, actor):
            event = services.approve_event(actor=actor, event=self._event(options["event"]))
        self.stdout.write(f"{event.reference} approved by {event.approved_by}")

    def _execute(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options, country, Action.CHANGE)
        started, ended = self._moment(options["started"], "started"), self._moment(options["ended"], "ended")
        with self._acting(country, actor):
            event = self._event(options["event"])
            items = selectors.items_of(event)
            outcomes: dict[str, Any] = {}
            for entry in options["returned"]:
                name, sep, reason = entry.partition("=")
                if not sep:
                    raise CommandError(f"--returned: write ITEM=REASON, not {entry!r}")
                matches = [i for i in items if name.strip() in (
                    str(i.public_id), i.firearm.serial_key if i.firearm else None, i.lot.lot_number if i.lot else None)]
                item = self._one(matches, "--returned", name.strip(), "item of the event")
                outcomes[str(item.public_id)] = {"status": "returned", "reason": reason.strip()}
            event = services.execute_event(actor=actor, event=event, outcomes=outcomes, started_at=started,
                                           ended_at=ended, scrap_disposition=options["scrap"], default="destroyed")
            items = selectors.items_of(event)
        destroyed = sum(1 for i in items if i.status == "destroyed")
        returned = sum(1 for i in items if i.status == "returned")
        self.stdout.write(f"{event.reference} executed: {destroyed} item(s) destroyed, {returned} returned")

    def _cancel(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options, country, Action.CHANGE)
        with self._acting(country, actor):
            event = services.cancel_event(actor=actor, event=self._event(options["event"]), reason=options["reason"])
        self.stdout.write(f"{event.reference} cancelled")

    # --- reads -----------------------------------------------------------------------------------
    @staticmethod
    def _row(e: DestructionEvent) -> dict[str, Any]:
        return {"event": str(e.public_id), "reference": e.reference, "title": e.title,
                "planned_on": e.planned_on.isoformat(), "site": e.site_name, "status": e.status,
                "items": getattr(e, "item_count", None), "witnesses": getattr(e, "witness_count", None)}

    def _events(self, country: Country, options: dict[str, Any]) -> None:
        with country_scope([country.pk]):
            found = selectors.filter_events(selectors.event_queryset(), status=options.get("status") or "",
                                            year=options.get("year"))
            rows = [self._row(e) for e in found.order_by("planned_on", "id")]
        for row in rows:
            if options["json"]:
                self._json(row)
            else:
                self.stdout.write(f"{row['reference']}  {row['planned_on']}  {row['status']:<9}  {row['title']}  "
                                  f"{row['items']} item(s), {row['witnesses']} witness(es)  {row['event']}")

    def _show(self, country: Country, options: dict[str, Any]) -> None:
        with country_scope([country.pk]):
            event = self._event(options["event"])
            event = selectors.event_queryset().get(pk=event.pk)
            data = {
                **self._row(event), "legal_order": event.legal_order, "responsible_officer": event.responsible_officer,
                "weapon_method": event.weapon_method, "ammunition_method": event.ammunition_method,
                "approved_by": event.approved_by, "approved_at": event.approved_at, "started_at": event.started_at,
                "ended_at": event.ended_at, "cancel_reason": event.cancel_reason,
                "items": [{"item": str(i.public_id), "kind": i.kind,
                           "serial": i.firearm.serial_key if i.firearm else None,
                           "lot": i.lot.lot_number if i.lot else None, "quantity": i.quantity, "status": i.status,
                           "return_reason": i.return_reason} for i in selectors.items_of(event)],
                "witnesses": [{"role": w.role, "name": w.full_name, "organisation": w.organisation}
                              for w in event.witnesses.order_by("id")],
                "photos": [{"stage": p.stage, "sha256": p.sha256} for p in event.photos.order_by("id")],
                "custody": [{"at": c.at, "from": c.from_place, "to": c.to_place, "seals": c.seal_numbers}
                            for c in event.custody.order_by("at", "id")],
                "witness_rule_met": selectors.witness_shortfall(event) is None,
            }
        if options["json"]:
            self._json(data)
            return
        self.stdout.write(f"{data['reference']}  {data['title']}  [{data['status']}]  planned {data['planned_on']} "
                          f"at {data['site']}")
        for i in data["items"]:
            what = i["serial"] or f"{i['lot']} x {i['quantity']}"
            self.stdout.write(f"  item {i['kind']:<10} {what}  {i['status']}"
                              + (f" ({i['return_reason']})" if i["return_reason"] else ""))
        for w in data["witnesses"]:
            self.stdout.write(f"  {w['role']:<8} {w['name']} ({w['organisation']})")
        for p in data["photos"]:
            self.stdout.write(f"  photo {p['stage']:<6} sha256 {p['sha256']}")
        for c in data["custody"]:
            self.stdout.write(f"  custody {c['at']:%Y-%m-%d %H:%M} {c['from']} -> {c['to']}  seals {c['seals'] or '-'}")
        if not data["witness_rule_met"]:
            self.stdout.write("  the witnesses do not meet the State's rule yet")
