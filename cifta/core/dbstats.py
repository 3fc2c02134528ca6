"""Planner statistics after large writes.

SQLite keeps no statistics until ANALYZE runs; without them it may answer an OR of index
ranges by scanning a whole index (seconds instead of milliseconds at a million serials).
PostgreSQL's autovacuum gathers them eventually; after an import we do not wait for it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection


def refresh_statistics(tables: Iterable[str]) -> None:
    """ANALYZE these tables (on SQLite with a sampling limit, so it takes milliseconds)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
