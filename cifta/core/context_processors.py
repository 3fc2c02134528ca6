from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cifta.core.areas import AREAS
from cifta.core.permissions import Action


def navigation(request: HttpRequest) -> dict[str, Any]:
    principal = getattr(request, "principal", None)
    return {"areas": AREAS, "principal": principal, "Action": Action}
