"""Verifiable destruction certificates: the signed content of a certificate, the authorities'
Ed25519 keys and the ring of public keys the hub publishes, the envelope (payload, fingerprint,
key id, signing time, signature) as JSON and inside the PDF, the QR code's URL, and the
verification that says ``genuine`` or why not. Pure Python, no Django: the app that stores
events, keys and withdrawals calls this engine.
"""

from .canonical import canonical_bytes, decimal_text, load_json, payload_digest, timestamp_text
from .document import read_document, verify_document
from .envelope import CODES, FORMAT, GENUINE, MESSAGES, Envelope, Verification, sign, signing_input, verify
from .errors import CertificateError
from .keys import (
    KEY_COMPROMISE,
    REVOCATION_REASONS,
    SUPERSEDED,
    UNSPECIFIED,
    KeyCheck,
    KeyRing,
    PublishedKey,
    SigningKey,
    key_id_for,
)
from .payload import (
    AMMUNITION,
    FIREARM,
    ITEM_KINDS,
    METHODS,
    MIN_WITNESSES,
    PART,
    PHOTO_STAGES,
    SCHEMA,
    Certificate,
    Item,
    Method,
    Photo,
    Site,
    Witness,
    check_certificate_number,
)
from .pdf_embed import embed, extract, marker_text
from .qr import parse_verification_url, qr_svg, verification_url

__all__ = [
    "AMMUNITION", "CODES", "FIREARM", "FORMAT", "GENUINE", "ITEM_KINDS", "KEY_COMPROMISE", "MESSAGES", "METHODS",
    "MIN_WITNESSES", "PART", "PHOTO_STAGES", "REVOCATION_REASONS", "SCHEMA", "SUPERSEDED", "UNSPECIFIED",
    "Certificate", "CertificateError", "Envelope", "Item", "KeyCheck", "KeyRing", "Method", "Photo",
    "PublishedKey", "SigningKey", "Site", "Verification", "Witness",
    "canonical_bytes", "check_certificate_number", "decimal_text", "embed", "extract", "key_id_for", "load_json",
    "marker_text", "parse_verification_url", "payload_digest", "qr_svg", "read_document", "sign", "signing_input",
    "timestamp_text", "verification_url", "verify", "verify_document",
]
