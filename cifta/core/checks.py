"""Deployment checks of our own, run by ``cifta check --deploy``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def secret_key_configured(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if getattr(settings, "SECRET_KEY_CONFIGURED", True):
        return []
    return [Warning(
        "CIFTA_SECRET_KEY is not set: the key was generated into the data folder.",
        hint="Set CIFTA_SECRET_KEY (or CIFTA_SECRET_KEY_FILE) to a long random value kept outside the data folder.",
        id="cifta.W001",
    )]
