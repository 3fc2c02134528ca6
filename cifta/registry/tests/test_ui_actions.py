"""The officer's pages: registering a firearm, recording events and markings, photos, the State
marking and corrections. Refusals show beside the field they are about; nothing is written."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cifta.core.models import ObjectChange
from cifta.registry.models import CivilianHolder, Firearm, FirearmEvent, FirearmPhoto, HitNotice, Marking
from cifta.registry.tests.test_api_battery import PNG, RegistryExtrasTestCase
from cifta.registry.tests.test_ui_pages import field_block


class RegistrationPageTest(RegistryExtrasTestCase):
    url = reverse("registry:firearm_register")

    def payload(self, **overrides: Any) -> dict[str, Any]:
        return {"type": "pistol", "make": "GLOCK INC", "model": "19", "calibre": "9mm Luger", "serial": "RG-1001",
                "serial_slide": "RG1001S", "country_of_manufacture": "AT", "year_of_manufacture": "2018",
                "event": "registered", "event_date": "2024-05-05",
                "holding_agency": str(self.world.agency_a.public_id), "storage_location": "Armoury 1",
                "source": "registration", "notes": "", "manufacture_mark": "GLOCK AUSTRIA RG1001", "import_mark": "",
                "importer_name": "", "importer_address": "", "import_country": "", "import_year": "",
                "register": "1", **overrides}

    def test_the_form_guides_the_officer(self) -> None:
        response = self.web("alice").get(self.url)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("<fieldset>", html)
        self.assertIn('<datalist id="calibres">', html)
        self.assertIn('name="holder_full_name"', html)  # officers may see personal data

    def test_check_shows_the_resolved_maker_without_saving(self) -> None:
        before = self.changes_count()
        response = self.web("alice").post(self.url, self.payload(register="", check="1"))
        self.assertEqual(response.status_code, 200, response.content)
        preview = response.context["preview"]
        self.assertEqual((preview["manufacturer"].name, preview["model"].name, preview["calibre"].code),
                         ("Glock", "19", "9x19"))
        self.assertContains(response, "read as “GLOCK INC”")
        self.assertContains(response, "RG1001")
        self.assertEqual(self.changes_count(), before)

    def test_a_firearm_is_registered_through_the_shared_checks(self) -> None:
        response = self.web("alice").post(self.url, self.payload())
        firearm = Firearm.unscoped.get(serial_key="RG1001")
        self.assertRedirects(response, firearm.get_absolute_url())
        self.assertEqual((firearm.manufacturer.code, firearm.model.name, firearm.calibre.code, firearm.country_id),
                         ("GLCK", "19", "9x19", self.world.country_a.pk))
        self.assertEqual(firearm.holding_agency_id, self.world.agency_a.pk)
        self.assertEqual(sorted(firearm.serials.model.unscoped.filter(firearm=firearm).values_list("key", flat=True)),
                         ["RG1001", "RG1001S"])
        change = ObjectChange.unscoped.get(object_type="registry.firearm", object_id=firearm.pk)
        self.assertEqual((change.source, change.actor_id), ("web", self.world.alice.pk))

    def test_refusals_are_shown_beside_the_field(self) -> None:
        client = self.web("alice")
        before = self.changes_count()
        for overrides, field in (({"calibre": "9mm Unobtainium"}, "calibre"),
                                 ({"year_of_manufacture": "2999"}, "year_of_manufacture"),
                                 ({"serial": "", "serial_slide": ""}, "serial"),
                                 ({"type": ""}, "type"),
                                 ({"country_of_manufacture": "ZZ"}, "country_of_manufacture"),
                                 ({"importer_name": "Imp SA"}, "import_country"),
                                 ({"make": "Glock", "model": "17", "serial": "ABC-123"}, "serial")):
            response = client.post(self.url, self.payload(**overrides))
            self.assertEqual(response.status_code, 400, overrides)
            self.assertIn('role="alert"', field_block(response.content.decode(), field), overrides)
        self.assertEqual(self.changes_count(), before)
        # What was typed is kept.
        self.assertIn('value="9mm Unobtainium"', client.post(self.url, self.payload(calibre="9mm Unobtainium"))
                      .content.decode())

    def test_a_new_civilian_holder_is_recorded_with_the_firearm(self) -> None:
        response = self.web("alice").post(self.url, self.payload(holder_full_name="Rosa Díaz",
                                                                 holder_licence_number="LIC-77"))
        self.assertEqual(response.status_code, 302, response.content)
        firearm = Firearm.unscoped.get(serial_key="RG1001")
        self.assertEqual(firearm.civilian_holder.full_name, "Rosa Díaz")
        self.assertEqual(list(FirearmEvent.unscoped.filter(firearm=firearm).values_list("kind", flat=True)),
                         ["registered", "holder_changed"])

    def test_a_seized_firearm_cannot_be_registered_to_a_civilian_and_nothing_is_kept(self) -> None:
        before = self.changes_count()
        response = self.web("alice").post(self.url, self.payload(event="seized", holder_full_name="Rosa Díaz"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("Art. VII", field_block(response.content.decode(), "holder_full_name"))
        self.assertFalse(Firearm.unscoped.filter(serial_key="RG1001").exists())
        self.assertFalse(CivilianHolder.unscoped.filter(full_name="Rosa Díaz").exists())
        self.assertEqual(self.changes_count(), before)

    def test_a_match_of_a_lost_firearm_warns_the_officer(self) -> None:
        response = self.web("alice").post(self.url, self.payload(make="Taurus", model="", serial="TX 0001",
                                                                 serial_slide="", manufacture_mark=""), follow=True)
        self.assertContains(response, "reported lost or stolen")
        self.assertTrue(HitNotice.unscoped.filter(firearm=self.firearms.lost_a, trigger="created").exists())

    def test_an_unknown_make_is_recorded_as_read(self) -> None:
        response = self.web("alice").post(self.url, self.payload(make="Fábrica Desconocida", register="",
                                                                 check="1"))
        self.assertIsNone(response.context["preview"]["manufacturer"])
        self.assertContains(response, "is not in the reference list")


class EventPageTest(RegistryExtrasTestCase):
    def post(self, firearm: Firearm, **data: Any) -> Any:
        return self.web("alice").post(reverse("registry:event_add", args=[firearm.public_id]),
                                      {"occurred_on": "2024-09-01", **data})

    def test_an_event_is_recorded(self) -> None:
        response = self.post(self.firearms.glock_a, kind="reported_stolen", reference="CASE-5",
                             agency=str(self.world.agency_a.public_id))
        self.assertRedirects(response, self.firearms.glock_a.get_absolute_url())
        self.assertEqual(Firearm.unscoped.get(pk=self.firearms.glock_a.pk).status, "stolen")

    def test_first_only_events_are_not_offered(self) -> None:
        html = self.web("alice").get(reverse("registry:event_add", args=[self.firearms.glock_a.public_id])) \
            .content.decode()
        for kind in ("reported_lost", "destroyed", "holder_changed"):
            self.assertIn(f'value="{kind}"', html)
        for kind in ("manufactured", "registered", "marked"):
            self.assertNotIn(f'value="{kind}"', html)

    def test_lifecycle_refusals_are_shown_on_the_event_field(self) -> None:
        seized = self.firearms.seized_a
        before = self.changes_count()
        response = self.post(seized, kind="reported_stolen")
        self.assertEqual(response.status_code, 400)
        self.assertIn("cannot follow", field_block(response.content.decode(), "kind"))
        response = self.post(seized, kind="holder_changed", civilian_holder=str(self.a.holder.public_id))
        self.assertEqual(response.status_code, 400)
        self.assertIn("Art. VII", field_block(response.content.decode(), "kind"))
        self.assertEqual(self.changes_count(), before)

    def test_a_destroyed_firearm_cannot_be_destroyed_again(self) -> None:
        seized = self.firearms.seized_a
        self.assertEqual(self.post(seized, kind="destroyed", reference="DEST-1").status_code, 302)
        response = self.post(seized, kind="destroyed")
        self.assertEqual(response.status_code, 400)
        self.assertIn("destroyed", field_block(response.content.decode(), "kind"))
        self.assertEqual(FirearmEvent.unscoped.filter(firearm=seized, kind="destroyed").count(), 1)
        # The record no longer offers actions that would be refused.
        html = self.web("alice").get(seized.get_absolute_url()).content.decode()
        self.assertNotIn(reverse("registry:event_add", args=[seized.public_id]), html)

    def test_other_refusals_name_their_field(self) -> None:
        response = self.post(self.firearms.glock_a, kind="exported")
        self.assertIn('role="alert"', field_block(response.content.decode(), "counterpart_country"))
        response = self.post(self.firearms.glock_a, kind="exported", counterpart_country="ZZ")
        self.assertIn('role="alert"', field_block(response.content.decode(), "counterpart_country"))
        response = self.post(self.firearms.glock_a, kind="marked")
        self.assertIn('role="alert"', field_block(response.content.decode(), "kind"))
        response = self.post(self.firearms.glock_a, kind="holder_changed")
        self.assertIn('role="alert"', field_block(response.content.decode(), "agency"))
        response = self.post(self.firearms.glock_a, kind="reported_lost", occurred_on="2999-01-01")
        self.assertIn('role="alert"', field_block(response.content.decode(), "occurred_on"))
        response = self.post(self.firearms.glock_a, kind="holder_changed", agency=str(self.world.agency_b.public_id))
        self.assertIn('role="alert"', field_block(response.content.decode(), "agency"))


class MarkingPhotoEditPageTest(RegistryExtrasTestCase):
    def test_a_marking_is_added_and_an_import_marking_needs_its_country(self) -> None:
        client = self.web("alice")
        url = reverse("registry:marking_add", args=[self.firearms.seized_a.public_id])
        response = client.post(url, {"kind": "import", "text": "IMP SA", "importer_name": "Imp SA"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("country of import", field_block(response.content.decode(), "import_country"))
        response = client.post(url, {"kind": "import", "text": "CO 2024 IMP SA", "component": "frame",
                                     "importer_name": "Imp SA", "importer_address": "Calle 1, Bogotá",
                                     "import_country": "CO", "import_year": "2024", "method": "laser"})
        self.assertRedirects(response, self.firearms.seized_a.get_absolute_url())
        marking = Marking.unscoped.get(firearm=self.firearms.seized_a, kind="import")
        self.assertEqual((marking.importer_address, marking.import_year, marking.method),
                         ("Calle 1, Bogotá", 2024, "laser"))

    def test_a_photo_is_uploaded_and_a_non_image_refused(self) -> None:
        client = self.web("alice")
        url = reverse("registry:photo_add", args=[self.firearms.seized_a.public_id])
        response = client.post(url, {"image": SimpleUploadedFile("x.txt", b"not an image"), "caption": "c"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("JPEG, PNG or WebP", field_block(response.content.decode(), "image"))
        response = client.post(url, {"image": SimpleUploadedFile("front.png", PNG), "caption": "Front"})
        self.assertEqual(response.status_code, 302)
        photo = FirearmPhoto.unscoped.get(firearm=self.firearms.seized_a)
        self.assertContains(client.get(self.firearms.seized_a.get_absolute_url()),
                            reverse("registry:photo_image", args=[photo.public_id]))

    def test_a_state_marking_is_generated_then_recorded(self) -> None:
        client = self.web("alice")
        glock = self.firearms.glock_a
        response = client.post(reverse("registry:state_marking", args=[glock.public_id]), {"year": "2025"})
        self.assertEqual(response.status_code, 200)
        text = response.context["generated"]
        self.assertTrue(text.startswith("CO GLCK 25 02 "), text)
        self.assertContains(response, text)
        self.assertEqual(response.context["marking_form"].initial["kind"], "state")
        response = client.post(reverse("registry:marking_add", args=[glock.public_id]),
                               {"kind": "state", "text": text, "country_code": "CO", "year": "2025"})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Marking.unscoped.filter(firearm=glock, kind="state", text=text).exists())
        again = client.post(reverse("registry:state_marking", args=[glock.public_id]), {"year": "2025"})
        self.assertNotEqual(again.context["generated"], text)

    def test_descriptive_corrections(self) -> None:
        client = self.web("alice")
        seized = self.firearms.seized_a
        url = reverse("registry:firearm_edit", args=[seized.public_id])
        self.assertEqual(client.get(url).status_code, 200)
        data = {"type": "revolver", "make": "", "model": "", "calibre": "", "country_of_manufacture": "",
                "year_of_manufacture": "", "storage_location": "", "notes": seized.notes}
        response = client.post(url, {**data, "calibre": "unheard-of"})
        self.assertEqual(response.status_code, 400)
        self.assertIn('role="alert"', field_block(response.content.decode(), "calibre"))
        response = client.post(url, {**data, "make": "S&W", "calibre": "38 Spl", "storage_location": "Vault 3"})
        self.assertRedirects(response, seized.get_absolute_url())
        seized = Firearm.unscoped.get(pk=seized.pk)
        self.assertEqual((seized.manufacturer.code, seized.calibre.code, seized.storage_location),
                         ("SMWE", "38spl", "Vault 3"))
        self.assertEqual(seized.status, "seized")
