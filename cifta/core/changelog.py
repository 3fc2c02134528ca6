"""Change capture: every save or delete of a ChangeLoggedModel writes an ObjectChange with
before/after JSON, in the same transaction, or the write fails.

Rules enforced here, in one place:
* an audited write needs an active change context (actor, source, request id);
* it must run inside a transaction (services are atomic);
* a country-scoped record takes its country from the scope, may only be written by a scope
  that owns its country, and must be visible through the scope after the write.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models.signals import post_save, pre_delete, pre_save
from django.dispatch import receiver

from cifta.core import chain
from cifta.core.context import current_context
from cifta.core.models.audit import ObjectChange
from cifta.core.models.base import ChangeLoggedModel, CountryScopedModel
from cifta.core.scoping import ScopeError, active_scope, scope_allows, single_country_id


def object_type(instance: Any) -> str:
    return str(instance._meta.label_lower)


def _require_transaction(instance: Any) -> None:
    if not connection.in_atomic_block:
        raise chain.NotInTransactionError(
            f"{type(instance).__name__} must be written inside a transaction (write through a service)"
        )


@receiver(pre_save)
def _before_save(sender: type[Any], instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or not isinstance(instance, ChangeLoggedModel):
        return
    current_context()  # raises when nobody is accountable for this write
    _require_transaction(instance)
    if isinstance(instance, CountryScopedModel):
        active_scope()
        if instance.country_id is None:
            instance.country_id = single_country_id()
        loaded = getattr(instance, "_changelog_loaded", None)
        if loaded is not None and loaded.get("country_id") not in (None, instance.country_id):
            raise ScopeError("a record cannot move to another country")
        if not scope_allows(instance.country_id):
            raise ScopeError("this scope may not write records of that country")


@receiver(post_save)
def _after_save(sender: type[Any], instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or not isinstance(instance, ChangeLoggedModel):
        return
    # Post-write visibility check (read back through the scope's own-country manager).
    if isinstance(instance, CountryScopedModel) and not type(instance).objects.owned().filter(pk=instance.pk).exists():
        raise ScopeError("the record written is not visible in the writer's scope; rolled back")
    before = None if created else instance.changelog_before()
    after = instance.changelog_data()
    if not created and before == after:
        return  # a save that changed nothing is not history
    record_change(
        instance,
        action=ObjectChange.Action.CREATE if created else ObjectChange.Action.UPDATE,
        before=before,
        after=after,
    )
    instance._changelog_loaded = dict(instance.__dict__)


@receiver(pre_delete)
def _before_delete(sender: type[Any], instance: Any, **kwargs: Any) -> None:
    if not isinstance(instance, ChangeLoggedModel):
        return
    current_context()
    _require_transaction(instance)
    if isinstance(instance, CountryScopedModel) and not scope_allows(instance.country_id):
        raise ScopeError("this scope may not delete records of that country")
    record_change(instance, action=ObjectChange.Action.DELETE, before=instance.changelog_data(), after=None)


def record_change(
    instance: Any, *, action: str, before: dict[str, Any] | None, after: dict[str, Any] | None, message: str = ""
) -> ObjectChange:
    ctx = current_context()
    country_id = getattr(instance, "country_id", None) if isinstance(instance, CountryScopedModel) else None
    return chain.append(
        ObjectChange,
        actor_id=ctx.actor_id,
        actor_repr=ctx.actor_repr,
        source=ctx.source,
        request_id=ctx.request_id,
        country_id=country_id,
        action=action,
        object_type=object_type(instance),
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        before=before,
        after=after,
        message=message[:500],
    )
