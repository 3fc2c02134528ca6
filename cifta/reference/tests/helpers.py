"""The reference tests' base: the shared test world plus the seed tables, loaded once per class."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

from cifta.core.context import Source, change_context
from cifta.reference import csvio
from cifta.testing.base import WorldTestCase

ACTOR = "system:test"


@contextmanager
def acting() -> Iterator[None]:
    """A command's change context, as the services need outside a request."""
    with change_context(ACTOR, Source.COMMAND):
        yield


class ReferenceTestCase(WorldTestCase):
    seed_reports: list[csvio.ImportReport]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with change_context(ACTOR, Source.COMMAND):
            cls.seed_reports = csvio.load_seed()

    def import_text(self, kind: str, text: str) -> csvio.ImportReport:
        with acting(), transaction.atomic():
            return csvio.import_csv(kind, text, source="test")
