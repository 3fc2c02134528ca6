"""Writes of destruction certificates: the authorities' signing keys (create, rotate, revoke) and
the certificates (issue, withdraw). Keyword-only, one transaction each, audited.

A key is an Ed25519 key made by the pure engine (``destruction/certificates``). Its private half
is stored as PKCS#8 PEM encrypted with ``settings.CIFTA_KEY_ENCRYPTION_SECRET`` and never leaves
this module; the public half is published by the hub (``selectors_certificates.keyring``).

A certificate is the engine's payload built from an executed event, signed with the current key
of the issuing authority, and stored exactly as signed (``Certificate.envelope``). Withdrawing it
is its only change; the event may then be certified again.

Role checks (``approve``) are made by the entry points (pages, API, commands)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cifta.core import audit
from cifta.core.errors import ConflictError, ServiceError
from cifta.destruction import certificates as engine
from cifta.destruction import events
from cifta.destruction.models import (
    Certificate,
    DestructionEvent,
    DestructionItem,
    DestructionPhoto,
    DestructionPolicy,
    SigningKey,
    Witness,
)
from cifta.directory.models import Agency
from cifta.registry.models import SerialNumber

NUMBER_INFIX = "DE"
MAX_REASON = 1000


# --- helpers -----------------------------------------------------------------------------------
def authority_id(agency: Agency) -> str:
    """The issuing authority's id in payloads and in the published key ring: the agency's
    public id, which never changes (a renamed agency keeps verifying)."""
    return str(agency.public_id)


def _own_agency(agency: Any) -> Agency:
    found = Agency.objects.owned().filter(pk=getattr(agency, "pk", None), is_active=True).first()
    if found is None:
        raise ServiceError(_("No active agency of your State has this identifier."), field="authority")
    return found


def _own_key(key: Any) -> SigningKey:
    found = SigningKey.objects.owned().select_for_update().filter(pk=getattr(key, "pk", None)).first()
    if found is None:
        raise ServiceError(_("No signing key of your State has this identifier."), field="key")
    return found


def _open_keys(agency: Agency) -> Any:
    return SigningKey.objects.owned().filter(authority=agency, valid_until__isnull=True, revoked_at__isnull=True)


def _secret() -> str:
    return str(settings.CIFTA_KEY_ENCRYPTION_SECRET)


def _store_key(agency: Agency, at: dt.datetime) -> SigningKey:
    generated = engine.SigningKey.generate(authority_id(agency))
    key = SigningKey(authority=agency, key_id=generated.key_id, public_key=generated.public_key,
                     private_key_pem=generated.to_pem(_secret()).decode("ascii"), valid_from=at)
    key.save()
    return key


def private_key(key: SigningKey) -> engine.SigningKey:
    """The engine's signing key of a stored key (decrypted in memory, never returned to a client)."""
    try:
        return engine.SigningKey.from_pem(authority_id(key.authority), key.private_key_pem.encode("ascii"), _secret())
    except engine.CertificateError as exc:
        raise ServiceError(_("The private key cannot be read: the key-encryption secret of this hub has "
                             "changed (%(code)s).") % {"code": exc.code}, field="key") from exc


# --- keys --------------------------------------------------------------------------------------
@transaction.atomic
def create_key(*, actor: Any, authority: Agency) -> SigningKey:
    """The first key of an authority of the caller's State (refused while it has one in force:
    rotate that one instead)."""
    agency = _own_agency(authority)
    if _open_keys(agency).exists():
        raise ConflictError(_("This authority already has a signing key in force: rotate it instead."),
                            field="authority")
    key = _store_key(agency, timezone.now())
    audit.emit(events.KEY_CREATED, target=key, payload={"kid": key.key_id, "authority": agency.name})
    return key


@transaction.atomic
def rotate_key(*, actor: Any, authority: Agency) -> SigningKey:
    """A new key for the authority from now; the key in force ends now (certificates it signed
    keep verifying)."""
    agency = _own_agency(authority)
    now = timezone.now()
    old = [_own_key(k) for k in _open_keys(agency)]
    for key in old:
        if key.valid_from >= now:
            raise ConflictError(_("The key in force has only just been created; try again."), field="authority")
        key.valid_until = now
        key.save()
    key = _store_key(agency, now)
    audit.emit(events.KEY_ROTATED, target=key, payload={"kid": key.key_id, "authority": agency.name,
                                                       "replaces": [k.key_id for k in old]})
    return key


@transaction.atomic
def revoke_key(*, actor: Any, key: SigningKey, reason: str) -> SigningKey:
    """Revoke a key from now. ``superseded``: routine retirement, earlier certificates keep
    verifying (with a warning); ``key_compromise`` or ``unspecified``: nothing it signed verifies
    any more, so re-issue what still matters with a new key."""
    key = _own_key(key)
    if reason not in SigningKey.Revocation.values:
        raise ServiceError(_("Choose a reason: superseded, key_compromise or unspecified."), field="reason")
    if key.revoked_at is not None:
        raise ConflictError(_("This key is already revoked."), field="key")
    now = timezone.now()
    key.revoked_at = now
    key.revocation_reason = reason
    if key.valid_until is None and key.valid_from < now:
        key.valid_until = now
    key.save()
    audit.emit(events.KEY_REVOKED, target=key, payload={"kid": key.key_id, "reason": reason})
    return key


def current_key(agency: Agency) -> SigningKey | None:
    return _open_keys(agency).filter(valid_from__lte=timezone.now()).select_related("authority").first()


def signing_authorities() -> list[Agency]:
    """The caller's State's authorities that have a key in force."""
    ids = SigningKey.objects.owned().filter(valid_until__isnull=True, revoked_at__isnull=True).values("authority_id")
    return list(Agency.objects.owned().filter(pk__in=ids, is_active=True).order_by("name"))


# --- certificates ------------------------------------------------------------------------------
def _decimal(value: Decimal | None) -> str:
    return "" if value is None else engine.decimal_text(value)


def _items(event: DestructionEvent) -> tuple[list[engine.Item], dict[int, int]]:
    rows = list(DestructionItem.objects.owned().filter(event=event, status=DestructionItem.Status.DESTROYED)
                .select_related("firearm__type", "firearm__manufacturer", "firearm__model", "firearm__calibre",
                                "lot")
                .order_by("id"))
    # The serial as marked on the frame or receiver (the register's canonical key otherwise).
    marked = dict(SerialNumber.objects.filter(firearm_id__in=[r.firearm_id for r in rows if r.firearm_id],
                                              is_primary=True).values_list("firearm_id", "value"))
    items: list[engine.Item] = []
    index: dict[int, int] = {}
    for row in rows:
        index[row.pk] = len(items)
        if row.kind == DestructionItem.Kind.AMMUNITION and row.lot is not None:
            lot = row.lot
            neq = lot.neq_per_unit_kg * row.quantity if lot.neq_per_unit_kg is not None else None
            items.append(engine.Item(kind=engine.AMMUNITION, lot=lot.lot_number, quantity=row.quantity,
                                     category=lot.nature, make=lot.manufacturer, calibre=lot.calibre,
                                     neq_kg=_decimal(neq), method=event.ammunition_method))
        elif row.firearm is not None:
            f = row.firearm
            items.append(engine.Item(
                kind=engine.PART if row.kind == DestructionItem.Kind.PART else engine.FIREARM,
                serial=marked.get(f.pk) or f.serial_key, quantity=1, category=f.type.code,
                make=f.manufacturer.name if f.manufacturer else f.make_as_read,
                model=f.model.name if f.model else f.model_as_read,
                calibre=f.calibre.designation if f.calibre else f.calibre_as_read,
                method=event.weapon_method))
        else:
            raise ServiceError(_("Item %(n)s names neither a firearm nor a lot.") % {"n": len(items) + 1},
                               field="items")
    return items, index


def _next_number(country_code: str, year: int) -> str:
    prefix = f"{country_code}-{NUMBER_INFIX}-{year}-"
    numbers = Certificate.objects.owned().filter(number__startswith=prefix).values_list("number", flat=True)
    last = max((int(n[len(prefix):]) for n in numbers if n[len(prefix):].isdigit()), default=0)
    return engine.check_certificate_number(f"{prefix}{last + 1:05d}")


def build_payload(event: DestructionEvent, *, number: str, agency: Agency) -> dict[str, Any]:
    """The signed content of the event's certificate (the engine's payload, plus the issuing
    State's code and the authority's name as printed)."""
    if event.started_at is None or event.ended_at is None:
        raise ServiceError(_("The event has no start and end time."), field="ended_at")
    items, index = _items(event)
    methods = [engine.Method(code) for code in dict.fromkeys((event.weapon_method, event.ammunition_method)) if code]
    witnesses = [engine.Witness(name=w.full_name, role=w.role, organisation=w.organisation,
                                independent=w.independent)
                 for w in Witness.objects.owned().filter(event=event).order_by("id")]
    photos = [engine.Photo(sha256=p.sha256, stage=p.stage, item=index.get(p.item_id) if p.item_id else None)
              for p in DestructionPhoto.objects.owned().filter(event=event).order_by("id")]
    policy = DestructionPolicy.objects.owned().first()
    site = engine.Site(name=event.site_name, address=event.site_address, latitude=_decimal(event.latitude),
                       longitude=_decimal(event.longitude))
    certificate = engine.Certificate(
        number=number, authority=authority_id(agency), order_reference=event.legal_order, event=event.reference,
        site=site, methods=tuple(methods), started_at=event.started_at, ended_at=event.ended_at,
        items=tuple(items), witnesses=tuple(witnesses), photos=tuple(photos),
        min_witnesses=policy.min_witnesses if policy is not None else engine.MIN_WITNESSES)
    try:
        payload = certificate.as_payload()
    except engine.CertificateError as exc:
        raise ServiceError(_("The event cannot be certified: %(problem)s.") % {"problem": str(exc)},
                           field=exc.field) from exc
    payload["state"] = event.country.code
    payload["authority_name"] = agency.name
    return payload


def _authority_for(authority: Agency | None) -> Agency:
    if authority is not None:
        return _own_agency(authority)
    found = signing_authorities()
    if not found:
        raise ServiceError(_("No authority of your State has a signing key: create one first."), field="authority")
    if len(found) > 1:
        raise ServiceError(_("Several authorities of your State can sign: choose one."), field="authority")
    return found[0]


@transaction.atomic
def issue_certificate(*, actor: Any, event: DestructionEvent, authority: Agency | None = None) -> Certificate:
    """Sign the certificate of an executed event of the caller's State with the authority's key
    in force; the event becomes certified."""
    found = (DestructionEvent.objects.owned().select_for_update().select_related("country")
             .filter(pk=getattr(event, "pk", None)).first())
    if found is None:
        raise ServiceError(_("No destruction event of your State has this identifier."), field="event")
    event = found
    if event.status != DestructionEvent.Status.EXECUTED:
        raise ConflictError(_("Only an executed event can be certified (this one is %(status)s).")
                            % {"status": event.get_status_display()}, field="event")
    if Certificate.objects.owned().filter(event=event, withdrawn_at__isnull=True).exists():
        raise ConflictError(_("This event already has a certificate in force."), field="event")
    agency = _authority_for(authority)
    key = current_key(agency)
    if key is None:
        raise ServiceError(_("This authority has no signing key in force: create or rotate one."), field="authority")
    signer = private_key(key)
    now = timezone.now()
    number = _next_number(event.country.code, now.year)
    payload = build_payload(event, number=number, agency=agency)
    envelope = engine.sign(payload, signer, signed_at=now)
    certificate = Certificate(event=event, number=number, envelope=envelope.to_json(), digest=envelope.payload_digest,
                              key=key, issued_at=envelope.signed_at)
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError as exc:
        raise ConflictError(_("Another certificate was issued at the same moment; try again."), field="event") from exc
    event.status = DestructionEvent.Status.CERTIFIED
    event.save()
    audit.emit(events.CERTIFICATE_ISSUED, target=certificate, payload={
        "number": number, "event": event.reference, "digest": envelope.payload_digest, "kid": key.key_id,
        "items": len(payload["items"])})
    return certificate


@transaction.atomic
def withdraw_certificate(*, actor: Any, certificate: Certificate, reason: str) -> Certificate:
    """Withdraw a certificate of the caller's State (verification then says so); its event goes
    back to executed and may be certified again."""
    found = (Certificate.objects.owned().select_for_update().select_related("event")
             .filter(pk=getattr(certificate, "pk", None)).first())
    if found is None:
        raise ServiceError(_("No certificate of your State has this identifier."), field="certificate")
    certificate = found
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Say why the certificate is withdrawn."), field="reason")
    if len(reason) > MAX_REASON:
        raise ServiceError(_("At most %(n)s characters.") % {"n": MAX_REASON}, field="reason")
    if certificate.withdrawn_at is not None:
        raise ConflictError(_("This certificate is already withdrawn."), field="certificate")
    certificate.withdrawn_at = timezone.now()
    certificate.withdrawn_reason = reason
    certificate.save()
    event = DestructionEvent.objects.owned().select_for_update().get(pk=certificate.event_id)
    if event.status == DestructionEvent.Status.CERTIFIED:
        event.status = DestructionEvent.Status.EXECUTED
        event.save()
    audit.emit(events.CERTIFICATE_WITHDRAWN, target=certificate, payload={"number": certificate.number,
                                                                         "reason": reason})
    return certificate
