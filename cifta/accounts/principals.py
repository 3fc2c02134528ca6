"""How a request becomes a Principal: the user's active membership decides role and country.

This reads memberships before any scope exists, so it uses the ``unscoped`` manager: one of the
few documented places that may (see docs/ARCHITECTURE.md, "Escape hatches")."""

from __future__ import annotations

from typing import Any

from cifta.accounts.models import ApiToken, Membership
from cifta.core.permissions import SUPERUSER_ROLE, Principal
from cifta.core.scoping import ALL_COUNTRIES

SESSION_MEMBERSHIP_KEY = "cifta_membership"


def active_memberships(user: Any) -> list[Membership]:
    return list(
        Membership.unscoped.select_related("agency", "country")
        .filter(user=user, is_active=True, agency__is_active=True)
        .order_by("id")
    )


def _principal(user: Any, membership: Membership) -> Principal:
    return Principal(
        user_id=user.pk,
        username=user.get_username(),
        role=membership.role,
        country_id=membership.country_id,
        membership_id=membership.pk,
        scope=frozenset({membership.country_id}),
        is_secretariat=membership.country.kind == "secretariat",
    )


def principal_for_request(request: Any, user: Any) -> Principal | None:
    cached = getattr(request, "_cifta_principal", None)
    if cached is not None and cached.user_id == user.pk:
        return cached  # type: ignore[no-any-return]
    principal = _resolve(request, user)
    if principal is not None:
        try:
            request._cifta_principal = principal
        except AttributeError:
            pass
    return principal


def _resolve(request: Any, user: Any) -> Principal | None:
    token = getattr(request, "auth", None)
    if isinstance(token, ApiToken):
        membership = token.membership
        if not membership.is_active or membership.user_id != user.pk:
            return None
        return _principal(user, membership)
    if user.is_superuser:
        return Principal(user.pk, user.get_username(), SUPERUSER_ROLE, None, None, ALL_COUNTRIES, True)
    memberships = active_memberships(user)
    if not memberships:
        return None
    session = getattr(request, "session", None)
    wanted = session.get(SESSION_MEMBERSHIP_KEY) if session is not None else None
    chosen = next((m for m in memberships if m.pk == wanted), memberships[0])
    return _principal(user, chosen)
