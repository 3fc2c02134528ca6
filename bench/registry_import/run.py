"""Benchmark of the registry's bulk import (not a test).

    python bench/registry_import/run.py [--rows N] [--db sqlite|postgres|both] [--naive-rows N]

1. Writes a synthetic CSV of N firearm rows (makers, models and calibres from the reference seed;
   serials with maker prefixes; ~5 % with an import marking; a few bad and repeated rows, as real
   files have), streamed to a temporary file.
2. For each database, in a child process (so peak memory is that run's own): a fresh database
   (SQLite file in a temporary folder; PostgreSQL database ``cifta_bench_<pid>``, dropped after),
   migrated, with the reference seed, one State, one agency and one officer.
3. Imports the file with the engine (``cifta.registry.importing.engine``): rows per second and
   peak RSS, with RSS sampled after every batch to show it stays flat.
4. The obvious alternative, in the same run: a naive per-row save through
   ``services.register_firearm`` (one transaction per row) for a sample, extrapolated to N rows.
5. Times pages with the imported data (Django test client, logged in as the officer): p50/p95
   over ~200 requests of each page that exists.

``--verify`` checks the audit hash chains afterwards (every change row re-hashed).

Prints a table and writes ``bench/results/registry_import.json``. Targets from the issue:
>= 20,000 rows/s on both databases, memory flat under 1 GB, list/detail p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
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

SEED = ROOT / "cifta" / "reference" / "data"
RESULTS = ROOT / "bench" / "results" / "registry_import.json"
COUNTRY = "CO"
AGENCY = "Registro Nacional de Armas"
OFFICER = "bench-officer"
TARGET_ROWS_PER_S = 20_000
TARGET_P95_MS = 100.0


# --- the synthetic file -----------------------------------------------------------------------


def _seed_rows(name: str) -> list[dict[str, str]]:
    lines = [line for line in (SEED / name).read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines))


def catalogue() -> list[tuple[str, str, str, str]]:
    """(type, make as written, model, calibre as written) combinations from the seed."""
    makers = {m["code"]: m for m in _seed_rows("manufacturers.csv")}
    calibres = {c["code"]: c for c in _seed_rows("calibres.csv")}
    combos = []
    for model in _seed_rows("firearm_models.csv"):
        maker = makers[model["manufacturer"]]
        names = [maker["name"], *[a.split(":")[0] for a in maker["aliases"].split("|") if a][:2]]
        for variant in model["variants"].split(";"):
            cal = calibres[variant.split(":")[0]]
            cal_names = [cal["designation"], *[a for a in cal["aliases"].split("|") if a][:3]]
            for make in names:
                for cal_name in cal_names:
                    combos.append((model["type"], make, model["name"], cal_name))
    return combos


HEADERS = ["Tipo", "Marca", "Modelo", "Calibre", "Número de serie", "Serial slide", "País de fabricación",
           "Año", "Evento", "Fecha", "Agencia", "Ubicación", "Importer name", "Import country", "Import year",
           "Notas"]


def write_csv(path: Path, rows: int, *, seed: int = 2026, prefix: str = "") -> dict[str, int]:
    """Stream ``rows`` rows to ``path``; returns how many are meant to be bad or repeated."""
    rnd = random.Random(seed)
    combos = catalogue()
    counters = {"rows": rows, "bad": 0, "repeated": 0, "import_marked": 0}
    events = ["registered"] * 6 + ["imported", "manufactured", "seized"]
    stores = ["Depósito central", "Arsenal norte", "Bodega 3", "Comando sur", ""]
    origins = {"Glock": "AT", "Beretta": "IT", "Taurus": "BR", "Colt": "US", "FN Herstal": "BE", "Ruger": "US"}
    recent: list[list[str]] = []
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(rows):
            draw = rnd.random()
            if draw < 0.002 and recent:  # the same firearm twice in one file
                writer.writerow(rnd.choice(recent))
                counters["repeated"] += 1
                continue
            kind, make, model, calibre = combos[n % len(combos)]
            serial = f"{prefix}{make[:2].upper()}{rnd.choice('-/ ')}{n:07d}"
            year = str(rnd.randint(1960, 2024))
            event = rnd.choice(events)
            row = [kind, make, model, calibre, serial, f"{prefix}SL{n:07d}" if n % 10 == 0 else "",
                   origins.get(make, ""), year, event, f"{rnd.randint(2000, 2024)}-{rnd.randint(1, 12):02d}-"
                   f"{rnd.randint(1, 28):02d}", AGENCY if n % 3 else "", rnd.choice(stores), "", "", "", ""]
            if n % 20 == 7:  # about 5 % carry an import marking
                row[12:15] = ["Importadora Andina S.A.S.", "CO", str(rnd.randint(2000, 2024))]
                counters["import_marked"] += 1
            if draw > 0.998:  # an unknown calibre or a year in the future
                if n % 2:
                    row[3] = "9mm Unobtainium"
                else:
                    row[7] = "2999"
                counters["bad"] += 1
            writer.writerow(row)
            if n % 97 == 0:
                recent = [*recent[-50:], row]
    return counters


# --- one database, in a child process ---------------------------------------------------------


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1),
            "n": len(ordered)}


def child(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cifta.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if args.sqlite_cache_mb:
        from django.db.backends.signals import connection_created

        def bigger_cache(sender: Any, connection: Any, **kwargs: Any) -> None:
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute(f"PRAGMA cache_size = -{int(args.sqlite_cache_mb) * 1024}")

        connection_created.connect(bigger_cache)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from cifta.accounts import services as account_services
    from cifta.core.context import Source, change_context
    from cifta.core.models import AuditEvent, ObjectChange
    from cifta.core.permissions import Role
    from cifta.core.scoping import country_scope
    from cifta.directory import services as directory_services
    from cifta.directory.models import Agency, Country
    from cifta.reference import csvio
    from cifta.registry import services
    from cifta.registry.drafts import ReferenceIndex, draft_from_row
    from cifta.registry.importing import engine
    from cifta.registry.importing.mapping import auto_columns, resolve
    from cifta.registry.models import Firearm, ImportJob

    result: dict[str, Any] = {"db": args.db, "variant": args.variant, "vendor": connection.vendor,
                              "label": f"{args.db}/{args.variant}", "sqlite_cache_mb": args.sqlite_cache_mb}
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    actor = "system:bench"
    with change_context(actor, Source.COMMAND):
        directory_services.sync_countries(actor=actor)
        csvio.load_seed()
        country = Country.objects.get(code=COUNTRY)
        with country_scope([country.pk]):
            from django.db import transaction

            with transaction.atomic():
                agency = directory_services.create_agency(actor=actor, name=AGENCY, kind=Agency.Kind.REGISTRY)
                officer = account_services.create_user(actor=actor, username=OFFICER, email="officer@bench.test",
                                                       agency=agency, role=Role.OFFICER, password=None)
    result["setup_s"] = round(time.perf_counter() - t0, 1)

    # The engine.
    samples: list[float] = []
    rss_before = rss_mb()

    def progress(job: ImportJob) -> None:
        samples.append(rss_mb())

    t0 = time.perf_counter()
    job = engine.import_firearms(actor=actor, country_id=country.pk, path=args.file, batch_size=args.batch_size,
                                 progress=progress)
    elapsed = time.perf_counter() - t0
    result["engine"] = {
        "rows": job.rows_done, "seconds": round(elapsed, 2), "rows_per_s": round(job.rows_done / elapsed),
        "created": job.created_count, "already_present": job.duplicate_count, "rejected": job.rejected_count,
        "batches": job.batches_committed, "state": job.state,
        "rss_mb_before": round(rss_before, 1), "rss_mb_min_during": round(min(samples or [0]), 1),
        "rss_mb_max_during": round(max(samples or [0]), 1), "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    print(f"{args.db}: engine {result['engine']}", file=sys.stderr)
    with country_scope([country.pk]):
        result["engine"]["firearms_in_db"] = Firearm.objects.count()
        result["engine"]["change_rows"] = ObjectChange.objects.count()
        result["engine"]["batch_audit_events"] = AuditEvent.objects.filter(
            verb="registry.import.batch_committed").count()

    if args.verify:
        from cifta.core import chain

        t0 = time.perf_counter()
        checks = {model.__name__: chain.verify_chain(model) for model in (ObjectChange, AuditEvent)}
        result["verify"] = {"ok": all(c.ok for c in checks.values()), "seconds": round(time.perf_counter() - t0, 1),
                            **{name: {"rows": c.rows, "break": str(c.first_break) if c.first_break else None}
                               for name, c in checks.items()}}
    # The obvious alternative: one service call (one transaction) per row, for a sample.
    naive_file = Path(args.file).with_name("naive.csv")
    write_csv(naive_file, args.naive_rows, seed=7, prefix="NV")
    with country_scope([country.pk]), change_context(actor, Source.IMPORT), \
            open(naive_file, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        headers = next(reader)
        positions = resolve(headers, auto_columns(headers)).positions
        index = ReferenceIndex({AGENCY: agency.pk})
        done = refused = 0
        t0 = time.perf_counter()
        for values in reader:
            row = {name: values[pos] for name, pos in positions.items()}
            try:
                draft = draft_from_row(row, index, default_source="bulk_import")
                services.register_firearm(actor=actor, draft=draft)
                done += 1
            except Exception:
                refused += 1
        naive_s = time.perf_counter() - t0
    rate = (done + refused) / naive_s
    result["naive"] = {"rows": done + refused, "created": done, "seconds": round(naive_s, 2),
                       "rows_per_s": round(rate), "extrapolated_s_for_file": round(args.rows / rate),
                       "note": "services.register_firearm per row (one transaction each), sample extrapolated"}

    # Pages with the imported data.
    client = Client()
    client.force_login(officer)
    pages: dict[str, Any] = {}
    with country_scope([country.pk]):
        some = list(Firearm.objects.order_by("?").values_list("public_id", flat=True)[: args.requests])
        job_id = ImportJob.objects.get(pk=job.pk).public_id
    targets: list[tuple[str, Any]] = []
    for label, name, arg_list in (
        ("firearm list", "registry:firearm_list", None), ("firearm detail", "registry:firearm_detail", "firearm"),
        ("firearm search", "registry:firearm_list", None),
        ("import list", "registry:import_list", None), ("import detail", "registry:import_detail", "job"),
    ):
        try:
            if arg_list == "firearm":
                urls = [reverse(name, args=[pid]) for pid in some]
            elif arg_list == "job":
                urls = [reverse(name, args=[job_id])]
            else:
                urls = [reverse(name)]
            if label == "firearm search":
                urls = [f"{urls[0]}?q=GL-{n:07d}" for n in range(0, args.rows, max(1, args.rows // 50))]
        except NoReverseMatch:
            pages[label] = {"skipped": f"no URL named {name} yet"}
            continue
        targets.append((label, urls))
    for label, urls in targets:
        times = []
        status = None
        try:
            client.get(urls[0])  # warm
            for n in range(args.requests):
                t0 = time.perf_counter()
                response = client.get(urls[n % len(urls)])
                times.append(time.perf_counter() - t0)
                status = response.status_code
        except Exception as exc:
            pages[label] = {"skipped": f"{type(exc).__name__}: {str(exc)[:200]}"}
            continue
        pages[label] = {**percentiles(times), "status": status}
    result["pages"] = pages
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return result


# --- the parent: file, databases, table -------------------------------------------------------


def run_one(db: str, variant: str, file: Path, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", "--db", db, "--variant", variant, "--file", str(file),
               "--rows", str(args.rows), "--naive-rows", str(args.naive_rows), "--requests", str(args.requests),
               "--batch-size", str(args.batch_size), "--sqlite-cache-mb", str(args.sqlite_cache_mb),
               *(["--verify"] if args.verify else [])]
    with fresh_database(db, f"cifta_bench_{os.getpid()}_{variant}", work / f"data-{db}-{variant}",
                        keep=args.keep) as env:
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        return {"db": db, "variant": variant, "label": f"{db}/{variant}",
                "error": f"exit code {done.returncode}; see stderr above"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(results: list[dict[str, Any]], rows: int) -> str:
    lines = [f"Registry bulk import, {rows:,} rows ({platform.node()}, {os.cpu_count()} CPUs)", ""]
    head = f"{'':34}" + "".join(f"{r['label']:>19}" for r in results)
    lines.append(head)

    def row(label: str, get: Any) -> None:
        cells = []
        for r in results:
            try:
                cells.append(f"{get(r):>19}")
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append(f"{'-':>19}")
        lines.append(f"{label:34}" + "".join(cells))

    row("engine rows/s", lambda r: f"{r['engine']['rows_per_s']:,}")
    row("engine seconds", lambda r: f"{r['engine']['seconds']:,}")
    row("created / present / rejected", lambda r: "{created}/{already_present}/{rejected}".format(**r["engine"]))
    row("change-log rows written", lambda r: f"{r['engine']['change_rows']:,}")
    row("batch audit events", lambda r: f"{r['engine']['batch_audit_events']:,}")
    row("RSS before import (MB)", lambda r: r["engine"]["rss_mb_before"])
    row("RSS during import min-max (MB)", lambda r: f"{r['engine']['rss_mb_min_during']}-"
                                                    f"{r['engine']['rss_mb_max_during']}")
    row("peak RSS of the run (MB)", lambda r: r["peak_rss_mb"])
    row("audit chains verify", lambda r: f"ok ({r['verify']['seconds']} s)" if r["verify"]["ok"] else "BROKEN")
    row("naive per-row rows/s (sample)", lambda r: f"{r['naive']['rows_per_s']:,}")
    row("naive extrapolated to file (s)", lambda r: f"{r['naive']['extrapolated_s_for_file']:,}")
    row("engine speed-up over naive", lambda r: f"{r['engine']['rows_per_s'] / r['naive']['rows_per_s']:.1f}x")
    labels = []
    for r in results:
        for label in r.get("pages", {}):
            if label not in labels:
                labels.append(label)
    for label in labels:
        row(f"{label} p50/p95 (ms)", lambda r, lb=label: "{p50_ms}/{p95_ms}".format(**r["pages"][lb])
            if "p95_ms" in r["pages"][lb] else "n/a")
    lines.append("")
    lines.append(f"targets: >= {TARGET_ROWS_PER_S:,} rows/s; peak RSS < 1024 MB and flat; page p95 < "
                 f"{TARGET_P95_MS:.0f} ms. The naive figure is a sample extrapolated, not a full run.")
    for r in results:
        if "error" in r:
            lines.append(f"{r['label']}: FAILED\n{r['error']}")
        for label, page in r.get("pages", {}).items():
            if "skipped" in page:
                lines.append(f"{r['label']}: {label}: {page['skipped']}")
    lines.append("engine = cifta.registry.importing.engine (rows checked by drafts.draft_from_row, written by "
                 "core.bulkwrite with one chained change row per record); naive = services.register_firearm per row.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--naive-rows", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--verify", action="store_true", help="verify the audit hash chains after the import")
    parser.add_argument("--sqlite-cache-mb", type=int, default=0,
                        help="SQLite page cache in MB for the run (default: SQLite's own, about 2 MB)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary files and database")
    parser.add_argument("--variant", default="current", help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return
    work = Path(tempfile.mkdtemp(prefix="cifta-bench-"))
    try:
        file = work / "firearms.csv"
        t0 = time.perf_counter()
        made = write_csv(file, args.rows)
        print(f"wrote {args.rows:,} rows ({file.stat().st_size / 2**20:.0f} MB) in {time.perf_counter() - t0:.0f} s",
              file=sys.stderr)
        dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
        results = []
        load = {"before": os.getloadavg()}
        for db in dbs:
            print(f"running on {db} ...", file=sys.stderr)
            results.append(run_one(db, "engine", file, args, work))
        load["after"] = os.getloadavg()
        print(table(results, args.rows))
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({
            "benchmark": "registry_import", "rows": args.rows, "file": made, "machine": {
                "node": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version()},
            "targets": {"rows_per_s": TARGET_ROWS_PER_S, "peak_rss_mb": 1024, "page_p95_ms": TARGET_P95_MS},
            "load_average": load, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "results": results}, indent=2),
            encoding="utf-8")
        print(f"results: {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
