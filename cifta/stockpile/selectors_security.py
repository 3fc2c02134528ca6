"""Reads of physical security assessments: the checklist in the active language, the latest
assessment of each facility, scores, and how they moved over time.

Everything is read through the scoped managers, so the caller's scope decides which State's
assessments exist. The scoring itself is the pure ``security_checklist`` module."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext, gettext_noop

from cifta.stockpile import security_checklist as checklist
from cifta.stockpile.models import AssessmentItem, Facility, SecurityAssessment


# --- the checklist in the active language ---------------------------------------------------------
def checklist_strings() -> tuple[str, ...]:
    """Every text of the checklist, marked for the catalogues (makemessages reads the calls);
    ``test_security_checklist`` checks that it matches ``security_checklist`` exactly."""
    return (
        # sections
        gettext_noop("Perimeter and access"), gettext_noop("Doors, locks and openings"), gettext_noop("Key control"),
        gettext_noop("Two-person rule"), gettext_noop("Intrusion alarms and their tests"), gettext_noop("Lighting"),
        gettext_noop("Guarding"), gettext_noop("Records and accounting"), gettext_noop("Fire-fighting"),
        gettext_noop("Lightning protection"), gettext_noop("Storage separation"),
        # PER
        gettext_noop("Is the facility enclosed by a continuous perimeter fence or wall, in good repair, without gaps?"),
        gettext_noop("Are entry points few, locked or guarded, and is entry limited to authorised persons?"),
        gettext_noop("Is an access roster kept, and do visitors sign a visitor log on entry and exit?"),
        gettext_noop("Is a clear zone kept along the perimeter, free of vegetation and objects that give cover or help "
                     "to climb?"),
        # DOR
        gettext_noop("Are storehouse and armoury doors of solid construction, with a second door or grille at "
                     "armouries?"),
        gettext_noop("Are windows, vents and other openings barred or otherwise protected against entry?"),
        gettext_noop("Are high-security locks and hasps fitted to every storehouse and armoury door?"),
        gettext_noop("Are weapons kept in locked racks or containers inside the armoury?"),
        # KEY
        gettext_noop("Are the keys held by a designated custodian (the duty officer) and never left unattended?"),
        gettext_noop("Is a key register kept, recording each issue and return with date, time and signatures?"),
        gettext_noop("Are duplicate keys kept in a sealed container, released only on the commander's authority?"),
        gettext_noop("When a key is lost or a key holder leaves, are the locks changed or re-cored?"),
        # TPR
        gettext_noop("Are armouries and storehouses opened only in the presence of two authorised persons?"),
        gettext_noop("Are keys issued only against two signatures, the holder's and an authorising officer's?"),
        gettext_noop("Are issues and receipts of weapons and ammunition counted and signed by two persons?"),
        # ALM
        gettext_noop("Is every storehouse and armoury holding weapons or ammunition fitted with an intrusion alarm?"),
        gettext_noop("Does the alarm report to a guard or response force able to respond at any hour?"),
        gettext_noop("Is the alarm tested at the interval the national rule sets (monthly in the practice seen), and "
                     "is each test recorded?"),
        gettext_noop("Does the alarm have a backup power supply and detect line faults and tampering?"),
        # LGT
        gettext_noop("Are the perimeter, the entry points and the storehouse doors lit at night?"),
        gettext_noop("Is security lighting on a protected or backup supply, and are failures repaired promptly?"),
        gettext_noop("Are electrical installations and light fittings near explosives of the standard the licence "
                     "requires?"),
        # GRD
        gettext_noop("Is the facility guarded day and night, by a guard on site or by patrols?"),
        gettext_noop("Do the guards work to written orders, and are they trained and vetted?"),
        gettext_noop("Can the guard call a response force, and is its response time tested?"),
        gettext_noop("Is there a written security plan for the facility, kept up to date?"),
        # REC
        gettext_noop("Is every weapon recorded individually (serial number, make, model, calibre) and every ammunition "
                     "lot by its lot number?"),
        gettext_noop("Is every receipt and issue recorded, so that the balance of each item follows from the records?"),
        gettext_noop("Is a full physical count made at least once a year, with unannounced spot checks in between?"),
        gettext_noop("Are counts made by a person independent of the store's custodians?"),
        gettext_noop("Are discrepancies reported at once and investigated, and are losses and thefts reported to the "
                     "authorities?"),
        # FIR
        gettext_noop("Is fire-fighting equipment adequate for the storehouses, in place, and inspected?"),
        gettext_noop("Do storehouses holding ammunition display the fire division symbols of their contents?"),
        gettext_noop("Is vegetation cleared around the storehouses, and are fire breaks maintained?"),
        gettext_noop("Is there a fire plan agreed with the fire service, with drills held?"),
        # LPS
        gettext_noop("Is every explosives storehouse fitted with a lightning protection system?"),
        gettext_noop("Is the lightning protection inspected and its earthing tested periodically, with the results "
                     "recorded?"),
        # SEP
        gettext_noop("Are weapons and ammunition stored in separate rooms or buildings?"),
        gettext_noop("Is ammunition stacked by lot, each lot together with its markings visible?"),
        gettext_noop("Are suspect and unserviceable lots kept apart from serviceable stock?"),
        gettext_noop("Are incompatible compatibility groups kept apart as the mixing tables require?"),
    )


def item_text(code_or_item: str | checklist.Item) -> str:
    """An item's question in the active language (the code itself for a code this version lacks)."""
    found = code_or_item if isinstance(code_or_item, checklist.Item) else checklist.ITEMS.get(code_or_item)
    return gettext(found.text) if found is not None else str(code_or_item)


def section_title(code: str) -> str:
    section = checklist.SECTIONS.get(code)
    return gettext(section.title) if section is not None else code


def score_label(value: int | None) -> str:
    return {0: gettext("not met"), 1: gettext("partly met"), 2: gettext("met")}.get(
        value if value is not None else -1, gettext("not applicable"))


def band_label(band: str | None) -> str:
    return {checklist.GOOD: gettext("good"), checklist.FAIR: gettext("needs improvement"),
            checklist.POOR: gettext("serious gaps")}.get(band or "", gettext("no score"))


def checklist_as_dict() -> dict[str, Any]:
    """The checklist in the active language: version, counts, sections and items."""
    return {
        "name": checklist.NAME, "version": checklist.VERSION, **checklist.counts(),
        "scores": {"0": score_label(0), "1": score_label(1), "2": score_label(2), "null": score_label(None)},
        "sections": [{
            "code": s.code, "title": section_title(s.code),
            "items": [{"code": i.code, "text": item_text(i), "weight": i.weight, "standard": i.standard,
                       "reference": i.reference, "verified": i.verified} for i in s.items],
        } for s in checklist.CHECKLIST],
    }


# --- assessments ---------------------------------------------------------------------------------
def with_items(queryset: QuerySet[SecurityAssessment]) -> QuerySet[SecurityAssessment]:
    return queryset.select_related("facility").prefetch_related(
        Prefetch("items", queryset=AssessmentItem.objects.order_by("id")))


def answers(assessment: SecurityAssessment) -> dict[str, int | None]:
    """Code -> score of an assessment (uses prefetched items when there are)."""
    return {i.code: i.score for i in assessment.items.all()}


def assessment_score(assessment: SecurityAssessment) -> checklist.Score:
    return checklist.score(answers(assessment))


def latest_per_facility(facilities: Iterable[Facility] | None = None, *, on: dt.date | None = None
                        ) -> dict[int, SecurityAssessment]:
    """Facility id -> its latest assessment (on or before ``on`` when given), items prefetched."""
    queryset = SecurityAssessment.objects.all()
    if facilities is not None:
        queryset = queryset.filter(facility_id__in=[f.pk for f in facilities])
    if on is not None:
        queryset = queryset.filter(assessed_on__lte=on)
    # One pass in date order: the last one seen for a facility is its latest.
    ids: dict[int, int] = {}
    for facility_id, pk in queryset.order_by("assessed_on", "id").values_list("facility_id", "id"):
        ids[facility_id] = pk
    found = with_items(SecurityAssessment.objects.filter(pk__in=list(ids.values())))
    return {a.facility_id: a for a in found}


def latest(facility: Facility, *, on: dt.date | None = None) -> SecurityAssessment | None:
    return latest_per_facility([facility], on=on).get(facility.pk)


@dataclass(frozen=True)
class TrendPoint:
    assessment: SecurityAssessment
    assessed_on: dt.date
    percent: float | None
    sections: dict[str, float | None]


def trend(facility: Facility, *, on: dt.date | None = None) -> list[TrendPoint]:
    """Every assessment of one facility, oldest first, with its overall and section scores."""
    return trends([facility], on=on).get(facility.pk, [])


def trends(facilities: Iterable[Facility] | None = None, *, on: dt.date | None = None
           ) -> dict[int, list[TrendPoint]]:
    """Facility id -> its trend (oldest first), for every facility (of ``facilities``, or of the
    scope) that has an assessment."""
    queryset = SecurityAssessment.objects.all()
    if facilities is not None:
        queryset = queryset.filter(facility_id__in=[f.pk for f in facilities])
    if on is not None:
        queryset = queryset.filter(assessed_on__lte=on)
    found: dict[int, list[TrendPoint]] = defaultdict(list)
    for assessment in with_items(queryset.order_by("assessed_on", "id")):
        result = assessment_score(assessment)
        found[assessment.facility_id].append(TrendPoint(
            assessment, assessment.assessed_on, result.percent, {s.code: s.percent for s in result.sections}))
    return dict(found)


def section_trend(points: list[TrendPoint], section: str) -> list[tuple[dt.date, float | None]]:
    return [(p.assessed_on, p.sections.get(section)) for p in points]


@dataclass(frozen=True)
class Recommendation:
    code: str
    section: str
    text: str
    score: int
    weight: int
    evidence: str
    recommendation: str
    verified: bool


def recommendations(assessment: SecurityAssessment, *, limit: int | None = None) -> list[Recommendation]:
    """The items not met, then partly met, heaviest first, with what the assessor recommended."""
    rows = {i.code: i for i in assessment.items.all()}
    out = []
    for found in checklist.gaps({code: row.score for code, row in rows.items()}):
        row = rows[found.code]
        out.append(Recommendation(found.code, found.section, item_text(found), int(row.score or 0), found.weight,
                                  row.evidence, row.recommendation, found.verified))
    return out[:limit] if limit is not None else out
