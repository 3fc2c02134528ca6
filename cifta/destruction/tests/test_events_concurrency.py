"""Two officers executing the same destruction event at the same moment: exactly one result
(the other is told the event is already executed); each firearm is destroyed once in the
registry and each quantity leaves the ledger once (real threads, real commits)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from cifta.core.context import Source, change_context
from cifta.core.errors import ConflictError
from cifta.core.scoping import country_scope
from cifta.destruction import services_events as services
from cifta.destruction.models import DestructionEvent
from cifta.registry.models import FirearmEvent
from cifta.stockpile import ledger
from cifta.stockpile.models import Movement
from cifta.testing.destruction_world import build_destructions
from cifta.testing.inventory_world import build_inventory
from cifta.testing.registry_world import build_firearms
from cifta.testing.stockpile_world import build_arsenals
from cifta.testing.world import build_world


def _skip_on_in_memory_sqlite() -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        pytest.skip("an in-memory SQLite test database cannot be shared by threads; PostgreSQL runs this")


def _at_the_same_moment(country: Any, actor: Any, acts: list[Callable[[], Any]]
                        ) -> tuple[list[Any], list[BaseException]]:
    done: list[Any] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(acts))

    def officer(act: Callable[[], Any]) -> None:
        try:
            with country_scope([country.pk]), change_context(actor, Source.WEB):
                barrier.wait()
                done.append(act())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's connections only

    threads = [threading.Thread(target=officer, args=(act,)) for act in acts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done, errors


@pytest.mark.django_db(transaction=True)
def test_concurrency_two_officers_executing_one_event_produce_one_result():
    _skip_on_in_memory_sqlite()
    world = build_world()
    firearms = build_firearms(world)
    arsenals = build_arsenals(world)
    inventory = build_inventory(world, firearms, arsenals)
    d = build_destructions(world, firearms, arsenals, inventory)
    a = world.country_a
    with country_scope([a.pk]), change_context(world.nadia, Source.WEB):
        services.approve_event(actor=world.nadia, event=d.event_a)
    now = timezone.now()

    def execute() -> DestructionEvent:
        return services.execute_event(actor=world.alice, event=d.event_a, started_at=now - dt.timedelta(hours=2),
                                      ended_at=now - dt.timedelta(hours=1), default="destroyed")

    done, errors = _at_the_same_moment(a, world.alice, [execute, execute, execute])
    assert len(done) == 1, errors
    assert len(errors) == 2 and all(isinstance(e, ConflictError) and e.field == "status" for e in errors), errors
    with country_scope([a.pk]):
        assert DestructionEvent.objects.get(pk=d.event_a.pk).status == "executed"
        reference = d.event_a.reference
        assert FirearmEvent.objects.filter(kind="destroyed", reference=reference).count() == 2
        assert Movement.objects.filter(kind="destruction", reference=reference).count() == 2  # the lot, seized_a
        assert ledger.balance(arsenals.store_a1, inventory.lot_a2.pk) == 30
