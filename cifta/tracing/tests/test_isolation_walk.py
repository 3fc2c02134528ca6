"""The isolation walk over tracing: every web route named ``tracing:…`` and every tracing API
route, whatever routes exist when it runs, visited by a user of one State with the identifiers
of every tracing record that State may not read (and one record of every other model), and with
the records it may read. Three States take part, so "the other State" is sometimes the third:

    alice (A) with B's and C's records     carlos (B) with A's and C's records
    chloe (C) with A's and B's records     sam and sara (Secretariat) with everyone's

No answer may carry a marker of a record the viewer may not read (MARKER_A, MARKER_B), an
identifier of a foreign record answers 403 or 404 (405 for a method the route does not have),
and a POST to one writes nothing: no change row, no audit row."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.urls import URLPattern, get_resolver, reverse

from cifta.core.models import AuditEvent, CountryScopedModel
from cifta.core.scoping import ALL_COUNTRIES, country_scope
from cifta.core.tests.test_architecture import _params, _walk
from cifta.testing.world import MARKER_A, MARKER_B
from cifta.tracing.models import TraceCase, TraceMarking, TraceRequest
from cifta.tracing.tests.test_api_battery import TracingExtrasTestCase

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MARKERS = (MARKER_A, MARKER_B)
# Web routes: the model their public id names, by the first word of the route name.
WEB_MODELS = {"case": TraceCase, "request": TraceRequest, "marking": TraceMarking, "photo": TraceMarking}
LIST_QUERIES = ("", "?limit=1000", "?box=inbox", "?box=outbox", "?box=overdue", "?status=open", "?year=2025")
POST_BODY = {"action": "acknowledge", "reason": "x", "outcome": "not_found", "failure_reason": "no_record",
             "recipient": "x", "purpose": "x", "conclusion": "x", "text": "x", "note": "x"}


def tracing_routes() -> list[tuple[str, URLPattern]]:
    routes = []
    for name, entry in _walk(get_resolver().url_patterns):
        view = getattr(entry.callback, "cls", None)
        if name.startswith("tracing:") or (name.startswith("api:") and view is not None
                                           and view.__module__.startswith("cifta.tracing.")):
            routes.append((name, entry))
    return routes


def _model_of(name: str, entry: URLPattern) -> Any:
    view = getattr(entry.callback, "cls", None)
    if view is not None:
        return getattr(view, "model", None)
    return WEB_MODELS.get(name.split(":", 1)[1].split("_", 1)[0])


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


class TracingIsolationWalkTest(TracingExtrasTestCase):
    def _readable(self, country: Any, obj: Any) -> bool:
        return bool(type(obj).unscoped.filter(type(obj).scope_q(frozenset({country.pk})), pk=obj.pk).exists())

    def _records(self, viewer_country: Any) -> tuple[list[Any], list[Any]]:
        """(foreign, visible): every tracing record the viewer's State may not read, then one of
        every other scoped model's records it may not read; and the tracing records it may read.
        The identifiers of every record it may not read, of any model, go to ``self.forbidden``."""
        foreign, visible, others = [], [], {}
        self.forbidden: set[str] = set()
        with country_scope(ALL_COUNTRIES):
            for model in apps.get_models():
                if not issubclass(model, CountryScopedModel):
                    continue
                for obj in model.unscoped.exclude(country=viewer_country).order_by("id"):
                    if self._readable(viewer_country, obj):
                        continue
                    self.forbidden.add(str(obj.public_id))
                    if model._meta.app_label == "tracing":
                        foreign.append(obj)
                    else:
                        others.setdefault(model, obj)
                if model._meta.app_label == "tracing":
                    visible += [obj for obj in model.unscoped.order_by("id") if self._readable(viewer_country, obj)]
        return foreign + list(others.values()), visible

    def _allowed_echoes(self, viewer_country: Any) -> list[str]:
        """Texts of every record the viewer's State may read that carry a marker: seeing them is
        the point (a request shared with it, its own records)."""
        texts: set[str] = set()
        with country_scope([viewer_country.pk]):
            for model in apps.get_models():
                if not issubclass(model, CountryScopedModel):
                    continue
                fields = [f.attname for f in model._meta.concrete_fields]
                for row in model.objects.values_list(*fields):
                    texts.update(t for t in _strings(list(row)) if any(m in t for m in MARKERS))
        return sorted(texts, key=len, reverse=True)

    def _urls(self, name: str, entry: URLPattern, records: list[Any]) -> list[str]:
        params = _params(entry)
        if not params:
            return [reverse(name)]
        if params not in (["public_id"], ["pk"]):
            self.unbuilt.append(name)
            return []
        model = _model_of(name, entry)
        chosen, seen = [], set()
        for r in records:
            if model is None or type(r) is model or type(r) not in seen:
                chosen.append(r)
                seen.add(type(r))
        return [reverse(name, kwargs={params[0]: r.public_id}) for r in chosen]

    def _check(self, viewer: str, body: bytes, markers: tuple[str, ...], echoes: list[str], where: str) -> None:
        text = body.decode("utf-8", "replace")
        # No identifier of a record the viewer may not read (a link into the other State's
        # records), except the one the walker itself put in the URL.
        leaked = set(UUID.findall(text.replace(where.split("?")[0].split(" ")[-1], ""))) & self.forbidden
        self.assertEqual(leaked, set(), f"{viewer} got identifiers of foreign records at {where}")
        for echo in echoes:
            text = text.replace(echo, "")
        for marker in markers:
            text = re.sub(rf'(q=|value="|&#x27;q&#x27;: &#x27;|"q": ?"){marker}', "", text)
            self.assertNotIn(marker, text, f"{viewer} saw {marker} at {where}")

    def _walk_as(self, viewer: str, country: Any, markers: tuple[str, ...]) -> int:
        self.unbuilt: list[str] = []
        foreign, visible = self._records(country)
        foreign_ids = {str(r.public_id) for r in foreign}
        echoes = self._allowed_echoes(country)
        self.assertGreater(len(foreign), 5)
        web, api = self.web(viewer), self.api(viewer)
        visited = 0
        for name, entry in tracing_routes():
            client = api if name.startswith("api:") else web
            urls = self._urls(name, entry, foreign) + (self._urls(name, entry, visible) if _params(entry) else [])
            for url in urls:
                is_foreign = bool(set(UUID.findall(url)) & foreign_ids)
                queries = ("",) if _params(entry) else (*LIST_QUERIES, *(f"?q={m}" for m in markers))
                for query in queries:
                    before = (self.changes_count(), self.events_count())
                    response = client.get(url + query, HTTP_ACCEPT="text/html,application/json")
                    visited += 1
                    body = b"".join(response) if response.streaming else response.content
                    self._check(viewer, body, markers, echoes, url + query)
                    if is_foreign:
                        self.assertIn(response.status_code, (403, 404, 405),
                                      f"{viewer} got {response.status_code} for a foreign record at {url}")
                        self.assertEqual((self.changes_count(), self.events_count()), before, f"GET {url} wrote")
                if is_foreign:
                    before = (self.changes_count(), self.events_count())
                    response = client.post(url, POST_BODY)
                    visited += 1
                    self.assertIn(response.status_code, (400, 403, 404, 405), f"{viewer}: POST {url}")
                    self._check(viewer, response.content, markers, echoes, f"POST {url}")
                    self.assertEqual((self.changes_count(), self.events_count()), before, f"POST {url} wrote something")
        self.assertEqual(self.unbuilt, [], "the walk cannot build these routes' URLs: teach it their parameters")
        return visited

    def test_the_walk_covers_the_api_and_the_pages(self) -> None:
        names = {name for name, _entry in tracing_routes()}
        for basename in ("tracepolicy", "tracecase", "tracemarking", "tracerequest", "tracestep", "traceanswer",
                         "onwardshare", "tracereminder"):
            self.assertIn(f"api:{basename}-detail", names)
        self.assertIn("api:trace-figures-list", names)

    def test_nothing_of_b_or_c_reaches_an_officer_of_a(self) -> None:
        foreign, _visible = self._records(self.world.country_a)
        for record in (self.traces.request_bc, self.traces.case_b, self.extras.request_cb, self.extras.answer_cb,
                       self.extras.share_bc):
            self.assertIn(record, foreign)
        self.assertGreater(self._walk_as("alice", self.world.country_a, (MARKER_B,)), 200)

    def test_nothing_of_a_or_c_reaches_an_officer_of_b(self) -> None:
        foreign, _visible = self._records(self.world.country_b)
        for record in (self.traces.draft_ab, self.traces.case_a, self.extras.request_ac, self.extras.answer_ca,
                       self.extras.share_ac):
            self.assertIn(record, foreign)
        self._walk_as("carlos", self.world.country_b, (MARKER_A,))

    def test_nothing_of_a_or_b_reaches_an_officer_of_c(self) -> None:
        foreign, _visible = self._records(self.traces.country_c)
        for record in (self.traces.request_ab, self.traces.request_ba, self.traces.answer_ba, self.traces.case_a,
                       self.traces.case_b, self.traces.draft_ab):
            self.assertIn(record, foreign)
        self._walk_as("chloe", self.traces.country_c, MARKERS)

    def test_nothing_of_a_state_reaches_the_secretariat(self) -> None:
        for name in ("sam", "sara"):
            self._walk_as(name, self.world.secretariat, MARKERS)

    def test_foreign_keys_in_writes_name_nothing_of_another_state(self) -> None:
        """Writes on the viewer's own records that point at another State's: refused, nothing
        written."""
        cases = [("alice", f"/api/v1/trace-cases/{self.traces.case_a.public_id}/trace/",
                  {"firearm": str(self.firearms.private_b.public_id)}),
                 ("alice", f"/api/v1/trace-requests/{self.extras.request_ca.public_id}/answer/",
                  {"outcome": "found", "firearm": str(self.firearms.glock_b.public_id)}),
                 ("carlos", f"/api/v1/trace-requests/{self.traces.request_ab.public_id}/answer/",
                  {"outcome": "found", "firearm": str(self.firearms.glock_a.public_id)}),
                 ("alice", "/api/v1/trace-requests/", {"requested_country": "MX", "case_reference": "x",
                                                       "intended_use": "x", "illicit_reason": "x",
                                                       "case": str(self.traces.case_b.public_id)}),
                 ("alice", "/api/v1/trace-cases/", {"case_reference": "x", "illicit_reason": "x", "legal_basis": "x",
                                                    "recovered_on": "2025-01-01", "recovered_place": "x",
                                                    "firearm": str(self.firearms.glock_b.public_id)})]
        for viewer, url, body in cases:
            before = (self.changes_count(), AuditEvent.unscoped.count())
            response = self.api(viewer).post(url, body, format="json")
            self.assertIn(response.status_code, (400, 404, 409), (url, response.content))
            self.assertEqual((self.changes_count(), AuditEvent.unscoped.count()), before, url)
            self.assertNotIn(MARKER_B, response.content.decode())
