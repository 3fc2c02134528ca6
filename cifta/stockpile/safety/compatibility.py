"""Which compatibility groups may share a building: AASTP-1 Ed.1 Part I ch.2 Table 5
(explosive substances) and Table 6 (explosive articles), the basis of IATG 01.50 §7.1, as data.

A cell is ``X`` (permitted), ``X<n>`` (permitted, note n applies) or ``<n>`` (only under note
n); a pair with no cell is not permitted. Every note makes the answer "conditional" and the
answer carries the note's code (``T6-2``) so that whoever stores the lots can record that the
condition is met (segregation built, NCA decision taken, UN Test Series 3 passed...).
"""

from __future__ import annotations

from dataclasses import dataclass

from .divisions import group as parse_group

T5 = "AASTP-1 Ed.1 Part I ch.2 §1.2.3.2 Table 5 (aboveground storage of explosive substances)"
T6 = "AASTP-1 Ed.1 Part I ch.2 §1.2.3.2 Table 6 (aboveground storage of explosive articles)"

# Symmetric; transcribed from research note 02 §1.3 and checked against the transcription it
# cites. The S/S cell reads "X6" there; note 6 concerns 1.6N only, so it is taken as plain X.
TABLE_6: dict[str, dict[str, str]] = {
    "B": {"B": "X", "D": "X1", "E": "X1", "F": "X1", "S": "X"},
    "C": {"C": "X", "D": "X", "E": "X", "F": "2", "G": "4", "N": "X5", "S": "X"},
    "D": {"B": "X1", "C": "X", "D": "X", "E": "X", "F": "2", "G": "4", "N": "X5", "S": "X"},
    "E": {"B": "X1", "C": "X", "D": "X", "E": "X", "F": "2", "G": "4", "N": "X5", "S": "X"},
    "F": {"B": "X1", "C": "2", "D": "2", "E": "2", "F": "X", "G": "4", "S": "X"},
    "G": {"C": "4", "D": "4", "E": "4", "F": "4", "G": "X", "S": "X"},
    "H": {"H": "X", "S": "X"},
    "J": {"J": "X", "S": "X"},
    "K": {"K": "X"},
    "L": {"L": "3"},
    "N": {"C": "X5", "D": "X5", "E": "X5", "N": "X6", "S": "X7"},
    "S": {"B": "X", "C": "X", "D": "X", "E": "X", "F": "X", "G": "X", "H": "X", "J": "X", "N": "X7", "S": "X"},
}
NOTES_6 = {
    "1": "CG B fuzes may be stored with the articles they will be assembled to; the NEQ is aggregated and "
         "the lot treated as CG F",
    "2": "same building only if effectively segregated to prevent propagation",
    "3": "CG L articles stored apart from every other group and from other types of CG L",
    "4": "mixing CG G with other groups is at the discretion of the National Competent Authority",
    "5": "CG N is normally stored only with S; stored with C, D or E it is treated as CG D and the rules "
         "re-applied",
    "6": "1.6N munitions mix and stay N if of one family or shown not to propagate between families; "
         "otherwise the set is treated as CG D",
    "7": "a mixed set of 1.6N and 1.4S may be treated as CG N",
}

TABLE_5: dict[str, dict[str, str]] = {
    "A": {"A": "X"},
    "C": {"C": "X1", "D": "X1", "G": "3", "S": "X"},
    "D": {"C": "X1", "D": "X1", "G": "3", "S": "X"},
    "G": {"C": "3", "D": "3", "G": "X", "S": "X"},
    "L": {"L": "2"},
    "S": {"C": "X", "D": "X", "G": "X", "S": "X"},
}
NOTES_5 = {
    "1": "permitted if every substance passed UN Test Series 3; failures need the National Competent "
         "Authority's special consideration",
    "2": "CG L substances stored apart from every other group and from every other CG L substance",
    "3": "mixing CG G substances with other groups is at the discretion of the National Competent Authority",
}

PERMITTED, CONDITIONAL, FORBIDDEN = "permitted", "conditional", "forbidden"
_ORDER = {PERMITTED: 0, CONDITIONAL: 1, FORBIDDEN: 2}


@dataclass(frozen=True)
class Compatibility:
    """The answer for one pair: ``verdict``, the ``cell`` read, the ``condition`` code of the
    note that applies (``T5-1``, ``T6-2``...) with its ``text``, and where it comes from."""

    verdict: str
    groups: tuple[str, str]
    rule_id: str
    source: str
    cell: str = ""
    condition: str | None = None
    text: str = ""


def _lookup(table: str, a: str, b: str) -> Compatibility | None:
    rows, notes, source = (TABLE_6, NOTES_6, T6) if table == "T6" else (TABLE_5, NOTES_5, T5)
    if a not in rows or b not in rows:
        return None
    cell = rows[a].get(b, "")
    rule_id = f"{table} {a}/{b}"
    if not cell:
        return Compatibility(FORBIDDEN, (a, b), rule_id, source, "", None, f"no cell for {a} with {b}: not permitted")
    number = cell.lstrip("X")
    if not number:
        return Compatibility(PERMITTED, (a, b), rule_id, source, cell)
    return Compatibility(CONDITIONAL, (a, b), rule_id, source, cell, f"{table}-{number}", notes[number])


def base_compatibility(group_a: str, group_b: str, *, substance_a: bool = False,
                       substance_b: bool = False) -> Compatibility:
    """The pair as Tables 5 and 6 have it. A substance is read in Table 5 and an article in
    Table 6; a substance with an article must pass every table that has both groups (the
    stricter answer wins). CG A is a substance by definition and mixes with nothing else
    (AASTP-1 §1.2.3.3 d); a pair no table covers is not permitted."""
    a, b = parse_group(group_a), parse_group(group_b)
    substance_a = substance_a or a == "A"
    substance_b = substance_b or b == "A"
    tables = []
    if substance_a or substance_b:
        tables.append("T5")
    if not substance_a or not substance_b:
        tables.append("T6")
    answers = [found for table in tables if (found := _lookup(table, a, b)) is not None]
    if not answers:
        return Compatibility(FORBIDDEN, (a, b), f"T5/T6 {a}/{b}", f"{T5}; {T6}", "", None,
                             f"no table covers {a} with {b}: not permitted")
    return max(answers, key=lambda c: _ORDER[c.verdict])


def state_forbidden(a: str, b: str, label: str) -> Compatibility:
    return Compatibility(FORBIDDEN, (a, b), f"STATE {a}/{b}", f"National rule: {label}", "", None,
                         f"{a} with {b} forbidden by the State's rules")


def pair_key(a: str, b: str) -> frozenset[str]:
    return frozenset((parse_group(a), parse_group(b)))


def is_symmetric(rows: dict[str, dict[str, str]]) -> bool:
    return all(rows.get(b, {}).get(a) == cell for a, row in rows.items() for b, cell in row.items())
