"""``qd_report``: the distances of one hazard division and NEQ, in the shape the CLI prints."""

from __future__ import annotations

from typing import Any

from .annex_a import TABLE_OF
from .divisions import ACCEPTED, positive
from .errors import SafetyError
from .ruleset import BASE, RuleSet

# The inhabited-building and public-traffic-route functions where one function is the answer:
# HD 1.1 Table 1 rows 20 and 19 (D13, D11 for low-density traffic; D13 also for high density),
# HD 1.3 Table 3A rows 20 and 19 (D4, D3). HD 1.2 has none: the distance depends on the PES
# (none for an earth-covered one in the right orientation) and on 1.2.1 or 1.2.2.
EXTERIOR = {"1.1": ("D13", "D11"), "1.3": ("D4", "D3")}


def qd_report(hd: str, neq_kg: float, rules: RuleSet = BASE) -> dict[str, Any]:
    """``{"hd", "neq_kg", "functions": {"D1": {"raw", "table"}, ...}, "ibd_m", "ptrd_m"}``.

    ``raw``: the formula in metres (two decimals) at the NEQ the table is read at, which below
    the table's smallest NEQ (500 kg; 10 kg for HD 1.2) is that smallest NEQ; ``table``: the published table's value, or
    None where the function is not tabulated at this NEQ (D1, D2, D14-D17 cover part of the
    range). ``ibd_m``/``ptrd_m``: the table functions alone (D13/D11, D4/D3), before the
    minimum a PES type adds (400 m, 270 m, 240 m...) and before any State tightening, which the
    siting check applies. HD 1.4 and 1.6 have no functions here; HD 1.5 is read as 1.1.
    Raises ``not_positive``, ``not_finite``, ``unknown_division``, ``above_table`` (over 250,000 kg)."""
    if hd not in ACCEPTED:
        raise SafetyError("unknown_division", field="hazard_division", value=hd)
    neq = positive(neq_kg, "neq_kg")
    if neq > rules.table_top_kg:
        raise SafetyError("above_table", field="neq_kg", neq_kg=neq, largest_kg=rules.table_top_kg)
    table = TABLE_OF.get(hd)
    functions: dict[str, dict[str, Any]] = {}
    if table is not None:
        own = [fn for fn in rules.functions.values() if fn.table == table]
        bottom = min(fn.q_low_kg for fn in own)
        for fn in own:
            if fn.covers(neq):
                functions[fn.name] = {"raw": round(fn.raw(neq), 2), "table": fn.tabulated(neq)}
            else:  # not tabulated here: the formula alone, for information
                functions[fn.name] = {"raw": round(fn.formula(max(neq, bottom)), 2), "table": None}
    ibd = ptrd = None
    if table in EXTERIOR:
        ibd_fn, ptrd_fn = EXTERIOR[table]
        ibd, ptrd = functions[ibd_fn]["table"], functions[ptrd_fn]["table"]
    return {"hd": hd, "neq_kg": neq, "functions": functions, "ibd_m": ibd, "ptrd_m": ptrd}
