"""The standard test set every country-scoped model's API and pages inherit (DESIGN.md §7).

A test class names the model, its API basename and how to make one record in A and one
private record in B; the battery proves isolation, 404 for foreign records, foreign keys
rejected, viewers refused, one change-log row per write, and a query budget."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cifta.core.models import ObjectChange
from cifta.testing.base import WorldTestCase


class ScopedApiBattery(WorldTestCase):
    """Inherit it and fill in the class attributes; the base itself runs nothing."""

    __test__ = False  # only subclasses that set ``model`` are collected (see __init_subclass__)

    model: ClassVar[type[Any]]
    basename: ClassVar[str]
    lookup: ClassVar[str] = "public_id"
    reader_a: ClassVar[str] = "alice"
    reader_b: ClassVar[str] = "carlos"
    writer_a: ClassVar[str] = "alice"
    viewer_a: ClassVar[str] = "bob"
    list_query_budget: ClassVar[int] = 12

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__test__ = "model" in cls.__dict__

    # --- to fill in --------------------------------------------------------------------------
    def object_a(self) -> Any:
        raise NotImplementedError

    def object_b(self) -> Any:
        """A record of B that A must not see (not shared by any counterpart rule)."""
        raise NotImplementedError

    def private_object_a(self) -> Any:
        """A record of A that B must not see; the same as object_a unless that one is shared."""
        return self.object_a()

    def create_payload(self) -> dict[str, Any] | None:
        """A valid create body for writer_a, or None when the endpoint is read-only."""
        return None

    def foreign_fk_payload(self) -> dict[str, Any] | None:
        """A create body whose foreign key points at B's record, or None without FKs."""
        return None

    def update_payload(self) -> dict[str, Any] | None:
        return None

    # --- helpers -----------------------------------------------------------------------------
    def list_url(self) -> str:
        return reverse(f"api:{self.basename}-list")

    def detail_url(self, obj: Any) -> str:
        return reverse(f"api:{self.basename}-detail", args=[getattr(obj, self.lookup)])

    def ids(self, response: Any) -> set[str]:
        body = response.json()
        rows = body["results"] if isinstance(body, dict) and "results" in body else body
        return {str(row[self.lookup]) for row in rows}

    # --- the battery -------------------------------------------------------------------------
    def test_anonymous_is_refused(self) -> None:
        response = self.api(None).get(self.list_url())
        self.assertIn(response.status_code, (401, 403))

    def test_list_shows_own_records_and_nothing_private_of_another_country(self) -> None:
        response = self.api(self.reader_a).get(self.list_url())
        self.assertEqual(response.status_code, 200, response.content)
        ids = self.ids(response)
        self.assertIn(str(getattr(self.object_a(), self.lookup)), ids)
        self.assertNotIn(str(getattr(self.object_b(), self.lookup)), ids)
        response_b = self.api(self.reader_b).get(self.list_url())
        self.assertNotIn(str(getattr(self.private_object_a(), self.lookup)), self.ids(response_b))

    def test_detail_of_another_country_is_404(self) -> None:
        response = self.api(self.reader_a).get(self.detail_url(self.object_b()))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.api(self.reader_a).get(self.detail_url(self.object_a())).status_code, 200)

    def test_update_of_another_country_is_404_and_writes_nothing(self) -> None:
        payload = self.update_payload()
        if payload is None:
            self.skipTest("read-only endpoint")
        before = self.changes_count()
        response = self.api(self.writer_a).patch(self.detail_url(self.object_b()), payload, format="json")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.changes_count(), before)

    def test_viewer_cannot_write(self) -> None:
        payload = self.create_payload()
        if payload is None:
            self.skipTest("read-only endpoint")
        before = self.changes_count()
        response = self.api(self.viewer_a).post(self.list_url(), payload, format="json")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.changes_count(), before)

    def test_foreign_key_to_another_country_is_rejected(self) -> None:
        payload = self.foreign_fk_payload()
        if payload is None:
            self.skipTest("no foreign key to test")
        before = self.changes_count()
        response = self.api(self.writer_a).post(self.list_url(), payload, format="json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertEqual(self.changes_count(), before)

    def test_create_writes_one_change_with_actor_and_request_and_ignores_country(self) -> None:
        payload = self.create_payload()
        if payload is None:
            self.skipTest("read-only endpoint")
        payload = {**payload, "country": self.world.country_b.code, "country_id": self.world.country_b.pk}
        before_seq = ObjectChange.unscoped.order_by("-seq").values_list("seq", flat=True).first() or 0
        response = self.api(self.writer_a).post(self.list_url(), payload, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        created = self.model.unscoped.get(**{self.lookup: response.json()[self.lookup]})
        self.assertEqual(created.country_id, self.world.country_a.pk)
        rows = ObjectChange.unscoped.filter(seq__gt=before_seq, object_type=self.model._meta.label_lower,
                                            object_id=created.pk)
        self.assertEqual(rows.count(), 1)
        row = rows.get()
        self.assertEqual(row.actor_id, self.world.user(self.writer_a).pk)
        self.assertEqual(row.source, "api")
        self.assertIsNotNone(row.request_id)

    def test_update_own_record_writes_a_change(self) -> None:
        payload = self.update_payload()
        if payload is None:
            self.skipTest("read-only endpoint")
        before = self.changes_count()
        response = self.api(self.writer_a).patch(self.detail_url(self.object_a()), payload, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertGreater(self.changes_count(), before)

    def test_list_stays_within_query_budget(self) -> None:
        client = self.api(self.reader_a)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(self.list_url())
        self.assertEqual(response.status_code, 200)
        self.assertLessEqual(len(queries), self.list_query_budget, [q["sql"] for q in queries.captured_queries])
