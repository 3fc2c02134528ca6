"""``cifta safety``: the quantity-distance report in exactly the engine's shape, the audited
check of a facility found by name or public id, the licences; refusals name the option and
change nothing."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import CommandError, call_command

from cifta.core.models import AuditEvent, ObjectChange
from cifta.stockpile import events
from cifta.stockpile.safety import qd_report
from cifta.stockpile.tests.test_facilities_world import FacilitiesTestCase
from cifta.testing.world import MARKER_B


def run(*args: str) -> str:
    out = StringIO()
    call_command("safety", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


class SafetyCommandTest(FacilitiesTestCase):
    def refused(self, *args: str) -> str:
        before = (ObjectChange.unscoped.count(), AuditEvent.unscoped.count())
        with self.assertRaises(CommandError) as caught:
            run(*args)
        self.assertEqual((ObjectChange.unscoped.count(), AuditEvent.unscoped.count()), before, args)
        return str(caught.exception)

    def test_qd_as_json_is_exactly_the_engine_report(self) -> None:
        out = run("qd", "--hd", "1.1", "--neq", "1000", "--json")
        report = json.loads(out)
        self.assertEqual(report, json.loads(json.dumps(qd_report("1.1", 1000.0))))
        self.assertEqual(list(report), ["hd", "neq_kg", "functions", "ibd_m", "ptrd_m"])
        self.assertEqual(report["functions"]["D13"], {"raw": 173.93, "table": 270})
        self.assertEqual(report["functions"]["D2"], {"raw": 4.4, "table": None})
        self.assertEqual((report["ibd_m"], report["ptrd_m"]), (270, 180))
        for function in report["functions"].values():
            self.assertEqual(set(function), {"raw", "table"})
        hd12 = json.loads(run("qd", "--hd", "1.2", "--neq", "5000", "--json"))
        self.assertEqual((hd12["ibd_m"], hd12["ptrd_m"]), (None, None))
        self.assertEqual(json.loads(run("qd", "--hd", "1.4", "--neq", "10", "--json"))["functions"], {})

    def test_qd_as_a_table(self) -> None:
        out = run("qd", "--hd", "1.3", "--neq", "17500")
        self.assertIn("HD 1.3, 17500 kg NEQ", out)
        self.assertRegex(out, r"D4\s+166\.\d\d\s+170")  # AASTP-1 Annex B: 17,500 kg of HD 1.3, 170 m to a house
        self.assertIn("inhabited-building distance: 170 m", out)
        self.assertIn("public-traffic-route distance: 115 m", out)

    def test_qd_refusals_name_the_option(self) -> None:
        self.assertIn("--hd", self.refused("qd", "--hd", "2.1", "--neq", "10"))
        self.assertIn("--neq", self.refused("qd", "--hd", "1.1", "--neq", "ten"))
        self.assertIn("--neq", self.refused("qd", "--hd", "1.1", "--neq", "0"))
        self.assertIn("--neq", self.refused("qd", "--hd", "1.1", "--neq", "300000"))

    def test_check_a_facility_by_name_or_id(self) -> None:
        before = AuditEvent.unscoped.filter(verb=events.SAFETY_CHECKED).count()
        out = run("check", "--facility", "depot a", "--country", "co")
        self.assertIn("Depot A: 2 storehouse(s), 3 violation(s), 0 condition(s) not met, 1 notice(s)", out)
        self.assertIn("[violation] Highway 40 is 350 m away; 480 m are required", out)
        self.assertIn("rule 1.1/earth_covered/ptr_heavy", out)
        event = AuditEvent.unscoped.filter(verb=events.SAFETY_CHECKED).latest("seq")
        self.assertEqual((event.source, event.actor_repr), ("command", "system:cli"))
        self.assertEqual(AuditEvent.unscoped.filter(verb=events.SAFETY_CHECKED).count(), before + 1)
        data = json.loads(run("check", "--facility", str(self.arsenals.facility_a.public_id), "--country", "CO",
                              "--json"))
        self.assertEqual(data["counts"]["violation"], 3)
        ecm = next(s for s in data["storehouses"] if s["name"] == "ECM 1")
        self.assertEqual([f["code"] for f in ecm["findings"]],
                         ["quantity_above_licence", "site_too_close", "quantity_above_qd_limit"])

    def test_the_licences(self) -> None:
        out = run("licence", "--facility", "Depot A", "--country", "CO")
        self.assertIn("ECM 1 (earth_covered)", out)
        self.assertRegex(out, r"1\.1\s+0\.000\s+5,000\.000\s+Highway 40 at 350 m \(1\.1/earth_covered/ptr_heavy\)")
        data = json.loads(run("licence", "--facility", "Depot A", "--country", "CO", "--json"))
        ecm = next(s for s in data["storehouses"] if s["name"] == "ECM 1")
        self.assertEqual(ecm["licence"]["limits"]["1.1"]["limit_kg"], 0.0)

    def test_another_states_facility_does_not_exist(self) -> None:
        facility_b = self.arsenals.facility_b
        for given in (facility_b.name, str(facility_b.public_id)):
            message = self.refused("check", "--facility", given, "--country", "CO")
            self.assertIn("--facility", message)
            self.assertNotIn(MARKER_B, message.replace(given, ""))
        self.assertIn("--facility", self.refused("licence", "--facility", "Nowhere", "--country", "CO"))
        self.assertIn("--country", self.refused("check", "--facility", "Depot A", "--country", "ZZ"))
        # in B's name, B's facility is found and A's is not
        self.assertIn(f"Depot B {MARKER_B}", run("check", "--facility", str(facility_b.public_id), "--country", "MX"))
        self.assertIn("--facility", self.refused("check", "--facility", "Depot A", "--country", "MX"))
