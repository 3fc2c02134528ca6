"""Keys for matching names as people write them: case, accents, spaces and punctuation do not
count ("9 mm Luger" = "9MM-LUGER" = "9mm luger"). Pure functions, no Django."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NOT_KEY = re.compile(r"[^0-9A-Z]+")


@lru_cache(maxsize=8192)  # a file repeats the same makes, models and calibres a million times
def name_key(text: str) -> str:
    """Upper-case ASCII letters and digits only; "×" counts as "X" (9×19 = 9x19)."""
    text = text.replace("×", "x")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_KEY.sub("", folded.upper())


_TOKEN = re.compile(r"[0-9]+|[A-Z]+")


def name_tokens(text: str) -> list[str]:
    """The words of a name, with letters and digits apart: "7.62×39 mm" is 7 62 X 39 MM and
    "9mm Luger" is 9 MM LUGER."""
    text = text.replace("×", "x")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _TOKEN.findall(folded.upper())


def tokens_match(query: list[str], tokens: list[str]) -> bool:
    """Whether the query's words appear in a row, the last one possibly cut short ("9 mm Lug"
    finds "9 mm Luger"; "9 mm" does not find "7.62×39 mm")."""
    if not query:
        return False
    *whole, last = query
    for start in range(len(tokens) - len(query) + 1):
        window = tokens[start:start + len(query)]
        if window[:-1] == whole and window[-1].startswith(last):
            return True
    return False
