"""Reference data pages: everyone logged in reads; Secretariat administrators (and the hub
operator) edit, import and export through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cifta.core.context import Source, change_context
from cifta.core.errors import ServiceError
from cifta.core.permissions import Action
from cifta.core.views_support import require_action
from cifta.reference import csvio, services
from cifta.reference.filtersets import (
    CalibreFilterSet,
    FirearmModelFilterSet,
    FirearmTypeFilterSet,
    ManufacturerFilterSet,
    PartTypeFilterSet,
)
from cifta.reference.forms import CalibreForm, CsvUploadForm, FirearmModelForm, ManufacturerForm, table_labels
from cifta.reference.models import (
    Calibre,
    CalibreAlias,
    FirearmModel,
    FirearmType,
    Manufacturer,
    ManufacturerAlias,
    ManufacturerSuccession,
    ModelVariant,
    PartType,
)
from cifta.reference.selectors import part_changes

PAGE_SIZE = 50


def _service_error(form: Any, exc: ServiceError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
@require_action(Action.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    counts = {
        "types": FirearmType.objects.count(),
        "parts": PartType.objects.count(),
        "calibres": Calibre.objects.count(),
        "manufacturers": Manufacturer.objects.count(),
        "models": FirearmModel.objects.count(),
        "variants": ModelVariant.objects.count(),
    }
    return render(request, "reference/index.html", {"counts": counts, "section": "index"})


@login_required
@require_action(Action.VIEW)
def type_list(request: HttpRequest) -> HttpResponse:
    queryset = FirearmType.objects.annotate(n_models=Count("models")).order_by("sort", "code")
    filterset = FirearmTypeFilterSet(request.GET, queryset=queryset)
    return render(request, "reference/type_list.html", {"filter": filterset, "page": _page(request, filterset.qs),
                                                        "section": "types"})


@login_required
@require_action(Action.VIEW)
def part_list(request: HttpRequest) -> HttpResponse:
    filterset = PartTypeFilterSet(request.GET, queryset=PartType.objects.all())
    return render(request, "reference/part_list.html", {"filter": filterset, "page": _page(request, filterset.qs),
                                                        "section": "parts"})


# --- Calibres ------------------------------------------------------------------------------

@login_required
@require_action(Action.VIEW)
def calibre_list(request: HttpRequest) -> HttpResponse:
    filterset = CalibreFilterSet(request.GET, queryset=Calibre.objects.prefetch_related("aliases"))
    return render(request, "reference/calibre_list.html",
                  {"filter": filterset, "page": _page(request, filterset.qs), "section": "calibres"})


@login_required
@require_action(Action.VIEW)
def calibre_detail(request: HttpRequest, code: str) -> HttpResponse:
    calibre = get_object_or_404(Calibre.objects.prefetch_related("aliases"), code=code)
    variants = (ModelVariant.objects.filter(calibre=calibre).select_related("model__manufacturer", "model__type")
                .order_by("model__manufacturer__name", "model__name"))
    return render(request, "reference/calibre_detail.html",
                  {"calibre": calibre, "object": calibre, "variants": variants, "section": "calibres",
                   "part_changes": part_changes(calibre, CalibreAlias, "calibre")})


@login_required
@require_action(Action.MANAGE_REFERENCE)
def calibre_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    calibre = get_object_or_404(Calibre.objects.prefetch_related("aliases"), code=code) if code else None
    form = CalibreForm(request.POST or None, instance=calibre)
    if request.method == "POST" and form.is_valid():
        try:
            if calibre is None:
                calibre = services.create_calibre(**form.service_data())
            else:
                calibre = services.update_calibre(**form.service_data())
        except ServiceError as exc:
            _service_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(calibre.get_absolute_url())
    return render(request, "reference/calibre_form.html", {"form": form, "calibre": calibre, "section": "calibres"},
                  status=400 if form.errors else 200)


# --- Manufacturers -------------------------------------------------------------------------

def _manufacturers() -> Any:
    return Manufacturer.objects.prefetch_related(
        "aliases",
        Prefetch("predecessions", queryset=ManufacturerSuccession.objects.select_related("predecessor")),
        Prefetch("successions", queryset=ManufacturerSuccession.objects.select_related("successor")),
    )


@login_required
@require_action(Action.VIEW)
def manufacturer_list(request: HttpRequest) -> HttpResponse:
    queryset = _manufacturers().annotate(n_models=Count("models")).order_by("name")
    filterset = ManufacturerFilterSet(request.GET, queryset=queryset)
    return render(request, "reference/manufacturer_list.html",
                  {"filter": filterset, "page": _page(request, filterset.qs), "section": "manufacturers"})


@login_required
@require_action(Action.VIEW)
def manufacturer_detail(request: HttpRequest, code: str) -> HttpResponse:
    maker = get_object_or_404(_manufacturers(), code=code.upper())
    models = FirearmModel.objects.filter(manufacturer=maker).select_related("type").prefetch_related(
        Prefetch("variants", queryset=ModelVariant.objects.select_related("calibre")))
    changes = sorted([*part_changes(maker, ManufacturerAlias, "manufacturer"),
                      *part_changes(maker, ManufacturerSuccession, "successor")], key=lambda c: -c.seq)
    return render(request, "reference/manufacturer_detail.html",
                  {"manufacturer": maker, "object": maker, "models": models, "section": "manufacturers",
                   "part_changes": changes})


@login_required
@require_action(Action.MANAGE_REFERENCE)
def manufacturer_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    maker = get_object_or_404(_manufacturers(), code=code.upper()) if code else None
    form = ManufacturerForm(request.POST or None, instance=maker)
    if request.method == "POST" and form.is_valid():
        try:
            if maker is None:
                maker = services.create_manufacturer(**form.service_data())
            else:
                maker = services.update_manufacturer(**form.service_data())
        except ServiceError as exc:
            _service_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(maker.get_absolute_url())
    return render(request, "reference/manufacturer_form.html",
                  {"form": form, "manufacturer": maker, "section": "manufacturers"},
                  status=400 if form.errors else 200)


# --- Models --------------------------------------------------------------------------------

def _models() -> Any:
    return FirearmModel.objects.select_related("manufacturer", "type").prefetch_related(
        Prefetch("variants", queryset=ModelVariant.objects.select_related("calibre").order_by("calibre__designation")))


@login_required
@require_action(Action.VIEW)
def model_list(request: HttpRequest) -> HttpResponse:
    filterset = FirearmModelFilterSet(request.GET, queryset=_models(), request=request)
    return render(request, "reference/model_list.html",
                  {"filter": filterset, "page": _page(request, filterset.qs), "section": "models"})


@login_required
@require_action(Action.VIEW)
def model_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    model = get_object_or_404(_models(), public_id=public_id)
    return render(request, "reference/model_detail.html",
                  {"model": model, "object": model, "section": "models",
                   "part_changes": part_changes(model, ModelVariant, "model")})


@login_required
@require_action(Action.MANAGE_REFERENCE)
def model_edit(request: HttpRequest, public_id: Any = None) -> HttpResponse:
    model = get_object_or_404(_models(), public_id=public_id) if public_id else None
    form = FirearmModelForm(request.POST or None, instance=model)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        try:
            if model is None:
                model = services.create_firearm_model(**data)
            else:
                model = services.update_firearm_model(model=model, type_code=data["type_code"],
                                                      variants=data["variants"], external_ref=data["external_ref"])
        except ServiceError as exc:
            _service_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(model.get_absolute_url())
    return render(request, "reference/model_form.html", {"form": form, "model": model, "section": "models"},
                  status=400 if form.errors else 200)


# --- CSV -----------------------------------------------------------------------------------

@login_required
@require_action(Action.VIEW)
def csv_page(request: HttpRequest) -> HttpResponse:
    return render(request, "reference/csv.html", {"tables": table_labels(), "section": "csv"})


@login_required
@require_action(Action.VIEW)
def csv_export(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in csvio.KINDS:
        raise Http404
    response = HttpResponse(csvio.export_csv(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="reference-{kind}.csv"'
    return response


@login_required
@require_action(Action.MANAGE_REFERENCE)
def csv_upload(request: HttpRequest) -> HttpResponse:
    form = CsvUploadForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")})
    report = None
    if request.method == "POST" and form.is_valid():
        upload = request.FILES["file"]
        # The rows are written with the source "import" (one request id for the whole file).
        with change_context(request.user, Source.IMPORT, getattr(request, "request_id", None)):
            report = csvio.import_csv(form.cleaned_data["kind"], form.cleaned_data["file"],
                                      source=str(getattr(upload, "name", ""))[:100])
        if report.ok:
            messages.success(request, _("The file was imported."))
    status = 400 if form.errors or (report is not None and not report.ok) else 200
    return render(request, "reference/csv_upload.html",
                  {"form": form, "report": report, "table": table_labels().get(form.cleaned_data.get("kind", ""))
                   if report else None, "section": "csv"}, status=status)
