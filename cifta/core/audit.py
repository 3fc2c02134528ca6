"""Business events and sensitive reads: ``emit`` is the one way to write an AuditEvent.

Verbs are namespaced strings defined as constants in each app's ``events.py``
(e.g. ``registry.firearm.registered``); they are not database choices, so a new verb needs no
migration."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cifta.core import chain
from cifta.core.context import current_context
from cifta.core.models.audit import AuditEvent
from cifta.core.models.base import jsonable

VERB_PATTERN = re.compile(r"^[a-z_]+(\.[a-z_]+){2,}$")
_SECRET_KEYS = ("password", "secret", "token", "key", "otp")


def _mask(payload: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in payload.items():
        if any(part in key.lower() for part in _SECRET_KEYS):
            clean[key] = "********"
        elif isinstance(value, Mapping):
            clean[key] = _mask(value)
        else:
            clean[key] = jsonable(value)
    return clean


def emit(
    verb: str,
    *,
    target: Any = None,
    payload: Mapping[str, Any] | None = None,
    country_id: int | None = None,
    counterpart_country_id: int | None = None,
) -> AuditEvent:
    """Record a business event in the caller's transaction. The country defaults to the
    target's; secrets in the payload are masked."""
    if not VERB_PATTERN.match(verb):
        raise ValueError(f"audit verb {verb!r} must look like 'app.object.verb'")
    ctx = current_context()
    if country_id is None and target is not None:
        country_id = getattr(target, "country_id", None)
    return chain.append(
        AuditEvent,
        actor_id=ctx.actor_id,
        actor_repr=ctx.actor_repr,
        source=ctx.source,
        request_id=ctx.request_id,
        country_id=country_id,
        counterpart_country_id=counterpart_country_id,
        verb=verb,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=target.pk if target is not None else None,
        target_repr=str(target)[:200] if target is not None else "",
        payload=_mask(payload or {}),
    )


def audit_read(
    verb: str,
    *,
    country_id: int | None,
    query: Mapping[str, Any],
    result_count: int,
    case_reference: str = "",
    target: Any = None,
) -> AuditEvent:
    """Audit a sensitive read (a search, a trace view, an export): who asked what, why, and
    how much came back. Runs in its own transaction when the caller has none."""
    from django.db import transaction

    with transaction.atomic():
        return emit(
            verb,
            target=target,
            country_id=country_id,
            payload={"query": dict(query), "case_reference": case_reference, "result_count": result_count},
        )
