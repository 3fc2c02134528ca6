"""Read-only figures for dashboards. National figures come from the caller's scope; regional
aggregates (Secretariat) are counts only, computed under an explicit all-countries scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from cifta.accounts.models import Membership
from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.scoping import ALL_COUNTRIES, country_scope
from cifta.directory.models import Agency, Country, PointOfContact
from cifta.registry.models import Firearm, HitNotice


def national_figures() -> dict[str, Any]:
    by_status = dict(Firearm.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {
        "firearms": sum(by_status.values()),
        "lost": by_status.get("lost", 0),
        "stolen": by_status.get("stolen", 0),
        "seized": by_status.get("seized", 0) + by_status.get("confiscated", 0),
        "unread_hits": HitNotice.objects.filter(read_at__isnull=True).count(),
        "agencies": Agency.objects.owned().filter(is_active=True).count(),
        "contacts": PointOfContact.objects.owned().filter(is_active=True).count(),
        "users": Membership.objects.owned().filter(is_active=True).count(),
        "recent_changes": list(ObjectChange.objects.order_by("-seq")[:8]),
    }


def recent_audit_events(limit: int = 10) -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("-seq")[:limit])


def regional_aggregates() -> dict[str, Any]:
    """Counts across member states, never rows: what the Secretariat may see of States' records."""
    states = Country.objects.member_states()
    by_status = dict(states.values_list("cifta_status").annotate(n=Count("id")).values_list("cifta_status", "n"))
    with country_scope(ALL_COUNTRIES):
        states_with_contact = (
            PointOfContact.objects.filter(is_active=True, published=True, country__kind=Country.Kind.MEMBER_STATE)
            .values("country").distinct().count()
        )
        states_with_users = (
            Membership.objects.filter(is_active=True, country__kind=Country.Kind.MEMBER_STATE)
            .values("country").distinct().count()
        )
        firearms_by_state = Firearm.objects.values("country").distinct().count()
    return {
        "states_with_registry": firearms_by_state,
        "member_states": states.count(),
        "by_status": [(label, by_status.get(value, 0)) for value, label in Country.CiftaStatus.choices],
        "states_with_contact": states_with_contact,
        "states_with_users": states_with_users,
    }
