"""Exports of a trace request: the JSON follows the 05.31 / iARMS structure and carries only
what the viewer's State may read; the PDF is a PDF, in the language asked for."""

from __future__ import annotations

import base64
import json
import re
import zlib

from django.utils.translation import gettext, override

from cifta.core.context import Source, change_context
from cifta.core.errors import ServiceError
from cifta.core.permissions import Role
from cifta.core.scoping import country_scope
from cifta.testing.tracing_world import TracingWorldTestCase
from cifta.tracing import exports, services

STREAM = re.compile(rb"/Filter\s*(\[[^\]]*\]|/\w+)[^>]*>>\s*stream\r?\n(.*?)(?:\r?\n)?endstream", re.S)
# A string shown (``(...) Tj``), or the end of a line or of a text block.
SHOWN = re.compile(rb"\(((?:[^\\)]|\\.)*)\)\s*Tj|T\*|\bET\b", re.S)


def pdf_text(pdf: bytes) -> str:
    """The text drawn on the pages, a line a line: every content stream decoded, every string
    shown unescaped (reportlab writes the standard fonts in WinAnsi, i.e. cp1252)."""
    lines, line = [], []
    for filters, data in STREAM.findall(pdf):
        data = data.strip()
        if b"ASCII85Decode" in filters:
            data = base64.a85decode(data[:-2] if data.endswith(b"~>") else data)
        if b"FlateDecode" in filters:
            data = zlib.decompress(data)
        for match in SHOWN.finditer(data):
            if match.group(1) is None:
                lines.append("".join(line))
                line = []
                continue
            raw = re.sub(rb"\\([0-7]{1,3})", lambda m: bytes([int(m.group(1), 8)]), match.group(1))
            line.append(re.sub(rb"\\(.)", rb"\1", raw).decode("cp1252", "replace"))
    return "\n".join([*lines, "".join(line)])


RESPONSE_KEYS = {"outcome", "records_found", "disclosed", "chain", "last_legal_holder", "diversion",
                 "delays_and_restrictions", "failure_reason", "note", "use_limits", "answered_at"}


class JsonExportTest(TracingWorldTestCase):
    def json_for(self, request, country):  # type: ignore[no-untyped-def]
        with country_scope([country.pk]):
            return exports.request_json(request, viewer_country_id=country.pk)

    def test_the_structure_follows_the_trace_request_and_response(self) -> None:
        data = self.json_for(self.traces.request_ba, self.world.country_b)
        self.assertEqual(set(data), {"format", "generated_at", "request", "response", "steps", "onward_sharing"})
        self.assertEqual(data["format"]["version"], exports.FORMAT_VERSION)
        self.assertIn("05.31", data["format"]["structure"])
        request = data["request"]
        self.assertEqual((request["requesting_state"], request["requested_state"]), ("MX", "CO"))
        self.assertEqual(request["case_reference"], "CASE-MX-7")
        self.assertEqual(request["state"], "answered")
        self.assertEqual(request["illicit_nature"]["reason"], "recovered after a robbery")
        self.assertEqual(request["identification"]["make"], "Taurus")
        self.assertEqual(request["identification"]["markings"],
                         [{"component": "frame", "serial": "TX-0001", "other_markings": ""}])
        self.assertEqual(set(request["dates"]), {"sent", "acknowledge_by", "answer_by", "answer_wanted_by"})
        self.assertRegex(request["dates"]["sent"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        response = data["response"]
        self.assertEqual(set(response), RESPONSE_KEYS)
        self.assertEqual((response["outcome"], response["records_found"]), ("found", True))
        self.assertEqual(response["last_legal_holder"], "Registry A")
        self.assertEqual(response["diversion"]["point"], "reported lost by its holder")
        self.assertTrue(response["chain"])
        self.assertEqual([(s["seq"], s["action"], s["state"], s["by"]) for s in data["steps"]],
                         [(1, "send", "sent", "MX"), (2, "acknowledge", "acknowledged", "CO"),
                          (3, "answer", "answered", "CO")])
        self.assertEqual(data["onward_sharing"], [])
        json.dumps(data)  # serialisable as it is

    def test_the_requesting_state_gets_the_disclosed_fields_only_and_no_registry_link(self) -> None:
        lost = self.firearms.lost_a
        data = self.json_for(self.traces.request_ba, self.world.country_b)
        self.assertEqual(data["response"]["disclosed"], {"serial": "TX-0001", "make": "Taurus", "model": "PT92"})
        self.assertNotIn("firearm", data["response"])
        text = json.dumps(data)
        self.assertNotIn(str(lost.public_id), text)
        self.assertNotIn(str(self.traces.answer_ba.public_id), text)
        self.assertNotIn(str(self.traces.request_ba.public_id), text)
        with country_scope([self.world.country_a.pk]):
            calibre = str(lost.calibre)
        self.assertNotIn(calibre, text)  # not among the fields A chose
        self.assertNotIn('"id"', text)

    def test_the_trace_case_is_shown_to_the_requesting_state_only(self) -> None:
        r = self.traces.request_ab
        with country_scope([self.world.country_a.pk]), change_context(self.world.alice, Source.WEB):
            r = services.draft_request(actor=self.world.alice, requested_country=self.world.country_b,
                                       case=self.traces.case_a, case_reference="", intended_use="prosecution")
            services.send_request(actor=self.world.alice, request=r, role=Role.OFFICER)
        mine = self.json_for(r, self.world.country_a)
        self.assertEqual(mine["request"]["trace_case"], self.traces.case_a.reference)
        theirs = self.json_for(r, self.world.country_b)
        self.assertNotIn("trace_case", theirs["request"])
        self.assertNotIn(self.traces.case_a.reference, json.dumps(theirs))

    def test_delays_and_restrictions_carry_their_reason_before_any_answer(self) -> None:
        r = self.traces.request_ab
        self.assertIsNone(self.json_for(r, self.world.country_a)["response"])
        with country_scope([self.world.country_b.pk]), change_context(self.world.carlos, Source.WEB):
            services.take_step(actor=self.world.carlos, request=r, action="acknowledge", role=Role.OFFICER)
            services.take_step(actor=self.world.carlos, request=r, action="delay", role=Role.OFFICER,
                               reason="ongoing investigation")
        response = self.json_for(r, self.world.country_a)["response"]
        self.assertEqual(set(response), RESPONSE_KEYS)
        self.assertIsNone(response["outcome"])
        self.assertEqual([(h["action"], h["reason"]) for h in response["delays_and_restrictions"]],
                         [("delay", "ongoing investigation")])

    def test_an_uninvolved_state_is_refused(self) -> None:
        with country_scope([self.traces.country_c.pk]), self.assertRaises(ServiceError):
            exports.request_json(self.traces.request_ab, viewer_country_id=self.traces.country_c.pk)
        # Even with a wider scope, a viewer that is neither side gets nothing.
        with country_scope([self.world.country_a.pk, self.traces.country_c.pk]), self.assertRaises(ServiceError):
            exports.request_json(self.traces.request_ab, viewer_country_id=self.traces.country_c.pk)


class PdfExportTest(TracingWorldTestCase):
    def pdf(self, language: str, request=None, country=None) -> bytes:  # type: ignore[no-untyped-def]
        country = country or self.world.country_b
        with country_scope([country.pk]):
            return exports.request_pdf(request or self.traces.request_ba, language=language,
                                       viewer_country_id=country.pk)

    def test_it_is_a_pdf_with_the_content_and_labels_of_its_language(self) -> None:
        pdf = self.pdf("en")
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = pdf_text(pdf)
        for expected in ("Trace request", self.traces.request_ba.reference, "Requested State", "Make", "Taurus",
                         "TX-0001", "PT92", "reported lost by its holder", "Page 1", "Mexico"):
            self.assertIn(expected, text)
        self.assertNotIn(str(self.firearms.lost_a.public_id), text)

    def test_the_four_languages_differ_and_an_unknown_one_is_refused(self) -> None:
        texts = {lang: pdf_text(self.pdf(lang)) for lang in ("en", "es", "fr", "pt")}
        self.assertEqual(len(set(texts.values())), 4)
        for lang, text in texts.items():
            with override(lang):
                self.assertIn(gettext("Make"), text)
                self.assertIn(gettext("Requested State"), text)
        self.assertIn("Marca", texts["es"])  # already translated in the catalogue
        self.assertIn("México", texts["es"])  # the State's name in Spanish
        with self.assertRaises(ValueError):
            self.pdf("de")

    def test_limits_on_use_put_a_confidential_banner(self) -> None:
        # request_ab carries limits on use; request_ba does not.
        self.assertNotIn("CONFIDENTIAL", pdf_text(self.pdf("en")))
        text = pdf_text(self.pdf("en", self.traces.request_ab, self.world.country_b))
        self.assertIn("CONFIDENTIAL", text)
        self.assertIn("Not for disclosure to third parties", text)

    def test_user_text_is_escaped_and_long_text_wraps(self) -> None:
        with country_scope([self.world.country_a.pk]), change_context(self.world.alice, Source.WEB):
            r = services.draft_request(
                actor=self.world.alice, requested_country=self.world.country_b, case_reference="<b>&amp;",
                intended_use=("a very long purpose " * 45 + "\n") * 2, illicit_reason="x < y & z",
                markings=[{"serial": "S" * 60, "text": "proof mark <crown>"}], use_limits="Ωmega ≤ 3")
        pdf = self.pdf("fr", r, self.world.country_a)
        text = pdf_text(pdf)
        self.assertIn("x < y & z", text)
        self.assertIn("<b>&amp;", text)
        self.assertIn("proof mark <crown>", text)

    def test_every_text_at_its_longest_still_lays_out(self) -> None:
        """Each free text at the most its service accepts, many lines or none: the PDF is built
        (a table cell taller than a page would make the layout fail)."""
        with country_scope([self.world.country_a.pk]), change_context(self.world.alice, Source.WEB):
            r = services.draft_request(
                actor=self.world.alice, requested_country=self.world.country_b, case_reference="R" * 100,
                intended_use="use\n" * 500, illicit_reason="W" * 2000, use_limits="limit " * 333,
                legal_basis="L" * 300, recovered_place="P" * 200, make="M" * 150, model_name="N" * 120,
                markings=[{"serial": "S" * 60, "text": "T" * 300}] * 20)
            services.send_request(actor=self.world.alice, request=r, role=Role.OFFICER)
            services.take_step(actor=self.world.alice, request=r, action="withdraw", role=Role.OFFICER,
                               reason="reason " * 285)
        with country_scope([self.world.country_b.pk]), change_context(self.world.carlos, Source.WEB):
            r2 = services.draft_request(actor=self.world.carlos, requested_country=self.world.country_a,
                                        case_reference="x", intended_use="x", illicit_reason="x",
                                        markings=[{"serial": "Q1"}])
            services.send_request(actor=self.world.carlos, request=r2, role=Role.OFFICER)
        with country_scope([self.world.country_a.pk]), change_context(self.world.alice, Source.WEB):
            services.take_step(actor=self.world.alice, request=r2, action="acknowledge", role=Role.OFFICER)
            services.take_step(actor=self.world.alice, request=r2, action="delay", role=Role.OFFICER,
                               reason="D" * 2000)
            services.answer_request(
                actor=self.world.alice, request=r2, role=Role.OFFICER, outcome="found", firearm=self.firearms.glock_a,
                fields=list(services.DISCLOSABLE), last_legal_holder="H" * 200, point_of_diversion="p\n" * 1000,
                note="n " * 2000, use_limits="u" * 2000)
        with country_scope([self.world.country_b.pk]), change_context(self.world.carlos, Source.WEB):
            services.share_onward(actor=self.world.carlos, request=r2, recipient="r" * 200, purpose="q" * 2000)
        for request, country in ((r, self.world.country_a), (r2, self.world.country_b), (r2, self.world.country_a)):
            pdf = self.pdf("pt", request, country)
            self.assertTrue(pdf.startswith(b"%PDF"))
            self.assertIn("Página 3", pdf_text(pdf))  # Portuguese, and long enough for three pages
