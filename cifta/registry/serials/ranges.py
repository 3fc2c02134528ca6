"""Serial ranges as licences and consignments list them ("BER000100 to BER000250"): a fixed
start, a running number, a fixed end. A read serial falls in a range when, once look-alikes
are folded, it has the range's start and end around a number within the range. Pure, no Django.
"""

from __future__ import annotations

from dataclasses import dataclass

from cifta.registry.serials.lookalikes import INDEX_FOLDING, Folding, search_key

MAX_KEY = 40


class RangeError(ValueError):
    """``code`` is one of: empty, too_long, no_number, differs_outside_number, reversed."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class RangeSpec:
    prefix: str  # as stamped (letters and digits), before the running number
    suffix: str  # after it
    width: int  # digits of the running number (both ends written with as many), else 0
    first: int
    last: int

    @property
    def folded_prefix(self) -> str:  # what the index looks ranges up by
        return INDEX_FOLDING.fold(self.prefix)


def parse_range(first: str, last: str) -> RangeSpec:
    """The range from its first and last serials. The running number is the run of digits
    where the two differ (the whole run, so "A0099" to "A0100" counts from 99 to 100)."""
    a, b = search_key(first or ""), search_key(last or "")
    if not a or not b:
        raise RangeError("empty")
    if len(a) > MAX_KEY or len(b) > MAX_KEY:
        raise RangeError("too_long")
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    if a == b:  # one serial: its last run of digits is the number
        end = max((i + 1 for i, c in enumerate(a) if c.isdigit()), default=0)
        if not end:
            raise RangeError("no_number")
        head, tail = end - 1, len(a) - end
    start_a, end_a = _digit_run(a, head, len(a) - tail)
    start_b, end_b = _digit_run(b, head, len(b) - tail)
    if start_a is None or start_b is None or a[:start_a] != b[:start_b] or a[end_a:] != b[end_b:]:
        raise RangeError("differs_outside_number")
    low, high = int(a[start_a:end_a]), int(b[start_b:end_b])
    if low > high:
        raise RangeError("reversed")
    width = end_a - start_a if end_a - start_a == end_b - start_b else 0
    return RangeSpec(prefix=a[:start_a], suffix=a[end_a:], width=width, first=low, last=high)


def _digit_run(key: str, start: int, end: int) -> tuple[int | None, int]:
    """The run of digits covering ``key[start:end]`` (where the two ends differ), widened to
    the whole run; None when a character in it is not a digit."""
    if any(not c.isdigit() for c in key[start:end]):
        return None, end
    while start > 0 and key[start - 1].isdigit():
        start -= 1
    while end < len(key) and key[end].isdigit():
        end += 1
    if start == end:
        return None, end
    return start, end


@dataclass(frozen=True)
class Reading:
    """One way to read a serial as start + number + end (folded)."""

    prefix: str
    number: str
    suffix: str


def readings(key: str, folding: Folding = INDEX_FOLDING) -> list[Reading]:
    """Every split of a read serial (folded: an O read where a 0 was stamped is a digit) into
    start, a run of digits, end."""
    folded = folding.fold(search_key(key))
    out = []
    for i in range(len(folded)):
        j = i
        while j < len(folded) and folded[j].isdigit():
            j += 1
            out.append(Reading(folded[:i], folded[i:j], folded[j:]))
    return out


def contains(spec: RangeSpec, reading: Reading, folding: Folding = INDEX_FOLDING) -> bool:
    """Whether ``reading`` is a serial of the range under ``folding`` (the State's look-alikes)."""
    if folding.fold(spec.prefix) != reading.prefix or folding.fold(spec.suffix) != reading.suffix:
        return False
    digits = reading.number
    if spec.width and len(digits) != spec.width:
        return False
    if not spec.width and len(digits) > 1 and digits[0] == "0":
        return False
    return spec.first <= int(digits) <= spec.last


def written(spec: RangeSpec, number: int) -> str:
    """The serial of the range with this running number, as the range writes it."""
    return f"{spec.prefix}{number:0{spec.width}d}{spec.suffix}" if spec.width else f"{spec.prefix}{number}{spec.suffix}"
