"""A search plan's probes run on the serial index of the caller's country.

The planner's estimates come from a sample of the country's serials (``sample_for``), so
planning sends no statement. Two steps keep a broad plan cheap: first the probes read index
entries only (the id and the folded form, from the (country, folded) or (country,
folded_reversed) index) and a C-speed pre-filter (``serials.matching.Prefilter``) drops every
serial that cannot match; then the full rows of the few left are read for the matcher.

Many probes run as one statement, each an index range scan: on PostgreSQL a VALUES list of
ranges with a LATERAL subquery (an OR of hundreds of conditions would make it read the table
through a bitmap), on SQLite OR-ed ranges. The serials side is the scoped manager's own query
as a subquery, so the country condition comes from the one place that adds it (DESIGN §4).
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from django.db import connection
from django.db.models import Max, Min, Q

from cifta.registry.models import SerialNumber
from cifta.registry.serials.matching import Prefilter
from cifta.registry.serials.plan import UNKNOWN, Plan, fixed
from cifta.registry.serials.sample import SerialSample

SAMPLE_SIZE = 20_000
SAMPLE_SECONDS = 300
SAMPLE_READ = 5_000  # ids looked up per statement while drawing the sample
_SAMPLES: dict[int, tuple[float, SerialSample]] = {}
_SAMPLES_LOCK = threading.Lock()
RANGES_PER_STATEMENT = 1000  # PostgreSQL: rows of one VALUES list
SQLITE_TERMS = 200  # SQLite: OR-ed ranges in one statement (it caps expression depth)
ROWS_PER_READ = 500


class TooManyEntries(Exception):
    """The probes read more index entries than allowed."""


def _scoped(strict: Q) -> tuple[str, tuple[Any, ...]]:
    """The scoped serials (with the strict filters) as a subquery."""
    queryset = SerialNumber.objects.filter(strict).order_by().values("id", "folded", "folded_reversed")
    return queryset.query.sql_with_params()


def _range_statements(found: Plan, strict: Q) -> list[tuple[str, list[Any], bool]]:
    """(sql, params, reversed) per statement: the prefix probes on ``folded``, the suffix probes
    on ``folded_reversed``."""
    postgres = connection.vendor == "postgresql"
    inner, inner_params = _scoped(strict)
    lengths = [found.min_length, found.max_length]
    out = []
    for column, values, backwards in (("folded", found.prefixes, False), ("folded_reversed", found.suffixes, True)):
        ordered = sorted(values)
        step = RANGES_PER_STATEMENT if postgres else SQLITE_TERMS
        for start in range(0, len(ordered), step):
            chunk = ordered[start:start + step]
            if postgres:
                ranges_sql, ranges_params = _values_join(column, chunk)
                sql = ranges_sql.replace("{inner}", inner)
                params = [*ranges_params, *inner_params, *lengths]
            else:
                terms_sql, terms_params = _or_terms(column, chunk)
                sql = terms_sql.replace("{inner}", inner)
                params = [*inner_params, *lengths, *terms_params]
            out.append((sql, params, backwards))
    return out


# Only column names, operators and placeholders are written into these; values are parameters.

def _values_join(column: str, chunk: list[str]) -> tuple[str, list[Any]]:
    """PostgreSQL: the ranges as a VALUES list, an index-only range scan each (an OR of hundreds
    of conditions makes it read the table through a bitmap). ``~>=~`` and
    ``~<~`` are the operators of the pattern index; "~" sorts after every letter and digit."""
    params: list[Any] = []
    for value in chunk:
        head = fixed(value)
        params.extend([head, head + "~", "" if head == value else value.replace(UNKNOWN, "_") + "%"])
    rows = ", ".join(["(%s, %s, %s)"] * len(chunk))
    # LATERAL with OFFSET 0 keeps one index scan per range: flattened into a plain join, the
    # planner underestimates what the length filter keeps and scans the whole table instead.
    sql = (f"SELECT x.id, x.{column} FROM (VALUES {rows}) AS v (lo, hi, pat) CROSS JOIN LATERAL ("  # noqa: S608
           f"SELECT s.id, s.{column} FROM ({{inner}}) AS s WHERE s.{column} ~>=~ v.lo AND s.{column} ~<~ v.hi "
           f"AND LENGTH(s.{column}) BETWEEN %s AND %s AND (v.pat = '' OR s.{column} LIKE v.pat) OFFSET 0) AS x")
    return sql, params


def _or_terms(column: str, chunk: list[str]) -> tuple[str, list[Any]]:
    """SQLite: OR-ed ranges, which it reads as one index range each (a VALUES join made it
    build a Bloom filter over the whole table first). GLOB checks what follows a ``?``."""
    terms, params = [], []
    for value in chunk:
        head = fixed(value)
        term = f"(s.{column} >= %s AND s.{column} < %s"
        params.extend([head, head + "~"])
        if head != value:
            term += f" AND s.{column} GLOB %s"
            params.append(value + "*")
        terms.append(term + ")")
    sql = (f"SELECT s.id, s.{column} FROM ({{inner}}) AS s "  # noqa: S608
           f"WHERE LENGTH(s.{column}) BETWEEN %s AND %s AND ({' OR '.join(terms)})")
    return sql, params


def sample_for(country_id: int) -> SerialSample:
    """A uniform sample of the country's folded serials, for the planner's estimates; drawn
    by random ids through the scoped manager and kept SAMPLE_SECONDS per process."""
    now = time.monotonic()
    with _SAMPLES_LOCK:
        held = _SAMPLES.get(country_id)
    if held is not None and now - held[0] < SAMPLE_SECONDS:
        return held[1]
    serials = SerialNumber.objects.order_by()
    bounds = serials.aggregate(low=Min("id"), high=Max("id"))
    low, high = bounds["low"], bounds["high"]
    if low is None:
        sample = SerialSample([], 0)
    elif high - low + 1 <= 2 * SAMPLE_SIZE:
        sample = SerialSample(list(serials.values_list("folded", flat=True)), 0)
    else:
        wanted = random.sample(range(low, high + 1), SAMPLE_SIZE)  # statistics, not secrets
        forms: list[str] = []
        for start in range(0, len(wanted), SAMPLE_READ):
            forms.extend(serials.filter(id__in=wanted[start:start + SAMPLE_READ]).values_list("folded", flat=True))
        sample = SerialSample(forms, round((high - low + 1) * len(forms) / SAMPLE_SIZE))
    with _SAMPLES_LOCK:
        _SAMPLES[country_id] = (now, sample)
    return sample


def forget_samples() -> None:
    """Drop the kept samples (tests that rebuild a register; after a large import)."""
    with _SAMPLES_LOCK:
        _SAMPLES.clear()


def _equal_forms(found: Plan, strict: Q, cap: int) -> dict[int, str]:
    if not found.equal and not found.bare_equal:
        return {}
    condition = Q(folded__in=sorted(found.equal | found.bare_equal))
    if found.bare_equal:
        condition |= Q(bare__in=sorted(found.bare_equal))
    return dict(SerialNumber.objects.filter(strict).filter(condition).order_by().values_list("id", "folded")[:cap + 1])


def read_forms(found: Plan, strict: Q, cap: int) -> dict[int, str]:
    """Id and folded form of every serial the probes reach; TooManyEntries past ``cap``."""
    forms = _equal_forms(found, strict, cap)
    with connection.cursor() as cursor:
        for sql, params, backwards in _range_statements(found, strict):
            cursor.execute(f"{sql} LIMIT %s", [*params, cap + 1])
            for pk, form in cursor.fetchall():
                forms[pk] = form[::-1] if backwards else form
            if len(forms) > cap:
                raise TooManyEntries
    return forms


def candidate_rows(found: Plan, strict: Q, prefilter: Prefilter, cap: int) -> tuple[list[tuple[Any, ...]], int]:
    """(firearm id, key, value, component code, is primary) of every serial the probes reach
    and the pre-filter keeps, and how many index entries were read."""
    forms = read_forms(found, strict, cap)
    kept = prefilter.survivors(forms)
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(kept), ROWS_PER_READ):
        chunk = kept[start:start + ROWS_PER_READ]
        rows.extend(SerialNumber.objects.filter(pk__in=chunk).order_by().values_list(
            "firearm_id", "key", "value", "component__code", "is_primary"))
    return rows, len(forms)
