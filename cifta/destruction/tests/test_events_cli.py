"""``cifta destruction``: plan, list items from a file of serials and a lot, witnesses,
approve, execute, list and show; refusals name the field and change nothing."""

from __future__ import annotations

import json
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command

from cifta.core.models import ObjectChange
from cifta.core.scoping import country_scope
from cifta.destruction.models import DestructionEvent
from cifta.registry.models import Firearm
from cifta.stockpile import ledger
from cifta.testing.destruction_world import DestructionWorldTestCase
from cifta.testing.world import MARKER_A, MARKER_B


def run(*args: str) -> str:
    out = StringIO()
    call_command("destruction", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


class DestructionCommandTest(DestructionWorldTestCase):
    def refused(self, *args: str) -> str:
        before = ObjectChange.unscoped.count()
        with self.assertRaises(CommandError) as caught:
            run(*args)
        self.assertEqual(ObjectChange.unscoped.count(), before, args)
        return str(caught.exception)

    def test_an_event_from_plan_to_execution(self) -> None:
        out = run("plan", "--country", "co", "--actor", "alice", "--title", "CLI destruction", "--legal-order", "R-9",
                  "--site", "Range 9", "--planned-on", "2025-10-01", "--officer", "Maj. Diaz",
                  "--weapon-method", "cutting", "--ammunition-method", "open_burning")
        reference = out.split()[0]
        self.assertTrue(reference.startswith("DE-CO-"))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "serials.txt"
            path.write_text("ABC123\n\n", encoding="utf-8")
            self.assertIn("1 firearm(s) added", run("add-items", reference, "--country", "CO", "--actor", "alice",
                                                    "--serials", str(path)))
        run("add-lot", reference, "--country", "CO", "--actor", "alice", "--lot", "A-762-01", "--storehouse",
            "Depot A/ECM 1", "--quantity", "100")
        run("witness", reference, "--country", "CO", "--actor", "alice", "--name", "W One", "--agency", "Registry A")
        run("witness", reference, "--country", "CO", "--actor", "alice", "--name", "W Two", "--agency",
            f"Arsenal A {MARKER_A}")
        run("witness", reference, "--country", "CO", "--actor", "alice", "--name", "Obs", "--observer",
            "--organisation", "UNODC")
        self.assertIn("may not", self.refused("approve", reference, "--country", "CO", "--actor", "alice"))
        self.assertIn("approved by", run("approve", reference, "--country", "CO", "--actor", "nadia"))
        out = run("execute", reference, "--country", "CO", "--actor", "alice", "--started", "2025-10-01 09:00",
                  "--ended", "2025-10-01 12:00", "--returned", "A-762-01=Still serviceable after inspection")
        self.assertIn("1 item(s) destroyed, 1 returned", out)
        self.assertEqual(Firearm.unscoped.get(pk=self.firearms.glock_a.pk).status, "destroyed")
        with country_scope([self.world.country_a.pk]):
            self.assertEqual(ledger.balance(self.arsenals.store_a1, self.inventory.lot_a1.pk), 900)
        shown = json.loads(run("show", reference, "--country", "CO", "--json"))
        self.assertEqual(shown["status"], "executed")
        self.assertEqual({i["status"] for i in shown["items"]}, {"destroyed", "returned"})
        self.assertIn("executed", self.refused("execute", reference, "--country", "CO", "--actor", "alice",
                                               "--started", "2025-10-01 09:00", "--ended", "2025-10-01 12:00"))

    def test_listing_shows_own_events_only(self) -> None:
        rows = [json.loads(line) for line in run("events", "--country", "CO", "--json").splitlines()]
        self.assertEqual([r["reference"] for r in rows], [self.destructions.event_a.reference])
        self.assertNotIn(MARKER_B, run("events", "--country", "CO"))
        self.assertNotIn(MARKER_A, run("show", self.destructions.event_b.reference, "--country", "MX"))
        self.assertIn("event", self.refused("show", self.destructions.event_b.public_id.hex, "--country", "CO"))

    def test_refusals_name_the_serial_and_change_nothing(self) -> None:
        reference = self.destructions.event_a.reference
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "serials.txt"
            path.write_text("NOPE-1\nTX-0001\n", encoding="utf-8")
            message = self.refused("add-items", reference, "--country", "CO", "--actor", "alice", "--serials",
                                   str(path))
        self.assertIn("NOPE-1", message)
        self.assertIn("TX-0001", message)
        self.assertIn("quantity", self.refused("add-lot", reference, "--country", "CO", "--actor", "alice", "--lot",
                                               "A-762-01", "--storehouse", "ECM 1", "--quantity", "901"))
        self.assertIn("status", self.refused("execute", reference, "--country", "CO", "--actor", "alice",
                                             "--started", "2025-10-01 09:00", "--ended", "2025-10-01 12:00"))
        self.assertIn("actor", self.refused("cancel", reference, "--country", "CO", "--actor", "bob", "--reason", "x"))
        run("cancel", reference, "--country", "CO", "--actor", "alice", "--reason", "Postponed")
        self.assertEqual(DestructionEvent.unscoped.get(pk=self.destructions.event_a.pk).status, "cancelled")
