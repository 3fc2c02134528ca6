"""Small helpers shared by the directory tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.test import override_settings

from cifta.core.context import Source, change_context
from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.scoping import Scope, country_scope
from cifta.testing.base import WorldTestCase
from cifta.testing.world import ACTOR


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class DirectoryTestCase(WorldTestCase):
    """The shared world, built with a fast password hasher: Argon2 takes most of the world's
    build time and no directory test checks a password."""

    __test__ = False


@contextmanager
def acting(scope: Scope | list[int], actor: Any = ACTOR, source: str = Source.COMMAND) -> Iterator[None]:
    """Run service calls as ``actor`` inside ``scope`` (a list of country ids or ALL_COUNTRIES)."""
    with change_context(actor, source), country_scope(scope):
        yield


def last_seq(model: type[ObjectChange] | type[AuditEvent]) -> int:
    return model.unscoped.order_by("-seq").values_list("seq", flat=True).first() or 0


def changes_since(seq: int) -> list[ObjectChange]:
    return list(ObjectChange.unscoped.filter(seq__gt=seq).order_by("seq"))


def events_since(seq: int) -> list[AuditEvent]:
    return list(AuditEvent.unscoped.filter(seq__gt=seq).order_by("seq"))
