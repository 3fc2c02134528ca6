"""The signed envelope inside the certificate's PDF, and a tolerant reader that finds it again.

The envelope's compact JSON, base64url-encoded between ``MARKER`` and ``END``, goes into the
PDF's document information (the Keywords entry, which reportlab writes as a plain string, never
compressed). The reader does not parse PDF: it looks for the marker in the bytes, so it works
with any PDF that keeps that string. A file that does not end with ``%%EOF`` or stops inside
the marker is ``truncated``; no marker, a broken one, or two that disagree is ``malformed``.

The signature covers the envelope, not the drawing of the pages: ``cifta certificate verify``
prints the signed content, which is what a reader compares with the printed certificate.
Pure, no Django (reportlab is not imported: ``embed`` takes the caller's canvas).
"""

from __future__ import annotations

import re
from typing import Protocol

from .canonical import b64url, from_b64url
from .envelope import Envelope
from .errors import CertificateError

MARKER = "CIFTA-CERTIFICATE-ENVELOPE:"
END = ":CIFTA-CERTIFICATE-END"
PDF_HEADER = b"%PDF-"
EOF_TAIL = 1024  # %%EOF may be followed by a few bytes of whitespace or junk
_FOUND = re.compile(re.escape(MARKER.encode()) + rb"([A-Za-z0-9_-]*)(" + re.escape(END.encode()) + rb")?")


class Canvas(Protocol):
    def setKeywords(self, keywords: str) -> None: ...


def marker_text(envelope: Envelope) -> str:
    """The string that carries ``envelope`` inside a PDF."""
    return MARKER + b64url(envelope.to_json(indent=None).encode("utf-8")) + END


def embed(canvas: Canvas, envelope: Envelope) -> None:
    """Put ``envelope`` into the PDF a reportlab canvas is drawing (call before ``save``)."""
    canvas.setKeywords(marker_text(envelope))


def is_pdf(data: bytes) -> bool:
    """Whether ``data`` starts as a PDF does (or is the start of that header, cut short)."""
    head = data[: len(PDF_HEADER)]
    return bool(head) and PDF_HEADER.startswith(head)


def extract(pdf: bytes) -> Envelope:
    """The envelope a PDF carries; ``truncated`` or ``malformed`` when it cannot be read whole."""
    if not is_pdf(pdf):
        cut = len(pdf) < len(PDF_HEADER) and PDF_HEADER.startswith(pdf)
        raise CertificateError("truncated" if cut else "malformed", "pdf", reason="not_a_pdf")
    if b"%%EOF" not in pdf[-EOF_TAIL:]:
        raise CertificateError("truncated", "pdf", reason="no_end_of_file")
    found = set()
    for match in _FOUND.finditer(pdf):
        if match.group(2) is None:
            cut = match.end() == len(pdf)
            raise CertificateError("truncated" if cut else "malformed", "pdf", reason="broken_marker")
        found.add(match.group(1).decode("ascii"))
    if not found:
        raise CertificateError("malformed", "pdf", reason="no_envelope")
    if len(found) > 1:
        # an incremental update may repeat the information dictionary, never change it
        raise CertificateError("malformed", "pdf", reason="several_envelopes")
    return Envelope.from_json(from_b64url(found.pop(), "pdf"))
