"""Synthetic national registers and damaged serials, for the search benchmark and its
in-suite recall check. Deterministic for a seed. Pure, no Django.

Serial formats follow what makers stamp (research note 01 §5.1): digits only, letter prefixes
and suffixes, mixed, 5 to 12 characters, and two models of one maker numbered in overlapping
ranges (the Colt 1903 and 1908 case), so a damaged serial has real near twins.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cifta.registry.serials.lookalikes import DEFAULT_GROUPS


@dataclass(frozen=True)
class Record:
    n: int
    make: str
    model: str
    type: str
    calibre: str
    serial: str


def _letters(rnd: random.Random, k: int, alphabet: str = "ABCDEFGHJKLMNPRSTUVWXYZ") -> str:
    return "".join(rnd.choice(alphabet) for _ in range(k))


# maker, model, type, calibre, serial maker (record number, random) -> serial as stamped
Format = Callable[[int, random.Random], str]
MAKERS: list[tuple[str, str, str, str, Format]] = [
    ("Glock", "17", "pistol", "9x19", lambda n, r: f"{_letters(r, 3)}{n % 1000:03d}"),
    ("Glock", "19", "pistol", "9x19", lambda n, r: f"{_letters(r, 3)}{r.randint(0, 999):03d}US"),
    ("Beretta", "92FS", "pistol", "9x19", lambda n, r: f"BER{n % 1_000_000:06d}{_letters(r, 1)}"),
    ("Taurus", "PT92", "pistol", "9x19", lambda n, r: f"T{_letters(r, 1)}{n % 1_000_000:06d}"),
    ("Taurus", "Model 85", "revolver", "38spl", lambda n, r: f"{_letters(r, 2)}{r.randint(10000, 99999)}"),
    ("Smith & Wesson", "M&P9", "pistol", "9x19", lambda n, r: f"{_letters(r, 3)}{r.randint(1000, 9999)}"),
    ("Colt", "M1911A1", "pistol", "45acp", lambda n, r: f"{16001 + n % 400_000}"),  # overlaps the M4's range
    ("Colt", "M4", "assault_rifle", "556x45", lambda n, r: f"{1 + n % 409_061:06d}"),
    ("Ruger", "10/22", "rifle", "22lr", lambda n, r: f"{r.randint(100, 999)}-{n % 100_000:05d}"),
    ("FN Herstal", "FAL", "assault_rifle", "762x51", lambda n, r: f"{r.randint(100, 999)}{_letters(r, 2)}"
                                                                f"{n % 100_000:05d}"),
    ("CZ", "75", "pistol", "9x19", lambda n, r: f"{_letters(r, 1)}{n % 1_000_000:06d}"),
    ("Heckler & Koch", "MP5", "submachine_gun", "9x19", lambda n, r: f"{r.randint(10, 99)}-{n % 1_000_000:06d}"),
    ("Remington", "870", "shotgun", "12ga", lambda n, r: f"{_letters(r, 1)}{n % 10_000_000:07d}M"),
    ("Izhmash", "AKM", "assault_rifle", "762x39", lambda n, r: f"{_letters(r, 2)}{r.randint(1000, 9999)}"),
    ("Bersa", "Thunder 380", "pistol", "9x17", lambda n, r: f"{n % 1_000_000:06d}"),
]


def registry(count: int, seed: int = 2026) -> Iterator[Record]:
    """``count`` firearms; serials may repeat across makers (never within make and model)."""
    rnd = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    seen: set[tuple[str, str, str]] = set()
    n = 0
    made = 0
    while made < count:
        make, model, kind, calibre, stamp = MAKERS[rnd.randrange(len(MAKERS))]
        serial = stamp(n, rnd)
        n += 1
        if (make, model, serial) in seen:
            continue
        seen.add((make, model, serial))
        yield Record(made, make, model, kind, calibre, serial)
        made += 1


LOOKALIKE_OF = {c: group[(group.index(c) + 1) % len(group)] for group in DEFAULT_GROUPS for c in group}
CLASSES = ("unknown", "lookalike", "transposition", "missing", "extra", "truncated_start", "truncated_end",
           "set", "combination")
_ALPHANUMERIC = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"


def _key(serial: str) -> str:
    return "".join(c for c in serial.upper() if c.isalnum())


def damage(serial: str, kind: str, rnd: random.Random) -> str:
    """The serial as an officer might read it after one kind of damage."""
    key = list(_key(serial))
    size = len(key)
    if kind == "unknown":
        for i in rnd.sample(range(size), min(2, size - 3)):
            key[i] = "?"
    elif kind == "lookalike":
        spots = [i for i, c in enumerate(key) if c in LOOKALIKE_OF] or [0]
        for i in rnd.sample(spots, min(2, len(spots))):
            key[i] = LOOKALIKE_OF.get(key[i], key[i])
    elif kind == "transposition":
        spots = [i for i in range(size - 1) if key[i] != key[i + 1]] or [0]
        i = rnd.choice(spots)
        key[i], key[i + 1] = key[i + 1], key[i]
    elif kind == "missing":
        del key[rnd.randrange(size)]
    elif kind == "extra":
        key.insert(rnd.randrange(size + 1), rnd.choice(_ALPHANUMERIC))
    elif kind == "truncated_start":
        cut = rnd.randint(1, max(1, size // 3))
        key = ["*", *key[cut:]]
    elif kind == "truncated_end":
        cut = rnd.randint(1, max(1, size // 3))
        key = [*key[:size - cut], "*"]
    elif kind == "set":
        i = rnd.randrange(size)
        other = rnd.choice([c for c in "0123456789" if c != key[i]])
        key[i] = f"[{''.join(sorted({key[i], other}))}]"
    elif kind == "combination":
        i = rnd.randrange(size)
        key[i] = LOOKALIKE_OF.get(key[i], "?")
        j = rnd.randrange(size - 1)
        if "?" not in (key[j], key[j + 1]):
            key[j], key[j + 1] = key[j + 1], key[j]
    else:
        raise ValueError(kind)
    return "".join(key)


def queries(records: list[Record], per_class: int, seed: int = 7) -> list[tuple[str, str, Record]]:
    """(class, damaged query, the firearm it was read from) for every class."""
    rnd = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    out = []
    for kind in CLASSES:
        for _ in range(per_class):
            record = records[rnd.randrange(len(records))]
            out.append((kind, damage(record.serial, kind, rnd), record))
    return out
