"""The distance functions of NATO AASTP-1 Edition 1 (May 2006) Part II Annex A, the manual IATG
02.20 was derived from, as data: HD 1.1 Table 1 (D1-D17), HD 1.2 Table 2 (D1-D6), HD 1.3
Tables 3A and 3B (D1-D4, the same numbers in both).

Where the printed coefficient and the printed table disagree, the table is followed (it is
what licences quote, and in each case below the whole column fits another coefficient):

- HD 1.1 D11 below 4,500 kg: printed 3.6·Q^(1/2); the column fits 2/3 of 5.5 (3.667) at every
  row (2,500 kg: 185 m, not 180), i.e. D11 is two thirds of D13 throughout;
- HD 1.3 D1: printed "0.22 Q^1/3" in the transcription used; the column is 0.22·Q^(1/2)
  (250,000 kg: 110 m; the cube root would give 14 m, under the 25 m floor everywhere);
- HD 1.3 D3: printed 4.3·Q^(1/3); the column fits 2/3 of D4 (4.267), e.g. 3,500 kg: 65 m
  (4.3 gives 66), 250,000 kg: 270 m (4.3 gives 275);
- HD 1.2 D3-D6: taken from the rounded-up D1 or D2 as the table does (with the raw value 60
  of the 360 cells would be a metre short).

Cells printed higher than the formula are kept as ``printed_floors``; cells printed lower are
not followed (the engine stays on the stricter formula) and are listed in the user
documentation and the tests. Sources are the transcription named in research note 02 §0.
"""

from __future__ import annotations

from .qd import METRE, DistanceFunction

T1 = "AASTP-1 Ed.1 Part II Annex A Table 1 (HD 1.1)"
T2 = "AASTP-1 Ed.1 Part II Annex A Table 2 (HD 1.2)"
T3 = "AASTP-1 Ed.1 Part II Annex A Tables 3A/3B (HD 1.3)"


def _cube(name: str, k: float, *, floor: int = 0, low: float = 500.0, high: float = 250_000.0,
          small: bool = True, printed: str = "", floors: tuple[tuple[float, int], ...] = (),
          note: str = "") -> DistanceFunction:
    return DistanceFunction(table="1.1", name=name, shape="cube", k=k, floor_m=floor, q_low_kg=low, q_high_kg=high,
                            small_quantity_rule=small, printed=printed or f"{k}·Q^(1/3)", source=T1,
                            printed_floors=floors, note=note)


HD11 = (
    _cube("D1", 0.35, high=30_000, note="printed for 500-30,000 kg only"),
    _cube("D2", 0.44, low=35_000, high=120_000, small=False, note="printed for 35,000-120,000 kg only"),
    _cube("D3", 0.5),
    _cube("D4", 0.8),
    _cube("D5", 1.1),
    _cube("D6", 1.8),
    _cube("D7", 2.4),
    _cube("D8", 3.6),
    _cube("D9", 4.8),
    _cube("D10", 8.0),
    DistanceFunction(
        table="1.1", name="D11", shape="root_then_cube", k=14.8, k_root=5.5 * 2 / 3, breakpoint_kg=4_500, floor_m=180,
        printed="3.6·Q^(1/2) for Q < 4,500; 14.8·Q^(1/3) for Q ≥ 4,500 (minimum 180 m in the table)", source=T1,
        note="below 4,500 kg the printed column fits 2/3 × 5.5 = 3.667, not the printed 3.6; the table is followed"),
    _cube("D12", 22.2, floor=180, floors=((160_000, 1220),),
          note="160,000 kg printed 1,220 m where the formula gives 1,210 m: the printed value is kept"),
    DistanceFunction(
        table="1.1", name="D13", shape="root_then_cube", k=22.2, k_root=5.5, breakpoint_kg=4_500, floor_m=270,
        printed="5.5·Q^(1/2) for Q < 4,500; 22.2·Q^(1/3) for Q ≥ 4,500 (minimum 270 m in the table)", source=T1,
        printed_floors=((2_500, 280), (160_000, 1220)),
        note="2,500 kg printed 280 m (formula 275 m) and 160,000 kg printed 1,220 m (formula 1,210 m): kept"),
    _cube("D14", 14.0, floor=400, high=45_000, note="reduced distance for large earth-covered buildings < 45,000 kg"),
    _cube("D15", 18.0, floor=400, high=45_000, note="reduced distance for large earth-covered buildings < 45,000 kg"),
    _cube("D16", 9.3, floor=270, high=45_000, note="reduced distance for large earth-covered buildings < 45,000 kg"),
    _cube("D17", 12.0, floor=270, high=45_000, note="reduced distance for large earth-covered buildings < 45,000 kg"),
)

_D1_LN = (28.127, -2.364, 1.577)
_D2_LN = (-167.648, 70.345, -1.303)


def _hd12(name: str, ln: tuple[float, float, float], scale: float, floor: int, printed: str) -> DistanceFunction:
    return DistanceFunction(table="1.2", name=name, shape="ln_quadratic", ln=ln, scale=scale, floor_m=floor,
                            q_low_kg=10.0, rounding=METRE, printed=printed, source=T2)


HD12 = (
    _hd12("D1", _D1_LN, 1.0, 30, "28.127 − 2.364·ln Q + 1.577·(ln Q)² (table floor 30 m)"),
    _hd12("D2", _D2_LN, 1.0, 60, "−167.648 + 70.345·ln Q − 1.303·(ln Q)² (table floor 60 m)"),
    _hd12("D3", _D1_LN, 0.36, 20, "0.36·D1 (table floor 20 m)"),
    _hd12("D4", _D2_LN, 0.36, 20, "0.36·D2 (table floor 20 m)"),
    _hd12("D5", _D1_LN, 0.67, 30, "0.67·D1 (table floor 30 m)"),
    _hd12("D6", _D2_LN, 0.67, 60, "0.67·D2 (table floor 60 m)"),
)

HD13 = (
    DistanceFunction(table="1.3", name="D1", shape="root", k=0.22, floor_m=25, source=T3,
                     printed="0.22·Q^(1/3) as transcribed; the column is 0.22·Q^(1/2) (table floor 25 m)",
                     note="the table is followed: 0.22·Q^(1/2)"),
    DistanceFunction(table="1.3", name="D2", shape="cube", k=3.2, floor_m=60, source=T3, printed="3.2·Q^(1/3)"),
    DistanceFunction(table="1.3", name="D3", shape="cube", k=6.4 * 2 / 3, floor_m=60, source=T3,
                     printed="4.3·Q^(1/3) (table floor 60 m)",
                     note="the column fits 2/3 × 6.4 = 4.267, not the printed 4.3; the table is followed"),
    DistanceFunction(table="1.3", name="D4", shape="cube", k=6.4, floor_m=60, source=T3, printed="6.4·Q^(1/3)"),
)

FUNCTIONS: dict[str, DistanceFunction] = {f.key: f for f in (*HD11, *HD12, *HD13)}

# Which table a division's distances are read from (1.5 is stored and sited as 1.1, AASTP-1
# §1.2.1.2 e note 2). HD 1.4 has no NEQ-dependent distance (§1.3.1.7); the HD 1.6 table
# (Annex A Table 4, fixed distances for 1.6N) is not in this engine.
TABLE_OF = {"1.1": "1.1", "1.5": "1.1", "1.2": "1.2", "1.2.1": "1.2", "1.2.2": "1.2", "1.3": "1.3"}
