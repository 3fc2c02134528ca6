"""The canonical form of a serial number: upper case, separators removed (the NCIC rule), so
"ab-12 34" and "AB1234" are the same key. The raw text is always kept beside it."""

from __future__ import annotations

import re
import unicodedata

SEPARATORS = re.compile(r"[\s\-/._,:;'\"`]+")
MAX_KEY = 40


def serial_key(raw: str) -> str:
    folded = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii")
    return SEPARATORS.sub("", folded).upper()[:MAX_KEY]
