"""State markings in the MOSAIC 05.30 layout ``CC MMMM YY TT NNNNN KK``: country, maker,
year, type, serial, calibre. Serials applied by the State use an alphabet without I, O and Q
(they read as 1 and 0), counted from a sequence the caller keeps unique. Pure Python."""

from __future__ import annotations

from dataclasses import dataclass

SERIAL_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # 33 symbols: no I, O, Q
SERIAL_LENGTH = 5
CAPACITY = len(SERIAL_ALPHABET) ** SERIAL_LENGTH


@dataclass(frozen=True)
class Layout:
    """A State's variant: which parts appear, in which order, joined by what."""

    parts: tuple[str, ...] = ("country", "maker", "year", "type", "serial", "calibre")
    separator: str = " "


DEFAULT_LAYOUT = Layout()


def encode_serial(number: int, length: int = SERIAL_LENGTH) -> str:
    if not 0 <= number < len(SERIAL_ALPHABET) ** length:
        raise ValueError(f"serial number {number} does not fit in {length} characters")
    base = len(SERIAL_ALPHABET)
    chars = []
    for _ in range(length):
        number, digit = divmod(number, base)
        chars.append(SERIAL_ALPHABET[digit])
    return "".join(reversed(chars))


def decode_serial(text: str) -> int:
    value = 0
    for char in text:
        value = value * len(SERIAL_ALPHABET) + SERIAL_ALPHABET.index(char)
    return value


def compose(*, country: str, maker: str, year: int, type_code: str, number: int, calibre: str,
            layout: Layout = DEFAULT_LAYOUT) -> str:
    parts = {
        "country": country.upper()[:2].ljust(2, "X"),
        "maker": maker.upper()[:4].ljust(4, "X"),
        "year": f"{year % 100:02d}",
        "type": type_code[:2].rjust(2, "0"),
        "serial": encode_serial(number),
        "calibre": (calibre or "00")[:2].rjust(2, "0"),
    }
    return layout.separator.join(parts[p] for p in layout.parts)
