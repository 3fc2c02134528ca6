"""``cifta certificate``: verify a destruction certificate, issue one, manage the authorities'
signing keys, and the totals for the Secretariat's report.

    cifta certificate verify FILE [--json]
    cifta certificate issue --event REF --country CC --actor USER [--authority NAME]
    cifta certificate withdraw NUMBER --country CC --actor USER --reason TEXT
    cifta certificate list --country CC [--year Y] [--json]
    cifta certificate key-create --country CC --authority NAME --actor USER
    cifta certificate key-rotate --country CC --authority NAME --actor USER
    cifta certificate key-revoke --country CC --key KEY_ID --reason superseded|key_compromise|unspecified
                                 --actor USER  (or --authority NAME: its key in force)
    cifta certificate keyring                 the published key ring (JSON)
    cifta certificate totals --year Y (--country CC | --all) [--json]

``verify`` reads a PDF or a JSON export, checks it against the hub's published keys and
withdrawals, and exits 0 printing the signed content when it is genuine; otherwise it exits 1
saying why (tampered, truncated, malformed, unknown or revoked key, withdrawn...). It changes
nothing. Writes need ``--actor``, a user whose membership of that State may approve. A refusal
exits with an error naming the field and changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cifta.accounts.commands import accountable
from cifta.core.context import Source, change_context
from cifta.core.errors import ServiceError
from cifta.core.permissions import Action
from cifta.core.scoping import country_scope
from cifta.destruction import selectors_certificates as selectors
from cifta.destruction import services_certificates as services
from cifta.destruction.models import Certificate, DestructionEvent, SigningKey
from cifta.directory.models import Agency, Country


class Command(BaseCommand):
    help = "Destruction certificates: verify, issue, withdraw, signing keys, totals."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)

        verify = sub.add_parser("verify", help="verify a certificate file (PDF or JSON)")
        verify.add_argument("file", metavar="FILE")
        verify.add_argument("--json", action="store_true", help="the verification as JSON")

        def command(name: str, helptext: str, *, actor: bool = True) -> CommandParser:
            p = sub.add_parser(name, help=helptext)
            p.add_argument("--country", required=True, help="ISO code of the State acted for")
            if actor:
                p.add_argument("--actor", help="username of the official accountable (approve)")
            return p

        issue = command("issue", "sign and issue the certificate of an executed event")
        issue.add_argument("--event", required=True, help="the event's reference or public id")
        issue.add_argument("--authority", help="the issuing agency's name (when several can sign)")

        withdraw = command("withdraw", "withdraw a certificate")
        withdraw.add_argument("number", metavar="NUMBER")
        withdraw.add_argument("--reason", required=True)

        listing = command("list", "the State's certificates", actor=False)
        listing.add_argument("--year", type=int)
        listing.add_argument("--json", action="store_true")

        for name, helptext in (("key-create", "an authority's first signing key"),
                               ("key-rotate", "a new key for an authority from now; the old one ends")):
            command(name, helptext).add_argument("--authority", required=True, help="the agency's name")
        revoke = command("key-revoke", "revoke a signing key")
        revoke.add_argument("--key", help="the key id")
        revoke.add_argument("--authority", help="the agency's name: revoke its key in force")
        revoke.add_argument("--reason", required=True, choices=SigningKey.Revocation.values)

        sub.add_parser("keyring", help="the published key ring as JSON")

        totals = sub.add_parser("totals", help="quantities destroyed under certificates in force")
        totals.add_argument("--year", type=int, required=True)
        which = totals.add_mutually_exclusive_group(required=True)
        which.add_argument("--country")
        which.add_argument("--all", action="store_true")
        totals.add_argument("--json", action="store_true")

    # --- dispatch --------------------------------------------------------------------------------
    def handle(self, *args: Any, **options: Any) -> None:
        what = options["what"]
        if what == "verify":
            self._verify(options)
            return
        if what == "keyring":
            self.stdout.write(selectors.keyring().to_json(), ending="")
            return
        if what == "totals" and options["all"]:
            self._totals_all(options)
            return
        country = Country.objects.filter(code=(options["country"] or "").strip().upper()).first()
        if country is None:
            raise CommandError(f"--country: no country with code {options['country']}")
        if country.kind != Country.Kind.MEMBER_STATE:
            raise CommandError("--country: the Secretariat issues no certificates; use totals --all")
        handler = getattr(self, "_" + what.replace("-", "_"))
        try:
            handler(country, options)
        except ServiceError as exc:
            raise CommandError(f"{exc.field or what}: {exc}") from exc

    def _actor(self, options: dict[str, Any], country: Country) -> Any:
        return accountable(options.get("actor"), country, Action.APPROVE)[0]

    def _json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))

    @staticmethod
    def _agency(name: str | None) -> Agency | None:
        if not name:
            return None
        found = list(Agency.objects.owned().filter(name=name.strip())[:2])
        if len(found) != 1:
            raise CommandError(f"--authority: no single agency of yours is named {name!r}")
        return found[0]

    # --- verify ----------------------------------------------------------------------------------
    def _verify(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from exc
        verification = selectors.verify_bytes(data)
        if options["json"]:
            self._json({"code": verification.code, "genuine": verification.ok, "message": verification.message,
                        "params": verification.params, "warnings": list(verification.warnings),
                        "payload": verification.payload})
        elif verification.ok:
            self.stdout.write(verification.message)
            for warning in verification.warnings:
                self.stdout.write(f"warning: {warning}")
            self.stdout.write(json.dumps(verification.payload, ensure_ascii=False, indent=2, sort_keys=True))
        if not verification.ok:
            raise CommandError(verification.message, returncode=1)

    # --- certificates ----------------------------------------------------------------------------
    def _issue(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options, country)
        with country_scope([country.pk]), change_context(actor, Source.COMMAND):
            text = options["event"].strip()
            events = DestructionEvent.objects.owned()
            event = events.filter(reference=text).first()
            if event is None and len(text) == 36:
                event = events.filter(public_id=text).first()
            if event is None:
                raise CommandError(f"--event: no destruction event of yours is {text!r}")
            certificate = services.issue_certificate(actor=actor, event=event,
                                                     authority=self._agency(options.get("authority")))
        self.stdout.write(f"Issued {certificate.number} for {event.reference} "
                          f"(fingerprint {certificate.digest}, key {certificate.key.key_id}).")

    def _withdraw(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options, country)
        with country_scope([country.pk]), change_context(actor, Source.COMMAND):
            certificate = Certificate.objects.owned().filter(number=options["number"].strip()).first()
            if certificate is None:
                raise CommandError(f"NUMBER: no certificate of yours is {options['number']!r}")
            services.withdraw_certificate(actor=actor, certificate=certificate, reason=options["reason"])
        self.stdout.write(f"Withdrawn: {certificate.number}.")

    def _list(self, country: Country, options: dict[str, Any]) -> None:
        with country_scope([country.pk]):
            rows = selectors.filter_certificates(selectors.certificate_queryset(), year=options.get("year"))
            data = selectors.export_rows(rows)
        if options["json"]:
            header = data[0]
            self._json([dict(zip(header, row, strict=True)) for row in data[1:]])
            return
        for row in data[1:]:
            status = f"withdrawn {row[14]}" if row[14] else "in force"
            self.stdout.write(f"{row[0]}  {row[1]}  ended {row[4]}  {status}")

    # --- keys ------------------------------------------------------------------------------------
    def _key(self, country: Country, options: dict[str, Any], rotate: bool) -> None:
        actor = self._actor(options, country)
        with country_scope([country.pk]), change_context(actor, Source.COMMAND):
            agency = self._agency(options["authority"])
            assert agency is not None  # --authority is required
            service = services.rotate_key if rotate else services.create_key
            key = service(actor=actor, authority=agency)
        self.stdout.write(f"Key {key.key_id} of {options['authority']} is in force from "
                          f"{key.valid_from:%Y-%m-%d %H:%M:%S} UTC; public key {key.public_key}.")

    def _key_create(self, country: Country, options: dict[str, Any]) -> None:
        self._key(country, options, rotate=False)

    def _key_rotate(self, country: Country, options: dict[str, Any]) -> None:
        self._key(country, options, rotate=True)

    def _key_revoke(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options, country)
        with country_scope([country.pk]), change_context(actor, Source.COMMAND):
            if options.get("key"):
                key = SigningKey.objects.owned().filter(key_id=options["key"].strip()).first()
            elif options.get("authority"):
                agency = self._agency(options["authority"])
                key = SigningKey.objects.owned().filter(authority=agency, revoked_at__isnull=True,
                                                        valid_until__isnull=True).first()
            else:
                raise CommandError("--key: give the key id (or --authority for its key in force)")
            if key is None:
                raise CommandError("--key: no such signing key of yours")
            services.revoke_key(actor=actor, key=key, reason=options["reason"])
        self.stdout.write(f"Key {key.key_id} is revoked ({options['reason']}).")

    # --- totals ----------------------------------------------------------------------------------
    def _print_totals(self, label: str, totals: selectors.Totals) -> None:
        self.stdout.write(f"{label}: {totals.certificates} certificate(s); firearms {totals.firearms}, "
                          f"parts {totals.parts}, ammunition {totals.ammunition}")
        for r in totals.rows:
            self.stdout.write(f"  {r['kind']:<10} {r['category'] or '-':<30} {r['method'] or '-':<22} {r['quantity']}")

    def _totals(self, country: Country, options: dict[str, Any]) -> None:
        with country_scope([country.pk]):
            totals = selectors.state_totals(options["year"])
        if options["json"]:
            self._json({"country": country.code, **totals.as_dict()})
            return
        self._print_totals(f"{country.code} {options['year']}", totals)

    def _totals_all(self, options: dict[str, Any]) -> None:
        found = selectors.regional_totals(options["year"])
        if options["json"]:
            self._json({"year": options["year"], "states": [{"country": c, **t.as_dict()} for c, t in found.items()]})
            return
        if not found:
            self.stdout.write(f"{options['year']}: no certificate records a destruction.")
        for code, totals in found.items():
            self._print_totals(f"{code} {options['year']}", totals)
