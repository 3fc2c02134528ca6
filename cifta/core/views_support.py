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
