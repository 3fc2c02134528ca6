from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from cifta.core.permissions import Action, can

HTTP_ACTIONS = {
    "GET": Action.VIEW,
    "HEAD": Action.VIEW,
    "OPTIONS": Action.VIEW,
    "POST": Action.ADD,
    "PUT": Action.CHANGE,
    "PATCH": Action.CHANGE,
    "DELETE": Action.RETIRE,
}


class RoleActionPermission(BasePermission):
    """Maps the HTTP method (or the viewset's declared action) to the role x action matrix."""

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = getattr(request, "principal", None)
        action = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if action is None:
            action = getattr(view, "required_action", None) or HTTP_ACTIONS.get(request.method or "")
        return action is not None and can(principal, action)
