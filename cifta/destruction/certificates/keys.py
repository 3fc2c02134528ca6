"""Signing keys of the authorities and the ring of public keys the hub publishes.

Each authority signs its certificates with an Ed25519 key. The private key stays with the
authority (PKCS#8 PEM, encrypted with a passphrase when it is stored); the hub publishes the
public key (32 raw bytes, base64url) under a key id, the first 16 hex digits of the SHA-256 of
those bytes, so anyone can recompute the id from the key.

Rules of the ring (``KeyRing.check``):

- a certificate signed at *t* needs a key valid at *t*: ``valid_from <= t < valid_until``.
  The window is half open so that at the instant of a rotation exactly one key is current,
  the new one;
- rotation publishes a new key from time *t* and gives the authority's current key
  ``valid_until = t``; certificates signed before *t* keep verifying with the old key;
- a revoked key fails every certificate signed at or after ``revoked_at``. Before it, the
  reason decides: ``superseded`` (routine retirement of a key that was not exposed) keeps the
  earlier certificates valid, with the warning ``key_superseded``; any other reason
  (``key_compromise``, ``unspecified``) fails them too with ``key_revoked``, because whoever
  holds a stolen key can write any past ``signed_at``: the only safe reading of a compromise is
  that nothing the key signed can be trusted. The authority then re-issues the certificates
  that still matter with its new key.

Pure, no Django.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .canonical import b64url, from_b64url, load_json, parse_timestamp, timestamp_text
from .errors import CertificateError

SUPERSEDED = "superseded"
KEY_COMPROMISE = "key_compromise"
UNSPECIFIED = "unspecified"
REVOCATION_REASONS = frozenset({SUPERSEDED, KEY_COMPROMISE, UNSPECIFIED})
KEYRING_FORMAT = "cifta-keyring/1"


def key_id_for(public_key: bytes) -> str:
    """The id of a raw 32-byte public key: first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def _aware(moment: dt.datetime, name: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CertificateError("naive_datetime", name)
    return moment


def _passphrase(passphrase: bytes | str | None) -> bytes | None:
    if passphrase is None:
        return None
    data = passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase
    if not data:
        raise CertificateError("empty_passphrase")
    return data


@dataclass(frozen=True, eq=False)
class SigningKey:
    """An authority's private Ed25519 key. Never printed (``repr`` hides it)."""

    authority: str
    private_key: Ed25519PrivateKey = field(repr=False)

    @classmethod
    def generate(cls, authority: str) -> SigningKey:
        if not authority:
            raise CertificateError("required", "authority")
        return cls(authority, Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, authority: str, pem: bytes, passphrase: bytes | str | None = None) -> SigningKey:
        """Read a PKCS#8 PEM key; a wrong or missing passphrase says so with a code."""
        password = _passphrase(passphrase)
        try:
            key = serialization.load_pem_private_key(pem, password)
        except TypeError:
            # cryptography says TypeError when a passphrase is missing or not needed
            raise CertificateError("passphrase_required" if password is None else "passphrase_not_needed") from None
        except ValueError:
            encrypted = b"ENCRYPTED PRIVATE KEY" in pem
            raise CertificateError("bad_passphrase" if encrypted and password else "not_a_key") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise CertificateError("not_ed25519", type=type(key).__name__)
        return cls(authority, key)

    def to_pem(self, passphrase: bytes | str | None = None) -> bytes:
        """PKCS#8 PEM, encrypted with the best scheme available when a passphrase is given."""
        password = _passphrase(passphrase)
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        )
        return self.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)

    @property
    def public_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def public_key(self) -> str:
        """The raw public key as base64url: what the hub publishes."""
        return b64url(self.public_bytes)

    @property
    def key_id(self) -> str:
        return key_id_for(self.public_bytes)

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)


@dataclass(frozen=True)
class PublishedKey:
    """A public key as the hub publishes it, with its validity and, once revoked, when and why."""

    authority: str
    key_id: str
    public_key: str
    valid_from: dt.datetime
    valid_until: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    revocation_reason: str | None = None

    def __post_init__(self) -> None:
        if not self.authority:
            raise CertificateError("required", "authority")
        raw = from_b64url(self.public_key, "public_key") if isinstance(self.public_key, str) else b""
        if len(raw) != 32:
            raise CertificateError("bad_public_key", "public_key")
        if key_id_for(raw) != self.key_id:
            raise CertificateError("key_id_mismatch", "key_id", key_id=self.key_id, computed=key_id_for(raw))
        _aware(self.valid_from, "valid_from")
        if self.valid_until is not None and _aware(self.valid_until, "valid_until") <= self.valid_from:
            raise CertificateError("empty_window", "valid_until")
        if (self.revoked_at is None) != (self.revocation_reason is None):
            raise CertificateError("required", "revocation_reason" if self.revoked_at else "revoked_at")
        if self.revoked_at is not None:
            _aware(self.revoked_at, "revoked_at")
        if self.revocation_reason is not None and self.revocation_reason not in REVOCATION_REASONS:
            raise CertificateError("unknown_reason", "revocation_reason", reason=self.revocation_reason)

    @classmethod
    def of(cls, key: SigningKey, valid_from: dt.datetime) -> PublishedKey:
        return cls(key.authority, key.key_id, key.public_key, valid_from)

    def valid_at(self, moment: dt.datetime) -> bool:
        return self.valid_from <= moment and (self.valid_until is None or moment < self.valid_until)

    def signature_holds(self, signature: bytes, data: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(from_b64url(self.public_key, "public_key")).verify(signature, data)
        except (InvalidSignature, ValueError):
            return False
        return True

    def as_dict(self) -> dict[str, Any]:
        def when(moment: dt.datetime | None) -> str | None:
            return None if moment is None else timestamp_text(moment)

        return {
            "authority": self.authority, "key_id": self.key_id, "public_key": self.public_key,
            "valid_from": when(self.valid_from), "valid_until": when(self.valid_until),
            "revoked_at": when(self.revoked_at), "revocation_reason": self.revocation_reason,
        }

    @classmethod
    def from_dict(cls, data: object, where: str = "key") -> PublishedKey:
        fields = ("authority", "key_id", "public_key", "valid_from", "valid_until", "revoked_at", "revocation_reason")
        if not isinstance(data, dict) or set(data) != set(fields):
            raise CertificateError("malformed", where, reason="fields")
        for name in ("authority", "key_id", "public_key"):
            if not isinstance(data[name], str):
                raise CertificateError("malformed", f"{where}.{name}", reason="not_text")
        if data["revocation_reason"] is not None and not isinstance(data["revocation_reason"], str):
            raise CertificateError("malformed", f"{where}.revocation_reason", reason="not_text")

        def when(name: str) -> dt.datetime | None:
            value = data[name]
            return None if value is None else parse_timestamp(value, f"{where}.{name}")

        valid_from = when("valid_from")
        if valid_from is None:
            raise CertificateError("malformed", f"{where}.valid_from", reason="required")
        try:
            return cls(data["authority"], data["key_id"], data["public_key"], valid_from, when("valid_until"),
                       when("revoked_at"), data["revocation_reason"])
        except CertificateError as error:
            if error.code == "malformed":
                raise
            raise CertificateError("malformed", error.field and f"{where}.{error.field}", reason=error.code) from None


@dataclass(frozen=True)
class KeyCheck:
    """What the ring says of a key for a certificate signed at some time: ``code`` is
    ``None`` when the key may be trusted, else key_revoked or key_not_valid_then."""

    code: str | None
    params: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeyRing:
    """The published public keys of every authority. Operations return a new ring."""

    keys: tuple[PublishedKey, ...] = ()

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for key in self.keys:
            if key.key_id in seen:
                raise CertificateError("duplicate_key", "key_id", key_id=key.key_id)
            seen.add(key.key_id)

    def find(self, key_id: str) -> PublishedKey | None:
        return next((key for key in self.keys if key.key_id == key_id), None)

    def of_authority(self, authority: str) -> tuple[PublishedKey, ...]:
        return tuple(key for key in self.keys if key.authority == authority)

    def current(self, authority: str, moment: dt.datetime) -> PublishedKey | None:
        """The authority's key to sign with at ``moment``: valid then and not revoked."""
        return next(
            (k for k in self.of_authority(authority) if k.valid_at(moment) and k.revoked_at is None), None
        )

    def add(self, key: PublishedKey) -> KeyRing:
        return KeyRing((*self.keys, key))

    def rotate(self, new: PublishedKey) -> KeyRing:
        """Publish ``new`` from its ``valid_from``; the authority's open keys end then."""
        at = new.valid_from
        keys = []
        for key in self.keys:
            if key.authority == new.authority and key.valid_until is None and key.revoked_at is None:
                if key.valid_from >= at:
                    raise CertificateError("rotation_before_valid_from", "valid_from", key_id=key.key_id)
                key = replace(key, valid_until=at)
            keys.append(key)
        return KeyRing((*keys, new))

    def revoke(self, key_id: str, *, at: dt.datetime, reason: str) -> KeyRing:
        if reason not in REVOCATION_REASONS:
            raise CertificateError("unknown_reason", "revocation_reason", reason=reason)
        key = self.find(key_id)
        if key is None:
            raise CertificateError("unknown_key", "key_id", key_id=key_id)
        if key.revoked_at is not None:
            raise CertificateError("already_revoked", "key_id", key_id=key_id)
        revoked = replace(key, revoked_at=_aware(at, "revoked_at"), revocation_reason=reason)
        return KeyRing(tuple(revoked if k.key_id == key_id else k for k in self.keys))

    def check(self, key: PublishedKey, signed_at: dt.datetime) -> KeyCheck:
        """Whether ``key`` may vouch for a signature made at ``signed_at`` (rules in the module
        docstring). Revocation is checked first: it is the stronger news."""
        if key.revoked_at is not None:
            params = {"key_id": key.key_id, "revoked_at": timestamp_text(key.revoked_at),
                      "reason": key.revocation_reason, "signed_at": timestamp_text(signed_at)}
            if signed_at >= key.revoked_at or key.revocation_reason != SUPERSEDED:
                return KeyCheck("key_revoked", params)
        if not key.valid_at(signed_at):
            return KeyCheck("key_not_valid_then", {
                "key_id": key.key_id, "signed_at": timestamp_text(signed_at),
                "valid_from": timestamp_text(key.valid_from),
                "valid_until": None if key.valid_until is None else timestamp_text(key.valid_until),
            })
        return KeyCheck(None, warnings=("key_superseded",) if key.revoked_at is not None else ())

    def to_json(self) -> str:
        """The ring as the hub publishes it (readable JSON, keys in publication order)."""
        document = {"format": KEYRING_FORMAT, "keys": [key.as_dict() for key in self.keys]}
        return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, data: bytes | str) -> KeyRing:
        document = load_json(data)
        if not isinstance(document, dict) or set(document) != {"format", "keys"}:
            raise CertificateError("malformed", "$", reason="fields")
        if document["format"] != KEYRING_FORMAT:
            raise CertificateError("malformed", "format", reason="unsupported_format", format=document["format"])
        if not isinstance(document["keys"], list):
            raise CertificateError("malformed", "keys", reason="not_a_list")
        keys = [PublishedKey.from_dict(item, f"keys[{i}]") for i, item in enumerate(document["keys"])]
        try:
            return cls(tuple(keys))
        except CertificateError as error:
            raise CertificateError("malformed", "keys", reason=error.code, **error.params) from None

    @classmethod
    def of(cls, keys: Iterable[PublishedKey]) -> KeyRing:
        return cls(tuple(keys))
