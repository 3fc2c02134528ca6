"""Hazard divisions and compatibility groups as the engine accepts them (AASTP-1 Ed.1 §1.2.1.2
and §1.2.2.3; the UN system IATG 01.50 uses). Input is checked here once, so the rest of the
engine can trust a division string to be one of ``DIVISIONS``."""

from __future__ import annotations

import math

from .errors import SafetyError

# HD 1.2 is split for quantity-distances (AASTP-1 §1.3.1.5 b, c): 1.2.1 projects fragments far,
# 1.2.2 less far. "1.2" is accepted on input and split by the NEQ of one item.
DIVISIONS = ("1.1", "1.2.1", "1.2.2", "1.3", "1.4", "1.5", "1.6")
ACCEPTED = frozenset({*DIVISIONS, "1.2"})
HD12_SPLIT_KG = 0.71  # individual NEQ above which an HE item is HD 1.2.1 (AASTP-1 §1.2.1.2 b 2)
HD121_FORCES_11_KG = 5.0  # 1.2.1 items above this, stored in a mix, aggregate as 1.1 (Table 4 note d)

# Thirteen groups, A-H, J, K, L, N, S (AASTP-1 §1.2.2.2). A is a substance by definition.
GROUPS = frozenset("ABCDEFGHJKLNS")


def division(value: str, neq_per_unit_kg: float | None = None) -> str:
    """The division a lot is stored under; "1.2" becomes 1.2.1 or 1.2.2 by the NEQ of one item
    (an HE item above 0.71 kg is 1.2.1). Without that NEQ, "1.2" is taken as 1.2.1, the one with
    the larger distances."""
    text = str(value).strip()
    if text not in ACCEPTED:
        raise SafetyError("unknown_division", field="hazard_division", value=value)
    if text == "1.2":
        return "1.2.1" if neq_per_unit_kg is None or neq_per_unit_kg > HD12_SPLIT_KG else "1.2.2"
    return text


def group(value: str) -> str:
    text = str(value).strip().upper()
    if text not in GROUPS:
        raise SafetyError("unknown_group", field="compatibility_group", value=value)
    return text


def positive(value: float, field: str) -> float:
    """A quantity that must be a finite number above zero (NaN counts as not positive)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SafetyError("not_positive", field=field, value=value) from None
    if not number > 0:
        raise SafetyError("not_positive", field=field, value=value)
    if math.isinf(number):
        raise SafetyError("not_finite", field=field, value=value)
    return number
