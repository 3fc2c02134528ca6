"""Two officers of the requested State acting on one request at the same moment: one answer and
one step are stored, the other officer is told the request moved on (real threads, real commits)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from cifta.core.context import Source, change_context
from cifta.core.errors import ConflictError
from cifta.core.permissions import Role
from cifta.core.scoping import country_scope
from cifta.testing.registry_world import build_firearms
from cifta.testing.tracing_world import TracingWorldTestCase, build_traces
from cifta.testing.world import build_world
from cifta.tracing import services
from cifta.tracing.models import TraceAnswer, TraceStep


def _skip_on_in_memory_sqlite() -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        pytest.skip("an in-memory SQLite test database cannot be shared by threads; PostgreSQL runs this")


def _at_the_same_moment(officers: list[tuple[Any, str]], country: Any,
                        act: Callable[[Any, str], Any]) -> tuple[list[Any], list[BaseException]]:
    done: list[Any] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(officers))

    def officer(user: Any, role: str) -> None:
        try:
            with country_scope([country.pk]), change_context(user, Source.WEB):
                barrier.wait()
                done.append(act(user, role))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's connections only: the test database can then be dropped

    threads = [threading.Thread(target=officer, args=pair) for pair in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done, errors


@pytest.mark.django_db(transaction=True)
def test_two_officers_answering_at_the_same_moment_store_one_answer():
    _skip_on_in_memory_sqlite()
    world = build_world()
    traces = build_traces(world, build_firearms(world))
    request = traces.request_ab
    b = world.country_b
    with country_scope([b.pk]), change_context(world.carlos, Source.WEB):
        services.take_step(actor=world.carlos, request=request, action="acknowledge", role=Role.OFFICER)

    def answer(user: Any, role: str) -> Any:
        return services.answer_request(actor=user, request=request, role=role, outcome="not_found",
                                       failure_reason="no_record", note=f"answered by {user.username}")

    done, errors = _at_the_same_moment([(world.carlos, Role.OFFICER), (world.nico, Role.NATIONAL_ADMIN)], b, answer)
    assert len(done) == 1, errors
    assert len(errors) == 1 and isinstance(errors[0], ConflictError), errors
    assert TraceAnswer.unscoped.filter(request=request).count() == 1
    assert TraceStep.unscoped.filter(request=request, action="answer").count() == 1
    assert list(TraceStep.unscoped.filter(request=request).order_by("seq").values_list("seq", "action")) == [
        (1, "send"), (2, "acknowledge"), (3, "answer")]


@pytest.mark.django_db(transaction=True)
def test_two_officers_acknowledging_at_the_same_moment_store_one_step():
    _skip_on_in_memory_sqlite()
    world = build_world()
    traces = build_traces(world, build_firearms(world))
    request = traces.request_ab

    def acknowledge(user: Any, role: str) -> Any:
        return services.take_step(actor=user, request=request, action="acknowledge", role=role)

    done, errors = _at_the_same_moment([(world.carlos, Role.OFFICER), (world.nico, Role.NATIONAL_ADMIN)],
                                       world.country_b, acknowledge)
    assert len(done) == 1 and len(errors) == 1 and isinstance(errors[0], ConflictError), errors
    assert TraceStep.unscoped.filter(request=request, action="acknowledge").count() == 1


class SecondAnswerTest(TracingWorldTestCase):
    def test_a_second_answer_is_refused_and_writes_nothing(self) -> None:
        r, b = self.traces.request_ab, self.world.country_b
        with country_scope([b.pk]), change_context(self.world.carlos, Source.WEB):
            services.take_step(actor=self.world.carlos, request=r, action="acknowledge", role=Role.OFFICER)
            services.answer_request(actor=self.world.carlos, request=r, role=Role.OFFICER, outcome="found",
                                    firearm=self.firearms.glock_b, fields=["serial"])
        steps, changes = TraceStep.unscoped.count(), self.changes_count()
        with country_scope([b.pk]), change_context(self.world.nico, Source.WEB), self.assertRaises(ConflictError):
            services.answer_request(actor=self.world.nico, request=r, role=Role.NATIONAL_ADMIN, outcome="not_found",
                                    failure_reason="no_record")
        self.assertEqual((TraceStep.unscoped.count(), self.changes_count()), (steps, changes))
        answer = TraceAnswer.unscoped.get(request=r)
        self.assertEqual((answer.outcome, answer.disclosed), ("found", {"serial": "ABC123"}))
