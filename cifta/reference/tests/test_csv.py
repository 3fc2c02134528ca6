"""CSV import and export: errors name the line and the column, and a bad file changes nothing."""

from __future__ import annotations

from cifta.core.models import ObjectChange
from cifta.reference import csvio
from cifta.reference.models import Calibre, Manufacturer
from cifta.reference.selectors import resolve_calibre
from cifta.reference.tests.helpers import ReferenceTestCase

CALIBRES = """# a comment line still counts as a line
code,designation,kind,standard,marking_code,aliases
65cm,6.5 mm Creedmoor,cartridge,SAAMI,38,6.5 Creedmoor|6.5 CM
bad1,,cartridge,,,
bad2,Bad Two,rocket,,,
"""

MANUFACTURERS = """code,name,legal_name,country_code,active_from,aliases,predecessor
ACME,Acme Arms,,US,1990,ACME,
ZED1,Zed Arms,,ZZ,,,
"""


class CsvImportTests(ReferenceTestCase):
    def test_a_file_with_bad_rows_reports_line_and_column_and_changes_nothing(self) -> None:
        before = ObjectChange.unscoped.count()
        report = self.import_text("calibres", CALIBRES)
        self.assertFalse(report.ok)
        self.assertEqual([(e.line, e.column) for e in report.errors], [(4, "designation"), (5, "kind")])
        self.assertEqual(str(report.errors[0]), "line 4, column designation: designation is required")
        self.assertIn("rocket", str(report.errors[1]))
        self.assertEqual((report.created, report.updated, report.unchanged), (0, 0, 0))
        self.assertFalse(Calibre.objects.filter(code="65cm").exists())  # the good row was rolled back too
        self.assertIsNone(resolve_calibre("6.5 CM"))
        self.assertEqual(ObjectChange.unscoped.count(), before)

    def test_a_bad_country_code_is_reported_on_its_line(self) -> None:
        before = ObjectChange.unscoped.count()
        report = self.import_text("manufacturers", MANUFACTURERS)
        self.assertEqual([(e.line, e.column) for e in report.errors], [(3, "country_code")])
        self.assertIn("ZZ", report.errors[0].message)
        self.assertFalse(Manufacturer.objects.filter(code="ACME").exists())
        self.assertEqual(ObjectChange.unscoped.count(), before)

    def test_a_good_file_creates_and_updates(self) -> None:
        text = "\n".join(CALIBRES.splitlines()[:3]) + "\n9x18,9×18 mm Makarov,cartridge,CIP,15,9 mm PM\n"
        report = self.import_text("calibres", text)
        self.assertTrue(report.ok, report.errors)
        self.assertEqual((report.created, report.updated, report.unchanged), (1, 1, 0))
        self.assertEqual(resolve_calibre("6.5 CM"), Calibre.objects.get(code="65cm"))
        self.assertEqual(resolve_calibre("9 mm PM"), Calibre.objects.get(code="9x18"))

    def test_export_then_import_is_unchanged_for_every_table(self) -> None:
        before = ObjectChange.unscoped.count()
        expected = {"types": 13, "parts": 7, "calibres": 33, "manufacturers": 20, "models": 27}
        for kind in csvio.SEED_ORDER:
            text = csvio.export_csv(kind)
            report = self.import_text(kind, text)
            self.assertTrue(report.ok, (kind, report.errors))
            self.assertEqual((report.created, report.updated, report.unchanged), (0, 0, expected[kind]), kind)
        self.assertEqual(ObjectChange.unscoped.count(), before)

    def test_export_has_the_seed_columns(self) -> None:
        header = csvio.export_csv("calibres").splitlines()[0]
        self.assertEqual(header, "code,designation,kind,standard,marking_code,aliases")
        self.assertIn("9x19,9×19 mm,cartridge,CIP,16,", csvio.export_csv("calibres"))
