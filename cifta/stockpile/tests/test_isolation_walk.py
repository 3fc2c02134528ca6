"""The isolation walk over stockpiles: every web route named ``stockpile:…`` and every stockpile
API route, whatever routes exist when it runs (facilities, inventory, security), visited by a
user of one State with the identifiers of every stockpile record that State may not read (and
one record of every other model), and with the records it may read:

    alice (A) with B's records      carlos (B) with A's records      sam (Secretariat) with all

No answer may carry a marker of a record the viewer may not read (MARKER_A, MARKER_B) nor the
identifier of such a record; an identifier of a foreign record answers 403 or 404 (405 for a
method the route does not have), and a POST to one writes nothing: no change row, no audit row.

The world is the facilities world plus one row of every other stockpile model in A and in B
(written as rows here, so that the walk does not depend on the services that write them), each
carrying its State's marker where it has text."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.urls import URLPattern, get_resolver, reverse

from cifta.core.models import CountryScopedModel
from cifta.core.scoping import ALL_COUNTRIES, country_scope
from cifta.core.tests.test_architecture import _params, _walk
from cifta.stockpile import services_safety
from cifta.stockpile.models import (
    AssessmentItem,
    CountLine,
    Discrepancy,
    SecurityAssessment,
    StockCheck,
)
from cifta.stockpile.tests.test_facilities_world import FacilitiesTestCase, acting, receive
from cifta.testing.world import MARKER_A, MARKER_B

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MARKERS = (MARKER_A, MARKER_B)
DAY = dt.date(2025, 3, 1)
POST_BODY = {"name": "x", "kind": "depot", "label": "x", "distance_m": "1", "quantity": "1", "counted": "1",
             "status": "found", "resolution": "x", "assessor": "x", "assessed_on": "2025-01-01",
             "scheduled_on": "2025-01-01", "occurred_on": "2025-01-01", "reason": "x", "latitude": "1",
             "longitude": "1", "nature": "x", "lot_number": "x", "hazard_division": "1.1",
             "compatibility_group": "D", "neq_per_unit_kg": "1", "surplus": "on"}


def stockpile_routes() -> list[tuple[str, URLPattern]]:
    routes = []
    for name, entry in _walk(get_resolver().url_patterns):
        view = getattr(entry.callback, "cls", None)
        if name.startswith("stockpile:") or (name.startswith("api:") and view is not None
                                             and view.__module__.startswith("cifta.stockpile.")):
            routes.append((name, entry))
    return routes


def _singular(word: str) -> str:
    word = word.lower().replace("-", "").replace("_", "")
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


def model_of(entry: URLPattern) -> Any:
    """The model a route's identifier names: the viewset's, or for a page the one whose name
    holds the path word before the identifier (``lots/<uuid>`` -> AmmunitionLot); None when
    no model fits (every kind of record is then tried)."""
    view = getattr(entry.callback, "cls", None)
    if view is not None:
        return getattr(view, "model", None)
    before = re.split(r"[<(]", str(entry.pattern), maxsplit=1)[0]
    words = [w for w in re.split(r"[/^$]", before) if w]
    if not words:
        return None
    word = _singular(words[-1])
    found = [m for m in apps.get_app_config("stockpile").get_models() if word and word in m._meta.model_name]
    return found[0] if len(found) == 1 else None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _rows(country: Any, marker: str, facility: Any, store: Any, lot: Any) -> None:
    """One stock check with a counted line and its discrepancy, and one security assessment
    with an item, in ``country``."""
    with acting(country):
        check = StockCheck(facility=facility, scheduled_on=DAY, status=StockCheck.Status.CLOSED,
                           counted_by=f"Counter {marker}", witness=f"Witness {marker}", closed_on=DAY)
        check.save()
        line = CountLine(check_run=check, storehouse=store, lot=lot, recorded=20, counted=18)
        line.save()
        Discrepancy(line=line, difference=-2, resolution=f"Missing {marker}").save()
        assessment = SecurityAssessment(facility=facility, assessed_on=DAY, assessor=f"Assessor {marker}",
                                        checklist_version="test", summary=f"Weak fence {marker}")
        assessment.save()
        AssessmentItem(assessment=assessment, code="PER-01", score=0, evidence=f"No fence {marker}",
                       recommendation=f"Build one {marker}").save()


class StockpileIsolationWalkTest(FacilitiesTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w, a = cls.world, cls.arsenals
        lot_a = receive(w.country_a, a.store_a2, nature=f"Grenade {MARKER_A}", lot_number="G-A", neq="0.2",
                        quantity=20)
        _rows(w.country_a, MARKER_A, a.facility_a, a.store_a2, lot_a)
        with acting(w.country_a):
            services_safety.save_safety_rules(actor="system:test", label=f"CO Res. {MARKER_A}",
                                              tightenings={"multiplier": 1.1})
        _rows(w.country_b, MARKER_B, a.facility_b, a.store_b1, cls.lot_b)

    def _readable(self, country: Any, obj: Any) -> bool:
        return bool(type(obj).unscoped.filter(type(obj).scope_q(frozenset({country.pk})), pk=obj.pk).exists())

    def _records(self, viewer_country: Any) -> tuple[list[Any], list[Any]]:
        """(foreign, visible): every stockpile record the viewer's State may not read, then one of
        every other scoped model's records it may not read; and the stockpile records it may
        read. The identifiers of every record it may not read go to ``self.forbidden``."""
        foreign, visible, others = [], [], {}
        self.forbidden: set[str] = set()
        with country_scope(ALL_COUNTRIES):
            for model in apps.get_models():
                if not issubclass(model, CountryScopedModel):
                    continue
                own = model._meta.app_label == "stockpile"
                for obj in model.unscoped.exclude(country=viewer_country).order_by("id"):
                    if self._readable(viewer_country, obj):
                        continue
                    self.forbidden.add(str(obj.public_id))
                    if own:
                        foreign.append(obj)
                    else:
                        others.setdefault(model, obj)
                if own:
                    visible += [obj for obj in model.unscoped.filter(country=viewer_country).order_by("id")]
        return foreign + list(others.values()), visible

    def _allowed_echoes(self, viewer_country: Any) -> list[str]:
        """Texts of the records the viewer's State may read that carry a marker (its own)."""
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
        """One URL per record to try: every record of the route's model, one of every other kind.
        Parameters other than identifiers take a plain value (a number, a word)."""
        params = _params(entry)
        if not params:
            return [reverse(name)]
        converters = getattr(entry.pattern, "converters", {})
        ids = [p for p in params if p in ("public_id", "pk") or type(converters.get(p)).__name__ == "UUIDConverter"]
        plain = {p: ("1" if type(converters.get(p)).__name__ == "IntConverter" else "x") for p in params
                 if p not in ids}
        if not ids:
            return [reverse(name, kwargs=plain)]
        model = model_of(entry)
        chosen, seen = [], set()
        for r in records:
            if (model is not None and type(r) is model) or type(r) not in seen:
                chosen.append(r)
                seen.add(type(r))
        return [reverse(name, kwargs={**plain, **{p: r.public_id for p in ids}}) for r in chosen]

    def _check(self, viewer: str, body: bytes, markers: tuple[str, ...], echoes: list[str], where: str) -> None:
        text = body.decode("utf-8", "replace")
        for asked in UUID.findall(where):  # the identifiers the walker itself put in the URL
            text = text.replace(asked, "")
        leaked = set(UUID.findall(text)) & self.forbidden
        self.assertEqual(leaked, set(), f"{viewer} got identifiers of foreign records at {where}")
        for echo in echoes:
            text = text.replace(echo, "")
        for marker in markers:
            text = re.sub(rf'(q=|value="|&#x27;q&#x27;: &#x27;|"q": ?"){marker}', "", text)
            self.assertNotIn(marker, text, f"{viewer} saw {marker} at {where}")

    def _walk_as(self, viewer: str, country: Any, markers: tuple[str, ...]) -> int:
        foreign, visible = self._records(country)
        foreign_ids = {str(r.public_id) for r in foreign}
        echoes = self._allowed_echoes(country)
        self.assertGreater(len(foreign), 10)
        web, api = self.web(viewer), self.api(viewer)
        facility = next((r for r in foreign if r._meta.model_name == "facility"), None)
        list_queries = ("", "?limit=1000", "?active=any", "?hd=1.1&neq=1000", "?page=2",
                        *(f"?q={m}" for m in markers),
                        *((f"?facility={facility.public_id}",) if facility is not None else ()))
        visited = 0
        for name, entry in stockpile_routes():
            client = api if name.startswith("api:") else web
            has_id = bool(_params(entry)) and len(self._urls(name, entry, [])) == 0
            urls = self._urls(name, entry, foreign) + (self._urls(name, entry, visible) if has_id else [])
            for url in dict.fromkeys(urls):
                is_foreign = bool(set(UUID.findall(url)) & foreign_ids)
                for query in ("",) if has_id else list_queries:
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
        return visited

    def test_the_walk_covers_the_api_and_the_pages(self) -> None:
        names = {name for name, _entry in stockpile_routes()}
        for basename in ("facility", "storehouse", "exposedsite", "measureddistance", "safetyrules"):
            self.assertIn(f"api:{basename}-detail", names)
        for page in ("facility_list", "facility_detail", "facility_map", "facility_safety", "storehouse_detail",
                     "qd_calculator", "safety_rules"):
            self.assertIn(f"stockpile:{page}", names)
        self.assertIn("api:safety-qd-list", names)
        self.assertIn("api:facility-safety", names)
        # every stockpile model has a private record on each side
        for country in (self.world.country_a, self.world.country_b):
            foreign, _visible = self._records(country)
            kinds = {type(r) for r in foreign if r._meta.app_label == "stockpile"}
            self.assertEqual(kinds, set(apps.get_app_config("stockpile").get_models()))

    def test_the_walk_knows_the_model_of_each_page(self) -> None:
        routes = dict(stockpile_routes())
        expected = {"stockpile:facility_detail": "facility", "stockpile:storehouse_edit": "storehouse",
                    "stockpile:site_edit": "exposedsite", "stockpile:distance_edit": "measureddistance"}
        for name, model in expected.items():
            found = model_of(routes[name])
            self.assertEqual(found._meta.model_name if found else None, model, name)

    def test_nothing_of_b_reaches_an_officer_of_a(self) -> None:
        self.assertGreater(self._walk_as("alice", self.world.country_a, (MARKER_B,)), 200)

    def test_nothing_of_a_reaches_an_officer_of_b(self) -> None:
        self._walk_as("carlos", self.world.country_b, (MARKER_A,))

    def test_nothing_of_a_state_reaches_the_secretariat(self) -> None:
        self._walk_as("sam", self.world.secretariat, MARKERS)
