"""Whether a registered serial can be the one an officer read, how well, and why. Pure.

Tiers, best first: exact; the same once look-alikes are folded; the same once letters between
digits are dropped (the NCIC option); matching the pattern (``?``, ``*``, ``[38]``); within
one edit; within two edits (insertion, deletion, substitution, transposition of neighbours:
the optimal string alignment distance). Within a tier, fewer look-alike differences rank
higher; the search adds points for agreement on make, model and calibre, never enough to
cross a tier. Every match carries its reasons as (code, parameters) pairs; the interface
writes them as sentences in the reader's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from cifta.registry.serials.lookalikes import INDEX_FOLDING, Folding, search_key, without_embedded_letters
from cifta.registry.serials.query import ANY, LIT, SET, STAR, SerialQuery, Token

EXACT, FOLDED, EMBEDDED, PATTERN, EDIT1, EDIT2 = "exact", "folded", "embedded", "pattern", "edit1", "edit2"
TIER_SCORE = {EXACT: 1000, FOLDED: 900, EMBEDDED: 850, PATTERN: 800, EDIT1: 700, EDIT2: 600}
Reason = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Match:
    tier: str
    edits: int = 0
    reasons: tuple[Reason, ...] = field(default=())

    @property
    def score(self) -> int:
        lookalikes = sum(1 for code, _ in self.reasons if code == "lookalike")
        return TIER_SCORE[self.tier] - min(lookalikes, 50)


class Matcher:
    """One query under one folding, ready to test many serials."""

    def __init__(self, query: SerialQuery, folding: Folding) -> None:
        self.query, self.folding = query, folding
        self.tokens = query.tokens
        self.folded_tokens = query.folded_tokens(folding)
        self.literal = query.literal
        self.folded_literal = folding.fold(self.literal) if query.is_literal else ""
        self.bare_literal = (folding.fold(without_embedded_letters(self.literal))
                             if query.ignore_embedded_letters else "")
        # For the fast reject of non-literal queries: wildcards as a character no serial has;
        # each wildcard can save at most one edit, so the C distance minus their number is a
        # lower bound of the true one.
        self.skeleton = "".join(t.chars[0] if t.kind == LIT else "#" for t in self.folded_tokens)
        self.wildcards = sum(1 for t in self.folded_tokens if t.kind != LIT)
        self.regex = None if query.is_literal else re.compile("".join(
            "(.)" if t.kind == ANY else "(.*)" if t.kind == STAR else f"([{re.escape(t.chars)}])"
            for t in self.folded_tokens))

    def match(self, key: str) -> Match | None:
        record = search_key(key)
        folded = self.folding.fold(record)
        if self.query.is_literal:
            if record == self.literal:
                return Match(EXACT)
            if folded == self.folded_literal:
                return Match(FOLDED, reasons=tuple(self._lookalikes(self.literal, record)))
            if self.bare_literal and self.folding.fold(without_embedded_letters(record)) == self.bare_literal:
                return Match(EMBEDDED, reasons=(("embedded", {"letters": _dropped(record, self.literal)}),))
        elif self.regex is not None:
            found = self.regex.fullmatch(folded)
            if found:
                return Match(PATTERN, reasons=tuple(self._pattern_reasons(found, record)))
        if not self.query.max_edits:
            return None
        limit = self.query.max_edits
        if abs(len(folded) - self._length()) > limit:
            return None
        if self.query.is_literal:
            if OSA.distance(self.folded_literal, folded, score_cutoff=limit) > limit:
                return None  # fast reject in C; the alignment below runs only for near serials
        elif OSA.distance(self.skeleton, folded, score_cutoff=limit + self.wildcards) > limit + self.wildcards:
            return None
        aligned = self._align(folded, record, limit)
        if aligned is None:
            return None
        edits, reasons = aligned
        if edits == 0:  # only wildcards could align at no cost, and the pattern said no: cannot happen
            return None
        return Match(EDIT1 if edits == 1 else EDIT2, edits=edits, reasons=tuple(reasons))

    # --- reasons -----------------------------------------------------------------------------

    def _lookalikes(self, typed: str, record: str) -> list[Reason]:
        return [("lookalike", {"pos": i + 1, "typed": a, "found": b})
                for i, (a, b) in enumerate(zip(typed, record, strict=False)) if a != b]

    def _pattern_reasons(self, found: re.Match[str], record: str) -> list[Reason]:
        reasons: list[Reason] = []
        for n, token in enumerate(self.tokens):
            start, end = found.span(n + 1)
            text = record[start:end]
            if token.kind == ANY:
                reasons.append(("unknown", {"pos": start + 1, "found": text}))
            elif token.kind == SET:
                reasons.append(("set", {"pos": start + 1, "found": text, "set": token.chars}))
            elif token.kind == STAR:
                reasons.append(("star", {"pos": start + 1, "found": text}))
            elif text != token.chars:
                reasons.append(("lookalike", {"pos": start + 1, "typed": token.chars, "found": text}))
        return reasons

    def _length(self) -> int:
        return len(self.tokens)

    def _align(self, folded: str, record: str, limit: int) -> tuple[int, list[Reason]] | None:
        """Optimal string alignment of the query's positions against the record, with ``?``
        and sets matching at no cost, within ``limit`` edits; the operations as reasons."""
        tokens, raw = self.folded_tokens, self.tokens
        n, m = len(tokens), len(folded)
        big = limit + 1
        dist = [[big] * (m + 1) for _ in range(n + 1)]
        for i in range(n + 1):
            dist[i][0] = i
        for j in range(m + 1):
            dist[0][j] = j
        for i in range(1, n + 1):
            token = tokens[i - 1]
            low, high = max(1, i - limit), min(m, i + limit)
            best = big
            for j in range(low, high + 1):
                cost = 0 if token.accepts(folded[j - 1]) else 1
                value = min(dist[i - 1][j] + 1, dist[i][j - 1] + 1, dist[i - 1][j - 1] + cost)
                if (i > 1 and j > 1 and token.kind == LIT and tokens[i - 2].kind == LIT and cost
                        and token.chars == folded[j - 2] and tokens[i - 2].chars == folded[j - 1]):
                    value = min(value, dist[i - 2][j - 2] + 1)
                dist[i][j] = min(value, big)
                best = min(best, dist[i][j])
            if best > limit:
                return None
        total = dist[n][m]
        if total > limit:
            return None
        # Walk back, preferring a match, then a transposition, a substitution, an extra typed
        # character, a missing one: the same choice every time, so reasons are stable.
        reasons: list[Reason] = []
        i, j = n, m
        while i > 0 or j > 0:
            if i > 0 and j > 0:
                token = tokens[i - 1]
                cost = 0 if token.accepts(folded[j - 1]) else 1
                if dist[i][j] == dist[i - 1][j - 1] + cost and cost == 0:
                    reasons.extend(self._kept(raw[i - 1], record[j - 1], j))
                    i, j = i - 1, j - 1
                    continue
                if (i > 1 and j > 1 and token.kind == LIT and tokens[i - 2].kind == LIT and cost
                        and token.chars == folded[j - 2] and tokens[i - 2].chars == folded[j - 1]
                        and dist[i][j] == dist[i - 2][j - 2] + 1):
                    reasons.append(("transposition", {"pos": j - 1, "next": j}))
                    i, j = i - 2, j - 2
                    continue
                if dist[i][j] == dist[i - 1][j - 1] + 1:
                    reasons.append(("substitution", {"pos": j, "typed": raw[i - 1].chars or "?",
                                                     "found": record[j - 1]}))
                    i, j = i - 1, j - 1
                    continue
            if i > 0 and dist[i][j] == dist[i - 1][j] + 1:
                reasons.append(("extra", {"pos": i, "typed": raw[i - 1].chars or "?"}))
                i -= 1
                continue
            reasons.append(("missing", {"pos": j, "found": record[j - 1]}))
            j -= 1
        reasons.reverse()
        return total, reasons

    def _kept(self, token: Token, char: str, pos: int) -> list[Reason]:
        if token.kind == ANY:
            return [("unknown", {"pos": pos, "found": char})]
        if token.kind == SET:
            return [("set", {"pos": pos, "found": char, "set": token.chars})]
        if token.chars != char:
            return [("lookalike", {"pos": pos, "typed": token.chars, "found": char})]
        return []


def _dropped(record: str, typed: str) -> str:
    """The letters between digits that one side has and the other does not."""
    letters = re.findall(r"(?<=[0-9])[A-Z]+(?=[0-9])", record) + re.findall(r"(?<=[0-9])[A-Z]+(?=[0-9])", typed)
    return "".join(letters)


class Prefilter:
    """A C-speed first pass over serials in their indexed form (folded with the index's
    look-alikes, which merge at least what any State's do): keeps every serial the matcher
    could accept under any State's folding, drops the rest before their rows are read."""

    def __init__(self, query: SerialQuery) -> None:
        self.judge = Matcher(query, INDEX_FOLDING)  # its folded literal, skeleton and pattern
        self.edits = query.max_edits
        self.open = query.ignore_embedded_letters  # letters dropped: any length, left to the matcher

    def survivors(self, forms: dict[int, str]) -> list[int]:
        """The ids (keys of ``forms``, id -> folded serial) that may match."""
        judge = self.judge
        if self.open:
            return list(forms)
        if not self.edits:
            if judge.regex is None:
                return [pk for pk, form in forms.items() if form == judge.folded_literal]
            return [pk for pk, form in forms.items() if judge.regex.fullmatch(form)]
        limit = self.edits + judge.wildcards
        near = process.extract(judge.skeleton, forms, scorer=OSA.distance, score_cutoff=limit, limit=None)
        return [pk for _form, _distance, pk in near]
