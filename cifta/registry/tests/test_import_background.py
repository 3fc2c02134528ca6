"""Imports started from the web run in a thread that sets its own scope and change context and
closes its connections (real threads; a shared database is needed, so PostgreSQL runs the
full import, SQLite in memory runs the thread machinery only)."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from cifta.core.context import Source, change_context, peek_context
from cifta.core.models import ObjectChange
from cifta.core.scoping import country_scope, peek_scope
from cifta.registry.importing import background, engine
from cifta.registry.importing.readers import file_facts
from cifta.registry.models import Firearm, ImportJob
from cifta.testing.registry_world import build_firearms
from cifta.testing.world import build_world


@override_settings(CIFTA_IMPORT_SYNC=False)
def test_work_runs_in_a_thread_with_nothing_inherited():
    seen: dict[str, object] = {}
    done = threading.Event()

    def target(**kwargs: object) -> None:
        seen.update(kwargs, thread=threading.current_thread().name, scope=peek_scope(), context=peek_context())
        done.set()

    with country_scope([1]):
        thread = background.run_in_background(target, name="import-test", answer=42)
    assert thread is not None
    thread.join(5)
    assert done.is_set() and seen["answer"] == 42 and seen["thread"] == "import-test"
    # A thread starts with no scope and no actor: the job sets both itself.
    assert seen["scope"] is None and seen["context"] is None


@override_settings(CIFTA_IMPORT_SYNC=True)
def test_the_synchronous_setting_runs_in_the_caller():
    seen = []
    assert background.run_in_background(lambda **kw: seen.append(threading.current_thread()), name="x") is None
    assert seen == [threading.current_thread()]


@pytest.mark.django_db(transaction=True)
def test_an_import_started_from_the_web_runs_in_its_thread_as_its_user():
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        pytest.skip("an in-memory SQLite test database cannot be shared by threads; PostgreSQL runs this")
    world = build_world()
    build_firearms(world)
    folder = Path(tempfile.mkdtemp())
    path = folder / "thread.csv"
    path.write_text("type,make,model,serial\n" + "".join(f"pistol,Glock,19,TH-{n}\n" for n in range(25)),
                    encoding="utf-8")
    with override_settings(MEDIA_ROOT=str(folder / "media"), CIFTA_IMPORT_SYNC=False):
        with country_scope([world.country_a.pk]), change_context(world.alice, Source.WEB):
            job = engine.create_job(actor=world.alice, file_name="thread.csv", facts=file_facts(path))
        thread = background.start_import(job, user=world.alice, path=path, batch_size=10)
        assert thread is not None
        thread.join(60)
    with country_scope([world.country_a.pk]):
        job = ImportJob.objects.get(pk=job.pk)
        assert (job.state, job.created_count, job.batches_committed) == ("done", 25, 3)
        assert Firearm.objects.filter(serial_key__startswith="TH").count() == 25
        rows = ObjectChange.objects.filter(object_type="registry.firearm", after__serial_key__startswith="TH")
        assert set(rows.values_list("actor_id", "source")) == {(world.alice.pk, "import")}
