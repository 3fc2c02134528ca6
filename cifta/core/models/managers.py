"""Scoped managers: fail closed when no country scope is active."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.db.models import Q

from cifta.core.scoping import ALL_COUNTRIES, ScopeError, peek_scope


def _refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise ScopeError(
        "a country-scoped model was queried with no active scope; "
        "enter country_scope(...) (the request entry points do this for you)"
    )


class DisabledQuerySet(models.QuerySet[Any]):
    """Returned when no scope is active. It can be built and chained (form classes build
    querysets at import time) but never evaluated, counted, written or used as a subquery."""

    _fetch_all = _refuse
    count = _refuse
    exists = _refuse
    aggregate = _refuse
    iterator = _refuse
    update = _refuse
    delete = _refuse
    _update = _refuse
    contains = _refuse
    explain = _refuse
    in_bulk = _refuse
    bulk_create = _refuse
    bulk_update = _refuse
    resolve_expression = _refuse
    get_or_create = _refuse
    update_or_create = _refuse


class GuardedQuerySet(models.QuerySet[Any]):
    """Bulk writes bypass the change log, so audited models refuse them; use services."""

    def update(self, **kwargs: Any) -> int:
        raise ScopeError("bulk update() bypasses the change log; write through a service")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ScopeError("bulk delete() bypasses the change log; retire records through a service")

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[Any]:
        raise ScopeError("bulk_create() bypasses the change log; use cifta.core.bulkwrite.create_rows")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise ScopeError("bulk_update() bypasses the change log; write through a service")


class CountryScopedQuerySet(GuardedQuerySet):
    pass


class CountryScopedManager(models.Manager[Any]):
    """Default manager of every country-scoped model. It filters by the active scope using the
    model's ``scope_q`` (which may add counterpart rules) and refuses to run with no scope."""

    def get_queryset(self) -> models.QuerySet[Any]:
        scope = peek_scope()
        if scope is None:
            return DisabledQuerySet(self.model, using=self._db)
        qs = CountryScopedQuerySet(self.model, using=self._db)
        if scope is ALL_COUNTRIES:
            return qs
        return qs.filter(self.model.scope_q(scope))

    def owned(self) -> models.QuerySet[Any]:
        """Only the records the scope's countries own (no counterpart rule): what they may write."""
        scope = peek_scope()
        if scope is None:
            return DisabledQuerySet(self.model, using=self._db)
        qs = CountryScopedQuerySet(self.model, using=self._db)
        if scope is ALL_COUNTRIES:
            return qs
        return qs.filter(Q(country__in=scope))


class GuardedManager(models.Manager[Any]):
    """Manager for global (unscoped) audited models: reads are free, bulk writes refused."""

    def get_queryset(self) -> models.QuerySet[Any]:
        return GuardedQuerySet(self.model, using=self._db)
