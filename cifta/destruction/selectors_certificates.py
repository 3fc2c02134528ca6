"""Reads of destruction certificates: the register of a State, the hub's published key ring,
verification of a file or a number (public), and the totals for the Secretariat's report.

The key ring, the withdrawn numbers and the lookup by number read every State's records under
``ALL_COUNTRIES`` because verification is public by design (CIFTA Art. VII, the issue's public
verification page); they return only public key material, numbers, and the signed content of a
genuine certificate, never another record. ``regional_totals`` returns numbers only."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from cifta.core.scoping import ALL_COUNTRIES, country_scope
from cifta.destruction import certificates as engine
from cifta.destruction.models import Certificate, DestructionEvent, DestructionItem, SigningKey

MAX_UPLOAD = 20 * 1024 * 1024  # a certificate's PDF is a few hundred kB at most


# --- the register ------------------------------------------------------------------------------
def certificate_queryset() -> QuerySet[Certificate]:
    return Certificate.objects.select_related("event", "key", "key__authority").order_by("-issued_at", "-id")


def filter_certificates(rows: QuerySet[Certificate], *, year: int | None = None, method: str = "",
                        status: str = "", q: str = "") -> QuerySet[Certificate]:
    """Filters of the register: the year of destruction, a method (for weapons or ammunition),
    in force or withdrawn, and the number or event reference."""
    if year:
        rows = rows.filter(event__ended_at__year=year)
    if method:
        rows = rows.filter(event__weapon_method=method) | rows.filter(event__ammunition_method=method)
    if status == "in_force":
        rows = rows.filter(withdrawn_at__isnull=True)
    elif status == "withdrawn":
        rows = rows.filter(withdrawn_at__isnull=False)
    if q:
        rows = rows.filter(number__icontains=q) | rows.filter(event__reference__icontains=q)
    return rows


def envelope_of(certificate: Certificate) -> engine.Envelope:
    return engine.Envelope.from_json(certificate.envelope)


def payload_of(certificate: Certificate) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(certificate.envelope)["payload"]
    return payload


def export_rows(rows: QuerySet[Certificate]) -> list[list[Any]]:
    header = ["number", "event", "issued_at", "started_at", "ended_at", "site", "methods", "firearms", "parts",
              "ammunition_quantity", "witnesses", "photos", "key_id", "fingerprint", "withdrawn_at",
              "withdrawn_reason"]
    out: list[list[Any]] = [header]
    for c in rows:
        p = payload_of(c)
        items = p.get("items", [])
        out.append([
            c.number, c.event.reference, c.issued_at.isoformat(), p.get("started_at", ""), p.get("ended_at", ""),
            p.get("site", {}).get("name", ""), " ".join(m.get("code", "") for m in p.get("methods", [])),
            sum(1 for i in items if i.get("kind") == engine.FIREARM),
            sum(1 for i in items if i.get("kind") == engine.PART),
            sum(i.get("quantity", 0) for i in items if i.get("kind") == engine.AMMUNITION),
            len(p.get("witnesses", [])), len(p.get("photos", [])), c.key.key_id, c.digest,
            c.withdrawn_at.isoformat() if c.withdrawn_at else "", c.withdrawn_reason,
        ])
    return out


# --- published keys and verification (public) --------------------------------------------------
def published_keys() -> list[dict[str, Any]]:
    """Every authority's public keys with the State and the authority's name: public parts only."""
    with country_scope(ALL_COUNTRIES):
        rows = list(SigningKey.objects.order_by("country__code", "valid_from", "id").values(
            "key_id", "public_key", "valid_from", "valid_until", "revoked_at", "revocation_reason",
            "authority__public_id", "authority__name", "country__code"))
    return rows


def keyring() -> engine.KeyRing:
    """The engine's key ring of every published key (never a private key)."""
    keys = []
    for row in published_keys():
        keys.append(engine.PublishedKey(
            authority=str(row["authority__public_id"]), key_id=row["key_id"], public_key=row["public_key"],
            valid_from=row["valid_from"], valid_until=row["valid_until"], revoked_at=row["revoked_at"],
            revocation_reason=row["revocation_reason"] or None))
    return engine.KeyRing.of(keys)


def withdrawn_numbers() -> frozenset[str]:
    with country_scope(ALL_COUNTRIES):
        return frozenset(Certificate.objects.filter(withdrawn_at__isnull=False).values_list("number", flat=True))


def verify_bytes(data: bytes, *, expected_digest: str | None = None) -> engine.Verification:
    """Verify a certificate file (PDF or JSON) against the hub's keys and withdrawals."""
    if len(data) > MAX_UPLOAD:
        return engine.Verification("malformed", {"reason": "too_large", "field": "file"})
    return engine.verify_document(data, keyring(), now=timezone.now(), withdrawn=withdrawn_numbers(),
                                  expected_digest=expected_digest)


def verify_number(number: str, *, expected_digest: str | None = None) -> engine.Verification | None:
    """Verify the certificate the hub holds under ``number``; ``None`` when there is none."""
    try:
        engine.check_certificate_number(number)
    except engine.CertificateError:
        return None
    with country_scope(ALL_COUNTRIES):
        envelope = Certificate.objects.filter(number=number).values_list("envelope", flat=True).first()
    if envelope is None:
        return None
    return verify_bytes(envelope.encode("utf-8"), expected_digest=expected_digest)


# --- totals ------------------------------------------------------------------------------------
@dataclass
class Totals:
    """Quantities destroyed (certified, not withdrawn) in a year, by kind, category and method."""

    year: int
    rows: list[dict[str, Any]] = field(default_factory=list)  # kind, category, method, quantity, lines
    certificates: int = 0

    @property
    def firearms(self) -> int:
        return sum(r["quantity"] for r in self.rows if r["kind"] == DestructionItem.Kind.FIREARM)

    @property
    def parts(self) -> int:
        return sum(r["quantity"] for r in self.rows if r["kind"] == DestructionItem.Kind.PART)

    @property
    def ammunition(self) -> int:
        return sum(r["quantity"] for r in self.rows if r["kind"] == DestructionItem.Kind.AMMUNITION)

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "certificates": self.certificates, "firearms": self.firearms,
                "parts": self.parts, "ammunition": self.ammunition, "rows": self.rows}


def _grouped(items: QuerySet[DestructionItem], *, by_country: bool) -> dict[str, list[dict[str, Any]]]:
    fields = ["kind", "firearm__type__code", "lot__nature", "event__weapon_method", "event__ammunition_method"]
    if by_country:
        fields.append("country__code")
    sums: dict[str, dict[tuple[str, str, str], list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for row in items.values(*fields).annotate(quantity=Sum("quantity"), lines=Count("id")).order_by():
        kind = row["kind"]
        if kind == DestructionItem.Kind.AMMUNITION:
            category, method = row["lot__nature"] or "", row["event__ammunition_method"] or ""
        else:
            category, method = row["firearm__type__code"] or "", row["event__weapon_method"] or ""
        cell = sums[row.get("country__code", "") or ""][(kind, category, method)]
        cell[0] += row["quantity"] or 0
        cell[1] += row["lines"]
    return {code: [{"kind": k, "category": c, "method": m, "quantity": q, "lines": n}
                   for (k, c, m), (q, n) in sorted(cells.items())] for code, cells in sums.items()}


def _certified_items(year: int) -> QuerySet[DestructionItem]:
    return DestructionItem.objects.filter(status=DestructionItem.Status.DESTROYED,
                                          event__status=DestructionEvent.Status.CERTIFIED,
                                          event__ended_at__year=year)


def state_totals(year: int) -> Totals:
    """The active scope's (one State's) totals for ``year``."""
    grouped = _grouped(_certified_items(year), by_country=False)
    certificates = Certificate.objects.filter(withdrawn_at__isnull=True, event__ended_at__year=year).count()
    return Totals(year, grouped.get("", []), certificates)


def regional_totals(year: int) -> dict[str, Totals]:
    """Every State's totals for ``year`` (numbers only, keyed by ISO code); for the Secretariat."""
    with country_scope(ALL_COUNTRIES):
        grouped = _grouped(_certified_items(year), by_country=True)
        counts = dict(Certificate.objects.filter(withdrawn_at__isnull=True, event__ended_at__year=year)
                      .values_list("country__code").annotate(n=Count("id")).order_by())
    return {code: Totals(year, grouped.get(code, []), counts.get(code, 0))
            for code in sorted(set(grouped) | set(counts))}


def totals_rows(totals: dict[str, Totals]) -> list[list[Any]]:
    """Rows for CSV and XLSX: one per State, kind, category and method."""
    out: list[list[Any]] = [["state", "year", "kind", "category", "method", "quantity", "lines"]]
    for code, t in totals.items():
        out += [[code, t.year, r["kind"], r["category"], r["method"], r["quantity"], r["lines"]] for r in t.rows]
    return out
