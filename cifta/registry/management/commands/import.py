"""``cifta import``: bulk imports from the command line.

    cifta import firearms FILE --country CC [--actor USERNAME] [--mapping NAME] [--batch-size N]
    cifta import marking-log FILE --country CC --agency NAME [--date YYYY-MM-DD] [--machine M]

A firearms import shows a progress bar on stderr and ends with a summary (created, already
present, rejected, the report of rejected rows). It exits 0 when the file was read, even with
rejected rows, and non-zero when the file could not be read or the run stopped. Running the
same command again resumes an interrupted import and creates nothing twice.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cifta.accounts.models import Membership, User
from cifta.core.context import Source, change_context
from cifta.core.errors import ServiceError
from cifta.core.permissions import Action, role_can
from cifta.core.scoping import country_scope
from cifta.directory.models import Agency, Country
from cifta.registry import marking_ops
from cifta.registry.importing import engine
from cifta.registry.importing.mappings import find_mapping
from cifta.registry.importing.readers import ENCODINGS, FileProblem
from cifta.registry.importing.report import report_path
from cifta.registry.models import ImportJob

ACTOR = "system:import"
SHOWN_ERRORS = 50
BAR = 30


class ProgressBar:
    """A one-line text bar rewritten with a carriage return (no dependency needed)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.started = time.monotonic()

    def __call__(self, job: ImportJob) -> None:
        total = max(job.total_rows or 0, job.rows_done)
        share = job.rows_done / total if total else 1.0
        filled = int(BAR * share)
        rate = job.rows_done / max(time.monotonic() - self.started, 1e-6)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (BAR - filled)}] {share:6.1%} {job.rows_done:,}/{total:,} rows "
            f"{rate:,.0f} rows/s  created {job.created_count:,}  present {job.duplicate_count:,}  "
            f"rejected {job.rejected_count:,} ", ending="")
        self.stream.flush()

    def end(self) -> None:
        self.stream.write("", ending="\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Import firearm records, or a marking machine's log, from a CSV or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        firearms = sub.add_parser("firearms", help="firearm records (CSV or XLSX)")
        firearms.add_argument("file")
        firearms.add_argument("--country", required=True, help="ISO code of the State whose register it is")
        firearms.add_argument("--actor", help="username of the officer accountable (default: system:import)")
        firearms.add_argument("--mapping", help="name of a saved column mapping of that State")
        firearms.add_argument("--batch-size", type=int, default=engine.DEFAULT_BATCH,
                              help=f"rows per committed batch (default {engine.DEFAULT_BATCH})")
        firearms.add_argument("--encoding", choices=sorted(ENCODINGS), default="utf-8",
                              help="encoding of a CSV file (default utf-8)")
        log = sub.add_parser("marking-log", help="a marking machine's log (serial, text marked, time, machine)")
        log.add_argument("file")
        log.add_argument("--country", required=True)
        log.add_argument("--agency", required=True, help="the agency that marked (one of the State's agencies)")
        log.add_argument("--actor", help="username of the officer accountable (default: system:import)")
        log.add_argument("--date", help="date of the session, YYYY-MM-DD (default: today)")
        log.add_argument("--machine", default="")
        log.add_argument("--operator", default="")
        log.add_argument("--encoding", choices=sorted(ENCODINGS), default="utf-8")

    def handle(self, *args: Any, **options: Any) -> None:
        country = Country.objects.filter(code=options["country"].upper()).first()
        if country is None:
            raise CommandError(f"--country: no country with code {options['country']}")
        with country_scope([country.pk]):
            actor = self._actor(options.get("actor"), country)
        if options["what"] == "firearms":
            self._firearms(country, actor, options)
        else:
            self._marking_log(country, actor, options)

    def _actor(self, username: str | None, country: Country) -> Any:
        if not username:
            return ACTOR
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--actor: no active user named {username!r}")
        roles = Membership.objects.filter(user=user, is_active=True, agency__is_active=True).values_list(
            "role", flat=True)
        if not any(role_can(role, Action.ADD) for role in roles):
            raise CommandError(f"--actor: {username} may not add records in {country.code}")
        return user

    def _firearms(self, country: Country, actor: Any, options: dict[str, Any]) -> None:
        columns = None
        if options.get("mapping"):
            with country_scope([country.pk]):
                saved = find_mapping(options["mapping"])
            if saved is None:
                raise CommandError(f"--mapping: {country.code} has no saved mapping named {options['mapping']!r}")
            columns = saved.columns
        bar = ProgressBar(self.stderr)
        started = time.monotonic()
        try:
            job = engine.import_firearms(actor=actor, country_id=country.pk, path=options["file"], columns=columns,
                                         batch_size=options["batch_size"], encoding=options["encoding"],
                                         progress=bar)
        except FileNotFoundError as exc:
            raise CommandError(f"{options['file']}: no such file") from exc
        except engine.ImportBusy as exc:
            raise CommandError(str(exc)) from exc
        except KeyboardInterrupt as exc:
            bar.end()
            raise CommandError("Interrupted: the batches committed are kept; run the same command again to "
                               "resume.", returncode=130) from exc
        except Exception as exc:
            bar.end()
            raise CommandError(f"The import stopped: {exc}. The batches committed are kept; run the same command "
                               f"again to resume.") from exc
        bar.end()
        self._summary(job, time.monotonic() - started)
        if job.state != ImportJob.State.DONE:
            raise CommandError(job.message or "The file could not be read.")

    def _summary(self, job: ImportJob, seconds: float) -> None:
        out = self.stdout
        rate = job.rows_done / seconds if seconds else 0
        out.write(f"{job.file_name}: {job.rows_done:,} rows read in {seconds:,.1f} s ({rate:,.0f} rows/s)")
        if job.message:
            out.write(f"  {job.message}")
        out.write(f"  created          {job.created_count:>12,}")
        out.write(f"  already present  {job.duplicate_count:>12,}")
        out.write(f"  rejected         {job.rejected_count:>12,}")
        if job.errors_preview:
            out.write(f"Rejected rows (first {min(SHOWN_ERRORS, len(job.errors_preview))}):")
            for error in job.errors_preview[:SHOWN_ERRORS]:
                out.write(f"  line {error['line']}, {error['field'] or '-'}: {error['message']}")
        if job.rejected_count or job.errors_preview:
            out.write(f"Report of rejected rows: {report_path(job)}")

    def _marking_log(self, country: Country, actor: Any, options: dict[str, Any]) -> None:
        try:
            held_on = dt.date.fromisoformat(options["date"]) if options.get("date") else timezone.localdate()
        except ValueError as exc:
            raise CommandError("--date: write it as YYYY-MM-DD") from exc
        with country_scope([country.pk]), change_context(actor, Source.IMPORT):
            agency = Agency.objects.owned().filter(name=options["agency"]).first()
            if agency is None:
                raise CommandError(f"--agency: {country.code} has no agency named {options['agency']!r}")
            try:
                marking_ops.check_log(options["file"], encoding=options["encoding"])
                session = marking_ops.create_marking_session(
                    actor=actor, agency=agency, held_on=held_on, machine=options["machine"],
                    operator=options["operator"], notes=f"log: {options['file']}"[:500])
                result = marking_ops.import_marking_log(actor=actor, session=session, path=options["file"],
                                                        encoding=options["encoding"])
            except FileNotFoundError as exc:
                raise CommandError(f"{options['file']}: no such file") from exc
            except FileProblem as exc:
                raise CommandError(str(exc)) from exc
            except ServiceError as exc:
                raise CommandError(f"--{exc.field or 'input'}: {exc}") from exc
        self.stdout.write(f"Marking session {session.public_id} ({agency.name}, {held_on}): {result.lines} lines, "
                          f"{result.matched} matched, {result.unmatched} not matched")
        for item in result.items:
            if item.unmatched_reason:
                self.stdout.write(f"  {item.serial or '-'}: {item.unmatched_reason}")
