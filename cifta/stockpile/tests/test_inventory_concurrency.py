"""Two officers issuing the last units of a lot at the same moment: one issue is stored, the
other is refused, and the balance never goes below zero (real threads, real commits). The same
for one firearm received into two storehouses at once."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from cifta.core.context import Source, change_context
from cifta.core.errors import ServiceError
from cifta.core.scoping import country_scope
from cifta.stockpile import ledger
from cifta.stockpile import services_facilities as facilities
from cifta.stockpile import services_inventory as services
from cifta.stockpile.models import Movement
from cifta.testing.inventory_world import build_inventory
from cifta.testing.registry_world import build_firearms
from cifta.testing.stockpile_world import build_arsenals
from cifta.testing.world import build_world

DAY = dt.date(2025, 4, 1)


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
def test_two_officers_issuing_the_last_units_of_a_lot_leave_no_negative_balance():
    _skip_on_in_memory_sqlite()
    world = build_world()
    firearms = build_firearms(world)
    arsenals = build_arsenals(world)
    inventory = build_inventory(world, firearms, arsenals)
    a, alice = world.country_a, world.alice
    store, lot = arsenals.store_a1, inventory.lot_a2  # 50 grenades held
    for _round in range(3):
        with country_scope([a.pk]):
            held = ledger.balance(store, lot.pk)

        def issue(quantity: int = held) -> Movement:
            return services.record_movement(actor=alice, kind="issue", occurred_on=DAY, quantity=quantity, lot=lot,
                                            from_storehouse=store)

        done, errors = _at_the_same_moment(a, alice, [issue, issue])
        assert len(done) == 1, errors
        assert len(errors) == 1 and isinstance(errors[0], ServiceError) and errors[0].field == "quantity", errors
        with country_scope([a.pk]):
            assert ledger.balance(store, lot.pk) == 0
        with country_scope([a.pk]), change_context(alice, Source.WEB):
            services.record_movement(actor=alice, kind="receipt", occurred_on=DAY, quantity=7, lot=lot,
                                     to_storehouse=store)


@pytest.mark.django_db(transaction=True)
def test_one_firearm_received_into_two_storehouses_at_once_lands_in_one():
    _skip_on_in_memory_sqlite()
    world = build_world()
    firearms = build_firearms(world)
    arsenals = build_arsenals(world)
    a, alice = world.country_a, world.alice
    with country_scope([a.pk]), change_context(alice, Source.WEB):
        second = facilities.save_storehouse(actor=alice, facility=arsenals.facility_a, name="Armoury 3",
                                            kind="light_structure", latitude="4.602", longitude="-74.08",
                                            holds_weapons=True)
    firearm = firearms.glock_a

    def receive(target: Any) -> Callable[[], Movement]:
        return lambda: services.record_movement(actor=alice, kind="receipt", occurred_on=DAY, quantity=1,
                                                firearm=firearm, to_storehouse=target)

    done, errors = _at_the_same_moment(a, alice, [receive(arsenals.store_a2), receive(second)])
    assert len(done) == 1 and len(errors) == 1, errors
    assert isinstance(errors[0], ServiceError) and errors[0].field == "firearm"
    with country_scope([a.pk]):
        assert Movement.objects.filter(firearm=firearm).count() == 1
