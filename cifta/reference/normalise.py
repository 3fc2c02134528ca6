"""Keys for matching names as people write them: case, accents, spaces and punctuation do not
count ("9 mm Luger" = "9MM-LUGER" = "9mm luger"). Pure functions, no Django."""

from __future__ import annotations

import re
import unicodedata

_NOT_KEY = re.compile(r"[^0-9A-Z]+")


def name_key(text: str) -> str:
    """Upper-case ASCII letters and digits only; "×" counts as "X" (9×19 = 9x19)."""
    text = text.replace("×", "x")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_KEY.sub("", folded.upper())
