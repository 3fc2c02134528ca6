"""The fast write path for bulk creation (file imports): complete rows inserted with
``executemany`` (SQLite) or ``COPY`` (PostgreSQL), each row still logged in the change log.

It keeps the contract of single saves (DESIGN.md §5): one ObjectChange per record, with the
same ``after`` that ``ChangeLoggedModel.changelog_data()`` gives for the stored row, the same
actor, source, request id and country, linked in the same hash chain; scope and transaction are
checked first, and nothing is written outside the caller's transaction.

Why not ``bulk_create``: it converts every value of every field through the ORM, splits each
batch into many statements on SQLite (999 parameters at most) and returns the ids only after
the insert, so the change rows need a second pass. Here every column has one converter chosen
once per table and backend, primary keys are allocated first, and the change rows reuse the
values already built. The benchmark ``bench/registry_import`` compares both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from cifta.core import hashchain
from cifta.core.chain import NotInTransactionError
from cifta.core.context import current_context
from cifta.core.models.audit import ChainHead, ObjectChange
from cifta.core.models.base import BaseModel, ChangeLoggedModel, CountryScopedModel
from cifta.core.scoping import ScopeError, scope_allows

Row = dict[str, Any]
Convert = Callable[[Any], Any]


def new_public_ids(count: int) -> list[str]:
    """``count`` fresh UUIDs as canonical strings, time-ordered (RFC 9562 version 7: 48 bits of
    Unix milliseconds, then 74 random bits). Ids made together sort together, so a million
    inserts touch the end of the ``public_id`` index instead of random pages all over it
    (random version 4 ids halved the import speed as the register grew). The random part,
    from one read of the system's random source, keeps them unguessable; access never rests
    on that anyway (scoping does)."""
    millis = time.time_ns() // 1_000_000
    raw = os.urandom(10 * count)
    out = []
    for start in range(0, 10 * count, 10):
        rand = int.from_bytes(raw[start:start + 10], "big")  # 80 bits; 74 are used
        rand_a = rand >> 68  # 12 bits
        rand_b = rand & ((1 << 62) - 1)
        value = (millis << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
        h = f"{value:032x}"
        out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return out


def allocate_ids(model: type[Model], count: int) -> list[int]:
    """``count`` fresh primary keys that no concurrent writer can take."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                           [table, count])
            return [r[0] for r in cursor.fetchall()]
        # SQLite: transactions are IMMEDIATE (settings), so the caller's holds the write lock and
        # no one else can insert between this read and our insert.
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        cursor.execute(f'SELECT MAX("id") FROM "{table}"')  # noqa: S608 - a model's own table name
        top = max(found[0] if found else 0, cursor.fetchone()[0] or 0)
        return list(range(top + 1, top + 1 + count))


# --- per-column conversions, chosen once per table and backend --------------------------------


def _sqlite_uuid(value: Any) -> Any:
    return None if value is None else (value.replace("-", "") if isinstance(value, str) else value.hex)


def _last_value(convert: Convert) -> Convert:
    """``convert`` remembering its last answer: a batch's timestamps are one value repeated."""
    last: list[tuple[Any, Any]] = [(object(), None)]  # one tuple, replaced whole: thread-safe

    def remembered(value: Any) -> Any:
        seen, answer = last[0]
        if value is not seen:
            answer = convert(value)
            last[0] = (value, answer)
        return answer

    return remembered


def _sqlite_datetime(value: Any) -> Any:
    return None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")


def _isoformat(value: Any) -> Any:
    return None if value is None else value.isoformat()


def _as_text(value: Any) -> Any:
    return None if value is None else str(value)


def _to_json(value: Any) -> Any:
    return None if value is None else json.dumps(value)


def _db_converter(field: Any) -> Convert | None:
    """What the driver takes for this column (as ``get_db_prep_save`` would give), or None
    when the Python value goes through as it is."""
    kind = field.get_internal_type()
    if kind == "JSONField":
        return _to_json
    if connection.vendor == "postgresql":
        return None
    if kind == "DateTimeField":
        return _last_value(_sqlite_datetime)
    return {"UUIDField": _sqlite_uuid, "DateField": _isoformat}.get(kind)


def _log_converter(field: Any) -> Convert | None:
    """What ``core.models.base.jsonable`` gives for this column's values, or None for as-is."""
    kind = field.get_internal_type()
    if kind == "UUIDField":
        return _as_text
    if kind == "DateTimeField":
        return _last_value(_isoformat)
    if kind == "DateField":
        return _isoformat
    return None


@dataclass(frozen=True)
class TablePlan:
    columns: tuple[str, ...]
    attnames: tuple[str, ...]
    db_convert: tuple[tuple[int, Convert], ...]  # (position, converter) of the columns needing one
    logged: tuple[tuple[str, Convert | None], ...]  # what the change log's "after" holds


_PLANS: dict[tuple[str, str], TablePlan] = {}


def plan(model: type[Model]) -> TablePlan:
    key = (connection.vendor, model._meta.label_lower)
    if key not in _PLANS:
        fields = list(model._meta.concrete_fields)
        ignored: frozenset[str] = getattr(model, "changelog_ignored", frozenset())
        masked: frozenset[str] = getattr(model, "changelog_masked", frozenset())
        logged: list[tuple[str, Convert | None]] = []
        for f in fields:
            if f.name in ignored:
                continue
            logged.append((f.attname, (lambda _v: "********") if f.name in masked else _log_converter(f)))
        converters = [(i, c) for i, c in enumerate(_db_converter(f) for f in fields) if c is not None]
        _PLANS[key] = TablePlan(tuple(str(f.column) for f in fields), tuple(f.attname for f in fields),
                                tuple(converters), tuple(logged))
    return _PLANS[key]


def _db_values(model: type[Model], rows: Sequence[Row]) -> list[tuple[Any, ...]]:
    table = plan(model)
    get = operator.itemgetter(*table.attnames)
    if not table.db_convert:
        return [get(row) for row in rows]
    out = []
    for row in rows:
        value = list(get(row))
        for i, convert in table.db_convert:
            value[i] = convert(value[i])
        out.append(tuple(value))
    return out


def _insert(model: type[Model], values: list[tuple[Any, ...]]) -> None:
    if not values:
        return
    table = plan(model)
    name = model._meta.db_table
    quoted = ", ".join(f'"{c}"' for c in table.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: their checks would pile up
            # and run at commit while the client waits. Checked during the COPY instead, the
            # server does them while the rows stream in; the usual mode is restored after.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            try:
                with cursor.cursor.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
                    for value in values:
                        copy.write_row(value)
            finally:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            marks = ", ".join(["%s"] * len(table.columns))
            cursor.executemany(f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})', values)  # noqa: S608


# --- the one entry point ------------------------------------------------------------------------


def create_rows(model: type[ChangeLoggedModel], rows: list[Row], reprs: Sequence[str], *,
                message: str = "") -> list[int]:
    """Insert new records of ``model`` given as complete dicts of field attnames (``id``,
    ``public_id``, ``created_at`` and ``updated_at`` are filled in when absent) and append one
    ObjectChange per record. ``reprs`` are the records' ``str()``. Returns the new ids."""
    if not rows:
        return []
    if not connection.in_atomic_block:
        raise NotInTransactionError("bulk writes run inside the caller's transaction")
    current_context()  # refuses a write without an actor
    if issubclass(model, CountryScopedModel):
        for country_id in {row["country_id"] for row in rows}:
            if country_id is None or not scope_allows(country_id):
                raise ScopeError("this scope may not write records of that country")
    now = timezone.now()
    ids = allocate_ids(model, len(rows))
    fresh_ids = new_public_ids(len(rows)) if issubclass(model, BaseModel) and "public_id" not in rows[0] else None
    for n, (row, pk) in enumerate(zip(rows, ids, strict=True)):
        row["id"] = pk
        if fresh_ids is not None:
            row["public_id"] = fresh_ids[n]
        row.setdefault("created_at", now)
        row.setdefault("updated_at", now)
    _insert(model, _db_values(model, rows))
    _log_created(model, rows, reprs, message=message, now=now)
    return ids


def _log_created(model: type[Model], rows: list[Row], reprs: Sequence[str], *, message: str,
                 now: dt.datetime) -> None:
    """One chained ObjectChange per row, the same as ``changelog.record_change`` writes for a save."""
    ctx = current_context()
    logged = plan(model).logged
    object_type = model._meta.label_lower
    scoped = issubclass(model, CountryScopedModel)
    head = ChainHead.objects.select_for_update().get_or_create(
        name=ObjectChange.chain_name, defaults={"seq": 0, "last_hash": hashchain.GENESIS})[0]
    seq, prev = head.seq, head.last_hash
    message = message[:500]
    # The hashed record (ObjectChange.hashed_fields, canonical JSON with sorted keys) is written
    # around "after", whose JSON is made once, hashed and stored: the keys before it are the
    # same for the batch, those after it differ only in country, object id and text, and seq.
    fixed = {"action": "create", "actor_id": ctx.actor_id, "actor_repr": ctx.actor_repr}
    prefix = hashchain.canonical_json(fixed)[:-1] + b',"after":'

    def js(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)

    middle = ',"before":null,"country_id":'
    tail = (f',"object_type":{js(object_type)},"request_id":{js(_as_text(ctx.request_id))},"seq":')
    end = f',"source":{js(ctx.source)},"time":{js(now.isoformat())}}}'
    message_part = f',"message":{js(message)},"object_id":'
    time_db = _db_converter(ObjectChange._meta.get_field("time"))
    request_db = _db_converter(ObjectChange._meta.get_field("request_id"))
    db_time = time_db(now) if time_db else now
    db_request = request_db(ctx.request_id) if request_db else ctx.request_id
    dumps = json.dumps
    sha256 = hashlib.sha256
    ids = allocate_ids(ObjectChange, len(rows))
    values = []
    for row, text, pk in zip(rows, reprs, ids, strict=True):
        seq += 1
        after = {name: (convert(row[name]) if convert else row[name]) for name, convert in logged}
        after_json = dumps(after, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        text = text[:200]
        country_id = row["country_id"] if scoped else None
        object_id = row["id"]
        rest = (f'{middle}{"null" if country_id is None else int(country_id)}{message_part}{int(object_id)},'
                f'"object_repr":{dumps(text, ensure_ascii=False)}{tail}{seq}{end}')
        digest = sha256(prev.encode("ascii"))
        digest.update(b"\n")
        digest.update(prefix)
        digest.update(after_json.encode("utf-8"))
        digest.update(rest.encode("utf-8"))
        link = digest.hexdigest()
        # ObjectChange's column order: id, seq, time, actor, actor_repr, source, request_id,
        # country, prev_hash, row_hash, action, object_type, object_id, object_repr, before,
        # after, message.
        values.append((pk, seq, db_time, ctx.actor_id, ctx.actor_repr, ctx.source, db_request, country_id,
                       prev, link, "create", object_type, object_id, text, None, after_json, message))
        prev = link
    _insert_change_rows(values)
    ChainHead.objects.filter(name=ObjectChange.chain_name).update(seq=seq, last_hash=prev)


def _insert_change_rows(values: list[tuple[Any, ...]]) -> None:
    expected = ("id", "seq", "time", "actor_id", "actor_repr", "source", "request_id", "country_id", "prev_hash",
                "row_hash", "action", "object_type", "object_id", "object_repr", "before", "after", "message")
    if plan(ObjectChange).attnames != expected:  # a new ObjectChange column must be added above too
        raise RuntimeError(f"ObjectChange columns changed: {plan(ObjectChange).attnames}")
    _insert(ObjectChange, values)
