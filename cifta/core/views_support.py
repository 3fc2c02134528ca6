"""Helpers for UI views: the role check that answers 403 (the record itself is visible)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from cifta.core.permissions import can


def require_action(action: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not can(getattr(request, "principal", None), action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def state_records_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of a State's own records (cases, arsenals, destructions): the Secretariat (a
    tenant too) and the hub operator (no State of its own) are refused, whatever their role
    may do elsewhere; they get the regional numbers on the pages made for them."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        principal = getattr(request, "principal", None)
        if principal is None or principal.is_secretariat or principal.country_id is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def show_refusal(form: Any, exc: Any, rename: dict[str, str] | None = None) -> None:
    """Show a service's refusal (a ServiceError) beside the field it names (``minimum_m[…]``,
    an entry of a field, beside ``minimum_m``), or above the form."""
    field = (exc.field or "").split("[", 1)[0]
    field = (rename or {}).get(field, field)
    form.add_error(field if field in form.fields else None, str(exc))
