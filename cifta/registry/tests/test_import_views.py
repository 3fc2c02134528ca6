"""Import pages: upload, choose the columns (or a saved mapping), start, follow the progress,
download the rejected rows. Runs synchronously here (CIFTA_IMPORT_SYNC)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cifta.core.context import Source, change_context
from cifta.core.scoping import country_scope
from cifta.registry import views_import
from cifta.registry.importing import engine
from cifta.registry.importing.readers import file_facts
from cifta.registry.models import ImportJob, ImportMapping
from cifta.registry.tests.test_import_engine import ImportTestCase

CSV = ("Tipo;Marca;Modelo;Número de serie;Depósito\n"
       "pistol;Glock;19;WEB-1;Bodega 1\n"
       "catapult;;;WEB-2;\n"
       "pistol;Glock;17;ABC123;\n")


class ImportPagesTest(ImportTestCase):
    def upload(self, client, content: str | bytes = CSV, name: str = "registro.csv", **extra):
        data = content.encode("utf-8") if isinstance(content, str) else content
        return client.post(reverse("registry:import_new"), {"file": SimpleUploadedFile(name, data), **extra})

    def job(self) -> ImportJob:
        with country_scope([self.country()]):
            return ImportJob.objects.owned().order_by("-id").first()

    def test_upload_map_start_and_follow_an_import(self):
        alice = self.web("alice")
        assert alice.get(reverse("registry:import_new")).status_code == 200
        response = self.upload(alice)
        job = self.job()
        assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
        assert job.state == "pending" and job.file_name == "registro.csv"
        page = alice.get(job.get_absolute_url())
        html = page.content.decode()
        assert page.status_code == 200
        # Detected headers, each with a select box preset from the automatic mapping.
        assert "Número de serie" in html and 'name="col_3"' in html
        assert "<td>WEB-1 · WEB-2 · ABC123</td>" in html and "<td>Bodega 1</td>" in html  # first values
        assert '<option value="serial" selected>' in html and '<option value="storage_location" selected>' in html
        response = alice.post(job.get_absolute_url(), {
            "encoding": "utf-8", "col_0": "type", "col_1": "make", "col_2": "model", "col_3": "serial",
            "col_4": "", "save_as": "Registro central"})
        assert response.status_code == 302
        job = self.job()
        assert (job.state, job.created_count, job.duplicate_count, job.rejected_count) == ("done", 1, 1, 1)
        assert job.mapping == {"type": "Tipo", "make": "Marca", "model": "Modelo", "serial": "Número de serie"}
        with country_scope([self.country()]):
            assert ImportMapping.objects.owned().get(name="Registro central").columns == job.mapping
        html = alice.get(job.get_absolute_url()).content.decode()
        assert "unknown firearm type" in html.lower() and "Download every rejected row" in html
        assert 'hx-trigger="every 1s"' not in html and 'http-equiv="refresh"' not in html  # finished: no polling
        report = alice.get(job.get_absolute_url() + "?download=report")
        assert report.status_code == 200 and "attachment" in report["Content-Disposition"]
        body = b"".join(report.streaming_content).decode("utf-8-sig")
        assert body.splitlines()[1].lower().startswith("3,type,unknown firearm type 'catapult'")
        listing = alice.get(reverse("registry:import_list")).content.decode()
        assert "registro.csv" in listing

    def test_a_running_import_polls_with_htmx_and_refreshes_without_javascript(self):
        alice = self.web("alice")
        self.upload(alice)
        job = self.job()
        with country_scope([self.country()]), change_context("system:test", Source.COMMAND):
            from django.db import transaction

            with transaction.atomic():
                job.state, job.total_rows = "running", 3
                job.save()
        html = alice.get(job.get_absolute_url()).content.decode()
        progress_url = reverse("registry:import_progress", args=[job.public_id])
        assert f'hx-get="{progress_url}"' in html and 'hx-trigger="every 1s"' in html
        assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
        assert "<progress" in html
        fragment = alice.get(progress_url, headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and b"<html" not in fragment.content
        assert b'hx-trigger="every 1s"' in fragment.content
        assert alice.get(progress_url).status_code == 302  # without htmx: the full page

    def test_a_saved_mapping_can_be_chosen_on_upload(self):
        with country_scope([self.country()]), change_context("system:test", Source.COMMAND):
            from cifta.registry.importing.mappings import save_mapping

            save_mapping(actor="system:test", name="two columns", columns={"type": "K", "serial": "S"})
        alice = self.web("alice")
        self.upload(alice, "K,S,Notes\npistol,SAVED-1,x\n", mapping="two columns")
        job = self.job()
        assert job.mapping == {"type": "K", "serial": "S"}
        html = alice.get(job.get_absolute_url()).content.decode()
        assert '<option value="serial" selected>' in html and '<option value="notes" selected>' not in html

    def test_mapping_problems_are_shown_and_nothing_starts(self):
        alice = self.web("alice")
        self.upload(alice)
        job = self.job()
        response = alice.post(job.get_absolute_url(), {"col_0": "type", "col_1": "make", "col_2": "make"})
        assert response.status_code == 400 and "chosen for two columns" in response.content.decode()
        response = alice.post(job.get_absolute_url(), {"col_0": "type", "col_1": "make"})
        assert response.status_code == 400 and "No column was found for" in response.content.decode()
        assert self.job().state == "pending"

    def test_a_cp1252_upload_asks_for_its_encoding(self):
        alice = self.web("alice")
        self.upload(alice, "type;serial;notes\npistol;ENC-1;Depósito\n".encode("cp1252"), "win.csv")
        job = self.job()
        html = alice.get(job.get_absolute_url()).content.decode()
        assert "not UTF-8" in html and "Windows-1252" in html
        html = alice.get(job.get_absolute_url() + "?encoding=cp1252").content.decode()
        assert "Depósito" in html
        alice.post(job.get_absolute_url(), {"encoding": "cp1252", "col_0": "type", "col_1": "serial",
                                            "col_2": "notes"})
        assert self.job().created_count == 1

    def test_the_same_unfinished_file_goes_back_to_its_job(self):
        alice = self.web("alice")
        self.upload(alice)
        first = self.job()
        response = self.upload(alice)
        assert response["Location"] == first.get_absolute_url()
        with country_scope([self.country()]):
            assert ImportJob.objects.owned().count() == 1

    def test_a_file_whose_command_line_import_stopped_resumes_from_the_web(self):
        path = self.write(CSV, "registro.csv")
        with country_scope([self.country()]), change_context("system:import", Source.IMPORT):
            job, _ = engine.job_for_file(actor="system:import", path=path)  # never run: pending, no copy
        alice = self.web("alice")
        response = self.upload(alice)
        assert response["Location"] == job.get_absolute_url()
        with country_scope([self.country()]):
            assert ImportJob.objects.owned().count() == 1
            assert ImportJob.objects.owned().get().stored_file

    def test_a_stopped_import_can_be_resumed_from_its_page(self):
        alice = self.web("alice")
        self.upload(alice, "type,serial\npistol,RES-1\npistol,RES-2\n")
        job = self.job()
        path = job.stored_file.path
        with country_scope([self.country()]), change_context("system:test", Source.COMMAND):
            from django.db import transaction

            with transaction.atomic():
                job.state, job.mapping, job.message = "failed", {"type": "type", "serial": "serial"}, "stopped"
                job.save()
        html = alice.get(job.get_absolute_url()).content.decode()
        assert "Resume the import" in html
        alice.post(job.get_absolute_url(), {"action": "resume", "encoding": "utf-8"})
        job = self.job()
        assert (job.state, job.created_count) == ("done", 2)
        assert file_facts(path).sha256 == job.file_sha256

    def test_limits_and_who_may_import(self):
        alice = self.web("alice")
        original = views_import.MAX_UPLOAD
        views_import.MAX_UPLOAD = 10
        try:
            response = self.upload(alice)
        finally:
            views_import.MAX_UPLOAD = original
        assert response.status_code == 400 and "200 MB" in response.content.decode()
        assert self.upload(alice, b"", "empty.csv").status_code == 400
        self.upload(alice)
        job = self.job()
        bob = self.web("bob")  # a viewer may not import
        for url in (reverse("registry:import_list"), reverse("registry:import_new"), job.get_absolute_url()):
            assert bob.get(url).status_code == 403
        carlos = self.web("carlos")  # another country's job does not exist for B
        assert carlos.get(job.get_absolute_url()).status_code == 404
        assert carlos.get(job.get_absolute_url() + "?download=report").status_code == 404
        assert carlos.get(reverse("registry:import_progress", args=[job.public_id]),
                          headers={"HX-Request": "true"}).status_code == 404
        assert "registro.csv" not in carlos.get(reverse("registry:import_list")).content.decode()
