"""Resolving the Principal of a request. ``accounts`` registers the resolver at start-up so
that core never imports a higher layer; with no resolver registered every request is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cifta.core.permissions import Principal

Resolver = Callable[[Any, Any], Principal | None]
_resolver: Resolver | None = None


def register_resolver(resolver: Resolver) -> None:
    global _resolver
    _resolver = resolver


def resolve_principal(request: Any, user: Any) -> Principal | None:
    """The principal for ``user`` in ``request`` (None: anonymous or without a membership)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if _resolver is None:
        raise RuntimeError("no principal resolver registered (is cifta.accounts installed?)")
    return _resolver(request, user)
