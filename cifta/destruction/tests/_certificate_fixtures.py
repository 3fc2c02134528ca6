"""Test-only fixtures of the certificate tests: executed destruction events with their items,
witnesses and photos, made by model saves (the events' own services are written elsewhere),
signing keys and certificates made through ``services_certificates``.

    A: event_a   executed 2025-06: glock_a (pistol) and 500 of lot_a destroyed, lost_a returned;
                 two witnesses, two photos; certified as cert_a (key_a of Registry A)
       event_a2  executed 2025-07: seized_a destroyed; not certified yet
    B: event_b   executed 2025-06: private_b (serial PRIVATEBRAVO-9) and 20 of lot_b; a witness
                 named PRIVATEBRAVO; certified as cert_b (key_b of Registry B)
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction

from cifta.core.context import Source, change_context
from cifta.core.scoping import country_scope
from cifta.destruction import services_certificates as services
from cifta.destruction.models import (
    Certificate,
    DestructionEvent,
    DestructionItem,
    DestructionPhoto,
    SigningKey,
    Witness,
)
from cifta.stockpile import services_inventory as inventory
from cifta.testing.base import WorldTestCase
from cifta.testing.registry_world import build_firearms
from cifta.testing.world import MARKER_B, World

ACTOR = "system:test-certificates"
UTC = dt.UTC


def executed_event(country: Any, *, reference: str, firearms: list[Any] = (), returned: list[Any] = (),
                   lots: list[tuple[Any, int]] = (), witnesses: list[str] = ("Ana Ruiz", "Juan Pérez"),
                   month: int = 6, site: str = "Base Tolemaida") -> DestructionEvent:  # type: ignore[assignment]
    with change_context(ACTOR, Source.COMMAND), country_scope([country.pk]), transaction.atomic():
        start = dt.datetime(2025, month, 10, 9, 0, tzinfo=UTC)
        event = DestructionEvent(title=f"Destruction {reference}", legal_order=f"Resolution {reference}",
                                 site_name=site, site_address="Km 5", latitude="4.300000", longitude="-74.800000",
                                 planned_on=start.date(), responsible_officer="Col. Vargas",
                                 weapon_method="cutting", ammunition_method="open_detonation",
                                 status=DestructionEvent.Status.EXECUTED, started_at=start,
                                 ended_at=start + dt.timedelta(hours=6))
        event.reference = reference
        event.save()
        first = None
        for firearm in firearms:
            item = DestructionItem(event=event, kind=DestructionItem.Kind.FIREARM, firearm=firearm,
                                   status=DestructionItem.Status.DESTROYED)
            item.save()
            first = first or item
        for firearm in returned:
            DestructionItem(event=event, kind=DestructionItem.Kind.FIREARM, firearm=firearm,
                            status=DestructionItem.Status.RETURNED, return_reason="needed as evidence").save()
        for lot, quantity in lots:
            DestructionItem(event=event, kind=DestructionItem.Kind.AMMUNITION, lot=lot, quantity=quantity,
                            status=DestructionItem.Status.DESTROYED).save()
        for n, name in enumerate(witnesses):
            Witness(event=event, full_name=name, organisation="Fiscalía" if n else "Army", independent=bool(n),
                    role=Witness.Role.WITNESS).save()
        for stage in ("before", "after"):
            digest = hashlib.sha256(f"{reference}-{stage}".encode()).hexdigest()
            DestructionPhoto(event=event, item=first if stage == "before" else None, stage=stage,
                             image=f"destruction/{country.pk}/{digest}.jpg", sha256=digest).save()
    return event


@contextmanager
def as_state(country: Any) -> Iterator[None]:
    """Acting for a State in tests: its scope and a system actor, in one transaction."""
    with change_context(ACTOR, Source.COMMAND), country_scope([country.pk]), transaction.atomic():
        yield


class CertificateWorldTestCase(WorldTestCase):
    """The test world with the events, keys and certificates above."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w: World = cls.world
        cls.firearms = build_firearms(w)
        with as_state(w.country_a):
            cls.lot_a = inventory.save_lot(actor=ACTOR, nature="Cartridge 7.62x51 ball", lot_number="A-762-01",
                                           calibre="7.62x51", hazard_division="1.4", compatibility_group="S",
                                           neq_per_unit_kg="0.003")
        with as_state(w.country_b):
            cls.lot_b = inventory.save_lot(actor=ACTOR, nature="Mortar bomb 81 mm", lot_number=f"B-{MARKER_B}-1",
                                           hazard_division="1.1", compatibility_group="D", neq_per_unit_kg="0.6")
        f = cls.firearms
        cls.event_a = executed_event(w.country_a, reference="DE-A-1", firearms=[f.glock_a], returned=[f.lost_a],
                                     lots=[(cls.lot_a, 500)])
        cls.event_a2 = executed_event(w.country_a, reference="DE-A-2", firearms=[f.seized_a], month=7)
        cls.event_b = executed_event(w.country_b, reference="DE-B-1", firearms=[f.private_b], lots=[(cls.lot_b, 20)],
                                     witnesses=("Pedro Soto", f"Witness {MARKER_B}"), site=f"Range {MARKER_B}")
        with as_state(w.country_a):
            cls.key_a = services.create_key(actor=ACTOR, authority=w.agency_a)
            cls.cert_a = services.issue_certificate(actor=ACTOR, event=cls.event_a)
        with as_state(w.country_b):
            cls.key_b = services.create_key(actor=ACTOR, authority=w.agency_b)
            cls.cert_b = services.issue_certificate(actor=ACTOR, event=cls.event_b)

    def reload(self, obj: Any) -> Any:
        return type(obj).unscoped.get(pk=obj.pk)

    def certificate(self, number: str) -> Certificate:
        return Certificate.unscoped.get(number=number)

    def key(self, key_id: str) -> SigningKey:
        return SigningKey.unscoped.get(key_id=key_id)
