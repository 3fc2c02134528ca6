"""What the benchmarks share: a fresh database for a child process (a SQLite file under a work
folder, or a PostgreSQL database created and dropped afterwards)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(sql)


@contextmanager
def fresh_database(db: str, name: str, data_dir: Path, *, keep: bool = False) -> Iterator[dict[str, str]]:
    """The environment of a child process that gets its own empty database ``name``."""
    env = dict(os.environ)
    env["CIFTA_DATA_DIR"] = str(data_dir)
    env.pop("DATABASE_URL", None)
    if db == "postgres":
        pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
        pg_admin(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield env
    finally:
        if db == "postgres" and not keep:
            pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
