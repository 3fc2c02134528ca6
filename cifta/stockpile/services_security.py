"""Writes of physical security assessments.

An assessment is history: it is recorded once, with all its items, and never changed; a
facility assessed again gets a new assessment. One transaction creates the assessment and its
items and audits it; any refusal (it names the field) leaves nothing written. The facility is
looked up through ``owned()``, so another State's facility is "does not exist", and the records
take the facility's country."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cifta.core import audit
from cifta.core.errors import ServiceError
from cifta.stockpile import events
from cifta.stockpile import security_checklist as checklist
from cifta.stockpile.models import AssessmentItem, Facility, SecurityAssessment

ASSESSOR_MAX = 150
TEXT_MAX = 4000
SUMMARY_MAX = 20000
ITEM_KEYS = frozenset({"code", "score", "evidence", "recommendation"})


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    text = str(value if value is not None else "").strip()
    if required and not text:
        raise ServiceError(_("This field is required."), field=field)
    if len(text) > limit:
        raise ServiceError(_("At most %(limit)s characters.") % {"limit": limit}, field=field)
    return text


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ServiceError(_("Give the date of the assessment."), field="assessed_on")
    if value > timezone.localdate():
        raise ServiceError(_("The date cannot be in the future."), field="assessed_on")
    return value


def clean_items(items: Any) -> list[dict[str, Any]]:
    """The items as the service stores them, or a refusal naming ``items`` and the item."""
    if not isinstance(items, Sequence) or isinstance(items, (str, bytes)) or not items:
        raise ServiceError(_("Answer at least one item of the checklist."), field="items")
    clean: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, entry in enumerate(items, 1):
        if not isinstance(entry, Mapping):
            raise ServiceError(_("Item %(n)s: give code, score, evidence and recommendation.") % {"n": n},
                               field="items")
        extra = sorted(set(entry) - ITEM_KEYS)
        if extra:
            raise ServiceError(_("Item %(n)s: unknown key %(key)s.") % {"n": n, "key": extra[0]}, field="items")
        code = str(entry.get("code") or "").strip().upper()
        if not checklist.is_code(code):
            raise ServiceError(_("Item %(n)s: %(code)r is not a code of checklist %(version)s.")
                               % {"n": n, "code": entry.get("code"), "version": checklist.VERSION}, field="items")
        if code in seen:
            raise ServiceError(_("Item %(code)s is answered twice.") % {"code": code}, field="items")
        seen.add(code)
        if "score" not in entry:
            raise ServiceError(_("Item %(code)s: give a score (0, 1, 2, or null when it does not apply).")
                               % {"code": code}, field="items")
        score = entry["score"]
        if not checklist.valid_score(score):
            raise ServiceError(_("Item %(code)s: a score is 0 (not met), 1 (partly met), 2 (met) or null (does "
                                 "not apply), not %(value)r.") % {"code": code, "value": score}, field="items")
        texts = {}
        for key in ("evidence", "recommendation"):
            value = str(entry.get(key) or "").strip()
            if len(value) > TEXT_MAX:
                raise ServiceError(_("Item %(code)s: the %(what)s has more than %(limit)s characters.")
                                   % {"code": code, "what": key, "limit": TEXT_MAX}, field="items")
            texts[key] = value
        clean.append({"code": code, "score": score, **texts})
    if all(entry["score"] is None for entry in clean):
        raise ServiceError(_("Score at least one item: every item given is marked as not applicable."),
                           field="items")
    return clean


@transaction.atomic
def record_assessment(*, actor: Any, facility: Facility, assessed_on: dt.date, assessor: str,
                      items: Sequence[Mapping[str, Any]], summary: str = "") -> SecurityAssessment:
    """Record one assessment of a facility of the caller's State against the current checklist.

    ``items``: ``{"code", "score", "evidence", "recommendation"}`` each; ``score`` 0, 1, 2 or
    ``None`` (not applicable); items left out are "not assessed". Refused: no item, an unknown
    or repeated code, a score outside 0-2, every item not applicable, a date in the future, a
    facility that is not the State's or is retired."""
    owned = Facility.objects.owned().filter(pk=getattr(facility, "pk", None)).first()
    if owned is None:
        raise ServiceError(_("No facility of your State has this identifier."), field="facility")
    if not owned.is_active:
        raise ServiceError(_("This facility is retired: it is no longer assessed."), field="facility")
    day = _date(assessed_on)
    who = _text(assessor, "assessor", ASSESSOR_MAX, required=True)
    text = _text(summary, "summary", SUMMARY_MAX)
    rows = clean_items(items)

    assessment = SecurityAssessment(facility=owned, country_id=owned.country_id, assessed_on=day, assessor=who,
                                    checklist_version=checklist.VERSION, summary=text)
    assessment.save()
    for row in rows:
        AssessmentItem(assessment=assessment, country_id=owned.country_id, **row).save()
    result = checklist.score({row["code"]: row["score"] for row in rows})
    audit.emit(events.ASSESSMENT_RECORDED, target=assessment, payload={
        "facility": owned.name, "assessed_on": day.isoformat(), "checklist_version": checklist.VERSION,
        "items": len(rows), "score_percent": result.percent,
    })
    return assessment
