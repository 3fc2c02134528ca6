from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cifta.accounts.models import Membership
from cifta.accounts.principals import active_memberships


def account(request: HttpRequest) -> dict[str, Any]:
    principal = getattr(request, "principal", None)
    if principal is None or principal.membership_id is None:
        return {}
    memberships = active_memberships(request.user)
    current: Membership | None = next((m for m in memberships if m.pk == principal.membership_id), None)
    return {"current_membership": current, "my_memberships": memberships}
