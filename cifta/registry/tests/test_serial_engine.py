"""The serial-search engine (pure): query syntax and refusals, look-alike folding, the tiers
and their reasons, and the plan's promise that index probes find every serial the matcher
accepts (property-based, against random serials and damaged queries)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cifta.registry.serials.lookalikes import INDEX_FOLDING, Folding, LookalikeError, index_forms
from cifta.registry.serials.matching import EDIT1, EDIT2, EMBEDDED, EXACT, FOLDED, PATTERN, Matcher, Prefilter
from cifta.registry.serials.plan import Plan, TooBroad, plan, probe_matches
from cifta.registry.serials.query import QueryError, parse


def found_by(probes: Plan, key: str) -> bool:
    folded, reversed_, bare = index_forms(key)
    if not probes.min_length <= len(folded) <= probes.max_length:
        return False
    return (folded in probes.equal or bare in probes.bare_equal
            or any(probe_matches(p, folded) for p in probes.prefixes)
            or any(probe_matches(s, reversed_) for s in probes.suffixes))


def match(query: str, key: str, folding: Folding = INDEX_FOLDING, **options: object):
    return Matcher(parse(query, **options), folding).match(key)  # type: ignore[arg-type]


# --- syntax --------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "code"), [
    ("", "empty"), ("  - / ", "empty"), ("???*", "only_wildcards"), ("12[38", "unbalanced"),
    ("12]3", "unbalanced"), ("1[]23", "unbalanced"), ("A" * 201, "too_long"), ("AB\x00C123", "control"),
    ("A?", "too_broad"), ("*1*", "too_broad"), ("12[3#]4", "bad_character"),
])
def test_bad_queries_are_refused_with_a_code(raw: str, code: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse(raw)
    assert caught.value.code == code


def test_separators_and_case_do_not_count_and_edits_follow_the_length() -> None:
    query = parse(" ab-12/34.5 ")
    assert query.literal == "AB12345" and query.max_edits == 2
    assert parse("AB123").max_edits == 1 and parse("AB12").max_edits == 0
    assert parse("12*34").max_edits == 0
    with pytest.raises(QueryError) as caught:
        parse("AB12", max_edits=2)
    assert caught.value.code == "too_broad"
    assert parse("12[38]4?6").text == "12[38]4?6"


def test_a_state_folds_only_pairs_the_index_folds() -> None:
    assert Folding(["0O", "1I"]).within(INDEX_FOLDING)
    assert not Folding(["0O", "7T"]).within(INDEX_FOLDING)
    with pytest.raises(LookalikeError):
        Folding(["0O", "O1"])


# --- tiers and reasons ---------------------------------------------------------------------

def test_exact_folded_embedded_pattern_and_edits_each_say_why() -> None:
    assert match("AB1234567", "AB1234567").tier == EXACT
    folded = match("AB1O34567", "AB1034567")
    assert folded.tier == FOLDED and folded.reasons == (("lookalike", {"pos": 4, "typed": "O", "found": "0"}),)
    assert match("369257", "369J257", ignore_embedded_letters=True).tier == EMBEDDED
    assert match("369257", "369J257", max_edits=0) is None
    pattern = match("12[38]4?6", "128476")
    assert pattern.tier == PATTERN
    assert ("set", {"pos": 3, "found": "8", "set": "38"}) in pattern.reasons
    assert ("unknown", {"pos": 5, "found": "7"}) in pattern.reasons
    assert match("AB*567", "AB1234567").tier == PATTERN
    swapped = match("AB1243567", "AB1234567")
    assert swapped.tier == EDIT1 and swapped.reasons == (("transposition", {"pos": 5, "next": 6}),)
    missing = match("AB124567", "AB1234567")
    assert missing.tier == EDIT1 and missing.reasons[0][0] == "missing"
    two = match("AB1243567X", "AB1234567")
    assert two.tier == EDIT2 and [r[0] for r in two.reasons] == ["transposition", "extra"]
    assert match("AB9999999", "AB1234567") is None


def test_a_state_without_a_pair_does_not_fold_it() -> None:
    strict = Folding(["0O"])
    assert match("AB1Z34567", "AB1234567", strict).tier == EDIT1  # Z and 2 are not look-alikes here
    assert match("AB1Z34567", "AB1234567").tier == FOLDED


# --- the plan finds everything the matcher accepts -------------------------------------------

ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVXYZOIQ"


def damaged(rnd: random.Random, key: str) -> str:
    chars = list(key)
    for _ in range(rnd.randint(0, 3)):
        op = rnd.choice(["sub", "ins", "del", "swap", "unknown", "set", "look", "star"])
        i = rnd.randrange(len(chars)) if chars else 0
        if op == "sub" and chars:
            chars[i] = rnd.choice(ALPHABET)
        elif op == "ins":
            chars.insert(i, rnd.choice(ALPHABET))
        elif op == "del" and len(chars) > 4:
            del chars[i]
        elif op == "swap" and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif op == "unknown" and chars:
            chars[i] = "?"
        elif op == "set" and chars and chars[i].isalnum():
            chars[i] = f"[{chars[i]}{rnd.choice(ALPHABET)}]"
        elif op == "look" and chars:
            chars[i] = {"0": "O", "1": "I", "8": "B", "5": "S", "2": "Z", "6": "G"}.get(chars[i], chars[i])
        elif op == "star" and chars:
            chars = ["*", *chars[i:]] if rnd.random() < 0.5 else [*chars[:i], "*"]
    return "".join(chars)


@settings(max_examples=600, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_every_serial_the_matcher_accepts_is_found_by_the_plan_and_kept_by_the_prefilter(seed: int) -> None:
    rnd = random.Random(seed)
    keys = ["".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(5, 12))) for _ in range(30)]
    target = rnd.choice(keys)
    keys += [target[:i] + rnd.choice(ALPHABET) + target[i + 1:] for i in range(len(target))]  # near twins
    raw = damaged(rnd, target)
    # The planner takes whichever covering form is counted cheapest: counted on this register,
    # estimated, or at random (every choice it can make must stay lossless).
    mode = rnd.choice(["estimate", "counted", "random"])

    def counted(probes: Plan) -> int:
        return sum(1 for key in keys if found_by(probes, key))

    reach = None if mode == "estimate" else counted if mode == "counted" else (lambda _p: rnd.randrange(10_000))
    try:
        query = parse(raw, ignore_embedded_letters=rnd.random() < 0.3)
        probes = plan(query, reach)
    except (QueryError, TooBroad):
        return
    matcher = Matcher(query, Folding(["0OD", "1I", "8B"]) if rnd.random() < 0.3 else INDEX_FOLDING)
    prefilter = Prefilter(query)
    for key in keys:
        if matcher.match(key) is not None:
            assert found_by(probes, key), (raw, key, probes)
            assert prefilter.survivors({0: index_forms(key)[0]}) == [0], (raw, key)  # nor drops it


def test_the_system_check_refuses_lookalike_groups_the_index_does_not_fold(settings) -> None:
    from cifta.registry.checks import serial_lookalikes

    settings.CIFTA_SERIAL_LOOKALIKES = {"CO": ["0O", "1I"]}
    assert serial_lookalikes(None) == []
    settings.CIFTA_SERIAL_LOOKALIKES = {"CO": ["0O", "7T"], "MX": ["0O", "O1"]}
    assert sorted(e.id for e in serial_lookalikes(None)) == ["cifta.E101", "cifta.E102"]


def test_a_crowded_start_is_split_into_longer_probes() -> None:
    # A million serials start with "AB"; the rest are unique: the planner must not probe "AB".
    def reach(probes: Plan) -> int:
        return sum(1_000_000 if len(p.split("?")[0]) <= 3 else 1 for p in probes.prefixes | probes.suffixes)

    found = plan(parse("AB12345678"), reach)
    assert found.estimate < 5_000
    assert all(len(p.split("?")[0]) > 3 for p in found.prefixes | found.suffixes)


def test_the_sample_estimates_what_the_index_reads_from_fixed_parts() -> None:
    from cifta.registry.serials.sample import SerialSample

    sample = SerialSample(["AB100", "AB200", "AC100", "ZZ9"], total=400)
    assert sample.reach(Plan(prefixes=frozenset({"AB"}))) == 200  # 2 of 4 sampled, register of 400
    assert sample.reach(Plan(prefixes=frozenset({"AB?00"}))) == 200  # the index reads the range before ?
    assert sample.reach(Plan(suffixes=frozenset({"001"}))) == 200  # AB100 and AC100 end with 100
    assert SerialSample([], 0).reach(Plan(prefixes=frozenset({"AB"}))) == 0
