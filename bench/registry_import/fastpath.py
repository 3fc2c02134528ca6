"""A PROPOSAL, measured by the benchmark (``run.py --proposed``): a faster bulk write path for
``services.bulk_register`` + ``core.changelog.record_bulk_create`` + ``core.chain.append_many``.

It is not used by the application. The lead owns those modules; this file shows, with numbers,
what a change there would give, and proves it keeps the contract:

* the same rows in the same tables (firearm, serials, markings, first event);
* one ObjectChange per record written, with the same ``after`` JSON that ``changelog_data()``
  gives, the same actor/source/request id/country/message, linked in the same hash chain
  (``cifta audit verify`` passes: the benchmark verifies the chain after a ``--proposed`` run);
* the scope and transaction rules checked once per batch instead of once per row;
* one audit event per batch, hit notices as before.

Where the time goes today (profile at 20,000 rows, SQLite): Django's ``bulk_create`` compiles
every value of every field through the ORM (``get_db_prep_save``, ``pre_save``) and SQLite's
999-parameter limit splits each batch into ~50 INSERT statements per table; ``append_many``
builds a Django model instance per change row and ``hash_record`` converts every value again.
Here, rows are plain dicts; each column has one converter chosen once per table and backend;
ids are allocated up front (``nextval`` on PostgreSQL, the AUTOINCREMENT counter under the
IMMEDIATE write lock on SQLite), so rows are written with ``executemany`` (SQLite) or ``COPY``
(PostgreSQL), and the change rows reuse the ``after`` dicts already built.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from cifta.core import audit, hashchain
from cifta.core.context import current_context
from cifta.core.models import ObjectChange
from cifta.core.models.audit import ChainHead
from cifta.core.scoping import ScopeError, scope_allows
from cifta.registry import events, services
from cifta.registry.drafts import FirearmDraft
from cifta.registry.engines import lifecycle
from cifta.registry.engines.lifecycle import Event, Proposed
from cifta.registry.models import Firearm, FirearmEvent, HitNotice, Marking, SerialNumber

Row = dict[str, Any]
# "per_record": one ObjectChange per row written (today's contract). "per_firearm": a variant that
# changes the contract (children nested in their firearm's change row), measured for comparison.
CHANGE_LOG = "per_record"


# --- generic core part: ids, inserts, change log ----------------------------------------------


def allocate_ids(model: type[Model], count: int) -> list[int]:
    """``count`` fresh primary keys, safe against concurrent writers."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                           [table, count])
            return [r[0] for r in cursor.fetchall()]
        # SQLite: transactions are IMMEDIATE (settings), so this one holds the write lock.
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        cursor.execute(f'SELECT MAX("id") FROM "{table}"')  # noqa: S608 - a model's own table name
        top = max(found[0] if found else 0, cursor.fetchone()[0] or 0)
        return list(range(top + 1, top + 1 + count))


def _identity(value: Any) -> Any:
    return value


_identity.identity = True  # type: ignore[attr-defined]


def _db_converter(field: Any) -> Callable[[Any], Any]:
    """The value the database driver takes for this column (what get_db_prep_save gives)."""
    kind = field.get_internal_type()
    pg = connection.vendor == "postgresql"
    if kind == "UUIDField":
        return _identity if pg else (lambda v: None if v is None else v.hex)
    if kind == "DateTimeField":
        return _identity if pg else (lambda v: None if v is None else
                                     v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" "))
    if kind == "DateField":
        return _identity if pg else (lambda v: None if v is None else v.isoformat())
    if kind == "JSONField":
        return lambda v: None if v is None else json.dumps(v)
    return _identity


def _log_converter(field: Any) -> Callable[[Any], Any]:
    """What ``core.models.base.jsonable`` gives for this column's values."""
    kind = field.get_internal_type()
    if kind in ("UUIDField",):
        return lambda v: None if v is None else str(v)
    if kind in ("DateTimeField", "DateField"):
        return lambda v: None if v is None else v.isoformat()
    return lambda v: v


_PLANS: dict[tuple[str, str], Any] = {}


def _plan(model: type[Model]) -> tuple[list[str], list[Callable[[Any], Any]], list[tuple[str, Any]], list[str]]:
    key = (connection.vendor, model._meta.label_lower)
    if key not in _PLANS:
        fields = list(model._meta.concrete_fields)
        logged = [(f.attname, _log_converter(f)) for f in fields
                  if f.name not in getattr(model, "changelog_ignored", ())]
        masked = getattr(model, "changelog_masked", frozenset())
        logged = [(a, (lambda v: "********") if a in masked else c) for a, c in logged]
        _PLANS[key] = ([f.column for f in fields], [_db_converter(f) for f in fields], logged,
                       [f.attname for f in fields])
    return _PLANS[key]  # type: ignore[no-any-return]


def _values(model: type[Model], rows: list[Row]) -> list[tuple[Any, ...]]:
    """DB-ready tuples: one C-level itemgetter per row, then only the columns that need it."""
    _columns, converters, _logged, attnames = _plan(model)
    get = operator.itemgetter(*attnames)
    special = [(i, conv) for i, conv in enumerate(converters) if not getattr(conv, "identity", False)]
    if not special:
        return [get(row) for row in rows]
    out = []
    for row in rows:
        value = list(get(row))
        for i, conv in special:
            value[i] = conv(value[i])
        out.append(tuple(value))
    return out


def insert_values(model: type[Model], values: list[tuple[Any, ...]]) -> None:
    """Write complete rows (ids included): executemany on SQLite, COPY on PostgreSQL."""
    if not values:
        return
    columns = _plan(model)[0]
    table = model._meta.db_table
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for value in values:
                    copy.write_row(value)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', values)  # noqa: S608


def insert_rows(model: type[Model], rows: list[Row]) -> None:
    insert_values(model, _values(model, rows))


def record_rows(model: type[Model], rows: list[Row], reprs: Iterable[str], *, message: str,
                extras: list[dict[str, Any]] | None = None) -> None:
    """One ObjectChange per row, as ``record_bulk_create`` writes, appended to the chain.
    ``extras`` (variant "per_firearm") nests the children's data in the parent's change row."""
    ctx = current_context()
    if not connection.in_atomic_block:
        raise RuntimeError("inside a transaction only")
    logged = _plan(model)[2]
    object_type = model._meta.label_lower
    head = ChainHead.objects.select_for_update().get_or_create(
        name=ObjectChange.chain_name, defaults={"seq": 0, "last_hash": hashchain.GENESIS})[0]
    now = timezone.now()
    seq, prev = head.seq, head.last_hash
    message = message[:500]
    # Everything but seq, object id/repr, country and after is the same for the whole batch.
    common = {"time": now.isoformat(), "actor_id": ctx.actor_id, "actor_repr": ctx.actor_repr,
              "source": ctx.source, "request_id": str(ctx.request_id), "action": "create",
              "object_type": object_type, "before": None, "message": message}
    db_time = _db_converter(ObjectChange._meta.get_field("time"))(now)
    db_request = _db_converter(ObjectChange._meta.get_field("request_id"))(ctx.request_id)
    ids = allocate_ids(ObjectChange, len(rows))
    dumps = json.dumps
    sha = hashlib.sha256
    values = []
    for n, (row, text, pk) in enumerate(zip(rows, reprs, ids, strict=True)):
        seq += 1
        after = {name: conv(row[name]) for name, conv in logged}
        if extras is not None:
            after.update(extras[n])
        text = text[:200]
        record = {**common, "seq": seq, "country_id": row["country_id"], "object_id": row["id"],
                  "object_repr": text, "after": after}
        digest = sha(prev.encode("ascii"))
        digest.update(b"\n")
        digest.update(dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                            allow_nan=False).encode("utf-8"))
        link = digest.hexdigest()
        # id, seq, time, actor, actor_repr, source, request, country, prev, row, action, type, oid, repr,
        # before, after, message (ObjectChange's column order)
        values.append((pk, seq, db_time, ctx.actor_id, ctx.actor_repr, ctx.source, db_request, row["country_id"],
                       prev, link, "create", object_type, row["id"], text, None, dumps(after), message))
        prev = link
    insert_values(ObjectChange, values)
    ChainHead.objects.filter(name=ObjectChange.chain_name).update(seq=seq, last_hash=prev)


# --- the registry part: what services.bulk_register would build --------------------------------


def fast_bulk_register(*, actor: Any, drafts: list[FirearmDraft], country_id: int, source_name: str,
                       batch_number: int) -> list[int]:
    if not scope_allows(country_id):
        raise ScopeError("this scope may not write records of that country")
    now = timezone.now()
    status_of = {e: lifecycle.check([], Proposed(Event(e))) for e in {d.first_event for d in drafts}}
    firearm_ids = allocate_ids(Firearm, len(drafts))
    base = {"created_at": now, "updated_at": now, "country_id": country_id}
    firearms, serials, markings, first_events = [], [], [], []
    firearm_reprs, serial_reprs, marking_reprs, event_reprs = [], [], [], []
    kind_label = {k: str(label) for k, label in Marking.Kind.choices}
    for pk, d in zip(firearm_ids, drafts, strict=True):
        status = status_of[d.first_event]
        key = d.serial_key
        firearms.append({**base, "id": pk, "public_id": uuid.uuid4(), "type_id": d.type_id,
                         "manufacturer_id": d.manufacturer_id, "make_as_read": d.make_as_read, "model_id": d.model_id,
                         "model_as_read": d.model_as_read, "calibre_id": d.calibre_id,
                         "calibre_as_read": d.calibre_as_read, "serial_key": key,
                         "country_of_manufacture": d.country_of_manufacture,
                         "year_of_manufacture": d.year_of_manufacture, "status": str(status),
                         "holding_agency_id": d.holding_agency_id, "civilian_holder_id": None,
                         "storage_location": d.storage_location, "source": d.source, "notes": d.notes})
        firearm_reprs.append(f"{key or '?'} ({d.make_as_read or '-'} {d.model_as_read})".strip())
        for component_id, value, skey, primary in d.serials:
            serials.append({**base, "public_id": uuid.uuid4(), "firearm_id": pk, "component_id": component_id,
                            "value": value, "key": skey, "is_primary": primary})
            serial_reprs.append(value)
        for m in d.markings:
            markings.append({**base, "public_id": uuid.uuid4(), "firearm_id": pk, "kind": m.kind,
                             "component_id": m.component_id, "location": m.location, "text": m.text,
                             "method": m.method, "country_code": m.country_code, "year": m.year,
                             "importer_name": m.importer_name, "importer_address": m.importer_address,
                             "import_country": m.import_country, "import_year": m.import_year})
            marking_reprs.append(f"{kind_label.get(m.kind, m.kind)}: {m.text}")
        first_events.append({**base, "public_id": uuid.uuid4(), "firearm_id": pk, "kind": d.first_event,
                             "occurred_on": d.occurred_on, "agency_id": d.holding_agency_id,
                             "civilian_holder_id": None, "counterpart_country": "", "reference": "", "notes": "",
                             "status_after": str(status)})
        event_reprs.append(f"{d.first_event} {d.occurred_on}")
    insert_rows(Firearm, firearms)
    for model, rows in ((SerialNumber, serials), (Marking, markings), (FirearmEvent, first_events)):
        for row, pk in zip(rows, allocate_ids(model, len(rows)), strict=True):
            row["id"] = pk
        insert_rows(model, rows)
    if CHANGE_LOG == "per_firearm":
        # Variant: one change row per firearm, its serials, markings and first event nested in it.
        nested: dict[int, dict[str, list[Any]]] = {pk: {"serials": [], "markings": [], "events": []}
                                                   for pk in firearm_ids}
        for key, model, rows in (("serials", SerialNumber, serials), ("markings", Marking, markings),
                                 ("events", FirearmEvent, first_events)):
            logged = _plan(model)[2]
            for row in rows:
                nested[row["firearm_id"]][key].append({name: conv(row[name]) for name, conv in logged})
        record_rows(Firearm, firearms, firearm_reprs, message=source_name,
                    extras=[nested[pk] for pk in firearm_ids])
    else:
        for model, rows, reprs in ((Firearm, firearms, firearm_reprs), (SerialNumber, serials, serial_reprs),
                                   (Marking, markings, marking_reprs), (FirearmEvent, first_events, event_reprs)):
            if rows:
                record_rows(model, rows, reprs, message=source_name)
    audit.emit(events.BATCH_IMPORTED, country_id=country_id,
               payload={"file": source_name, "batch": batch_number, "rows": len(firearms)})
    # Hit notices need the records: load only those whose serial is reported missing.
    keys = {f["serial_key"] for f in firearms}
    if Firearm.objects.owned().filter(serial_key__in=keys, status__in=services.REPORTED_MISSING).exists():
        services.raise_hit_notices(list(Firearm.objects.owned().filter(pk__in=firearm_ids)),
                                   trigger=HitNotice.Trigger.IMPORTED)
    return firearm_ids


def install(change_log: str = "per_record") -> None:
    """Swap the proposal in (benchmark only)."""
    global CHANGE_LOG
    CHANGE_LOG = change_log
    services.bulk_register = fast_bulk_register  # type: ignore[assignment]
