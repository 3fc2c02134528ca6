"""The report's parts that come from the rest of the stockpile module, on the inventory world
(lots held, a stock check with a discrepancy, an expired lot, a confiscated firearm): explosive
safety findings, discrepancy rates and destruction candidates, in the PDF and the page, and
nothing of B's inventory in A's report. Skipped where that world is not installed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cifta.core.scoping import country_scope
from cifta.stockpile import evaluation_report as report
from cifta.testing.world import MARKER_B
from cifta.tracing.tests.test_exports import pdf_text

inventory_world = pytest.importorskip("cifta.testing.inventory_world")
ON = dt.date(2025, 12, 31)


class ReportWithInventoryTest(inventory_world.InventoryWorldTestCase):  # type: ignore[misc,name-defined]
    def build(self) -> report.Report:
        with country_scope([self.world.country_a.pk]):
            return report.build(self.world.country_a, ON)

    def test_the_three_parts_are_filled_from_the_records(self) -> None:
        built = self.build()
        self.assertTrue(built.safety.available and built.discrepancies.available and built.destruction.available)
        # Lot A-GR-07 passed its shelf life on 2024-12-31: the safety check finds it.
        self.assertTrue(any("A-GR-07" in row["finding"] for row in built.safety.rows), built.safety.rows)
        # Check A closed in 2025: two lines counted, one discrepancy.
        state = built.discrepancies.rows[-1]
        self.assertEqual((state["facility"], state["checks"], state["lines"], state["discrepancies"]),
                         ("Whole State", 1, 2, 1))
        self.assertEqual(state["rate"], "50.0 %")
        items = " ".join(row["item"] for row in built.destruction.rows)
        self.assertIn("A-GR-07", items)
        self.assertIn(self.firearms.seized_a.serial_key, items)

    def test_the_pdf_and_the_page_show_them_and_nothing_of_b(self) -> None:
        with country_scope([self.world.country_a.pk]):
            text = pdf_text(report.report_pdf(self.world.country_a, ON, language="en"))
        for expected in ("Explosive safety", "Stock checks: discrepancy rates", "Whole State", "A-GR-07",
                         "Candidates for destruction"):
            self.assertIn(expected, text)
        self.assertNotIn(MARKER_B, text)
        body = self.web("alice").get(reverse("stockpile:evaluation_report") + "?date=2025-12-31").content.decode()
        self.assertIn("A-GR-07", body)
        self.assertNotIn(MARKER_B, body)
