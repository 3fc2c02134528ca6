"""What a destruction certificate says, as the payload its authority signs.

The content follows research note 02 §4 (MOSAIC/ISACS 05.50, IATG 10.10 and the practices it
verified): the legal order, the event, the site, the methods, when it started and ended, every
item (firearms and parts by serial; ammunition by lot and quantity), the witnesses (at least
two, some independent) and the hashes of the photographs taken before and after.

The payload holds codes and data, not sentences: the same signed content is printed in any of
the four languages. Quantities are integers, decimals are text (``decimal_text``), times are UTC
text, so the canonical bytes are the same everywhere. Pure, no Django.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .canonical import HEX64, decimal_text, timestamp_text
from .errors import CertificateError

SCHEMA = "destruction-certificate/1"
CERTIFICATE_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MIN_WITNESSES = 2

# Weapons (MOSAIC 05.50) and ammunition (OSCE best practice guide, 2008); research note 02 §4.
METHODS = frozenset({
    "cutting", "crushing", "shredding", "smelting", "burning",
    "open_burning", "open_detonation", "closed_burning", "contained_detonation",
    "reverse_assembly", "mechanical_downsizing", "cryofracture", "melt_out", "wash_out",
})
FIREARM, PART, AMMUNITION = "firearm", "part", "ammunition"
ITEM_KINDS = frozenset({FIREARM, PART, AMMUNITION})
PHOTO_STAGES = frozenset({"before", "after"})


def check_certificate_number(number: object) -> str:
    """Letters, digits, ``.``, ``_`` and ``-``, at most 64: it goes into a URL unescaped."""
    if not isinstance(number, str) or not CERTIFICATE_NUMBER.fullmatch(number):
        raise CertificateError("bad_certificate_number", "certificate_number", value=number)
    return number


def _required(value: str, name: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise CertificateError("required", name)


def _method(code: str, name: str) -> None:
    if code not in METHODS:
        raise CertificateError("unknown_method", name, method=code)


def _text_fields(obj: object, names: tuple[str, ...]) -> dict[str, str]:
    """The named text attributes that are set (empty ones are left out of the payload)."""
    return {name: value for name in names if (value := getattr(obj, name))}


@dataclass(frozen=True)
class Site:
    name: str
    address: str = ""
    latitude: str = ""  # decimal degrees as text (WGS 84)
    longitude: str = ""

    def as_payload(self) -> dict[str, Any]:
        _required(self.name, "site.name")
        data = _text_fields(self, ("name", "address"))
        if bool(self.latitude) != bool(self.longitude):
            raise CertificateError("bad_coordinate", "site.latitude" if not self.latitude else "site.longitude")
        for name, limit in (("latitude", 90), ("longitude", 180)):
            value = getattr(self, name)
            if value:
                text = decimal_text(value)
                if abs(Decimal(text)) > limit:
                    raise CertificateError("bad_coordinate", f"site.{name}", value=value)
                data[name] = text
        return data


@dataclass(frozen=True)
class Method:
    code: str
    detail: str = ""  # e.g. "receiver, diagonal; plasma torch"

    def as_payload(self, where: str) -> dict[str, Any]:
        _method(self.code, where)
        return _text_fields(self, ("code", "detail"))


@dataclass(frozen=True)
class Item:
    """One line of the certificate: a firearm or a part by serial, or a lot of ammunition."""

    kind: str
    serial: str = ""
    lot: str = ""
    quantity: int = 1
    record: str = ""  # the register's id of the item
    category: str = ""  # pistol, rifle, frame, 9×19 mm cartridges...
    make: str = ""
    model: str = ""
    calibre: str = ""
    marks: str = ""  # import and other markings
    case_reference: str = ""  # seizure or court case
    neq_kg: str = ""  # net explosive quantity, decimal text
    method: str = ""  # when it differs from the event's methods

    def as_payload(self, where: str) -> dict[str, Any]:
        if self.kind not in ITEM_KINDS:
            raise CertificateError("unknown_item_kind", f"{where}.kind", kind=self.kind)
        if self.kind == FIREARM and not self.serial.strip():
            # unmarked firearms are marked and registered before destruction (note 02 §4)
            raise CertificateError("serial_required", f"{where}.serial")
        if self.kind == AMMUNITION and not self.lot.strip():
            raise CertificateError("lot_required", f"{where}.lot")
        if not isinstance(self.quantity, int) or isinstance(self.quantity, bool) or self.quantity < 1:
            raise CertificateError("not_positive", f"{where}.quantity", value=self.quantity)
        if self.kind == FIREARM and self.quantity != 1:
            raise CertificateError("firearm_quantity", f"{where}.quantity", value=self.quantity)
        if self.method:
            _method(self.method, f"{where}.method")
        data: dict[str, Any] = _text_fields(self, ("kind", "serial", "lot", "record", "category", "make", "model",
                                                   "calibre", "marks", "case_reference", "method"))
        data["quantity"] = self.quantity
        if self.neq_kg:
            text = decimal_text(self.neq_kg)
            if Decimal(text) < 0:
                raise CertificateError("bad_decimal", f"{where}.neq_kg", value=self.neq_kg)
            data["neq_kg"] = text
        return data


@dataclass(frozen=True)
class Witness:
    name: str
    role: str
    organisation: str
    independent: bool = False
    identity_document: str = ""

    def as_payload(self, where: str) -> dict[str, Any]:
        for name in ("name", "role", "organisation"):
            _required(getattr(self, name), f"{where}.{name}")
        data: dict[str, Any] = _text_fields(self, ("name", "role", "organisation", "identity_document"))
        data["independent"] = bool(self.independent)
        return data


@dataclass(frozen=True)
class Photo:
    """A photograph's SHA-256: the image stays in the record, the certificate proves which one."""

    sha256: str
    stage: str  # before, after
    item: int | None = None  # index into the certificate's items, when it shows one item

    def as_payload(self, where: str, items: int) -> dict[str, Any]:
        if not HEX64.fullmatch(self.sha256):
            raise CertificateError("bad_photo_hash", f"{where}.sha256", value=self.sha256)
        if self.stage not in PHOTO_STAGES:
            raise CertificateError("unknown_photo_stage", f"{where}.stage", stage=self.stage)
        data: dict[str, Any] = {"sha256": self.sha256, "stage": self.stage}
        if self.item is not None:
            if isinstance(self.item, bool) or not 0 <= self.item < items:
                raise CertificateError("unknown_item", f"{where}.item", item=self.item)
            data["item"] = self.item
        return data


@dataclass(frozen=True)
class Certificate:
    """A destruction event's certificate; ``as_payload`` checks it and gives what is signed."""

    number: str
    authority: str  # the issuing authority's id, as in the key ring
    order_reference: str  # the legal order or decision that authorised the destruction
    event: str  # the destruction event's id
    site: Site
    methods: tuple[Method, ...]
    started_at: dt.datetime
    ended_at: dt.datetime
    items: tuple[Item, ...]
    witnesses: tuple[Witness, ...]
    photos: tuple[Photo, ...] = ()
    min_witnesses: int = MIN_WITNESSES

    def as_payload(self) -> dict[str, Any]:
        check_certificate_number(self.number)
        for name in ("authority", "order_reference", "event"):
            _required(getattr(self, name), name)
        if not self.methods:
            raise CertificateError("required", "methods")
        if not self.items:
            raise CertificateError("required", "items")
        started, ended = timestamp_text(self.started_at), timestamp_text(self.ended_at)
        if self.ended_at < self.started_at:
            raise CertificateError("ended_before_start", "ended_at", started_at=started, ended_at=ended)
        if len(self.witnesses) < self.min_witnesses:
            raise CertificateError("too_few_witnesses", "witnesses", count=len(self.witnesses),
                                   minimum=self.min_witnesses)
        records = [item.record for item in self.items if item.record]
        if len(records) != len(set(records)):
            raise CertificateError("duplicate_item", "items", record=next(r for r in records if records.count(r) > 1))
        return {
            "schema": SCHEMA,
            "certificate_number": self.number,
            "authority": self.authority,
            "order_reference": self.order_reference,
            "event": self.event,
            "site": self.site.as_payload(),
            "methods": [m.as_payload(f"methods[{i}]") for i, m in enumerate(self.methods)],
            "started_at": started,
            "ended_at": ended,
            "items": [item.as_payload(f"items[{i}]") for i, item in enumerate(self.items)],
            "witnesses": [w.as_payload(f"witnesses[{i}]") for i, w in enumerate(self.witnesses)],
            "photos": [p.as_payload(f"photos[{i}]", len(self.items)) for i, p in enumerate(self.photos)],
        }
