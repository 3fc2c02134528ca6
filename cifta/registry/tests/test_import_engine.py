"""The bulk import engine: every row checked like the form, refused rows reported with line and
field, valid rows committed batch by batch with the change log and one audit event per batch,
duplicates counted and never created twice, interrupted imports resumed, countries kept apart."""

from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pytest
from django.test import override_settings

from cifta.core.context import Source, change_context
from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.scoping import country_scope
from cifta.registry import services
from cifta.registry.importing import engine
from cifta.registry.importing.mapping import auto_columns
from cifta.registry.importing.mappings import find_mapping, save_mapping
from cifta.registry.importing.readers import FileProblem, detect_delimiter, open_table
from cifta.registry.importing.report import report_path
from cifta.registry.models import Firearm, HitNotice, ImportJob, Marking, SerialNumber
from cifta.testing.registry_world import RegistryWorldTestCase

HEADER = "type,make,model,calibre,serial,holding agency,year of manufacture,event,event date\n"


class ImportTestCase(RegistryWorldTestCase):
    """The registry world, a private media folder, and helpers to write and import files."""

    def setUp(self) -> None:
        super().setUp()
        self.folder = Path(tempfile.mkdtemp(prefix="cifta-import-test-"))
        self.addCleanup(shutil.rmtree, self.folder, True)
        media = override_settings(MEDIA_ROOT=str(self.folder / "media"), CIFTA_IMPORT_SYNC=True)
        media.enable()
        self.addCleanup(media.disable)

    def write(self, text: str | bytes, name: str = "firearms.csv") -> Path:
        path = self.folder / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def country(self, side: str = "A") -> int:
        return self.world.country_a.pk if side == "A" else self.world.country_b.pk

    def run_import(self, path: Path, side: str = "A", actor: object = "system:import", **kw: object) -> ImportJob:
        return engine.import_firearms(actor=actor, country_id=self.country(side), path=path, **kw)

    def stored(self, side: str = "A") -> list[Firearm]:
        with country_scope([self.country(side)]):
            return list(Firearm.objects.owned().order_by("id"))

    def count(self, side: str = "A") -> int:
        with country_scope([self.country(side)]):
            return Firearm.objects.owned().count()


class GoodFileTest(ImportTestCase):
    def test_every_row_is_stored_with_its_change_log_and_one_audit_event_per_batch(self):
        path = self.write(
            HEADER
            + "pistol,Glock,19,9mm Luger,G19-0001,Registry A,2019,manufactured,2020-02-03\n"
            + "revolver,Taurus,Model 85,.38 Spl,T85-777,,,registered,\n"
            + "assault_rifle,Colt,M4,5.56 NATO,C-M4-42,Registry A,2015,imported,2016-07-01\n"
        )
        before_changes = ObjectChange.unscoped.count()
        job = self.run_import(path, batch_size=2)
        assert (job.state, job.rows_done, job.created_count, job.duplicate_count, job.rejected_count) == (
            "done", 3, 3, 0, 0)
        assert job.batches_committed == 2 and job.total_rows == 3 and job.finished_at is not None
        assert job.errors_preview == []
        made = self.stored()[-3:]
        assert [f.serial_key for f in made] == ["G190001", "T85777", "CM442"]
        glock = made[0]
        assert (glock.manufacturer.name, glock.model.name, glock.calibre.code) == ("Glock", "19", "9x19")
        assert glock.holding_agency_id == self.world.agency_a.pk and glock.source == "bulk_import"
        assert glock.status == "registered" and glock.country_id == self.world.country_a.pk
        with country_scope([self.country()]):
            assert list(glock.events.values_list("kind", flat=True)) == ["manufactured"]
            assert glock.serials.get().is_primary
            # One change row per record written (firearm, serial, first event), source "import".
            rows = ObjectChange.objects.filter(object_type="registry.firearm", object_id__in=[f.pk for f in made])
            assert rows.count() == 3 and set(rows.values_list("source", flat=True)) == {Source.IMPORT}
            assert set(rows.values_list("actor_repr", flat=True)) == {"system:import"}
            batches = AuditEvent.objects.filter(verb="registry.import.batch_committed")
            assert batches.count() == 2
            assert sorted(e.payload["rows"] for e in batches) == [1, 2]
        assert ObjectChange.unscoped.count() - before_changes >= 9

    def test_the_job_records_its_mapping_and_reads_headers_in_any_language(self):
        path = self.write("Tipo;Marca;Modelo;Calibre;Número de serie;Año\nPistola semiautomática;Beretta;92FS;"
                          "9x19;BER-1;1999\n")
        job = self.run_import(path)
        assert job.created_count == 1, job.errors_preview
        assert job.mapping == {"type": "Tipo", "make": "Marca", "model": "Modelo", "calibre": "Calibre",
                               "serial": "Número de serie", "year_of_manufacture": "Año"}

    def test_an_import_marking_and_a_hit_on_a_lost_firearm(self):
        path = self.write("type,make,serial,importer name,import country,import year\n"
                          "pistol,Taurus,TX-0001,Importadora SA,CO,2020\n")
        job = self.run_import(path)
        assert job.created_count == 1
        with country_scope([self.country()]):
            record = Firearm.objects.owned().order_by("-id").first()
            marking = Marking.objects.get(firearm=record)
            assert (marking.kind, marking.import_country, marking.importer_name) == ("import", "CO",
                                                                                    "Importadora SA")
            notice = HitNotice.objects.get(firearm=self.firearms.lost_a)
            assert notice.trigger == "imported" and notice.matched_firearm_id == record.pk


class BadRowsTest(ImportTestCase):
    def test_bad_rows_are_reported_with_line_and_field_and_valid_rows_are_stored(self):
        path = self.write(
            HEADER
            + "pistol,Glock,19,9x19,GOOD-1,,,,\n"                          # line 2: ok
            + "pistol,Glock,19,9x19,,,,,\n"                                 # 3: no serial
            + "pistol,Glock,19,9mm Unobtainium,BAD-3,,,,\n"                # 4: unknown calibre
            + "pistol,Glock,19,9x19,BAD-4,,2999,,\n"                        # 5: year in the future
            + "catapult,,,,BAD-5,,,,\n"                                    # 6: unknown type
            + "pistol,Glock,19,9x19,BAD-6,Registry B,,,\n"                  # 7: another State's agency
            + "pistol,Glock,19,9x19,BAD-7,,,reported_lost,\n"               # 8: not a first event
            + "pistol,Glock,19,9x19,BAD-8,,,,31/12/2020\n"                  # 9: date not ISO
            + "\n"                                                         # 10: blank, skipped
            + "pistol,Glock,19,9x19,GOOD-2,Registry A,2001,,\n"            # 11: ok
        )
        job = self.run_import(path, batch_size=3)
        assert (job.created_count, job.rejected_count, job.rows_done) == (2, 7, 9)
        found = {(e["line"], e["field"]) for e in job.errors_preview}
        assert found == {(3, "serial"), (4, "calibre"), (5, "year_of_manufacture"), (6, "type"),
                         (7, "holding_agency"), (8, "event"), (9, "event_date")}
        assert all(e["message"] and "Traceback" not in e["message"] for e in job.errors_preview)
        assert sorted(f.serial_key for f in self.stored() if f.serial_key.startswith("GOOD")) == ["GOOD1", "GOOD2"]
        with open(report_path(job), encoding="utf-8-sig", newline="") as handle:
            report = list(csv.reader(handle))
        assert report[0][:4] == ["error line", "error field", "error", "type"]
        assert [row[0] for row in report[1:]] == ["3", "4", "5", "6", "7", "8", "9"]
        assert report[2][:2] == ["4", "calibre"] and "'9mm Unobtainium'" in report[2][2] and report[2][7] == "BAD-3"

    def test_the_report_does_not_carry_spreadsheet_formulas(self):
        path = self.write('type,serial,notes\ncatapult,F-1,"=HYPERLINK(""http://x"")"\ncatapult,-12,-3.5\n')
        job = self.run_import(path)
        with open(report_path(job), encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[1][-1] == "'=HYPERLINK(\"http://x\")" and rows[2][-2:] == ["-12", "-3.5"]

    def test_an_import_marking_needs_its_country(self):
        path = self.write("type,serial,importer name,import year\npistol,IMP-1,Importadora SA,2020\n"
                          "pistol,IMP-2,,\n")
        job = self.run_import(path)
        assert job.created_count == 1
        [error] = job.errors_preview
        assert (error["line"], error["field"]) == (2, "import_country") and "ITI" in error["message"]

    def test_what_the_database_would_refuse_is_refused_per_row(self):
        path = self.write("type,make,serial,source,storage location\n"
                          f"pistol,{'X' * 151},LONG-1,,\n"
                          "pistol,Glock,SRC-1,catapult_shop,\n"
                          f"pistol,Glock,LOC-1,,{'y' * 201}\n"
                          f"pistol,Glock,{'9' * 61},,\n"
                          "pistol,Glock,OK-1,registration,\n")
        job = self.run_import(path)
        assert [(e["line"], e["field"]) for e in job.errors_preview] == [
            (2, "make"), (3, "source"), (4, "storage_location"), (5, "serial")]
        assert job.created_count == 1 and self.stored()[-1].source == "registration"

    def test_the_preview_keeps_the_first_500_errors_and_the_count_all(self):
        path = self.write("type,serial\n" + "".join(f"catapult,C-{n}\n" for n in range(600)) + "pistol,P-1\n")
        job = self.run_import(path, batch_size=250)
        assert job.rejected_count == 600 and len(job.errors_preview) == 500 and job.created_count == 1
        assert job.errors_preview[0]["line"] == 2 and job.errors_preview[-1]["line"] == 501
        with open(report_path(job), encoding="utf-8-sig") as handle:
            assert sum(1 for _ in handle) == 601


class DuplicatesTest(ImportTestCase):
    def test_duplicates_inside_the_file_and_against_the_register_are_counted_not_created(self):
        path = self.write(
            "type,make,model,serial\n"
            "pistol,Glock,17,abc-123\n"       # glock_a already has it (other separators, same key)
            "pistol,Glock,19,DUP-1\n"
            "pistol,Glock,19,DUP 1\n"         # the same firearm again, in the same batch
            "pistol,Glock,19,NEW-2\n"
            "pistol,GLOCK,19,dup-1\n"         # again, in a later batch (make by its brand name)
            "pistol,Taurus,PT92,DUP-1\n"      # same serial, another maker: another firearm
        )
        before = self.count()
        job = self.run_import(path, batch_size=3)
        assert (job.created_count, job.duplicate_count, job.rejected_count) == (3, 3, 0)
        assert self.count() == before + 3

    def test_importing_the_same_file_twice_creates_nothing_the_second_time(self):
        path = self.write(HEADER + "".join(f"pistol,Glock,19,9x19,TWICE-{n},,,,\n" for n in range(7)))
        first = self.run_import(path, batch_size=3)
        changes = ObjectChange.unscoped.count()
        second = self.run_import(path, batch_size=3)
        assert second.pk != first.pk  # the first one finished: a new job that finds everything present
        assert (first.created_count, second.created_count, second.duplicate_count) == (7, 0, 7)
        assert self.count() == 3 + 7
        with country_scope([self.country()]):
            assert SerialNumber.objects.filter(value__startswith="TWICE").count() == 7
        # Only the job's own life is logged (created, finished): no record was written.
        new_rows = ObjectChange.unscoped.filter(pk__gt=0).order_by("-seq")[: ObjectChange.unscoped.count() - changes]
        assert {r.object_type for r in new_rows} <= {"registry.importjob"}

    def test_a_firearm_without_make_or_model_is_a_duplicate_by_its_serial_alone(self):
        path = self.write("type,serial\nrevolver,PRIVATEALPHA 77\nrevolver,NOMAKE-1\nrevolver,NOMAKE-1\n")
        job = self.run_import(path)
        assert (job.created_count, job.duplicate_count) == (1, 2)


class InterruptionTest(ImportTestCase):
    def test_a_run_stopped_after_batch_2_keeps_batches_1_and_2_and_a_rerun_completes_the_rest(self):
        path = self.write("type,make,model,serial\n" + "".join(f"pistol,Glock,19,STOP-{n}\n" for n in range(10)))
        real = services.bulk_register
        calls = {"n": 0}

        def failing(**kwargs):
            calls["n"] += 1
            if calls["n"] == 3:
                raise RuntimeError("power cut")
            return real(**kwargs)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(services, "bulk_register", failing)
            with pytest.raises(RuntimeError, match="power cut"):
                self.run_import(path, batch_size=3)
        with country_scope([self.country()]):
            job = ImportJob.objects.owned().get()
        assert (job.state, job.batches_committed, job.rows_done, job.created_count) == ("failed", 2, 6, 6)
        assert "power cut" in job.message
        assert self.count() == 3 + 6

        checked = []
        real_draft = engine.draft_from_row

        def spy(row, *args, **kwargs):
            checked.append(row["serial"])
            return real_draft(row, *args, **kwargs)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(engine, "draft_from_row", spy)
            resumed = self.run_import(path, batch_size=3)
        assert resumed.pk == job.pk  # same bytes, same country: the unfinished job goes on
        assert checked == ["STOP-6", "STOP-7", "STOP-8", "STOP-9"]  # committed rows are not checked again
        assert (resumed.state, resumed.rows_done, resumed.created_count, resumed.duplicate_count) == (
            "done", 10, 10, 0)
        assert resumed.batches_committed == 4 and self.count() == 3 + 10
        assert "Resumed after 6 rows" in resumed.message

    def test_a_resumed_report_drops_what_an_uncommitted_batch_wrote(self):
        path = self.write("type,serial\npistol,R-1\ncatapult,R-2\npistol,R-3\ncatapult,R-4\npistol,R-5\n")
        real = services.bulk_register
        calls = {"n": 0}

        def failing(**kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("stop")
            return real(**kwargs)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(services, "bulk_register", failing)
            with pytest.raises(RuntimeError):
                self.run_import(path, batch_size=2)
        job = self.run_import(path, batch_size=2)
        assert (job.created_count, job.rejected_count) == (3, 2)
        assert [e["line"] for e in job.errors_preview] == [3, 5]
        with open(report_path(job), encoding="utf-8-sig") as handle:
            lines = [row[0] for row in csv.reader(handle)]
        assert lines == ["error line", "3", "5"]

    def test_a_job_being_run_elsewhere_is_not_run_twice(self):
        path = self.write("type,serial\npistol,BUSY-1\n")
        with country_scope([self.country()]), change_context("system:import", Source.IMPORT):
            job, resumed = engine.job_for_file(actor="system:import", path=path)
            assert not resumed
            with engine.job_lock(job) as got:
                assert got
                with pytest.raises(engine.ImportBusy):
                    engine.run_job(job, actor="system:import", path=path)
            assert engine.run_job(job, actor="system:import", path=path).created_count == 1


class IsolationTest(ImportTestCase):
    def test_importing_as_a_never_touches_b_and_b_s_agency_is_refused(self):
        b_before = self.count("B")
        b_changes = ObjectChange.unscoped.filter(country=self.world.country_b).count()
        path = self.write("type,make,model,serial,holding agency\n"
                          "pistol,Beretta,92FS,PRIVATEBRAVO-9,\n"      # B's serial: new for A
                          "pistol,Glock,17,ABC123,\n"                  # A's own glock: already present
                          "pistol,Glock,17,ISO-1,Registry B\n")       # B's agency: refused
        job = self.run_import(path)
        assert (job.created_count, job.duplicate_count, job.rejected_count) == (1, 1, 1)
        assert job.errors_preview[0]["field"] == "holding_agency"
        assert self.count("B") == b_before
        assert ObjectChange.unscoped.filter(country=self.world.country_b).count() == b_changes
        assert all(f.country_id == self.world.country_a.pk for f in self.stored("A"))
        with country_scope([self.country("B")]):
            assert not ImportJob.objects.exists()  # A's job is not B's to see

    def test_the_same_file_in_two_countries_is_two_jobs(self):
        path = self.write("type,make,model,serial\npistol,Glock,17,ABC123\npistol,Glock,19,BOTH-1\n")
        a = self.run_import(path, "A")
        b = self.run_import(path, "B")
        assert a.pk != b.pk and a.country_id != b.country_id
        assert (a.created_count, a.duplicate_count) == (1, 1)
        assert (b.created_count, b.duplicate_count) == (1, 1)


class FileFormatsTest(ImportTestCase):
    def test_a_semicolon_delimited_file_with_commas_inside_values(self):
        path = self.write("type;make;serial;storage location\npistol;Glock;SEMI-1;Depósito, norte\n")
        job = self.run_import(path)
        assert job.created_count == 1
        assert self.stored()[-1].storage_location == "Depósito, norte"

    def test_delimiters_are_detected(self):
        for sep in (",", ";", "\t", "|"):
            assert detect_delimiter(f"type{sep}serial{sep}notes\npistol{sep}X-1{sep}a, b; c\n") == sep
        assert detect_delimiter("serial\nX1\n") == ","

    def test_excel_s_sep_line_names_the_delimiter(self):
        job = self.run_import(self.write("sep=;\ntype;serial;notes\npistol;SEP-1;a,b\ncatapult;SEP-2;\n"))
        assert job.created_count == 1 and job.errors_preview[0]["line"] == 4
        assert self.stored()[-1].notes == "a,b"

    def test_a_utf8_file_with_a_byte_order_mark(self):
        path = self.write("\ufefftype,serial\npistol,BOM-1\n")
        assert self.run_import(path).created_count == 1

    def test_a_cp1252_file_is_refused_with_the_byte_unless_its_encoding_is_given(self):
        data = "type;serial;notes\npistol;CP-1;Depósito número 3\n".encode("cp1252")
        path = self.write(data, "latin.csv")
        job = self.run_import(path)
        assert job.state == "failed" and job.created_count == 0
        assert "not UTF-8" in job.message and "line 2" in job.message and "byte" in job.message
        assert "save it as UTF-8" in job.message
        again = self.run_import(path, encoding="cp1252")
        assert again.pk == job.pk and again.state == "done" and again.created_count == 1
        assert self.stored()[-1].notes == "Depósito número 3"
        latin = self.write("type;serial;notes\npistol;LAT-1;Año\n".encode("latin-1"), "latin1.csv")
        assert self.run_import(latin, encoding="latin-1").created_count == 1

    def test_an_xlsx_file_with_merged_cells_reports_those_rows(self):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["Type", "Make", "Model", "Serial", "Year of manufacture", "Event date"])
        sheet.append(["pistol", "Glock", "19", "XL-1", 2010, None])
        sheet.append(["pistol", "Glock", "19", "XL-2", 2011, None])
        sheet.append(["pistol", None, "19", "XL-3", 2012, None])
        sheet.append(["rifle", "Ruger", "10/22", 4455.0, None, __import__("datetime").datetime(2020, 5, 6)])
        sheet.merge_cells("B3:B4")  # "Glock" spread over two rows
        path = self.folder / "book.xlsx"
        book.save(path)
        job = self.run_import(path)
        assert job.state == "done"
        assert [(e["line"], e["field"]) for e in job.errors_preview] == [(3, "make"), (4, "make")]
        assert "B3:B4" in job.errors_preview[0]["message"]
        made = self.stored()[-2:]
        assert [f.serial_key for f in made] == ["XL1", "4455"]
        with country_scope([self.country()]):
            assert str(made[1].events.get().occurred_on) == "2020-05-06"

    def test_an_xlsx_file_with_a_merged_title_over_the_headers(self):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["type", "serial", "notes"])
        sheet.append(["pistol", "XT-1", "a"])
        sheet.merge_cells("B1:C1")
        path = self.folder / "title.xlsx"
        book.save(path)
        with open_table(path) as table:
            assert table.header_problems and "B1:C1" in table.header_problems[0]
        job = self.run_import(path)
        assert job.errors_preview[0]["line"] == 1 and job.created_count == 1

    def test_an_empty_file_fails_with_a_reason(self):
        job = self.run_import(self.write(b"", "empty.csv"))
        assert job.state == "failed" and "empty" in job.message and job.rows_done == 0

    def test_a_file_with_only_headers_is_done_with_nothing(self):
        job = self.run_import(self.write(HEADER, "headers.csv"))
        assert (job.state, job.rows_done, job.created_count, job.rejected_count) == ("done", 0, 0, 0)

    def test_a_file_without_a_serial_column_fails_and_names_the_missing_field(self):
        job = self.run_import(self.write("type,make,numero\npistol,Glock,1\n", "noserial.csv"))
        assert job.state == "failed" and "serial" in job.message and "numero" in job.message

    def test_something_that_is_not_a_workbook(self):
        path = self.write(b"PK\x03\x04 not really a zip", "broken.xlsx")
        job = self.run_import(path)
        assert job.state == "failed" and "XLSX" in job.message
        with pytest.raises(FileProblem):
            open_table(path)


class MappingTest(ImportTestCase):
    def test_auto_mapping_ignores_case_accents_and_spaces(self):
        assert auto_columns(["  SERIAL number ", "MARQUE", "Modèle", "País de fabricación", "xyz"]) == {
            "serial": "  SERIAL number ", "make": "MARQUE", "model": "Modèle",
            "country_of_manufacture": "País de fabricación"}

    def test_a_saved_mapping_is_reused_by_name_and_replaces_the_guess(self):
        with country_scope([self.country()]), change_context(self.world.alice, Source.WEB):
            save_mapping(actor=self.world.alice, name="Legacy registry",
                         columns={"type": "Clase", "serial": "Nro", "make": "Fab", "notes": ""})
            saved = find_mapping("Legacy registry")
        assert saved.columns == {"type": "Clase", "serial": "Nro", "make": "Fab"}
        path = self.write("Clase,Nro,Fab,Serial\npistol,LEG-1,Glock,IGNORED-9\n")
        job = self.run_import(path, columns=saved.columns)
        assert job.created_count == 1 and self.stored()[-1].serial_key == "LEG1"
        with country_scope([self.country("B")]):
            assert find_mapping("Legacy registry") is None  # A's mapping is A's

    def test_a_mapping_naming_a_missing_column_fails_the_job_and_a_better_one_resumes_it(self):
        path = self.write("type,serial\npistol,M-1\n")
        job = self.run_import(path, columns={"type": "type", "serial": "Serie"})
        assert job.state == "failed" and "Serie" in job.message
        again = self.run_import(path, columns={"type": "type", "serial": "serial"})
        assert again.pk == job.pk and again.state == "done" and again.created_count == 1

    def test_another_country_s_job_cannot_be_run(self):
        path = self.write("type,serial\npistol,M-2\n")
        with country_scope([self.country()]), change_context("system:import", Source.IMPORT):
            job, _ = engine.job_for_file(actor="system:import", path=path)
        with country_scope([self.country("B")]), change_context("system:import", Source.IMPORT), \
                pytest.raises(ImportJob.DoesNotExist):
            engine.run_job(job, actor="system:import", path=path)
        assert self.count("B") == 2
