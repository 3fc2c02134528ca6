"""The rules in force, as one value: the version and sources of every table, the distance
functions, the siting rules, and what a State has made stricter.

Why a value and not settings: a check or a licence must say which rules it applied, and a
State's own rules must never be looser than the standard. ``RuleSet.tightened`` returns a new
rule set and refuses (code ``loosening``) any change that would allow more: a multiplier below
the current one, a smaller minimum distance, a function giving a shorter distance anywhere,
permitting a pair of compatibility groups the tables do not permit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from . import aggregation, compatibility
from .annex_a import FUNCTIONS, TABLE_OF
from .compatibility import PERMITTED, Compatibility, base_compatibility, pair_key, state_forbidden
from .divisions import group as parse_group
from .errors import SafetyError
from .qd import TABLE_TOP_KG, DistanceFunction
from .siting import ExposedSite, SitingRule, base_rules, storehouse_type

BASE_VERSION = "AASTP-1 Ed.1 (May 2006) v1 / IATG 02.20 (2021) not yet diffed"
SOURCES = {
    "T4": aggregation.SOURCE,
    "T5": compatibility.T5,
    "T6": compatibility.T6,
    "A1": "AASTP-1 Ed.1 Part II Annex A Table 1 (HD 1.1, D1-D17)",
    "A2": "AASTP-1 Ed.1 Part II Annex A Table 2 (HD 1.2, D1-D6)",
    "A3": "AASTP-1 Ed.1 Part II Annex A Tables 3A/3B (HD 1.3, D1-D4)",
    "B": "AASTP-1 Ed.1 Annex B worked explosives limit licences (Tables B-I, B-II, Figures B-II to B-IV)",
    "suspect": "AASTP-1 Ed.1 §1.2.3.4: suspect ammunition is not stored with any other",
    "small": "AASTP-1 Ed.1 §1.3.1.1 b (tables from 500 kg) and research note 02 §2.1 (smallest tabulated distance "
             "below the tables)",
    "transcription": "research note 02 §0: AASTP-1 Ed.1 as transcribed in GitHub tatabey/GraduationProject "
                     "(semantic_units.json, text_chunks.json, Table6_Context.txt)",
    "IATG": "IATG 01.50 §7.1 and IATG 02.20 (3rd ed., 2021) derive from AASTP-1; constants not yet diffed",
}


def _matches(pattern: str, rule_id: str) -> bool:
    want = pattern.split("/")
    have = rule_id.split("/")
    return len(want) == 3 and all(w in ("*", h) for w, h in zip(want, have, strict=True))


def _never_shorter(new: DistanceFunction, old: DistanceFunction) -> bool:
    """Whether ``new`` gives at least the distance ``old`` gives at every NEQ ``old`` covers."""
    low, high = old.q_low_kg, old.q_high_kg
    points = [low * (high / low) ** (i / 400) for i in range(401)]
    return all(new.tabulated(q) >= old.tabulated(q) for q in points)


@dataclass(frozen=True)
class RuleSet:
    version: str
    sources: Mapping[str, str]
    functions: Mapping[str, DistanceFunction]
    rules: Mapping[tuple[str, str, str], SitingRule]
    multiplier: float = 1.0
    forbidden_pairs: frozenset[frozenset[str]] = frozenset()
    amendments: tuple[str, ...] = ()
    table_top_kg: float = TABLE_TOP_KG
    _pairs: dict[tuple[str, str, bool, bool], Compatibility] = field(default_factory=dict, compare=False,
                                                                      repr=False)

    # --- reading -----------------------------------------------------------------------------

    def compatibility(self, group_a: str, group_b: str, *, substance_a: bool = False,
                      substance_b: bool = False) -> Compatibility:
        key = (group_a, group_b, substance_a, substance_b)
        found = self._pairs.get(key)
        if found is None:
            if pair_key(group_a, group_b) in self.forbidden_pairs:
                found = state_forbidden(parse_group(group_a), parse_group(group_b), self.version)
            else:
                found = base_compatibility(group_a, group_b, substance_a=substance_a, substance_b=substance_b)
            self._pairs[key] = found
        return found

    def rule(self, hd: str, pes: str, site: ExposedSite | str) -> SitingRule:
        target = site.target if isinstance(site, ExposedSite) else site
        try:
            return self.rules[(hd, pes, target)]
        except KeyError:
            storehouse_type(pes)
            raise SafetyError("unknown_rule", field="hazard_division", hd=hd, target=target) from None

    def required_m(self, hd: str, pes: str, site: ExposedSite | str, neq_kg: float) -> float:
        return self.rule(hd, pes, site).required(neq_kg, self.functions, self.multiplier)

    def max_quantity(self, hd: str, pes: str, site: ExposedSite) -> float:
        return self.rule(hd, pes, site).max_quantity(site.distance_m, self.functions, self.multiplier,
                                                     self.table_top_kg)

    def forget(self) -> None:
        """Drop remembered answers (inverse distances, compatibility pairs)."""
        self._pairs.clear()
        for function in self.functions.values():
            function.forget()

    # --- tightening --------------------------------------------------------------------------

    def tightened(self, label: str, *, multiplier: float | None = None, minimum_m: Mapping[str, float] | None = None,
                  functions: Mapping[str, str] | None = None, forbid_pairs: Iterable[tuple[str, str]] = (),
                  permit_pairs: Iterable[tuple[str, str]] = ()) -> RuleSet:
        """A stricter rule set, labelled (``"CO Res. 2026-14"``). Rule patterns are rule ids
        ``hd/pes/target`` where any part may be ``*`` (``"1.1/*/inhabited_building"``).

        - ``multiplier``: every required distance is multiplied by it; at least the current one;
        - ``minimum_m``: a fixed minimum distance per rule pattern; at least the current one;
        - ``functions``: another function of the same table (``"D12"``) that never gives less;
        - ``forbid_pairs``: compatibility pairs the State does not allow in one building;
        - ``permit_pairs``: refused unless the tables already permit the pair (kept so that an
          attempt to permit is an error, not silence)."""
        if not str(label).strip():
            raise SafetyError("label_required", field="label")
        changes: list[str] = []
        rules = dict(self.rules)
        new_multiplier = self.multiplier
        if multiplier is not None:
            if not math.isfinite(multiplier) or multiplier < self.multiplier:
                raise SafetyError("loosening", field="multiplier", value=multiplier, current=self.multiplier)
            new_multiplier = float(multiplier)
            changes.append(f"distances × {new_multiplier:g}")
        for pattern, metres in (minimum_m or {}).items():
            matched = [key for key, r in rules.items() if _matches(pattern, r.rule_id)]
            if not matched:
                raise SafetyError("unknown_rule", field=f"minimum_m[{pattern}]")
            for key in matched:
                current = rules[key]
                if not math.isfinite(metres) or metres < current.minimum_m:
                    raise SafetyError("loosening", field=f"minimum_m[{pattern}]", value=metres,
                                      current=current.minimum_m, rule_id=current.rule_id)
                rules[key] = replace(current, minimum_m=float(metres), status=f"{current.status}; tightened",
                                     source=f"{current.source}; {label}: minimum {metres:g} m")
            changes.append(f"minimum {metres:g} m for {pattern}")
        for pattern, name in (functions or {}).items():
            matched = [key for key, r in rules.items() if _matches(pattern, r.rule_id)]
            if not matched:
                raise SafetyError("unknown_rule", field=f"functions[{pattern}]")
            for key in matched:
                current = rules[key]
                fn_key = f"{TABLE_OF[current.hd]}/{name}"
                if fn_key not in self.functions:
                    raise SafetyError("unknown_function", field=f"functions[{pattern}]", value=name,
                                      table=TABLE_OF[current.hd])
                new = self.functions[fn_key]
                if current.function is not None:
                    old = self.functions[current.function]
                    if new.q_low_kg > old.q_low_kg or new.q_high_kg < old.q_high_kg:
                        raise SafetyError("function_range", field=f"functions[{pattern}]", value=name,
                                          current=current.function)
                    if not _never_shorter(new, old):
                        raise SafetyError("loosening", field=f"functions[{pattern}]", value=name,
                                          current=current.function, rule_id=current.rule_id)
                rules[key] = replace(current, function=fn_key, status=f"{current.status}; tightened",
                                     source=f"{current.source}; {label}: {name}")
            changes.append(f"{name} for {pattern}")
        forbidden = set(self.forbidden_pairs)
        for a, b in forbid_pairs:
            forbidden.add(pair_key(a, b))
            changes.append(f"{parse_group(a)} with {parse_group(b)} forbidden")
        for a, b in permit_pairs:
            if self.compatibility(a, b).verdict != PERMITTED:
                raise SafetyError("loosening", field="permit_pairs", value=(a, b),
                                  current=self.compatibility(a, b).verdict)
        return replace(self, version=f"{self.version} + {label}", rules=rules, multiplier=new_multiplier,
                       forbidden_pairs=frozenset(forbidden), amendments=(*self.amendments, *changes), _pairs={})


def base_ruleset() -> RuleSet:
    return RuleSet(version=BASE_VERSION, sources=dict(SOURCES), functions=FUNCTIONS, rules=base_rules())


BASE = base_ruleset()
