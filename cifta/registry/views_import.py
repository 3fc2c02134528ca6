"""Pages of bulk imports and marking sessions.

Imports: upload a file (CSV or XLSX), check which column is which (detected headers, a select
box per column, saved mappings), start; the import runs in the background and its page shows
the progress (htmx polling every second; a meta refresh without JavaScript), the counters, the
first rejected rows and the report of all of them. Marking sessions: create one for an agency
of one's own, upload the machine's log, see which lines matched a firearm and why others did not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cifta.core.errors import ServiceError
from cifta.core.permissions import Action
from cifta.core.views_support import require_action
from cifta.directory.models import Agency
from cifta.registry import marking_ops
from cifta.registry.drafts import FIELDS
from cifta.registry.importing import background, engine
from cifta.registry.importing.mapping import FIELD_LABELS, auto_columns, resolve
from cifta.registry.importing.mappings import find_mapping, save_mapping
from cifta.registry.importing.readers import ENCODINGS, FileFacts, FileProblem, open_table
from cifta.registry.importing.report import report_path
from cifta.registry.models import ImportJob, ImportMapping, MarkingSession

MAX_UPLOAD = 200 * 1024 * 1024
MAX_LOG_UPLOAD = 20 * 1024 * 1024
PREVIEW_SHOWN = 100
PAGE_SIZE = 50
STALLED_AFTER = dt.timedelta(seconds=15)  # a running job that has not moved for this long may be resumed
ACCEPT = ".csv,.txt,.tsv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ENCODING_CHOICES = list(ENCODINGS.items())


# --- forms ----------------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (CSV or XLSX)"),
                           help_text=gettext_lazy("At most 200 MB. The first row names the columns."),
                           widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))
    mapping = forms.ChoiceField(label=gettext_lazy("Saved column mapping"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = ImportMapping.objects.owned().filter(kind=engine.KIND).values_list("name", flat=True)
        field = self.fields["mapping"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("detect from the headers")), *((n, n) for n in names)]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 200 MB: split it into several files."))
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


class SessionForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), to_field_name="public_id",
                                    label=gettext_lazy("Agency"))
    held_on = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    machine = forms.CharField(label=gettext_lazy("Marking machine"), max_length=100, required=False)
    operator = forms.CharField(label=gettext_lazy("Operator"), max_length=150, required=False)
    notes = forms.CharField(label=gettext_lazy("Notes"), max_length=500, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.owned().filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["held_on"].initial = timezone.localdate()


class LogUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Machine log (CSV or XLSX)"),
                           help_text=gettext_lazy("Columns: serial, text marked, timestamp, machine id."),
                           widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))
    encoding = forms.ChoiceField(label=gettext_lazy("Encoding of a CSV file"), choices=ENCODING_CHOICES,
                                 initial="utf-8")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_LOG_UPLOAD:
            raise forms.ValidationError(_("The log is larger than 20 MB: split it into several files."))
        return upload


# --- helpers --------------------------------------------------------------------------------


def _principal(request: HttpRequest) -> Any:
    return getattr(request, "principal", None)


def _job(public_id: Any) -> ImportJob:
    return get_object_or_404(ImportJob.objects.owned(), public_id=public_id)


def _stored_path(job: ImportJob) -> Path | None:
    if not job.stored_file:
        return None
    try:
        path = Path(job.stored_file.path)
    except (NotImplementedError, ValueError):
        return None
    return path if path.exists() else None


def _encoding(request: HttpRequest) -> str:
    value = request.POST.get("encoding") or request.GET.get("encoding") or "utf-8"
    return value if value in ENCODINGS else "utf-8"


def _progress_context(job: ImportJob) -> dict[str, Any]:
    total = max(job.total_rows or 0, job.rows_done)
    share = 100 if job.state == ImportJob.State.DONE else (int(100 * job.rows_done / total) if total else 0)
    running = job.state == ImportJob.State.RUNNING and engine.is_running(job)
    quiet = job.updated_at < timezone.now() - STALLED_AFTER
    return {
        "job": job, "percent": share, "total": total, "running": running,
        "polling": job.state == ImportJob.State.RUNNING,
        "stalled": not running and (job.state == ImportJob.State.FAILED
                                    or (job.state == ImportJob.State.RUNNING and quiet)),
        "errors": job.errors_preview[:PREVIEW_SHOWN], "has_report": report_path(job).exists(),
    }


def _start(request: HttpRequest, job: ImportJob, encoding: str) -> None:
    path = _stored_path(job)
    if path is None:
        raise ServiceError(_("The uploaded file is no longer available: upload it again."), field="file")
    job.state = ImportJob.State.RUNNING
    job.message = _("Starting…")
    with transaction.atomic():
        job.save()
    background.start_import(job, user=request.user, path=path, encoding=encoding)


# --- imports --------------------------------------------------------------------------------


@login_required
@require_action(Action.ADD)
def import_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(ImportJob.objects.owned().filter(kind=engine.KIND), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/import_list.html", {"page": page, "section": "imports"})


@login_required
@require_action(Action.ADD)
def import_new(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        digest = hashlib.sha256()
        first = b""
        for chunk in upload.chunks():
            first = first or chunk[:4]
            digest.update(chunk)
        upload.seek(0)
        sha = digest.hexdigest()
        existing = engine.unfinished_job(sha256=sha)
        if existing is not None:
            if _stored_path(existing) is None:  # started from the command line: keep this copy
                existing.stored_file = upload
                with transaction.atomic():
                    existing.save()
            messages.info(request, _("This file was already being imported: it continues where it stopped."))
            return redirect("registry:import_detail", existing.public_id)
        columns = None
        if form.cleaned_data.get("mapping"):
            saved = find_mapping(form.cleaned_data["mapping"])
            columns = saved.columns if saved else None
        facts = FileFacts(sha256=sha, size=upload.size, newlines=0, ends_with_newline=True,
                          is_xlsx=first.startswith(b"PK\x03\x04"))
        job = engine.create_job(actor=request.user, file_name=upload.name, facts=facts, columns=columns,
                                stored_file=upload)
        return redirect("registry:import_detail", job.public_id)
    return render(request, "registry/import_new.html", {"form": form, "section": "imports"},
                  status=400 if form.errors else 200)


def _mapping_page(request: HttpRequest, job: ImportJob) -> HttpResponse:
    """A waiting job: which column holds which field, then start."""
    encoding = _encoding(request)
    path = _stored_path(job)
    context: dict[str, Any] = {"job": job, "section": "imports", "encodings": ENCODING_CHOICES,
                               "encoding": encoding, "fields": [(f, FIELD_LABELS[f]) for f in FIELDS],
                               "saved": list(ImportMapping.objects.owned().filter(kind=engine.KIND)),
                               "problems": [], "headers": []}
    if path is None:
        context["problems"].append(_("The uploaded file is no longer available: upload it again."))
        return render(request, "registry/import_mapping.html", context, status=410)
    try:
        with open_table(path, encoding=encoding) as table:
            headers = table.headers
            context["problems"].extend(table.header_problems)
            sample = [values for _n, (_line, values) in zip(range(3), table.rows(), strict=False)]
    except FileProblem as exc:
        context["problems"].append(str(exc))
        return render(request, "registry/import_mapping.html", context, status=400 if request.method == "POST" else 200)
    chosen_name = request.GET.get("mapping", "")
    saved = find_mapping(chosen_name) if chosen_name else None
    columns = saved.columns if saved else (job.mapping or auto_columns(headers))
    field_by_header = {header: name for name, header in columns.items()}
    status = 200
    if request.method == "POST":
        picked: dict[str, str] = {}
        for position, header in enumerate(headers):
            name = request.POST.get(f"col_{position}", "")
            if not name:
                continue
            if name not in FIELDS:
                context["problems"].append(_("Unknown field %(field)r.") % {"field": name})
            elif name in picked:
                context["problems"].append(_("%(field)s is chosen for two columns: %(a)s and %(b)s.") % {
                    "field": FIELD_LABELS[name], "a": picked[name], "b": header})
            else:
                picked[name] = header
        field_by_header = {header: name for name, header in picked.items()}
        if not context["problems"]:
            try:
                resolve(headers, picked)
                save_as = request.POST.get("save_as", "").strip()
                if save_as:
                    save_mapping(actor=request.user, name=save_as, columns=picked, known=FIELDS)
                job.mapping = picked
                _start(request, job, encoding)
            except (FileProblem, ServiceError) as exc:
                context["problems"].append(str(exc))
            else:
                return redirect("registry:import_detail", job.public_id)
        status = 400
    context["rows"] = [
        {"position": i, "header": h, "field": field_by_header.get(h, ""),
         "examples": [str(r[i]) for r in sample if i < len(r) and r[i] not in (None, "")][:3]}
        for i, h in enumerate(headers)
    ]
    context["headers"] = headers
    context["chosen_mapping"] = chosen_name
    return render(request, "registry/import_mapping.html", context, status=status)


@login_required
@require_action(Action.ADD)
def import_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    job = _job(public_id)
    if request.GET.get("download") == "report":
        path = report_path(job)
        if not path.exists():
            raise Http404
        response: Any = FileResponse(open(path, "rb"), as_attachment=True,  # noqa: SIM115 - FileResponse closes it
                                     filename=f"{Path(job.file_name).stem}-rejected.csv", content_type="text/csv")
        return response  # type: ignore[no-any-return]
    if job.state == ImportJob.State.PENDING:
        return _mapping_page(request, job)
    if request.method == "POST" and request.POST.get("action") == "resume":
        if engine.is_running(job):
            messages.info(request, _("The import is running."))
        else:
            try:
                _start(request, job, _encoding(request))
            except ServiceError as exc:
                messages.error(request, str(exc))
        return redirect("registry:import_detail", job.public_id)
    context = {**_progress_context(job), "section": "imports", "encodings": ENCODING_CHOICES}
    return render(request, "registry/import_detail.html", context)


@login_required
@require_action(Action.ADD)
def import_progress(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The progress fragment the page polls (htmx); a full page without htmx."""
    job = _job(public_id)
    if not getattr(request, "htmx", False):
        return redirect("registry:import_detail", job.public_id)
    return render(request, "registry/import_progress.html", _progress_context(job))


# --- marking sessions -----------------------------------------------------------------------


@login_required
@require_action(Action.VIEW)
def marking_session_list(request: HttpRequest) -> HttpResponse:
    sessions = MarkingSession.objects.select_related("agency").order_by("-held_on", "-id")
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/marking_session_list.html", {"page": page, "section": "marking_sessions"})


@login_required
@require_action(Action.ADD)
def marking_session_new(request: HttpRequest) -> HttpResponse:
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = marking_ops.create_marking_session(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("Marking session created: upload the machine's log."))
            return redirect(session.get_absolute_url())
    return render(request, "registry/marking_session_new.html", {"form": form, "section": "marking_sessions"},
                  status=400 if form.errors else 200)


@login_required
@require_action(Action.VIEW)
def marking_session_detail(request: HttpRequest, public_id: Any, form: LogUploadForm | None = None) -> HttpResponse:
    session = get_object_or_404(MarkingSession.objects.select_related("agency"), public_id=public_id)
    items = session.items.select_related("firearm").order_by("id")
    show = request.GET.get("show", "")
    if show == "matched":
        items = items.filter(firearm__isnull=False)
    elif show == "unmatched":
        items = items.filter(firearm__isnull=True)
    counts = {"all": session.items.count(), "matched": session.items.filter(firearm__isnull=False).count()}
    counts["unmatched"] = counts["all"] - counts["matched"]
    page = Paginator(items, 100).get_page(request.GET.get("page"))
    return render(request, "registry/marking_session_detail.html", {
        "session": session, "object": session, "page": page, "show": show, "counts": counts,
        "form": form or LogUploadForm(), "section": "marking_sessions",
    }, status=400 if form is not None and form.errors else 200)


@login_required
@require_action(Action.ADD)
@require_POST
def marking_log_upload(request: HttpRequest, public_id: Any) -> HttpResponse:
    session = get_object_or_404(MarkingSession.objects.owned(), public_id=public_id)
    form = LogUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return marking_session_detail(request, public_id, form=form)
    upload = form.cleaned_data["file"]
    suffix = Path(upload.name).suffix.lower()[:5] or ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as temp:
        for chunk in upload.chunks():
            temp.write(chunk)
        temp.flush()
        try:
            marking_ops.check_log(temp.name, encoding=form.cleaned_data["encoding"])
            result = marking_ops.import_marking_log(actor=request.user, session=session, path=temp.name,
                                                    encoding=form.cleaned_data["encoding"])
        except FileProblem as exc:
            form.add_error("file", str(exc))
            return marking_session_detail(request, public_id, form=form)
    messages.success(request, _("%(lines)s lines read: %(matched)s matched a firearm, %(unmatched)s did not.") % {
        "lines": result.lines, "matched": result.matched, "unmatched": result.unmatched})
    return redirect(session.get_absolute_url())
