"""Architecture tests: they fail the build when a new model, viewset or URL skips the rules.

The URL walk is the heart: every URL pattern and API route is visited as a user of country A
with every identifier of country B's private records (and the reverse), and no answer may
contain what only B may see (DESIGN.md §4)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.viewsets import ViewSetMixin

import cifta
from cifta.core.api.viewsets import ScopedViewSetMixin
from cifta.core.models import AuditEvent, CountryScopedModel
from cifta.core.models.base import GLOBAL_MODELS
from cifta.core.scoping import ALL_COUNTRIES, country_scope
from cifta.testing.base import WorldTestCase
from cifta.testing.battery import ScopedApiBattery
from cifta.testing.world import MARKER_A, MARKER_B

# URL names that are not per-country data and need no walk (with the reason).
NOT_DATA = {
    "set_language": "switches the interface language",
    "javascript-catalog": "translations for scripts",
    "api:schema": "the OpenAPI schema (structure, no records)",
    "api:docs": "API documentation page",
    "api:redoc": "API documentation page",
    "accounts:logout": "ends the session",
}


def test_every_model_is_scoped_or_declared_global():
    undeclared = [
        m._meta.label_lower for m in apps.get_models()
        if not issubclass(m, CountryScopedModel) and m._meta.label_lower not in GLOBAL_MODELS
    ]
    assert undeclared == [], "declare these CountryScopedModel or list them in GLOBAL_MODELS"


def _import_all(package: str) -> None:
    for info in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
        if ".migrations" in info.name or info.name.endswith(("conftest", "__main__")):
            continue
        importlib.import_module(info.name)


def _all_subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_scoped_model_has_the_standard_test_set():
    _import_all(cifta.__name__)
    covered = {c.model for c in _all_subclasses(ScopedApiBattery) if "model" in c.__dict__}
    scoped = {m for m in apps.get_models() if issubclass(m, CountryScopedModel)}
    missing = sorted(m._meta.label_lower for m in scoped - covered)
    assert missing == [], f"add a ScopedApiBattery test class for {missing}"


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def _params(entry: URLPattern) -> list[str]:
    pattern = entry.pattern
    regex = getattr(pattern, "regex", None)
    names = list(regex.groupindex) if regex is not None else []
    return [n for n in names if n != "format"]


def test_every_api_viewset_sets_the_scope_and_has_no_class_queryset():
    for name, entry in _walk(get_resolver().url_patterns):
        view = getattr(entry.callback, "cls", None)
        if view is None or not issubclass(view, ViewSetMixin):
            continue
        assert issubclass(view, ScopedViewSetMixin), f"{name}: derive from ScopedViewSetMixin"
        assert getattr(view, "queryset", None) is None, f"{name}: build the queryset per request"


class IsolationWalkTest(WorldTestCase):
    """Visit every route as A with B's identifiers and as B with A's; no marker may leak."""

    def _private_records(self, country: Any) -> list[Any]:
        records = []
        with country_scope(ALL_COUNTRIES):
            for model in apps.get_models():
                if not issubclass(model, CountryScopedModel):
                    continue
                for obj in model.unscoped.filter(country=country):
                    # Records shared by a counterpart rule are meant to be seen; skip them.
                    other = self.world.country_a if country == self.world.country_b else self.world.country_b
                    if model.unscoped.filter(model.scope_q(frozenset({other.pk})), pk=obj.pk).exists():
                        continue
                    records.append(obj)
        return records

    def _urls_for(self, name: str, entry: URLPattern, records: list[Any], country: Any) -> Iterator[str]:
        params = _params(entry)
        if not params:
            yield reverse(name)
            return
        values: dict[str, list[str]] = {}
        for p in params:
            if p in ("public_id", "pk"):
                values[p] = [str(r.public_id) for r in records]
            elif p == "code":
                values[p] = [country.code]
            elif p == "label":
                values[p] = sorted({r._meta.label_lower for r in records})
            elif p == "seq":
                with country_scope(ALL_COUNTRIES):
                    values[p] = [str(s) for s in AuditEvent.unscoped.filter(country=country)
                                 .values_list("seq", flat=True)[:5]]
            elif p == "slug":
                values[p] = ["registry"]
            else:
                values[p] = ["x"]
        if params == ["label", "public_id"]:
            for r in records:
                yield reverse(name, kwargs={"label": r._meta.label_lower, "public_id": r.public_id})
            return
        if len(params) == 1:
            for v in values[params[0]]:
                try:
                    yield reverse(name, kwargs={params[0]: v})
                except Exception:
                    continue
            return
        first = {p: values[p][0] for p in params if values[p]}
        try:
            yield reverse(name, kwargs=first)
        except Exception:
            return

    def _assert_no_leak(self, viewer: str, victim: Any, marker: str) -> int:
        records = self._private_records(victim)
        ids = {str(r.public_id) for r in records}
        assert records, "the world must give the victim private records"
        web, api = self.web(viewer), self.api(viewer)
        visited = 0
        for name, entry in _walk(get_resolver().url_patterns):
            if name in NOT_DATA:
                continue
            client = api if name.startswith("api:") else web
            for url in self._urls_for(name, entry, records, victim):
                for query in ("", f"?q={marker}", "?format=json", "?limit=1000"):
                    response = client.get(url + query, HTTP_ACCEPT="text/html,application/json")
                    visited += 1
                    body = b"".join(response) if response.streaming else response.content
                    # The search box echoes the query back, and the audit log shows the walker's own
                    # audited searches; those echoes are not leaks.
                    text = re.sub(rf'(q=|value="|&#x27;q&#x27;: &#x27;|"q": ?"){marker}', "",
                                  body.decode("utf-8", "replace"))
                    assert marker not in text, f"{viewer} saw {marker} at {url}{query}"
                    path_ids = set(re.findall(r"[0-9a-f]{8}-[0-9a-f-]{27}", url))
                    if path_ids & ids:
                        assert response.status_code in (302, 403, 404, 405), (
                            f"{viewer} got {response.status_code} for another country's record at {url}"
                        )
                # Writes to another country's records: refused, nothing written.
                if set(re.findall(r"[0-9a-f]{8}-[0-9a-f-]{27}", url)) & ids:
                    before = self.changes_count()
                    response = client.post(url, {"name": "x", "city": "x", "role": "viewer", "is_active": ""})
                    assert response.status_code in (302, 400, 403, 404, 405), f"POST {url}: {response.status_code}"
                    assert self.changes_count() == before, f"POST {url} wrote something"
        return visited

    def test_nothing_of_b_reaches_an_officer_of_a(self):
        assert self._assert_no_leak("alice", self.world.country_b, MARKER_B) > 50

    def test_nothing_of_a_reaches_an_officer_of_b(self):
        self._assert_no_leak("carlos", self.world.country_a, MARKER_A)

    def test_nothing_of_b_reaches_the_administrator_of_a(self):
        self._assert_no_leak("nadia", self.world.country_b, MARKER_B)

    def test_nothing_of_a_state_reaches_the_secretariat(self):
        self._assert_no_leak("sam", self.world.country_a, MARKER_A)
        self._assert_no_leak("sara", self.world.country_b, MARKER_B)


@pytest.mark.parametrize("name", sorted(NOT_DATA))
def test_routes_excluded_from_the_walk_exist(name):
    assert any(n == name for n, _ in _walk(get_resolver().url_patterns)), f"{name} no longer exists"


# The documented escape hatches (docs/ARCHITECTURE.md, "Escape hatches"); anything else that
# reads around the scope is a finding.
UNSCOPED_ALLOWED = {
    "accounts/principals.py", "accounts/authentication.py", "accounts/services.py", "core/chain.py",
    "core/views.py", "reference/selectors.py", "registry/importing/engine.py",
    # Rewrites the derived search columns of serials (not in the change log) for a whole State.
    "registry/management/commands/serials.py",
}


def test_the_unscoped_manager_is_used_only_where_documented():
    from pathlib import Path

    root = Path(cifta.__file__).parent
    users = set()
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if "/tests/" in f"/{rel}" or rel.startswith(("testing/", "demo/tests")) or "/migrations/" in rel:
            continue
        if ".unscoped" in path.read_text(encoding="utf-8"):
            users.add(rel)
    assert users <= UNSCOPED_ALLOWED, f"undocumented use of .unscoped in {sorted(users - UNSCOPED_ALLOWED)}"
