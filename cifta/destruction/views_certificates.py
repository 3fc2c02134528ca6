"""Certificate pages.

Public, no log-in (the CIFTA States' partners, courts and the press check certificates): the
verification form (a number, or a PDF or JSON file), the page the QR code points to, and the
published public keys (HTML and JSON). They show the verification's answer and, for a genuine
certificate, only its signed content: never another record.

Signed in: a State's register of certificates (filters, CSV and XLSX), one certificate (PDF in a
chosen language, JSON, withdraw), issuing an executed event's certificate, the signing keys
(national administrators create, rotate and revoke them), and the totals per year, category and
method (a State's own; every State's numbers for the Secretariat). Reads go through the scoped
managers; whatever leads to a write is looked up through ``objects.owned()``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cifta.core import audit, throttle
from cifta.core.downloads import csv_response, xlsx_response
from cifta.core.errors import ServiceError
from cifta.core.paging import page_of
from cifta.core.permissions import Action, can
from cifta.core.views_support import require_action
from cifta.core.views_support import state_records_only as national
from cifta.destruction import certificates as engine
from cifta.destruction import events
from cifta.destruction import selectors_certificates as selectors
from cifta.destruction import services_certificates as services
from cifta.destruction.certificates_pdf import (
    KIND_LABELS,
    ROLE_LABELS,
    STAGE_LABELS,
    category_label,
    certificate_pdf,
    languages,
    method_label,
    public_base,
    state_name,
    type_labels,
    when,
)
from cifta.destruction.forms_certificates import (
    AuthorityForm,
    IssueForm,
    RegisterFilterForm,
    RevokeForm,
    VerifyForm,
    WithdrawForm,
    YearForm,
)
from cifta.destruction.models import Certificate, DestructionEvent, SigningKey
from cifta.directory.models import Country
from cifta.tracing.views import bar_chart

PAGE_SIZE = 50
BRAND, AMMO, PARTS = "#1d4ed8", "#b45309", "#047857"

# What the verification says, in the reader's language (the engine's codes never change).
VERDICTS: dict[str, Any] = {
    engine.GENUINE: gettext_lazy("Genuine: this certificate was signed by the authority it names, and its "
                                 "content has not changed since."),
    "tampered": gettext_lazy("Not genuine: the signed content has changed since it was signed."),
    "bad_signature": gettext_lazy("Not genuine: the signature does not match this content."),
    "unknown_key": gettext_lazy("Not genuine: no authority has published the key that signed it."),
    "wrong_authority": gettext_lazy("Not genuine: the key that signed it belongs to another authority."),
    "key_revoked": gettext_lazy("Not valid: the key that signed it has been revoked."),
    "key_not_valid_then": gettext_lazy("Not valid: the key that signed it was not in force at the signing time."),
    "withdrawn": gettext_lazy("Withdrawn: the issuing authority has withdrawn this certificate."),
    "malformed": gettext_lazy("Not a certificate this system can read."),
    "truncated": gettext_lazy("The file is incomplete: it ends before the certificate does."),
}


# --- helpers -----------------------------------------------------------------------------------
def principal_of(request: HttpRequest) -> Any:
    return getattr(request, "principal", None)


def _filter_query(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def payload_view(payload: dict[str, Any]) -> dict[str, Any]:
    """The signed content with labels in the active language, for the templates."""
    items = payload.get("items", [])
    types = type_labels(str(i.get("category", "")) for i in items)
    site = payload.get("site", {})
    return {
        "number": payload.get("certificate_number", ""),
        "state": state_name(str(payload.get("state", ""))),
        "authority": payload.get("authority_name") or payload.get("authority", ""),
        "order_reference": payload.get("order_reference", ""), "event": payload.get("event", ""),
        "site": site, "started": when(payload.get("started_at")), "ended": when(payload.get("ended_at")),
        "methods": [method_label(m.get("code", "")) for m in payload.get("methods", [])],
        "items": [{**i, "n": n + 1, "ref": i.get("serial") or i.get("lot", ""),
                   "kind_label": KIND_LABELS.get(i.get("kind"), i.get("kind")),
                   "category_label": category_label(i, types), "method_label": method_label(i.get("method", ""))}
                  for n, i in enumerate(items)],
        "witnesses": [{**w, "role_label": ROLE_LABELS.get(w.get("role"), w.get("role"))}
                      for w in payload.get("witnesses", [])],
        "photos": [{**p, "stage_label": STAGE_LABELS.get(p.get("stage"), p.get("stage")),
                    "item_n": None if p.get("item") is None else p["item"] + 1} for p in payload.get("photos", [])],
    }


def _verdict(verification: engine.Verification) -> dict[str, Any]:
    params = verification.params
    return {
        "ok": verification.ok, "code": verification.code, "text": VERDICTS.get(verification.code, verification.code),
        "number": params.get("certificate_number", ""), "key_id": params.get("key_id", ""),
        "signed_at": when(params.get("signed_at")) if params.get("signed_at") else "",
        "digest": params.get("digest", ""), "reason": params.get("reason", ""),
        "superseded": "key_superseded" in verification.warnings,
        "content": payload_view(verification.payload) if verification.payload is not None else None,
    }


# --- public pages ------------------------------------------------------------------------------
def _too_many(request: HttpRequest) -> HttpResponse | None:
    """Anyone may verify, but one address only so fast (numbers run in sequence)."""
    if throttle.allow(request, "certificate-verify", limit=settings.CIFTA_PUBLIC_VERIFY_PER_MINUTE):
        return None
    return render(request, "destruction/certificates/verify.html",
                  {"form": VerifyForm(), "throttled": True}, status=429)


def verify(request: HttpRequest) -> HttpResponse:
    """The public verification form: a certificate number, or a PDF or JSON file."""
    if request.method == "POST" and (refused := _too_many(request)) is not None:
        return refused
    form = VerifyForm(request.POST, request.FILES) if request.method == "POST" else VerifyForm()
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("file")
        if upload is None:
            number = form.cleaned_data["number"].strip()
            try:
                engine.check_certificate_number(number)
            except engine.CertificateError:
                form.add_error("number", _("A certificate number has letters, digits, dots, dashes and "
                                           "underscores only."))
            else:
                return redirect("destruction:verify_number", number=number)
        else:
            result = _verdict(selectors.verify_bytes(upload.read(selectors.MAX_UPLOAD + 1)))
    status = 400 if form.errors else 200
    return render(request, "destruction/certificates/verify.html", {"form": form, "result": result},
                  status=status)


def verify_number(request: HttpRequest, number: str) -> HttpResponse:
    """What the QR code points to: the certificate the hub holds under this number, verified."""
    if (refused := _too_many(request)) is not None:
        return refused
    verification = selectors.verify_number(number)
    if verification is None:
        return render(request, "destruction/certificates/verify.html",
                      {"form": VerifyForm(initial={"number": number}), "not_found": number}, status=404)
    return render(request, "destruction/certificates/verify.html",
                  {"form": VerifyForm(initial={"number": number}), "result": _verdict(verification)})


def public_keys(request: HttpRequest) -> HttpResponse:
    """The public keys of every issuing authority (``?format=json``: the key ring as JSON)."""
    if request.GET.get("format") == "json":
        return public_keys_json(request)
    rows = selectors.published_keys()
    for row in rows:
        row["state"] = state_name(row["country__code"])
        row["status"] = (pgettext("signing key", "revoked") if row["revoked_at"]
                         else _("ended") if row["valid_until"] else _("in force"))
        row["reason_label"] = dict(SigningKey.Revocation.choices).get(row["revocation_reason"], "")
    return render(request, "destruction/certificates/public_keys.html", {"rows": rows})


def public_keys_json(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(selectors.keyring().to_json(), content_type="application/json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- the register ------------------------------------------------------------------------------
def _register(request: HttpRequest) -> tuple[RegisterFilterForm, Any]:
    form = RegisterFilterForm(request.GET)
    rows = selectors.certificate_queryset()
    if form.is_valid():
        d = form.cleaned_data
        rows = selectors.filter_certificates(rows, year=d.get("year"), method=d.get("method") or "",
                                             status=d.get("status") or "", q=(d.get("q") or "").strip())
    else:
        rows = rows.none()
    return form, rows


@login_required
@require_action(Action.VIEW)
@national
def certificate_list(request: HttpRequest) -> HttpResponse:
    form, rows = _register(request)
    page = page_of(rows, request, PAGE_SIZE)
    return render(request, "destruction/certificates/certificate_list.html", {
        "form": form, "page": page, "query": _filter_query(request), "section": "certificates"})


@login_required
@require_action(Action.EXPORT)
@national
def certificate_export(request: HttpRequest, fmt: str) -> HttpResponse:
    _form, rows = _register(request)
    data = selectors.export_rows(rows)
    query = {k: v for k, v in request.GET.items() if k != "page"}
    audit.audit_read(events.REGISTER_EXPORTED, country_id=principal_of(request).country_id,
                     query={**query, "format": fmt}, result_count=len(data) - 1)
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        return xlsx_response(data, f"destruction-certificates-{stamp}", _("Certificates"))
    return csv_response(data, f"destruction-certificates-{stamp}")


# --- one certificate ---------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
@national
def certificate_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    certificate = get_object_or_404(selectors.certificate_queryset(), public_id=public_id)
    envelope = selectors.envelope_of(certificate)
    return render(request, "destruction/certificates/certificate_detail.html", {
        "certificate": certificate, "object": certificate, "content": payload_view(envelope.payload),
        "signed_at": when(engine.timestamp_text(envelope.signed_at)),
        "url": engine.verification_url(public_base(request), certificate.number, certificate.digest),
        "languages": languages(), "withdraw_form": WithdrawForm(), "section": "certificates"})


def _exported(request: HttpRequest, certificate: Certificate, fmt: str) -> None:
    audit.audit_read(events.CERTIFICATE_EXPORTED, country_id=certificate.country_id, target=certificate,
                     query={"number": certificate.number, "format": fmt}, result_count=1)


@login_required
@require_action(Action.VIEW)
@national
def certificate_pdf_view(request: HttpRequest, public_id: Any) -> HttpResponse:
    certificate = get_object_or_404(selectors.certificate_queryset(), public_id=public_id)
    language = request.GET.get("lang") or (get_language() or "en")[:2]
    if language not in languages():
        raise Http404
    pdf = certificate_pdf(selectors.envelope_of(certificate), language=language, base_url=public_base(request),
                          withdrawn=certificate.withdrawn_at is not None)
    _exported(request, certificate, f"pdf-{language}")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}-{language}.pdf"'
    return response


@login_required
@require_action(Action.VIEW)
@national
def certificate_json(request: HttpRequest, public_id: Any) -> HttpResponse:
    certificate = get_object_or_404(selectors.certificate_queryset(), public_id=public_id)
    _exported(request, certificate, "json")
    response = HttpResponse(certificate.envelope, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.json"'
    return response


@require_POST
@login_required
@require_action(Action.APPROVE)
@national
def certificate_withdraw(request: HttpRequest, public_id: Any) -> HttpResponse:
    certificate = get_object_or_404(Certificate.objects.owned(), public_id=public_id)
    form = WithdrawForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError(_("Say why the certificate is withdrawn (at most 1,000 characters)."), field="reason")
        services.withdraw_certificate(actor=request.user, certificate=certificate,
                                      reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The certificate is withdrawn; verification now says so."))
    return redirect(certificate.get_absolute_url())


@login_required
@require_action(Action.APPROVE)
@national
def certificate_issue(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Issue the certificate of an executed event (with the authority's key in force)."""
    event = get_object_or_404(DestructionEvent.objects.owned(), public_id=public_id)
    form = IssueForm(request.POST or None, authorities=services.signing_authorities())
    if request.method == "POST" and form.is_valid():
        try:
            certificate = services.issue_certificate(actor=request.user, event=event,
                                                     authority=form.cleaned_data["authority"])
        except ServiceError as exc:
            form.add_error("authority" if exc.field == "authority" else None, str(exc))
        else:
            messages.success(request, _("Certificate %(number)s is issued.") % {"number": certificate.number})
            return redirect(certificate.get_absolute_url())
    return render(request, "destruction/certificates/issue.html", {"form": form, "event": event,
                                                                    "section": "certificates"},
                  status=400 if form.errors else 200)


# --- keys --------------------------------------------------------------------------------------
@login_required
@require_action(Action.VIEW)
@national
def key_list(request: HttpRequest) -> HttpResponse:
    keys = list(SigningKey.objects.select_related("authority").order_by("authority__name", "-valid_from"))
    return render(request, "destruction/certificates/key_list.html", {
        "keys": keys, "form": AuthorityForm(), "revoke_form": RevokeForm(), "section": "keys"})


@require_POST
@login_required
@require_action(Action.APPROVE)
@national
def key_create(request: HttpRequest, rotate: bool = False) -> HttpResponse:
    form = AuthorityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an authority of your State."))
        return redirect("destruction:key_list")
    try:
        service = services.rotate_key if rotate else services.create_key
        key = service(actor=request.user, authority=form.cleaned_data["authority"])
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Key %(key_id)s is in force and published.") % {"key_id": key.key_id})
    return redirect("destruction:key_list")


@require_POST
@login_required
@require_action(Action.APPROVE)
@national
def key_rotate(request: HttpRequest) -> HttpResponse:
    return key_create(request, rotate=True)


@require_POST
@login_required
@require_action(Action.APPROVE)
@national
def key_revoke(request: HttpRequest, public_id: Any) -> HttpResponse:
    key = get_object_or_404(SigningKey.objects.owned(), public_id=public_id)
    form = RevokeForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError(_("Choose a reason."), field="reason")
        services.revoke_key(actor=request.user, key=key, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Key %(key_id)s is revoked.") % {"key_id": key.key_id})
    return redirect("destruction:key_list")


# --- totals ------------------------------------------------------------------------------------
def _year(request: HttpRequest) -> int:
    form = YearForm(request.GET)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    return year or timezone.localdate().year


def _totals(request: HttpRequest, year: int) -> tuple[bool, dict[str, selectors.Totals]]:
    """(regional?, totals per State code): the Secretariat's numbers of every State, or the
    caller's own State's."""
    principal = principal_of(request)
    if principal is None:
        raise PermissionDenied
    if principal.is_secretariat or principal.country_id is None:
        if not can(principal, Action.VIEW_AGGREGATES):
            raise PermissionDenied
        return True, selectors.regional_totals(year)
    code = Country.objects.filter(pk=principal.country_id).values_list("code", flat=True).first() or ""
    return False, {code: selectors.state_totals(year)}


def _labelled(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    types = type_labels(r["category"] for r in rows if r["kind"] != "ammunition")
    return [{**r, "kind_label": KIND_LABELS.get(r["kind"], r["kind"]), "method_label": method_label(r["method"]),
             "category_label": category_label(r, types) or "—"} for r in rows]


@login_required
@require_action(Action.VIEW)
def totals(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    regional, found = _totals(request, year)
    states: list[dict[str, Any]] = [{"code": code, "name": state_name(code), "totals": t, "rows": _labelled(t.rows)}
                                    for code, t in found.items()]
    bars: list[tuple[str, float | None, str]] = []
    if regional:
        for s in states:
            bars += [(f"{s['code']}: {_('firearms')}", s["totals"].firearms, BRAND),
                     (f"{s['code']}: {_('ammunition')}", s["totals"].ammunition, AMMO)]
    else:
        for r in states[0]["rows"] if states else []:
            colour = AMMO if r["kind"] == "ammunition" else PARTS if r["kind"] == "part" else BRAND
            bars.append((f"{r['category_label']} ({r['method_label'] or '—'})", r["quantity"], colour))
    return render(request, "destruction/certificates/totals.html", {
        "year": year, "regional": regional, "states": states, "chart": bar_chart(bars),
        "form": YearForm(initial={"year": year}), "section": "totals"})


@login_required
@require_action(Action.EXPORT)
def totals_export(request: HttpRequest, fmt: str) -> HttpResponse:
    year = _year(request)
    regional, found = _totals(request, year)
    data = selectors.totals_rows(found)
    audit.audit_read(events.REGISTER_EXPORTED, country_id=principal_of(request).country_id,
                     query={"year": year, "totals": True, "regional": regional, "format": fmt},
                     result_count=len(data) - 1)
    name = f"destruction-totals-{year}"
    if fmt == "xlsx":
        return xlsx_response(data, name, _("Destruction totals"))
    return csv_response(data, name)
