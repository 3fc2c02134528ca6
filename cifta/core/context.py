"""Who is acting, from where, in which request: the context every audited write needs.

A save on an audited model without an active change context raises, so a write from a shell,
a command or a job is never silently missing from the change log.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Final


class ChangeContextError(RuntimeError):
    """An audited write was attempted without an actor context."""


class Source:
    WEB: Final = "web"
    API: Final = "api"
    JOB: Final = "job"
    COMMAND: Final = "command"
    IMPORT: Final = "import"
    ALL: Final = (WEB, API, JOB, COMMAND, IMPORT)


@dataclass(frozen=True)
class ChangeContext:
    actor_id: int | None
    actor_repr: str
    source: str
    request_id: uuid.UUID = field(default_factory=uuid.uuid4)


_context: ContextVar[ChangeContext | None] = ContextVar("cifta_change_context", default=None)


def _actor_parts(actor: Any) -> tuple[int | None, str]:
    if actor is None:
        raise ChangeContextError("an actor is required; use a 'system:<name>' string for system work")
    if isinstance(actor, str):
        if not actor.startswith("system:"):
            raise ChangeContextError("a string actor must be 'system:<name>'")
        return None, actor
    return int(actor.pk), str(actor.get_username())


@contextmanager
def change_context(
    actor: Any, source: str, request_id: uuid.UUID | None = None
) -> Iterator[ChangeContext]:
    if source not in Source.ALL:
        raise ChangeContextError(f"unknown change source {source!r}")
    actor_id, actor_repr = _actor_parts(actor)
    ctx = ChangeContext(actor_id, actor_repr, source, request_id or uuid.uuid4())
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


def current_context() -> ChangeContext:
    ctx = _context.get()
    if ctx is None:
        raise ChangeContextError(
            "no change context: audited writes must run inside change_context(actor, source)"
        )
    return ctx


def peek_context() -> ChangeContext | None:
    return _context.get()
