"""The two append-only, hash-chained tables: ObjectChange (data history) and AuditEvent
(business events and sensitive reads). Only ``cifta.core.audit`` and ``cifta.core.changelog``
write them; no code path updates or deletes a row."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cifta.core.models.managers import CountryScopedManager
from cifta.core.scoping import ALL_COUNTRIES, Scope


class AppendOnlyError(RuntimeError):
    pass


class ChainHead(models.Model):
    """The last link of each chain, locked while a row is appended so links never fork."""

    name = models.CharField(max_length=32, primary_key=True)
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.name} @ {self.seq}"


class ChainedRow(models.Model):
    chain_name: ClassVar[str]
    # Columns that are hashed, in addition to seq; everything a reader relies on.
    hashed_fields: ClassVar[tuple[str, ...]]

    seq = models.BigIntegerField(unique=True, editable=False)
    time = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("actor")
    )
    actor_repr = models.CharField(_("actor"), max_length=150)
    source = models.CharField(_("source"), max_length=16)
    request_id = models.UUIDField(_("request"), null=True, db_index=True)
    country = models.ForeignKey(
        "directory.Country", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("country")
    )
    prev_hash = models.CharField(max_length=64, editable=False)
    row_hash = models.CharField(max_length=64, editable=False)

    objects = CountryScopedManager()
    unscoped = models.Manager()

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope is ALL_COUNTRIES:
            return Q()
        return Q(country__in=scope)

    def hash_record(self) -> dict[str, Any]:
        from cifta.core.models.base import jsonable

        record: dict[str, Any] = {"seq": self.seq}
        for name in self.hashed_fields:
            record[name] = jsonable(getattr(self, name))
        return record

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


class ObjectChange(ChainedRow):
    chain_name = "objectchange"
    hashed_fields = (
        "time", "actor_id", "actor_repr", "source", "request_id", "country_id", "action",
        "object_type", "object_id", "object_repr", "before", "after", "message",
    )

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")

    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.BigIntegerField(_("object id"))
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(_("before"), null=True)
    after = models.JSONField(_("after"), null=True)
    message = models.CharField(_("message"), max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("object change")
        verbose_name_plural = _("object changes")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def changed_fields(self) -> list[tuple[str, Any, Any]]:
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class AuditEvent(ChainedRow):
    chain_name = "auditevent"
    hashed_fields = (
        "time", "actor_id", "actor_repr", "source", "request_id", "country_id", "counterpart_country_id",
        "verb", "target_type", "target_id", "target_repr", "payload",
    )

    verb = models.CharField(_("event"), max_length=100, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True, default="")
    target_id = models.BigIntegerField(_("target id"), null=True)
    target_repr = models.CharField(_("target"), max_length=200, blank=True, default="")
    counterpart_country = models.ForeignKey(
        "directory.Country", on_delete=models.PROTECT, null=True, related_name="+",
        verbose_name=_("counterpart country"),
    )
    payload = models.JSONField(_("details"), default=dict)

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.verb} {self.target_repr}"
