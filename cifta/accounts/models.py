"""Users, their memberships (user, agency, role) and revocable API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cifta.core.models import CountryScopedModel
from cifta.core.permissions import Role


class User(AbstractUser):
    """An identity. What a user may see and do comes from an active membership, never from
    the user row itself (Django's staff flags and permissions are unused)."""

    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=settings.LANGUAGES, default="en"
    )
    is_demo = models.BooleanField(_("demo account"), default=False, editable=False)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


class Membership(CountryScopedModel):
    """A user's place in an agency with one role. Its country is the agency's."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("user"))
    agency = models.ForeignKey(
        "directory.Agency", on_delete=models.PROTECT, related_name="memberships", verbose_name=_("agency")
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "agency"], name="membership_one_per_agency")]

    def __str__(self) -> str:
        return f"{self.user.username} · {self.get_role_display()} · {self.agency}"


TOKEN_PREFIX_LENGTH = 8


def hash_token_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiToken(CountryScopedModel):
    """A bearer token bound to one membership. Only its SHA-256 is stored; the key is shown
    once. Revoked or expired tokens authenticate nobody."""

    changelog_ignored = CountryScopedModel.changelog_ignored | {"last_used_at"}

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("user"))
    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("membership")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=TOKEN_PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_key() -> tuple[str, str]:
        """A fresh key and its prefix. The key is ``<prefix>.<secret>``."""
        prefix = secrets.token_hex(TOKEN_PREFIX_LENGTH // 2)
        return f"{prefix}.{secrets.token_urlsafe(32)}", prefix

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def matches(self, key: str) -> bool:
        return secrets.compare_digest(self.key_hash, hash_token_key(key))

    def status(self) -> Any:
        if self.revoked_at:
            return _("revoked")
        if self.expires_at and self.expires_at <= timezone.now():
            return _("expired")
        return _("active")
