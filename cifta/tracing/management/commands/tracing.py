"""``cifta tracing``: domestic trace cases and international trace requests from the command line.

    cifta tracing case-open --country CC --actor USER --case-reference REF --illicit-reason TEXT
                            --legal-basis TEXT --recovered-on YYYY-MM-DD --recovered-place TEXT
                            [--marking COMPONENT:SERIAL[:TEXT] ...] [--firearm PUBLIC_ID]
                            [--circumstances --make --model --type --calibre
                             --country-of-manufacture --country-of-last-import]
    cifta tracing cases --country CC [--status S] [--json]
    cifta tracing case-search CASE_REF_OR_ID --country CC [--actor USER] [--json]
    cifta tracing request-draft --country CC --actor USER --to CC [--case CASE_REF_OR_ID]
                                [--case-reference REF] [--intended-use TEXT] [--illicit-reason TEXT]
                                [--urgency urgent|routine] [--use-limits TEXT] [--answer-by DATE]
                                [--marking ...] [...]
    cifta tracing send REF --country CC --actor USER
    cifta tracing inbox|outbox|overdue --country CC [--json]
    cifta tracing act REF ACTION [--reason TEXT] --country CC --actor USER
    cifta tracing answer REF --outcome found|not_found|partial --country CC --actor USER
                         [--firearm PUBLIC_ID] [--field NAME ...] [--last-legal-holder TEXT]
                         [--point-of-diversion TEXT] [--diversion-date YYYY-MM-DD]
                         [--failure-reason CODE] [--note TEXT] [--use-limits TEXT]
    cifta tracing share REF --recipient TEXT --purpose TEXT --country CC --actor USER
    cifta tracing show REF --country CC [--actor USER] [--json]
    cifta tracing remind [--at YYYY-MM-DD]
    cifta tracing figures --year Y (--country CC | --all) [--json]
    cifta tracing export REF --format json|pdf --lang en|es|fr|pt --out FILE --country CC [--actor USER]

Every subcommand works in the name of one State (``--country``), as the scope of a membership of
it would: a request is found by its reference (or public id) when the State is one of its two
sides. Writes need ``--actor``, a user whose membership of that State allows the action; the
workflow step is taken with that membership's role. Reading a request (``show``, ``export``) is
audited like a view in the web pages. ``remind`` is the daily job: it reminds every requested
State of the steps it owes past their deadline (and escalates), so it takes no ``--country``.
A refusal exits with an error naming the field.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone, translation

from cifta.accounts.commands import accountable
from cifta.core import audit
from cifta.core.context import Source, change_context
from cifta.core.errors import ServiceError
from cifta.core.permissions import Action
from cifta.core.scoping import country_scope
from cifta.directory.models import Country
from cifta.registry import serial_search
from cifta.registry.models import Firearm
from cifta.tracing import events, selectors, services
from cifta.tracing.models import TraceCase, TraceRequest

JOB_ACTOR = "system:tracing-reminders"
LANGUAGES = ("en", "es", "fr", "pt")

# Fields a case and a request share, as options: option name -> service keyword.
DESCRIPTION = {"legal-basis": "legal_basis", "recovered-place": "recovered_place", "make": "make",
               "model": "model_name", "type": "firearm_type", "calibre": "calibre",
               "country-of-manufacture": "country_of_manufacture",
               "country-of-last-import": "country_of_last_import"}


class Command(BaseCommand):
    help = "Trace recovered firearms in the national records and exchange trace requests with other States."

    # --- arguments -------------------------------------------------------------------------------
    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)

        def command(name: str, helptext: str, *, actor: bool = True) -> CommandParser:
            p = sub.add_parser(name, help=helptext)
            p.add_argument("--country", required=True, help="ISO code of the State acted for")
            if actor:
                p.add_argument("--actor", help="username of the officer accountable")
            return p

        def description(p: CommandParser) -> None:
            for option in DESCRIPTION:
                p.add_argument(f"--{option}", default="")
            p.add_argument("--recovered-on", help="YYYY-MM-DD")
            p.add_argument("--marking", action="append", default=[], metavar="COMPONENT:SERIAL[:TEXT]",
                           help="a marking read (repeatable); COMPONENT empty for the frame")

        opened = command("case-open", "open a domestic trace of a recovered firearm")
        opened.add_argument("--case-reference", required=True, help="the police or judicial case")
        opened.add_argument("--illicit-reason", default="")
        opened.add_argument("--circumstances", default="")
        opened.add_argument("--firearm", help="public id of the registry record of the firearm, when there is one")
        description(opened)

        cases = command("cases", "list the State's trace cases", actor=False)
        cases.add_argument("--status", choices=TraceCase.Status.values)
        cases.add_argument("--json", action="store_true")

        searched = command("case-search", "search the serials of a case in the national registry")
        searched.add_argument("case", metavar="CASE_REF_OR_ID")
        searched.add_argument("--json", action="store_true")

        draft = command("request-draft", "draft a trace request to another State")
        draft.add_argument("--to", required=True, help="ISO code of the requested State")
        draft.add_argument("--case", help="the trace case it comes from (its blanks are copied from it)")
        draft.add_argument("--case-reference", default="")
        draft.add_argument("--intended-use", default="")
        draft.add_argument("--illicit-reason", default="")
        draft.add_argument("--urgency", choices=TraceRequest.Urgency.values, default=TraceRequest.Urgency.ROUTINE)
        draft.add_argument("--use-limits", default="")
        draft.add_argument("--answer-by", help="an answer date set by hand, YYYY-MM-DD[THH:MM] (default: the "
                                               "requested State's deadline)")
        description(draft)

        command("send", "send a draft request").add_argument("reference", metavar="REF")
        for name, helptext in (("inbox", "requests sent to the State"), ("outbox", "requests the State sent"),
                               ("overdue", "requests whose acknowledgement or answer is late")):
            command(name, helptext, actor=False).add_argument("--json", action="store_true")

        act = command("act", "take a step: acknowledge, start, delay, restrict, withdraw, close")
        act.add_argument("reference", metavar="REF")
        act.add_argument("action")
        act.add_argument("--reason", default="")

        answer = command("answer", "answer a request addressed to the State")
        answer.add_argument("reference", metavar="REF")
        answer.add_argument("--outcome", required=True, choices=["found", "not_found", "partial"])
        answer.add_argument("--firearm", help="public id of the record found (never shown to the other State)")
        answer.add_argument("--field", action="append", default=[], dest="fields",
                            help="a field of the record to disclose (repeatable): " + ", ".join(services.DISCLOSABLE))
        for option in ("last-legal-holder", "point-of-diversion", "failure-reason", "note", "use-limits"):
            answer.add_argument(f"--{option}", default="")
        answer.add_argument("--diversion-date", help="YYYY-MM-DD")

        share = command("share", "record that an answer is passed on (the answering State is told)")
        share.add_argument("reference", metavar="REF")
        share.add_argument("--recipient", required=True)
        share.add_argument("--purpose", required=True)

        show = command("show", "one request, as the State sees it (audited)")
        show.add_argument("reference", metavar="REF")
        show.add_argument("--json", action="store_true")

        remind = sub.add_parser("remind", help="the daily job: remind and escalate overdue steps")
        remind.add_argument("--at", help="run as of this date (YYYY-MM-DD), e.g. to catch up a missed day")

        figures = sub.add_parser("figures", help="a State's tracing figures, or every State's (--all)")
        figures.add_argument("--year", type=int, required=True)
        which = figures.add_mutually_exclusive_group(required=True)
        which.add_argument("--country")
        which.add_argument("--all", action="store_true", help="every State's numbers and the regional SDG 16.4.2")
        figures.add_argument("--json", action="store_true")

        export = command("export", "write one request as JSON or PDF (audited)")
        export.add_argument("reference", metavar="REF")
        export.add_argument("--format", required=True, choices=["json", "pdf"], dest="fmt")
        export.add_argument("--lang", choices=LANGUAGES, default="en")
        export.add_argument("--out", required=True, help="file to write")

    # --- dispatch --------------------------------------------------------------------------------
    def handle(self, *args: Any, **options: Any) -> None:
        what = options["what"]
        if what == "remind":
            self._remind(options.get("at"))
            return
        if what == "figures" and options["all"]:
            self._regional(options["year"], options["json"])
            return
        country = Country.objects.filter(code=(options["country"] or "").strip().upper()).first()
        if country is None:
            raise CommandError(f"--country: no country with code {options['country']}")
        handler = getattr(self, "_" + what.replace("-", "_"))
        try:
            handler(country, options)
        except ServiceError as exc:
            raise CommandError(f"{exc.field or what}: {exc}") from exc

    @contextmanager
    def _acting(self, country: Country, actor: Any) -> Iterator[None]:
        with country_scope([country.pk]), change_context(actor, Source.COMMAND):
            yield

    def _actor(self, options: dict[str, Any], country: Country, action: str) -> tuple[Any, str]:
        """The accountable user and their role; reads may run as the system account."""
        return accountable(options.get("actor"), country, action, system_may=(Action.VIEW, Action.EXPORT))

    # --- lookups (inside the scope) -----------------------------------------------------------
    @staticmethod
    def _is_uuid(text: str) -> bool:
        try:
            uuid.UUID(text)
        except ValueError:
            return False
        return True

    def _request(self, reference: str, country: Country, own: bool = False) -> TraceRequest:
        text = reference.strip()
        found = TraceRequest.objects.owned() if own else TraceRequest.objects.all()
        match = Q(public_id=text) if self._is_uuid(text) else Q(reference=text.upper())
        trace_request = found.filter(match).select_related("country", "requested_country").first()
        if trace_request is None:
            raise CommandError(f"request: no trace request of {country.code} has the reference {reference}")
        return trace_request

    def _case(self, reference: str, country: Country) -> TraceCase:
        text = reference.strip()
        if self._is_uuid(text):
            cases = TraceCase.objects.filter(public_id=text)
        else:
            cases = TraceCase.objects.filter(reference=text.upper())
            if not cases.exists():
                cases = TraceCase.objects.filter(case_reference=text)
        found = list(cases[:2])
        if not found:
            raise CommandError(f"case: no trace case of {country.code} has the reference {reference}")
        if len(found) > 1:
            raise CommandError(f"case: several cases carry the case reference {reference}; give the trace reference")
        return found[0]

    def _firearm(self, public_id: str | None, country: Country) -> Firearm | None:
        if not public_id:
            return None
        firearm = (Firearm.objects.owned().filter(public_id=public_id.strip()).first()
                   if self._is_uuid(public_id.strip()) else None)
        if firearm is None:
            raise CommandError(f"--firearm: no firearm of {country.code} has the identifier {public_id}")
        return firearm

    @staticmethod
    def _date(value: str | None, option: str) -> dt.date | None:
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise CommandError(f"--{option}: give a date as YYYY-MM-DD, not {value!r}") from exc

    @staticmethod
    def _moment(value: str | None, option: str) -> dt.datetime | None:
        if not value:
            return None
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise CommandError(f"--{option}: give a date as YYYY-MM-DD or YYYY-MM-DDTHH:MM, not {value!r}") from exc
        if "T" not in value and " " not in value.strip():
            moment = moment.replace(hour=23, minute=59)
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment

    @staticmethod
    def _markings(values: list[str]) -> list[dict[str, str]]:
        markings = []
        for value in values:
            parts = value.split(":", 2)
            if len(parts) < 2:
                raise CommandError(f"--marking: write COMPONENT:SERIAL[:TEXT], not {value!r}")
            markings.append({"component": parts[0].strip(), "serial": parts[1].strip(),
                             "text": parts[2].strip() if len(parts) > 2 else ""})
        return markings

    def _description(self, options: dict[str, Any]) -> dict[str, Any]:
        values = {keyword: options[option.replace("-", "_")] for option, keyword in DESCRIPTION.items()}
        values["recovered_on"] = self._date(options.get("recovered_on"), "recovered-on")
        if options.get("marking"):
            values["markings"] = self._markings(options["marking"])
        return values

    def _json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, default=str))

    # --- cases ---------------------------------------------------------------------------------
    def _case_open(self, country: Country, options: dict[str, Any]) -> None:
        actor, _role = self._actor(options, country, Action.ADD)
        with self._acting(country, actor):
            values = self._description(options)
            case = services.open_case(
                actor=actor, case_reference=options["case_reference"], illicit_reason=options["illicit_reason"],
                circumstances=options["circumstances"], firearm=self._firearm(options.get("firearm"), country),
                **values)
            count = case.markings.count()
        self.stdout.write(f"{case.reference} opened ({count} marking(s)) {case.public_id}")

    def _cases(self, country: Country, options: dict[str, Any]) -> None:
        with country_scope([country.pk]):
            cases = TraceCase.objects.filter(country=country).prefetch_related("markings").order_by("id")
            if options.get("status"):
                cases = cases.filter(status=options["status"])
            rows = [{"reference": c.reference, "case": str(c.public_id), "case_reference": c.case_reference,
                     "status": c.status, "recovered_on": c.recovered_on.isoformat(),
                     "serials": [m.serial for m in c.markings.all() if m.serial]} for c in cases]
        for row in rows:
            if options["json"]:
                self._json(row)
            else:
                self.stdout.write(f"{row['reference']}  {row['status']:<10} {row['recovered_on']}  "
                                  f"{row['case_reference']}  {', '.join(row['serials'])}")

    def _case_search(self, country: Country, options: dict[str, Any]) -> None:
        actor, _role = self._actor(options, country, Action.VIEW)
        with self._acting(country, actor):
            case = self._case(options["case"], country)
            results = selectors.case_search(case)
            out = []
            for marking, result in results:
                row: dict[str, Any] = {"marking": str(marking.public_id), "serial": marking.serial}
                if isinstance(result, serial_search.ServiceError):
                    row.update(error=str(result), field=result.field or "q", hits=[])
                else:
                    row.update(error=None, hits=[serial_search.hit_as_dict(h) for h in result.hits])
                out.append(row)
            audit.audit_read(events.CASE_SEARCHED, country_id=country.pk,
                             query={"case": case.reference, "serials": len(out)},
                             result_count=sum(len(row["hits"]) for row in out), case_reference=case.case_reference,
                             target=case)
        if options["json"]:
            self._json({"case": case.reference, "case_reference": case.case_reference, "markings": out})
            return
        self.stdout.write(f"{case.reference} ({case.case_reference}): {len(out)} serial(s) searched")
        for row in out:
            if row["error"]:
                self.stdout.write(f"  {row['serial']}: {row['field']}: {row['error']}")
                continue
            self.stdout.write(f"  {row['serial']}: {len(row['hits'])} firearm(s)")
            for n, hit in enumerate(row["hits"], 1):
                missing = "  REPORTED LOST OR STOLEN" if hit["reported_missing"] else ""
                self.stdout.write(f"    {n:>2}. {hit['serial']:<16} {hit['score']:>5}  {hit['make'] or '-'} "
                                  f"{hit['model']} {hit['calibre']}  [{hit['status']}]{missing}  {hit['firearm']}")

    # --- requests --------------------------------------------------------------------------------
    def _request_draft(self, country: Country, options: dict[str, Any]) -> None:
        actor, _role = self._actor(options, country, Action.ADD)
        with self._acting(country, actor):
            case = self._case(options["case"], country) if options.get("case") else None
            trace_request = services.draft_request(
                actor=actor, requested_country=options["to"], case=case, case_reference=options["case_reference"],
                intended_use=options["intended_use"], illicit_reason=options["illicit_reason"],
                urgency=options["urgency"], use_limits=options["use_limits"],
                answer_wanted_by=self._moment(options.get("answer_by"), "answer-by"), **self._description(options))
        self.stdout.write(f"{trace_request.reference} drafted to {trace_request.requested_country.code} "
                          f"{trace_request.public_id}")

    def _send(self, country: Country, options: dict[str, Any]) -> None:
        actor, role = self._actor(options, country, Action.CHANGE)
        with self._acting(country, actor):
            trace_request = services.send_request(actor=actor, request=self._request(options["reference"], country),
                                                  role=role)
        assert trace_request.acknowledge_by is not None and trace_request.answer_by is not None
        self.stdout.write(f"{trace_request.reference} sent to {trace_request.requested_country.code}: acknowledge by "
                          f"{trace_request.acknowledge_by:%Y-%m-%d %H:%M}, answer by "
                          f"{trace_request.answer_by:%Y-%m-%d %H:%M}")

    def _act(self, country: Country, options: dict[str, Any]) -> None:
        actor, role = self._actor(options, country, Action.CHANGE)
        action = options["action"].strip().lower()
        with self._acting(country, actor):
            trace_request = self._request(options["reference"], country)
            if action == "send":
                services.send_request(actor=actor, request=trace_request, role=role)
            else:
                services.take_step(actor=actor, request=trace_request, action=action, role=role,
                                   reason=options["reason"])
            state = services.current_state(trace_request)
        self.stdout.write(f"{trace_request.reference}: {action} -> {state.value}")

    def _answer(self, country: Country, options: dict[str, Any]) -> None:
        actor, role = self._actor(options, country, Action.ADD)
        with self._acting(country, actor):
            trace_request = self._request(options["reference"], country)
            answer = services.answer_request(
                actor=actor, request=trace_request, role=role, outcome=options["outcome"],
                firearm=self._firearm(options.get("firearm"), country), fields=options["fields"],
                last_legal_holder=options["last_legal_holder"], point_of_diversion=options["point_of_diversion"],
                diversion_date=self._date(options.get("diversion_date"), "diversion-date"),
                failure_reason=options["failure_reason"], note=options["note"], use_limits=options["use_limits"])
        disclosed = ", ".join(f"{k}={v}" for k, v in answer.disclosed.items())
        self.stdout.write(f"{trace_request.reference}: answered {answer.outcome}"
                          + (f" ({disclosed})" if disclosed else ""))

    def _share(self, country: Country, options: dict[str, Any]) -> None:
        actor, _role = self._actor(options, country, Action.ADD)
        with self._acting(country, actor):
            trace_request = self._request(options["reference"], country, own=True)
            share = services.share_onward(actor=actor, request=trace_request, recipient=options["recipient"],
                                          purpose=options["purpose"])
        self.stdout.write(f"{trace_request.reference}: shared with {share.recipient}; "
                          f"{trace_request.requested_country.code} is told")

    def _box_rows(self, requests: list[TraceRequest], country: Country,
                  late: dict[int, list[str]] | None = None) -> list[dict[str, Any]]:
        rows = []
        for r in requests:
            outgoing = r.country_id == country.pk
            rows.append({
                "reference": r.reference, "request": str(r.public_id), "direction": "to" if outgoing else "from",
                "country": r.requested_country.code if outgoing else r.country.code, "urgency": r.urgency,
                "state": getattr(r, "state", "") or services.current_state(r).value,
                "case_reference": r.case_reference,
                "acknowledge_by": r.acknowledge_by.isoformat() if r.acknowledge_by else None,
                "answer_by": r.answer_by.isoformat() if r.answer_by else None,
                **({"overdue": late[r.pk]} if late is not None else {})})
        return rows

    def _print_box(self, rows: list[dict[str, Any]], as_json: bool) -> None:
        for row in rows:
            if as_json:
                self._json(row)
                continue
            due = (row["answer_by"] or "")[:16].replace("T", " ")
            late = f"  LATE: {', '.join(row['overdue'])}" if row.get("overdue") else ""
            self.stdout.write(f"{row['reference']}  {row['direction']} {row['country']}  {row['urgency']:<8} "
                              f"{row['state']:<12} answer by {due or '-'}  {row['case_reference']}{late}")

    def _inbox(self, country: Country, options: dict[str, Any]) -> None:
        with country_scope([country.pk]):
            rows = self._box_rows(list(selectors.inbox(country.pk).select_related("requested_country")), country)
        self._print_box(rows, options["json"])

    def _outbox(self, country: Country, options: dict[str, Any]) -> None:
        with country_scope([country.pk]):
            rows = self._box_rows(list(selectors.outbox(country.pk).select_related("country")), country)
        self._print_box(rows, options["json"])

    def _overdue(self, country: Country, options: dict[str, Any]) -> None:
        with country_scope([country.pk]):
            late = selectors.overdue_requests(TraceRequest.objects.all())
            rows = self._box_rows([item.request for item in late], country,
                                  {item.request.pk: item.steps for item in late})
        self._print_box(rows, options["json"])

    def _show(self, country: Country, options: dict[str, Any]) -> None:
        from cifta.tracing.api.serializers import TraceRequestSerializer

        actor, role = self._actor(options, country, Action.VIEW)
        with self._acting(country, actor):
            trace_request = self._request(options["reference"], country)
            trace_request = selectors.with_state(TraceRequest.objects.filter(pk=trace_request.pk)).select_related(
                "country", "requested_country", "point_of_contact").get()
            audit.audit_read(events.REQUEST_VIEWED, country_id=country.pk, query={"request": trace_request.reference},
                             result_count=1, case_reference=trace_request.case_reference, target=trace_request)
            data = TraceRequestSerializer(trace_request, context={"viewer_country_id": country.pk,
                                                                  "viewer_role": role}).data
        if options["json"]:
            self._json(data)
            return
        self._print_request(data)

    def _print_request(self, d: dict[str, Any]) -> None:
        w = self.stdout.write
        w(f"{d['reference']}  {d['country']} -> {d['requested_country']}  {d['urgency']}  state: {d['state']}")
        w(f"  case reference: {d['case_reference']}")
        w(f"  intended use: {d['intended_use']}")
        if d["use_limits"]:
            w(f"  limits on use: {d['use_limits']}")
        w(f"  why illicit: {d['illicit_reason']}")
        described = ", ".join(str(d[k]) for k in ("make", "model_name", "firearm_type", "calibre") if d[k])
        if described:
            w(f"  firearm: {described}")
        for m in d["markings"]:
            w(f"  marking: {m.get('component') or 'frame'}: {m.get('serial') or '-'} {m.get('text') or ''}".rstrip())
        def when(value: str | None) -> str:
            return (value or "-")[:16].replace("T", " ")

        if d["sent_at"]:
            w(f"  sent {when(d['sent_at'])}; acknowledge by {when(d['acknowledge_by'])}; "
              f"answer by {when(d['answer_by'])}")
        elif d["answer_wanted_by"]:
            w(f"  answer wanted by {when(d['answer_wanted_by'])}")
        if d["overdue"]:
            w(f"  LATE: {', '.join(d['overdue'])}")
        for step in d["steps"]:
            reason = f" ({step['reason']})" if step["reason"] else ""
            w(f"  {step['seq']:>2}. {when(step['at'])}  {step['side']:<10} {step['action']}{reason}")
        answer = d["answer"]
        if answer:
            w(f"  answer: {answer['outcome']}" + (f" ({answer['failure_reason']})" if answer["failure_reason"] else ""))
            for name, value in answer["disclosed"].items():
                w(f"    {name}: {value}")
            for link in answer["chain"]:
                w(f"    {link.get('date', '')} {link.get('event', '')} {link.get('country', '')} "
                  f"{link.get('holder', '')}".rstrip())
            for name in ("last_legal_holder", "point_of_diversion", "diversion_date", "note", "use_limits"):
                if answer[name]:
                    w(f"    {name.replace('_', ' ')}: {answer[name]}")
        for share in d["onward_shares"]:
            w(f"  shared onward with {share['recipient']} ({share['notified_at'][:10]}): {share['purpose']}")
        if d["actions"]:
            w(f"  you may: {', '.join(d['actions'])}")

    def _export(self, country: Country, options: dict[str, Any]) -> None:
        from cifta.tracing import exports

        actor, _role = self._actor(options, country, Action.EXPORT)
        out = Path(options["out"])
        with self._acting(country, actor), translation.override(options["lang"]):
            trace_request = self._request(options["reference"], country)
            query = {"request": trace_request.reference, "format": options["fmt"],
                     **({"language": options["lang"]} if options["fmt"] == "pdf" else {})}
            audit.audit_read(events.REQUEST_EXPORTED, country_id=country.pk, query=query, result_count=1,
                             case_reference=trace_request.case_reference, target=trace_request)
            if options["fmt"] == "pdf":
                content: Any = exports.request_pdf(trace_request, language=options["lang"],
                                                   viewer_country_id=country.pk)
            else:
                content = exports.request_json(trace_request, viewer_country_id=country.pk)
        if isinstance(content, (dict, list)):
            content = json.dumps(content, ensure_ascii=False, indent=2, default=str)
        try:
            if isinstance(content, (bytes, bytearray)):
                out.write_bytes(bytes(content))
            else:
                out.write_text(str(content), encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"--out: {exc}") from exc
        self.stdout.write(f"{trace_request.reference} written to {out} ({options['fmt']}, {options['lang']})")

    # --- the job and the figures ---------------------------------------------------------------
    def _remind(self, at: str | None) -> None:
        now = None
        day = self._date(at, "at")
        if day is not None:
            now = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        with change_context(JOB_ACTOR, Source.JOB):
            run = services.send_reminders(actor=JOB_ACTOR, now=now)
        self.stdout.write(f"{run.reminders} reminder(s), {run.escalations} escalation(s) sent")

    def _figures(self, country: Country, options: dict[str, Any]) -> None:
        from cifta.tracing.api.views import state_figures_as_dict

        if country.kind != Country.Kind.MEMBER_STATE:
            raise CommandError("--country: the Secretariat keeps no trace records; use --all for every State")
        with country_scope([country.pk]):
            figures = state_figures_as_dict(selectors.state_figures(country, options["year"]))
        if options["json"]:
            self._json(figures)
            return
        w = self.stdout.write
        w(f"{figures['country']} {figures['year']}: {figures['cases']} trace case(s), {figures['traced']} traced, "
          f"{figures['seized']} seized, found or surrendered; SDG 16.4.2: "
          f"{'-' if figures['sdg_16_4_2'] is None else str(figures['sdg_16_4_2']) + ' %'}")
        for label in ("sent", "received"):
            self._print_timeliness(label, figures[label])

    def _print_timeliness(self, label: str, t: dict[str, Any]) -> None:
        median = "-" if t["median_response_hours"] is None else f"{t['median_response_hours']} h"
        share = "-" if t["traced_share"] is None else f"{round(100 * t['traced_share'], 1)} %"
        failures = ", ".join(f"{k} {v}" for k, v in sorted(t["failures"].items()))
        self.stdout.write(f"  {label:<9} {t['requests']} request(s); acknowledged in time {t['acknowledged_in_time']}, "
                          f"answered in time {t['answered_in_time']}; median answer {median}; traced {share}"
                          + (f"; not traced: {failures}" if failures else ""))

    def _regional(self, year: int, as_json: bool) -> None:
        from cifta.tracing.api.views import regional_figures_as_dict

        figures = regional_figures_as_dict(selectors.regional_figures(year))
        if as_json:
            self._json(figures)
            return
        sdg = figures["sdg_16_4_2"]
        self.stdout.write(f"{year}: SDG 16.4.2 {'-' if sdg['value'] is None else str(sdg['value']) + ' %'} "
                          f"({sdg['traced_or_established']} of {sdg['seized_found_surrendered']}; "
                          f"{sdg['states_reporting']} of {sdg['states_total']} States reporting)")
        self._print_timeliness("all", figures["totals"])
        for state in figures["states"]:
            self.stdout.write(f"{state['country']}: {state['cases']} case(s), {state['traced']} traced, "
                              f"{state['seized']} seized")
            for label in ("sent", "received"):
                self._print_timeliness(label, state[label])

