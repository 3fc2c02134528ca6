"""Characters that officers and restorers misread for one another on worn or restored markings
(research note 01, §5.3): 0/O/D/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B. Folding maps every member of a
group to its first character, so "SO1Z" and "5012" fold to the same text. Pure, no Django."""

from __future__ import annotations

import re
from collections.abc import Iterable

DEFAULT_GROUPS: tuple[str, ...] = ("0ODQ", "1IL", "2Z", "5S", "6G", "8B")
SEARCH_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_NOT_SEARCHED = re.compile(r"[^0-9A-Z]+")


class LookalikeError(ValueError):
    pass


def search_key(key: str) -> str:
    """What the search compares: the canonical serial's letters and digits only."""
    return _NOT_SEARCHED.sub("", key.upper())


class Folding:
    """One set of look-alike groups. The index is built with ``DEFAULT_GROUPS``; a State may
    use fewer groups (never others), so whatever its folding matches, the index finds."""

    def __init__(self, groups: Iterable[str] = DEFAULT_GROUPS) -> None:
        self.groups = tuple(g.upper() for g in groups)
        table: dict[int, str] = {}
        for group in self.groups:
            if len(group) < 2 or not set(group) <= set(SEARCH_ALPHABET):
                raise LookalikeError(f"a look-alike group needs two or more letters or digits: {group!r}")
            for char in group:
                if ord(char) in table:
                    raise LookalikeError(f"{char!r} is in two look-alike groups")
                table[ord(char)] = group[0]
        self._table = table
        self.alphabet = "".join(sorted({self.fold(c) for c in SEARCH_ALPHABET}))

    def fold(self, text: str) -> str:
        return text.translate(self._table)

    def within(self, other: Folding) -> bool:
        """Whether every pair this folding merges is merged by ``other`` too."""
        return all(other.fold(c) == other.fold(group[0]) for group in self.groups for c in group)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Folding) and self._table == other._table

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._table.items())))


INDEX_FOLDING = Folding()
_EMBEDDED = re.compile(r"(?<=[0-9])[A-Z]+(?=[0-9])")


def without_embedded_letters(key: str) -> str:
    """The NCIC rule: letters standing between digits are dropped ("369J257" is "369257")."""
    return _EMBEDDED.sub("", key)


def index_forms(key: str) -> tuple[str, str, str]:
    """The three indexed forms of a canonical serial: folded, folded and reversed (for a
    search by the end), and without embedded letters then folded (the NCIC option). Letters
    are dropped before folding: folding turns some letters into digits, and a State folding
    fewer characters must still be found by the index."""
    plain = search_key(key)
    folded = INDEX_FOLDING.fold(plain)
    return folded, folded[::-1], INDEX_FOLDING.fold(without_embedded_letters(plain))
