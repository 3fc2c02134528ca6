"""From the database to the explosive-safety engine and back: what a storehouse holds (the
ledger's balances), how far each exposed site is, the State's own rules, and the engine's
answers turned into sentences a person can check.

- A storehouse becomes the engine's ``Storehouse``: its lots (one engine ``Lot`` per ammunition
  lot it holds, a suspended lot counting as suspect), its licensed limits and the conditions
  recorded as met, and its exposed sites: the facility's exposed sites and the facility's other
  storehouses in use (as sites of kind "storehouse" with their type).
- The distance to an exposed site is the one measured on the ground when it is recorded, else
  the great-circle distance between the coordinates (haversine). A site with neither is not
  skipped: it is reported as a ``no_distance`` finding.
- A State's ``SafetyRules`` tighten the base rule set (``RuleSet.tightened``); the engine refuses
  a loosening.

Reads only, in the caller's scope; ``services_safety`` writes (and audits) what needs writing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cifta.core.errors import ServiceError
from cifta.stockpile import ledger
from cifta.stockpile.models import AmmunitionLot, ExposedSite, Facility, MeasuredDistance, SafetyRules, Storehouse
from cifta.stockpile.safety import BASE, GREATEST, Finding, Licence, Lot, RuleSet, SafetyError, contents_aggregate
from cifta.stockpile.safety import ExposedSite as EngineSite
from cifta.stockpile.safety import Storehouse as EngineStorehouse
from cifta.stockpile.safety import check as engine_check
from cifta.stockpile.safety import licence as engine_licence
from cifta.stockpile.safety import required_distances as engine_required
from cifta.stockpile.safety.check import CONDITION, NOTICE, VIOLATION
from cifta.stockpile.safety.qd import meets

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG); the error is far below a metre at a facility's scale
SEVERITIES = (VIOLATION, CONDITION, NOTICE)
# Codes the bridge adds to the engine's: input the engine could not be given.
NO_DISTANCE, INVALID_LOT, INVALID_SITE = "no_distance", "invalid_lot", "invalid_site"
BRIDGE_SOURCE = "cifta: facility records (coordinates, measured distances, lots)"
TIGHTENING_KEYS = ("multiplier", "minimum_m", "functions", "forbid_pairs", "permit_pairs")
# The rings drawn on the map: the inhabited-building distance and the public-traffic-route
# distance (a minor route, as in the qd report's ``ptrd_m``).
RING_SITES = (EngineSite("ibd", "inhabited_building", 0.0),
              EngineSite("ptrd", "public_traffic_route", 0.0, traffic="light"))

SEVERITY_LABELS = {VIOLATION: gettext_lazy("violation"), CONDITION: gettext_lazy("condition not met"),
                   NOTICE: gettext_lazy("notice")}
# The conditions the engine asks to be recorded as met (docs/users/safety-engine.md).
CONDITION_LABELS = {
    "T6-1": gettext_lazy("T6-1: group B fuzes stored with the articles they will be fitted to"),
    "T6-2": gettext_lazy("T6-2: group F with C, D or E effectively segregated against propagation"),
    "T6-3": gettext_lazy("T6-3: group L articles of the same type only"),
    "T6-4": gettext_lazy("T6-4: group G with C, D, E or F allowed by the national competent authority"),
    "T6-5": gettext_lazy("T6-5: group N with C, D or E, treated as D"),
    "T6-6": gettext_lazy("T6-6: group N of one family, or families shown not to propagate"),
    "T6-7": gettext_lazy("T6-7: group N with S treated as N"),
    "T5-1": gettext_lazy("T5-1: C and D substances all passed UN Test Series 3"),
    "T5-2": gettext_lazy("T5-2: group L substances each stored apart"),
    "T5-3": gettext_lazy("T5-3: group G substances with C or D allowed by the national competent authority"),
    "T4-3": gettext_lazy("T4-3: HD 1.6 mix shown by test or analogy"),
    "T4-trials": gettext_lazy("T4-trials: trials or analysis lift the forced 1.1 aggregation"),
}


# --- distances ---------------------------------------------------------------------------------
def haversine_m(lat1: float | Decimal, lon1: float | Decimal, lat2: float | Decimal, lon2: float | Decimal) -> float:
    """The great-circle distance in metres between two points given in decimal degrees."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def computed_distance_m(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> float:
    """The distance from coordinates as the check uses it: rounded down to the decimetre (a
    measured distance is recorded to the decimetre too), so rounding never passes a site."""
    return math.floor(haversine_m(lat1, lon1, lat2, lon2) * 10) / 10


def local_xy(lat: float | Decimal, lon: float | Decimal, lat0: float | Decimal, lon0: float | Decimal
             ) -> tuple[float, float]:
    """Metres east and north of (lat0, lon0): an equirectangular projection, exact enough
    within a few kilometres of the origin."""
    x = math.radians(float(lon) - float(lon0)) * math.cos(math.radians(float(lat0))) * EARTH_RADIUS_M
    y = math.radians(float(lat) - float(lat0)) * EARTH_RADIUS_M
    return x, y


# --- national rules ----------------------------------------------------------------------------
def _number(value: Any, field_name: str) -> float:
    if isinstance(value, bool):
        raise ServiceError(_("Give a number."), field=field_name)
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ServiceError(_("Give a number."), field=field_name) from exc
    if not math.isfinite(number):
        raise ServiceError(_("Give a finite number."), field=field_name)
    return number


def _pairs(value: Any, field_name: str) -> list[list[str]]:
    if value in (None, ""):
        return []
    if not isinstance(value, (list, tuple)):
        raise ServiceError(_("Give a list of pairs of compatibility groups."), field=field_name)
    pairs = []
    for pair in value:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not all(isinstance(g, str) for g in pair):
            raise ServiceError(_("Each pair is two compatibility groups, such as [\"C\", \"G\"]."), field=field_name)
        pairs.append([pair[0].strip().upper(), pair[1].strip().upper()])
    return pairs


def clean_tightenings(raw: Any) -> dict[str, Any]:
    """The stored form of a State's tightenings, with the types ``RuleSet.tightened`` takes.
    Only the shape is checked here; the engine decides what is a loosening."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, Mapping):
        raise ServiceError(_("Give the tightenings as an object."), field="tightenings")
    unknown = sorted(set(raw) - set(TIGHTENING_KEYS))
    if unknown:
        raise ServiceError(_("Unknown tightening %(key)s (give %(keys)s).") % {
            "key": unknown[0], "keys": ", ".join(TIGHTENING_KEYS)}, field="tightenings")
    clean: dict[str, Any] = {}
    if raw.get("multiplier") not in (None, ""):
        clean["multiplier"] = _number(raw["multiplier"], "multiplier")
    for key in ("minimum_m", "functions"):
        given = raw.get(key)
        if given is None or given == "":
            continue
        if not isinstance(given, Mapping):
            raise ServiceError(_("Give an object of rule patterns."), field=key)
        values: dict[str, Any] = {}
        for pattern, value in given.items():
            name = f"{key}[{pattern}]"
            pattern = str(pattern).strip()
            if key == "minimum_m":
                values[pattern] = _number(value, name)
            else:
                if not isinstance(value, str) or not value.strip():
                    raise ServiceError(_("Give the name of a distance function, such as D12."), field=name)
                values[pattern] = value.strip().upper()
        if values:
            clean[key] = values
    for key in ("forbid_pairs", "permit_pairs"):
        pairs = _pairs(raw.get(key), key)
        if pairs:
            clean[key] = pairs
    return clean


def tightened(label: str, tightenings: Mapping[str, Any], base: RuleSet = BASE) -> RuleSet:
    """The base rule set tightened by a State; a refusal of the engine is a ServiceError
    naming the field (``multiplier``, ``minimum_m[1.1/*/inhabited_building]``...)."""
    clean = clean_tightenings(tightenings)
    kwargs: dict[str, Any] = dict(clean)
    for key in ("forbid_pairs", "permit_pairs"):
        if key in kwargs:
            kwargs[key] = [tuple(pair) for pair in kwargs[key]]
    try:
        return base.tightened(label, **kwargs)
    except SafetyError as exc:
        raise safety_service_error(exc) from exc


def rules_for(country_id: int | None) -> RuleSet:
    """The rule set in force for a State: the base one, tightened by its own rules if any."""
    record = SafetyRules.objects.filter(country_id=country_id).first() if country_id is not None else None
    if record is None:
        return BASE
    return tightened(record.label, record.tightenings or {})


# --- the check of storehouses ------------------------------------------------------------------
@dataclass(frozen=True)
class HeldLot:
    lot: AmmunitionLot
    quantity: int

    @property
    def neq_kg(self) -> float:
        return float(self.lot.neq_per_unit_kg) * self.quantity


@dataclass(frozen=True)
class RequiredDistance:
    """One exposed site of a storehouse: how far it is (measured, or from the coordinates),
    how far it must be for what the storehouse holds, and the rule that says so."""

    site: str
    kind: str
    distance_m: float
    measured: bool
    required_m: float
    rule_id: str
    function: str | None
    source: str

    @property
    def meets(self) -> bool:
        return meets(self.distance_m, self.required_m)


@dataclass
class StorehouseCheck:
    """What the check of one storehouse found, its explosives limit licence and the distance
    each exposed site needs. ``error``: the engine could not be given this storehouse (the
    sentence says why); findings are then empty."""

    storehouse: Storehouse
    findings: list[Finding]
    licence: Licence | None
    required: list[RequiredDistance]
    lots: list[HeldLot]
    ruleset_version: str
    treatment: str = "none"
    neq_kg: float = 0.0
    ibd_m: float | None = None
    ptrd_m: float | None = None
    error: str | None = None
    sites_without_distance: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counted = dict.fromkeys(SEVERITIES, 0)
        for finding in self.findings:
            counted[finding.severity] = counted.get(finding.severity, 0) + 1
        return counted

    @property
    def violations(self) -> int:
        return self.counts[VIOLATION]


def _in_use(store: Storehouse, held: Mapping[int, list[HeldLot]]) -> bool:
    return store.is_active or bool(held.get(store.pk))


def _finding(code: str, params: dict[str, object], severity: str, rule_id: str) -> Finding:
    return Finding(code, rule_id, BRIDGE_SOURCE, params, severity)


def _engine_lots(held: list[HeldLot], extra: list[Finding]) -> list[Lot]:
    lots = []
    for item in held:
        lot = item.lot
        if lot.neq_per_unit_kg == 0 and item.quantity > 0:
            continue  # inert (drill, dummy): no explosive content to site or aggregate
        try:
            lots.append(Lot(lot_id=str(lot), hazard_division=lot.hazard_division,
                            compatibility_group=lot.compatibility_group,
                            neq_per_unit_kg=float(lot.neq_per_unit_kg), quantity=item.quantity,
                            expiry=lot.expiry_date, suspect=lot.condition == AmmunitionLot.Condition.SUSPENDED))
        except SafetyError as exc:
            extra.append(_finding(INVALID_LOT, {"lot": str(lot), "code": exc.code, "field": exc.field,
                                                "value": str(exc.params.get("value", ""))}, VIOLATION, "DATA lot"))
    return lots


@dataclass
class _Facts:
    """Everything the checks of some facilities need, read in a fixed number of queries."""

    stores: dict[int, list[Storehouse]]
    sites: dict[int, list[ExposedSite]]
    measures: dict[tuple[int, int], MeasuredDistance]
    held: dict[int, list[HeldLot]]


def _facts(facility_ids: list[int]) -> _Facts:
    stores: dict[int, list[Storehouse]] = defaultdict(list)
    all_stores = list(Storehouse.objects.filter(facility_id__in=facility_ids).order_by("facility_id", "name"))
    for store in all_stores:
        stores[store.facility_id].append(store)
    sites: dict[int, list[ExposedSite]] = defaultdict(list)
    for site in ExposedSite.objects.filter(facility_id__in=facility_ids).order_by("name", "id"):
        sites[site.facility_id].append(site)
    measures = {(m.storehouse_id, m.site_id): m
                for m in MeasuredDistance.objects.filter(storehouse__facility_id__in=facility_ids)}
    balances = ledger.balances([s.pk for s in all_stores]) if all_stores else {}
    lots = AmmunitionLot.objects.in_bulk({lot_id for (_store, lot_id) in balances})
    held: dict[int, list[HeldLot]] = defaultdict(list)
    for (store_id, lot_id), quantity in sorted(balances.items()):
        held[store_id].append(HeldLot(lots[lot_id], quantity))
    return _Facts(stores, sites, measures, held)


def _check_store(store: Storehouse, facts: _Facts, rules: RuleSet | str, today: Any) -> StorehouseCheck:
    held = facts.held.get(store.pk, [])
    if isinstance(rules, str):  # the State's rules cannot be applied: nothing is checked
        return StorehouseCheck(store, [], None, [], held, "", error=rules)
    extra: list[Finding] = []
    lots = _engine_lots(held, extra)
    result = StorehouseCheck(store, [], None, [], held, rules.version)
    engine_sites: list[tuple[EngineSite, bool]] = []
    for site in facts.sites.get(store.facility_id, []):
        measure = facts.measures.get((store.pk, site.pk))
        if measure is not None:
            distance, measured = float(measure.distance_m), True
        elif site.latitude is not None and site.longitude is not None:
            distance = computed_distance_m(store.latitude, store.longitude, site.latitude, site.longitude)
            measured = False
        else:
            result.sites_without_distance.append(site.name)
            extra.append(_finding(NO_DISTANCE, {"site": site.name, "kind": site.kind}, NOTICE, "DATA distance"))
            continue
        try:
            engine_sites.append((EngineSite(site.name, site.kind, distance, traffic=site.traffic or None), measured))
        except SafetyError as exc:
            extra.append(_finding(INVALID_SITE, {"site": site.name, "code": exc.code, "field": exc.field,
                                                 "value": str(exc.params.get("value", ""))}, VIOLATION, "DATA site"))
    for other in facts.stores.get(store.facility_id, []):
        if other.pk == store.pk or not _in_use(other, facts.held):
            continue
        distance = computed_distance_m(store.latitude, store.longitude, other.latitude, other.longitude)
        engine_sites.append((EngineSite(other.name, "storehouse", distance, storehouse_type=other.kind), False))
    try:
        conditions = frozenset(store.conditions_met or ())
        engine_store = EngineStorehouse(
            storehouse_id=store.name, storehouse_type=store.kind, lots=tuple(lots),
            exposed_sites=tuple(site for site, _measured in engine_sites),
            licensed_limits_kg={hd: float(kg) for hd, kg in (store.licensed_limits_kg or {}).items()},
            conditions_met=conditions)
        findings = engine_check(engine_store, today, rules)
        result.licence = engine_licence(engine_store, rules)
        measured_of = {id(site): measured for site, measured in engine_sites}
        result.required = [
            RequiredDistance(site.name, site.kind, site.distance_m, measured_of[id(site)], required, rule.rule_id,
                             rule.function, rule.source)
            for site, required, rule in engine_required(engine_store, rules)]
        mix = contents_aggregate(engine_store)
        result.treatment, result.neq_kg = mix.treatment, mix.neq_kg
        for ring, required, _rule in engine_required(replace(engine_store, exposed_sites=RING_SITES), rules):
            if ring.name == "ibd":
                result.ibd_m = required
            else:
                result.ptrd_m = required
    except SafetyError as exc:
        result.error = error_text(exc)
        findings = []
    order = {severity: n for n, severity in enumerate(SEVERITIES)}
    result.findings = sorted([*findings, *extra], key=lambda f: order.get(f.severity, len(order)))
    return result


def check_facilities(facilities: Iterable[Facility], today: Any) -> dict[int, list[StorehouseCheck]]:
    """Facility id -> the check of each of its storehouses in use (active, or still holding
    something), in a fixed number of queries whatever the number of facilities."""
    chosen = list(facilities)
    facts = _facts([f.pk for f in chosen])
    rules: dict[int, RuleSet | str] = {}
    found: dict[int, list[StorehouseCheck]] = {}
    for facility in chosen:
        if facility.country_id not in rules:
            rules[facility.country_id] = _rules_or_reason(facility.country_id)
        found[facility.pk] = [_check_store(store, facts, rules[facility.country_id], today)
                              for store in facts.stores.get(facility.pk, []) if _in_use(store, facts.held)]
    return found


def check_facility(facility: Facility, today: Any) -> list[StorehouseCheck]:
    return check_facilities([facility], today)[facility.pk]


def check_storehouse(store: Storehouse, today: Any) -> StorehouseCheck:
    """One storehouse, with the facility's exposed sites and other storehouses around it."""
    facts = _facts([store.facility_id])
    stored = next((s for s in facts.stores.get(store.facility_id, []) if s.pk == store.pk), store)
    return _check_store(stored, facts, _rules_or_reason(store.country_id), today)


def _rules_or_reason(country_id: int) -> RuleSet | str:
    """The State's rule set, or why it cannot be built (each storehouse then says so)."""
    try:
        return rules_for(country_id)
    except ServiceError as exc:
        return _("The national safety rules are refused: %(reason)s") % {"reason": exc}


def ruleset_version(country_id: int) -> str:
    found = _rules_or_reason(country_id)
    return found if isinstance(found, str) else found.version


def counts(checks: Iterable[StorehouseCheck]) -> dict[str, int]:
    """Findings per severity over several storehouses, and how many could not be checked."""
    total = {**dict.fromkeys(SEVERITIES, 0), "errors": 0}
    for c in checks:
        for severity, n in c.counts.items():
            total[severity] = total.get(severity, 0) + n
        total["errors"] += bool(c.error)
    return total


# --- the map -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class MapPoint:
    """A storehouse or an exposed site, ``x``/``y`` metres east/north of the facility."""

    name: str
    role: str  # "storehouse" or "site"
    kind: str
    kind_label: str
    x: float
    y: float
    flagged: bool = False


@dataclass(frozen=True)
class MapRing:
    storehouse: str
    x: float
    y: float
    radius_m: float
    what: str  # "ibd" or "ptrd"
    treatment: str


@dataclass
class FacilityMap:
    facility: Facility
    points: list[MapPoint]
    rings: list[MapRing]
    unplaced: list[str]  # exposed sites without coordinates

    @property
    def extent_m(self) -> float:
        """Half the side of a square around the facility holding every point and ring."""
        reach = [max(abs(p.x), abs(p.y)) for p in self.points]
        reach += [max(abs(r.x), abs(r.y)) + r.radius_m for r in self.rings]
        return max([50.0, *reach])


def facility_map(facility: Facility, checks: list[StorehouseCheck] | None = None, today: Any = None
                 ) -> FacilityMap:
    """The facility's storehouses and exposed sites in a local metric frame around it, with
    each storehouse's inhabited-building and public-traffic-route distances for what it holds."""
    if checks is None:
        checks = check_facility(facility, today or timezone.localdate())
    lat0, lon0 = facility.latitude, facility.longitude
    too_close = {str(f.params.get("site")) for c in checks for f in c.findings if f.code == "site_too_close"}
    points, rings = [], []
    store_labels, site_labels = dict(Storehouse.Kind.choices), dict(ExposedSite.Kind.choices)
    for c in checks:
        store = c.storehouse
        x, y = local_xy(store.latitude, store.longitude, lat0, lon0)
        points.append(MapPoint(store.name, "storehouse", store.kind, str(store_labels.get(store.kind, store.kind)),
                               x, y, c.violations > 0))
        for what, radius in (("ibd", c.ibd_m), ("ptrd", c.ptrd_m)):
            if radius:
                rings.append(MapRing(store.name, x, y, float(radius), what, c.treatment))
    unplaced = []
    for site in ExposedSite.objects.filter(facility=facility).order_by("name", "id"):
        if site.latitude is None or site.longitude is None:
            unplaced.append(site.name)
            continue
        x, y = local_xy(site.latitude, site.longitude, lat0, lon0)
        points.append(MapPoint(site.name, "site", site.kind, str(site_labels.get(site.kind, site.kind)), x, y,
                               site.name in too_close))
    return FacilityMap(facility, points, rings, unplaced)


# --- sentences ---------------------------------------------------------------------------------
def _num(value: Any, decimals: int = 3) -> str:
    """A number in the active locale, with no more decimals than it needs (at most ``decimals``)."""
    if value is None:
        return "—"
    number = round(float(value), decimals)
    places = 0
    while places < decimals and round(number, places) != number:
        places += 1
    return number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


def _list(values: Any) -> str:
    if isinstance(values, (list, tuple)):
        return ", ".join(str(v) for v in values)
    return str(values)


def treatment_label(treatment: str) -> str:
    if treatment == GREATEST:
        return _("the greatest distance of 1.1, 1.2.1, 1.2.2 and 1.3")
    if treatment == "none":
        return _("nothing held")
    return _("HD %(hd)s") % {"hd": treatment}


def function_label(function: Any) -> str:
    """``1.1/D13`` -> ``D13 (HD 1.1 table)``."""
    if not function:
        return _("a fixed distance")
    table, _sep, name = str(function).partition("/")
    return _("%(name)s of the HD %(table)s table") % {"name": name or table, "table": table}


def field_label(name: str | None) -> str:
    labels = {
        "neq_kg": _("net explosive quantity"), "neq_per_unit_kg": _("net explosive quantity per unit"),
        "quantity": _("quantity"), "hazard_division": _("hazard division"),
        "compatibility_group": _("compatibility group"), "multiplier": _("distance multiplier"),
        "distance_m": _("distance"), "traffic": _("traffic class"), "kind": _("kind"),
        "label": _("legal reference"), "licensed_limits_kg": _("licensed limits"),
        "storehouse_type": _("storehouse type"), "forbid_pairs": _("forbidden pairs"),
        "permit_pairs": _("permitted pairs"), "lots": _("lots"),
    }
    text = str(name or "")
    if text.startswith("minimum_m["):
        return _("minimum distance for %(pattern)s") % {"pattern": text[len("minimum_m["):-1]}
    if text.startswith("functions["):
        return _("distance function for %(pattern)s") % {"pattern": text[len("functions["):-1]}
    return str(labels.get(text, text))


def error_text(exc: SafetyError) -> str:
    """The engine's refusal as a sentence (the engine's codes are stable; its messages are not
    shown)."""
    p = exc.params
    what = field_label(exc.field)
    value = p.get("value", "")
    if isinstance(value, tuple):
        value = " + ".join(str(v) for v in value)
    messages = {
        "not_positive": _("%(field)s: give a number above zero.") % {"field": what},
        "not_finite": _("%(field)s: give a finite number.") % {"field": what},
        "not_integer": _("%(field)s: give a whole number.") % {"field": what},
        "unknown_division": _("%(value)s is not a hazard division (give 1.1, 1.2, 1.2.1, 1.2.2, 1.3, 1.4, 1.5 or "
                              "1.6).") % {"value": value},
        "unknown_group": _("%(value)s is not a compatibility group (A to H, J, K, L, N or S).") % {"value": value},
        "unknown_site_kind": _("%(value)s is not a kind of exposed site.") % {"value": value},
        "unknown_traffic": _("A public traffic route needs its traffic class, light or heavy."),
        "unknown_storehouse_type": _("%(value)s is not a type of storehouse.") % {"value": value},
        "negative_distance": _("A distance is zero or more metres."),
        "duplicate_lot": _("Lot %(lot)s is given twice.") % {"lot": p.get("lot_id", "")},
        "above_table": _("%(neq)s kg is above the largest quantity the distance tables cover (%(largest)s kg): a "
                         "siting study is needed.") % {"neq": _num(p.get("neq_kg")),
                                                       "largest": _num(p.get("largest_kg"))},
        "outside_function": _("Function %(function)s is not tabulated at %(neq)s kg.") % {
            "function": p.get("function", ""), "neq": _num(p.get("neq_kg"))},
        "loosening": _("%(field)s: %(value)s would loosen the rules in force (%(current)s); a State may only make "
                       "them stricter.") % {"field": what, "value": value, "current": p.get("current", "")},
        "label_required": _("Give the national rule that sets these values."),
        "unknown_rule": _("%(field)s: no rule matches this pattern (write hazard division/storehouse type/exposed "
                          "site, with * for any).") % {"field": what},
        "unknown_function": _("%(value)s is not a distance function of the HD %(table)s table.") % {
            "value": value, "table": p.get("table", "")},
        "function_range": _("%(value)s does not cover every quantity %(current)s covers.") % {
            "value": value, "current": p.get("current", "")},
    }
    return str(messages.get(exc.code, _("The safety rules refuse this input (%(code)s).") % {"code": exc.code}))


def safety_service_error(exc: SafetyError) -> ServiceError:
    return ServiceError(error_text(exc), field=exc.field)


def finding_text(finding: Finding) -> str:
    """A finding as one sentence with its numbers (the rule and its source are shown beside it)."""
    p = finding.params
    code = finding.code
    if code == "expired_lot":
        return _("Lot %(lot)s passed its shelf-life expiry on %(expiry)s, %(days)s days ago.") % {
            "lot": p["lot"], "expiry": p["expiry"], "days": _num(p["days_past"])}
    if code == "suspect_not_isolated":
        return _("Suspect lot(s) %(lots)s share the building with other lots (%(count)s lots in it): a suspect lot "
                 "is stored alone.") % {"lots": _list(p["suspect_lots"]), "count": _num(p["lots_in_building"])}
    if code == "incompatible":
        return _("Compatibility groups %(a)s and %(b)s may not share a building (lots %(lots_a)s with "
                 "%(lots_b)s).") % {"a": p["group_a"], "b": p["group_b"], "lots_a": _list(p["lots_a"]),
                                    "lots_b": _list(p["lots_b"])}
    if code == "compatibility_condition":
        condition = str(p["condition"])
        return _("Compatibility groups %(a)s and %(b)s may share a building only under condition %(condition)s, "
                 "not recorded as met for this storehouse (lots %(lots_a)s with %(lots_b)s).") % {
            "a": p["group_a"], "b": p["group_b"], "condition": CONDITION_LABELS.get(condition, condition),
            "lots_a": _list(p["lots_a"]), "lots_b": _list(p["lots_b"])}
    if code == "quantity_above_licence":
        return _("%(held)s kg NEQ of HD %(hd)s held, above the %(licensed)s kg the storehouse's licence "
                 "allows.") % {"held": _num(p["held_kg"]), "hd": p["division"], "licensed": _num(p["licensed_kg"])}
    if code == "site_too_close":
        return _("%(site)s is %(distance)s m away; %(required)s m are required for %(neq)s kg NEQ sited as "
                 "%(treatment)s (%(function)s, minimum %(minimum)s m, multiplier %(multiplier)s).") % {
            "site": p["site"], "distance": _num(p["distance_m"], 1), "required": _num(p["required_m"], 1),
            "neq": _num(p["neq_kg"]), "treatment": treatment_label(str(p["division"])),
            "function": function_label(p.get("function")), "minimum": _num(p.get("minimum_m"), 1),
            "multiplier": _num(p.get("multiplier"), 2)}
    if code == "quantity_above_qd_limit":
        return _("%(neq)s kg NEQ held; at the distances it has the storehouse may hold at most %(limit)s kg of HD "
                 "%(hd)s, bound by %(site)s at %(distance)s m.") % {
            "neq": _num(p["neq_kg"]), "limit": _num(p["limit_kg"]), "hd": p["division"],
            "site": p.get("binding_site") or "—", "distance": _num(p.get("distance_m"), 1)}
    if code == "above_table":
        return _("%(neq)s kg NEQ aggregated is above the largest quantity the distance tables cover (%(largest)s "
                 "kg): a siting study is needed.") % {"neq": _num(p["neq_kg"]),
                                                      "largest": _num(p["largest_tabulated_kg"])}
    if code == "qd_unassessed":
        return _("The contents (%(neq)s kg NEQ) aggregate as HD 1.6, whose distances are not computed here: "
                 "assess them by hand.") % {"neq": _num(p["neq_kg"])}
    if code == NO_DISTANCE:
        return _("%(site)s has neither coordinates nor a measured distance to this storehouse: it was not "
                 "checked.") % {"site": p["site"]}
    if code in (INVALID_LOT, INVALID_SITE):
        reason = error_text(SafetyError(str(p["code"]), str(p["field"]) if p.get("field") else None,
                                        value=p.get("value", "")))
        if code == INVALID_LOT:
            return _("Lot %(lot)s cannot be checked: %(reason)s") % {"lot": p["lot"], "reason": reason}
        return _("%(site)s cannot be checked: %(reason)s") % {"site": p["site"], "reason": reason}
    return _("Finding %(code)s.") % {"code": code}


# --- as data (API and command line) ------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (Decimal,)):
        return float(value)
    return value


def finding_as_dict(finding: Finding) -> dict[str, Any]:
    return {"code": finding.code, "severity": finding.severity, "rule_id": finding.rule_id,
            "source": finding.source, "params": _plain(finding.params), "text": finding_text(finding)}


def licence_as_dict(licence: Licence | None) -> dict[str, Any] | None:
    if licence is None:
        return None
    return {
        "ruleset_version": licence.ruleset_version,
        "limits": {hd: {"limit_kg": lim.limit_kg, "binding_site": lim.binding_site, "rule_id": lim.rule_id,
                        "function": lim.function, "distance_m": lim.distance_m, "source": lim.source}
                   for hd, lim in licence.limits.items()},
        "entries": [{"site": e.site, "hd": e.hd, "distance_m": e.distance_m, "rule_id": e.rule_id,
                     "function": e.function, "max_neq_kg": e.max_neq_kg} for e in licence.entries],
    }


def check_as_dict(c: StorehouseCheck) -> dict[str, Any]:
    store = c.storehouse
    return {
        "storehouse": str(store.public_id), "name": store.name, "kind": store.kind,
        "ruleset_version": c.ruleset_version, "treatment": c.treatment, "neq_kg": round(c.neq_kg, 3),
        "counts": c.counts, "error": c.error,
        "lots": [{"lot": str(h.lot.public_id), "name": str(h.lot), "hazard_division": h.lot.hazard_division,
                  "compatibility_group": h.lot.compatibility_group, "quantity": h.quantity,
                  "neq_kg": round(h.neq_kg, 3)} for h in c.lots],
        "findings": [finding_as_dict(f) for f in c.findings],
        "licence": licence_as_dict(c.licence),
        "required_distances": [{"site": r.site, "kind": r.kind, "distance_m": r.distance_m, "measured": r.measured,
                                "required_m": r.required_m, "meets": r.meets, "rule_id": r.rule_id,
                                "function": r.function, "source": r.source} for r in c.required],
        "ibd_m": c.ibd_m, "ptrd_m": c.ptrd_m,
    }
