"""The inventory API beyond the battery: lots with their holdings, movements (created, never
changed) with the ledger's refusals as 400/409 naming the field, the stock-check actions from
count to resolution, candidates, rates for a State and for the Secretariat, and the schema."""

from __future__ import annotations

from typing import Any

from cifta.core.models import ObjectChange
from cifta.core.scoping import country_scope
from cifta.registry.models import Firearm
from cifta.stockpile import ledger
from cifta.stockpile.models import Discrepancy, Movement, StockCheck
from cifta.testing.inventory_world import InventoryWorldTestCase
from cifta.testing.world import MARKER_A, MARKER_B

API = "/api/v1"


class InventoryApiTest(InventoryWorldTestCase):
    def post(self, user: str, path: str, data: dict[str, Any]) -> Any:
        return self.api(user).post(f"{API}/{path}", data, format="json")

    def test_lots_show_where_they_lie_and_accept_corrections(self) -> None:
        inv, ar = self.inventory, self.arsenals
        body = self.api("alice").get(f"{API}/ammunition-lots/", {"q": "7.62"}).json()
        self.assertEqual(body["count"], 1)
        lot = body["results"][0]
        self.assertEqual((lot["total"], lot["holdings"][0]["storehouse"], lot["holdings"][0]["quantity"]),
                         (900, str(ar.store_a1.public_id), 900))
        self.assertEqual(self.api("alice").get(f"{API}/ammunition-lots/", {"surplus": "true"}).json()["count"], 0)
        path = f"{API}/ammunition-lots/{inv.lot_a1.public_id}/"
        patched = self.api("alice").patch(path, {"expiry_date": "2035-01-01"}, format="json")
        self.assertEqual(patched.status_code, 200, patched.content)
        self.assertEqual((patched.json()["expiry_date"], patched.json()["nature"]), ("2035-01-01",
                                                                                     "Cartridge 7.62x51 ball"))
        bad = self.api("alice").patch(path, {"hazard_division": "1.1"}, format="json")  # 1.1S does not exist
        self.assertEqual(bad.status_code, 400)
        self.assertIn("compatibility_group", bad.json())
        surplus = self.post("alice", f"ammunition-lots/{inv.lot_a1.public_id}/surplus/", {"reason": "re-armed"})
        self.assertEqual((surplus.status_code, surplus.json()["is_surplus"]), (200, True))
        self.assertEqual(self.post("alice", f"ammunition-lots/{inv.lot_a1.public_id}/surplus/", {}).status_code, 409)
        self.assertEqual(self.post("alice", f"ammunition-lots/{inv.lot_b.public_id}/surplus/", {}).status_code, 404)

    def test_movements_are_created_never_changed_and_refused_naming_the_field(self) -> None:
        inv, ar, f = self.inventory, self.arsenals, self.firearms
        issue = {"kind": "issue", "occurred_on": "2025-04-01", "quantity": 901, "lot": str(inv.lot_a1.public_id),
                 "from_storehouse": str(ar.store_a1.public_id)}
        before = ObjectChange.unscoped.count()
        refused = self.post("alice", "movements/", issue)
        self.assertEqual(refused.status_code, 400)
        self.assertIn("quantity", refused.json())
        twice = self.post("alice", "movements/", {"kind": "receipt", "occurred_on": "2025-04-01",
                                                  "firearm": str(f.glock_a.public_id),
                                                  "to_storehouse": str(ar.store_a2.public_id)})
        self.assertEqual((twice.status_code, twice.json()["field"]), (409, "firearm"))
        no_reason = self.post("alice", "movements/", {"kind": "correction_out", "occurred_on": "2025-04-01",
                                                      "quantity": 1, "lot": str(inv.lot_a1.public_id),
                                                      "from_storehouse": str(ar.store_a1.public_id)})
        self.assertIn("reason", no_reason.json())
        self.assertEqual(self.post("sara", "movements/", {**issue, "quantity": 1}).status_code, 403)
        self.assertEqual(ObjectChange.unscoped.count(), before)
        done = self.post("alice", "movements/", {**issue, "quantity": 100})
        self.assertEqual(done.status_code, 201, done.content)
        self.assertEqual(done.json()["from_storehouse_name"], "Depot A / ECM 1")
        path = f"{API}/movements/{done.json()['public_id']}/"
        self.assertEqual(self.api("alice").patch(path, {"quantity": 1}, format="json").status_code, 405)
        self.assertIn(self.api("alice").delete(path).status_code, (403, 405))
        issues = self.api("alice").get(f"{API}/movements/", {"kind": "issue", "storehouse": str(ar.store_a1.public_id)})
        self.assertEqual(issues.json()["count"], 2)
        foreign = self.api("alice").get(f"{API}/movements/", {"storehouse": str(ar.store_b1.public_id)})
        self.assertEqual(foreign.status_code, 400)
        balances = self.api("alice").get(f"{API}/movements/balances/",
                                         {"facility": str(ar.facility_a.public_id)}).json()["storehouses"]
        held = {row["storehouse_name"]: row for row in balances}
        self.assertEqual(held["Depot A / ECM 1"]["lots"][0]["quantity"], 800)
        self.assertEqual(sorted(x["serial"] for x in held["Depot A / Armoury 2"]["firearms"]),
                         sorted(["ABC123", Firearm.unscoped.get(pk=f.seized_a.pk).serial_key]))

    def test_a_stock_check_from_schedule_to_resolution(self) -> None:
        inv, ar, f = self.inventory, self.arsenals, self.firearms
        created = self.post("alice", "stock-checks/", {"facility": str(ar.facility_a.public_id),
                                                      "scheduled_on": "2025-07-01"})
        self.assertEqual(created.status_code, 201, created.content)
        check = created.json()["public_id"]
        expected = self.api("alice").get(f"{API}/stock-checks/{check}/expected/").json()["expected"]
        self.assertEqual(len(expected), 4)
        count = {"storehouse": str(ar.store_a2.public_id), "firearm": str(f.glock_a.public_id), "counted": 0}
        line = self.post("alice", f"stock-checks/{check}/count/", count)
        self.assertEqual((line.status_code, line.json()["difference"]), (201, -1))
        self.assertEqual(self.post("alice", f"stock-checks/{check}/count/", count).status_code, 409)
        self.assertEqual(self.post("bob", f"stock-checks/{check}/count/", count).status_code, 403)
        by_line = self.post("alice", "count-lines/", {"stock_check": check, "storehouse": str(ar.store_a1.public_id),
                                                      "lot": str(inv.lot_a1.public_id), "counted": 900})
        self.assertEqual(by_line.status_code, 201, by_line.content)
        lines = self.api("alice").get(f"{API}/count-lines/", {"stock_check": check}).json()
        self.assertEqual(lines["count"], 2)
        closed = self.post("alice", f"stock-checks/{check}/close/", {"closed_on": "2025-07-02"})
        self.assertEqual((closed.json()["status"], closed.json()["lines"], closed.json()["discrepancies"]),
                         ("closed", 2, 1))
        self.assertEqual(self.post("alice", f"stock-checks/{check}/close/", {}).status_code, 409)
        found = Discrepancy.unscoped.get(line__check_run__public_id=check)
        resolve = f"discrepancies/{found.public_id}/resolve/"
        self.assertEqual(self.post("bob", resolve, {"status": "found", "resolution": "x"}).status_code, 403)
        done = self.post("alice", resolve, {"status": "lost", "resolution": "Not found after search.",
                                            "occurred_on": "2025-07-03"})
        self.assertEqual(done.status_code, 200, done.content)
        self.assertEqual(done.json()["status"], "lost")
        settlement = Movement.unscoped.get(public_id=done.json()["settlement"])
        self.assertEqual((settlement.kind, settlement.firearm_id), ("loss", f.glock_a.pk))
        self.assertEqual(Firearm.unscoped.get(pk=f.glock_a.pk).status, "lost")
        with country_scope([self.world.country_a.pk]):
            self.assertIsNone(ledger.firearm_location(f.glock_a))
        self.assertEqual(self.post("alice", resolve, {"status": "found", "resolution": "x"}).status_code, 409)
        self.assertEqual(self.post("carlos", f"discrepancies/{inv.discrepancy_a.public_id}/resolve/",
                                   {"status": "found", "resolution": "x"}).status_code, 404)
        self.assertEqual(StockCheck.unscoped.get(public_id=check).closed_on.isoformat(), "2025-07-02")

    def test_candidates_and_rates(self) -> None:
        inv = self.inventory
        candidates = self.api("alice").get(f"{API}/destruction-candidates/").json()
        reasons = {(row["lot"] or row["firearm"]): row["reasons"] for row in candidates["results"]}
        self.assertEqual(reasons, {str(inv.lot_a2.public_id): ["expired"],
                                   str(self.firearms.seized_a.public_id): ["confiscated"]})
        self.assertEqual(self.api("sam").get(f"{API}/destruction-candidates/").status_code, 403)
        own = self.api("bob").get(f"{API}/discrepancy-rates/", {"year": 2025}).json()
        self.assertEqual((own["scope"], own["lines"], own["discrepancies"], own["rate"]), ("state", 2, 1, 0.5))
        regional = self.api("sam").get(f"{API}/discrepancy-rates/", {"year": 2025})
        self.assertEqual(regional.json()["scope"], "regional")
        self.assertEqual({s["country"]: s["lines"] for s in regional.json()["states"]}, {"CO": 2, "MX": 1})
        for secret in (MARKER_A, MARKER_B, str(inv.lot_a1.public_id), "Depot"):
            self.assertNotIn(secret, regional.content.decode())
        self.assertEqual(self.api("sam").get(f"{API}/discrepancy-rates/", {"year": 1900}).status_code, 400)

    def test_nothing_of_b_in_any_list_of_a_and_the_secretariat_sees_no_records(self) -> None:
        for path in ("ammunition-lots", "movements", "stock-checks", "count-lines", "discrepancies",
                     "destruction-candidates", "movements/balances"):
            with self.subTest(path):
                alice = self.api("alice").get(f"{API}/{path}/", {"limit": 1000})
                self.assertEqual(alice.status_code, 200)
                self.assertNotIn(MARKER_B, alice.content.decode())
                self.assertNotIn(str(self.inventory.lot_b.public_id), alice.content.decode())
                carlos = self.api("carlos").get(f"{API}/{path}/", {"limit": 1000})
                self.assertNotIn(MARKER_A, carlos.content.decode())
                self.assertNotIn(str(self.inventory.lot_a1.public_id), carlos.content.decode())
        for path in ("ammunition-lots", "movements", "stock-checks", "count-lines", "discrepancies"):
            with self.subTest(path):
                self.assertEqual(self.api("sam").get(f"{API}/{path}/").json()["count"], 0)


class InventorySchemaTest(InventoryWorldTestCase):
    def test_the_schema_describes_the_inventory_without_warnings(self) -> None:
        from drf_spectacular.drainage import GENERATOR_STATS
        from drf_spectacular.generators import SchemaGenerator

        GENERATOR_STATS.reset()
        with GENERATOR_STATS.silence():
            schema = SchemaGenerator().get_schema(request=None, public=True)
        ours = ("AmmunitionLot", "Movement", "StockCheck", "CountLine", "Discrepancy", "views_inventory",
                "serializers_inventory")
        warnings = [w for w in list(GENERATOR_STATS._warn_cache) + list(GENERATOR_STATS._error_cache)
                    if any(word in w for word in ours) and "could not resolve authenticator" not in w]
        self.assertEqual(warnings, [])
        for path in ("/api/v1/ammunition-lots/", "/api/v1/ammunition-lots/{public_id}/surplus/",
                     "/api/v1/movements/", "/api/v1/movements/balances/", "/api/v1/stock-checks/",
                     "/api/v1/stock-checks/{public_id}/count/", "/api/v1/stock-checks/{public_id}/close/",
                     "/api/v1/stock-checks/{public_id}/expected/", "/api/v1/count-lines/", "/api/v1/discrepancies/",
                     "/api/v1/discrepancies/{public_id}/resolve/", "/api/v1/destruction-candidates/",
                     "/api/v1/discrepancy-rates/"):
            self.assertIn(path, schema["paths"])
