"""Hash chain over append-only rows: pure functions, no Django.

Each row stores the hash of the row before it and its own hash, computed over a canonical JSON
form of its content. Editing, removing or inserting a row breaks a link that ``verify`` reports.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical_json(record: Mapping[str, Any]) -> bytes:
    """Stable bytes for a record: sorted keys, no whitespace, UTF-8, no NaN."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


def link_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_json(record))
    return digest.hexdigest()


@dataclass(frozen=True)
class ChainRow:
    seq: int
    record: Mapping[str, Any]
    prev_hash: str
    row_hash: str


@dataclass(frozen=True)
class Break:
    seq: int | None
    reason: str


@dataclass(frozen=True)
class VerifyResult:
    rows: int
    first_break: Break | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def verify(rows: Iterable[ChainRow], head_seq: int, head_hash: str) -> VerifyResult:
    """Walk rows in seq order; report the first row whose link or content does not hold."""
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    for row in rows:
        count += 1
        if row.seq != expected_seq:
            if row.seq > expected_seq:
                reason = f"rows {expected_seq}..{row.seq - 1} are missing"
            else:
                reason = f"row {row.seq} is out of order or duplicated"
            return VerifyResult(count, Break(row.seq, reason))
        if row.prev_hash != expected_prev:
            return VerifyResult(count, Break(row.seq, "link to the previous row is broken"))
        if link_hash(row.prev_hash, row.record) != row.row_hash:
            return VerifyResult(count, Break(row.seq, "content does not match its hash (row was changed)"))
        expected_prev = row.row_hash
        expected_seq += 1
    if count != head_seq or expected_prev != head_hash:
        return VerifyResult(
            count,
            Break(count + 1 if count < head_seq else None, f"chain head says {head_seq} rows, found {count}"),
        )
    return VerifyResult(count, None)
