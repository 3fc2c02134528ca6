"""What an officer types for a damaged serial, parsed and checked before any database work.

Syntax (after separators are dropped and letters upper-cased): letters and digits as read;
``?`` one unknown character; ``*`` any run of characters (the CSAF partial-serial syntax);
``[38]`` one position that is one of the listed characters (from a restoration). A refused
query raises ``QueryError`` with a code the interface turns into a sentence in its language.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from cifta.registry.serials.lookalikes import SEARCH_ALPHABET, Folding

MAX_RAW = 100  # characters typed
MAX_POSITIONS = 30  # positions after parsing (serial keys are at most 40, most under 15)
MIN_KNOWN = 3  # known positions (a character or a small set) for any search

LIT, ANY, SET, STAR = "lit", "any", "set", "star"
_SEPARATORS = set(" \t-/._,:;'\"`")


class QueryError(ValueError):
    """``code`` is one of: empty, control, too_long, unbalanced, bad_character,
    only_wildcards, too_broad, edits_with_star."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Token:
    kind: str  # LIT, ANY, SET or STAR
    chars: str = ""  # the character (LIT) or the candidates, sorted (SET)

    def accepts(self, char: str) -> bool:
        return self.kind == ANY or char in self.chars


@dataclass(frozen=True)
class SerialQuery:
    raw: str
    tokens: tuple[Token, ...]
    max_edits: int = 0
    ignore_embedded_letters: bool = False
    text: str = field(default="", compare=False)  # the normalised query, as shown back
    edits_chosen: bool = False  # the officer set max_edits (else the default for the length)

    @property
    def has_star(self) -> bool:
        return any(t.kind == STAR for t in self.tokens)

    @property
    def is_literal(self) -> bool:
        return all(t.kind == LIT for t in self.tokens)

    @property
    def literal(self) -> str:
        return "".join(t.chars for t in self.tokens) if self.is_literal else ""

    @property
    def known(self) -> int:
        return sum(1 for t in self.tokens if t.kind in (LIT, SET))

    def folded_tokens(self, folding: Folding) -> tuple[Token, ...]:
        """The tokens with their characters folded (a set keeps each folded character once)."""
        return tuple(Token(t.kind, "".join(sorted({folding.fold(c) for c in t.chars}))) if t.kind in (LIT, SET)
                     else t for t in self.tokens)


def auto_edits(known: int) -> int:
    """Edits allowed by default: none below 5 known characters (a short serial within two
    edits of anything matches too much), one for 5 or 6, two from 7."""
    return 0 if known < 5 else 1 if known < 7 else 2


def parse(raw: str, *, max_edits: int | None = None, ignore_embedded_letters: bool = False) -> SerialQuery:
    if raw is None or not raw.strip():
        raise QueryError("empty")
    if len(raw) > MAX_RAW:
        raise QueryError("too_long", limit=MAX_RAW)
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in raw):
        raise QueryError("control")
    text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii").upper()
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in _SEPARATORS:
            i += 1
        elif char == "[":
            end = text.find("]", i + 1)
            if end < 0 or "[" in text[i + 1:end]:
                raise QueryError("unbalanced")
            members = sorted({c for c in text[i + 1:end] if c not in _SEPARATORS})
            if not members:
                raise QueryError("unbalanced")
            bad = [c for c in members if c not in SEARCH_ALPHABET]
            if bad:
                raise QueryError("bad_character", char=bad[0])
            tokens.append(Token(LIT, members[0]) if len(members) == 1 else Token(SET, "".join(members)))
            i = end + 1
        elif char == "]":
            raise QueryError("unbalanced")
        elif char == "?":
            tokens.append(Token(ANY))
            i += 1
        elif char == "*":
            if not tokens or tokens[-1].kind != STAR:  # "**" is "*"
                tokens.append(Token(STAR))
            i += 1
        elif char in SEARCH_ALPHABET:
            tokens.append(Token(LIT, char))
            i += 1
        else:
            i += 1  # other punctuation is not part of the searched key (as for stored serials)
    if not tokens:
        raise QueryError("empty")
    if len(tokens) > MAX_POSITIONS:
        raise QueryError("too_long", limit=MAX_POSITIONS)
    known = sum(1 for t in tokens if t.kind in (LIT, SET))
    if known == 0:
        raise QueryError("only_wildcards")
    if known < MIN_KNOWN:
        raise QueryError("too_broad", minimum=MIN_KNOWN)
    has_star = any(t.kind == STAR for t in tokens)
    if max_edits is None:
        edits = 0 if has_star else auto_edits(known)
    else:
        edits = max(0, min(2, int(max_edits)))
        if edits and has_star:
            raise QueryError("edits_with_star")
        if edits > auto_edits(known):
            raise QueryError("too_broad", minimum={1: 5, 2: 7}[edits])
    shown = "".join(t.chars if t.kind == LIT else "?" if t.kind == ANY else "*" if t.kind == STAR
                    else f"[{t.chars}]" for t in tokens)
    return SerialQuery(raw=raw, tokens=tuple(tokens), max_edits=edits,
                       ignore_embedded_letters=ignore_embedded_letters, text=shown,
                       edits_chosen=max_edits is not None)
