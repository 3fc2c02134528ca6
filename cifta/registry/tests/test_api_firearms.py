"""The firearms API beyond the battery: registration through the shared draft checks, clear
refusals naming the field, lifecycle refusals, markings, filters, serial look-up with its audit
and hit notices, and personal data hidden from roles that may not see it."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from cifta.core.models import AuditEvent
from cifta.registry.models import CivilianHolder, Firearm, FirearmEvent, HitNotice, Marking
from cifta.registry.tests.test_api_battery import RegistryExtrasTestCase
from cifta.testing.world import MARKER_B


def results(response: Any) -> list[dict[str, Any]]:
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


class FirearmCreateApiTest(RegistryExtrasTestCase):
    url = "/api/v1/firearms/"

    def payload(self, **overrides: Any) -> dict[str, Any]:
        return {"type": "pistol", "make": "GLOCK AUSTRIA", "model": "19", "calibre": "9 mm Parabellum",
                "serial": "zz-77 01", "serial_slide": "ZZ7701S", "country_of_manufacture": "at",
                "year_of_manufacture": 2019, "event": "imported", "event_date": "2024-02-01",
                "holding_agency": "Registry A", "manufacture_mark": "GLOCK AUSTRIA ZZ7701",
                "importer_name": "Importadora SA", "importer_address": "Calle 1, Bogotá", "import_country": "CO",
                "import_year": 2024, **overrides}

    def test_a_registration_resolves_aliases_and_answers_the_whole_record(self) -> None:
        response = self.api("alice").post(self.url, self.payload(), format="json")
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["manufacturer"], body["make_as_read"], body["model"], body["calibre"]),
                         ("GLCK", "GLOCK AUSTRIA", "19", "9x19"))
        self.assertEqual((body["serial"], body["status"], body["country"]), ("ZZ7701", "registered", "CO"))
        self.assertEqual([(s["component"], s["is_primary"]) for s in body["serials"]],
                         [("frame", True), ("slide", False)])
        self.assertEqual(sorted(m["kind"] for m in body["markings"]), ["import", "manufacture"])
        self.assertEqual([e["kind"] for e in body["events"]], ["imported"])
        self.assertEqual(body["compliance_issues"], [])
        self.assertEqual(body["holding_agency"], str(self.world.agency_a.public_id))

    def test_bad_input_is_answered_400_naming_the_field_and_nothing_is_written(self) -> None:
        cases = [
            ({"calibre": "9mm Unobtainium"}, "calibre"),
            ({"year_of_manufacture": 2999}, "year_of_manufacture"),
            ({"year_of_manufacture": "nineteen"}, "year_of_manufacture"),
            ({"type": "catapult"}, "type"),
            ({"serial": "", "serial_slide": ""}, "serial"),
            ({"country_of_manufacture": "ZZ"}, "country_of_manufacture"),
            ({"import_country": ""}, "import_country"),
            ({"event": "reported_lost"}, "event"),
            ({"event_date": "2999-01-01"}, "event_date"),
            ({"holding_agency": "Registry B"}, "holding_agency"),
            ({"holding_agency": str(self.world.agency_b.public_id)}, "holding_agency"),
        ]
        before = self.changes_count()
        for overrides, field in cases:
            response = self.api("alice").post(self.url, self.payload(**overrides), format="json")
            self.assertEqual(response.status_code, 400, (overrides, response.content))
            self.assertIn(field, response.json(), overrides)
        self.assertEqual(self.changes_count(), before)

    def test_a_duplicate_natural_key_is_a_conflict_naming_the_serial(self) -> None:
        before = self.changes_count()
        response = self.api("alice").post(self.url, {"type": "pistol", "make": "Glock", "model": "17",
                                                     "serial": "abc/123"}, format="json")
        self.assertEqual(response.status_code, 409, response.content)
        self.assertEqual(response.json()["field"], "serial")
        self.assertEqual(self.changes_count(), before)

    def test_a_record_matching_a_lost_firearm_notifies_the_reporting_agency(self) -> None:
        response = self.api("alice").post(self.url, {"type": "pistol", "make": "Taurus", "serial": "TX 0001",
                                                     "event": "seized"}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        notice = HitNotice.unscoped.get(firearm=self.firearms.lost_a, trigger="created")
        self.assertEqual(notice.agency_id, self.world.agency_a.pk)

    def test_viewer_and_secretariat_cannot_register(self) -> None:
        for name in ("bob", "sam", "aude", "sara", "root"):  # sara may add records, but keeps no firearms
            self.assertEqual(self.api(name).post(self.url, self.payload(), format="json").status_code, 403, name)
        self.assertFalse(Firearm.unscoped.filter(serial_key="ZZ7701").exists())


class FirearmUpdateApiTest(RegistryExtrasTestCase):
    def url(self, firearm: Firearm) -> str:
        return reverse("api:firearm-detail", args=[firearm.public_id])

    def test_descriptive_fields_are_corrected_with_aliases_resolved(self) -> None:
        response = self.api("alice").patch(self.url(self.firearms.seized_a),
                                           {"make": "Smith & Wesson", "calibre": ".38 Special",
                                            "year_of_manufacture": 1990}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertIsNotNone(body["manufacturer"])
        self.assertEqual((body["make_as_read"], body["year_of_manufacture"]), ("Smith & Wesson", 1990))
        self.assertIsNotNone(body["calibre"])

    def test_refusals_name_the_field(self) -> None:
        before = self.changes_count()
        client = self.api("alice")
        for payload, field in (({"calibre": "laser"}, "calibre"), ({"year_of_manufacture": 2999},
                                                                   "year_of_manufacture"),
                               ({"status": "destroyed"}, "status"), ({"country_of_manufacture": "QQ"},
                                                                     "country_of_manufacture")):
            response = client.patch(self.url(self.firearms.glock_a), payload, format="json")
            self.assertEqual(response.status_code, 400, (payload, response.content))
            self.assertIn(field, response.json())
        self.assertEqual(self.changes_count(), before)

    def test_put_is_not_offered(self) -> None:
        response = self.api("alice").put(self.url(self.firearms.glock_a), {"notes": "x"}, format="json")
        self.assertEqual(response.status_code, 405)


class FirearmLifeApiTest(RegistryExtrasTestCase):
    def events_url(self, firearm: Firearm) -> str:
        return reverse("api:firearm-events", args=[firearm.public_id])

    def markings_url(self, firearm: Firearm) -> str:
        return reverse("api:firearm-markings", args=[firearm.public_id])

    def test_an_event_is_recorded_and_the_status_follows(self) -> None:
        response = self.api("alice").post(self.events_url(self.firearms.glock_a),
                                          {"kind": "reported_stolen", "occurred_on": "2024-07-01",
                                           "agency": str(self.world.agency_a.public_id), "reference": "CASE-1"},
                                          format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["status_after"], "stolen")
        self.assertEqual(Firearm.unscoped.get(pk=self.firearms.glock_a.pk).status, "stolen")
        listed = self.api("bob").get(self.events_url(self.firearms.glock_a))
        self.assertEqual([e["kind"] for e in results(listed)], ["manufactured", "marked", "reported_stolen"])

    def test_lifecycle_refusals_are_400_on_kind(self) -> None:
        client = self.api("alice")
        seized = self.firearms.seized_a
        before = FirearmEvent.unscoped.filter(firearm=seized).count()
        response = client.post(self.events_url(seized), {"kind": "reported_stolen"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("kind", response.json())
        response = client.post(self.events_url(seized), {"kind": "holder_changed",
                                                         "civilian_holder": str(self.a.holder.public_id)},
                               format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("Art. VII", response.json()["kind"][0])
        self.assertEqual(FirearmEvent.unscoped.filter(firearm=seized).count(), before)
        self.assertEqual(client.post(self.events_url(seized), {"kind": "destroyed"}, format="json").status_code, 201)
        again = client.post(self.events_url(seized), {"kind": "destroyed"}, format="json")
        self.assertEqual(again.status_code, 400)
        self.assertIn("destroyed", again.json()["kind"][0])

    def test_foreign_agencies_holders_and_firearms_are_refused(self) -> None:
        client = self.api("alice")
        before = self.changes_count()
        response = client.post(self.events_url(self.firearms.glock_a),
                               {"kind": "holder_changed", "agency": str(self.world.agency_b.public_id)},
                               format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("agency", response.json())
        response = client.post(self.events_url(self.firearms.glock_a),
                               {"kind": "holder_changed", "civilian_holder": str(self.b.holder.public_id)},
                               format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(client.post(self.events_url(self.firearms.private_b), {"kind": "reported_lost"},
                                     format="json").status_code, 404)
        self.assertEqual(client.get(self.events_url(self.firearms.private_b)).status_code, 404)
        self.assertEqual(self.api("bob").post(self.events_url(self.firearms.glock_a), {"kind": "reported_lost"},
                                              format="json").status_code, 403)
        self.assertEqual(self.changes_count(), before)

    def test_markings_are_added_with_a_marked_event(self) -> None:
        client = self.api("alice")
        url = self.markings_url(self.firearms.seized_a)
        response = client.post(url, {"kind": "import", "text": "IMP SA"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("import_country", response.json())
        response = client.post(url, {"kind": "import", "text": "CO 2024 IMP SA", "component": "frame",
                                     "importer_name": "Imp SA", "importer_address": "Calle 1",
                                     "import_country": "co", "import_year": 2024}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual((response.json()["import_country"], response.json()["component"]), ("CO", "frame"))
        self.assertTrue(FirearmEvent.unscoped.filter(firearm=self.firearms.seized_a, kind="marked").exists())
        self.assertEqual(Marking.unscoped.filter(firearm=self.firearms.seized_a, kind="import").count(), 1)
        self.assertEqual([m["text"] for m in results(client.get(url))], ["CO 2024 IMP SA"])

    def test_nested_reads(self) -> None:
        client = self.api("bob")
        glock = self.firearms.glock_a
        serials = results(client.get(reverse("api:firearm-serials", args=[glock.public_id])))
        self.assertEqual([s["key"] for s in serials], ["ABC123"])
        photos = results(client.get(reverse("api:firearm-photos", args=[glock.public_id])))
        self.assertEqual([p["sha256"] for p in photos], [self.a.photo.sha256])
        self.assertEqual(client.get(reverse("api:firearm-photos", args=[self.firearms.private_b.public_id]))
                         .status_code, 404)


class FirearmFilterApiTest(RegistryExtrasTestCase):
    def serials(self, **params: Any) -> list[str]:
        response = self.api("bob").get("/api/v1/firearms/", params)
        self.assertEqual(response.status_code, 200, response.content)
        return [row["serial"] for row in results(response)]

    def test_filters(self) -> None:
        self.assertEqual(self.serials(q="abc-123"), ["ABC123"])  # B's ABC123 is never listed
        self.assertEqual(self.serials(q="tx 0001"), ["TX0001"])
        self.assertEqual(self.serials(q=f"{MARKER_B}-9"), [])
        self.assertEqual(self.serials(status="lost"), ["TX0001"])
        self.assertEqual(self.serials(make="GLCK"), ["ABC123"])
        self.assertEqual(self.serials(type="revolver"), [f"{self.firearms.seized_a.serial_key}"])
        self.assertEqual(self.serials(calibre="9x19", ordering="serial"), ["ABC123", "TX0001"])
        self.assertEqual(self.serials(model="pt92"), ["TX0001"])
        self.assertEqual(self.serials(holding_agency=str(self.world.agency_a.public_id), ordering="-serial"),
                         ["TX0001", "ABC123"])
        self.assertEqual(self.serials(compliant="true"), ["ABC123"])
        self.assertEqual(sorted(self.serials(compliant="false")), sorted(["TX0001", self.firearms.seized_a.serial_key]))

    def test_a_foreign_agency_filter_is_refused(self) -> None:
        response = self.api("alice").get("/api/v1/firearms/", {"holding_agency": str(self.world.agency_b.public_id)})
        self.assertEqual(response.status_code, 400)


class PersonalDataApiTest(RegistryExtrasTestCase):
    def test_the_holder_is_hidden_from_roles_without_personal_data(self) -> None:
        client = self.api("alice")
        response = client.post(reverse("api:firearm-events", args=[self.firearms.glock_a.public_id]),
                               {"kind": "holder_changed", "civilian_holder": str(self.a.holder.public_id)},
                               format="json")
        self.assertEqual(response.status_code, 201, response.content)
        url = reverse("api:firearm-detail", args=[self.firearms.glock_a.public_id])
        seen = client.get(url).json()
        self.assertEqual(seen["civilian_holder"], {"hidden": False, "public_id": str(self.a.holder.public_id)})
        for name in ("bob", "aude"):
            body = self.api(name).get(url).json()
            self.assertEqual(body["civilian_holder"], {"hidden": True, "public_id": None}, name)
            self.assertNotIn(str(self.a.holder.public_id), str(body), name)
            self.assertNotIn("Holder", str(body), name)

    def test_a_viewer_cannot_name_a_holder(self) -> None:
        holder = CivilianHolder.unscoped.get(pk=self.a.holder.pk)
        response = self.api("aude").post(reverse("api:firearm-events", args=[self.firearms.glock_a.public_id]),
                                         {"kind": "holder_changed", "civilian_holder": str(holder.public_id)},
                                         format="json")
        self.assertEqual(response.status_code, 403)


class SerialLookupApiTest(RegistryExtrasTestCase):
    url = "/api/v1/serial-lookup/"

    def test_the_case_reference_is_required(self) -> None:
        before = self.events_count()
        response = self.api("alice").get(self.url, {"serial": "ABC123"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("case_reference", response.json())
        response = self.api("alice").get(self.url, {"case_reference": "CASE-1"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("serial", response.json())
        self.assertEqual(self.events_count(), before)

    def test_an_exact_look_up_in_ones_own_country_is_audited(self) -> None:
        response = self.api("bob").get(self.url, {"serial": " abc/12-3 ", "case_reference": "INV-2024-7"})
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["count"], 1)
        self.assertEqual(body["results"][0]["public_id"], str(self.firearms.glock_a.public_id))
        self.assertFalse(body["results"][0]["reported_missing"])
        event = AuditEvent.unscoped.filter(verb="registry.serial.looked_up").latest("seq")
        self.assertEqual(event.country_id, self.world.country_a.pk)
        self.assertEqual(event.actor_id, self.world.bob.pk)
        self.assertEqual(event.payload["case_reference"], "INV-2024-7")
        self.assertEqual(event.payload["result_count"], 1)
        self.assertEqual(event.payload["query"]["canonical"], "ABC123")

    def test_a_hit_on_a_lost_firearm_is_flagged_and_notifies_the_reporting_agency(self) -> None:
        before = HitNotice.unscoped.filter(firearm=self.firearms.lost_a).count()
        response = self.api("alice").get(self.url, {"serial": "tx0001", "case_reference": "ROADSIDE-4"})
        body = response.json()
        self.assertEqual(body["count"], 1)
        self.assertTrue(body["results"][0]["reported_missing"])
        self.assertEqual(body["results"][0]["status"], "lost")
        notices = HitNotice.unscoped.filter(firearm=self.firearms.lost_a, trigger="searched")
        self.assertEqual(notices.count(), before + 1)
        self.assertEqual(notices.latest("id").agency_id, self.world.agency_a.pk)

    def test_another_countrys_serials_are_never_found(self) -> None:
        response = self.api("alice").get(self.url, {"serial": f"{MARKER_B}-9", "case_reference": "X"})
        self.assertEqual(response.json()["count"], 0)
        self.assertNotIn(MARKER_B, response.content.decode().replace(f"{MARKER_B}-9", ""))
        response = self.api("carlos").get(self.url, {"serial": "ABC123", "case_reference": "X"})
        self.assertEqual([r["public_id"] for r in response.json()["results"]], [str(self.firearms.glock_b.public_id)])


class HitNoticeInboxApiTest(RegistryExtrasTestCase):
    def test_unread_first(self) -> None:
        client = self.api("alice")
        client.get("/api/v1/serial-lookup/", {"serial": "TX0001", "case_reference": "C-1"})
        client.post(reverse("api:hitnotice-read", args=[self.a.notice.public_id]))
        rows = results(client.get("/api/v1/hit-notices/"))
        self.assertEqual([r["read_at"] is None for r in rows], [True, False])
        self.assertEqual([r["public_id"] for r in results(client.get("/api/v1/hit-notices/", {"unread": "true"}))],
                         [rows[0]["public_id"]])


class SchemaTest(RegistryExtrasTestCase):
    def test_the_openapi_schema_describes_the_registry(self) -> None:
        response = self.api("alice").get("/api/v1/schema/", {"format": "json"})
        self.assertEqual(response.status_code, 200)
        paths = response.json()["paths"]
        for path in ("/api/v1/firearms/", "/api/v1/firearms/{public_id}/events/", "/api/v1/serial-lookup/",
                     "/api/v1/hit-notices/{public_id}/read/", "/api/v1/photos/{public_id}/image/"):
            self.assertIn(path, paths)
        self.assertIn("post", paths["/api/v1/firearms/{public_id}/markings/"])
