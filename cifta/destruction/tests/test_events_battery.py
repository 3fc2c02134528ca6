"""The standard battery (cifta/testing/battery.py) for the six models of destruction events,
with the destruction world: A's event and its records; B's private ones."""

from __future__ import annotations

import base64
from typing import Any

from django.urls import reverse

from cifta.core.context import Source, change_context
from cifta.core.scoping import country_scope
from cifta.destruction.models import (
    CustodyStep,
    DestructionEvent,
    DestructionItem,
    DestructionPhoto,
    DestructionPolicy,
    Witness,
)
from cifta.testing.battery import ScopedApiBattery
from cifta.testing.destruction_world import DestructionWorldTestCase, png


class DestructionEventApiTest(DestructionWorldTestCase, ScopedApiBattery):
    model = DestructionEvent
    basename = "destructionevent"

    def object_a(self) -> Any:
        return self.destructions.event_a

    def object_b(self) -> Any:
        return self.destructions.event_b

    def create_payload(self) -> dict[str, Any]:
        return {"title": "Second destruction", "legal_order": "Resolution 13/2025", "site_name": "Range 3",
                "planned_on": "2025-10-01", "responsible_officer": "Maj. Diaz", "weapon_method": "cutting"}

    def update_payload(self) -> dict[str, Any]:
        return {"site_name": "Foundry B"}


class DestructionItemApiTest(DestructionWorldTestCase, ScopedApiBattery):
    model = DestructionItem
    basename = "destructionitem"

    def object_a(self) -> Any:
        return self.destructions.item_lot_a

    def object_b(self) -> Any:
        return self.destructions.item_b

    def create_payload(self) -> dict[str, Any]:
        return {"event": str(self.destructions.event_a.public_id), "lot": str(self.inventory.lot_a1.public_id),
                "storehouse": str(self.arsenals.store_a1.public_id), "quantity": 100}

    def foreign_fk_payload(self) -> dict[str, Any]:
        return {**self.create_payload(), "lot": str(self.inventory.lot_b.public_id)}


class WitnessApiTest(DestructionWorldTestCase, ScopedApiBattery):
    model = Witness
    basename = "witness"

    def object_a(self) -> Any:
        return self.destructions.witness_a1

    def object_b(self) -> Any:
        return self.destructions.witness_b

    def create_payload(self) -> dict[str, Any]:
        return {"event": str(self.destructions.event_a.public_id), "full_name": "Luis Policia",
                "agency": str(self.world.agency_a.public_id)}

    def foreign_fk_payload(self) -> dict[str, Any]:
        return {**self.create_payload(), "agency": str(self.world.agency_b.public_id)}


class DestructionPhotoApiTest(DestructionWorldTestCase, ScopedApiBattery):
    model = DestructionPhoto
    basename = "destructionphoto"

    def object_a(self) -> Any:
        return self.destructions.photo_a

    def object_b(self) -> Any:
        return self.destructions.photo_b

    def create_payload(self) -> dict[str, Any]:
        return {"event": str(self.destructions.event_a.public_id), "stage": "before", "filename": "p.png",
                "image_base64": base64.b64encode(png(b"api")).decode()}

    def foreign_fk_payload(self) -> dict[str, Any]:
        return {**self.create_payload(), "event": str(self.destructions.event_b.public_id)}


class CustodyStepApiTest(DestructionWorldTestCase, ScopedApiBattery):
    model = CustodyStep
    basename = "custodystep"

    def object_a(self) -> Any:
        return self.destructions.custody_a

    def object_b(self) -> Any:
        return self.destructions.custody_b

    def create_payload(self) -> dict[str, Any]:
        return {"event": str(self.destructions.event_a.public_id), "at": "2025-05-19T08:00:00Z",
                "from_place": "Armoury 2", "to_place": "Truck 7", "handed_by": "Sgt. Ruiz", "received_by": "Cpl. Mora",
                "seal_numbers": ["S-101", "S-102"]}

    def foreign_fk_payload(self) -> dict[str, Any]:
        return {**self.create_payload(), "event": str(self.destructions.event_b.public_id)}


class DestructionPolicyApiTest(DestructionWorldTestCase, ScopedApiBattery):
    """One record per State: A's exists for every test but the one that creates it."""

    model = DestructionPolicy
    basename = "destructionpolicy"
    writer_a = "nadia"  # national administrators set the rule

    def object_a(self) -> Any:
        return self.destructions.policy_a

    def object_b(self) -> Any:
        return self.destructions.policy_b

    def create_payload(self) -> dict[str, Any]:
        return {"min_witnesses": 3, "min_agencies": 2}

    def update_payload(self) -> dict[str, Any]:
        return {"min_witnesses": 4}

    def test_create_writes_one_change_with_actor_and_request_and_ignores_country(self) -> None:
        with country_scope([self.world.country_a.pk]), change_context("system:test", Source.COMMAND):
            DestructionPolicy.objects.owned().get().delete()  # the State has none yet
        super().test_create_writes_one_change_with_actor_and_request_and_ignores_country()

    def test_a_second_rule_is_a_conflict(self) -> None:
        response = self.api("nadia").post(self.list_url(), self.create_payload(), format="json")
        self.assertEqual(response.status_code, 409, response.content)

    def test_an_officer_cannot_set_the_rule(self) -> None:
        before = self.changes_count()
        response = self.api("alice").patch(self.detail_url(self.destructions.policy_a), self.update_payload(),
                                           format="json")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.changes_count(), before)


def test_every_destruction_event_route_name_is_reversible() -> None:
    for name in ("destructionevent", "destructionitem", "witness", "destructionphoto", "custodystep",
                 "destructionpolicy"):
        assert reverse(f"api:{name}-list").startswith("/api/v1/")
