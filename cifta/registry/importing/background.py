"""Running an import away from the request: a thread that sets its own country scope and change
context (source ``import``, the user who started it), as every job does, and closes its database
connections when it ends. ``CIFTA_IMPORT_SYNC = True`` (tests) runs it in the caller instead."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections

from cifta.core.context import Source, change_context
from cifta.core.scoping import country_scope
from cifta.registry.models import ImportJob

log = logging.getLogger(__name__)


def run_in_background(target: Callable[..., Any], *, name: str, **kwargs: Any) -> threading.Thread | None:
    """Run ``target(**kwargs)`` in a daemon thread (or at once when CIFTA_IMPORT_SYNC is set)."""
    if getattr(settings, "CIFTA_IMPORT_SYNC", False):
        target(**kwargs)
        return None

    def main() -> None:
        close_old_connections()
        try:
            target(**kwargs)
        except Exception:
            log.exception("background job %s failed", name)
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=main, name=name, daemon=True)
    thread.start()
    return thread


def _run_import(*, job_id: int, user_id: int, country_id: int, path: str, encoding: str, batch_size: int) -> None:
    from cifta.accounts.models import User
    from cifta.registry.importing import engine

    user = User.objects.get(pk=user_id)
    with country_scope([country_id]), change_context(user, Source.IMPORT):
        job = ImportJob.objects.owned().get(pk=job_id)
        try:
            engine.run_job(job, actor=user, path=path, batch_size=batch_size, encoding=encoding)
        except engine.ImportBusy:
            log.info("import %s is already running", job.public_id)


def start_import(job: ImportJob, *, user: Any, path: str | Path, encoding: str = "utf-8",
                 batch_size: int | None = None) -> threading.Thread | None:
    """Start (or resume) a job for the web pages."""
    from cifta.registry.importing.engine import DEFAULT_BATCH

    return run_in_background(
        _run_import, name=f"import-{job.public_id}", job_id=job.pk, user_id=user.pk, country_id=job.country_id,
        path=str(path), encoding=encoding, batch_size=batch_size or DEFAULT_BATCH)
