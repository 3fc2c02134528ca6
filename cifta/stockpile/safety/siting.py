"""Exposed sites and the distance each needs from a storehouse (the potential explosion site,
PES), per hazard division: which AASTP-1 Annex A function applies, with which fixed minimum.

The Annex A tables are a matrix of PES types (columns a-f) by exposed-site rows (1-20). The
transcription research note 02 relies on renders the numeric columns well but the matrix
cells only partly, so each rule below carries a ``status``:

- ``verified``: the function and minimum are those of the table and of the worked licences of
  AASTP-1 Annex B (Tables B-I, B-II, Figures B-II to B-IV);
- ``worked_example``: the cell is the one an Annex B licence uses for that pair of buildings;
  orientation (igloo door towards the ES or not) is not modelled, see the user documentation;
- ``conservative``: the transcription is unclear and the stricter reading is taken;
- ``inferred``: decoded from the OCR'd matrix (row meanings read from its notes), to be checked
  against the PDF before the product calls it IATG.

A State can make any rule stricter (``RuleSet.tightened``), never looser.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import SafetyError
from .qd import DistanceFunction, meets

STOREHOUSE_TYPES = ("earth_covered", "above_ground", "light_structure", "open_stack")
SITE_KINDS = ("inhabited_building", "public_traffic_route", "storehouse", "process_building")
TRAFFIC = ("light", "heavy")
TARGETS = ("inhabited_building", "ptr_heavy", "ptr_light", "process_building",
           *(f"storehouse:{t}" for t in STOREHOUSE_TYPES))
SITED_DIVISIONS = ("1.1", "1.2.1", "1.2.2", "1.3")  # the divisions with NEQ-dependent distances


def storehouse_type(value: str, field: str = "storehouse_type") -> str:
    if value not in STOREHOUSE_TYPES:
        raise SafetyError("unknown_storehouse_type", field=field, value=value, allowed=STOREHOUSE_TYPES)
    return value


@dataclass(frozen=True)
class ExposedSite:
    """Something a storehouse must be kept away from, at ``distance_m`` (metres, the shortest
    distance between the two). A public traffic route has a ``traffic`` class ("light": low
    density, minor roads, light passenger railways; "heavy": high density, major roads); another
    storehouse has its ``storehouse_type``."""

    name: str
    kind: str
    distance_m: float
    traffic: str | None = None
    storehouse_type: str | None = None
    target: str = field(init=False, repr=False, compare=False)  # the row of the rules: "ptr_light"...

    def __post_init__(self) -> None:
        if self.kind not in SITE_KINDS:
            raise SafetyError("unknown_site_kind", field="kind", value=self.kind, allowed=SITE_KINDS)
        try:
            distance = float(self.distance_m)
        except (TypeError, ValueError):
            raise SafetyError("negative_distance", field="distance_m", value=self.distance_m) from None
        if not distance >= 0 or math.isinf(distance):
            raise SafetyError("negative_distance", field="distance_m", value=self.distance_m)
        if self.kind == "public_traffic_route" and self.traffic not in TRAFFIC:
            raise SafetyError("unknown_traffic", field="traffic", value=self.traffic, allowed=TRAFFIC)
        if self.kind == "storehouse":
            storehouse_type(str(self.storehouse_type))
        if self.kind == "public_traffic_route":
            target = f"ptr_{self.traffic}"
        elif self.kind == "storehouse":
            target = f"storehouse:{self.storehouse_type}"
        else:
            target = self.kind
        object.__setattr__(self, "target", target)


@dataclass(frozen=True)
class SitingRule:
    """The distance a PES type holding one division needs from one kind of exposed site:
    max(tabulated ``function``, ``fixed_m``, ``minimum_m``) times the State's multiplier."""

    rule_id: str
    hd: str
    pes: str
    target: str
    function: str | None
    fixed_m: float
    minimum_m: float
    source: str
    status: str

    def required(self, neq_kg: float, functions: Mapping[str, DistanceFunction], multiplier: float = 1.0) -> float:
        metres = max(self.fixed_m, self.minimum_m)
        if self.function is not None:
            metres = max(metres, functions[self.function].tabulated(neq_kg))
        return metres * multiplier

    def max_quantity(self, distance_m: float, functions: Mapping[str, DistanceFunction],
                     multiplier: float = 1.0, cap_kg: float = 250_000.0) -> float:
        """The inverse: the largest NEQ this rule allows at ``distance_m`` (0.0: none)."""
        if not meets(distance_m, max(self.fixed_m, self.minimum_m) * multiplier):
            return 0.0
        if self.function is None:
            return cap_kg
        return min(cap_kg, functions[self.function].max_quantity(distance_m / multiplier))


# --- the base rules -------------------------------------------------------------------------

A1 = "AASTP-1 Ed.1 Annex A Table 1"
A2 = "AASTP-1 Ed.1 Annex A Table 2"
A3 = "AASTP-1 Ed.1 Annex A Table 3A"
AB = "AASTP-1 Ed.1 Annex B"

_HD11 = {
    "inhabited_building": ("D13", 0, 400, "conservative",
                           f"{A1} row 20 (D13; {AB} Table B-I: 20,000 kg, 610 m); the 400 m minimum (notes m, o; "
                           f"{AB} Table B-I p.2) applied to every PES type"),
    "ptr_heavy": ("D13", 0, 400, "conservative",
                  f"{A1} row 19 (D13 for high-density traffic; {AB} Table B-I: 610 m); 400 m minimum to a major "
                  f"public traffic route ({AB} Table B-I p.2) applied to every PES type"),
    "ptr_light": ("D11", 0, 270, "conservative",
                  f"{A1} row 19 (D11 for low-density traffic; {AB} Table B-I: 20,000 kg, 405 m); 270 m minimum to a "
                  f"minor public traffic route ({AB} Table B-I p.2) applied to every PES type"),
    "process_building": ("D10", 0, 0, "verified", f"{A1} row 16 (D10; {AB} Table B-II: 20,000 kg, 220 m)"),
}
_HD11_STOREHOUSE = {
    ("earth_covered", "earth_covered"): ("D4", "worked_example",
                                         f"{A1} column f row 1 (D4; {AB} Table B-II: igloo to igloo, 22 m, "
                                         "virtually complete protection)"),
    ("light_structure", "light_structure"): ("D7", "worked_example",
                                             f"{A1} column d row 14 (D7; {AB} Table B-II: barricaded light "
                                             "structures, 66 m, high degree of protection)"),
    ("light_structure", "earth_covered"): ("D8", "worked_example",
                                           f"{A1} (D8; {AB} Figure B-IV: light unbarricaded building to an igloo)"),
    ("open_stack", "earth_covered"): ("D9", "worked_example",
                                      f"{A1} (D9; {AB} Figure B-III: barricaded open stack to an igloo)"),
}
_HD11_STOREHOUSE_DEFAULT = ("D9", "conservative",
                            f"{A1} rows 1-15: D9, the largest function giving a high degree of protection")

_HD13 = {  # target: (function, minimum from the face of an igloo, table row, face-on minimum as printed)
    "inhabited_building": ("D4", 240, "row 20 (D4)", "column f: D4, at least 240 m"),
    "ptr_heavy": ("D4", 240, "row 19 (D4 for high-density traffic)", "column f: D4, at least 240 m"),
    "ptr_light": ("D3", 160, "row 19 (D3 for low-density traffic)", "column f: D3, at least 160 m"),
}


def _hd11(pes: str, target: str) -> tuple[str | None, float, float, str, str]:
    if target in _HD11:
        fn, fixed, minimum, status, source = _HD11[target]
        return f"1.1/{fn}", fixed, minimum, status, source
    es = target.removeprefix("storehouse:")
    fn, status, source = _HD11_STOREHOUSE.get((pes, es), _HD11_STOREHOUSE_DEFAULT)
    return f"1.1/{fn}", 0, 0, status, source


def _hd12(hd: str, pes: str, target: str) -> tuple[str | None, float, float, str, str]:
    big, small = ("1.2/D2", "1.2/D6") if hd == "1.2.1" else ("1.2/D1", "1.2/D5")
    if target == "storehouse:earth_covered":
        return None, 0, 0, "verified", (f"{A2} rows 1-3 'No QD' and AASTP-1 §1.3.1.5 g: no distance when the ES is an "
                                        "earth-covered building")
    if target in ("inhabited_building", "ptr_heavy"):
        return big, 0, 0, "inferred", (f"{A2} rows 9 (high density) and 10 read as public traffic route and "
                                       f"inhabited building ({AB} Table B-I cites D2 for IBD); the fixed 30/60 m of "
                                       "§1.3.1.5 g for earth-covered PES need the door orientation and are not used")
    return small, 0, 0, "inferred", (f"{A2} column b: rows 4-5 (storehouses), 6-8 (workshops), row 9 low density "
                                     "(D5 for 1.2.2, D6 for 1.2.1); column a reductions need the door orientation")


def _hd13(pes: str, target: str) -> tuple[str | None, float, float, str, str]:
    igloo = pes == "earth_covered"
    if target in _HD13:
        fn, face_on, row, printed = _HD13[target]
        if igloo:
            return (f"1.3/{fn}", 0, face_on, "conservative",
                    f"{A3} {row}; {printed}, applied to every igloo (orientation not modelled)")
        return f"1.3/{fn}", 0, 0, "verified", f"{A3} {row} ({AB} Table B-I: 17,500 kg, 170 m and 115 m)"
    if target == "process_building":
        return "1.3/D2", 0, 0, "verified", f"{A3} row 16 (D2; {AB} Table B-II: 17,500 kg, 84 m)"
    es = target.removeprefix("storehouse:")
    if igloo and es == "earth_covered":
        return None, 25, 0, "worked_example", f"{A3} column f row 1 (25 m; {AB} Table B-II: igloo to igloo)"
    if igloo:
        return None, 240, 0, "conservative", f"{A3} column f rows 7-15: 240 m from the face of an igloo"
    return "1.3/D1", 0, 0, "inferred", f"{A3} rows 11, 13-15 columns a-e (D1, at least 25 m)"


def base_rules() -> dict[tuple[str, str, str], SitingRule]:
    rules: dict[tuple[str, str, str], SitingRule] = {}
    for hd in SITED_DIVISIONS:
        for pes in STOREHOUSE_TYPES:
            for target in TARGETS:
                if hd == "1.1":
                    fn, fixed, minimum, status, source = _hd11(pes, target)
                elif hd == "1.3":
                    fn, fixed, minimum, status, source = _hd13(pes, target)
                else:
                    fn, fixed, minimum, status, source = _hd12(hd, pes, target)
                rule_id = f"{hd}/{pes}/{target}"
                rules[(hd, pes, target)] = SitingRule(rule_id, hd, pes, target, fn, float(fixed), float(minimum),
                                                      source, status)
    return rules
