"""Exports of one trace request, with its answer when there is one: a JSON document and a PDF
in any of the four OAS languages.

Both show what the viewer's State may read of the request, and nothing else: never the
registry record the requested State used to answer (``TraceAnswer.firearm``), never an internal
id, and the requesting State's own trace case only to the requesting State (by its reference).
Everything is read through the scoped managers, so the caller's scope must be active; a viewer
that is neither side of the request is refused as if the request did not exist.

JSON structure (``request_json``), version ``FORMAT_VERSION`` of ours. The groups follow the
trace request and trace response of MOSAIC 05.31 and of INTERPOL's iARMS, as summarised in
research note 01 (``01-marking-tracing.md``): §2.3 (ITI Section V), §3.2 (MOSAIC 05.31) and §7
item 3 (our request and response forms). The note marks the ITI paraphrase [K] (well-known
content, official text not checked) and the 05.31 items [V] (seen in a source). For iARMS it
verifies only that INTERPOL's trace-response form is based on ISACS 05.31, not the form's own
field names: the correspondence to iARMS below is by way of 05.31 and is unverified.

``format``
    ``name``, ``structure`` and ``version``: which structure this is and which version of our
    encoding of it. ``generated_at`` sits beside it.
``request.reference``, ``state``, ``urgency``, ``dates``
    The message envelope. ``dates``: ``sent``, ``acknowledge_by``, ``answer_by`` and
    ``answer_wanted_by`` (the date the requesting State asked for, when it set one; ``answer_by``
    is then that date). ITI §V (note §2.3, [K]): acknowledge receipt within a reasonable time,
    answer in a timely way; no instrument fixes a number of days, so the deadlines are the
    requested State's own or the hub's (note §2.3 and §7.3: our proposal). Urgency is one of
    our request-form fields (§7.3), after ATF practice (§4.3).
``request.requesting_state``, ``requested_state``
    ISO 3166-1 alpha-2 codes of the two States (CIFTA Art. XIV routing, note §1.2 [K]).
``request.case_reference`` (and ``trace_case``, the requesting State only)
    The police or judicial case; §7.3 request form ("case no.").
``request.illicit_nature`` (``reason``, ``legal_basis``)
    ITI §V item 1: the illicit nature and its legal justification (note §2.3, [K]); MOSAIC
    05.31 "What to trace" (note §3.2, [V]).
``request.recovery`` (``date``, ``place``)
    ITI §V item 1: the circumstances in which the weapon was found ([K]); §7.3.
``request.identification``
    MOSAIC 05.31 Identification (note §3.2, [V]): the essential make, model, calibre, serial
    number and country of manufacture or of most recent import; the additional "other markings"
    (proof marks, assembly and patent numbers). ``markings`` lists them per component, the frame or
    receiver being the primary reference point ([V]). ITI §V item 2 adds the type ([K]).
``request.intended_use``
    ITI §V item 3: the intended use of the information sought (note §2.3, [K]).
``request.use_limits``
    ITI §V: the requesting State respects confidentiality and the limits on use ([K]); CIFTA
    Art. XII (note §1.2, [K]).
``response``
    The trace response modelled on the iARMS / 05.31 response (note §3.2 [V] for "based on
    05.31"; §7.3 for the field list, our proposal). ``null`` while the requested State has
    neither answered nor delayed or restricted its answer. ``outcome`` (found, not_found,
    partial) and ``records_found``; ``disclosed``: only the fields of its record the requested
    State chose to disclose; ``chain``: manufacture, export and import chain, and
    ``last_legal_holder`` (05.31 objective: from manufacture or most recent import, through the
    lines of supply, to the last legal title-holder, [V]); ``diversion`` (``point``, ``date``):
    the point in space and time where the weapon became illicit (05.31, [V]);
    ``delays_and_restrictions``: each delay or restriction with its reason (ITI §V, [K]), read
    from the steps; ``failure_reason``: why it could not be traced (our list; "made before 1946"
    echoes 05.31's exceptions to tracing, [V]); ``use_limits`` on the answer (CIFTA
    Art. XII, [K]); ``note``; ``answered_at``.
``steps``
    Every step of the request in order (``seq``, ``action``, ``state``, ``at``, ``by`` as an
    ISO code, ``reason``): iARMS's trace-request module lets its users update a request's status
    (note §4.1, [V]); the states themselves are ours (§7.3).
``onward_sharing``
    Each notice that the requesting State shares the answer onward (``recipient``, ``purpose``,
    ``notified_at``): CIFTA Art. XII, notification before disclosure (note §1.2 and §7.3, [K]).

Dates are ISO 8601 (date-times in UTC with their offset). Texts are strings, empty when not
given; dates and enumerations are ``null`` when not set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from cifta.core.errors import ServiceError
from cifta.core.pdf import ALERT, RULE, SHADE, WIDTH, PdfWriter, check_language, footer, markup, render
from cifta.directory.models import Country
from cifta.reference.models import PartType
from cifta.reference.templatetags.reference_tags import country_name
from cifta.registry.selectors import event_label, status_label
from cifta.tracing.engines.workflow import Outcome
from cifta.tracing.models import OnwardShare, TraceAnswer, TraceCase, TraceRequest, TraceStep
from cifta.tracing.selectors import with_state
from cifta.tracing.services import DISCLOSABLE, state_label

FORMAT_NAME = "cifta-trace"
FORMAT_VERSION = "1.0"
STRUCTURE = "MOSAIC 05.31 / INTERPOL iARMS trace request and response"


# --- JSON --------------------------------------------------------------------------------------

def _iso(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value.isoformat()


def _readable(trace_request: TraceRequest, viewer_country_id: int) -> TraceRequest:
    """The request as the active scope reads it, with its state; refused unless the viewer is
    one of its two States."""
    request = (with_state(TraceRequest.objects.filter(pk=trace_request.pk))
               .select_related("country", "requested_country").first())
    if request is None or viewer_country_id not in (request.country_id, request.requested_country_id):
        raise ServiceError(_("No trace request of your State has this identifier."), field="request")
    return request


def _no_answer() -> dict[str, Any]:
    """``response`` of a request delayed or restricted before any answer."""
    return {"outcome": None, "records_found": None, "disclosed": {}, "chain": [], "last_legal_holder": "",
            "diversion": {"point": "", "date": None}, "failure_reason": None, "note": "", "use_limits": "",
            "answered_at": None}


def _answer(answer: TraceAnswer) -> dict[str, Any]:
    """The answer's part of ``response``: never its ``firearm``; of the record's fields, only
    those the answering officer chose (and only fields that may be disclosed at all)."""
    return {
        "outcome": answer.outcome,
        "records_found": answer.outcome in (Outcome.FOUND, Outcome.PARTIAL),
        "disclosed": {name: str(answer.disclosed[name]) for name in DISCLOSABLE if name in answer.disclosed},
        "chain": [{k: str(link.get(k, "")) for k in ("date", "event", "country", "holder", "reference")}
                  for link in answer.chain],
        "last_legal_holder": answer.last_legal_holder,
        "diversion": {"point": answer.point_of_diversion, "date": _iso(answer.diversion_date)},
        "failure_reason": answer.failure_reason or None,
        "note": answer.note,
        "use_limits": answer.use_limits,
        "answered_at": _iso(answer.answered_at),
    }


def request_json(trace_request: TraceRequest, *, viewer_country_id: int) -> dict[str, Any]:
    """The request, its answer, its steps and its onward-sharing notices as the viewer's State
    may see them, in the structure described in the module docstring."""
    request = _readable(trace_request, viewer_country_id)
    codes = {request.country_id: request.country.code, request.requested_country_id: request.requested_country.code}
    answer = TraceAnswer.objects.filter(request_id=request.pk).first()
    steps = list(TraceStep.objects.filter(request_id=request.pk).order_by("seq"))
    shares = list(OnwardShare.objects.filter(request_id=request.pk).order_by("notified_at", "id"))

    body: dict[str, Any] = {
        "reference": request.reference,
        "state": request.state,  # type: ignore[attr-defined]
        "urgency": request.urgency,
        "dates": {"sent": _iso(request.sent_at), "acknowledge_by": _iso(request.acknowledge_by),
                  "answer_by": _iso(request.answer_by), "answer_wanted_by": _iso(request.answer_wanted_by)},
        "requesting_state": codes[request.country_id],
        "requested_state": codes[request.requested_country_id],
        "case_reference": request.case_reference,
    }
    if viewer_country_id == request.country_id and request.case_id is not None:
        body["trace_case"] = (TraceCase.objects.filter(pk=request.case_id)
                              .values_list("reference", flat=True).first())
    body.update({
        "illicit_nature": {"reason": request.illicit_reason, "legal_basis": request.legal_basis},
        "recovery": {"date": _iso(request.recovered_on), "place": request.recovered_place},
        "identification": {
            "make": request.make, "model": request.model_name, "type": request.firearm_type,
            "calibre": request.calibre,
            "markings": [{"component": str(m.get("component", "")), "serial": str(m.get("serial", "")),
                          "other_markings": str(m.get("text", ""))} for m in request.markings or []],
            "country_of_manufacture": request.country_of_manufacture or None,
            "country_of_last_import": request.country_of_last_import or None,
        },
        "intended_use": request.intended_use,
        "use_limits": request.use_limits,
    })

    held_back = [{"action": s.action, "reason": s.reason, "at": _iso(s.at)}
                 for s in steps if s.action in ("delay", "restrict")]
    response: dict[str, Any] | None = None
    if answer is not None or held_back:
        response = {**(_answer(answer) if answer is not None else _no_answer()), "delays_and_restrictions": held_back}

    return {
        "format": {"name": FORMAT_NAME, "structure": STRUCTURE, "version": FORMAT_VERSION},
        "generated_at": _iso(timezone.now()),
        "request": body,
        "response": response,
        "steps": [{"seq": s.seq, "action": s.action, "state": s.state_after, "at": _iso(s.at),
                   "by": codes.get(s.country_id, ""), "reason": s.reason} for s in steps],
        "onward_sharing": [{"recipient": s.recipient, "purpose": s.purpose, "notified_at": _iso(s.notified_at)}
                           for s in shares],
    }


# --- PDF ---------------------------------------------------------------------------------------

ACTION_LABELS: dict[str, Promise] = {
    "send": gettext_lazy("sent"), "acknowledge": gettext_lazy("acknowledged"),
    "start": gettext_lazy("work started"), "answer": gettext_lazy("answered"),
    "delay": gettext_lazy("answer delayed"), "restrict": gettext_lazy("answer restricted"),
    "withdraw": gettext_lazy("withdrawn"), "close": gettext_lazy("closed"),
}
OUTCOME_LABELS: dict[str, Promise] = {
    Outcome.FOUND: gettext_lazy("found"), Outcome.NOT_FOUND: gettext_lazy("not found"),
    Outcome.PARTIAL: gettext_lazy("partly found"),
}
DISCLOSED_LABELS: dict[str, Promise] = {
    "serial": gettext_lazy("Serial"), "make": gettext_lazy("Make"), "model": gettext_lazy("Model"),
    "type": gettext_lazy("Type"), "calibre": gettext_lazy("Calibre"),
    "country_of_manufacture": gettext_lazy("Country of manufacture"),
    "year_of_manufacture": gettext_lazy("Year of manufacture"), "status": gettext_lazy("Status"),
    "holding_agency": gettext_lazy("Holding agency"),
}

def _when(value: str | None) -> str:
    """An ISO date or date-time of the JSON, as people read it (date-times in UTC)."""
    if not value:
        return "—"
    if "T" not in value:
        return value
    moment = dt.datetime.fromisoformat(value).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class _Renderer(PdfWriter):
    """Builds the flowables of one export in the active language."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self.data = data
        request = data["request"]
        response = data["response"] or {}
        codes = {request["requesting_state"], request["requested_state"]}
        codes |= {request["identification"]["country_of_manufacture"] or "",
                  request["identification"]["country_of_last_import"] or ""}
        codes |= {link["country"] for link in response.get("chain", [])}
        codes |= {step["by"] for step in data["steps"]}
        codes.discard("")
        self.states = {c.code: c for c in Country.objects.filter(code__in=codes)}
        components = {m["component"] for m in request["identification"]["markings"]} | {"frame"}
        self.parts = {p.code: p for p in PartType.objects.filter(code__in=components)}

    # --- small pieces

    def country(self, code: str | None) -> str:
        if not code:
            return "—"
        state = self.states.get(code)
        name = state.name if state is not None else country_name(code)
        return f"{name} ({code})" if name != code else code

    def component(self, code: str) -> str:
        part = self.parts.get(code or "frame")
        return part.label if part is not None else (code or str(_("frame")))

    def long_text(self, label: str, text: str) -> list[Flowable]:
        """A free text that may be long: its own paragraphs, which split across pages."""
        if not text:
            return []
        out: list[Flowable] = [Spacer(1, 6), Paragraph(escape(label), self.s.label)]
        out += [self.p(line) for line in text.splitlines() if line.strip()]
        return out

    # --- sections

    def story(self) -> list[Flowable]:
        request = self.data["request"]
        story: list[Flowable] = [
            Paragraph(escape(_("Trace request %(reference)s") % {"reference": request["reference"]}), self.s.title),
            Paragraph(escape(_("From %(requesting)s to %(requested)s") % {
                "requesting": self.country(request["requesting_state"]),
                "requested": self.country(request["requested_state"])}), self.s.subtitle),
            Spacer(1, 6),
        ]
        story += self.banner()
        story += self.request_section()
        story += self.identification_section()
        story += self.response_section()
        story += self.steps_section()
        story += self.sharing_section()
        return story

    def limits(self) -> list[tuple[str, str]]:
        response = self.data["response"] or {}
        found = []
        if self.data["request"]["use_limits"]:
            found.append((_("Set by the requesting State"), self.data["request"]["use_limits"]))
        if response.get("use_limits"):
            found.append((_("Set by the requested State"), response["use_limits"]))
        return found

    def banner(self) -> list[Flowable]:
        limits = self.limits()
        if not limits:
            return []
        rows: list[list[Flowable]] = [[Paragraph(escape(_("CONFIDENTIAL — limits on use")), self.s.banner)]]
        for who, text in limits:
            rows.append([Paragraph(f"<b>{escape(who)}:</b> {markup(text, keep_lines=False)}", self.s.banner_text)])
        table = Table(rows, colWidths=[WIDTH], hAlign="LEFT")
        table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), ALERT),
                                   ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
        return [table, Spacer(1, 4)]

    def request_section(self) -> list[Flowable]:
        request = self.data["request"]
        dates = request["dates"]
        rows = [
            (_("Request reference"), request["reference"]),
            (_("State of the request"), state_label(request["state"])),
            (_("Urgency"), TraceRequest.Urgency(request["urgency"]).label
             if request["urgency"] in TraceRequest.Urgency.values else request["urgency"]),
            (_("Sent"), _when(dates["sent"])),
            (_("Acknowledge by"), _when(dates["acknowledge_by"])),
            (_("Answer by"), _when(dates["answer_by"])),
            (_("Requesting State"), self.country(request["requesting_state"])),
            (_("Requested State"), self.country(request["requested_state"])),
            (_("Case reference"), request["case_reference"]),
        ]
        if "trace_case" in request:
            rows.append((_("Domestic trace case"), request["trace_case"] or "—"))
        out: list[Flowable] = [self.heading(_("Request")), self.fields(rows)]
        out += self.long_text(_("Intended use of the information"), request["intended_use"])
        out += self.long_text(_("Limits on use and disclosure"), request["use_limits"])
        nature, recovery = request["illicit_nature"], request["recovery"]
        out += [self.heading(_("Illicit nature")), self.fields([(_("Legal basis"), nature["legal_basis"])])]
        out += self.long_text(_("Why the firearm is illicit"), nature["reason"])
        out += [self.heading(_("Recovery")), self.fields([(_("Recovered on"), _when(recovery["date"])),
                                                          (_("Where recovered"), recovery["place"])])]
        return out

    def identification_section(self) -> list[Flowable]:
        ident = self.data["request"]["identification"]
        out: list[Flowable] = [self.heading(_("Identification")), self.fields([
            (_("Make"), ident["make"]), (_("Model"), ident["model"]), (_("Type"), ident["type"]),
            (_("Calibre"), ident["calibre"]),
            (_("Country of manufacture"), self.country(ident["country_of_manufacture"])),
            (_("Country of last import"), self.country(ident["country_of_last_import"])),
        ])]
        if ident["markings"]:
            out += [Spacer(1, 4), self.grid(
                [_("Component"), _("Serial"), _("Other markings")],
                [[self.component(m["component"]), m["serial"], m["other_markings"]] for m in ident["markings"]],
                [0.22, 0.30, 0.48])]
        return out

    def response_section(self) -> list[Flowable]:
        response = self.data["response"]
        out: list[Flowable] = [self.heading(_("Response"))]
        if response is None:
            return [*out, self.none(_("Not answered yet."))]
        if response["outcome"] is None:
            out.append(self.none(_("Not answered yet.")))
        else:
            found = response["records_found"]
            failure = response["failure_reason"]
            rows: list[tuple[str, Any]] = [
                (_("Outcome"), OUTCOME_LABELS.get(response["outcome"], response["outcome"])),
                (_("Records found"), _("yes") if found else _("no")),
                (_("Answered at"), _when(response["answered_at"])),
                (_("Last legal holder"), response["last_legal_holder"]),
                (_("Date of diversion"), _when(response["diversion"]["date"])
                 if response["diversion"]["date"] else ""),
            ]
            if failure:
                rows.insert(3, (_("Why not traced"), TraceAnswer.Failure(failure).label
                                if failure in TraceAnswer.Failure.values else failure))
            out.append(self.fields(rows))
            out += self.long_text(_("Point of diversion"), response["diversion"]["point"])
            disclosed = response["disclosed"]
            out += [Spacer(1, 6), Paragraph(escape(_("Firearm details disclosed")), self.s.label)]
            if disclosed:
                out.append(self.fields([(str(DISCLOSED_LABELS.get(name, name)), self.disclosed_value(name, value))
                                        for name, value in disclosed.items()]))
            else:
                out.append(self.none(_("None.")))
            out += [Spacer(1, 6), Paragraph(escape(_("Manufacture, export and import chain")), self.s.label)]
            if response["chain"]:
                out.append(self.grid(
                    [_("Date"), _("Event"), _("Country"), _("Holder"), _("Reference")],
                    [[link["date"], event_label(link["event"]), self.country(link["country"]) if link["country"]
                      else "", link["holder"], link["reference"]] for link in response["chain"]],
                    [0.14, 0.18, 0.20, 0.28, 0.20]))
            else:
                out.append(self.none(_("None.")))
            out += self.long_text(_("Note"), response["note"])
            out += self.long_text(_("Limits on use and disclosure"), response["use_limits"])
        if response["delays_and_restrictions"]:
            out += [Spacer(1, 6), Paragraph(escape(_("Delays and restrictions")), self.s.label), self.grid(
                [_("At"), _("Action"), _("Reason")],
                [[_when(h["at"]), ACTION_LABELS.get(h["action"], h["action"]), h["reason"]]
                 for h in response["delays_and_restrictions"]],
                [0.24, 0.20, 0.56])]
        return out

    def disclosed_value(self, name: str, value: str) -> str:
        if name == "status":
            return status_label(value)
        if name == "country_of_manufacture":
            return self.country(value)
        return value

    def steps_section(self) -> list[Flowable]:
        steps = self.data["steps"]
        out: list[Flowable] = [self.heading(_("Steps"))]
        if not steps:
            return [*out, self.none(_("Not sent yet."))]
        header = [_("Step"), _("Action"), _("State"), _("At"), _("By")]
        body: list[list[Any]] = [[Paragraph(escape(h), self.s.label) for h in header]]
        spans = []
        for s in steps:
            body.append([self.p(v, self.s.cell, keep_lines=False) for v in (
                str(s["seq"]), ACTION_LABELS.get(s["action"], s["action"]), state_label(s["state"]),
                _when(s["at"]), self.country(s["by"]))])
            if s["reason"]:
                # The reason on a row of its own, across the table: it may be long.
                spans.append(len(body))
                body.append([Paragraph(f"<b>{escape(_('Reason'))}:</b> {markup(s['reason'], keep_lines=False)}",
                                       self.s.cell), "", "", "", ""])
        table = Table(body, colWidths=[WIDTH * w for w in (0.08, 0.22, 0.18, 0.22, 0.30)], repeatRows=1,
                      hAlign="LEFT")
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("GRID", (0, 0), (-1, -1), 0.25, RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            *[("SPAN", (0, row), (-1, row)) for row in spans],
        ]))
        out.append(table)
        return out

    def sharing_section(self) -> list[Flowable]:
        shares = self.data["onward_sharing"]
        out: list[Flowable] = [self.heading(_("Onward sharing"))]
        if not shares:
            return [*out, self.none(_("The answer has not been shared onward."))]
        out.append(self.grid([_("Originator notified at"), _("Shared with"), _("Purpose")],
                             [[_when(s["notified_at"]), s["recipient"], s["purpose"]] for s in shares],
                             [0.22, 0.28, 0.50]))
        return out

    # --- page furniture

    def page(self) -> Callable[[Canvas, Any], None]:
        generated = _("Generated on %(date)s") % {"date": _when(self.data["generated_at"])}
        confidential = _("CONFIDENTIAL — limits on use") if self.limits() else ""
        return footer(generated, self.data["request"]["reference"], banner=confidential)


def request_pdf(trace_request: TraceRequest, *, language: str, viewer_country_id: int) -> bytes:
    """The same content as ``request_json``, as a PDF in ``language`` (en, es, fr or pt)."""
    check_language(language)
    data = request_json(trace_request, viewer_country_id=viewer_country_id)
    with override(language):
        renderer = _Renderer(data)
        reference = data["request"]["reference"]
        return render(renderer.story(), draw=renderer.page(), language=language, subject=STRUCTURE,
                      title=_("Trace request %(reference)s") % {"reference": reference})
