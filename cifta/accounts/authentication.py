"""API token authentication: ``Authorization: Bearer <key>`` (or ``Token <key>``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from cifta.accounts.models import TOKEN_PREFIX_LENGTH, ApiToken

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        key = header[1].decode("latin-1")
        prefix = key.split(".", 1)[0]
        if len(prefix) != TOKEN_PREFIX_LENGTH:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        # Before any scope exists: the token row is found by its prefix through the escape hatch.
        token = (
            ApiToken.unscoped.select_related("user", "membership", "membership__country", "membership__agency")
            .filter(prefix=prefix)
            .first()
        )
        if token is None or not token.matches(key) or not token.is_usable or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            # Operational metadata, not history: recorded without a change-log row.
            ApiToken.unscoped.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'
