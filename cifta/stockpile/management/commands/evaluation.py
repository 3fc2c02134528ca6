"""``cifta evaluation``: physical security assessments and the national technical evaluation report.

    cifta evaluation report --country CC --out FILE [--lang en|es|fr|pt] [--date YYYY-MM-DD]
                            [--html] [--actor USER]
    cifta evaluation assess --country CC --facility NAME --file items.json --assessor NAME --actor USER
                            [--date YYYY-MM-DD] [--summary TEXT]
    cifta evaluation checklist [--lang en|es|fr|pt] [--json]

``report`` writes the report of one State as of a date (today by default): a PDF, or with
``--html`` a standalone HTML document. It is audited as an export, in the name of ``--actor``
(a user whose membership of that State may export) or of ``system:cli``.

``assess`` records one assessment of a facility (found by its name, or its public id). The file
holds the answered items, either as a list or as an object with ``items`` (and optionally
``summary`` and ``assessed_on``)::

    [{"code": "PER-01", "score": 2, "evidence": "2.4 m fence, intact", "recommendation": ""},
     {"code": "KEY-02", "score": 0, "evidence": "no register", "recommendation": "Keep a key register"},
     {"code": "LPS-01", "score": null}]

``score`` is 0 (not met), 1 (partly met), 2 (met) or null (does not apply); items left out are
recorded as not assessed. ``checklist`` prints the codes and questions to fill in.
A refusal exits with an error naming the field, and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone, translation

from cifta.accounts.commands import accountable
from cifta.core.context import Source, change_context
from cifta.core.errors import ServiceError
from cifta.core.pdf import languages as pdf_languages
from cifta.core.permissions import Action
from cifta.core.scoping import country_scope
from cifta.directory.models import Country
from cifta.stockpile import evaluation_report as report
from cifta.stockpile import security_checklist as checklist
from cifta.stockpile import selectors_security as selectors
from cifta.stockpile import services_security as services
from cifta.stockpile.models import Facility


class Command(BaseCommand):
    help = "Physical security assessments of arsenals and the national technical evaluation report."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)

        made = sub.add_parser("report", help="write a State's technical evaluation report (audited)")
        made.add_argument("--country", required=True, help="ISO code of the State")
        made.add_argument("--lang", choices=pdf_languages(), default="en")
        made.add_argument("--date", help="the situation on this date, YYYY-MM-DD (default: today)")
        made.add_argument("--out", required=True, help="file to write")
        made.add_argument("--html", action="store_true", help="a standalone HTML document instead of a PDF")
        made.add_argument("--actor", help="username of the person exporting (default: system:cli)")

        assess = sub.add_parser("assess", help="record a physical security assessment of a facility")
        assess.add_argument("--country", required=True, help="ISO code of the State")
        assess.add_argument("--facility", required=True, help="the facility's name (or public id)")
        assess.add_argument("--file", required=True, help="JSON file with the items answered")
        assess.add_argument("--assessor", required=True, help="who assessed: name, and team or agency")
        assess.add_argument("--actor", required=True, help="username of the officer recording it")
        assess.add_argument("--date", help="date of the assessment, YYYY-MM-DD (default: the file's, or today)")
        assess.add_argument("--summary", help="the main findings (default: the file's)")

        shown = sub.add_parser("checklist", help="print the checklist's codes and questions")
        shown.add_argument("--lang", choices=pdf_languages(), default="en")
        shown.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        what = options["what"]
        if what == "checklist":
            self._checklist(options)
            return
        country = Country.objects.filter(code=(options["country"] or "").strip().upper()).first()
        if country is None or country.kind != Country.Kind.MEMBER_STATE:
            raise CommandError(f"--country: no State with code {options['country']}")
        try:
            getattr(self, "_" + what)(country, options)
        except ServiceError as exc:
            raise CommandError(f"{exc.field or what}: {exc}") from exc

    # --- helpers -------------------------------------------------------------------------------
    @contextmanager
    def _acting(self, country: Country, actor: Any) -> Iterator[None]:
        with country_scope([country.pk]), change_context(actor, Source.COMMAND):
            yield

    def _actor(self, username: str | None, country: Country, action: str) -> Any:
        return accountable(username, country, action, system_may=(Action.EXPORT,))[0]

    @staticmethod
    def _date(value: Any, option: str) -> dt.date | None:
        if value in (None, ""):
            return None
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise CommandError(f"--{option}: give a date as YYYY-MM-DD, not {value!r}") from exc

    # --- report --------------------------------------------------------------------------------
    def _report(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options.get("actor"), country, Action.EXPORT)
        today = timezone.localdate()
        on = self._date(options.get("date"), "date") or today
        if on > today:
            raise CommandError("--date: the report describes a situation that has happened: give today or earlier")
        language, out = options["lang"], Path(options["out"])
        fmt = "html" if options["html"] else "pdf"
        # Open the file first: an export that cannot be written is neither made nor audited.
        try:
            handle = out.open("wb")
        except OSError as exc:
            raise CommandError(f"--out: {exc}") from exc
        try:
            with handle, self._acting(country, actor):
                if fmt == "html":
                    handle.write(report.report_document(country, on, language=language).encode("utf-8"))
                else:
                    handle.write(report.report_pdf(country, on, language=language))
                report.audit_export(country, on, fmt=fmt, language=language)
        except BaseException:
            out.unlink(missing_ok=True)
            raise
        self.stdout.write(f"report of {country.code} on {on.isoformat()} written to {out} ({fmt}, {language})")

    # --- assess --------------------------------------------------------------------------------
    def _read_file(self, path: str) -> dict[str, Any]:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"--file: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"--file: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
        if isinstance(data, list):
            return {"items": data}
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            unknown = sorted(set(data) - {"items", "summary", "assessed_on"})
            if unknown:
                raise CommandError(f"--file: unknown key {unknown[0]!r} (give items, summary, assessed_on)")
            return data
        raise CommandError("--file: give a list of items, or an object with an 'items' list")

    def _facility(self, text: str, country: Country) -> Facility:
        text = text.strip()
        match = Q(name__iexact=text)
        with suppress(ValueError):
            match |= Q(public_id=uuid.UUID(text))
        found = Facility.objects.owned().filter(match).first()
        if found is None:
            raise CommandError(f"--facility: no facility of {country.code} is named {text!r}")
        return found

    def _assess(self, country: Country, options: dict[str, Any]) -> None:
        actor = self._actor(options["actor"], country, Action.ADD)
        data = self._read_file(options["file"])
        day = (self._date(options.get("date"), "date") or self._date(data.get("assessed_on"), "file: assessed_on")
               or timezone.localdate())
        summary = options["summary"] if options.get("summary") is not None else str(data.get("summary") or "")
        with self._acting(country, actor):
            facility = self._facility(options["facility"], country)
            assessment = services.record_assessment(actor=actor, facility=facility, assessed_on=day,
                                                    assessor=options["assessor"], items=data["items"], summary=summary)
            result = selectors.assessment_score(assessment)
        self.stdout.write(f"assessment of {facility.name} on {day.isoformat()} recorded: "
                          f"{report.percent_text(result.percent) if result.percent is not None else 'no score'}, "
                          f"{result.scored} item(s) scored, {result.not_applicable} not applicable, "
                          f"{result.not_assessed} not assessed {assessment.public_id}")

    # --- checklist -----------------------------------------------------------------------------
    def _checklist(self, options: dict[str, Any]) -> None:
        with translation.override(options["lang"]):
            data = selectors.checklist_as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{checklist.NAME} {checklist.VERSION}: {data['items']} items, {data['verified']} on a "
                          f"verified source")
        for section in data["sections"]:
            self.stdout.write(f"\n{section['code']}  {section['title']}")
            for it in section["items"]:
                mark = "" if it["verified"] else "  [to be checked]"
                self.stdout.write(f"  {it['code']}  (weight {it['weight']}) {it['text']}{mark}")
