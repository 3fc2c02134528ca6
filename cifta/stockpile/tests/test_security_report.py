"""The national technical evaluation report: its content as of a date, the PDF in four
languages, the standalone HTML document, the parts that depend on other modules, and
isolation (a State's report holds nothing of another State's)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any
from unittest import mock

from django.utils.translation import gettext, override

from cifta.core.errors import ServiceError
from cifta.core.scoping import ALL_COUNTRIES, country_scope
from cifta.stockpile import evaluation_report as report
from cifta.stockpile.tests.test_security_api_battery import SecurityWorldTestCase
from cifta.testing.world import MARKER_A, MARKER_B
from cifta.tracing.tests.test_exports import pdf_text

LATE, EARLY = dt.date(2025, 12, 31), dt.date(2024, 12, 31)


class ReportContentTest(SecurityWorldTestCase):
    def build(self, on: dt.date = LATE, country: Any = None) -> report.Report:
        country = country or self.world.country_a
        with country_scope([country.pk]):
            return report.build(country, on)

    def test_the_facilities_their_latest_score_the_change_and_the_recommendations(self) -> None:
        built = self.build()
        self.assertEqual([f.facility.name for f in built.facilities], ["Depot A"])
        row = built.facilities[0]
        self.assertEqual((row.kind, row.operator, row.storehouses, row.weapon_stores),
                         ("ammunition storage area", "Registry A", 2, 1))
        self.assertEqual((row.assessment.pk, row.percent, row.previous_percent, row.change),
                         (self.assessments.a2.pk, 93.8, 59.4, 34.4))
        self.assertEqual(row.band, "good")
        self.assertEqual([(r.code, r.recommendation) for r in row.recommendations],
                         [("KEY-02", "Have each issue signed")])
        self.assertEqual([f.facility.name for f in built.assessed], ["Depot A"])
        self.assertEqual(built.mean_percent, 93.8)
        self.assertEqual([s.code for s in built.weakest], ["KEY", "PER", "ALM"])
        self.assertEqual(row.trend, [(dt.date(2025, 1, 10), 59.4), (dt.date(2025, 6, 10), 93.8)])

    def test_as_of_a_date(self) -> None:
        row = self.build(dt.date(2025, 2, 1)).facilities[0]
        self.assertEqual((row.assessment.pk, row.percent, row.previous_percent), (self.assessments.a1.pk, 59.4, None))
        before = self.build(EARLY)
        self.assertIsNone(before.facilities[0].assessment)
        self.assertEqual(before.assessed, [])
        self.assertIsNone(before.mean_percent)

    def test_another_state_cannot_be_reported_on_and_never_enters_a_report(self) -> None:
        with country_scope([self.world.country_a.pk]), self.assertRaises(ServiceError):
            report.build(self.world.country_b, LATE)
        # Even with every country in scope (the hub), a State's report holds its own facilities only.
        with country_scope(ALL_COUNTRIES):
            built = report.build(self.world.country_a, LATE)
            html = report.render_document(built)
        self.assertEqual([f.facility.name for f in built.facilities], ["Depot A"])
        self.assertNotIn(MARKER_B, html)
        with country_scope([self.world.country_b.pk]):
            html_b = report.report_document(self.world.country_b, LATE, language="en")
        self.assertIn(MARKER_B, html_b)  # B's own report shows B's records
        self.assertNotIn(MARKER_A, html_b)
        self.assertNotIn("Depot A", html_b)

    def test_a_missing_module_leaves_a_note_instead_of_its_part(self) -> None:
        with mock.patch.object(report, "_module", return_value=None):
            built = self.build()
        for part in (built.safety, built.discrepancies, built.destruction):
            self.assertFalse(part.available)
            self.assertIn("is not installed", part.note)
            self.assertEqual(part.rows, [])
        with country_scope([self.world.country_a.pk]), mock.patch.object(report, "_module", return_value=None):
            text = pdf_text(report.render_pdf(built))
        self.assertIn("is not installed on this system", text)

    def test_safety_findings_are_put_in_words_worst_first(self) -> None:
        def finding(code: str, severity: str) -> Any:
            return SimpleNamespace(code=code, severity=severity, rule_id=f"R-{code}", source="AASTP-1", params={})

        store = SimpleNamespace(name="ECM 1")
        bridge = SimpleNamespace(
            SEVERITIES=("violation", "condition", "notice"), SEVERITY_LABELS={"violation": "violation"},
            finding_text=lambda f: f"sentence for {f.code}",
            check_facility=lambda facility, today: [
                SimpleNamespace(storehouse=store, error=None,
                                findings=[finding("notice_x", "notice"), finding("too_close", "violation")]),
                SimpleNamespace(storehouse=SimpleNamespace(name="Armoury 2"), error="no coordinates", findings=[])])
        with mock.patch.object(report, "_module", side_effect=lambda name: bridge if "safety" in name else None):
            part = self.build().safety
        self.assertTrue(part.available)
        self.assertEqual([(r["storehouse"], r["severity"], r["finding"]) for r in part.rows], [
            ("Armoury 2", "not checked", "no coordinates"), ("ECM 1", "violation", "sentence for too_close"),
            ("ECM 1", "notice", "sentence for notice_x")])
        self.assertEqual(part.rows[1]["rule"], "R-too_close · AASTP-1")

    def test_the_real_modules_when_installed(self) -> None:
        built = self.build()
        if report._module("cifta.stockpile.safety_bridge") is not None:
            self.assertTrue(built.safety.available)
        if report._module("cifta.stockpile.selectors_inventory") is not None:
            self.assertTrue(built.discrepancies.available)
            self.assertEqual(built.discrepancies.rows[-1]["facility"], "Whole State")
            self.assertTrue(built.destruction.available)


class ReportPdfTest(SecurityWorldTestCase):
    def pdf(self, language: str = "en", on: dt.date = LATE) -> bytes:
        with country_scope([self.world.country_a.pk]):
            return report.report_pdf(self.world.country_a, on, language=language)

    def test_it_is_a_pdf_with_the_facilities_scores_and_recommendations(self) -> None:
        content = self.pdf()
        self.assertTrue(content.startswith(b"%PDF"))
        text = pdf_text(content)
        for expected in ("National technical evaluation", "Colombia", "Depot A", "Registry A", "93.8 %", "59.4 %",
                         "Have each issue signed", "Key control", "Annex", "KEY-02", "to be checked", "Page 1"):
            self.assertIn(expected, text)
        self.assertNotIn(MARKER_B, text)

    def test_it_says_more_when_there_are_assessments(self) -> None:
        with_assessments, without = pdf_text(self.pdf(on=LATE)), pdf_text(self.pdf(on=EARLY))
        self.assertGreater(len(with_assessments), len(without))
        self.assertIn("No facility has been assessed on or before this date.", without)
        self.assertNotIn("Have each issue signed", without)

    def test_the_languages_differ_and_an_unknown_one_is_refused(self) -> None:
        texts = {lang: pdf_text(self.pdf(lang)) for lang in ("en", "es", "fr", "pt")}
        self.assertNotEqual(texts["en"], texts["es"])
        self.assertEqual(len(set(texts.values())), 4)
        for lang, text in texts.items():
            with override(lang):
                self.assertIn(gettext("Page %(page)s") % {"page": 1}, text)
        self.assertIn("93,8 %", texts["es"])
        with self.assertRaises(ValueError):
            self.pdf("de")

    def test_the_standalone_document(self) -> None:
        with country_scope([self.world.country_a.pk]):
            html = report.report_document(self.world.country_a, LATE, language="fr")
        self.assertTrue(html.lstrip().startswith("<!DOCTYPE html>"))
        self.assertIn('<html lang="fr">', html)
        self.assertIn("<svg", html)
        self.assertIn("Depot A", html)
        self.assertNotIn("/static/", html)  # nothing to fetch from the site


class ChartsTest(SecurityWorldTestCase):
    def test_bars_and_lines_geometry(self) -> None:
        bars = report.bars_svg([("A", 100.0), ("B", 0.0), ("C", None), ("D", 0.1)])
        self.assertEqual([b["width"] for b in bars["bars"]], [300, 0, 0, 2])
        self.assertEqual(bars["bars"][0]["colour"], report.BAND_COLOURS["good"])
        self.assertEqual(bars["bars"][2]["colour"], report.NO_SCORE_COLOUR)
        one = report.lines_svg([("X", [(dt.date(2025, 1, 1), 50.0)])])
        self.assertEqual(len(one["series"]), 1)
        self.assertEqual(one["series"][0]["dots"][0]["x"], one["left"] + 230)  # a single date sits in the middle
        two = report.lines_svg([("X", [(dt.date(2025, 1, 1), 0.0), (dt.date(2025, 12, 31), 100.0)]),
                                ("never scored", [(dt.date(2025, 1, 1), None)])])
        self.assertEqual([s["label"] for s in two["series"]], ["X"])
        first, last = two["series"][0]["dots"]
        self.assertEqual((first["x"], first["y"], last["x"], last["y"]),
                         (two["left"], two["bottom"], two["right"], two["top"]))
        self.assertEqual(report.lines_svg([]), {"series": []})
