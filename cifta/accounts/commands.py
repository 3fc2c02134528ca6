"""Who is accountable for a command-line action: ``--actor USERNAME`` names an active user
whose membership of the State acted for allows the action. Reads may run without one, as the
system account, and are still audited under that name."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.core.management.base import CommandError

from cifta.accounts.models import Membership, User
from cifta.core.permissions import role_can
from cifta.core.scoping import country_scope

SYSTEM_ACTOR = "system:cli"


def accountable(username: str | None, country: Any, action: str, *, system_may: Collection[str] = ()
                ) -> tuple[Any, str]:
    """The user and the role of their membership of ``country`` that allows ``action``; for an
    action in ``system_may`` and no username, the system account (with no role)."""
    if not username:
        if action in system_may:
            return SYSTEM_ACTOR, ""
        raise CommandError("--actor: give the username of the officer accountable for this")
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"--actor: no active user named {username!r}")
    with country_scope([country.pk]):
        roles = list(Membership.objects.filter(user=user, is_active=True, agency__is_active=True)
                     .order_by("id").values_list("role", flat=True))
    allowed = [role for role in roles if role_can(role, action)]
    if not allowed:
        raise CommandError(f"--actor: {username} may not do this for {country.code}")
    return user, allowed[0]
