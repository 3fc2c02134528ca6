"""The pure hash-chain engine: any edit, removal, insertion or reordering is caught."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cifta.core.hashchain import GENESIS, ChainRow, link_hash, verify

records = st.lists(
    st.dictionaries(st.sampled_from(["a", "b", "verb", "payload"]),
                    st.one_of(st.integers(), st.text(max_size=8), st.none()), max_size=4),
    min_size=1, max_size=12,
)


def build(recs):
    rows, prev = [], GENESIS
    for seq, rec in enumerate(recs, start=1):
        rec = {**rec, "seq": seq}
        h = link_hash(prev, rec)
        rows.append(ChainRow(seq, rec, prev, h))
        prev = h
    return rows, len(rows), prev


@given(records)
def test_an_untouched_chain_verifies(recs):
    rows, n, head = build(recs)
    assert verify(rows, n, head).ok


@given(records, st.data())
def test_a_changed_row_is_reported_at_its_position(recs, data):
    rows, n, head = build(recs)
    i = data.draw(st.integers(0, n - 1))
    tampered = ChainRow(rows[i].seq, {**rows[i].record, "tampered": True}, rows[i].prev_hash, rows[i].row_hash)
    result = verify([*rows[:i], tampered, *rows[i + 1:]], n, head)
    assert not result.ok and result.first_break is not None
    assert result.first_break.seq == i + 1


@given(records, st.data())
def test_a_removed_row_is_reported(recs, data):
    rows, n, head = build(recs)
    i = data.draw(st.integers(0, n - 1))
    result = verify(rows[:i] + rows[i + 1:], n, head)
    assert not result.ok


@given(records, st.data())
def test_an_inserted_row_is_reported(recs, data):
    rows, n, head = build(recs)
    i = data.draw(st.integers(0, n))
    prev = rows[i - 1].row_hash if i else GENESIS
    forged = ChainRow(i + 1, {"seq": i + 1, "forged": 1}, prev, link_hash(prev, {"seq": i + 1, "forged": 1}))
    result = verify([*rows[:i], forged, *rows[i:]], n, head)
    assert not result.ok


def test_canonical_form_ignores_key_order():
    assert link_hash(GENESIS, {"a": 1, "b": 2}) == link_hash(GENESIS, {"b": 2, "a": 1})
