"""Verifying a file as a user hands it over: a certificate's PDF or its JSON export. This is
what ``cifta certificate verify FILE`` and the public page's upload call. Pure, no Django."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from .envelope import Envelope, Verification, verify
from .errors import CertificateError
from .keys import KeyRing
from .pdf_embed import extract, is_pdf


def read_document(data: bytes) -> Envelope:
    """The envelope in a PDF or a JSON export (told apart by the PDF header)."""
    return extract(data) if is_pdf(data) else Envelope.from_json(data)


def verify_document(
    data: bytes,
    keyring: KeyRing,
    *,
    now: dt.datetime,
    withdrawn: Collection[str] = frozenset(),
    expected_digest: str | None = None,
) -> Verification:
    """``verify`` for the bytes of a file; a PDF that cannot be read says why with a code."""
    try:
        envelope = read_document(data)
    except CertificateError as error:
        code = error.code if error.code in ("malformed", "truncated") else "malformed"
        return Verification(code, {"reason": error.params.get("reason", error.code), "field": error.field})
    return verify(envelope, keyring, now=now, withdrawn=withdrawn, expected_digest=expected_digest)
