"""Template helpers: role checks against the matrix, and small formatting aids."""

from __future__ import annotations

from typing import Any

from django import template

from cifta.core.permissions import can as _can

register = template.Library()


@register.filter
def can(principal: Any, action: str) -> bool:
    """``{% if principal|can:"add" %}``"""
    return _can(principal, action)


@register.filter
def label_lower(obj: Any) -> str:
    return str(obj._meta.label_lower)


@register.simple_tag
def history_url(obj: Any) -> str:
    from django.urls import reverse

    return reverse("history", args=[obj._meta.label_lower, obj.public_id])
