"""The one error the safety engine raises. Bad input and refused rule changes say which field
and why with a stable ``code`` (the UI and the CLI translate codes, never parse messages)."""

from __future__ import annotations


class SafetyError(ValueError):
    """``code``: not_positive, not_finite, not_integer, unknown_division, unknown_group,
    unknown_site_kind, unknown_traffic, unknown_storehouse_type, negative_distance, duplicate_lot,
    above_table, outside_function (input); loosening, label_required, unknown_rule,
    unknown_function, function_range (a State's tightening). ``field`` names the input
    (``neq_kg``, ``compatibility_group``, ``minimum_m[1.1/*/inhabited_building]``...)."""

    def __init__(self, code: str, field: str | None = None, **params: object) -> None:
        detail = ", ".join(f"{k}={v!r}" for k, v in params.items())
        super().__init__(f"{code}" + (f" ({field})" if field else "") + (f": {detail}" if detail else ""))
        self.code = code
        self.field = field
        self.params = params
