"""Inventory pages: each page for its owner; a lot, a movement, a stock check and a resolved
discrepancy through the forms; refusals shown beside their field with nothing written; the CSV
export neutralised and audited; viewers refused (403), another State's records missing (404),
the Secretariat kept to the regional numbers."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.urls import reverse

from cifta.core.context import Source, change_context
from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.scoping import country_scope
from cifta.stockpile import events, ledger
from cifta.stockpile import services_inventory as services
from cifta.stockpile.models import AmmunitionLot, CountLine, Discrepancy, Movement, StockCheck
from cifta.testing.inventory_world import InventoryWorldTestCase
from cifta.testing.world import MARKER_A, MARKER_B


def url(name: str, *args: Any, query: str = "") -> str:
    return reverse(f"stockpile:{name}", args=args) + (f"?{query}" if query else "")


class InventoryPagesTest(InventoryWorldTestCase):
    def pages_of_a(self) -> list[str]:
        inv, ar = self.inventory, self.arsenals
        return [
            url("lot_list"), url("lot_list", query="q=762&condition=serviceable&surplus=no"), url("lot_new"),
            url("lot_detail", inv.lot_a1.public_id), url("lot_edit", inv.lot_a1.public_id),
            url("ledger"), url("ledger", query=f"facility={ar.facility_a.public_id}"),
            url("ledger", query=f"storehouse={ar.store_a1.public_id}&lot={inv.lot_a1.public_id}&kind=issue"
                                "&since=2025-01-01&until=2025-12-31"),
            url("movement_new"), url("movement_new", query=f"lot={inv.lot_a1.public_id}&kind=issue"),
            url("movement_new", query=f"corrects={inv.issue_a1.public_id}&kind=correction_in"),
            url("movement_detail", inv.issue_a1.public_id), url("check_list"), url("check_list", query="status=closed"),
            url("check_new"), url("check_detail", inv.check_a.public_id),
            url("check_detail", inv.check_a_open.public_id),
            url("discrepancy_list"), url("discrepancy_list", query="status=unresolved"),
            url("discrepancy_detail", inv.discrepancy_a.public_id), url("candidates"), url("discrepancy_rates"),
            url("discrepancy_rates", query="year=2025"),
        ]

    def test_every_page_answers_for_its_owner(self) -> None:
        alice = self.web("alice")
        for address in self.pages_of_a():
            with self.subTest(address):
                response = alice.get(address)
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, MARKER_B)

    def test_pages_show_balances_expected_counts_and_candidates(self) -> None:
        inv, ar, alice = self.inventory, self.arsenals, self.web("alice")
        self.assertContains(alice.get(url("lot_list")), "900")
        detail = alice.get(url("lot_detail", inv.lot_a1.public_id))
        self.assertContains(detail, "ECM 1")
        self.assertContains(detail, f"ISS-{MARKER_A}")
        held = alice.get(url("ledger", query=f"storehouse={ar.store_a2.public_id}"))
        self.assertContains(held, "ABC123")
        expected = alice.get(url("check_detail", inv.check_a_open.public_id))
        self.assertEqual(len(expected.context["expected"]), 4)
        candidates = alice.get(url("candidates"))
        self.assertContains(candidates, "A-GR-07")
        self.assertContains(candidates, f"{MARKER_A}77")
        rates = alice.get(url("discrepancy_rates", query="year=2025"))
        self.assertEqual((rates.context["national"].lines, rates.context["national_percent"]), (2, 50.0))

    def test_a_lot_is_recorded_changed_and_declared_surplus(self) -> None:
        alice = self.web("alice")
        form = {"nature": "Mortar bomb 81 mm HE", "lot_number": "A-81-01", "calibre": "81 mm", "manufacturer": "",
                "year": "2018", "un_number": "0181", "hazard_division": "1.1", "compatibility_group": "S",
                "neq_per_unit_kg": "0.68", "condition": "serviceable", "surveillance_due": "", "expiry_date": ""}
        before = ObjectChange.unscoped.count()
        refused = alice.post(url("lot_new"), form)
        self.assertEqual(refused.status_code, 400)
        self.assertIn("compatibility_group", refused.context["form"].errors)
        self.assertEqual(ObjectChange.unscoped.count(), before)
        created = alice.post(url("lot_new"), {**form, "compatibility_group": "F"})
        lot = AmmunitionLot.unscoped.get(lot_number="A-81-01")
        self.assertRedirects(created, lot.get_absolute_url())
        self.assertEqual((lot.un_number, lot.country_id), ("UN0181", self.world.country_a.pk))
        changed = alice.post(url("lot_edit", lot.public_id), {**form, "compatibility_group": "F",
                                                              "condition": "awaiting_disposal"})
        self.assertRedirects(changed, lot.get_absolute_url())
        self.assertEqual(AmmunitionLot.unscoped.get(pk=lot.pk).condition, "awaiting_disposal")
        surplus = alice.post(url("lot_surplus", self.inventory.lot_a1.public_id), {"surplus": "1", "reason": "x"})
        self.assertRedirects(surplus, self.inventory.lot_a1.get_absolute_url())
        self.assertTrue(AmmunitionLot.unscoped.get(pk=self.inventory.lot_a1.pk).is_surplus)

    def test_a_movement_is_recorded_and_a_refusal_is_shown_beside_its_field(self) -> None:
        inv, ar, alice = self.inventory, self.arsenals, self.web("alice")
        form = {"kind": "issue", "occurred_on": "2025-04-01", "lot": str(inv.lot_a1.public_id), "firearm": "",
                "quantity": "901", "from_storehouse": str(ar.store_a1.public_id), "to_storehouse": "",
                "reference": "ISS-9", "reason": "", "corrects": ""}
        before = ObjectChange.unscoped.count()
        refused = alice.post(url("movement_new"), form)
        self.assertEqual(refused.status_code, 400)
        self.assertIn("quantity", refused.context["form"].errors)
        self.assertEqual(ObjectChange.unscoped.count(), before)
        done = alice.post(url("movement_new"), {**form, "quantity": "100"})
        movement = Movement.unscoped.get(reference="ISS-9")
        self.assertRedirects(done, url("movement_detail", movement.public_id))
        self.assertEqual(ObjectChange.unscoped.filter(object_type="stockpile.movement", object_id=movement.pk)
                         .get().source, "web")
        # a firearm by its serial: moved out of the weapons store
        out = alice.post(url("movement_new"), {**form, "lot": "", "firearm": "abc-123", "quantity": "1",
                                               "from_storehouse": str(ar.store_a2.public_id), "reference": "ISS-10"})
        self.assertEqual(out.status_code, 302)
        with country_scope([self.world.country_a.pk]):
            self.assertIsNone(ledger.firearm_location(self.firearms.glock_a))
        unknown = alice.post(url("movement_new"), {**form, "lot": "", "firearm": "NO-SUCH-1", "quantity": "1"})
        self.assertIn("firearm", unknown.context["form"].errors)

    def test_a_check_is_scheduled_counted_closed_and_its_discrepancy_resolved(self) -> None:
        inv, ar, alice = self.inventory, self.arsenals, self.web("alice")
        scheduled = alice.post(url("check_new"), {"facility": str(ar.facility_a.public_id),
                                                  "scheduled_on": "2025-05-05", "counted_by": "Maj. Lopez",
                                                  "witness": ""})
        check = StockCheck.unscoped.get(counted_by="Maj. Lopez")
        self.assertRedirects(scheduled, check.get_absolute_url())
        count = {"storehouse": str(ar.store_a1.public_id), "lot": str(inv.lot_a1.public_id), "counted": "895"}
        self.assertRedirects(alice.post(url("check_count", check.public_id), count), check.get_absolute_url())
        before = ObjectChange.unscoped.count()
        twice = alice.post(url("check_count", check.public_id), {**count, "counted": "900"})
        self.assertEqual(twice.status_code, 400)
        self.assertIn("lot", twice.context["count_form"].errors)
        self.assertEqual(ObjectChange.unscoped.count(), before)
        firearm = {"storehouse": str(ar.store_a2.public_id), "firearm": str(self.firearms.glock_a.public_id),
                   "counted": "0"}
        self.assertEqual(alice.post(url("check_count", check.public_id), firearm).status_code, 302)
        closed = alice.post(url("check_close", check.public_id), {"counted_by": "Maj. Lopez", "witness": "Capt. Diaz",
                                                                  "closed_on": "2025-05-06"})
        self.assertRedirects(closed, check.get_absolute_url())
        self.assertEqual(Discrepancy.unscoped.filter(line__check_run=check).count(), 2)
        page = alice.get(check.get_absolute_url())
        self.assertContains(page, "-5")
        rounds = Discrepancy.unscoped.get(line__check_run=check, line__lot=inv.lot_a1)
        refused = alice.post(url("discrepancy_resolve", rounds.public_id), {"status": "written_off", "resolution": ""})
        self.assertEqual(refused.status_code, 400)
        resolved = alice.post(url("discrepancy_resolve", rounds.public_id),
                              {"status": "written_off", "resolution": "Board accepted the count.",
                               "occurred_on": "2025-05-07"})
        self.assertRedirects(resolved, url("discrepancy_detail", rounds.public_id))
        with country_scope([self.world.country_a.pk]):
            self.assertEqual(ledger.balance(ar.store_a1, inv.lot_a1.pk), 895)

    def test_the_ledger_export_is_neutralised_and_audited(self) -> None:
        inv, ar = self.inventory, self.arsenals
        with country_scope([self.world.country_a.pk]), change_context(self.world.alice, Source.WEB):
            services.record_movement(actor=self.world.alice, kind="receipt", occurred_on=inv.receipt_a1.occurred_on,
                                     quantity=1, lot=inv.lot_a1, to_storehouse=ar.store_a1,
                                     reference='=HYPERLINK("http://x.test")')
        response = self.web("alice").get(url("ledger_export", query=f"lot={inv.lot_a1.public_id}"))
        self.assertEqual(response.status_code, 200)
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(len(rows), 1 + 3)
        self.assertIn("'=HYPERLINK(\"http://x.test\")", [cell for row in rows for cell in row])
        self.assertNotIn(MARKER_B, response.content.decode("utf-8-sig"))
        event = AuditEvent.unscoped.filter(verb=events.LEDGER_EXPORTED).latest("seq")
        self.assertEqual((event.actor_id, event.payload["result_count"], event.payload["query"]["report"]),
                         (self.world.alice.pk, 3, "ledger"))
        self.assertEqual(self.web("bob").get(url("ledger_export")).status_code, 403)


class InventoryAccessTest(InventoryWorldTestCase):
    def test_a_viewer_reads_but_cannot_write(self) -> None:
        inv, ar, bob = self.inventory, self.arsenals, self.web("bob")
        self.assertEqual(bob.get(url("lot_detail", inv.lot_a1.public_id)).status_code, 200)
        self.assertNotContains(bob.get(url("lot_detail", inv.lot_a1.public_id)), url("lot_edit", inv.lot_a1.public_id))
        before = ObjectChange.unscoped.count()
        for address, data in [
            (url("lot_new"), {"nature": "x"}), (url("lot_edit", inv.lot_a1.public_id), {}),
            (url("lot_surplus", inv.lot_a1.public_id), {}), (url("movement_new"), {"kind": "receipt"}),
            (url("check_new"), {}), (url("check_count", inv.check_a_open.public_id),
                                     {"storehouse": str(ar.store_a1.public_id), "counted": "1"}),
            (url("check_close", inv.check_a_open.public_id), {}),
            (url("discrepancy_resolve", inv.discrepancy_a.public_id), {"status": "found", "resolution": "x"}),
        ]:
            with self.subTest(address):
                self.assertEqual(bob.post(address, data).status_code, 403)
        self.assertEqual(bob.get(url("lot_new")).status_code, 403)
        self.assertEqual(ObjectChange.unscoped.count(), before)

    def test_another_states_records_do_not_exist(self) -> None:
        inv, carlos = self.inventory, self.web("carlos")
        for address in (url("lot_detail", inv.lot_a1.public_id), url("lot_edit", inv.lot_a1.public_id),
                        url("movement_detail", inv.receipt_a1.public_id), url("check_detail", inv.check_a.public_id),
                        url("discrepancy_detail", inv.discrepancy_a.public_id)):
            with self.subTest(address):
                self.assertEqual(carlos.get(address).status_code, 404)
        before = ObjectChange.unscoped.count()
        for address, data in [
            (url("check_count", inv.check_a_open.public_id), {"storehouse": str(self.arsenals.store_a1.public_id),
                                                              "lot": str(inv.lot_a1.public_id), "counted": "1"}),
            (url("discrepancy_resolve", inv.discrepancy_a.public_id), {"status": "found", "resolution": "x"}),
            (url("lot_surplus", inv.lot_a1.public_id), {}), (url("check_close", inv.check_a_open.public_id), {}),
        ]:
            with self.subTest(address):
                self.assertEqual(carlos.post(address, data).status_code, 404)
        # B's own form cannot name A's storehouse or lot
        refused = carlos.post(url("movement_new"), {"kind": "receipt", "occurred_on": "2025-04-01", "quantity": "1",
                                                    "lot": str(inv.lot_a1.public_id),
                                                    "to_storehouse": str(self.arsenals.store_a1.public_id)})
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(ObjectChange.unscoped.count(), before)
        for address in (url("lot_list"), url("ledger"), url("check_list"), url("discrepancy_list"), url("candidates"),
                        url("ledger_export")):
            with self.subTest(address):
                body = carlos.get(address).content.decode("utf-8-sig")
                self.assertNotIn(MARKER_A, body)
                self.assertNotIn("A-762-01", body)
                body = self.web("alice").get(address).content.decode("utf-8-sig")
                self.assertNotIn(MARKER_B, body)
                self.assertNotIn("B-81-3", body)

    def test_the_secretariat_sees_only_regional_numbers(self) -> None:
        inv = self.inventory
        for name in ("sam", "sara"):
            client = self.web(name)
            for address in (url("lot_list"), url("ledger"), url("check_list"), url("candidates"),
                            url("lot_detail", inv.lot_a1.public_id), url("check_detail", inv.check_b.public_id)):
                with self.subTest(name=name, address=address):
                    self.assertIn(client.get(address).status_code, (403, 404))
        rates = self.web("sam").get(url("discrepancy_rates", query="year=2025"))
        self.assertEqual(rates.status_code, 200)
        rows = {r["country"].code: (r["figures"].lines, r["figures"].discrepancies) for r in rates.context["rows"]}
        self.assertEqual(rows, {"CO": (2, 1), "MX": (1, 1)})
        text = rates.content.decode()
        for secret in (MARKER_A, MARKER_B, "A-762-01", "Depot A", str(inv.discrepancy_a.public_id)):
            self.assertNotIn(secret, text)
        self.assertEqual(self.web("root").get(url("discrepancy_rates")).status_code, 200)
        self.assertEqual(self.web("root").get(url("lot_list")).status_code, 403)

    def test_counting_from_the_list_of_what_is_expected(self) -> None:
        inv, alice = self.inventory, self.web("alice")
        page = alice.get(url("check_detail", inv.check_a_open.public_id))
        self.assertContains(page, f'name="firearm" value="{self.firearms.glock_a.public_id}"')
        response = alice.post(url("check_count", inv.check_a_open.public_id), {
            "storehouse": str(self.arsenals.store_a2.public_id), "firearm": str(self.firearms.glock_a.public_id),
            "counted": "1"})
        self.assertEqual(response.status_code, 302)
        line = CountLine.unscoped.get(check_run=inv.check_a_open)
        self.assertEqual((line.recorded, line.counted), (1, 1))
        self.assertEqual(len(alice.get(url("check_detail", inv.check_a_open.public_id)).context["expected"]), 3)


class FilterTest(InventoryWorldTestCase):
    def test_a_refused_filter_shows_nothing_rather_than_everything(self) -> None:
        alice, b = self.web("alice"), self.arsenals
        for address in (url("ledger", query=f"facility={b.facility_b.public_id}"),
                        url("check_list", query=f"facility={b.facility_b.public_id}"),
                        url("discrepancy_list", query="status=misplaced"), url("lot_list", query="condition=broken")):
            with self.subTest(address):
                response = alice.get(address)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(len(response.context["page"].object_list), 0)
                self.assertContains(response, 'role="alert"')
        rows = self.web("alice").get(url("ledger_export", query="kind=borrowed")).content.decode("utf-8-sig")
        self.assertEqual(len(rows.strip().splitlines()), 1)  # the header only
