"""Logins, logouts and failed logins go into the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from cifta.accounts import events
from cifta.accounts.services import record_user_event


def _address(request: Any) -> str:
    return str(getattr(request, "META", {}).get("REMOTE_ADDR", "")) if request is not None else ""


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_user_event(user, events.USER_LOGGED_IN, {"address": _address(request)})


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record_user_event(user, events.USER_LOGGED_OUT, {})


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    record_user_event(
        None, events.USER_LOGIN_FAILED,
        {"username": str(credentials.get("username", ""))[:150], "address": _address(request)},
    )
