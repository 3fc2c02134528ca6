"""``cifta evaluation``: the report as PDF or HTML (audited), an assessment from a JSON file,
the checklist printed; refusals name the option or field and write nothing."""

from __future__ import annotations

import json
import tempfile
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import CommandError, call_command

from cifta.core.models import AuditEvent, ObjectChange
from cifta.stockpile import events
from cifta.stockpile import security_checklist as checklist
from cifta.stockpile.models import AssessmentItem, SecurityAssessment
from cifta.stockpile.tests.test_security_api_battery import SecurityWorldTestCase
from cifta.testing.world import MARKER_B


def run(*args: str) -> str:
    out = StringIO()
    call_command("evaluation", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


class EvaluationCommandTest(SecurityWorldTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.dir = Path(tempfile.mkdtemp(prefix="cifta-evaluation-"))

    def write(self, data: Any, name: str = "items.json") -> str:
        path = self.dir / name
        path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
        return str(path)

    def refused(self, *args: str) -> str:
        before = (ObjectChange.unscoped.count(), AuditEvent.unscoped.count())
        with self.assertRaises(CommandError) as caught:
            run(*args)
        self.assertEqual((ObjectChange.unscoped.count(), AuditEvent.unscoped.count()), before, args)
        return str(caught.exception)

    # --- report
    def test_report_as_pdf_in_spanish_audited(self) -> None:
        out = self.dir / "co.pdf"
        before = AuditEvent.unscoped.filter(verb=events.REPORT_EXPORTED).count()
        printed = run("report", "--country", "co", "--lang", "es", "--date", "2025-12-31", "--out", str(out),
                      "--actor", "alice")
        self.assertIn("written to", printed)
        self.assertTrue(out.read_bytes().startswith(b"%PDF"))
        event = AuditEvent.unscoped.filter(verb=events.REPORT_EXPORTED).latest("seq")
        self.assertEqual(AuditEvent.unscoped.filter(verb=events.REPORT_EXPORTED).count(), before + 1)
        self.assertEqual((event.actor_id, event.source, event.country_id, event.payload["query"]["language"]),
                         (self.world.alice.pk, "command", self.world.country_a.pk, "es"))

    def test_report_as_html_by_the_operator(self) -> None:
        out = self.dir / "co.html"
        run("report", "--country", "CO", "--out", str(out), "--html", "--date", "2025-12-31")
        html = out.read_text(encoding="utf-8")
        self.assertIn("<!DOCTYPE html>", html)
        self.assertIn("Depot A", html)
        self.assertNotIn(MARKER_B, html)
        event = AuditEvent.unscoped.filter(verb=events.REPORT_EXPORTED).latest("seq")
        self.assertEqual((event.actor_repr, event.payload["query"]["format"]), ("system:cli", "html"))

    def test_report_refusals(self) -> None:
        out = str(self.dir / "x.pdf")
        self.assertIn("--country", self.refused("report", "--country", "ZZ", "--out", out))
        self.assertIn("--country", self.refused("report", "--country", "OAS", "--out", out))
        self.assertIn("--actor", self.refused("report", "--country", "CO", "--out", out, "--actor", "bob"))
        self.assertIn("--actor", self.refused("report", "--country", "CO", "--out", out, "--actor", "carlos"))
        self.assertIn("--date", self.refused("report", "--country", "CO", "--out", out, "--date", "2999-01-01"))
        self.assertIn("--date", self.refused("report", "--country", "CO", "--out", out, "--date", "soon"))
        self.assertIn("--out", self.refused("report", "--country", "CO", "--out", str(self.dir / "no" / "x.pdf")))

    # --- assess
    def test_assess_from_a_list_and_from_an_object(self) -> None:
        items = [{"code": "PER-01", "score": 2, "evidence": "ok"}, {"code": "KEY-02", "score": 0,
                                                                   "recommendation": "Keep one"},
                 {"code": "LPS-01", "score": None}]
        printed = run("assess", "--country", "CO", "--facility", "depot a", "--file", self.write(items),
                      "--assessor", "Team CLI", "--actor", "alice", "--date", "2025-08-01")
        made = SecurityAssessment.unscoped.get(assessor="Team CLI")
        self.assertIn(str(made.public_id), printed)
        self.assertIn("60.0 %", printed)
        self.assertEqual(AssessmentItem.unscoped.filter(assessment=made).count(), 3)
        change = ObjectChange.unscoped.get(object_type="stockpile.securityassessment", object_id=made.pk)
        self.assertEqual((change.actor_id, change.source), (self.world.alice.pk, "command"))
        run("assess", "--country", "CO", "--facility", str(self.arsenals.facility_a.public_id),
            "--file", self.write({"items": items[:1], "summary": "From file", "assessed_on": "2025-08-02"}, "b.json"),
            "--assessor", "Team CLI 2", "--actor", "alice")
        second = SecurityAssessment.unscoped.get(assessor="Team CLI 2")
        self.assertEqual((second.summary, second.assessed_on.isoformat()), ("From file", "2025-08-02"))

    def test_assess_refusals_name_the_field(self) -> None:
        good = self.write([{"code": "PER-01", "score": 2}])
        base = ("assess", "--country", "CO", "--assessor", "Team", "--actor", "alice", "--date", "2025-08-01")
        self.assertIn("items", self.refused(*base, "--facility", "Depot A",
                                            "--file", self.write([{"code": "XYZ-01", "score": 2}], "bad.json")))
        self.assertIn("items", self.refused(*base, "--facility", "Depot A",
                                            "--file", self.write([{"code": "PER-01", "score": 3}], "three.json")))
        self.assertIn("items", self.refused(*base, "--facility", "Depot A", "--file", self.write([], "empty.json")))
        self.assertIn("--file", self.refused(*base, "--facility", "Depot A", "--file", self.write("{oops", "x.json")))
        self.assertIn("--file", self.refused(*base, "--facility", "Depot A", "--file", str(self.dir / "none.json")))
        self.assertIn("--file", self.refused(*base, "--facility", "Depot A",
                                             "--file", self.write({"items": [], "extra": 1}, "extra.json")))
        self.assertIn("--facility", self.refused(*base, "--facility", f"Depot B {MARKER_B}", "--file", good))
        self.assertIn("--actor", self.refused("assess", "--country", "CO", "--facility", "Depot A", "--file", good,
                                              "--assessor", "Team", "--actor", "bob"))
        self.assertIn("--actor", self.refused("assess", "--country", "CO", "--facility", "Depot A", "--file", good,
                                              "--assessor", "Team", "--actor", "nobody"))
        self.assertIn("assessed_on", self.refused("assess", "--country", "CO", "--facility", "Depot A", "--file", good,
                                                  "--assessor", "Team", "--actor", "alice", "--date", "2999-01-01"))

    # --- checklist
    def test_checklist_printed_and_as_json(self) -> None:
        printed = run("checklist")
        self.assertIn("KEY-02", printed)
        self.assertIn("[to be checked]", printed)
        data = json.loads(run("checklist", "--json", "--lang", "fr"))
        self.assertEqual((data["version"], data["items"]), (checklist.VERSION, len(checklist.ITEMS)))
