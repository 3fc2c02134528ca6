"""The reference pages: everyone logged in reads; only Secretariat administrators (and the hub
operator) write; every change shows in the History tab."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cifta.core.models import ObjectChange
from cifta.core.templatetags.cifta import history_url
from cifta.reference.models import Calibre, CalibreAlias, FirearmModel, Manufacturer, ModelVariant
from cifta.reference.selectors import resolve_calibre, resolve_manufacturer
from cifta.reference.services import template_id
from cifta.reference.tests.helpers import ReferenceTestCase

READERS = ("alice", "bob", "carlos", "sam", "sara", "root")


def field_block(html: str, field: str) -> str:
    """The ``<div class="field">`` of one form field, as rendered by core/_form.html."""
    for block in html.split('<div class="field">')[1:]:
        if f'name="{field}"' in block:
            return block
    raise AssertionError(f"no field {field!r} in the form")


class ReadPageTests(ReferenceTestCase):
    def read_urls(self) -> list[str]:
        model = FirearmModel.objects.get(manufacturer__code="GLCK", name="17")
        return [
            reverse("reference:index"), reverse("reference:type_list"), reverse("reference:part_list"),
            reverse("reference:calibre_list"), reverse("reference:calibre_detail", args=["9x19"]),
            reverse("reference:manufacturer_list"), reverse("reference:manufacturer_detail", args=["KALA"]),
            reverse("reference:model_list"), model.get_absolute_url(), reverse("reference:csv"),
            history_url(Calibre.objects.get(code="9x19")),
        ]

    def test_every_logged_in_user_reads_every_page(self) -> None:
        urls = self.read_urls()
        for name in READERS:
            client = self.web(name)
            for url in urls:
                self.assertEqual(client.get(url).status_code, 200, f"{name} {url}")

    def test_pages_need_a_login(self) -> None:
        for url in self.read_urls():
            self.assertEqual(self.client.get(url).status_code, 302, url)

    def test_index_links_the_five_tables(self) -> None:
        html = self.web("alice").get(reverse("reference:index")).content.decode()
        for name in ("type_list", "part_list", "calibre_list", "manufacturer_list", "model_list"):
            self.assertIn(f'href="{reverse("reference:" + name)}"', html)
        self.assertIn("Reference data", html)
        self.assertNotIn(reverse("reference:csv_upload"), html)  # alice may not import
        html = self.web("sara").get(reverse("reference:index")).content.decode()
        self.assertIn(reverse("reference:csv_upload"), html)

    def test_calibre_list_shows_aliases_and_filters(self) -> None:
        client = self.web("alice")
        html = client.get(reverse("reference:calibre_list")).content.decode()
        self.assertIn("9 mm Parabellum", html)
        response = client.get(reverse("reference:calibre_list"), {"q": "9mm Luger"})
        self.assertEqual([c.code for c in response.context["page"]], ["9x19"])
        response = client.get(reverse("reference:calibre_list"), {"kind": "gauge"})
        self.assertEqual({c.code for c in response.context["page"]}, {"12ga", "16ga", "20ga", "28ga", "410bore"})
        response = client.get(reverse("reference:calibre_list"), {"q": "9 mm"})
        self.assertEqual({c.code for c in response.context["page"]}, {"9x17", "9x18", "9x19"})
        self.assertNotContains(client.get(reverse("reference:calibre_list")), reverse("reference:calibre_new"))

    def test_manufacturer_pages_show_country_aliases_and_history_of_the_company(self) -> None:
        client = self.web("alice")
        response = client.get(reverse("reference:manufacturer_list"), {"q": "GLOCK INC"})
        self.assertEqual([m.code for m in response.context["page"]], ["GLCK"])
        response = client.get(reverse("reference:manufacturer_list"), {"country_code": "ru"})
        self.assertEqual({m.code for m in response.context["page"]}, {"IZHM", "KALA"})
        html = client.get(reverse("reference:manufacturer_detail", args=["kala"])).content.decode()
        self.assertIn("Izhmash", html)
        self.assertIn("2013", html)
        self.assertIn("Russia", html)
        html = client.get(reverse("reference:manufacturer_detail", args=["IZHM"])).content.decode()
        self.assertIn("Kalashnikov Concern", html)
        self.assertIn("AKM", html)

    def test_model_pages_filter_by_maker_and_type_and_show_template_ids(self) -> None:
        client = self.web("alice")
        response = client.get(reverse("reference:model_list"), {"manufacturer": "GLCK"})
        self.assertEqual({m.name for m in response.context["page"]}, {"17", "19", "22"})
        response = client.get(reverse("reference:model_list"), {"type": "shotgun"})
        self.assertEqual({m.name for m in response.context["page"]}, {"870", "500"})
        response = client.get(reverse("reference:model_list"), {"q": "T1140C3075"})
        self.assertEqual([str(m) for m in response.context["page"]], ["Glock 17"])
        model = FirearmModel.objects.get(manufacturer__code="MOSB")
        html = client.get(model.get_absolute_url()).content.decode()
        for variant in model.variants.all():
            self.assertIn(variant.template_id, html)
        self.assertIn(".410 bore", html)

    def test_unknown_records_are_404(self) -> None:
        client = self.web("alice")
        self.assertEqual(client.get(reverse("reference:calibre_detail", args=["nope"])).status_code, 404)
        self.assertEqual(client.get(reverse("reference:manufacturer_detail", args=["NOPE"])).status_code, 404)
        self.assertEqual(client.get(reverse("reference:csv_export", args=["nope"])).status_code, 404)

    def test_csv_export_downloads_each_table(self) -> None:
        client = self.web("bob")
        for kind in ("types", "parts", "calibres", "manufacturers", "models"):
            response = client.get(reverse("reference:csv_export", args=[kind]))
            self.assertEqual(response.status_code, 200)
            self.assertTrue(response["Content-Type"].startswith("text/csv"))
            self.assertEqual(response["Content-Disposition"], f'attachment; filename="reference-{kind}.csv"')
        self.assertTrue(response.content.decode().startswith("manufacturer,name,type,external_ref,variants"))


class WritePermissionTests(ReferenceTestCase):
    def write_urls(self) -> list[str]:
        model = FirearmModel.objects.get(manufacturer__code="GLCK", name="17")
        return [reverse("reference:calibre_new"), reverse("reference:calibre_edit", args=["9x19"]),
                reverse("reference:manufacturer_new"), reverse("reference:manufacturer_edit", args=["GLCK"]),
                reverse("reference:model_new"), reverse("reference:model_edit", args=[model.public_id]),
                reverse("reference:csv_upload")]

    def test_only_secretariat_admins_and_the_operator_may_write(self) -> None:
        urls = self.write_urls()
        for name in ("alice", "bob", "nadia", "carlos", "sam"):
            client = self.web(name)
            for url in urls:
                self.assertEqual(client.get(url).status_code, 403, f"{name} GET {url}")
                before = ObjectChange.unscoped.count()
                response = client.post(url, {"designation": "X", "kind": "cartridge", "code": "XX", "name": "X"})
                self.assertEqual(response.status_code, 403, f"{name} POST {url}")
                self.assertEqual(ObjectChange.unscoped.count(), before)
        for name in ("sara", "root"):
            client = self.web(name)
            for url in urls:
                self.assertEqual(client.get(url).status_code, 200, f"{name} GET {url}")

    def test_edit_buttons_show_only_to_those_who_may_edit(self) -> None:
        url = reverse("reference:calibre_detail", args=["9x19"])
        edit = reverse("reference:calibre_edit", args=["9x19"])
        self.assertNotContains(self.web("alice").get(url), edit)
        self.assertContains(self.web("sara").get(url), edit)


class SecretariatEditTests(ReferenceTestCase):
    def test_sara_creates_a_calibre_with_aliases_and_the_change_log_records_it(self) -> None:
        client = self.web("sara")
        response = client.post(reverse("reference:calibre_new"), {
            "designation": "6.5 mm Creedmoor", "kind": "cartridge", "standard": "SAAMI", "marking_code": "38",
            "aliases": "6.5 Creedmoor | 6.5 CM|",
        })
        calibre = Calibre.objects.get(designation="6.5 mm Creedmoor")
        self.assertRedirects(response, calibre.get_absolute_url())
        self.assertEqual(calibre.code, "65mmcreedmoor")
        self.assertEqual(resolve_calibre("6.5cm"), calibre)
        self.assertEqual(set(calibre.aliases.values_list("alias", flat=True)),
                         {"6.5 mm Creedmoor", "6.5 Creedmoor", "6.5 CM"})
        rows = ObjectChange.unscoped.filter(object_type="reference.calibre", object_id=calibre.pk)
        self.assertEqual([(r.action, r.actor_repr, r.source, r.country_id) for r in rows],
                         [("create", "sara", "web", None)])
        alias_rows = ObjectChange.unscoped.filter(object_type="reference.calibrealias",
                                                  object_id__in=calibre.aliases.values("pk"))
        self.assertEqual(alias_rows.count(), 3)
        self.assertEqual(len({r.request_id for r in [*rows, *alias_rows]}), 1)  # one request
        # The History tab shows it to any user, of any country.
        for name in ("alice", "carlos", "sam"):
            response = self.web(name).get(history_url(calibre))
            self.assertEqual(response.status_code, 200)
            self.assertEqual([c.actor_repr for c in response.context["changes"]], ["sara"], name)
            self.assertContains(response, "6.5 mm Creedmoor")
            self.assertContains(response, calibre.get_absolute_url())  # the Details tab

    def test_an_alias_of_another_calibre_is_shown_next_to_the_field(self) -> None:
        before = ObjectChange.unscoped.count()
        response = self.web("sara").post(reverse("reference:calibre_new"), {
            "code": "9x19plus", "designation": "9x19 Plus", "kind": "cartridge", "aliases": "9 mm Luger"})
        self.assertEqual(response.status_code, 400)
        block = field_block(response.content.decode(), "aliases")
        self.assertIn('role="alert"', block)
        self.assertIn("9×19 mm", block)
        self.assertEqual(ObjectChange.unscoped.count(), before)

    def test_an_unknown_kind_is_a_field_error(self) -> None:
        response = self.web("sara").post(reverse("reference:calibre_new"), {"designation": "X", "kind": "rocket"})
        self.assertEqual(response.status_code, 400)
        self.assertIn('role="alert"', field_block(response.content.decode(), "kind"))

    def test_sara_edits_a_calibre_and_every_reader_sees_the_history(self) -> None:
        client = self.web("sara")
        url = reverse("reference:calibre_edit", args=["9x18"])
        form = client.get(url).context["form"]
        self.assertIn("9 mm Makarov", form.initial["aliases"])
        self.assertNotIn("9×18 mm Makarov", form.initial["aliases"])  # the designation is always a name
        response = client.post(url, {"code": "changed", "designation": "9×18 mm Makarov", "kind": "cartridge",
                                     "standard": "CIP", "marking_code": "15", "aliases": "9 mm Makarov|9 mm PM"})
        self.assertRedirects(response, reverse("reference:calibre_detail", args=["9x18"]))  # the code stays
        self.assertIsNone(resolve_calibre("9x18 Makarov"))
        self.assertEqual(resolve_calibre("9mm PM"), Calibre.objects.get(code="9x18"))
        deleted = ObjectChange.unscoped.filter(object_type="reference.calibrealias", action="delete")
        self.assertEqual(set(deleted.values_list("object_repr", flat=True)), {"9x18 Makarov", "9x18 mm PM", "9x18"})
        self.assertFalse(deleted.filter(country__isnull=False).exists())
        # Any user of any country sees the removed names on the calibre's page, with who removed them.
        response = self.web("carlos").get(reverse("reference:calibre_detail", args=["9x18"]))
        removed = [(c.action, c.object_repr, c.actor_repr) for c in response.context["part_changes"]
                   if c.action == "delete"]
        self.assertEqual(sorted(removed), [("delete", "9x18", "sara"), ("delete", "9x18 Makarov", "sara"),
                                           ("delete", "9x18 mm PM", "sara")])
        self.assertContains(response, "9x18 Makarov")
        # ... and each remaining name's own History tab.
        alias = CalibreAlias.objects.get(alias="9 mm PM")
        response = self.web("alice").get(history_url(alias))
        self.assertEqual([(c.action, c.actor_repr, c.country_id) for c in response.context["changes"]],
                         [("create", "sara", None)])
        self.assertContains(response, reverse("reference:calibre_detail", args=["9x18"]))

    def test_sara_creates_and_edits_a_manufacturer(self) -> None:
        client = self.web("sara")
        response = client.post(reverse("reference:manufacturer_new"), {
            "code": "ACME", "name": "Acme Arms", "legal_name": "Acme Arms LLC", "country_code": "us",
            "active_from": "1990", "aliases": "ACME:brand|ACME USA:importer", "predecessor": "REMG",
            "succession_year": "2020"})
        maker = Manufacturer.objects.get(code="ACME")
        self.assertRedirects(response, maker.get_absolute_url())
        self.assertEqual(maker.country_code, "US")
        self.assertEqual(resolve_manufacturer("acme usa"), maker)
        self.assertEqual(maker.predecessions.get().predecessor.code, "REMG")
        response = client.post(reverse("reference:manufacturer_edit", args=["ACME"]), {
            "name": "Acme Arms", "country_code": "US", "aliases": "ACME:brand"})
        self.assertEqual(response.status_code, 302)
        self.assertIsNone(resolve_manufacturer("ACME USA"))
        self.assertFalse(maker.predecessions.exists())

    def test_a_bad_country_code_and_a_bad_role_are_field_errors(self) -> None:
        client = self.web("sara")
        response = client.post(reverse("reference:manufacturer_new"), {
            "code": "ZED1", "name": "Zed Arms", "country_code": "ZZ"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("ZZ", field_block(response.content.decode(), "country_code"))
        response = client.post(reverse("reference:manufacturer_new"), {
            "code": "ZED1", "name": "Zed Arms", "country_code": "US", "aliases": "ZED:owner"})
        self.assertIn("owner", field_block(response.content.decode(), "aliases"))
        self.assertFalse(Manufacturer.objects.filter(code="ZED1").exists())

    def test_sara_creates_a_model_with_variants_and_edits_them(self) -> None:
        client = self.web("sara")
        response = client.post(reverse("reference:model_new"), {
            "manufacturer": "TAUR", "name": "TX22", "type": "pistol",
            "variants": "22lr:semi_automatic; 22wmr:semi_automatic"})
        model = FirearmModel.objects.get(manufacturer__code="TAUR", name="TX22")
        self.assertRedirects(response, model.get_absolute_url())
        self.assertEqual(set(model.variants.values_list("template_id", flat=True)),
                         {template_id("TAUR", "TX22", "22lr", "semi_automatic"),
                          template_id("TAUR", "TX22", "22wmr", "semi_automatic")})
        edit = reverse("reference:model_edit", args=[model.public_id])
        response = client.post(edit, {"manufacturer": "GLCK", "name": "Other", "type": "pistol",
                                      "variants": "22lr:semi_automatic"})
        self.assertEqual(response.status_code, 302)
        model.refresh_from_db()
        self.assertEqual((model.manufacturer.code, model.name), ("TAUR", "TX22"))  # these stay
        self.assertEqual(list(model.variants.values_list("calibre__code", flat=True)), ["22lr"])
        response = client.post(edit, {"type": "pistol", "variants": "nope:semi_automatic"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("nope", field_block(response.content.decode(), "variants"))
        self.assertEqual(ModelVariant.objects.filter(model=model).count(), 1)


class CsvUploadPageTests(ReferenceTestCase):
    def upload(self, name: str, kind: str, text: str) -> object:
        file = SimpleUploadedFile(f"{kind}.csv", text.encode("utf-8"), content_type="text/csv")
        return self.web(name).post(reverse("reference:csv_upload"), {"kind": kind, "file": file})

    def test_a_bad_file_lists_its_row_errors_and_changes_nothing(self) -> None:
        before = ObjectChange.unscoped.count()
        text = ("code,designation,kind,standard,marking_code,aliases\n"
                "65cm,6.5 mm Creedmoor,cartridge,SAAMI,38,6.5 CM\n"
                "bad1,,cartridge,,,\n"
                "bad2,Bad Two,rocket,,,\n")
        response = self.upload("sara", "calibres", text)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "line 3, column designation", status_code=400)
        self.assertContains(response, "line 4, column kind", status_code=400)
        self.assertContains(response, "Nothing was changed", status_code=400)
        self.assertFalse(Calibre.objects.filter(code="65cm").exists())
        self.assertEqual(ObjectChange.unscoped.count(), before)

    def test_a_good_file_reports_what_it_did_and_logs_it_as_an_import(self) -> None:
        exported = self.web("sara").get(reverse("reference:csv_export", args=["calibres"])).content.decode()
        response = self.upload("sara", "calibres", exported + "65cm,6.5 mm Creedmoor,cartridge,SAAMI,38,6.5 CM\n")
        self.assertEqual(response.status_code, 200)
        report = response.context["report"]
        self.assertEqual((report.created, report.updated, report.unchanged), (1, 0, 33))
        calibre = Calibre.objects.get(code="65cm")
        row = ObjectChange.unscoped.get(object_type="reference.calibre", object_id=calibre.pk)
        self.assertEqual((row.actor_repr, row.source, row.country_id), ("sara", "import", None))
        alias = CalibreAlias.objects.get(alias="6.5 CM")
        self.assertEqual(alias.calibre, calibre)

    def test_the_round_trip_through_the_pages_is_unchanged(self) -> None:
        before = ObjectChange.unscoped.count()
        for kind in ("types", "parts", "calibres", "manufacturers", "models"):
            exported = self.web("root").get(reverse("reference:csv_export", args=[kind])).content.decode()
            report = self.upload("root", kind, exported).context["report"]
            self.assertTrue(report.ok, report.errors)
            self.assertEqual((report.created, report.updated), (0, 0), kind)
        self.assertEqual(ObjectChange.unscoped.count(), before)

    def test_a_file_that_is_not_utf8_is_refused(self) -> None:
        response = self.upload("sara", "calibres", "")
        self.assertEqual(response.status_code, 400)
        file = SimpleUploadedFile("x.csv", "code,designation\nx,Désignation\n".encode("latin-1"))
        response = self.web("sara").post(reverse("reference:csv_upload"), {"kind": "calibres", "file": file})
        self.assertEqual(response.status_code, 400)
        self.assertIn("UTF-8", field_block(response.content.decode(), "file"))

    def test_alice_may_not_upload(self) -> None:
        before = ObjectChange.unscoped.count()
        response = self.upload("alice", "calibres", "code,designation,kind\nx1,X One,cartridge\n")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(ObjectChange.unscoped.count(), before)
