"""Appending to and verifying the hash-chained audit tables. With ``core.bulkwrite`` (bulk
creation), the only writers of both."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from django.db import connection, transaction
from django.utils import timezone

from cifta.core import hashchain
from cifta.core.models.audit import AuditEvent, ChainedRow, ChainHead, ObjectChange

Row = TypeVar("Row", bound=ChainedRow)

CHAINED_MODELS: tuple[type[ChainedRow], ...] = (ObjectChange, AuditEvent)


class NotInTransactionError(RuntimeError):
    pass


def append(model: type[Row], **fields: Any) -> Row:
    """Append one row to ``model``'s chain. Must run inside the caller's transaction so the row
    and the change it records commit (or roll back) together."""
    if not connection.in_atomic_block:
        raise NotInTransactionError("audit rows are written inside the transaction of the change they record")
    head, _ = ChainHead.objects.select_for_update().get_or_create(
        name=model.chain_name, defaults={"seq": 0, "last_hash": hashchain.GENESIS}
    )
    row = model(seq=head.seq + 1, time=timezone.now(), prev_hash=head.last_hash, **fields)
    row.row_hash = hashchain.link_hash(row.prev_hash, row.hash_record())
    row.save(force_insert=True)
    ChainHead.objects.filter(name=model.chain_name).update(seq=row.seq, last_hash=row.row_hash)
    return row


def _chain_rows(model: type[ChainedRow]) -> Iterator[hashchain.ChainRow]:
    for row in model.unscoped.order_by("seq").iterator(chunk_size=2000):
        yield hashchain.ChainRow(row.seq, row.hash_record(), row.prev_hash, row.row_hash)


def verify_chain(model: type[ChainedRow]) -> hashchain.VerifyResult:
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # Head and rows from one snapshot, so a write committed meanwhile is no false alarm.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        head = ChainHead.objects.filter(name=model.chain_name).first()
        head_seq = head.seq if head else 0
        head_hash = head.last_hash if head else hashchain.GENESIS
        return hashchain.verify(_chain_rows(model), head_seq, head_hash)


def chain_heads() -> dict[str, tuple[int, str]]:
    return {h.name: (h.seq, h.last_hash) for h in ChainHead.objects.all()}
