"""Which index look-ups find every serial a query can match: no full scan, nothing missed.

The index holds each serial three ways (``lookalikes.index_forms``): folded, folded and
reversed, folded without embedded letters. A plan is a set of probes on them: equal to a
value, or starting with a prefix (on the reversed form, a prefix is the serial's end). A ``?``
inside a prefix stands for any one character: the index reads the range of the text before
it and the database filters the rest.

How a plan is found. The planner works on *cases*: "the serial is ``h + w + t`` where ``h`` is
one of some known starts, ``t`` one of some known ends, and ``w`` is within ``k`` edits of the
query positions still open". The whole query is the case (no start, no end, all positions, its
edits). A case can be answered by a probe on its starts or on its ends; when both would read
too many serials (a maker prefix shared by a million serials), the open positions are split in
two, ``A | B``, and the case becomes smaller ones that together cover it:

- ``A`` intact: the starts grow by ``A``, ``B`` keeps the ``k`` edits;
- ``B`` intact: the ends grow by ``B``;
- with two edits, one in each: the starts grow by every one-edit form of ``A`` (or the ends
  by every one-edit form of ``B``), and ``B`` keeps one edit;
- a transposition across the cut: the two neighbours swapped, one edit fewer.

Every alignment within ``k`` edits falls in one of these (optimal string alignment: an edit
touches one side of the cut, or is that transposition), so nothing is lost; a property test
checks it against the matcher on random serials and damaged queries. Which form is cheaper is
decided by how many index entries each probe set would read (``reach``: the search estimates
it from a sample of the register); without it, from the probes' fixed lengths. Pure, no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from cifta.registry.serials.lookalikes import INDEX_FOLDING, without_embedded_letters
from cifta.registry.serials.query import ANY, LIT, SET, STAR, SerialQuery, Token

UNKNOWN = "?"  # in a probe: any one character
MIN_PROBE = 2  # a probe whose fixed start is shorter would read a large part of the register
EXPAND_BELOW = MIN_PROBE  # a ? this close to a probe's start becomes one probe per character
MAX_SET = 1500  # probes on one side of a case
MAX_PROBES = 3000  # probes in a whole plan
SMALL = 1000  # a case answered by a probe reading at most this many serials is not split further
SPELL_UP_TO = 3  # open positions a case may be spelled out whole for (with its edits)
MAX_ESTIMATES = 400  # estimates asked while planning one query (past them, from fixed lengths)
INFINITE = 10**12
ASSUMED_REGISTER = 1_000_000  # for the estimate when no counts are given


class TooBroad(ValueError):
    """No plan avoids reading a large part of the register."""


@dataclass(frozen=True)
class Plan:
    equal: frozenset[str] = frozenset()  # folded serial equals
    bare_equal: frozenset[str] = frozenset()  # folded serial without embedded letters equals
    prefixes: frozenset[str] = frozenset()  # folded serial starts with (``?`` any one character)
    suffixes: frozenset[str] = frozenset()  # reversed folded serial starts with (serial ends with)
    min_length: int = 0  # of the folded serial: a match cannot be shorter or longer
    max_length: int = 40
    estimate: int = field(default=0, compare=False)  # index entries the probes were estimated to read

    @property
    def probes(self) -> int:
        return len(self.equal) + len(self.bare_equal) + len(self.prefixes) + len(self.suffixes)


Reach = Callable[[Plan], int]  # how many index entries a plan's probes read (an estimate will do)


def fixed(probe: str) -> str:
    """The part of a probe an index range can use: up to its first ``?``."""
    return probe.split(UNKNOWN, 1)[0]


def probe_matches(probe: str, text: str) -> bool:
    """Whether ``text`` starts with ``probe`` (``?`` any one character)."""
    return len(text) >= len(probe) and all(p in (UNKNOWN, c) for p, c in zip(probe, text, strict=False))


# --- building probes ---------------------------------------------------------------------------

def _extend(starts: Iterable[str], tokens: Sequence[Token], alphabet: str, *, spell: bool = True
            ) -> frozenset[str] | None:
    """Every start followed by the text ``tokens`` stand for; None past MAX_SET probes. A ``?``
    or a set is spelled out (one probe per character: a ``?`` would make the index read the
    whole range before it) unless that makes too many probes; then it stays a ``?``, except
    near a probe's start, where the range would be too wide. Stops at a ``*``."""
    if spell:
        spelled = _grow(starts, tokens, alphabet, spell_all=True)
        if spelled is not None:
            return spelled
    return _grow(starts, tokens, alphabet, spell_all=False)


def _grow(starts: Iterable[str], tokens: Sequence[Token], alphabet: str, *, spell_all: bool) -> frozenset[str] | None:
    out = set(starts)
    for token in tokens:
        if token.kind == STAR:
            break
        if token.kind == LIT:
            out = {s + token.chars for s in out}
            continue
        choices = token.chars if token.kind == SET else alphabet
        grown: set[str] = set()
        for s in out:
            head = fixed(s)
            if spell_all or (len(head) == len(s) and (len(head) < EXPAND_BELOW or token.kind == SET)):
                grown.update(s + c for c in choices)
            else:
                grown.add(s + UNKNOWN)
            if len(grown) > MAX_SET:
                return None
        out = grown
    return frozenset(out)


def _one_edit_forms(tokens: Sequence[Token]) -> list[tuple[Token, ...]]:
    """``tokens`` unchanged and changed by one edit anywhere in them, a new or substituted
    character written as ``?``."""
    any_char = Token(ANY)
    tokens = tuple(tokens)
    out = [tokens]
    for i in range(len(tokens) + 1):
        out.append((*tokens[:i], any_char, *tokens[i:]))  # inserted before i (or at the end)
        if i < len(tokens):
            out.append(tokens[:i] + tokens[i + 1:])  # deleted
            if tokens[i].kind != ANY:
                out.append((*tokens[:i], any_char, *tokens[i + 1:]))  # substituted
        if i + 1 < len(tokens) and tokens[i] != tokens[i + 1]:
            out.append((*tokens[:i], tokens[i + 1], tokens[i], *tokens[i + 2:]))  # swapped
    return out


def _extend_all(starts: frozenset[str], forms: list[tuple[Token, ...]], alphabet: str) -> frozenset[str] | None:
    """``_extend`` for several forms at once: all spelled out if that stays within MAX_SET."""
    for spell in (True, False):
        out: set[str] = set()
        for form in forms:
            grown = _extend(starts, form, alphabet, spell=spell)
            if grown is None or len(out | grown) > MAX_SET:
                break
            out |= grown
        else:
            return frozenset(out)
    return None


def _reversed(tokens: Sequence[Token]) -> tuple[Token, ...]:
    return tuple(reversed(tokens))


# --- choosing between the forms of a case ------------------------------------------------------

@dataclass(frozen=True)
class _Case:
    starts: frozenset[str]  # the serial starts with one of these
    rest: tuple[Token, ...]  # then within ``edits`` of these positions
    ends: frozenset[str]  # then one of these (reversed text, as the reversed index holds it)
    edits: int


@dataclass(frozen=True)
class _Choice:
    cost: int
    plan: Plan


_NONE = _Choice(INFINITE, Plan())


class _Planner:
    def __init__(self, reach: Reach | None, lengths: tuple[int, int], alphabet: str) -> None:
        self.reach, self.lengths, self.alphabet = reach, lengths, alphabet
        self.estimated: dict[Plan, int] = {}

    def cost(self, probes: Plan) -> int:
        # What the index reads: the range of each probe's fixed part (the rest is a filter).
        values = probes.prefixes | probes.suffixes
        if not values or any(len(fixed(v)) < MIN_PROBE for v in values):
            return INFINITE
        probes = Plan(prefixes=frozenset(map(fixed, probes.prefixes)),
                      suffixes=frozenset(map(fixed, probes.suffixes)),
                      min_length=self.lengths[0], max_length=self.lengths[1])
        if probes in self.estimated:
            return self.estimated[probes]
        if self.reach is None or len(self.estimated) >= MAX_ESTIMATES:
            value = sum(max(1, ASSUMED_REGISTER // len(self.alphabet) ** len(v))
                        for v in probes.prefixes | probes.suffixes)
        else:
            value = self.reach(probes)
        self.estimated[probes] = value
        return value

    def leaf(self, case: _Case) -> _Choice:
        """A probe by the case's starts or by its ends; with no edits left, the whole serial
        (starts, open positions, ends) from either side."""
        if case.edits:
            options = [Plan(prefixes=case.starts), Plan(suffixes=case.ends)]
        else:
            options = [Plan(prefixes=self.whole(case.starts, [case.rest], case.ends) or frozenset()),
                       Plan(suffixes=self.whole(case.ends, [_reversed(case.rest)], case.starts) or frozenset())]
        return min((_Choice(self.cost(p), p) for p in options), key=lambda c: c.cost)

    def whole(self, starts: frozenset[str], forms: list[tuple[Token, ...]], ends: frozenset[str]
              ) -> frozenset[str] | None:
        """Every start, then one of ``forms``, then an end (``ends`` written from the other
        side, as the other index holds them): whole serials; None past MAX_SET."""
        middle = _extend_all(starts, forms, self.alphabet)
        if middle is None or len(middle) * len(ends) > MAX_SET:
            return None
        if any(STAR in (t.kind for t in form) for form in forms):
            return middle  # a * leaves the length open: the start alone
        return frozenset(m + e[::-1] for m in middle for e in ends)

    def spelled(self, case: _Case) -> _Choice:
        """Every way the open positions can read within the case's edits, between a start and
        an end: whole serials, when there are few enough."""
        forms = [case.rest]
        for _ in range(case.edits):
            forms = list(dict.fromkeys(f for form in forms for f in _one_edit_forms(form)))
            if len(forms) > MAX_SET:
                return _NONE
        options = [Plan(prefixes=self.whole(case.starts, forms, case.ends) or frozenset()),
                   Plan(suffixes=self.whole(case.ends, [_reversed(f) for f in forms], case.starts) or frozenset())]
        return min((_Choice(self.cost(p), p) for p in options), key=lambda c: c.cost)

    def best(self, case: _Case) -> _Choice:
        leaf = self.leaf(case)
        if leaf.cost <= SMALL or not case.edits:
            return leaf
        options = [leaf, self.split(case) if len(case.rest) >= 2 else _NONE]
        if len(case.rest) <= SPELL_UP_TO and case.edits == 1:  # two edits spell into too many forms
            options.append(self.spelled(case))
        return min(options, key=lambda c: c.cost)

    def split(self, case: _Case) -> _Choice:
        rest, g, k = case.rest, len(case.rest) // 2, case.edits
        first, second = rest[:g], rest[g:]
        parts: list[_Choice] = []
        starts = _extend(case.starts, first, self.alphabet)
        ends = _extend(case.ends, _reversed(second), self.alphabet)
        if starts is None or ends is None:
            return _NONE
        parts.append(self.best(_Case(starts, second, case.ends, k)))  # the first half intact
        parts.append(self.best(_Case(case.starts, first, ends, k)))  # the second half intact
        if k >= 2:  # one edit in each half: either half's one-edit forms anchor it
            options = []
            grown = _extend_all(case.starts, _one_edit_forms(first), self.alphabet)
            if grown is not None:
                options.append(self.best(_Case(grown, second, case.ends, k - 1)))
            grown = _extend_all(case.ends, [_reversed(f) for f in _one_edit_forms(second)], self.alphabet)
            if grown is not None:
                options.append(self.best(_Case(case.starts, first, grown, k - 1)))
            parts.append(min(options, key=lambda c: c.cost, default=_NONE))
        left, right = first[-1], second[0]
        if left.kind == LIT and right.kind == LIT and left != right:  # swapped across the cut
            parts.append(self.best(_Case(case.starts, (*first[:-1], right, left, *second[1:]), case.ends, k - 1)))
        if any(p.cost >= INFINITE for p in parts):
            return _NONE
        return _Choice(sum(p.cost for p in parts), _union(*(p.plan for p in parts)))


def _union(*plans: Plan) -> Plan:
    return Plan(equal=frozenset().union(*(p.equal for p in plans)),
                bare_equal=frozenset().union(*(p.bare_equal for p in plans)),
                prefixes=frozenset().union(*(p.prefixes for p in plans)),
                suffixes=frozenset().union(*(p.suffixes for p in plans)))


# --- the plan ----------------------------------------------------------------------------------

def plan_or_fewer_edits(query: SerialQuery, reach: Reach | None = None) -> tuple[SerialQuery, Plan]:
    """``plan``; when the edits were the default for the length and cannot be planned (a
    wildcard where the fixed start or end should be), with one edit fewer, down to none."""
    while True:
        try:
            return query, plan(query, reach)
        except TooBroad:
            if query.edits_chosen or not query.max_edits:
                raise
            query = replace(query, max_edits=query.max_edits - 1)


def plan(query: SerialQuery, reach: Reach | None = None) -> Plan:
    """The probes for ``query``, folded as the index is. A State's own folding merges fewer
    characters (``Folding.within``), so what it matches the index finds; the matcher then
    applies the State's folding to what the probes return.

    ``reach(probes)`` (optional) says how many index entries a probe set reads; the planner
    takes the cheapest covering form. The plan's ``estimate`` is the total; the caller bounds
    what it actually reads."""
    folding = INDEX_FOLDING
    tokens = tuple(Token(LIT, t.chars) if t.kind == SET and len(t.chars) == 1 else t
                   for t in query.folded_tokens(folding))
    edits = query.max_edits
    bare = (frozenset({folding.fold(without_embedded_letters(query.literal))})
            if query.ignore_embedded_letters and query.is_literal else frozenset())
    if query.is_literal and not edits:
        return Plan(equal=frozenset({"".join(t.chars for t in tokens)}), bare_equal=bare, estimate=1)
    if query.has_star:
        lengths = (sum(1 for t in tokens if t.kind != STAR), 40)
    else:
        lengths = (len(tokens) - edits, len(tokens) + edits)
    if query.ignore_embedded_letters:
        lengths = (0, 40)  # the letters dropped may be any number
    if edits and len(tokens) < 2 * MIN_PROBE + edits:
        raise TooBroad("the query is too short for this many edits")
    planner = _Planner(reach, lengths, folding.alphabet)
    # With *, no edits: the fixed start or the fixed end (a probe stops at the first *).
    found = planner.best(_Case(frozenset({""}), tokens, frozenset({""}), edits))
    if found.cost >= INFINITE:
        raise TooBroad("no fixed start or end of two characters")
    result = _simplified(found.plan)
    if result.probes > MAX_PROBES:
        raise TooBroad("too many look-ups")
    return replace(result, bare_equal=bare, min_length=lengths[0], max_length=lengths[1], estimate=found.cost)


def _simplified(found: Plan) -> Plan:
    """Drop probes that a shorter probe of the plan, written the same way, already covers."""
    def minimal(values: frozenset[str]) -> frozenset[str]:
        return frozenset(v for v in values if not any(v[:n] in values for n in range(MIN_PROBE, len(v))))

    return Plan(equal=found.equal, bare_equal=found.bare_equal, prefixes=minimal(found.prefixes),
                suffixes=minimal(found.suffixes))
