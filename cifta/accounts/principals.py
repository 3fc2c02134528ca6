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
    # The cache is keyed by user and API token: the UI middleware resolves the session's
    # principal before DRF authenticates a token, and a DRF request reads the Django request's
    # attributes, so a token must never be answered with the session's membership.
    token = _request_token(request)
    key = (user.pk, token.pk if token is not None else None)
    cached = getattr(request, "_cifta_principal", None)
    if cached is not None and getattr(request, "_cifta_principal_key", None) == key:
        return cached  # type: ignore[no-any-return]
    principal = _resolve(request, user)
    if principal is not None:
        try:
            request._cifta_principal = principal
            request._cifta_principal_key = key
        except AttributeError:
            pass
    return principal


def _request_token(request: Any) -> ApiToken | None:
    token = getattr(request, "auth", None)
    return token if isinstance(token, ApiToken) else None


def _resolve(request: Any, user: Any) -> Principal | None:
    token = _request_token(request)
    if token is not None:
        membership = token.membership
        # The same rule as a session's (active_memberships): an active membership of an
        # active agency, or nothing.
        if not membership.is_active or not membership.agency.is_active or membership.user_id != user.pk:
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
