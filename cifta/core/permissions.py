"""Roles and what each may do: the one role x action matrix of the system.

Visibility (which country's records) comes from the scope; this matrix says which actions a
role may take on what it can see. Views, API viewsets, services and templates all ask ``can``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _

from cifta.core.scoping import ALL_COUNTRIES, Scope


class Role(models.TextChoices):
    NATIONAL_ADMIN = "national_admin", _("National administrator")
    OFFICER = "officer", _("Officer")
    VIEWER = "viewer", _("Viewer")
    AUDITOR = "auditor", _("Auditor")
    SECRETARIAT_ADMIN = "secretariat_admin", _("Secretariat administrator")
    SECRETARIAT_ANALYST = "secretariat_analyst", _("Secretariat analyst")


NATIONAL_ROLES: Final = frozenset({Role.NATIONAL_ADMIN, Role.OFFICER, Role.VIEWER, Role.AUDITOR})
SECRETARIAT_ROLES: Final = frozenset({Role.SECRETARIAT_ADMIN, Role.SECRETARIAT_ANALYST})
# Roles that must prove a second factor (TOTP) before they can do anything.
SECOND_FACTOR_ROLES: Final = frozenset({Role.NATIONAL_ADMIN, Role.SECRETARIAT_ADMIN})


class Action(models.TextChoices):
    VIEW = "view", _("view records")
    ADD = "add", _("add records")
    CHANGE = "change", _("change records")
    RETIRE = "retire", _("retire records")
    APPROVE = "approve", _("approve")
    EXPORT = "export", _("export")
    VIEW_AUDIT = "view_audit", _("read the audit log")
    MANAGE_USERS = "manage_users", _("manage users")
    MANAGE_DIRECTORY = "manage_directory", _("manage agencies and points of contact")
    MANAGE_REFERENCE = "manage_reference", _("manage reference data")
    VIEW_AGGREGATES = "view_aggregates", _("see regional aggregates")
    VIEW_PERSONAL_DATA = "view_personal_data", _("see personal data")


A = Action
MATRIX: Final[dict[str, frozenset[str]]] = {
    Role.NATIONAL_ADMIN: frozenset(
        {A.VIEW, A.ADD, A.CHANGE, A.RETIRE, A.APPROVE, A.EXPORT, A.VIEW_AUDIT, A.MANAGE_USERS,
         A.MANAGE_DIRECTORY, A.VIEW_PERSONAL_DATA}
    ),
    Role.OFFICER: frozenset({A.VIEW, A.ADD, A.CHANGE, A.EXPORT, A.VIEW_PERSONAL_DATA}),
    Role.VIEWER: frozenset({A.VIEW}),
    Role.AUDITOR: frozenset({A.VIEW, A.EXPORT, A.VIEW_AUDIT}),
    Role.SECRETARIAT_ADMIN: frozenset(
        {A.VIEW, A.ADD, A.CHANGE, A.RETIRE, A.EXPORT, A.VIEW_AUDIT, A.MANAGE_USERS, A.MANAGE_DIRECTORY,
         A.MANAGE_REFERENCE, A.VIEW_AGGREGATES}
    ),
    Role.SECRETARIAT_ANALYST: frozenset({A.VIEW, A.EXPORT, A.VIEW_AGGREGATES}),
}
SUPERUSER_ROLE: Final = "superuser"


# The hub operator reads everything and manages reference data, but writes a State's records
# only through a membership of that State (a write needs one country).
SUPERUSER_ACTIONS: Final = frozenset(
    {Action.VIEW, Action.EXPORT, Action.VIEW_AUDIT, Action.VIEW_AGGREGATES, Action.MANAGE_REFERENCE}
)


def role_can(role: str | None, action: str) -> bool:
    if role == SUPERUSER_ROLE:
        return action in SUPERUSER_ACTIONS
    if role is None:
        return False
    return action in MATRIX.get(role, frozenset())


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user acting through one membership (or as the hub's superuser)."""

    user_id: int
    username: str
    role: str
    country_id: int | None
    membership_id: int | None
    scope: Scope
    is_secretariat: bool = False

    def can(self, action: str) -> bool:
        return role_can(self.role, action)

    @property
    def sees_all_countries(self) -> bool:
        return self.scope is ALL_COUNTRIES

    @property
    def needs_second_factor(self) -> bool:
        return self.role in SECOND_FACTOR_ROLES or self.role == SUPERUSER_ROLE


def can(principal: Principal | None, action: str) -> bool:
    return principal is not None and principal.can(action)
