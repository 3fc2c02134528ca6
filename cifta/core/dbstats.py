"""Planner statistics after large writes.

SQLite keeps no statistics until ANALYZE runs; without them it may answer an OR of index
ranges by scanning a whole index (seconds instead of milliseconds at a million serials).
PostgreSQL's autovacuum gathers them eventually; after an import we do not wait for it, and
outside a transaction we VACUUM too: it marks the new pages all-visible, so searches that
read only index entries (the serial search) need not visit the table.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection


def refresh_statistics(tables: Iterable[str]) -> None:
    """ANALYZE these tables (on SQLite with a sampling limit, so it takes milliseconds; on
    PostgreSQL with VACUUM when no transaction is open)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        for table in tables:
            name = connection.ops.quote_name(table)
            cursor.execute(f"VACUUM (ANALYZE) {name}" if vacuum else f"ANALYZE {name}")
