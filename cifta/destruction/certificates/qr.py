"""What the QR code on a certificate carries: the public verification page's URL with the
certificate number in the path and the fingerprint after ``#``.

A browser never sends the part after ``#`` to the server, so the fingerprint stays out of
server logs; the page compares it with the signed content it shows. Pure, no Django; the image
is drawn with segno (no image library).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import segno

from .canonical import HEX64
from .errors import CertificateError
from .payload import check_certificate_number


def _base(base: str) -> str:
    parts = urlsplit(base)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise CertificateError("bad_url", "base", value=base)
    return base.rstrip("/")


def _digest(digest: str) -> str:
    if not isinstance(digest, str) or not HEX64.fullmatch(digest):
        raise CertificateError("bad_digest", "digest", value=digest)
    return digest


def verification_url(base: str, certificate_number: str, digest: str) -> str:
    """``{base}/verify/{certificate_number}#{digest}``; ``base`` is the hub's public address."""
    return f"{_base(base)}/verify/{check_certificate_number(certificate_number)}#{_digest(digest)}"


def parse_verification_url(url: str) -> tuple[str, str | None]:
    """The certificate number and, when present, the fingerprint a verification URL carries."""
    parts = urlsplit(url)
    head, _, number = parts.path.rstrip("/").rpartition("/")
    if not head.endswith("/verify"):
        raise CertificateError("bad_url", "url", value=url)
    return check_certificate_number(number), (_digest(parts.fragment) if parts.fragment else None)


def qr_svg(text: str, *, scale: int = 4) -> str:
    """An inline SVG QR code of ``text`` (error correction M: survives a worn or stamped print)."""
    return segno.make(text, error="m", micro=False).svg_inline(scale=scale, dark="#000", light="#fff")
