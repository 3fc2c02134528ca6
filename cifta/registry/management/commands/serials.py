"""``cifta serials``: the serial search from the command line, and the search index.

    cifta serials search QUERY --country CC --case REF [--make M] [--model M] [--calibre C]
                                [--type T] [--status S] [--max-edits N] [--ignore-embedded-letters]
                                [--limit N] [--json] [--actor USERNAME]
    cifta serials search --batch FILE --country CC --case REF [...]
    cifta serials reindex [--country CC]
    cifta serials range-add --country CC --kind licence|consignment|other --reference REF
                            --first SERIAL --last SERIAL [--make M] [--note TEXT] [--actor USERNAME]
    cifta serials ranges --country CC [--json]

A search prints a ranked table, or with ``--json`` one JSON object. ``--batch`` reads one query
a line and writes one JSON line per query: the query and its ranked hits (public id, serial,
make, model, calibre, score, reason), or its error. Every search is audited with the case
reference; serial ranges of licences and consignments that the serial falls in are listed after
the firearms. ``range-add`` records such a range; ``ranges`` lists them. ``reindex`` recomputes
the stored search forms (after a change of look-alike groups).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from cifta.accounts.models import Membership, User
from cifta.core.context import Source, change_context
from cifta.core.dbstats import refresh_statistics
from cifta.core.errors import ServiceError
from cifta.core.permissions import Action, role_can
from cifta.core.scoping import country_scope
from cifta.directory.models import Country
from cifta.registry import serial_search
from cifta.registry.models import SerialNumber, SerialRange, serial_index_forms
from cifta.registry.serial_ranges import range_hit_as_dict, register_range

ACTOR = "system:cli"


class Command(BaseCommand):
    help = "Search a State's register for damaged or partial serials; rebuild the search index."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        search = sub.add_parser("search", help="ranked search of one State's register")
        search.add_argument("query", nargs="?", help="the serial as it can be read (? * [38] allowed)")
        search.add_argument("--batch", help="a file with one query a line (JSON lines out)")
        search.add_argument("--country", required=True, help="ISO code of the State whose register is searched")
        search.add_argument("--case", required=True, dest="case_reference",
                            help="the case reference recorded in the audit log")
        for name in ("make", "model", "calibre", "type", "status", "agency"):
            search.add_argument(f"--{name}", default="")
        search.add_argument("--max-edits", type=int, choices=[0, 1, 2])
        search.add_argument("--ignore-embedded-letters", action="store_true", help="the NCIC rule")
        search.add_argument("--limit", type=int, default=serial_search.DEFAULT_LIMIT)
        search.add_argument("--json", action="store_true", help="one JSON object instead of a table")
        search.add_argument("--actor", help="username of the officer accountable (default: system:cli)")
        reindex = sub.add_parser("reindex", help="recompute the stored search forms of every serial")
        reindex.add_argument("--country", help="only this State")
        add = sub.add_parser("range-add", help="record a serial range listed on a licence or consignment")
        add.add_argument("--country", required=True)
        add.add_argument("--kind", required=True, choices=SerialRange.Kind.values)
        add.add_argument("--reference", required=True, help="the licence or consignment reference")
        add.add_argument("--first", required=True, help="first serial of the range")
        add.add_argument("--last", required=True, help="last serial of the range")
        add.add_argument("--make", default="")
        add.add_argument("--note", default="")
        add.add_argument("--actor", help="username of the officer accountable (default: system:cli)")
        listing = sub.add_parser("ranges", help="list the serial ranges of one State")
        listing.add_argument("--country", required=True)
        listing.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "reindex":
            self._reindex(options.get("country"))
            return
        country = Country.objects.filter(code=(options["country"] or "").upper()).first()
        if country is None:
            raise CommandError(f"--country: no country with code {options['country']}")
        if options["what"] == "range-add":
            self._add_range(country, options)
            return
        if options["what"] == "ranges":
            self._list_ranges(country, options["json"])
            return
        if bool(options.get("query")) == bool(options.get("batch")):
            raise CommandError("give either a QUERY or --batch FILE")
        actor = self._actor(options.get("actor"), country)
        filters = serial_search.Filters(**{k: options[k] for k in ("make", "model", "calibre", "type", "status",
                                                                  "agency")})
        with country_scope([country.pk]), change_context(actor, Source.COMMAND):
            if options.get("batch"):
                self._batch(options, filters)
                return
            try:
                result = self._search(options["query"], options, filters)
            except ServiceError as exc:
                raise CommandError(f"{exc.field or 'query'}: {exc}") from exc
        hits = [serial_search.hit_as_dict(h) for h in result.hits]
        ranges = [range_hit_as_dict(h) for h in result.ranges]
        if options["json"]:
            self.stdout.write(json.dumps({"query": result.query.text, "max_edits": result.query.max_edits,
                                          "edits_reduced": result.reduced, "count": len(hits), "results": hits,
                                          "ranges": ranges}, ensure_ascii=False))
            return
        self.stdout.write(f"{len(hits)} firearm(s) for {result.query.text} (edits allowed: {result.query.max_edits})")
        if result.reduced:
            self.stdout.write("Too many serials were within reach of more edits: add characters or filters.")
        for n, hit in enumerate(hits, 1):
            missing = "  REPORTED LOST OR STOLEN" if hit["reported_missing"] else ""
            self.stdout.write(f"{n:>3}. {hit['serial']:<16} {hit['score']:>5}  {hit['make'] or '-'} {hit['model']} "
                              f"{hit['calibre']}  [{hit['status']}]{missing}\n       {hit['reason']}\n"
                              f"       {hit['firearm']}")
        for found in ranges:
            self.stdout.write(f"  in {found['kind']} {found['reference']}: {found['first_serial']} - "
                              f"{found['last_serial']} ({found['serial']}{'' if found['exact'] else ', look-alikes'})")

    def _search(self, query: str, options: dict[str, Any], filters: serial_search.Filters) -> Any:
        return serial_search.search_serials(
            query, case_reference=options["case_reference"], filters=filters, max_edits=options.get("max_edits"),
            ignore_embedded_letters=options["ignore_embedded_letters"], limit=options["limit"])

    def _batch(self, options: dict[str, Any], filters: serial_search.Filters) -> None:
        try:
            handle = open(options["batch"], encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CommandError(f"--batch: {exc}") from exc
        with handle:
            for line_no, line in enumerate(handle, 1):
                query = line.strip()
                if not query:
                    continue
                try:
                    result = self._search(query, options, filters)
                except ServiceError as exc:
                    out: dict[str, Any] = {"line": line_no, "query": query, "error": str(exc),
                                           "field": exc.field or "q"}
                else:
                    out = {"line": line_no, "query": query, "normalised": result.query.text,
                           "max_edits": result.query.max_edits, "edits_reduced": result.reduced,
                           "hits": [serial_search.hit_as_dict(h) for h in result.hits],
                           "ranges": [range_hit_as_dict(h) for h in result.ranges]}
                self.stdout.write(json.dumps(out, ensure_ascii=False))

    def _add_range(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options.get("actor"), country, Action.ADD)
        with country_scope([country.pk]), change_context(actor, Source.COMMAND):
            try:
                made = register_range(actor=actor, kind=options["kind"], reference=options["reference"],
                                      first_serial=options["first"], last_serial=options["last"],
                                      manufacturer=options["make"], note=options["note"])
            except ServiceError as exc:
                raise CommandError(f"{exc.field or 'range'}: {exc}") from exc
        self.stdout.write(f"range {made.public_id}: {made.first_serial} - {made.last_serial} ({made.size} serials)")

    def _list_ranges(self, country: Country, as_json: bool) -> None:
        with country_scope([country.pk]):
            rows = [{"range": str(r.public_id), "kind": r.kind, "reference": r.reference,
                     "first_serial": r.first_serial, "last_serial": r.last_serial, "size": r.size}
                    for r in SerialRange.objects.order_by("id")]
        for row in rows:
            self.stdout.write(json.dumps(row, ensure_ascii=False) if as_json else
                              f"{row['range']}  {row['kind']:<12} {row['reference']:<20} {row['first_serial']} - "
                              f"{row['last_serial']} ({row['size']})")

    def _actor(self, username: str | None, country: Country, action: str = Action.VIEW) -> Any:
        if not username:
            return ACTOR
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--actor: no active user named {username!r}")
        with country_scope([country.pk]):
            roles = list(Membership.objects.filter(user=user, is_active=True, agency__is_active=True).values_list(
                "role", flat=True))
        if not any(role_can(role, action) for role in roles):
            raise CommandError(f"--actor: {username} may not do this in the register of {country.code}")
        return user

    def _reindex(self, code: str | None) -> None:
        countries = Country.objects.all() if not code else Country.objects.filter(code=code.upper())
        if code and not countries.exists():
            raise CommandError(f"--country: no country with code {code}")
        total = 0
        for country in countries:
            with country_scope([country.pk]), transaction.atomic():
                # Derived columns only (not in the change log), written in place.
                rows = SerialNumber.unscoped.filter(country=country).only("id", "key")
                batch = []
                for serial in rows.iterator(chunk_size=2000):
                    serial.folded, serial.folded_reversed, serial.bare = serial_index_forms(serial.key)
                    batch.append(serial)
                    if len(batch) >= 2000:
                        SerialNumber.unscoped.bulk_update(batch, ["folded", "folded_reversed", "bare"])
                        total += len(batch)
                        batch = []
                if batch:
                    SerialNumber.unscoped.bulk_update(batch, ["folded", "folded_reversed", "bare"])
                    total += len(batch)
        refresh_statistics([SerialNumber._meta.db_table])
        self.stdout.write(f"{total} serial(s) reindexed")
