"""The physical security checklist of an arsenal, as data, and how an assessment against it is
scored. Pure Python: no Django import (import-linter's "pure engines" contract), so the
checklist can be read, diffed against the standards and tested on its own.

Where the items come from
    Research note 02 (``02-stockpile-destruction.md``), §3 "Inventory management and physical
    security (IATG 03.10, MOSAIC 05.20)", §1 (compatibility groups, fire divisions) and §2.7
    (the AASTP-1 Annex B explosives limit licence form). The IATG and MOSAIC texts themselves
    could not be read when the note was written, so each item says where its practice was
    actually seen (``reference``) and whether that source was verified (``verified``):

    ``verified=True``   the practice is in a source the note marks [V] (read in the source) or
                        [V2] (read in a secondary source that quotes or summarises it): the OSCE
                        Best Practice Guide's sections, the Belarus PoA report's armoury measures,
                        the AR 190-11 arms-room SOP, ISACS/MOSAIC 05.30 record fields, the AASTP-1
                        licence form and mixing tables.
    ``verified=False``  the note marks it [R] (recalled, to be checked against MOSAIC 05.20 /
                        IATG 03.10 before it is presented as the standard's rule), or the note
                        does not cover it at all (lighting, most of guarding, fire plans). These
                        items are sound practice, but the standard's own wording and any
                        frequency it sets must be checked before a report cites them as a rule.

    ``standard`` names the document the item is expected to belong to; ``reference`` names
    what was actually seen. Frequencies (monthly alarm test, annual count) are the sources'
    practice, not IATG facts: the question asks whether the State's own rule is followed.

Scoring
    Each item is answered 0 (not met), 1 (partly met), 2 (met) or ``None`` (not applicable);
    an item left out of an assessment is "not assessed". Both ``None`` and left-out items are
    excluded from every score. A section's score, and the overall score, is the weighted share
    of the points possible: ``100 * sum(weight * answer) / sum(weight * 2)`` over the items
    that apply; ``None`` when no item applies. The weights (1 to 3) and the bands in ``band``
    are this system's convention, not a standard's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

VERSION = "1.0"
NAME = "CIFTA physical security checklist"
MAX_POINTS = 2
SCORES = (0, 1, 2)

# The sources as the note names them (§3 unless said), with the note's tag.
OSCE_BPG = "OSCE Best Practice Guide on National Procedures for Stockpile Management and Security (2003)"
BELARUS = "Belarus national report on the UN Programme of Action, armoury measures (gunpolicy.org)"
AR_190_11 = "Arms-room SOP after US AR 190-11 (access roster, visitor log, monthly IDS test, two-person integrity)"
ISACS_0530 = "ISACS/MOSAIC 05.30 record fields (UN training slides)"
BEVAN = "Bevan, Small Arms Survey, 'Stockpile Management: Accounting'"
USMC = "USMC AA&E practice (monthly serialised inventories by a disinterested officer)"
LOT_PRACTICE = "Lot integrity (US Army MM0151/MM0148; IATG 03.20 exists)"
AASTP_ELL = "AASTP-1 Annex B explosives limit licence form (note §2.7)"
AASTP_1 = "AASTP-1 Part I (note §1)"
NOTE_R = "Research note 02 §3, marked [R]"
NOT_IN_NOTE = "Not covered by research note 02"


@dataclass(frozen=True)
class Item:
    """One question of the checklist. ``text`` is plain English; the Django side translates it
    (``selectors_security.item_text``) and lists it for the catalogues."""

    code: str
    section: str
    text: str
    weight: int
    standard: str
    reference: str
    verified: bool


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    items: tuple[Item, ...]


def _section(code: str, title: str, rows: Iterable[tuple[str, int, str, str, bool]]) -> Section:
    items = tuple(Item(f"{code}-{n:02d}", code, text, weight, standard, reference, verified)
                  for n, (text, weight, standard, reference, verified) in enumerate(rows, 1))
    return Section(code, title, items)


MOSAIC = "MOSAIC 05.20"
IATG = "IATG 03.10"
MOSAIC_IATG = "MOSAIC 05.20; IATG 03.10"
AASTP = "AASTP-1 / IATG 02.20"

CHECKLIST: tuple[Section, ...] = (
    _section("PER", "Perimeter and access", [
        ("Is the facility enclosed by a continuous perimeter fence or wall, in good repair, without gaps?",
         3, MOSAIC_IATG, f"{BELARUS} [V2]", True),
        ("Are entry points few, locked or guarded, and is entry limited to authorised persons?",
         2, MOSAIC_IATG, f"{OSCE_BPG}, access control [V]", True),
        ("Is an access roster kept, and do visitors sign a visitor log on entry and exit?",
         2, MOSAIC, f"{AR_190_11} [V2]", True),
        ("Is a clear zone kept along the perimeter, free of vegetation and objects that give cover or help "
         "to climb?", 1, MOSAIC_IATG, NOT_IN_NOTE, False),
    ]),
    _section("DOR", "Doors, locks and openings", [
        ("Are storehouse and armoury doors of solid construction, with a second door or grille at "
         "armouries?", 3, MOSAIC, f"{BELARUS}: double doors [V2]", True),
        ("Are windows, vents and other openings barred or otherwise protected against entry?",
         2, MOSAIC, f"{BELARUS}: barred openings [V2]", True),
        ("Are high-security locks and hasps fitted to every storehouse and armoury door?",
         3, MOSAIC_IATG, f"{OSCE_BPG}, lock and key [V]", True),
        ("Are weapons kept in locked racks or containers inside the armoury?",
         2, MOSAIC, NOT_IN_NOTE, False),
    ]),
    _section("KEY", "Key control", [
        ("Are the keys held by a designated custodian (the duty officer) and never left unattended?",
         3, MOSAIC, f"{BELARUS}: keys held by the duty officer [V2]", True),
        ("Is a key register kept, recording each issue and return with date, time and signatures?",
         2, MOSAIC, f"{NOTE_R} (key register with signatures)", False),
        ("Are duplicate keys kept in a sealed container, released only on the commander's authority?",
         2, MOSAIC, f"{BELARUS}: duplicates in a sealed box [V2]", True),
        ("When a key is lost or a key holder leaves, are the locks changed or re-cored?",
         1, MOSAIC, NOT_IN_NOTE, False),
    ]),
    _section("TPR", "Two-person rule", [
        ("Are armouries and storehouses opened only in the presence of two authorised persons?",
         3, MOSAIC, f"{NOTE_R} (two-person rule for access); {AR_190_11}: 'when possible' [V2]", False),
        ("Are keys issued only against two signatures, the holder's and an authorising officer's?",
         2, MOSAIC, f"{NOTE_R} (two-person rule for key issue)", False),
        ("Are issues and receipts of weapons and ammunition counted and signed by two persons?",
         2, MOSAIC_IATG, NOTE_R, False),
    ]),
    _section("ALM", "Intrusion alarms and their tests", [
        ("Is every storehouse and armoury holding weapons or ammunition fitted with an intrusion alarm?",
         3, MOSAIC, f"{BELARUS} [V2]; {AR_190_11} [V2]", True),
        ("Does the alarm report to a guard or response force able to respond at any hour?",
         2, MOSAIC, f"{BELARUS}: alarms to the guard [V2]", True),
        ("Is the alarm tested at the interval the national rule sets (monthly in the practice seen), and "
         "is each test recorded?", 2, MOSAIC, f"{AR_190_11}: monthly IDS test and log [V2]", True),
        ("Does the alarm have a backup power supply and detect line faults and tampering?",
         1, MOSAIC, NOT_IN_NOTE, False),
    ]),
    _section("LGT", "Lighting", [
        ("Are the perimeter, the entry points and the storehouse doors lit at night?",
         2, MOSAIC, NOT_IN_NOTE, False),
        ("Is security lighting on a protected or backup supply, and are failures repaired promptly?",
         1, MOSAIC, NOT_IN_NOTE, False),
        ("Are electrical installations and light fittings near explosives of the standard the licence "
         "requires?", 2, AASTP, f"{AASTP_ELL}: electrical standard [V]", True),
    ]),
    _section("GRD", "Guarding", [
        ("Is the facility guarded day and night, by a guard on site or by patrols?",
         3, MOSAIC, NOT_IN_NOTE, False),
        ("Do the guards work to written orders, and are they trained and vetted?",
         2, MOSAIC, NOT_IN_NOTE, False),
        ("Can the guard call a response force, and is its response time tested?",
         1, MOSAIC, NOT_IN_NOTE, False),
        ("Is there a written security plan for the facility, kept up to date?",
         2, MOSAIC_IATG, f"{OSCE_BPG}, security plan (model in Annex B) [V]", True),
    ]),
    _section("REC", "Records and accounting", [
        ("Is every weapon recorded individually (serial number, make, model, calibre) and every ammunition "
         "lot by its lot number?", 3, "MOSAIC 05.30; IATG 03.10", f"{ISACS_0530} [V2]; {LOT_PRACTICE} [V2]", True),
        ("Is every receipt and issue recorded, so that the balance of each item follows from the records?",
         3, IATG, f"{BEVAN} [V2]; {OSCE_BPG}, inventory management and accounting control [V]", True),
        ("Is a full physical count made at least once a year, with unannounced spot checks in between?",
         2, MOSAIC_IATG, f"{NOTE_R} (annual 100 % count, spot checks)", False),
        ("Are counts made by a person independent of the store's custodians?",
         2, MOSAIC_IATG, f"{USMC} [V2]", True),
        ("Are discrepancies reported at once and investigated, and are losses and thefts reported to the "
         "authorities?", 3, MOSAIC_IATG, f"{NOTE_R} (immediate reporting); {OSCE_BPG}, loss and theft [V]",
         False),
    ]),
    _section("FIR", "Fire-fighting", [
        ("Is fire-fighting equipment adequate for the storehouses, in place, and inspected?",
         3, AASTP, f"{AASTP_ELL}: fire-fighting adequacy [V]", True),
        ("Do storehouses holding ammunition display the fire division symbols of their contents?",
         2, AASTP, f"{AASTP_1}: fire divisions FD1-FD4 [V]", True),
        ("Is vegetation cleared around the storehouses, and are fire breaks maintained?",
         1, IATG, NOT_IN_NOTE, False),
        ("Is there a fire plan agreed with the fire service, with drills held?",
         2, IATG, NOT_IN_NOTE, False),
    ]),
    _section("LPS", "Lightning protection", [
        ("Is every explosives storehouse fitted with a lightning protection system?",
         3, AASTP, f"{AASTP_ELL}: lightning protection [V]", True),
        ("Is the lightning protection inspected and its earthing tested periodically, with the results "
         "recorded?", 2, AASTP, NOT_IN_NOTE, False),
    ]),
    _section("SEP", "Storage separation", [
        ("Are weapons and ammunition stored in separate rooms or buildings?",
         3, MOSAIC_IATG, f"{NOTE_R} (separate rooms or buildings)", False),
        ("Is ammunition stacked by lot, each lot together with its markings visible?",
         1, "IATG 03.20", f"{LOT_PRACTICE} [V2]", True),
        ("Are suspect and unserviceable lots kept apart from serviceable stock?",
         2, AASTP, f"{AASTP_1} 1.2.3.4 [V]", True),
        ("Are incompatible compatibility groups kept apart as the mixing tables require?",
         3, "IATG 01.50; AASTP-1", f"{AASTP_1}, mixing tables 5 and 6 (note §1.3) [V]", True),
    ]),
)

SECTIONS: dict[str, Section] = {s.code: s for s in CHECKLIST}
ITEMS: dict[str, Item] = {i.code: i for s in CHECKLIST for i in s.items}


def all_items() -> tuple[Item, ...]:
    return tuple(ITEMS.values())


def item(code: str) -> Item:
    """The item with this code; ``KeyError`` when the checklist has none."""
    return ITEMS[code]


def is_code(code: object) -> bool:
    return isinstance(code, str) and code in ITEMS


def valid_score(value: object) -> bool:
    """0, 1, 2 (a bool is not a score) or ``None`` (not applicable)."""
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value in SCORES)


# --- scoring -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SectionScore:
    code: str
    earned: int
    possible: int
    scored: int  # items answered 0, 1 or 2
    not_applicable: int
    not_assessed: int

    @property
    def percent(self) -> float | None:
        return _percent(self.earned, self.possible)


@dataclass(frozen=True)
class Score:
    earned: int
    possible: int
    scored: int
    not_applicable: int
    not_assessed: int
    sections: tuple[SectionScore, ...]
    unknown: tuple[str, ...] = ()  # codes answered that this checklist version does not have

    @property
    def percent(self) -> float | None:
        return _percent(self.earned, self.possible)

    def section(self, code: str) -> SectionScore:
        return next(s for s in self.sections if s.code == code)


def _percent(earned: int, possible: int) -> float | None:
    return None if possible == 0 else round(100 * earned / possible, 1)


def score(answers: Mapping[str, int | None]) -> Score:
    """Score the answers (code -> 0, 1, 2 or None). Items absent from ``answers`` are not
    assessed; ``None`` is not applicable; neither counts. Codes this checklist does not have
    are listed in ``unknown`` and not counted (an answer recorded under another version); a
    score outside 0-2 raises ``ValueError``."""
    for code, value in answers.items():
        if not valid_score(value):
            raise ValueError(f"{code}: a score is 0, 1, 2 or None, not {value!r}")
    sections = []
    for section in CHECKLIST:
        earned = possible = scored = not_applicable = not_assessed = 0
        for it in section.items:
            if it.code not in answers:
                not_assessed += 1
                continue
            value = answers[it.code]
            if value is None:
                not_applicable += 1
                continue
            scored += 1
            earned += it.weight * value
            possible += it.weight * MAX_POINTS
        sections.append(SectionScore(section.code, earned, possible, scored, not_applicable, not_assessed))
    return Score(
        earned=sum(s.earned for s in sections), possible=sum(s.possible for s in sections),
        scored=sum(s.scored for s in sections), not_applicable=sum(s.not_applicable for s in sections),
        not_assessed=sum(s.not_assessed for s in sections), sections=tuple(sections),
        unknown=tuple(sorted(code for code in answers if code not in ITEMS)),
    )


# Display bands (this system's convention): good, needs improvement, serious gaps.
GOOD, FAIR, POOR = "good", "fair", "poor"
BANDS = ((85.0, GOOD), (60.0, FAIR), (0.0, POOR))


def band(percent: float | None) -> str | None:
    if percent is None:
        return None
    return next(name for floor, name in BANDS if percent >= floor)


def gaps(answers: Mapping[str, int | None]) -> list[Item]:
    """The items answered 0 or 1, worst first: not met before partly met, then heavier weight
    first, then checklist order."""
    order = {code: n for n, code in enumerate(ITEMS)}
    found = [ITEMS[c] for c, v in answers.items() if c in ITEMS and v is not None and v < MAX_POINTS]
    return sorted(found, key=lambda it: (answers[it.code], -it.weight, order[it.code]))


def counts() -> dict[str, int]:
    """How many sections and items, and how many items rest on a verified source."""
    items = all_items()
    return {"sections": len(CHECKLIST), "items": len(items), "verified": sum(1 for i in items if i.verified)}
