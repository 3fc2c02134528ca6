"""Benchmark of the serial search (not a test).

    python bench/serial_search/run.py [--db sqlite|postgres|both] [--sqlite-size N] [--pg-size N]
                                      [--per-class N] [--oracle-per-class N]

1. A synthetic national register (``cifta.registry.serials.synthetic``: realistic formats per
   maker, overlapping ranges) loaded into a fresh database: SQLite at 1,000,000 firearms and
   PostgreSQL at 5,000,000 by default. The rows are written straight to the tables (a fixture
   shortcut: no change log, which the import benchmark measures); the search index is then
   built as the application builds it, and timed: the three search forms computed for every
   serial, then the three indexes created.
2. Damaged queries of every class (``synthetic.queries``), searched through
   ``serial_search.search_serials`` as an officer would (scope, filters, ranking, audit record):
   p50/p95/p99 per class.
3. Recall@10 against an oracle that scans every serial with the same rules
   (``serials.matching.Matcher``), for a sample of each class.
4. In the same run, side by side on the same sample: plain SQL equality (exact serial) or LIKE
   (the query's ``?``/``*`` as ``_``/``%``); PostgreSQL pg_trgm (``%`` with ORDER BY
   similarity); SQLite FTS5 trigram; each trigram index again as a candidate filter with a
   low threshold (pg_trgm 0.1, FTS5 any trigram; at most 200,000 candidates) ranked by the
   engine's matcher, which is what it takes a trigram index to approach the engine's recall;
   a rapidfuzz scan over every serial in memory.

Prints a table and writes ``bench/results/serial_search.json``. Targets from the issue: on
PostgreSQL at 5M, exact and folded p95 <= 20 ms, pattern and edit p95 <= 150 ms, recall@10 >=
0.99 per class, 5x faster than pg_trgm; on SQLite at 1M, the same recall with p95 <= 200 ms;
index build for 5M under 10 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from common import fresh_database  # noqa: E402 - the bench folder is not a package

RESULTS = ROOT / "bench" / "results" / "serial_search.json"
RERANK_CAP = 200_000  # candidates a trigram filter may hand to the matcher in the side-by-side
EXACT_CLASSES = {"lookalike"}  # also timed with no edits asked: the exact and look-alike tiers alone
INDEX_NAMES = ("serial_folded", "serial_folded_reversed", "serial_bare")


def percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {}
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000, 1)

    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": at(0.95), "p99_ms": at(0.99),
            "n": len(ordered)}


# --- the child: one database --------------------------------------------------------------------


def load(size: int, country: Any, agency: Any) -> tuple[list[Any], list[int], float]:
    """The synthetic register straight into the tables; returns records, firearm ids, seconds."""
    from django.db import connection, transaction
    from django.utils import timezone

    from cifta.core import bulkwrite
    from cifta.reference.models import Calibre, FirearmModel, FirearmType, Manufacturer, PartType
    from cifta.registry.models import Firearm, SerialNumber
    from cifta.registry.serials import synthetic
    from cifta.registry.serials.normalise import serial_key

    records = list(synthetic.registry(size))
    types = {t.code: t.pk for t in FirearmType.objects.all()}
    makers = {m.name: m.pk for m in Manufacturer.objects.all()}
    models = {(m.manufacturer_id, m.name): m.pk for m in FirearmModel.objects.all()}
    calibres = {c.code: c.pk for c in Calibre.objects.all()}
    frame = PartType.objects.get(code="frame").pk
    now = timezone.now()
    t0 = time.perf_counter()
    ids: list[int] = []
    with connection.cursor() as cursor:  # drop the search indexes: built and timed afterwards
        for name in INDEX_NAMES:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    step = 50_000
    for start in range(0, len(records), step):
        chunk = records[start:start + step]
        with transaction.atomic():
            pks = bulkwrite.allocate_ids(Firearm, len(chunk))
            public = bulkwrite.new_public_ids(2 * len(chunk))
            firearms, serials = [], []
            for n, (pk, r) in enumerate(zip(pks, chunk, strict=True)):
                maker = makers[r.make]
                key = serial_key(r.serial)
                firearms.append({"id": pk, "public_id": public[2 * n], "created_at": now, "updated_at": now,
                                 "country_id": country.pk, "type_id": types[r.type], "manufacturer_id": maker,
                                 "make_as_read": r.make, "model_id": models.get((maker, r.model)),
                                 "model_as_read": r.model, "calibre_id": calibres[r.calibre],
                                 "calibre_as_read": r.calibre, "serial_key": key, "country_of_manufacture": "",
                                 "year_of_manufacture": None, "status": "registered",
                                 "holding_agency_id": agency.pk, "civilian_holder_id": None, "storage_location": "",
                                 "source": "other", "notes": ""})
                serials.append({"public_id": public[2 * n + 1], "created_at": now, "updated_at": now,
                                "country_id": country.pk, "firearm_id": pk, "component_id": frame, "value": r.serial,
                                "key": key, "is_primary": True, "folded": "", "folded_reversed": "", "bare": ""})
            for row, pk in zip(serials, bulkwrite.allocate_ids(SerialNumber, len(serials)), strict=True):
                row["id"] = pk
            # Bench fixture only: rows without change-log entries (bulkwrite's private insert).
            bulkwrite._insert(Firearm, bulkwrite._db_values(Firearm, firearms))
            bulkwrite._insert(SerialNumber, bulkwrite._db_values(SerialNumber, serials))
        ids.extend(pks)
    return records, ids, time.perf_counter() - t0


def build_index() -> dict[str, float]:
    """The search index as the application has it: forms computed, then indexes created."""
    from django.db import connection, transaction

    from cifta.core.dbstats import refresh_statistics
    from cifta.registry.models import serial_index_forms

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT id, key FROM registry_serialnumber")
        rows = cursor.fetchall()
        values = []
        for pk, key in rows:
            folded, reversed_, bare = serial_index_forms(key)
            values.append((folded, reversed_, bare, pk))
        forms_s = time.perf_counter() - t0
        if connection.vendor == "postgresql":
            cursor.execute("CREATE TEMP TABLE forms (folded text, folded_reversed text, bare text, id bigint)")
            with cursor.cursor.copy("COPY forms FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
            cursor.execute("UPDATE registry_serialnumber s SET folded = f.folded, "
                           "folded_reversed = f.folded_reversed, bare = f.bare FROM forms f WHERE s.id = f.id")
        else:
            cursor.executemany("UPDATE registry_serialnumber SET folded = %s, folded_reversed = %s, bare = %s "
                               "WHERE id = %s", values)
    written_s = time.perf_counter() - t0 - forms_s
    t1 = time.perf_counter()
    with connection.cursor() as cursor:
        postgres = connection.vendor == "postgresql"  # as the model declares them (registry/models.py)
        pattern, holds_id = (" varchar_pattern_ops", ' INCLUDE ("id")') if postgres else ("", "")
        cursor.execute(f'CREATE INDEX "serial_folded" ON "registry_serialnumber" ("country_id", "folded"{pattern})'
                       f"{holds_id}")
        cursor.execute(f'CREATE INDEX "serial_folded_reversed" ON "registry_serialnumber" '
                       f'("country_id", "folded_reversed"{pattern}){holds_id}')
        cursor.execute('CREATE INDEX "serial_bare" ON "registry_serialnumber" ("country_id", "bare") '
                       "WHERE NOT (\"bare\" = '')")
    # As the application does after an import: statistics (and on PostgreSQL, VACUUM, which
    # lets the search read index entries without visiting the table).
    refresh_statistics(["registry_serialnumber", "registry_firearm"])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_relation_size('serial_folded') + pg_relation_size('serial_folded_reversed') "
                           "+ pg_relation_size('serial_bare')")
        else:
            cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name IN ('serial_folded', 'serial_folded_reversed', "
                           "'serial_bare')")
        size = cursor.fetchone()[0] or 0
    return {"forms_s": round(forms_s, 1), "write_s": round(written_s, 1),
            "create_indexes_s": round(time.perf_counter() - t1, 1),
            "total_s": round(time.perf_counter() - t0, 1), "index_mb": round(size / 2**20, 1)}


def oracle_top(matcher: Any, keys: list[tuple[int, str]], k: int = 10) -> list[int]:
    scored = []
    for pk, key in keys:
        found = matcher.match(key)
        if found is not None:
            scored.append((-found.score, key, pk))
    scored.sort()
    return [pk for _s, _k, pk in scored[:k]]


def recall(found: list[int], truth: list[int]) -> float | None:
    if not truth:
        return None
    return len(set(found[:10]) & set(truth)) / len(truth)


def baseline_sql(cursor: Any, raw: str, vendor: str) -> list[int]:
    """Plain SQL: equality when the query is a plain serial, else LIKE with ? as _ and * as %."""
    from cifta.registry.serials.normalise import serial_key

    text = serial_key(raw.replace("[", "").replace("]", ""))
    if "?" not in raw and "*" not in raw:
        cursor.execute("SELECT firearm_id FROM registry_serialnumber WHERE key = %s LIMIT 10", [text])
    else:
        cursor.execute("SELECT firearm_id FROM registry_serialnumber WHERE key LIKE %s LIMIT 10",
                       [text.replace("?", "_").replace("*", "%")])
    return [r[0] for r in cursor.fetchall()]


def child(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cifta.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from rapidfuzz import fuzz, process

    from cifta.accounts import services as account_services
    from cifta.core.context import Source, change_context
    from cifta.core.errors import ServiceError
    from cifta.core.permissions import Role
    from cifta.core.scoping import country_scope
    from cifta.directory import services as directory_services
    from cifta.directory.models import Agency, Country
    from cifta.reference import csvio
    from cifta.registry.serial_search import search_serials
    from cifta.registry.serials import synthetic
    from cifta.registry.serials.lookalikes import INDEX_FOLDING, search_key
    from cifta.registry.serials.matching import Matcher
    from cifta.registry.serials.plan import TooBroad, plan_or_fewer_edits
    from cifta.registry.serials.query import QueryError, parse

    result: dict[str, Any] = {"db": args.db, "vendor": connection.vendor, "size": args.size}
    call_command("migrate", verbosity=0)
    actor = "system:bench"
    with change_context(actor, Source.COMMAND):
        directory_services.sync_countries(actor=actor)
        csvio.load_seed()
        country = Country.objects.get(code="CO")
        with country_scope([country.pk]), transaction.atomic():
            agency = directory_services.create_agency(actor=actor, name="Registro", kind=Agency.Kind.REGISTRY)
            officer = account_services.create_user(actor=actor, username="bench-officer", email="o@bench.test",
                                                   agency=agency, role=Role.OFFICER, password=None)
    records, ids, load_s = load(args.size, country, agency)
    result["load_s"] = round(load_s, 1)
    print(f"{args.db}: loaded {len(records):,} firearms in {load_s:.0f} s", file=sys.stderr)
    result["index_build"] = build_index()
    print(f"{args.db}: index {result['index_build']}", file=sys.stderr)
    keys = [(pk, search_key(r.serial)) for pk, r in zip(ids, records, strict=True)]
    queries = synthetic.queries(records, args.per_class)

    # The engine, as an officer uses it.
    latencies: dict[str, list[float]] = {}
    answers: dict[int, list[int]] = {}
    took: dict[int, float] = {}
    refused: dict[str, int] = {}
    with country_scope([country.pk]), change_context(officer, Source.WEB):
        for n, (kind, raw, _record) in enumerate(queries):
            t0 = time.perf_counter()
            try:
                hits = search_serials(raw, case_reference="benchmark", limit=10).hits
            except ServiceError:
                refused[kind] = refused.get(kind, 0) + 1
                continue
            took[n] = time.perf_counter() - t0
            latencies.setdefault(kind, []).append(took[n])
            answers[n] = [h.firearm.pk for h in hits]
            if kind in EXACT_CLASSES:  # the exact and look-alike tiers alone (no edits asked)
                t0 = time.perf_counter()
                search_serials(raw, case_reference="benchmark", limit=10, max_edits=0)
                latencies.setdefault(f"{kind} (no edits)", []).append(time.perf_counter() - t0)
    result["engine"] = {kind: {**percentiles(v), "refused": refused.get(kind, 0)} for kind, v in latencies.items()}

    # Oracle and baselines on a sample of each class.
    sample = []
    seen: dict[str, int] = {}
    for n, (kind, raw, _record) in enumerate(queries):
        if n in answers and seen.get(kind, 0) < args.oracle_per_class:
            seen[kind] = seen.get(kind, 0) + 1
            sample.append((n, kind, raw))
    all_keys = [key for _pk, key in keys]
    pk_of = [pk for pk, _key in keys]
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        t0 = time.perf_counter()
        if pg:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute("CREATE INDEX bench_trgm ON registry_serialnumber USING gin (key gin_trgm_ops)")
            cursor.execute("SET pg_trgm.similarity_threshold = 0.3")
        else:
            cursor.execute("CREATE VIRTUAL TABLE bench_fts USING fts5(key, tokenize='trigram')")
            cursor.execute("INSERT INTO bench_fts(rowid, key) SELECT firearm_id, key FROM registry_serialnumber")
        result["baseline_index_s"] = round(time.perf_counter() - t0, 1)
    rows: dict[str, dict[str, list[Any]]] = {}

    def note(kind: str, method: str, seconds: float, value: float | None) -> None:
        entry = rows.setdefault(kind, {}).setdefault(method, [[], []])
        entry[0].append(seconds)
        if value is not None:
            entry[1].append(value)

    for n, kind, raw in sample:
        try:
            query, _plan = plan_or_fewer_edits(parse(raw))
        except (QueryError, TooBroad):
            continue
        truth = oracle_top(Matcher(query, INDEX_FOLDING), keys)
        note(kind, "engine", took[n], recall(answers[n], truth))
        with connection.cursor() as cursor:
            t0 = time.perf_counter()
            found = baseline_sql(cursor, raw, connection.vendor)
            note(kind, "sql", time.perf_counter() - t0, recall(found, truth))
            text = search_key(raw)
            t0 = time.perf_counter()
            if pg:
                cursor.execute("SELECT firearm_id FROM registry_serialnumber WHERE key %% %s "
                               "ORDER BY similarity(key, %s) DESC LIMIT 10", [text, text])
                label = "pg_trgm"
            else:
                grams = [text[i:i + 3] for i in range(len(text) - 2)]
                match = " OR ".join('"' + g.replace('"', "") + '"' for g in grams) or '""'
                cursor.execute("SELECT rowid FROM bench_fts WHERE bench_fts MATCH %s ORDER BY rank LIMIT 10", [match])
                label = "fts5_trigram"
            found = [r[0] for r in cursor.fetchall()]
            note(kind, label, time.perf_counter() - t0, recall(found, truth))
            # The same index as a candidate filter with a low threshold, ranked by our matcher:
            # what it takes a trigram index to approach the engine's recall.
            t0 = time.perf_counter()
            if pg:
                cursor.execute("SET pg_trgm.similarity_threshold = 0.1")
                cursor.execute("SELECT firearm_id, key FROM registry_serialnumber WHERE key %% %s LIMIT %s",
                               [text, RERANK_CAP])
                cursor_rows = cursor.fetchall()
                cursor.execute("SET pg_trgm.similarity_threshold = 0.3")
            else:
                cursor.execute("SELECT bench_fts.rowid, bench_fts.key FROM bench_fts WHERE bench_fts MATCH %s "
                               "LIMIT %s", [match, RERANK_CAP])
                cursor_rows = cursor.fetchall()
            judge = Matcher(query, INDEX_FOLDING)
            ranked = sorted((-m.score, search_key(key), pk) for pk, key in cursor_rows
                            if (m := judge.match(key)) is not None)
            note(kind, f"{label}_reranked", time.perf_counter() - t0, recall([pk for _s, _k, pk in ranked[:10]], truth))
        t0 = time.perf_counter()
        best = process.extract(text, all_keys, scorer=fuzz.ratio, limit=10)
        note(kind, "rapidfuzz_scan", time.perf_counter() - t0, recall([pk_of[i] for _c, _s, i in best], truth))
    result["side_by_side"] = {
        kind: {method: {"p50_ms": round(statistics.median(v[0]) * 1000, 1),
                        "recall_at_10": round(sum(v[1]) / len(v[1]), 3) if v[1] else None, "n": len(v[0])}
               for method, v in methods.items()}
        for kind, methods in rows.items()}
    return result


# --- the parent -------------------------------------------------------------------------------


def run_one(db: str, size: int, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", "--db", db, "--size", str(size), "--per-class",
               str(args.per_class), "--oracle-per-class", str(args.oracle_per_class)]
    with fresh_database(db, f"cifta_bench_search_{os.getpid()}", work / f"data-{db}") as env:
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        return {"db": db, "size": size, "error": f"exit code {done.returncode}; see stderr above"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(results: list[dict[str, Any]]) -> str:
    lines = [f"Serial search ({platform.node()}, {os.cpu_count()} CPUs)"]
    for r in results:
        lines.append("")
        if "error" in r:
            lines.append(f"{r['db']} at {r['size']:,}: FAILED: {r['error']}")
            continue
        build = r["index_build"]
        lines.append(f"{r['db']} with {r['size']:,} firearms: index built in {build['total_s']} s (forms "
                     f"{build['forms_s']} s, write {build['write_s']} s, create {build['create_indexes_s']} s), "
                     f"{build['index_mb']} MB")
        lines.append(f"{'class':18}{'engine p50/p95/p99 ms':>26}{'refused':>9}   recall@10 and p50 ms side by side")
        for kind, stats in r["engine"].items():
            side = r["side_by_side"].get(kind, {})
            cells = "  ".join(f"{m} {v['recall_at_10']}/{v['p50_ms']}" for m, v in side.items())
            lines.append(f"{kind:18}{stats['p50_ms']:>10}/{stats['p95_ms']}/{stats['p99_ms']:<10}"
                         f"{stats['refused']:>6}   {cells}")
    lines.append("")
    lines.append("targets: PostgreSQL 5M exact/folded p95 <= 20 ms, pattern/edit p95 <= 150 ms, recall@10 >= 0.99, "
                 "5x faster than pg_trgm; SQLite 1M p95 <= 200 ms; index build 5M < 10 min.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--sqlite-size", type=int, default=1_000_000)
    parser.add_argument("--pg-size", type=int, default=5_000_000)
    parser.add_argument("--per-class", type=int, default=40)
    parser.add_argument("--oracle-per-class", type=int, default=10)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return
    work = Path(tempfile.mkdtemp(prefix="cifta-bench-search-"))
    try:
        plan = ([("sqlite", args.sqlite_size)] if args.db in ("sqlite", "both") else []) + (
            [("postgres", args.pg_size)] if args.db in ("postgres", "both") else [])
        results = [run_one(db, size, args, work) for db, size in plan]
        print(table(results))
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({"benchmark": "serial_search", "machine": {
            "node": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version()},
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "results": results}, indent=2), encoding="utf-8")
        print(f"results: {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
