"""Signing a certificate's payload and verifying it again, from the object or from its JSON.

The envelope carries the payload, its fingerprint (SHA-256 of the canonical bytes), the key id,
the signing time and the Ed25519 signature. The signature covers a short statement (format,
key id, fingerprint, signing time) after a context line, so a signature made for something else
can never pass for a certificate's, and the signing time cannot be moved without breaking it.

``verify`` answers with one code, checked in this order (the first that applies):

- ``malformed`` / ``truncated``: not an envelope this version reads / the input stops early;
- ``tampered``: the payload no longer matches its fingerprint (or the fingerprint the reader
  brought from the QR code or the hub's register);
- ``malformed`` again when the signed payload lacks a valid ``certificate_number`` or an
  ``authority`` (checked after the fingerprint, so that editing them reads ``tampered``);
- ``unknown_key``: no authority published the key id;
- ``bad_signature``: the signature was not made by that key over this statement (another key
  signed it, or the signing time, key id or fingerprint was edited together with the payload);
- ``wrong_authority``: the key is another authority's than the one the certificate names;
- ``key_revoked`` / ``key_not_valid_then``: the ring's rules (see ``keys``), and a signing time
  later than the verifier's clock (beyond ``CLOCK_SKEW``) is ``key_not_valid_then`` too;
- ``withdrawn``: genuine, but the authority withdrew the certificate;
- ``genuine``: the payload is returned.

Pure, no Django: ``now`` is given by the caller.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from .canonical import (
    HEX64,
    b64url,
    canonical_bytes,
    canonical_copy,
    from_b64url,
    load_json,
    parse_timestamp,
    payload_digest,
    timestamp_text,
)
from .errors import CertificateError
from .keys import KeyRing, SigningKey
from .payload import CERTIFICATE_NUMBER, check_certificate_number

FORMAT = "cifta-destruction-certificate/1"
SIGNING_CONTEXT = b"CIFTA destruction certificate signature\n"
CLOCK_SKEW = dt.timedelta(minutes=5)
HEX16 = re.compile(r"[0-9a-f]{16}")
FIELDS = ("format", "payload", "payload_digest", "key_id", "signed_at", "signature")

GENUINE = "genuine"
CODES = (GENUINE, "tampered", "bad_signature", "unknown_key", "wrong_authority", "key_revoked",
         "key_not_valid_then", "withdrawn", "malformed", "truncated")

# English sentences for the CLI and logs; the web pages translate the codes themselves.
MESSAGES = {
    GENUINE: "Genuine: certificate {certificate_number} was signed by {authority} with key {key_id} at {signed_at}.",
    "tampered": "Tampered: the signed content has changed since it was signed "
                "(fingerprint {actual}, signed fingerprint {expected}).",
    "bad_signature": "Bad signature: key {key_id} did not sign this content with this signing time.",
    "unknown_key": "Unknown key: no authority has published key {key_id}.",
    "wrong_authority": "Wrong authority: key {key_id} belongs to {key_authority}, "
                       "but the certificate names {authority}.",
    "key_revoked": "Key revoked: key {key_id} was revoked at {revoked_at} ({reason}); "
                   "the certificate was signed at {signed_at}.",
    "key_not_valid_then": "Key not valid then: the certificate was signed at {signed_at}, "
                          "key {key_id} is valid from {valid_from} until {valid_until}.",
    "signed_in_future": "Key not valid then: the certificate says it was signed at {signed_at}, "
                        "later than now ({now}).",
    "withdrawn": "Withdrawn: certificate {certificate_number} was withdrawn by its authority.",
    "malformed": "Malformed: this is not a certificate this version can read ({reason}).",
    "truncated": "Truncated: the file ends before the certificate does.",
}


def signing_input(key_id: str, digest: str, signed_at: str, format: str = FORMAT) -> bytes:
    """The bytes the Ed25519 signature is made over."""
    statement = {"format": format, "key_id": key_id, "payload_digest": digest, "signed_at": signed_at}
    return SIGNING_CONTEXT + canonical_bytes(statement)


@dataclass(frozen=True)
class Envelope:
    payload: dict[str, Any]
    payload_digest: str
    key_id: str
    signed_at: dt.datetime
    signature: str
    format: str = FORMAT

    @property
    def certificate_number(self) -> str:
        number = self.payload.get("certificate_number")
        return number if isinstance(number, str) else ""

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON; refuses (``CertificateError``) a payload that has no canonical form."""
        return {"format": self.format, "payload": canonical_copy(self.payload), "payload_digest": self.payload_digest,
                "key_id": self.key_id, "signed_at": timestamp_text(self.signed_at), "signature": self.signature}

    def to_json(self, *, indent: int | None = 2) -> str:
        """The JSON export: keys sorted, UTF-8 text; ``indent=None`` for one compact line."""
        separators = (",", ":") if indent is None else (",", ": ")
        return json.dumps(self.as_dict(), sort_keys=True, ensure_ascii=False, allow_nan=False, indent=indent,
                          separators=separators)

    @classmethod
    def from_json(cls, data: bytes | str) -> Envelope:
        """Read an export back; anything but a well-formed envelope is ``malformed`` or ``truncated``."""
        return cls.from_dict(load_json(data))

    @classmethod
    def from_dict(cls, data: object) -> Envelope:
        if not isinstance(data, dict):
            raise CertificateError("malformed", "$", reason="not_an_object")
        if set(data) != set(FIELDS):
            missing, extra = sorted(set(FIELDS) - set(data)), sorted(set(data) - set(FIELDS))
            raise CertificateError("malformed", "$", reason="fields", missing=missing, extra=extra)
        if data["format"] != FORMAT:
            raise CertificateError("malformed", "format", reason="unsupported_format", format=data["format"])
        payload = data["payload"]
        if not isinstance(payload, dict):
            raise CertificateError("malformed", "payload", reason="not_an_object")
        try:
            canonical_bytes(payload)
        except CertificateError as error:
            raise CertificateError("malformed", error.field or "payload", reason=error.code) from None
        digest, key_id = data["payload_digest"], data["key_id"]
        if not isinstance(digest, str) or not HEX64.fullmatch(digest):
            raise CertificateError("malformed", "payload_digest", reason="not_sha256_hex")
        if not isinstance(key_id, str) or not HEX16.fullmatch(key_id):
            raise CertificateError("malformed", "key_id", reason="not_a_key_id")
        signed_at = parse_timestamp(data["signed_at"], "signed_at")
        if len(from_b64url(data["signature"], "signature")) != 64:
            raise CertificateError("malformed", "signature", reason="not_64_bytes")
        return cls(payload, digest, key_id, signed_at, data["signature"])


@dataclass(frozen=True)
class Verification:
    """The answer of ``verify``: a code from ``CODES``, its parameters, and the payload only when
    genuine. ``warnings`` (``key_superseded``) do not make a genuine certificate less genuine."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, Any] | None = None
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.code == GENUINE

    @property
    def message(self) -> str:
        template = MESSAGES["signed_in_future" if self.params.get("reason") == "signed_in_future" else self.code]
        return template.format_map(_Blank({k: "-" if v is None else v for k, v in self.params.items()}))


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def sign(payload: Mapping[str, Any], key: SigningKey, *, signed_at: dt.datetime) -> Envelope:
    """Sign a certificate's payload with its authority's key. The payload must name the
    certificate (``certificate_number``) and the key's authority (``authority``)."""
    content = canonical_copy(payload)
    check_certificate_number(content.get("certificate_number"))
    if content.get("authority") != key.authority:
        raise CertificateError("wrong_authority", "authority", authority=content.get("authority"),
                               key_authority=key.authority)
    digest = payload_digest(content)
    when = timestamp_text(signed_at)
    signature = key.sign(signing_input(key.key_id, digest, when))
    return Envelope(content, digest, key.key_id, parse_timestamp(when, "signed_at"), b64url(signature))


def verify(
    document: Envelope | bytes | str,
    keyring: KeyRing,
    *,
    now: dt.datetime,
    withdrawn: Collection[str] = frozenset(),
    expected_digest: str | None = None,
) -> Verification:
    """Check an envelope (or its JSON) against the published keys; never raises on bad input."""
    timestamp_text(now)  # a naive clock is the caller's bug: let it raise
    try:
        envelope = Envelope.from_dict(document.as_dict() if isinstance(document, Envelope) else load_json(document))
    except CertificateError as error:
        code = error.code if error.code in ("malformed", "truncated") else "malformed"
        reason = error.params.get("reason", error.code)
        return Verification(code, {"reason": reason, "field": error.field})

    number, authority = envelope.certificate_number, envelope.payload.get("authority")
    signed_at = timestamp_text(envelope.signed_at)
    base = {"certificate_number": number, "authority": authority, "key_id": envelope.key_id, "signed_at": signed_at}
    actual = payload_digest(envelope.payload)
    if actual != envelope.payload_digest:
        return Verification("tampered", {**base, "actual": actual, "expected": envelope.payload_digest})
    if expected_digest is not None and expected_digest.lower() != actual:
        return Verification("tampered", {**base, "actual": actual, "expected": expected_digest, "reason": "reference"})
    # What every certificate names, checked once the content is known to be the signed one, so
    # that an edit of these fields reads "tampered" like any other.
    if not CERTIFICATE_NUMBER.fullmatch(number):
        return Verification("malformed", {**base, "reason": "bad_certificate_number", "field": "payload"})
    if not isinstance(authority, str) or not authority:
        return Verification("malformed", {**base, "reason": "required", "field": "payload.authority"})

    key = keyring.find(envelope.key_id)
    if key is None:
        return Verification("unknown_key", base)
    if not key.signature_holds(from_b64url(envelope.signature, "signature"),
                               signing_input(envelope.key_id, actual, signed_at)):
        return Verification("bad_signature", base)
    if key.authority != authority:
        return Verification("wrong_authority", {**base, "key_authority": key.authority})
    if envelope.signed_at > now + CLOCK_SKEW:
        return Verification("key_not_valid_then", {**base, "reason": "signed_in_future", "now": timestamp_text(now)})
    check = keyring.check(key, envelope.signed_at)
    if check.code is not None:
        return Verification(check.code, {**base, **check.params})
    if number in withdrawn:
        return Verification("withdrawn", base)
    return Verification(GENUINE, {**base, "digest": actual}, canonical_copy(envelope.payload), check.warnings)
