"""The isolation walk over destruction events: every web route of ``urls_events`` and every API
route of ``api/views_events``, visited by a user of one State with the identifiers of every
destruction record of the other State (GET and POST), and without identifiers:

    alice (A) with B's records        carlos (B) with A's records

No answer may carry the other State's marker; an identifier of a foreign record answers 403,
404 or 405, and a POST writes nothing (no change row, no audit row)."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, get_resolver, reverse

from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.tests.test_architecture import _params, _walk
from cifta.destruction import urls_events
from cifta.testing.destruction_world import DestructionWorldTestCase
from cifta.testing.world import MARKER_A, MARKER_B

BODY = {"reason": "x", "full_name": "x", "role": "witness", "stage": "before", "quantity": "1", "min_witnesses": "1",
        "min_agencies": "1", "serials": "ABC123", "title": "x", "from_place": "x"}


def event_routes() -> list[tuple[str, URLPattern]]:
    pages = {p.name for p in urls_events.urlpatterns}
    routes = []
    for name, entry in _walk(get_resolver().url_patterns):
        view = getattr(entry.callback, "cls", None)
        page = name.startswith("destruction:") and name.split(":", 1)[1] in pages
        api = name.startswith("api:") and getattr(view, "__module__", "") == "cifta.destruction.api.views_events"
        if page or api:
            routes.append((name, entry))
    return routes


class EventIsolationWalkTest(DestructionWorldTestCase):
    def records(self, side: str) -> list[Any]:
        d = self.destructions
        if side == "B":
            return [d.event_b, d.item_b, d.witness_b, d.photo_b, d.custody_b, d.policy_b]
        return [d.event_a, d.item_seized_a, d.item_lot_a, d.witness_a2, d.photo_a, d.custody_a, d.policy_a]

    def walk(self, user: str, side: str, marker: str) -> int:
        client = self.web(user)
        visited = 0
        for name, entry in event_routes():
            params = _params(entry)
            urls = [reverse(name)] if not params else [
                reverse(name, kwargs={"public_id": r.public_id}) for r in self.records(side)] if params == [
                "public_id"] else []
            for url in urls:
                changes, audits = ObjectChange.unscoped.count(), AuditEvent.unscoped.count()
                got = client.get(url)
                posted = client.post(url, BODY)
                for response in (got, posted):
                    self.assertNotIn(marker, response.content.decode("utf-8", "replace"), (user, url))
                    if params:
                        self.assertIn(response.status_code, (400, 403, 404, 405), (user, url, response.status_code))
                if params:
                    self.assertEqual((ObjectChange.unscoped.count(), AuditEvent.unscoped.count()), (changes, audits),
                                     (user, url))
                visited += 1
        return visited

    def test_a_sees_nothing_of_b(self) -> None:
        self.assertGreater(self.walk("alice", "B", MARKER_B), 30)

    def test_b_sees_nothing_of_a(self) -> None:
        self.assertGreater(self.walk("carlos", "A", MARKER_A), 30)
