"""How the NEQ of different hazard divisions in one building adds up: AASTP-1 Ed.1 Part I ch.2
Table 4 ("Aboveground storage, mixing and aggregation rules for hazard divisions") as data.

A cell names the division the aggregated NEQ is sited as, or a note:

- ``n1``: 1.4 is stored with any division without adding its NEQ (note 1);
- ``n2``: 1.2 with 1.3 usually behaves as 1.2 or 1.3 but may behave as 1.1: the distance is the
  greatest of the total NEQ treated as 1.1, 1.2.1, 1.2.2 and 1.3 in turn (§1.2.3.3 c);
- ``<hd>|n3``: that division only if shown by test or analogy, otherwise 1.1 (note 3). The
  evidence is recorded as the condition code ``T4-3``.

Whatever the cells say, a mix is aggregated as 1.1 when 1.2 shaped charges, high-energy
propellants, 1.3 at high loading density under heavy confinement, or 1.2.1 items of more than
5 kg each are present, unless trials or analysis show otherwise (condition ``T4-trials``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .divisions import DIVISIONS, HD121_FORCES_11_KG
from .errors import SafetyError

SOURCE = "AASTP-1 Ed.1 Part I ch.2 §1.2.3.2 Table 4 and §1.2.3.3 c"

TABLE_4: dict[str, dict[str, str]] = {
    "1.1": {"1.1": "1.1", "1.2.1": "1.1", "1.2.2": "1.1", "1.3": "1.1", "1.4": "n1", "1.5": "1.1", "1.6": "1.1"},
    "1.2.1": {"1.1": "1.1", "1.2.1": "1.2.1", "1.2.2": "1.2.1", "1.3": "n2", "1.4": "n1", "1.5": "1.1",
              "1.6": "1.2.1|n3"},
    "1.2.2": {"1.1": "1.1", "1.2.1": "1.2.1", "1.2.2": "1.2.2", "1.3": "n2", "1.4": "n1", "1.5": "1.1",
              "1.6": "1.2.1|n3"},
    "1.3": {"1.1": "1.1", "1.2.1": "n2", "1.2.2": "n2", "1.3": "1.3", "1.4": "n1", "1.5": "1.1", "1.6": "1.3|n3"},
    "1.4": {"1.1": "n1", "1.2.1": "n1", "1.2.2": "n1", "1.3": "n1", "1.4": "1.4", "1.5": "n1", "1.6": "n1"},
    "1.5": {"1.1": "1.1", "1.2.1": "1.1", "1.2.2": "1.1", "1.3": "1.1", "1.4": "n1", "1.5": "1.1", "1.6": "1.1"},
    "1.6": {"1.1": "1.1", "1.2.1": "1.2.1|n3", "1.2.2": "1.2.1|n3", "1.3": "1.3|n3", "1.4": "n1", "1.5": "1.1",
            "1.6": "1.6|n3"},
}
NOTES_4 = {
    "n1": "1.4 may be stored with any other division without aggregating its NEQ",
    "n2": "mixed 1.2 and 1.3: the greatest distance of the total NEQ as 1.1, 1.2.1, 1.2.2 and 1.3",
    "n3": "only if demonstrated by testing or analogy; if not, 1.1",
    "forced": "the mix aggregates as 1.1 (1.2 shaped charges, high-energy propellants, 1.3 at high loading "
              "density under heavy confinement, or 1.2.1 items above 5 kg each)",
}
GREATEST = "greatest_of_four"
FOUR = ("1.1", "1.2.1", "1.2.2", "1.3")


@dataclass(frozen=True)
class Triggers:
    """The circumstances of Table 4's notes that force a mix to 1.1."""

    shaped_charges_12: bool = False
    high_energy_propellant: bool = False
    high_density_confined_13: bool = False
    largest_121_item_kg: float = 0.0

    def reasons(self) -> list[str]:
        found = []
        if self.shaped_charges_12:
            found.append("1.2 shaped charges (Table 4 note a)")
        if self.high_energy_propellant:
            found.append("high-energy propellants (Table 4 note b)")
        if self.high_density_confined_13:
            found.append("1.3 at high loading density under heavy confinement (Table 4 note c)")
        if self.largest_121_item_kg > HD121_FORCES_11_KG:
            found.append(f"1.2.1 items of {self.largest_121_item_kg:g} kg each, above 5 kg (Table 4 note d)")
        return found


@dataclass(frozen=True)
class Aggregate:
    """``treatment``: the division the aggregated NEQ is sited as ("1.1", "1.2.1", "1.2.2",
    "1.3", "1.6"), ``greatest_of_four``, "1.4" (only 1.4 held: no NEQ-dependent distance) or
    "none" (empty). ``treatments``: the divisions whose distances are computed (four for
    ``greatest_of_four``). ``neq_kg`` excludes 1.4 unless only 1.4 is held."""

    treatment: str
    neq_kg: float
    treatments: tuple[str, ...]
    excluded_14_kg: float
    by_division: dict[str, float]
    rule_id: str
    reasons: tuple[str, ...] = ()


def _cell(a: str, b: str, evidence: Collection[str], reasons: list[str]) -> str:
    if a == GREATEST:
        both = {_cell("1.2.1", b, evidence, reasons), _cell("1.3", b, evidence, reasons)}
        return "1.1" if "1.1" in both else GREATEST
    if b == GREATEST:
        return _cell(b, a, evidence, reasons)
    cell = TABLE_4[a][b]
    if cell == "n2":
        return GREATEST
    if cell.endswith("|n3"):
        if "T4-3" in evidence:
            return cell.removesuffix("|n3")
        reasons.append(f"{a} with {b}: no test or analogy recorded (T4-3), aggregated as 1.1 (Table 4 note 3)")
        return "1.1"
    return cell


def aggregate(by_division: Mapping[str, float], *, triggers: Triggers = Triggers(),
              evidence: Collection[str] = ()) -> Aggregate:
    """The aggregated NEQ of one building and how it is sited. ``by_division`` holds NEQ (kg)
    per division (1.2 already split into 1.2.1 and 1.2.2); ``evidence`` the condition codes
    recorded for the building (``T4-3``: test or analogy for HD 1.6 mixes; ``T4-trials``:
    trials or analysis lifting the forced 1.1)."""
    totals: dict[str, float] = {}
    for hd, neq in by_division.items():
        if hd not in DIVISIONS:
            raise SafetyError("unknown_division", field="hazard_division", value=hd)
        if neq < 0:
            raise SafetyError("not_positive", field="neq_kg", value=neq, division=hd)
        if neq > 0:
            totals[hd] = totals.get(hd, 0.0) + neq
    excluded = totals.get("1.4", 0.0)
    held = sorted(hd for hd in totals if hd != "1.4")
    reasons: list[str] = []
    if not held:
        if excluded:
            return Aggregate("1.4", excluded, (), 0.0, totals, "T4 1.4/1.4", ("1.4 alone: no NEQ-dependent distance",))
        return Aggregate("none", 0.0, (), 0.0, totals, "T4 empty")
    if excluded:
        reasons.append(f"{excluded:g} kg of 1.4 not aggregated (Table 4 note 1)")
    if "1.5" in held:
        reasons.append("1.5 counted as 1.1 (AASTP-1 §1.2.1.2 e)")
    result = _cell(held[0], held[0], evidence, reasons)
    for hd in held[1:]:
        result = _cell(result, hd, evidence, reasons)
    neq = sum(totals[hd] for hd in held)
    if len(held) > 1 and result != "1.1" and "T4-trials" not in evidence:
        forced = triggers.reasons()
        if forced:
            reasons.extend(f"forced 1.1: {why}" for why in forced)
            result = "1.1"
    rule_id = "T4 " + "+".join(held)
    treatments = FOUR if result == GREATEST else (result,)
    if result == GREATEST:
        reasons.append(NOTES_4["n2"])
    return Aggregate(result, neq, treatments, excluded, totals, rule_id, tuple(dict.fromkeys(reasons)))
