"""Which index look-ups find every serial a query can match: no full scan, nothing missed.

The index holds each serial three ways (``lookalikes.index_forms``): folded, folded and
reversed, folded without embedded letters. A plan is a set of probes on them: equal to a
value, or starting with a prefix (on the reversed form, a prefix is the serial's end).

Why it misses nothing (tested against a full scan in ``test_serial_search``):
- a query without edits matches only serials that start with its leading literal run and end
  with its trailing one, so the longer of the two, as a prefix or a suffix, is enough;
- one edit cannot touch both ``T[:g]`` and ``T[g+1:]`` (g the middle position, a
  transposition touches two neighbours): one of them is intact, as prefix or as suffix;
- two edits: split ``T`` into P, M, S with M at least two long. If P or S is intact, as
  above. Otherwise one edit touches P and the other S, and the serial starts with
  ``T[:len(P)+len(M)-1]`` changed by one edit touching P: every such variant is a prefix.
Wildcards inside a probe are expanded while the variants stay few, or the probe is cut at the
first wildcard (shorter prefixes find more, never less). Pure, no Django.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from cifta.registry.serials.lookalikes import INDEX_FOLDING, without_embedded_letters
from cifta.registry.serials.query import ANY, LIT, SET, STAR, SerialQuery, Token

MAX_EXPANSION = 64  # concrete strings one probe may expand into
MIN_PROBE = 2  # a prefix shorter than this would read a large part of the register
MAX_PROBES = 1500  # index look-ups for one query; past it, one edit fewer


class TooBroad(ValueError):
    """No plan avoids reading a large part of the register."""


class CrowdedPlan(TooBroad):
    """Two edits would read too many serials (``crowded`` said so of an anchor): the caller
    may search with fewer edits and say so."""


Crowded = Callable[["Plan"], bool]


@dataclass(frozen=True)
class Plan:
    equal: frozenset[str] = frozenset()  # folded serial equals
    bare_equal: frozenset[str] = frozenset()  # folded serial without embedded letters equals
    prefixes: frozenset[str] = frozenset()  # folded serial starts with
    suffixes: frozenset[str] = frozenset()  # reversed folded serial starts with (serial ends with)
    min_length: int = 0  # of the folded serial: a match cannot be shorter or longer
    max_length: int = 40

    @property
    def probes(self) -> int:
        return len(self.equal) + len(self.bare_equal) + len(self.prefixes) + len(self.suffixes)


def _concrete(tokens: list[Token], *, expand_any: bool = True) -> list[str]:
    """The strings a run of tokens stands for, cut before the first token that would expand
    past MAX_EXPANSION variants (``?`` stands for the whole alphabet, unless ``expand_any`` is
    off: then it cuts) or before a ``*``."""
    out = [""]
    for token in tokens:
        if token.kind == STAR or (token.kind == ANY and not expand_any):
            break
        if token.kind == LIT:
            out = [s + token.chars for s in out]
            continue
        choices = token.chars if token.kind == SET else INDEX_FOLDING.alphabet
        if len(out) * len(choices) > MAX_EXPANSION:
            break
        out = [s + c for s in out for c in choices]
    return out


def _prefixes(tokens: list[Token]) -> list[str]:
    return _concrete(tokens)


def _suffixes(tokens: list[Token]) -> list[str]:
    return _concrete(list(reversed(tokens)))  # reversed text: a prefix of the reversed form


def _shortest(values: list[str]) -> int:
    return min((len(v) for v in values), default=0)


def _ends(tokens: list[Token], crowded: Crowded | None = None) -> Plan:
    """Probe by the start or by the end (either alone finds every match): the longer fixed
    part, unless it is crowded and the other is usable."""
    starts, ends = _prefixes(tokens), _suffixes(tokens)
    if max(_shortest(starts), _shortest(ends)) < MIN_PROBE:
        raise TooBroad("no fixed start or end of two characters")
    by_start, by_end = Plan(prefixes=frozenset(starts)), Plan(suffixes=frozenset(ends))
    first, second = (by_start, by_end) if _shortest(starts) >= _shortest(ends) else (by_end, by_start)
    if crowded is not None and min(_shortest(starts), _shortest(ends)) >= MIN_PROBE and crowded(first):
        return second
    return first


def _either(head: list[Token], tail: list[Token]) -> Plan:
    """Serials starting with ``head`` or ending with ``tail``."""
    starts, ends = _prefixes(head), _suffixes(tail)
    if _shortest(starts) < MIN_PROBE or _shortest(ends) < MIN_PROBE:
        raise TooBroad("the query is too short for this many edits")
    return Plan(prefixes=frozenset(starts), suffixes=frozenset(ends))


def _one_edit_variants(tokens: list[Token], touch: int, alphabet: str) -> list[list[Token]]:
    """``tokens`` changed by one edit that touches one of its first ``touch`` positions."""
    out: list[list[Token]] = []
    letters = [Token(LIT, c) for c in alphabet]
    for i in range(touch):
        out.append(tokens[:i] + tokens[i + 1:])  # deleted
        out.extend([*tokens[:i], c, *tokens[i + 1:]] for c in letters if not tokens[i].accepts(c.chars))
        out.extend([*tokens[:i], c, *tokens[i:]] for c in letters)  # inserted before i
        if i + 1 < len(tokens):
            out.append([*tokens[:i], tokens[i + 1], tokens[i], *tokens[i + 2:]])  # swapped
    return out


def _edits_within(tokens: list[Token], alphabet: str, *, at_end: bool) -> list[list[Token]]:
    """``tokens`` unchanged and changed by every single edit inside them (and, with ``at_end``,
    a character added after the last)."""
    out = [tokens, *_one_edit_variants(tokens, len(tokens), alphabet)]
    if at_end:
        out.extend([*tokens, Token(LIT, c)] for c in alphabet)
    return out


def _enumerated(variants: list[list[Token]], *, suffix: bool) -> Plan:
    values: set[str] = set()
    for variant in variants:
        values.update(_concrete(list(reversed(variant)) if suffix else variant, expand_any=False))
    if _shortest(sorted(values)) < MIN_PROBE:
        raise TooBroad("variants too short")
    return Plan(suffixes=frozenset(values)) if suffix else Plan(prefixes=frozenset(values))


def _union(*plans: Plan) -> Plan:
    return Plan(equal=frozenset().union(*(p.equal for p in plans)),
                bare_equal=frozenset().union(*(p.bare_equal for p in plans)),
                prefixes=frozenset().union(*(p.prefixes for p in plans)),
                suffixes=frozenset().union(*(p.suffixes for p in plans)))


def _cheaper(anchor: Plan, alternative: Callable[[], Plan], crowded: Crowded | None) -> Plan:
    """The plain anchor, unless it is crowded (it would read many serials: a common maker
    prefix) and the enumerated alternative, lossless for the same case, can be built."""
    if crowded is None or not crowded(anchor):
        return anchor
    try:
        return alternative()
    except TooBroad:
        return anchor


def plan_or_fewer_edits(query: SerialQuery, crowded: Crowded | None = None,
                        too_many: Crowded | None = None) -> tuple[SerialQuery, Plan]:
    """``plan``; when the edits were the default for the length and cannot be planned (a
    wildcard where the fixed start or end should be), with one edit fewer, down to none."""
    while True:
        try:
            return query, plan(query, crowded, too_many)
        except CrowdedPlan:
            raise  # the caller lowers the edits and tells the officer
        except TooBroad:
            if query.edits_chosen or not query.max_edits:
                raise
            query = replace(query, max_edits=query.max_edits - 1)


def plan(query: SerialQuery, crowded: Crowded | None = None, too_many: Crowded | None = None) -> Plan:
    """The probes for ``query``, folded as the index is. A State's own folding merges fewer
    characters (``Folding.within``), so what it matches the index finds; the matcher then
    applies the State's folding to what the probes return.

    ``crowded(probes)`` (optional; the search asks the database) says whether a plain anchor
    would read many serials. For one edit, each of the two cases then has a second lossless
    form: case A (``T[g+1:]`` intact: the edit is inside ``T[:g+1]``) is also every serial
    starting with ``T[:g+1]`` changed by at most one edit; case B (``T[:g]`` intact) every
    serial ending with ``T[g:]`` changed by at most one edit. Serial tails (running numbers)
    are far more selective than maker prefixes. ``too_many(probes)`` says whether an anchor of
    the two-edit plan alone would read more serials than a search may: CrowdedPlan then."""
    folding = INDEX_FOLDING
    alphabet = folding.alphabet
    tokens = [Token(t.kind, "".join(sorted({folding.fold(c) for c in t.chars}))) if t.kind in (LIT, SET) else t
              for t in query.tokens]
    tokens = [Token(LIT, t.chars) if t.kind == SET and len(t.chars) == 1 else t for t in tokens]
    edits = query.max_edits
    bare = (frozenset({folding.fold(without_embedded_letters(query.literal))})
            if query.ignore_embedded_letters and query.is_literal else frozenset())
    if query.is_literal and not edits:
        text = "".join(t.chars for t in tokens)
        return Plan(equal=frozenset({text}), bare_equal=bare)
    if not edits:
        found = _ends(tokens, crowded)
    elif edits == 1:
        g = len(tokens) // 2
        plain = _either(tokens[:g], tokens[g + 1:])
        case_a = _cheaper(Plan(suffixes=plain.suffixes), lambda: _enumerated(
            _edits_within(tokens[:g + 1], alphabet, at_end=False), suffix=False), crowded)
        case_b = _cheaper(Plan(prefixes=plain.prefixes), lambda: _enumerated(
            _edits_within(tokens[g:], alphabet, at_end=True), suffix=True), crowded)
        found = _union(case_a, case_b)
    else:
        n = len(tokens)
        p_len = s_len = max(1, (n - 2) // 2)  # long ends read fewer serials; the middle keeps two
        if n - p_len - s_len < 2:
            raise TooBroad("the query is too short for two edits")
        base = _either(tokens[:p_len], tokens[n - s_len:])
        if too_many is not None and (too_many(Plan(prefixes=base.prefixes)) or too_many(Plan(suffixes=base.suffixes))):
            # No enumerated form of these two cases is cheap enough: one edit fewer.
            raise CrowdedPlan("an anchor of the two-edit plan reads too many serials")
        head = tokens[:n - s_len - 1]
        extra: set[str] = set()
        for variant in _one_edit_variants(head, p_len, alphabet):
            extra.update(_concrete(variant, expand_any=False))  # hundreds of variants: no ? expansion
        if _shortest(sorted(extra)) < MIN_PROBE:
            raise TooBroad("the query is too short for two edits")
        found = Plan(prefixes=base.prefixes | frozenset(extra), suffixes=base.suffixes)
        if found.probes > MAX_PROBES:
            raise TooBroad("too many look-ups for two edits")
    if bare:
        found = replace(found, bare_equal=bare)
    if query.has_star:
        lengths = (sum(1 for t in tokens if t.kind != STAR), 40)
    else:
        lengths = (len(tokens) - edits, len(tokens) + edits)
    if query.ignore_embedded_letters:
        lengths = (0, 40)  # the letters dropped may be any number
    return replace(_simplified(found), min_length=lengths[0], max_length=lengths[1])


def _simplified(found: Plan) -> Plan:
    """Drop prefixes that a shorter prefix in the plan already covers."""
    def minimal(values: frozenset[str]) -> frozenset[str]:
        # Sorted, the values a prefix covers follow it directly.
        kept: list[str] = []
        for value in sorted(values):
            if not kept or not value.startswith(kept[-1]):
                kept.append(value)
        return frozenset(kept)

    return Plan(equal=found.equal, bare_equal=found.bare_equal, prefixes=minimal(found.prefixes),
                suffixes=minimal(found.suffixes))

