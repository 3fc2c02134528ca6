"""The standard battery (cifta/testing/battery.py) for the inventory's five models, with the
inventory world: A's lots, movements, checks, count lines and discrepancy; B's private ones."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from cifta.stockpile.models import AmmunitionLot, CountLine, Discrepancy, Movement, StockCheck
from cifta.testing.battery import ScopedApiBattery
from cifta.testing.inventory_world import InventoryWorldTestCase


class AmmunitionLotApiTest(InventoryWorldTestCase, ScopedApiBattery):
    model = AmmunitionLot
    basename = "ammunitionlot"

    def object_a(self) -> Any:
        return self.inventory.lot_a1

    def object_b(self) -> Any:
        return self.inventory.lot_b

    def create_payload(self) -> dict[str, Any]:
        return {"nature": "Cartridge 5.56x45 ball", "lot_number": "A-556-02", "hazard_division": "1.4",
                "compatibility_group": "S", "neq_per_unit_kg": "0.0017", "un_number": "0012", "year": 2020}

    def update_payload(self) -> dict[str, Any]:
        return {"condition": "suspended"}


class MovementApiTest(InventoryWorldTestCase, ScopedApiBattery):
    model = Movement
    basename = "movement"

    def object_a(self) -> Any:
        return self.inventory.receipt_a1

    def object_b(self) -> Any:
        return self.inventory.movement_b

    def create_payload(self) -> dict[str, Any]:
        return {"kind": "receipt", "occurred_on": "2025-04-01", "quantity": 200,
                "lot": str(self.inventory.lot_a1.public_id), "to_storehouse": str(self.arsenals.store_a1.public_id),
                "reference": "GRN-2025-010"}

    def foreign_fk_payload(self) -> dict[str, Any]:
        return {**self.create_payload(), "to_storehouse": str(self.arsenals.store_b1.public_id)}


class StockCheckApiTest(InventoryWorldTestCase, ScopedApiBattery):
    model = StockCheck
    basename = "stockcheck"

    def object_a(self) -> Any:
        return self.inventory.check_a

    def object_b(self) -> Any:
        return self.inventory.check_b

    def create_payload(self) -> dict[str, Any]:
        return {"facility": str(self.arsenals.facility_a.public_id), "scheduled_on": "2025-09-01",
                "counted_by": "Maj. Torres"}

    def foreign_fk_payload(self) -> dict[str, Any]:
        return {**self.create_payload(), "facility": str(self.arsenals.facility_b.public_id)}


class CountLineApiTest(InventoryWorldTestCase, ScopedApiBattery):
    model = CountLine
    basename = "countline"

    def object_a(self) -> Any:
        return self.inventory.line_a

    def object_b(self) -> Any:
        return self.inventory.line_b

    def create_payload(self) -> dict[str, Any]:
        return {"stock_check": str(self.inventory.check_a_open.public_id),
                "storehouse": str(self.arsenals.store_a1.public_id), "lot": str(self.inventory.lot_a2.public_id),
                "counted": 50}

    def foreign_fk_payload(self) -> dict[str, Any]:
        return {**self.create_payload(), "lot": str(self.inventory.lot_b.public_id)}


class DiscrepancyApiTest(InventoryWorldTestCase, ScopedApiBattery):
    model = Discrepancy
    basename = "discrepancy"

    def object_a(self) -> Any:
        return self.inventory.discrepancy_a

    def object_b(self) -> Any:
        return self.inventory.discrepancy_b


def test_every_inventory_route_name_is_reversible() -> None:
    for name in ("ammunitionlot", "movement", "stockcheck", "countline", "discrepancy", "destruction-candidates",
                 "discrepancy-rates"):
        assert reverse(f"api:{name}-list").startswith("/api/v1/")
