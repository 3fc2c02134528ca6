"""Canonical forms: the bytes a certificate's signature and fingerprint are computed over must be
the same on every machine, today and in twenty years.

The canonical JSON of a payload has its keys sorted by code point, no insignificant whitespace,
UTF-8 text (not ``\\u`` escapes) and no NaN or Infinity. Floats are refused: their decimal text
differs between languages and libraries, so a quantity is an integer or a decimal string
(``decimal_text``). Timestamps are UTC text with a ``Z`` (``timestamp_text``), binary values
base64url without padding. Reading JSON back is strict (no duplicate keys, no floats) and says
``truncated`` or ``malformed`` with a code, never a raw exception. Pure, no Django.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from .errors import CertificateError

MAX_DEPTH = 64
# Python refuses to print integers above 4,300 digits; stay well below that limit.
MAX_INTEGER_BITS = 14_000
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z")
BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
MAX_DECIMAL_DIGITS = 40
HEX64 = re.compile(r"[0-9a-f]{64}")


def canonical_bytes(payload: Mapping[str, Any]) -> bytes:
    """The canonical JSON bytes of ``payload`` (an object); refuses what would not reproduce."""
    if not isinstance(payload, Mapping):
        raise CertificateError("unsupported_type", "$", type=type(payload).__name__)
    plain = _plain(payload, "$", 0)
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def payload_digest(payload: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical bytes: the certificate's fingerprint, printed and in the QR."""
    return hashlib.sha256(canonical_bytes(payload)).hexdigest()


def canonical_copy(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A plain copy of ``payload`` as a reader of its canonical bytes sees it (tuples become
    lists); an envelope keeps this copy, so later changes to the caller's dict cannot reach it."""
    copy: dict[str, Any] = json.loads(canonical_bytes(payload))
    return copy


def _plain(value: Any, path: str, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise CertificateError("too_deep", path, limit=MAX_DEPTH)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if value.bit_length() > MAX_INTEGER_BITS:
            raise CertificateError("integer_too_large", path)
        return int(value)
    if isinstance(value, float):
        raise CertificateError("float_refused", path, value=value)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise CertificateError("not_unicode", path) from None
        return value
    if isinstance(value, Mapping):
        plain = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise CertificateError("key_not_text", path, key=repr(key))
            plain[_plain(key, path, depth + 1)] = _plain(item, f"{path}.{key}", depth + 1)
        return plain
    if isinstance(value, list | tuple):
        return [_plain(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
    raise CertificateError("unsupported_type", path, type=type(value).__name__)


def decimal_text(value: Decimal | int | str) -> str:
    """A quantity with decimals (NEQ in kg, scrap weight) as canonical text: no exponent, no
    trailing zeros, ``"0"`` for zero. A float is refused: 0.1 is not one tenth."""
    if isinstance(value, float):
        raise CertificateError("float_refused", value=value)
    if isinstance(value, bool):
        raise CertificateError("unsupported_type", type="bool")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        raise CertificateError("bad_decimal", value=value) from None
    if not number.is_finite():
        raise CertificateError("not_finite", value=value)
    if number.is_zero():
        return "0"
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite
    kept = list(digits)
    while exponent < 0 and kept[-1] == 0:  # trailing zeros after the point (not Decimal.normalize,
        kept.pop()  # which rounds to the context's 28 digits)
        exponent += 1
    if len(kept) + max(exponent, 0) > MAX_DECIMAL_DIGITS or -exponent > MAX_DECIMAL_DIGITS:
        raise CertificateError("bad_decimal", value=value, reason="too_many_digits")
    return format(Decimal((sign, tuple(kept), exponent)), "f")


def timestamp_text(moment: dt.datetime) -> str:
    """UTC text with a ``Z``, microseconds only when there are some; naive times are refused
    (a certificate is read in other time zones)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CertificateError("naive_datetime", value=moment.isoformat())
    utc = moment.astimezone(dt.UTC)
    return utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds").replace("+00:00", "Z")


def parse_timestamp(text: object, field: str) -> dt.datetime:
    """The time a ``timestamp_text`` wrote; any other spelling is ``malformed`` (the text is signed)."""
    if not isinstance(text, str) or not TIMESTAMP.fullmatch(text):
        raise CertificateError("malformed", field, reason="not_a_timestamp")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CertificateError("malformed", field, reason="not_a_timestamp") from None
    if timestamp_text(moment) != text:
        raise CertificateError("malformed", field, reason="not_a_timestamp")
    return moment


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 4648 §5), as JWS writes keys and signatures."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: object, field: str) -> bytes:
    """The bytes ``b64url`` wrote; other spellings of the same bytes are ``malformed``."""
    if not isinstance(text, str) or not BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise CertificateError("malformed", field, reason="not_base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise CertificateError("malformed", field, reason="not_base64url") from None
    if b64url(data) != text:
        raise CertificateError("malformed", field, reason="not_base64url")
    return data


def load_json(data: bytes | str) -> Any:
    """Strict JSON: duplicate keys, floats, NaN and Infinity are ``malformed``; input that stops
    before the value is complete (a cut download, half a file) is ``truncated``."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            cut = error.end == len(data) and error.reason == "unexpected end of data"
            raise CertificateError("truncated" if cut else "malformed", reason="not_utf8") from None
    else:
        text = data
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise CertificateError("truncated", reason="empty")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_float=_no_float, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        code = "truncated" if _ends_early(text, error) else "malformed"
        raise CertificateError(code, reason=error.msg, position=error.pos) from None
    except CertificateError:
        raise
    except (RecursionError, ValueError) as error:  # nesting or integers beyond Python's limits
        raise CertificateError("malformed", reason=type(error).__name__) from None


def _ends_early(text: str, error: json.JSONDecodeError) -> bool:
    """Whether the text is the beginning of a JSON value rather than a wrong one."""
    rest = text[error.pos :].rstrip()
    if not rest or error.msg.startswith("Unterminated string"):
        return True
    if any(word.startswith(rest) for word in ("true", "false", "null", "-")):
        return True
    # a \\uXXXX escape cut at the end of a string (the error points at its "u")
    return error.msg.startswith("Invalid \\u") and re.fullmatch(r"u[0-9a-fA-F]{0,4}", rest) is not None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise CertificateError("malformed", reason="duplicate_key", key=key)
        result[key] = value
    return result


def _no_float(text: str) -> NoReturn:
    raise CertificateError("malformed", reason="float_refused", value=text)


def _no_constant(text: str) -> NoReturn:
    raise CertificateError("malformed", reason="not_finite", value=text)
