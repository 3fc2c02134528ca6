"""``cifta stock``: lots, movements, the ledger, a stock check from schedule to resolution,
candidates and rates from the command line. Refusals name the field and change nothing."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import CommandError, call_command

from cifta.core.models import ObjectChange
from cifta.stockpile.models import AmmunitionLot, Discrepancy, Movement, StockCheck
from cifta.testing.inventory_world import InventoryWorldTestCase
from cifta.testing.world import MARKER_A, MARKER_B


def run(*args: str) -> str:
    out = StringIO()
    call_command("stock", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


class StockCommandTest(InventoryWorldTestCase):
    def refused(self, *args: str) -> str:
        before = ObjectChange.unscoped.count()
        with self.assertRaises(CommandError) as caught:
            run(*args)
        self.assertEqual(ObjectChange.unscoped.count(), before, args)
        return str(caught.exception)

    def test_a_lot_is_recorded_received_and_listed(self) -> None:
        out = run("lot-add", "--country", "co", "--actor", "alice", "--nature", "Cartridge 5.56x45 ball",
                  "--lot-number", "A-556-09", "--hazard-division", "1.4", "--compatibility-group", "S",
                  "--neq", "0.0017", "--un-number", "0012", "--year", "2021")
        lot = AmmunitionLot.unscoped.get(lot_number="A-556-09")
        self.assertIn(str(lot.public_id), out)
        change = ObjectChange.unscoped.filter(object_type="stockpile.ammunitionlot", object_id=lot.pk).get()
        self.assertEqual((change.actor_id, change.source), (self.world.alice.pk, "command"))
        run("move", "--country", "CO", "--actor", "alice", "--kind", "receipt", "--date", "2025-04-01",
            "--quantity", "500", "--lot", "A-556-09", "--to", "Depot A/ECM 1", "--reference", "GRN-77")
        run("move", "--country", "CO", "--actor", "alice", "--kind", "move", "--date", "2025-04-02",
            "--quantity", "200", "--lot", str(lot.public_id), "--from", "ECM 1", "--to", "Armoury 2")
        rows = {r["lot_number"]: r for r in map(json.loads, run("lots", "--country", "CO", "--json").splitlines())}
        self.assertEqual(rows["A-556-09"]["held"], {"Depot A / ECM 1": 300, "Depot A / Armoury 2": 200})
        self.assertNotIn(MARKER_B, run("lots", "--country", "CO"))
        ledger = run("ledger", "--country", "CO", "--lot", "A-556-09")
        self.assertIn("GRN-77", ledger)
        self.assertIn("held in Depot A / ECM 1", ledger)
        entries = [json.loads(line) for line in run("ledger", "--country", "CO", "--storehouse", "Armoury 2",
                                                    "--json").splitlines()]
        self.assertEqual(entries[-1]["balance"]["lots"], {"A-556-09": 200})
        self.assertIn(f"ISS-{MARKER_A}", run("ledger", "--country", "CO"))
        self.assertNotIn(MARKER_A, run("ledger", "--country", "MX"))

    def test_refusals_name_the_field_and_change_nothing(self) -> None:
        base = ("move", "--country", "CO", "--actor", "alice", "--date", "2025-04-01")
        self.assertIn("quantity", self.refused(*base, "--kind", "issue", "--quantity", "901", "--lot", "A-762-01",
                                               "--from", "Depot A/ECM 1"))
        self.assertIn("reason", self.refused(*base, "--kind", "correction_in", "--lot", "A-762-01", "--to", "ECM 1"))
        self.assertIn("firearm", self.refused(*base, "--kind", "receipt", "--firearm", "ABC123", "--to", "Armoury 2"))
        self.assertIn("--to", self.refused(*base, "--kind", "receipt", "--lot", "A-762-01", "--to",
                                           f"Magazine {MARKER_B}"))
        self.assertIn("--lot", self.refused(*base, "--kind", "receipt", "--lot", "B-81-3", "--to", "ECM 1"))
        self.assertIn("--actor", self.refused(*base, "--kind", "receipt", "--lot", "A-762-01", "--to", "ECM 1",
                                              "--actor", "bob"))
        self.assertIn("--actor", self.refused(*base[:3], "--kind", "receipt", "--date", "2025-04-01", "--lot",
                                              "A-762-01", "--to", "ECM 1", "--actor", "carlos"))
        self.assertIn("--country", self.refused("lots", "--country", "OAS"))

    def test_a_stock_check_from_schedule_to_resolution(self) -> None:
        out = run("check-schedule", "--country", "CO", "--actor", "alice", "--facility", "Depot A", "--on",
                  "2025-08-01", "--counted-by", "Capt. Ruiz")
        check = StockCheck.unscoped.get(scheduled_on="2025-08-01")
        self.assertIn(str(check.public_id), out)
        self.assertIn("difference -2", run("count", str(check.public_id), "--country", "CO", "--actor", "alice",
                                           "--storehouse", "Depot A/ECM 1", "--lot", "A-GR-07", "--counted", "48"))
        self.assertIn("lot", self.refused("count", str(check.public_id), "--country", "CO", "--actor", "alice",
                                          "--storehouse", "Depot A/ECM 1", "--lot", "A-GR-07", "--counted", "48"))
        run("count", str(check.public_id), "--country", "CO", "--actor", "alice", "--storehouse", "Armoury 2",
            "--firearm", "ABC123", "--counted", "1")
        checks = [json.loads(line) for line in run("checks", "--country", "CO", "--json").splitlines()]
        self.assertIn((str(check.public_id), "counting", 2), [(c["check"], c["status"], c["lines"]) for c in checks])
        self.assertIn("1 discrepancy", run("check-close", str(check.public_id), "--country", "CO", "--actor", "alice",
                                           "--on", "2025-08-02"))
        found = Discrepancy.unscoped.get(line__check_run=check)
        listed = [json.loads(line) for line in run("discrepancies", "--country", "CO", "--open",
                                                   "--json").splitlines()]
        self.assertIn(str(found.public_id), {row["discrepancy"] for row in listed})
        out = run("resolve", str(found.public_id), "--country", "CO", "--actor", "alice", "--status", "written_off",
                  "--resolution", "Two grenades destroyed in training, never recorded.", "--on", "2025-08-03")
        self.assertIn("correction_out", out)
        self.assertEqual(Movement.unscoped.get(pk=Discrepancy.unscoped.get(pk=found.pk).settlement_id).quantity, 2)
        self.assertIn("status", self.refused("resolve", str(found.public_id), "--country", "CO", "--actor", "alice",
                                             "--status", "found", "--resolution", "again"))
        self.assertIn("discrepancy", self.refused("resolve", str(self.inventory.discrepancy_b.public_id),
                                                  "--country", "CO", "--actor", "alice", "--status", "found",
                                                  "--resolution", "x"))

    def test_candidates_and_rates(self) -> None:
        rows = [json.loads(line) for line in run("candidates", "--country", "CO", "--json").splitlines()]
        self.assertEqual(sorted(r["reasons"][0] for r in rows), ["confiscated", "expired"])
        self.assertIn("2 candidate(s)", run("candidates", "--country", "CO"))
        self.assertEqual(run("candidates", "--country", "CO", "--today", "2024-01-01").count("expired"), 0)
        own = json.loads(run("rates", "--year", "2025", "--country", "CO", "--json"))
        self.assertEqual((own["lines"], own["discrepancies"], own["rate"]), (2, 1, 0.5))
        self.assertIn("50.0 %", run("rates", "--year", "2025", "--country", "CO"))
        regional = json.loads(run("rates", "--year", "2025", "--all", "--json"))
        self.assertEqual({s["country"]: s["discrepancies"] for s in regional["states"]}, {"CO": 1, "MX": 1})
        self.assertIn("2 of 35 States", run("rates", "--year", "2025", "--all"))
