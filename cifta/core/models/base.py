"""Base model classes. A model's base class decides how it is scoped and audited.

* ``GlobalModel``: reference data shared by all (must be listed in ``GLOBAL_MODELS``).
* ``CountryScopedModel``: a State's records; visible only inside that State's scope.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cifta.core.models.managers import CountryScopedManager, GuardedManager
from cifta.core.scoping import ALL_COUNTRIES, Scope

# Concrete models that are deliberately not country-scoped. The architecture test fails when a
# concrete model is neither a CountryScopedModel nor listed here (with the reason beside it).
GLOBAL_MODELS: dict[str, str] = {
    "core.objectchange": "append-only change log; its manager is scoped by its country column",
    "core.auditevent": "append-only audit log; its manager is scoped by its country column",
    "core.chainhead": "one row per hash chain; written only by the audit writer",
    "accounts.user": "identities; what a user may see comes from memberships",
    "directory.country": "the OAS member states and the Secretariat: public reference data",
    "reference.firearmtype": "reference data shared by all States",
    "reference.parttype": "reference data shared by all States",
    "reference.calibre": "reference data shared by all States",
    "reference.calibrealias": "reference data shared by all States",
    "reference.manufacturer": "reference data shared by all States",
    "reference.manufactureralias": "reference data shared by all States",
    "reference.manufacturersuccession": "reference data shared by all States",
    "reference.firearmmodel": "reference data shared by all States",
    "reference.modelvariant": "reference data shared by all States",
    "auth.permission": "Django internals (unused: roles live in core.permissions)",
    "auth.group": "Django internals (unused)",
    "contenttypes.contenttype": "Django internals",
    "sessions.session": "Django sessions",
    "otp_totp.totpdevice": "second-factor devices, reachable only by their owner",
    "axes.accessattempt": "login throttling counters",
    "axes.accesslog": "login throttling log",
    "axes.accessfailurelog": "login throttling log",
    "axes.accessattemptexpiration": "login throttling counters",
}


def jsonable(value: Any) -> Any:
    """A JSON-safe, stable form of a field value for the change log."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if hasattr(value, "name"):  # files
        return str(value.name)
    return str(value)


class BaseModel(models.Model):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class TimeStampedModel(BaseModel):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class ChangeLoggedModel(TimeStampedModel):
    """Every save and delete writes an ObjectChange (before/after) in the same transaction."""

    # Field names whose values never enter the change log (replaced by a mask).
    changelog_masked: ClassVar[frozenset[str]] = frozenset({"password", "key_hash", "secret"})
    changelog_ignored: ClassVar[frozenset[str]] = frozenset({"updated_at"})
    # The action a role needs to read this record's History (records holding personal data ask more).
    history_action: ClassVar[str] = "view"

    class Meta:
        abstract = True

    _changelog_loaded: dict[str, Any] | None

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any, **kwargs: Any) -> Any:
        instance = super().from_db(db, field_names, values, **kwargs)
        # Keep the loaded values cheaply; they become the change log's "before" only on save.
        instance._changelog_loaded = dict(zip(field_names, values, strict=True))
        return instance

    def changelog_data(self, values: dict[str, Any] | None = None) -> dict[str, Any]:
        """The loggable form of this record (or of ``values``, the state it was loaded in)."""
        source = self.__dict__ if values is None else values
        data: dict[str, Any] = {}
        for field in self._meta.concrete_fields:
            if field.name in self.changelog_ignored or field.attname not in source:
                continue  # deferred fields were not loaded and are not compared
            value = source[field.attname]
            data[field.attname] = "********" if field.name in self.changelog_masked else jsonable(value)
        return data

    def changelog_before(self) -> dict[str, Any] | None:
        loaded = getattr(self, "_changelog_loaded", None)
        return None if loaded is None else self.changelog_data(loaded)


class GlobalModel(ChangeLoggedModel):
    """Reference data visible to every user; writes are audited like any other."""

    objects = GuardedManager()

    class Meta:
        abstract = True


def country_field(*, db_index: bool = True) -> Any:
    """The ``country`` of a scoped record. A model whose own indexes all start with ``country``
    (large tables written in bulk) declares it again with ``db_index=False``: one index less to
    maintain on every insert, none lost for reads."""
    return models.ForeignKey(
        "directory.Country",
        on_delete=models.PROTECT,
        editable=False,
        related_name="+",
        verbose_name=_("country"),
        db_index=db_index,
    )


class CountryScopedModel(ChangeLoggedModel):
    """A State's record. ``country`` is set from the scope by the change machinery, never from
    client input, and cannot be changed once set."""

    country = country_field()

    objects = CountryScopedManager()
    # The explicit, grep-able escape hatch. Only core and documented selectors may use it.
    unscoped = models.Manager()

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Which rows the given countries may read. Shared models widen this with a counterpart
        rule (e.g. ``| Q(requested_country__in=scope)``); writes are always own-country only."""
        if scope is ALL_COUNTRIES:
            return Q()
        return Q(country__in=scope)
