"""Quantity-distance functions: the distance a net explosive quantity (NEQ, kg) needs, as the
formula gives it (raw) and as the published table prints it (tabulated), and the inverse, the
largest NEQ a distance allows.

Why both values: the AASTP-1 tables are what licences quote, and they are not the formula
rounded naively. The tables round up (below 100 m to the next metre, to 500 m to the next 5 m,
above to the next 10 m; HD 1.2 to the next metre throughout), apply fixed minimum distances,
and in a few places were built from coefficients other than the printed ones (see
``annex_a``). The tabulated value is what the siting check compares with a real distance.

Outside the tables (the documented rule, applied everywhere the engine computes a distance):

- below the smallest tabulated NEQ (500 kg for HD 1.1 and 1.3, 10 kg for HD 1.2) the distance
  of the smallest tabulated NEQ applies; AASTP-1 §1.3.1.1 b asks for "special consideration"
  below 500 kg and a UN training deck (research note 02 §2.1) uses the smallest tabulated
  distance as the minimum, which is what this does;
- above the largest tabulated NEQ (250,000 kg) a distance is refused with ``above_table``:
  the tables stop there and an extrapolation is a siting study, not a look-up;
- a function tabulated over part of the range only (HD 1.1 D1, D2, D14-D17) refuses a
  quantity outside its own rows with ``outside_function``.

Pure, no Django.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .errors import SafetyError

EPS = 1e-9  # metres: a computed distance this close above a table step counts as on it
TABLE_TOP_KG = 250_000.0  # largest NEQ in AASTP-1 Annex A Tables 1-3
STEPPED = "stepped"  # up to 100 m: next metre; to 500 m: next 5 m; above: next 10 m (Tables 1, 3A, 3B)
METRE = "metre"  # next metre throughout (Table 2, HD 1.2)


def round_up(metres: float, rounding: str = STEPPED) -> int:
    """A distance rounded up the way the AASTP-1 tables round (never down)."""
    value = metres - EPS
    if rounding == METRE or value <= 100:
        return max(0, math.ceil(value))
    if value <= 500:
        return 5 * math.ceil(value / 5)
    return 10 * math.ceil(value / 10)


def meets(distance_m: float, required_m: float) -> bool:
    """Whether a real distance is at least the required one (the same tolerance as the tables)."""
    return distance_m + EPS >= required_m


@dataclass(frozen=True)
class DistanceFunction:
    """One distance function of one table. ``shape`` says how the raw value is computed:

    - ``cube``: k·Q^(1/3);
    - ``root``: k·Q^(1/2);
    - ``root_then_cube``: k_root·Q^(1/2) below ``breakpoint_kg``, k·Q^(1/3) from it on. At the
      breakpoint the cube-root branch starts a little lower than the square-root branch ended
      (D13: 366.5 m against 368.9 m); so that a larger NEQ never needs a shorter distance, the
      cube-root branch is not allowed below the value the square-root branch reached;
    - ``ln_quadratic``: scale·(a + b·ln Q + c·(ln Q)²), HD 1.2. The table takes the scaled
      functions (D3-D6) from the rounded-up D1 or D2, not from the raw value; so does this.

    ``printed_floors``: cells where the printed table is higher than formula and rounding; the
    table is followed there (it is the oracle, and it is the stricter value), each cell acting
    as a floor from its row on so that the function still never decreases.
    """

    table: str
    name: str
    shape: str
    printed: str
    source: str
    k: float = 0.0
    k_root: float = 0.0
    breakpoint_kg: float = 0.0
    ln: tuple[float, float, float] = (0.0, 0.0, 0.0)
    scale: float = 1.0
    floor_m: int = 0
    q_low_kg: float = 500.0
    q_high_kg: float = TABLE_TOP_KG
    small_quantity_rule: bool = True
    rounding: str = STEPPED
    printed_floors: tuple[tuple[float, int], ...] = ()
    note: str = ""
    _limits: dict[int, float] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.table}/{self.name}"

    # --- forward ---------------------------------------------------------------------------

    def effective_quantity(self, neq_kg: float) -> float:
        """The NEQ the table is read at, or SafetyError when the table does not reach it."""
        if neq_kg > self.q_high_kg:
            code = "above_table" if self.q_high_kg >= TABLE_TOP_KG else "outside_function"
            raise SafetyError(code, field="neq_kg", neq_kg=neq_kg, function=self.key, largest_kg=self.q_high_kg)
        if neq_kg < self.q_low_kg:
            if not self.small_quantity_rule:
                raise SafetyError("outside_function", field="neq_kg", neq_kg=neq_kg, function=self.key,
                                  smallest_kg=self.q_low_kg)
            return self.q_low_kg
        return neq_kg

    def covers(self, neq_kg: float) -> bool:
        return neq_kg <= self.q_high_kg and (self.small_quantity_rule or neq_kg >= self.q_low_kg)

    def raw(self, neq_kg: float) -> float:
        """The formula's value in metres at the NEQ the table is read at (no minimum, no rounding)."""
        return self._raw(self.effective_quantity(neq_kg))

    def tabulated(self, neq_kg: float) -> int:
        """The distance in metres the published table gives for this NEQ."""
        return self._tabulated(self.effective_quantity(neq_kg))

    def formula(self, neq_kg: float) -> float:
        """The formula alone at any NEQ, whether or not the table reaches it."""
        return self._raw(neq_kg)

    def _raw(self, q: float) -> float:
        shape = self.shape
        if shape == "cube":
            return self.k * math.cbrt(q)
        if shape == "root":
            return self.k * math.sqrt(q)
        if shape == "root_then_cube":
            if q < self.breakpoint_kg:
                return self.k_root * math.sqrt(q)
            return max(self.k * math.cbrt(q), self.k_root * math.sqrt(self.breakpoint_kg))
        if shape == "ln_quadratic":
            a, b, c = self.ln
            x = math.log(q)
            return self.scale * (a + b * x + c * x * x)
        raise SafetyError("unknown_function", field="shape", shape=shape)

    def _tabulated(self, q: float) -> int:
        if self.shape == "ln_quadratic":
            a, b, c = self.ln
            x = math.log(q)
            base = math.ceil(a + b * x + c * x * x - EPS)  # the rounded-up D1 or D2 of the table
            value = max(self.floor_m, math.ceil(self.scale * base - EPS))
        else:
            value = round_up(max(float(self.floor_m), self._raw(q)), self.rounding)
        for row_kg, printed in self.printed_floors:
            if q >= row_kg and printed > value:
                value = printed
        return value

    # --- inverse ---------------------------------------------------------------------------

    def max_quantity(self, distance_m: float) -> float:
        """The largest NEQ (kg, to the gram) whose tabulated distance is within ``distance_m``:
        0.0 when even the smallest tabulated quantity needs more, the function's largest
        tabulated NEQ when the distance allows all of it (AASTP-1 Annex B licences write
        250 000 there). One more gram is never allowed below that cap."""
        whole = math.floor(distance_m + EPS)  # tabulated distances are whole metres
        found = self._limits.get(whole)
        if found is None:
            found = self._limits[whole] = self._solve(whole)
        return found

    def max_quantity_uncached(self, distance_m: float) -> float:
        """``max_quantity`` solved afresh every time (for the benchmark's naive side)."""
        return self._solve(math.floor(distance_m + EPS))

    def _solve(self, metres: int) -> float:
        lo, hi = self.q_low_kg, self.q_high_kg
        if self._tabulated(lo) > metres:
            return 0.0
        if self._tabulated(hi) <= metres:
            return hi
        while hi - lo > 1e-6:  # the tabulated distance never decreases with the NEQ: bisect
            mid = (lo + hi) / 2
            if self._tabulated(mid) <= metres:
                lo = mid
            else:
                hi = mid
        grams = math.floor(lo * 1000) / 1000
        while grams + 0.001 <= self.q_high_kg and self._tabulated(max(grams + 0.001, self.q_low_kg)) <= metres:
            grams = grams + 0.001
        return grams

    def forget(self) -> None:
        """Drop the remembered inverses (the benchmark measures a cold start)."""
        self._limits.clear()
