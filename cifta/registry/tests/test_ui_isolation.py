"""The isolation walk of the architecture test, over the registry's pages and API routes with
the registry world (the architecture test's world has no firearms): every route, visited by a
user of one State with every identifier of the other's registry records, shows nothing of them."""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.urls import get_resolver, reverse

from cifta.core.models import CountryScopedModel
from cifta.core.tests.test_architecture import _params, _walk
from cifta.registry.models import CivilianHolder, Firearm, FirearmPhoto, HitNotice
from cifta.registry.tests.test_api_battery import RegistryExtrasTestCase
from cifta.testing.world import MARKER_A, MARKER_B

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}")
API_BASENAMES = ("firearm", "serialnumber", "marking", "firearmevent", "firearmphoto", "civilianholder", "hitnotice",
                 "markingsequence", "markingsession", "markingsessionitem", "importmapping", "importjob",
                 "serial-lookup", "serialrange", "serial-search")


def _registry_routes() -> list[tuple[str, Any]]:
    routes = []
    for name, entry in _walk(get_resolver().url_patterns):
        if name.startswith("registry:") or (name.startswith("api:") and name[4:].rsplit("-", 1)[0] in API_BASENAMES):
            routes.append((name, entry))
    return routes


WEB_MODELS = {"photo_image": FirearmPhoto, "hit_read": HitNotice, "holder_detail": CivilianHolder}


def _route_model(name: str, entry: Any) -> Any:
    view = getattr(entry.callback, "cls", None)
    if view is not None:
        return getattr(view, "model", None)
    return WEB_MODELS.get(name.split(":", 1)[1], Firearm)


class RegistryIsolationWalkTest(RegistryExtrasTestCase):
    def _records(self, country: Any) -> list[Any]:
        with self.as_all():
            return [obj for model in apps.get_app_config("registry").get_models()
                    if issubclass(model, CountryScopedModel) for obj in model.unscoped.filter(country=country)]

    def _urls(self, name: str, entry: Any, records: list[Any]) -> list[str]:
        """Every record of the route's own model, and one record of each other model (a route
        that looked an id up in the wrong table would show itself there)."""
        params = _params(entry)
        if not params:
            return [reverse(name)]
        if params != ["public_id"]:
            return []
        model = _route_model(name, entry)
        chosen, seen = [], set()
        for r in records:
            if type(r) is model or type(r) not in seen:
                chosen.append(r)
                seen.add(type(r))
        return [reverse(name, kwargs={"public_id": r.public_id}) for r in chosen]

    def _walk_as(self, viewer: str, victim: Any, marker: str) -> int:
        records = self._records(victim)
        ids = {str(r.public_id) for r in records}
        self.assertGreater(len(records), 15)
        web, api = self.web(viewer), self.api(viewer)
        visited = 0
        for name, entry in _registry_routes():
            client = api if name.startswith("api:") else web
            for url in self._urls(name, entry, records):
                foreign = bool(set(UUID.findall(url)) & ids)
                queries = ("",) if foreign else (
                    "", f"?q={marker}", "?limit=1000", f"?serial={marker}-9&case_reference=x")
                for query in queries:
                    response = client.get(url + query)
                    visited += 1
                    body = b"".join(response) if response.streaming else response.content
                    text = re.sub(rf'(q=|value="|serial=){marker}', "", body.decode("utf-8", "replace"))
                    self.assertNotIn(marker, text, f"{viewer} saw {marker} at {url}{query}")
                    if foreign:
                        self.assertIn(response.status_code, (403, 404, 405), f"{viewer}: {url}")
                if foreign:
                    before = self.changes_count()
                    response = client.post(url, {"kind": "destroyed", "occurred_on": "2024-01-01", "text": "X",
                                                 "year": "2024", "full_name": "X"})
                    self.assertIn(response.status_code, (400, 403, 404, 405), f"POST {url}")
                    self.assertEqual(self.changes_count(), before, f"POST {url} wrote something")
        return visited

    def test_nothing_of_b_reaches_an_officer_of_a(self) -> None:
        self.assertGreater(self._walk_as("alice", self.world.country_b, MARKER_B), 100)

    def test_nothing_of_a_reaches_an_officer_of_b(self) -> None:
        self._walk_as("carlos", self.world.country_a, MARKER_A)

    def test_nothing_of_a_state_reaches_the_secretariat(self) -> None:
        for name in ("sam", "sara"):
            response = self.web(name).get(reverse("registry:firearm_list"))
            self.assertEqual(list(response.context["page"]), [], name)
            self.assertNotIn(MARKER_A, response.content.decode())
            response = self.api(name).get("/api/v1/firearms/", {"limit": 1000})
            self.assertEqual(response.json()["count"], 0, name)
            self.assertEqual(self.api(name).get(f"/api/v1/firearms/{self.firearms.glock_a.public_id}/").status_code,
                             404, name)
