"""The bulk import of firearm records from a CSV or XLSX file.

One pass over the file, streaming. Every row goes through ``drafts.draft_from_row`` (the rules
of the form and the API); a refused row is reported with its line, field and reason and never
stops the others. Valid rows are committed in batches, each in one transaction that also moves
the job's counters, so what the job says and what is stored always agree. Records whose natural
key (make, model, frame serial) is already in the country's register, or earlier in the file,
are counted as already present and not created again: importing a file twice adds nothing.
An interrupted job resumes after its last committed batch without checking those rows again.
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cifta.core import audit
from cifta.core.context import Source, change_context
from cifta.core.dbstats import refresh_statistics
from cifta.core.errors import ServiceError
from cifta.core.scoping import country_scope
from cifta.directory.models import Agency
from cifta.registry import events, services
from cifta.registry.drafts import FirearmDraft, ReferenceIndex, draft_from_row
from cifta.registry.importing.mapping import ColumnMap, resolve
from cifta.registry.importing.readers import FileFacts, FileProblem, file_facts, open_table
from cifta.registry.importing.report import ReportWriter, report_path
from cifta.registry.models import Firearm, ImportJob, SerialNumber
from cifta.registry.serial_probes import forget_samples

log = logging.getLogger(__name__)

KIND = "firearms"
DEFAULT_BATCH = 2000
MAX_BATCH = 10_000
PREVIEW_ERRORS = 500
UNFINISHED = (ImportJob.State.PENDING, ImportJob.State.RUNNING, ImportJob.State.FAILED)
Progress = Callable[[ImportJob], None]


class ImportBusy(ServiceError):
    """The same file is being imported right now by another process or thread."""


# --- the job --------------------------------------------------------------------------------


def unfinished_job(*, sha256: str, kind: str = KIND) -> ImportJob | None:
    """The caller's country's unfinished job for the same bytes, if any (resumed, not repeated)."""
    return ImportJob.objects.owned().filter(file_sha256=sha256, kind=kind, state__in=UNFINISHED).order_by(
        "-id").first()


@transaction.atomic
def create_job(*, actor: Any, file_name: str, facts: FileFacts, columns: Mapping[str, str] | None = None,
               stored_file: Any = None, kind: str = KIND) -> ImportJob:
    """A new job (waiting). Its country is the scope's."""
    job = ImportJob(kind=kind, file_name=file_name[:255], file_sha256=facts.sha256, mapping=dict(columns or {}))
    if stored_file is not None:
        job.stored_file = stored_file
    job.save()
    audit.emit(events.IMPORT_CREATED, target=job, payload={"file": job.file_name, "sha256": facts.sha256,
                                                          "bytes": facts.size})
    return job


def job_for_file(*, actor: Any, path: str | Path, file_name: str | None = None,
                 columns: Mapping[str, str] | None = None, encoding: str = "utf-8",
                 kind: str = KIND) -> tuple[ImportJob, bool]:
    """The job to run for this file: the unfinished one for the same bytes (resumed), or a new
    one. A file that cannot be read still gets its job, which the run ends as failed with the
    reason (so the person sees it in the list of imports)."""
    facts = file_facts(path, encoding="")  # the fingerprint; the run checks the encoding
    job = unfinished_job(sha256=facts.sha256, kind=kind)
    if job is not None:
        if columns and not job.rows_done:
            job.mapping = dict(columns)  # nothing committed yet: the new mapping applies
        return job, True
    return create_job(actor=actor, file_name=file_name or Path(path).name, facts=facts, columns=columns,
                      kind=kind), False


def lock_path(job: ImportJob) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "locks" / f"{job.public_id}.lock"


@contextmanager
def job_lock(job: ImportJob, *, wait: float = 0.0) -> Iterator[bool]:
    """An exclusive lock on the job while it runs, released by the system when the process
    dies, so a killed import can be resumed at once and a running one is never run twice.
    ``wait``: seconds to keep trying (a progress page may be peeking at the lock)."""
    path = lock_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.05)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_running(job: ImportJob) -> bool:
    """True while some process holds the job's lock."""
    if job.state != ImportJob.State.RUNNING:
        return False
    with job_lock(job) as free:
        return not free


# --- rows -----------------------------------------------------------------------------------


def own_agencies() -> dict[str, int]:
    return dict(Agency.objects.owned().filter(is_active=True).values_list("name", "pk"))


# --- the run --------------------------------------------------------------------------------


@dataclass
class Batch:
    rows: int = 0
    rejected: int = 0
    valid: list[tuple[int, FirearmDraft]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    counters: dict[str, Any] = field(default_factory=dict)


class Run:
    """One run of a job over its file (a first run or a resumption)."""

    def __init__(self, job: ImportJob, *, actor: Any, path: str | Path, batch_size: int, encoding: str,
                 progress: Progress | None) -> None:
        self.job, self.actor, self.path = job, actor, Path(path)
        self.batch_size = max(1, min(int(batch_size), MAX_BATCH))
        self.encoding, self.progress = encoding, progress
        self.today = timezone.localdate()

    # The whole run; FileProblem is reported on the job, anything else marks it failed.
    def execute(self) -> ImportJob:
        job = self.job
        try:
            facts = file_facts(self.path, encoding=self.encoding)
            if facts.sha256 != job.file_sha256:
                raise FileProblem(_("This is not the file the import was started with (its content changed)."))
            with open_table(self.path, encoding=self.encoding, facts=facts) as table:
                columns = resolve(table.headers, job.mapping or None)
                self._start(columns, table.estimated_rows)
                self._read(table, columns)
        except FileProblem as exc:
            self._finish(ImportJob.State.FAILED, str(exc))
        except BaseException as exc:
            if isinstance(exc, Exception):
                log.exception("import %s stopped", job.public_id)
            self._finish(ImportJob.State.FAILED, _(
                "Stopped after %(rows)s rows (%(batches)s batches committed): %(error)s. Import the same file "
                "again to resume.") % {"rows": job.rows_done, "batches": job.batches_committed,
                                       "error": exc.__class__.__name__ if not str(exc) else exc})
            raise
        return job

    def _start(self, columns: ColumnMap, estimate: int | None) -> None:
        job = self.job
        job.mapping = columns.as_columns()
        job.state = ImportJob.State.RUNNING
        if estimate is not None:
            job.total_rows = estimate
        job.message = (_("Resumed after %(rows)s rows.") % {"rows": job.rows_done}) if job.rows_done else ""
        with transaction.atomic():
            job.save()

    def _read(self, table: Any, columns: ColumnMap) -> None:
        job = self.job
        index = ReferenceIndex(own_agencies())
        header_field = {header: name for name, header in columns.as_columns().items()}
        positions = list(columns.positions.items())
        row_problems = table.row_problems
        rows = table.rows()
        skip, skipped, last_skipped = job.rows_done, 0, 0
        if skip:
            for line_no, _values in rows:  # committed already: counted, not checked again
                skipped, last_skipped = skipped + 1, line_no
                if skipped >= skip:
                    break
        report = ReportWriter(report_path(job), table.headers, keep_through_line=last_skipped if skip else None)
        try:
            if not skip:
                job.errors_preview = [{"line": 1, "field": "", "message": m} for m in table.header_problems]
            batch = Batch()
            for line_no, values in rows:
                batch.rows += 1
                problems = row_problems.get(line_no) if row_problems else None
                if problems:
                    batch.rejected += 1
                    for header, message in problems:
                        name = header_field.get(header, header)
                        batch.errors.append({"line": line_no, "field": name, "message": message})
                        report.add(line_no, name, message, values)
                else:
                    count = len(values)
                    row = {name: values[pos] for name, pos in positions if pos < count}
                    try:
                        draft = draft_from_row(row, index, today=self.today, default_source="bulk_import")
                    except ServiceError as exc:
                        batch.rejected += 1
                        batch.errors.append({"line": line_no, "field": exc.field or "", "message": str(exc)})
                        report.add(line_no, exc.field or "", str(exc), values)
                    else:
                        batch.valid.append((line_no, draft))
                if batch.rows >= self.batch_size:
                    report.flush()
                    self._commit(batch)
                    batch = Batch()
            report.flush()
            if batch.rows:
                self._commit(batch)
        finally:
            report.close()
        self._finish(ImportJob.State.DONE, "")

    def _store(self, valid: list[tuple[int, FirearmDraft]], batch_number: int) -> tuple[int, int]:
        """Create the drafts that are not already present; (created, already present)."""
        keys = {draft.serial_key for _, draft in valid}
        existing = set(Firearm.objects.owned().filter(serial_key__in=keys).values_list(
            "manufacturer_id", "model_id", "serial_key"))
        fresh: list[FirearmDraft] = []
        for _line, draft in valid:
            key = draft.natural_key
            if key not in existing:
                existing.add(key)
                fresh.append(draft)
        if fresh:
            services.bulk_register(actor=self.actor, drafts=fresh, country_id=self.job.country_id,
                                   source_name=self.job.file_name, batch_number=batch_number)
        return len(fresh), len(valid) - len(fresh)

    def _store_one_by_one(self, batch: Batch, batch_number: int) -> tuple[int, int]:
        """The batch failed in the database (a record written meanwhile by someone else, say):
        each row on its own, so only the rows at fault are refused."""
        created = duplicates = 0
        for line, draft in batch.valid:
            try:
                with transaction.atomic():
                    made, dup = self._store([(line, draft)], batch_number)
            except DatabaseError as exc:
                batch.rejected += 1
                batch.errors.append({"line": line, "field": "serial", "message": _(
                    "The database refused this row: %(error)s") % {"error": str(exc)[:200]}})
            else:
                created, duplicates = created + made, duplicates + dup
        return created, duplicates

    def _commit(self, batch: Batch) -> None:
        job = self.job
        number = job.batches_committed + 1
        try:
            with transaction.atomic():
                created, duplicates = self._store(batch.valid, number)
                self._save_progress(batch, created, duplicates)
        except DatabaseError:
            log.warning("import %s: batch %s refused by the database; retrying row by row", job.public_id, number)
            with transaction.atomic():
                created, duplicates = self._store_one_by_one(batch, number)
                self._save_progress(batch, created, duplicates)
        self._apply(batch)
        if self.progress is not None:
            self.progress(job)

    def _save_progress(self, batch: Batch, created: int, duplicates: int) -> None:
        """Move the job's counters in the batch's own transaction. Progress is operational
        metadata, written once per batch; the job's creation and its end go through the change
        log (a change row per batch would copy the error preview into the log each time)."""
        job = self.job
        preview = job.errors_preview
        room = PREVIEW_ERRORS - len(preview)
        if room > 0 and batch.errors:
            preview = [*preview, *batch.errors[:room]]
        batch.counters = {
            "rows_done": job.rows_done + batch.rows, "batches_committed": job.batches_committed + 1,
            "created_count": job.created_count + created, "duplicate_count": job.duplicate_count + duplicates,
            "rejected_count": job.rejected_count + batch.rejected, "errors_preview": preview,
        }
        ImportJob.unscoped.filter(pk=job.pk, country_id=job.country_id).update(
            updated_at=timezone.now(), **batch.counters)

    def _apply(self, batch: Batch) -> None:
        for name, value in batch.counters.items():
            setattr(self.job, name, value)

    def _finish(self, state: str, message: str) -> None:
        job = self.job
        job.state = state
        job.finished_at = timezone.now() if state == ImportJob.State.DONE else None
        if state == ImportJob.State.DONE:
            job.total_rows = job.rows_done
            summary = _("%(created)s created, %(duplicates)s already present, %(rejected)s rejected.") % {
                "created": job.created_count, "duplicates": job.duplicate_count, "rejected": job.rejected_count}
            message = f"{job.message} {summary}".strip()
        job.message = message[:500]
        if state == ImportJob.State.DONE and job.created_count:
            refresh_statistics([Firearm._meta.db_table, SerialNumber._meta.db_table])
            forget_samples()  # the serial search's planner statistics too
        with transaction.atomic():
            job.save()
            audit.emit(events.IMPORT_FINISHED if state == ImportJob.State.DONE else events.IMPORT_FAILED,
                       target=job, payload={"rows": job.rows_done, "created": job.created_count,
                                            "already_present": job.duplicate_count,
                                            "rejected": job.rejected_count, "message": job.message})


def run_job(job: ImportJob, *, actor: Any, path: str | Path, batch_size: int = DEFAULT_BATCH,
            encoding: str = "utf-8", progress: Progress | None = None) -> ImportJob:
    """Run (or resume) a job inside the caller's scope and change context."""
    if not ImportJob.objects.owned().filter(pk=job.pk).exists():
        raise ImportJob.DoesNotExist  # another country's job is not this scope's to run
    with job_lock(job, wait=1.0) as acquired:
        if not acquired:
            raise ImportBusy(_("This file is being imported right now; follow the import's page."), field="file")
        return Run(job, actor=actor, path=path, batch_size=batch_size, encoding=encoding,
                   progress=progress).execute()


def import_firearms(*, actor: Any, country_id: int, path: str | Path, file_name: str | None = None,
                    columns: Mapping[str, str] | None = None, batch_size: int = DEFAULT_BATCH,
                    encoding: str = "utf-8", progress: Progress | None = None) -> ImportJob:
    """Import a file for one country: the entry point of the command and of the tests. Sets the
    country scope and the change context (source ``import``) itself, as jobs do. A file that
    cannot be read (not UTF-8, empty, no serial column) ends the job as failed, with the reason
    in its message."""
    with country_scope([country_id]), change_context(actor, Source.IMPORT):
        job, _resumed = job_for_file(actor=actor, path=path, file_name=file_name, columns=columns,
                                     encoding=encoding)
        return run_job(job, actor=actor, path=path, batch_size=batch_size, encoding=encoding, progress=progress)
