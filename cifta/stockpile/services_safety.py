"""Writes of explosive safety: a State's own rules (stricter than the standard, never looser)
and the record that a facility's storehouses were checked.

One transaction each; refusals name the field (the engine's field names:
``multiplier``, ``minimum_m[1.1/*/inhabited_building]``...).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cifta.core import audit
from cifta.core.errors import ConflictError, ServiceError
from cifta.core.scoping import ScopeError, single_country_id
from cifta.directory.models import Country
from cifta.stockpile import events, safety_bridge
from cifta.stockpile.models import Facility, SafetyRules

# Audit verb of a change of the national rules (kept here until it joins ``events.py``).
LABEL_MAX = 100


def _country_id() -> int:
    """The one State the caller acts for (the Secretariat keeps no arsenal, so it sets no rules)."""
    try:
        country_id = single_country_id()
    except ScopeError:
        country_id = None
    country = Country.objects.filter(pk=country_id).first() if country_id is not None else None
    if country is None or country.is_secretariat:
        raise ServiceError(_("Safety rules are set in the name of one State: choose a membership of a State."))
    return country.pk


@transaction.atomic
def save_safety_rules(*, actor: Any, label: str, tightenings: dict[str, Any] | None = None,
                      instance: SafetyRules | None = None) -> SafetyRules:
    """Record (or replace) the caller's State's tightening of the safety rules. Every value is
    checked by the engine against the standard: a loosening is refused naming the field. With
    ``instance`` the record must be the State's own (it always is: one per State)."""
    _country_id()
    label = str(label or "").strip()
    if not label:
        raise ServiceError(_("Give the national rule that sets these values."), field="label")
    if len(label) > LABEL_MAX:
        raise ServiceError(_("At most %(limit)s characters.") % {"limit": LABEL_MAX}, field="label")
    clean = safety_bridge.clean_tightenings(tightenings)
    rules = safety_bridge.tightened(label, clean)
    record = SafetyRules.objects.owned().select_for_update().first()
    if instance is not None and (record is None or record.pk != instance.pk):
        raise ServiceError(_("No record of your State has this identifier."), field="safety_rules")
    record = record or SafetyRules()
    record.label, record.tightenings = label, clean
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:  # two first saves at the same moment
        raise ConflictError(_("Your State's safety rules were just recorded: reload and change them.")) from exc
    audit.emit(events.RULES_SAVED, target=record, payload={"label": label, "tightenings": clean,
                                                    "version": rules.version, "amendments": list(rules.amendments)})
    return record


@transaction.atomic
def run_safety_check(facility: Facility, *, actor: Any = None, today: dt.date | None = None
                     ) -> list[safety_bridge.StorehouseCheck]:
    """Check every storehouse in use of a facility (findings, licence, required distances) and
    record that it was done, with the counts, in the audit log."""
    found = Facility.objects.filter(pk=getattr(facility, "pk", None)).first()
    if found is None:
        raise ServiceError(_("No facility of your State has this identifier."), field="facility")
    today = today or timezone.localdate()
    checks = safety_bridge.check_facility(found, today)
    total = safety_bridge.counts(checks)
    audit.emit(events.SAFETY_CHECKED, target=found, payload={
        "storehouses": len(checks), "violations": total["violation"], "conditions": total["condition"],
        "notices": total["notice"], "errors": total["errors"], "date": today.isoformat(),
        "ruleset": safety_bridge.ruleset_version(found.country_id)})
    return checks
