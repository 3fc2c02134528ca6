"""A storehouse checked against its contents, and its explosives limit licence.

``check`` answers "is this building as it stands allowed?" with findings; each finding names
the rule (``rule_id`` and ``source``) and the numbers that fired it (``params``), so that an
inspector can redo the reasoning by hand. ``licence`` answers "how much may this building
hold?" per hazard division, each limit naming the exposed site that binds it (the AASTP-1
Annex B explosives limit licence; like the UN SaferGuard ELL tool, each division is taken on
its own, the mixing rules apply when the building is checked).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import NamedTuple

from .aggregation import Aggregate, Triggers, aggregate
from .compatibility import CONDITIONAL, FORBIDDEN
from .divisions import division as parse_division
from .divisions import group as parse_group
from .divisions import positive
from .errors import SafetyError
from .qd import meets
from .ruleset import BASE, RuleSet
from .siting import SITED_DIVISIONS, ExposedSite, SitingRule, storehouse_type

VIOLATION, CONDITION, NOTICE = "violation", "condition", "notice"


@dataclass(frozen=True)
class Lot:
    """One lot in a storehouse: ``quantity`` items of ``neq_per_unit_kg`` each. ``substance``:
    a bulk explosive substance (read in Table 5) rather than an article (Table 6). A division
    given as "1.2" is stored as 1.2.1 or 1.2.2 by the NEQ of one item (above 0.71 kg: 1.2.1).
    ``shaped_charge`` (on a 1.2 lot) and ``high_energy_propellant`` are Table 4's circumstances
    that force a mix to 1.1."""

    lot_id: str
    hazard_division: str
    compatibility_group: str
    neq_per_unit_kg: float
    quantity: int
    expiry: dt.date | None = None
    substance: bool = False
    suspect: bool = False
    shaped_charge: bool = False
    high_energy_propellant: bool = False

    def __post_init__(self) -> None:
        positive(self.neq_per_unit_kg, "neq_per_unit_kg")
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int):
            raise SafetyError("not_integer", field="quantity", value=self.quantity)
        if self.quantity <= 0:
            raise SafetyError("not_positive", field="quantity", value=self.quantity)
        object.__setattr__(self, "hazard_division", parse_division(self.hazard_division, self.neq_per_unit_kg))
        object.__setattr__(self, "compatibility_group", parse_group(self.compatibility_group))

    @property
    def neq_kg(self) -> float:
        return self.neq_per_unit_kg * self.quantity


@dataclass(frozen=True)
class Storehouse:
    """A potential explosion site. ``licensed_limits_kg``: the NEQ per division its licence
    allows (keys "1.1", "1.2.1", "1.2.2", "1.3", "1.4"); ``conditions_met``: the condition codes
    the authority has recorded as satisfied (``T6-2`` segregation, ``T6-4`` NCA decision on G,
    ``T4-3`` test or analogy for HD 1.6 mixes, ``T4-trials``...)."""

    storehouse_id: str
    storehouse_type: str
    lots: tuple[Lot, ...]
    exposed_sites: tuple[ExposedSite, ...] = ()
    licensed_limits_kg: Mapping[str, float] = field(default_factory=dict)
    conditions_met: frozenset[str] = frozenset()
    high_density_confined_13: bool = False

    def __post_init__(self) -> None:
        storehouse_type(self.storehouse_type)
        seen: set[str] = set()
        for lot in self.lots:
            if lot.lot_id in seen:
                raise SafetyError("duplicate_lot", field="lots", lot_id=lot.lot_id)
            seen.add(lot.lot_id)
        for hd, limit in self.licensed_limits_kg.items():
            if hd not in (*SITED_DIVISIONS, "1.4"):
                raise SafetyError("unknown_division", field="licensed_limits_kg", value=hd)
            if not limit >= 0:
                raise SafetyError("not_positive", field="licensed_limits_kg", value=limit, division=hd)


@dataclass(frozen=True)
class Finding:
    """What a check found: ``code`` (what), ``rule_id`` and ``source`` (which rule, where it is
    written), ``params`` (the numbers and names that fired it), ``severity`` (violation,
    condition: allowed once the condition is recorded as met, notice)."""

    code: str
    rule_id: str
    source: str
    params: dict[str, object]
    severity: str = VIOLATION


@dataclass(frozen=True)
class Limit:
    """The largest NEQ of one division the distances allow, and the exposed site binding it
    (None when no site binds: the table's top, 250,000 kg)."""

    hd: str
    limit_kg: float
    binding_site: str | None = None
    rule_id: str | None = None
    function: str | None = None
    distance_m: float | None = None
    source: str | None = None


class LicenceEntry(NamedTuple):
    """One cell of the licence's matrix: an exposed site, a division, the function that governs
    and the largest NEQ that site allows on its own (a tuple: a licence has sites × 4 of them)."""

    site: str
    hd: str
    distance_m: float
    rule_id: str
    function: str | None
    max_neq_kg: float


@dataclass(frozen=True)
class Licence:
    storehouse_id: str
    ruleset_version: str
    limits: dict[str, Limit]
    entries: tuple[LicenceEntry, ...]


def contents_aggregate(store: Storehouse) -> Aggregate:
    """How the storehouse's contents are sited (AASTP-1 Table 4): the division they are treated
    as and their aggregated NEQ."""
    by_division: dict[str, float] = {}
    largest_121 = 0.0
    for lot in store.lots:
        hd = lot.hazard_division
        by_division[hd] = by_division.get(hd, 0.0) + lot.neq_kg
        if hd == "1.2.1":
            largest_121 = max(largest_121, lot.neq_per_unit_kg)
    triggers = Triggers(
        shaped_charges_12=any(lot.shaped_charge and lot.hazard_division.startswith("1.2") for lot in store.lots),
        high_energy_propellant=any(lot.high_energy_propellant for lot in store.lots),
        high_density_confined_13=store.high_density_confined_13 and "1.3" in by_division,
        largest_121_item_kg=largest_121,
    )
    return aggregate(by_division, triggers=triggers, evidence=store.conditions_met)


def _limit(store: Storehouse, hd: str, rules: RuleSet) -> Limit:
    """The licence figure of one division: the smallest over the exposed sites of the largest NEQ
    each allows. The allowed NEQ never decreases with the distance, so only the nearest site of
    each kind needs its inverse solved."""
    nearest: dict[str, ExposedSite] = {}
    for site in store.exposed_sites:
        found = nearest.get(site.target)
        if found is None or site.distance_m < found.distance_m:
            nearest[site.target] = site
    best = Limit(hd, rules.table_top_kg)
    for target, site in nearest.items():
        rule = rules.rule(hd, store.storehouse_type, target)
        allowed = rule.max_quantity(site.distance_m, rules.functions, rules.multiplier, rules.table_top_kg)
        if allowed < best.limit_kg:
            best = Limit(hd, allowed, site.name, rule.rule_id, rule.function, site.distance_m, rule.source)
    return best


def licence(store: Storehouse, rules: RuleSet = BASE) -> Licence:
    """The explosives limit licence: per division (1.1, 1.2.1, 1.2.2, 1.3) the largest NEQ the
    distances to the exposed sites allow, rounded down to the gram, and the binding site. HD 1.4
    has no NEQ-dependent limit (AASTP-1 §1.3.1.7: fire regulations; the licence states physical
    capacity); 1.5 is licensed as 1.1; HD 1.6 is not covered."""
    limits = {hd: _limit(store, hd, rules) for hd in SITED_DIVISIONS}
    entries = []
    for site in store.exposed_sites:
        for hd in SITED_DIVISIONS:
            rule = rules.rule(hd, store.storehouse_type, site)
            allowed = rule.max_quantity(site.distance_m, rules.functions, rules.multiplier, rules.table_top_kg)
            entries.append(LicenceEntry(site.name, hd, site.distance_m, rule.rule_id, rule.function, allowed))
    return Licence(store.storehouse_id, rules.version, limits, tuple(entries))


def _compatibility_findings(store: Storehouse, rules: RuleSet) -> list[Finding]:
    found = []
    classes: dict[tuple[str, bool], list[str]] = {}
    for lot in store.lots:
        classes.setdefault((lot.compatibility_group, lot.substance), []).append(lot.lot_id)
    keys = sorted(classes)
    pairs = [(k, k) for k in keys if len(classes[k]) > 1] + list(combinations(keys, 2))
    for (group_a, sub_a), (group_b, sub_b) in pairs:
        answer = rules.compatibility(group_a, group_b, substance_a=sub_a, substance_b=sub_b)
        lots_a, lots_b = classes[(group_a, sub_a)], classes[(group_b, sub_b)]
        params: dict[str, object] = {"group_a": group_a, "group_b": group_b, "lots_a": tuple(lots_a),
                                     "lots_b": tuple(lots_b), "cell": answer.cell}
        if answer.verdict == FORBIDDEN:
            found.append(Finding("incompatible", answer.rule_id, answer.source, {**params, "why": answer.text}))
        elif answer.verdict == CONDITIONAL and answer.condition not in store.conditions_met:
            found.append(Finding("compatibility_condition", answer.rule_id, answer.source,
                                 {**params, "condition": answer.condition, "text": answer.text}, CONDITION))
    return found


def required_distances(store: Storehouse, rules: RuleSet = BASE,
                       mix: Aggregate | None = None) -> list[tuple[ExposedSite, float, SitingRule]]:
    """The distance each exposed site needs from ``store`` as it is filled, with the rule that
    sets it (the greatest over the treatments of a 1.2/1.3 mix). Empty when nothing held has a
    NEQ-dependent distance (only 1.4, HD 1.6, or above the tables: ``check`` says which).
    One entry per site, in the order given.

    One required distance per kind of exposed site, then every site is given it: the functions
    are evaluated once per building, not once per site."""
    mix = mix or contents_aggregate(store)
    if mix.treatment in ("none", "1.4", "1.6") or mix.neq_kg > rules.table_top_kg:
        return []
    by_target: dict[str, tuple[float, SitingRule]] = {}
    found = []
    for site in store.exposed_sites:
        target = site.target
        if target not in by_target:
            candidates = [rules.rule(hd, store.storehouse_type, target) for hd in mix.treatments]
            by_target[target] = max(((r.required(mix.neq_kg, rules.functions, rules.multiplier), r)
                                     for r in candidates), key=lambda pair: pair[0])
        found.append((site, *by_target[target]))
    return found


def check(store: Storehouse, today: dt.date, rules: RuleSet = BASE) -> list[Finding]:
    """Every finding for ``store`` as it stands on ``today``: expired lots, suspect lots not
    isolated, incompatible groups (and unmet conditions), the aggregated NEQ above the limit
    the distances allow and above the licence, exposed sites closer than required."""
    findings: list[Finding] = []
    for lot in store.lots:
        if lot.expiry is not None and lot.expiry < today:
            findings.append(Finding("expired_lot", "STORE expiry", "Lot expiry date recorded by the holding agency",
                                    {"lot": lot.lot_id, "expiry": lot.expiry.isoformat(), "today": today.isoformat(),
                                     "days_past": (today - lot.expiry).days}))
    suspects = [lot.lot_id for lot in store.lots if lot.suspect]
    if suspects and len(store.lots) > 1:
        findings.append(Finding("suspect_not_isolated", "AASTP-1 1.2.3.4", rules.sources["suspect"],
                                {"suspect_lots": tuple(suspects), "lots_in_building": len(store.lots)}))
    findings.extend(_compatibility_findings(store, rules))

    mix = contents_aggregate(store)
    base = {"treatment": mix.treatment, "neq_kg": round(mix.neq_kg, 3), "aggregation": mix.rule_id}
    held = {hd: mix.neq_kg for hd in mix.treatments}
    held_14 = mix.neq_kg if mix.treatment == "1.4" else mix.excluded_14_kg
    if held_14:
        held["1.4"] = held_14
    for hd, kg in held.items():
        licensed = store.licensed_limits_kg.get(hd)
        if licensed is not None and kg > licensed:
            findings.append(Finding("quantity_above_licence", f"LICENCE {store.storehouse_id} {hd}",
                                    "The storehouse's explosives limit licence",
                                    {**base, "division": hd, "held_kg": round(kg, 3), "licensed_kg": licensed}))
    if mix.treatment in ("none", "1.4"):
        return findings
    if mix.treatment == "1.6":
        findings.append(Finding("qd_unassessed", "AASTP-1 Annex A Table 4 (HD 1.6)",
                                "HD 1.6N distances (fixed, per unit NEQ) are not in this engine",
                                {**base, "reasons": mix.reasons}, NOTICE))
        return findings
    if mix.neq_kg > rules.table_top_kg:
        findings.append(Finding("above_table", "AASTP-1 Annex A", rules.sources["A1"],
                                {**base, "largest_tabulated_kg": rules.table_top_kg}))
        return findings

    for site, required, rule in required_distances(store, rules, mix):
        if not meets(site.distance_m, required):
            findings.append(Finding("site_too_close", rule.rule_id, rule.source, {
                **base, "site": site.name, "kind": site.kind, "distance_m": site.distance_m,
                "required_m": required, "division": rule.hd, "function": rule.function,
                "minimum_m": max(rule.minimum_m, rule.fixed_m), "multiplier": rules.multiplier}))

    # The NEQ is above the limit the distances allow exactly when a site is too close (the
    # inverse and the forward distance agree), so the limit is solved only then, to name it.
    if not any(f.code == "site_too_close" for f in findings):
        return findings
    binding = min((_limit(store, hd, rules) for hd in mix.treatments), key=lambda lim: lim.limit_kg)
    if mix.neq_kg > binding.limit_kg:
        findings.append(Finding("quantity_above_qd_limit", binding.rule_id or "AASTP-1 Annex A",
                                binding.source or rules.sources["A1"], {
                                    **base, "limit_kg": binding.limit_kg, "division": binding.hd,
                                    "binding_site": binding.binding_site, "distance_m": binding.distance_m,
                                    "function": binding.function}))
    return findings
