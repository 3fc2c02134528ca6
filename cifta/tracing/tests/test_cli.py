"""``cifta tracing``: cases, the request workflow across two States, boxes, the reminder job,
figures and exports from the command line. Refusals name the field and change nothing."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from cifta.core.models import AuditEvent, ObjectChange
from cifta.testing.world import MARKER_A, MARKER_B
from cifta.tracing import events
from cifta.tracing.models import TraceAnswer, TraceCase, TraceReminder, TraceRequest, TraceStep
from cifta.tracing.tests.test_api_battery import TracingExtrasTestCase


def run(*args: str) -> str:
    out = StringIO()
    call_command("tracing", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
class TracingCommandTest(TracingExtrasTestCase):
    def refused(self, *args: str) -> str:
        before = ObjectChange.unscoped.count()
        with self.assertRaises(CommandError) as caught:
            run(*args)
        self.assertEqual(ObjectChange.unscoped.count(), before, args)
        return str(caught.exception)

    def test_open_a_case_list_it_and_search_it(self) -> None:
        out = run("case-open", "--country", "co", "--actor", "alice", "--case-reference", "CASE-CO-50",
                  "--illicit-reason", "no licence", "--legal-basis", "art. 3", "--recovered-on", "2025-03-03",
                  "--recovered-place", "Medellin", "--make", "Glock",
                  "--marking", "frame:ABC123:GLOCK AUSTRIA", "--marking", "slide:ABC123")
        case = TraceCase.unscoped.get(case_reference="CASE-CO-50")
        self.assertIn(case.reference, out)
        self.assertEqual(TraceCase.unscoped.get(pk=case.pk).markings(manager="unscoped").count(), 2)
        change = ObjectChange.unscoped.filter(object_type="tracing.tracecase", object_id=case.pk).get()
        self.assertEqual((change.actor_id, change.source), (self.world.alice.pk, "command"))
        listed = run("cases", "--country", "CO")
        self.assertIn(case.reference, listed)
        self.assertIn(self.traces.case_a.reference, listed)
        self.assertNotIn(MARKER_B, listed)
        rows = [json.loads(line) for line in run("cases", "--country", "CO", "--json").splitlines()]
        self.assertEqual({r["reference"] for r in rows}, {case.reference, self.traces.case_a.reference})
        found = json.loads(run("case-search", case.reference, "--country", "CO", "--actor", "bob", "--json"))
        hits = [h["firearm"] for m in found["markings"] for h in m["hits"]]
        self.assertIn(str(self.firearms.glock_a.public_id), hits)
        searched = AuditEvent.unscoped.filter(verb=events.CASE_SEARCHED).latest("seq")
        self.assertEqual((searched.actor_id, searched.payload["case_reference"]), (self.world.bob.pk, "CASE-CO-50"))
        # by the police case reference too, and by public id; another State's case does not exist
        self.assertIn("ABC123", run("case-search", "CASE-CO-50", "--country", "CO"))
        self.assertIn("serial(s) searched", run("case-search", str(case.public_id), "--country", "CO"))
        self.assertIn("case:", self.refused("case-search", self.traces.case_b.reference, "--country", "CO"))

    def test_case_open_from_a_registry_record(self) -> None:
        run("case-open", "--country", "CO", "--actor", "alice", "--case-reference", "CASE-CO-51",
            "--illicit-reason", "x", "--legal-basis", "y", "--recovered-on", "2025-03-03", "--recovered-place", "z",
            "--firearm", str(self.firearms.glock_a.public_id))
        case = TraceCase.unscoped.get(case_reference="CASE-CO-51")
        self.assertEqual((case.firearm_id, case.make), (self.firearms.glock_a.pk, "Glock"))

    def test_case_open_refusals_name_the_field(self) -> None:
        base = ("case-open", "--country", "CO", "--actor", "alice", "--case-reference", "C-1", "--illicit-reason",
                "x", "--legal-basis", "y", "--recovered-place", "z")
        self.assertIn("recovered_on", self.refused(*base, "--marking", "frame:S1"))
        self.assertIn("--recovered-on", self.refused(*base, "--recovered-on", "March", "--marking", "frame:S1"))
        self.assertIn("markings", self.refused(*base, "--recovered-on", "2025-01-01"))
        self.assertIn("--marking", self.refused(*base, "--recovered-on", "2025-01-01", "--marking", "S1"))
        self.assertIn("--firearm", self.refused(*base, "--recovered-on", "2025-01-01", "--firearm",
                                                str(self.firearms.private_b.public_id)))
        self.assertIn("--actor", self.refused(*base[:3], "--actor", "bob", *base[5:], "--recovered-on", "2025-01-01",
                                              "--marking", "frame:S1"))
        self.assertIn("--actor", self.refused(*base[:3], *base[5:], "--recovered-on", "2025-01-01",
                                              "--marking", "frame:S1"))
        self.assertIn("--actor", self.refused(*base[:3], "--actor", "carlos", *base[5:],
                                              "--recovered-on", "2025-01-01", "--marking", "frame:S1"))
        self.assertIn("--country", self.refused("case-open", "--country", "ZZ", "--actor", "alice",
                                                "--case-reference", "x"))

    def test_the_workflow_between_two_states(self) -> None:
        out = run("request-draft", "--country", "CO", "--actor", "alice", "--to", "MX",
                  "--case", self.traces.case_a.reference, "--intended-use", "trial", "--urgency", "urgent")
        request = TraceRequest.unscoped.filter(country=self.world.country_a).latest("id")
        self.assertIn(request.reference, out)
        self.assertEqual((request.case_id, request.case_reference), (self.traces.case_a.pk, "CASE-CO-1"))
        self.assertIn("sent to MX", run("send", request.reference, "--country", "CO", "--actor", "alice"))
        self.assertIn(request.reference, run("inbox", "--country", "MX"))
        self.assertIn(request.reference, run("outbox", "--country", "CO"))
        self.assertIn("-> acknowledged", run("act", request.reference, "acknowledge", "--country", "MX",
                                             "--actor", "carlos"))
        self.assertIn("reason", self.refused("act", request.reference, "delay", "--country", "MX", "--actor",
                                             "carlos"))
        self.assertIn("requested", self.refused("act", request.reference, "start", "--country", "CO", "--actor",
                                                "alice"))
        out = run("answer", request.reference, "--country", "MX", "--actor", "carlos", "--outcome", "found",
                  "--firearm", str(self.firearms.private_b.public_id), "--field", "serial", "--field", "model",
                  "--last-legal-holder", "Registry B")
        self.assertIn("answered found", out)
        answer = TraceAnswer.unscoped.get(request=request)
        self.assertEqual((answer.firearm_id, answer.country_id), (self.firearms.private_b.pk, self.world.country_b.pk))
        self.assertIn("request", self.refused("answer", request.reference, "--country", "MX", "--actor", "carlos",
                                              "--outcome", "not_found", "--failure-reason", "no_record"))
        shown = json.loads(run("show", request.reference, "--country", "CO", "--actor", "alice", "--json"))
        self.assertEqual((shown["state"], shown["answer"]["firearm"], shown["actions"]), ("answered", None, ["close"]))
        self.assertEqual(shown["answer"]["disclosed"]["model"], "92FS")
        self.assertNotIn(str(self.firearms.private_b.public_id), json.dumps(shown))
        seen_by_b = json.loads(run("show", request.reference, "--country", "MX", "--json"))
        self.assertIsNone(seen_by_b["case"])
        self.assertEqual(seen_by_b["answer"]["firearm"], str(self.firearms.private_b.public_id))
        viewed = AuditEvent.unscoped.filter(verb=events.REQUEST_VIEWED).latest("seq")
        self.assertEqual((viewed.country_id, viewed.actor_repr), (self.world.country_b.pk, "system:cli"))
        self.assertIn("shared with Prosecutor", run("share", request.reference, "--country", "CO", "--actor",
                                                    "alice", "--recipient", "Prosecutor", "--purpose", "trial"))
        self.assertIn("-> closed", run("act", request.reference, "close", "--country", "CO", "--actor", "alice"))
        text = run("show", request.reference, "--country", "CO")
        self.assertIn("answer: found", text)
        self.assertIn("shared onward with Prosecutor", text)

    def test_a_third_state_cannot_find_a_request_and_a_viewer_cannot_act(self) -> None:
        ref = self.traces.request_ab.reference
        self.assertIn("request:", self.refused("show", ref, "--country", "PE"))
        self.assertIn("request:", self.refused("act", ref, "acknowledge", "--country", "PE", "--actor", "chloe"))
        self.assertIn("--actor", self.refused("act", ref, "withdraw", "--reason", "x", "--country", "CO",
                                              "--actor", "bob"))
        self.assertIn("request:", self.refused("show", self.traces.draft_ab.reference, "--country", "MX"))
        self.assertIn("request:", self.refused("share", self.traces.request_ba.reference, "--country", "CO",
                                               "--actor", "alice", "--recipient", "x", "--purpose", "y"))
        self.assertEqual(TraceStep.unscoped.filter(request=self.traces.request_ab).count(), 1)

    def test_boxes_and_overdue(self) -> None:
        inbox = run("inbox", "--country", "CO")
        self.assertIn(self.traces.request_ba.reference, inbox)
        self.assertNotIn(self.traces.request_bc.reference, inbox)
        rows = [json.loads(line) for line in run("outbox", "--country", "MX", "--json").splitlines()]
        self.assertEqual({r["reference"] for r in rows}, {self.traces.request_ba.reference,
                                                          self.traces.request_bc.reference})
        self.assertEqual(run("overdue", "--country", "MX"), "")

    def test_the_reminder_job(self) -> None:
        before = TraceReminder.unscoped.count()
        later = (timezone.localdate() + dt.timedelta(days=70)).isoformat()
        with self.captureOnCommitCallbacks(execute=True):
            out = run("remind", "--at", later)
        self.assertIn("reminder(s)", out)
        made = TraceReminder.unscoped.filter(sent_on=later)
        # request_ab (B owes both steps): open; every other request of the world was answered
        self.assertEqual({r.request_id for r in made}, {self.traces.request_ab.pk})
        self.assertEqual(TraceReminder.unscoped.count(), before + made.count())
        change = ObjectChange.unscoped.filter(object_type="tracing.tracereminder").latest("seq")
        self.assertEqual((change.actor_repr, change.source), ("system:tracing-reminders", "job"))
        self.assertIn("0 reminder(s), 0 escalation(s)", run("remind", "--at", later))
        self.assertIn("--at", self.refused("remind", "--at", "tomorrow"))

    def test_figures(self) -> None:
        year = str(timezone.now().year)
        own = json.loads(run("figures", "--year", year, "--country", "CO", "--json"))
        self.assertEqual((own["country"], own["sent"]["requests"], own["received"]["requests"]), ("CO", 2, 2))
        self.assertIn("SDG 16.4.2", run("figures", "--year", "2025", "--country", "CO"))
        regional = json.loads(run("figures", "--year", year, "--all", "--json"))
        self.assertEqual(regional["totals"]["requests"], 6)
        text = run("figures", "--year", year, "--all")
        self.assertIn("States reporting", text)
        for secret in (MARKER_A, MARKER_B, self.traces.request_ab.reference):
            self.assertNotIn(secret, text + json.dumps(regional))
        self.assertIn("--country", self.refused("figures", "--year", year, "--country", "OAS"))


class TracingExportCommandTest(TracingExtrasTestCase):
    def setUp(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="cifta-tracing-cli-"))

    def tearDown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_export_json_and_pdf_as_each_side_sees_it(self) -> None:
        ref = self.traces.request_ba.reference
        out = self.dir / "ba.json"
        self.assertIn("written to", run("export", ref, "--format", "json", "--out", str(out), "--country", "MX",
                                        "--actor", "carlos"))
        text = out.read_text(encoding="utf-8")
        self.assertIn(ref, text)
        self.assertNotIn(str(self.firearms.lost_a.public_id), text)
        exported = AuditEvent.unscoped.filter(verb=events.REQUEST_EXPORTED).latest("seq")
        self.assertEqual((exported.actor_id, exported.country_id), (self.world.carlos.pk, self.world.country_b.pk))
        pdf = self.dir / "ba.pdf"
        run("export", ref, "--format", "pdf", "--lang", "es", "--out", str(pdf), "--country", "CO")
        self.assertTrue(pdf.read_bytes().startswith(b"%PDF"))
        with self.assertRaises(CommandError):
            run("export", ref, "--format", "json", "--out", str(self.dir / "x.json"), "--country", "PE")
        self.assertFalse((self.dir / "x.json").exists())
        with self.assertRaises(CommandError):  # a viewer may not export
            run("export", ref, "--format", "json", "--out", str(self.dir / "y.json"), "--country", "CO",
                "--actor", "bob")
