"""Two officers at the same moment: State serials stay unique (real threads, real commits)."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from cifta.core.context import Source, change_context
from cifta.core.scoping import country_scope
from cifta.registry import services
from cifta.testing.registry_world import build_firearms
from cifta.testing.world import build_world


@pytest.mark.django_db(transaction=True)
def test_state_serials_drawn_by_parallel_officers_are_unique():
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        pytest.skip("an in-memory SQLite test database cannot be shared by threads; PostgreSQL runs this")
    world = build_world()
    firearm = build_firearms(world).glock_a
    drawn: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def officer() -> None:
        try:
            barrier.wait()
            with country_scope([world.country_a.pk]), change_context(world.alice, Source.WEB):
                for _ in range(10):
                    drawn.append(services.generate_state_marking(actor=world.alice, firearm=firearm, year=2026))
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=officer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(drawn) == 40 and len(set(drawn)) == 40
