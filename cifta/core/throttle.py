"""A fixed-window request counter per client address, for pages anyone may call without an
account (the public certificate verification). It bounds how fast one address can walk
through public records; it is not a defence against many addresses."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache


def client_address(request: Any) -> str:
    meta = getattr(request, "META", {})
    if getattr(settings, "BEHIND_PROXY", False) and meta.get("HTTP_X_FORWARDED_FOR"):
        return str(meta["HTTP_X_FORWARDED_FOR"]).split(",")[0].strip()
    return str(meta.get("REMOTE_ADDR", ""))


def allow(request: Any, scope: str, *, limit: int, window_seconds: int = 60) -> bool:
    """True while this address has made at most ``limit`` calls in the current window."""
    window = int(time.time() // window_seconds)
    key = f"cifta-throttle:{scope}:{client_address(request)}:{window}"
    cache.add(key, 0, timeout=window_seconds * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds * 2)
        count = 1
    return count <= limit
