"""Benchmark of the explosive-safety check (not a test; no database).

    python bench/safety_check/run.py [--stores N] [--sites N] [--seed N]

1. A seeded synthetic estate: 10,000 storehouses (earth-covered, above-ground, light
   structures, open stacks), each with 50 exposed sites (inhabited buildings, public traffic
   routes light and heavy, other storehouses of every type, process buildings) at 25-4,000 m,
   and mixed contents: mostly HD 1.4S small-arms lots, with 1.3C propellant, 1.2.1/1.2.2 and
   1.1D lots, a few B fuzes and G pyrotechnics (so that some buildings break the mixing
   rules), expiry dates of which some have passed, licensed limits on some buildings.
2. The engine: ``check`` of every storehouse (compatibility, Table 4 aggregation, required
   distance per kind of site computed once per building, the inverse limit remembered per
   function and whole metre), timed with ``time.perf_counter`` from a cold start (remembered
   answers dropped first). Then ``licence`` (the explosives limit licence) of every storehouse.
3. Side by side, the obvious spreadsheet-like way: for every exposed site, re-aggregate the
   lots, evaluate the distance functions again and solve the inverse afresh (no memory of
   earlier answers), and compare every pair of lots for compatibility. Both must give the same
   findings; the run fails otherwise.

Each timed loop runs with the cyclic garbage collector paused, as ``timeit`` does.

Prints a table and writes ``bench/results/safety_check.json``. Target from the issue: the check
of 10,000 storehouses with 50 exposed sites each under 5 seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from cifta.stockpile.safety import (  # noqa: E402 - the bench folder is not a package
    BASE,
    ExposedSite,
    Finding,
    Lot,
    RuleSet,
    Storehouse,
    aggregate,
    check,
    licence,
)
from cifta.stockpile.safety.aggregation import Triggers  # noqa: E402
from cifta.stockpile.safety.check import CONDITION, VIOLATION, _aggregate  # noqa: E402
from cifta.stockpile.safety.compatibility import CONDITIONAL, FORBIDDEN, base_compatibility  # noqa: E402
from cifta.stockpile.safety.qd import meets  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "safety_check.json"
TODAY = dt.date(2026, 6, 1)
TARGET_S = 5.0

# (division, group, NEQ per item kg, items low, items high, weight): what a firearms authority holds.
CONTENTS = [
    ("1.4", "S", 0.0004, 10_000, 2_000_000, 40),  # small-arms cartridges
    ("1.4", "C", 0.002, 1_000, 200_000, 8),  # propellant-bearing cartridges
    ("1.3", "C", 1.0, 10, 5_000, 10),  # smokeless powder
    ("1.3", "G", 0.05, 100, 20_000, 5),  # signal flares
    ("1.2", "E", 0.4, 100, 20_000, 8),  # 40 mm grenades (1.2.2)
    ("1.2", "E", 2.3, 10, 3_000, 5),  # mortar bombs (1.2.1)
    ("1.1", "D", 0.5, 10, 4_000, 6),  # demolition charges
    ("1.1", "F", 0.3, 10, 1_000, 3),  # grenades with fuzes
    ("1.1", "B", 0.01, 10, 2_000, 2),  # detonators
    ("1.4", "G", 0.01, 100, 10_000, 3),  # pyrotechnics
]
# (kind, traffic, storehouse type, weight, nearest m, farthest m)
SITE_KINDS = [("inhabited_building", None, None, 10, 350, 4_000),
              ("public_traffic_route", "light", None, 8, 250, 3_000),
              ("public_traffic_route", "heavy", None, 5, 350, 3_000),
              ("process_building", None, None, 3, 40, 800),
              *(("storehouse", None, t, 6, 25, 600) for t in ("earth_covered", "above_ground", "light_structure",
                                                            "open_stack"))]
TYPES = ["earth_covered", "above_ground", "light_structure", "open_stack"]


def estate(stores: int, sites: int, seed: int) -> list[Storehouse]:
    rnd = random.Random(seed)
    kind_weights = [k[3] for k in SITE_KINDS]
    weights = [c[5] for c in CONTENTS]
    out = []
    for n in range(stores):
        lots = []
        for m in range(rnd.randint(2, 12)):
            hd, cg, per_unit, low, high, _w = rnd.choices(CONTENTS, weights)[0]
            expiry = TODAY + dt.timedelta(days=rnd.randint(-400, 4000)) if rnd.random() < 0.8 else None
            lots.append(Lot(f"L{n}-{m}", hd, cg, per_unit, rnd.randint(low, high) // (10 if hd == "1.1" else 1) or 1,
                            expiry=expiry, suspect=rnd.random() < 0.002))
        exposed = []
        for s in range(sites):
            kind, traffic, es_type, _w, near, far = rnd.choices(SITE_KINDS, kind_weights)[0]
            exposed.append(ExposedSite(f"E{n}-{s}", kind, round(rnd.uniform(near, far), 1), traffic, es_type))
        limits = {"1.1": float(rnd.choice([500, 1_000, 5_000]))} if rnd.random() < 0.3 else {}
        met = frozenset(rnd.sample(["T6-1", "T6-2", "T6-4", "T6-5"], rnd.randint(0, 2)))
        out.append(Storehouse(f"S{n}", rnd.choice(TYPES), tuple(lots), tuple(exposed), limits, met))
    return out


def naive_check(store: Storehouse, rules: RuleSet) -> list[Finding]:
    """The same findings, computed the obvious way: every pair of lots, and every exposed site
    on its own (aggregate the lots, evaluate the functions, solve the inverse) with nothing
    remembered between sites or buildings."""
    findings: list[Finding] = []
    for lot in store.lots:
        if lot.expiry is not None and lot.expiry < TODAY:
            findings.append(Finding("expired_lot", "STORE expiry", "", {"lot": lot.lot_id}))
    if any(lot.suspect for lot in store.lots) and len(store.lots) > 1:
        findings.append(Finding("suspect_not_isolated", "AASTP-1 1.2.3.4", "", {}))
    seen = set()
    for a, b in [(lot, lot) for lot in store.lots] + list(combinations(store.lots, 2)):
        if a is b:
            continue
        key = tuple(sorted(((a.compatibility_group, a.substance), (b.compatibility_group, b.substance))))
        if key in seen:
            continue
        seen.add(key)
        answer = base_compatibility(a.compatibility_group, b.compatibility_group, substance_a=a.substance,
                                    substance_b=b.substance)
        if answer.verdict == FORBIDDEN:
            findings.append(Finding("incompatible", answer.rule_id, "", {}))
        elif answer.verdict == CONDITIONAL and answer.condition not in store.conditions_met:
            findings.append(Finding("compatibility_condition", answer.rule_id, "", {}, CONDITION))
    mix = _aggregate(store)
    held = {hd: mix.neq_kg for hd in mix.treatments}
    if mix.treatment == "1.4" or mix.excluded_14_kg:
        held["1.4"] = mix.neq_kg if mix.treatment == "1.4" else mix.excluded_14_kg
    for hd, kg in held.items():
        if hd in store.licensed_limits_kg and kg > store.licensed_limits_kg[hd]:
            findings.append(Finding("quantity_above_licence", hd, "", {}))
    if mix.treatment in ("none", "1.4", "1.6") or mix.neq_kg > rules.table_top_kg:
        return findings
    limit = rules.table_top_kg
    for site in store.exposed_sites:
        by_division: dict[str, float] = {}  # re-aggregated for every site, as a sheet row would
        for lot in store.lots:
            by_division[lot.hazard_division] = by_division.get(lot.hazard_division, 0.0) + lot.neq_kg
        site_mix = aggregate(by_division, triggers=mix_triggers(store), evidence=store.conditions_met)
        required = 0.0
        for hd in site_mix.treatments:
            rule = rules.rule(hd, store.storehouse_type, site)
            metres = max(rule.fixed_m, rule.minimum_m)
            if rule.function is not None:
                metres = max(metres, rules.functions[rule.function].tabulated(site_mix.neq_kg))
            required = max(required, metres * rules.multiplier)
            if not meets(site.distance_m, max(rule.fixed_m, rule.minimum_m) * rules.multiplier):
                allowed = 0.0
            elif rule.function is None:
                allowed = rules.table_top_kg
            else:
                fn = rules.functions[rule.function]
                allowed = min(rules.table_top_kg, fn.max_quantity_uncached(site.distance_m / rules.multiplier))
            limit = min(limit, allowed)
        if not meets(site.distance_m, required):
            findings.append(Finding("site_too_close", site.name, "", {}))
    if mix.neq_kg > limit:
        findings.append(Finding("quantity_above_qd_limit", "", "", {}))
    return findings


def mix_triggers(store: Storehouse) -> Triggers:
    largest = max((lot.neq_per_unit_kg for lot in store.lots if lot.hazard_division == "1.2.1"), default=0.0)
    return Triggers(shaped_charges_12=any(lot.shaped_charge and lot.hazard_division.startswith("1.2")
                                          for lot in store.lots),
                    high_energy_propellant=any(lot.high_energy_propellant for lot in store.lots),
                    high_density_confined_13=store.high_density_confined_13 and any(
                        lot.hazard_division == "1.3" for lot in store.lots),
                    largest_121_item_kg=largest)


@contextmanager
def quiet_gc() -> Iterator[None]:
    """As ``timeit`` does: no cyclic garbage collection inside a timed loop (the estate is half a
    million objects; a collection pass over it would be timed as the engine's work)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def signature(findings: list[Finding]) -> Counter[str]:
    return Counter(f.code for f in findings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", type=int, default=10_000)
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--seed", type=int, default=20260601)
    args = parser.parse_args()

    t0 = time.perf_counter()
    stores = estate(args.stores, args.sites, args.seed)
    generate_s = time.perf_counter() - t0
    lots = sum(len(s.lots) for s in stores)
    print(f"estate: {len(stores):,} storehouses, {len(stores) * args.sites:,} exposed sites, {lots:,} lots "
          f"(generated in {generate_s:.1f} s)", file=sys.stderr)

    BASE.forget()
    with quiet_gc():
        t0 = time.perf_counter()
        engine = [check(store, TODAY, BASE) for store in stores]
        engine_s = time.perf_counter() - t0

    with quiet_gc():
        t0 = time.perf_counter()
        licences = [licence(store, BASE) for store in stores]
        licence_s = time.perf_counter() - t0

    BASE.forget()
    with quiet_gc():
        t0 = time.perf_counter()
        naive = [naive_check(store, BASE) for store in stores]
        naive_s = time.perf_counter() - t0

    disagreements = [s.storehouse_id for s, a, b in zip(stores, engine, naive, strict=True)
                     if signature(a) != signature(b)]
    totals = Counter[str]()
    for found in engine:
        totals.update(signature(found))
    violating = sum(1 for found in engine if any(f.severity == VIOLATION for f in found))
    nil_11 = sum(1 for lic in licences if lic.limits["1.1"].limit_kg == 0)

    rows = [
        ("engine: check (cold start)", engine_s),
        ("engine: explosives limit licence", licence_s),
        ("naive: per-site recomputation", naive_s),
    ]
    lines = [f"Safety check ({platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()})",
             f"{len(stores):,} storehouses x {args.sites} exposed sites, {lots:,} lots, seed {args.seed}",
             "", f"{'method':36}{'total s':>10}{'per store µs':>15}{'stores/s':>12}"]
    for name, seconds in rows:
        lines.append(f"{name:36}{seconds:>10.2f}{seconds / len(stores) * 1e6:>15.0f}{len(stores) / seconds:>12,.0f}")
    lines += ["", f"naive / engine: {naive_s / engine_s:.1f}x slower; findings agree for "
              f"{len(stores) - len(disagreements):,} of {len(stores):,} storehouses",
              f"storehouses with a violation: {violating:,}; HD 1.1 licence NIL: {nil_11:,}",
              "findings: " + ", ".join(f"{code} {n:,}" for code, n in sorted(totals.items())),
              f"target: check under {TARGET_S:.0f} s: {'met' if engine_s < TARGET_S else 'NOT met'}", ""]
    print("\n".join(lines))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "safety_check",
        "machine": {"node": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version()},
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "ruleset": BASE.version,
        "estate": {"storehouses": len(stores), "sites_per_storehouse": args.sites, "lots": lots, "seed": args.seed,
                   "generate_s": round(generate_s, 2)},
        "results": {"engine_check_s": round(engine_s, 3), "engine_licence_s": round(licence_s, 3),
                    "naive_check_s": round(naive_s, 3), "naive_over_engine": round(naive_s / engine_s, 1),
                    "target_s": TARGET_S, "target_met": engine_s < TARGET_S},
        "agreement": {"storehouses_agreeing": len(stores) - len(disagreements), "disagreeing": disagreements[:20]},
        "findings": dict(sorted(totals.items())),
        "storehouses_with_violation": violating,
        "hd11_licence_nil": nil_11,
    }, indent=2), encoding="utf-8")
    print(f"results: {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    if disagreements:
        raise SystemExit(f"engine and naive disagree on {len(disagreements)} storehouses, e.g. {disagreements[:5]}")


if __name__ == "__main__":
    main()
