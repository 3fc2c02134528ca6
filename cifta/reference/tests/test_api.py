"""The reference API: everyone authenticated reads; Secretariat administrators write calibres and
manufacturers through the services."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cifta.core.models import ObjectChange
from cifta.reference.models import Calibre, Manufacturer
from cifta.reference.selectors import resolve_calibre, resolve_manufacturer
from cifta.reference.services import template_id
from cifta.reference.tests.helpers import ReferenceTestCase

API = "/api/v1"


def rows(response: Any) -> list[dict[str, Any]]:
    return response.json()["results"]  # type: ignore[no-any-return]


class ReadApiTests(ReferenceTestCase):
    def test_every_list_answers_every_user(self) -> None:
        expected = {"firearm-types": 13, "part-types": 7, "calibres": 33, "manufacturers": 20, "firearm-models": 27}
        for name in ("alice", "bob", "carlos", "sam", "sara", "root"):
            client = self.api(name)
            for path, count in expected.items():
                response = client.get(f"{API}/{path}/")
                self.assertEqual(response.status_code, 200, f"{name} {path}")
                self.assertEqual(response.json()["count"], count, f"{name} {path}")

    def test_anonymous_callers_are_refused(self) -> None:
        for path in ("firearm-types", "calibres", "manufacturers", "firearm-models"):
            self.assertIn(self.api(None).get(f"{API}/{path}/").status_code, (401, 403))

    def test_calibre_search_resolves_any_alias(self) -> None:
        client = self.api("alice")
        found = rows(client.get(f"{API}/calibres/", {"q": "9mm Luger"}))
        self.assertEqual([c["code"] for c in found], ["9x19"])
        self.assertIn("9 mm Parabellum", found[0]["aliases"])
        for text, code in ((".380 ACP", "9x17"), ("9x18 Makarov", "9x18"), ("12 GA", "12ga"),
                           ("5.56 NATO", "556x45"), (".223 Remington", "223rem")):
            self.assertEqual([c["code"] for c in rows(client.get(f"{API}/calibres/", {"q": text}))], [code], text)
        gauges = rows(client.get(f"{API}/calibres/", {"kind": "gauge"}))
        self.assertEqual(len(gauges), 5)
        self.assertEqual(client.get(f"{API}/calibres/", {"kind": "rocket"}).status_code, 400)

    def test_calibre_detail_by_code(self) -> None:
        response = self.api("carlos").get(f"{API}/calibres/12ga/")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual((body["designation"], body["kind"], body["standard"]), ("12 gauge", "gauge", "SAAMI"))
        self.assertIn("12 GA", body["aliases"])
        self.assertEqual(self.api("carlos").get(f"{API}/calibres/nope/").status_code, 404)

    def test_manufacturer_search_and_detail(self) -> None:
        client = self.api("alice")
        for text, code in (("S&W", "SMWE"), ("GLOCK INC", "GLCK"), ("Heckler", "HKGE"), ("glck", "GLCK")):
            self.assertIn(code, [m["code"] for m in rows(client.get(f"{API}/manufacturers/", {"q": text}))], text)
        self.assertEqual([m["code"] for m in rows(client.get(f"{API}/manufacturers/", {"q": "GLOCK INC"}))],
                         ["GLCK"])
        self.assertEqual({m["code"] for m in rows(client.get(f"{API}/manufacturers/", {"country_code": "RU"}))},
                         {"IZHM", "KALA"})
        body = client.get(f"{API}/manufacturers/kala/").json()
        self.assertEqual(body["name"], "Kalashnikov Concern")
        self.assertEqual(body["predecessors"], [{"code": "IZHM", "name": "Izhmash", "year": 2013}])
        self.assertIn({"name": "KALASHNIKOV", "role": "brand"}, body["aliases"])
        izhmash = client.get(f"{API}/manufacturers/IZHM/").json()
        self.assertEqual(izhmash["successors"], [{"code": "KALA", "name": "Kalashnikov Concern", "year": 2013}])

    def test_models_filter_by_maker_and_type_with_variants_nested(self) -> None:
        client = self.api("bob")
        glocks = rows(client.get(f"{API}/firearm-models/", {"manufacturer": "GLCK"}))
        self.assertEqual({m["name"] for m in glocks}, {"17", "19", "22"})
        shotguns = rows(client.get(f"{API}/firearm-models/", {"type": "shotgun"}))
        self.assertEqual({(m["manufacturer"], m["name"]) for m in shotguns}, {("REMG", "870"), ("MOSB", "500")})
        both = rows(client.get(f"{API}/firearm-models/", {"manufacturer": "MOSB", "type": "shotgun"}))
        self.assertEqual(len(both), 1)
        variants = {v["calibre"]: v for v in both[0]["variants"]}
        self.assertEqual(set(variants), {"12ga", "20ga", "410bore"})
        self.assertEqual(variants["12ga"]["template_id"], template_id("MOSB", "500", "12ga", "pump"))
        detail = client.get(f"{API}/firearm-models/{both[0]['public_id']}/")
        self.assertEqual(detail.json()["variants"], both[0]["variants"])
        self.assertEqual(client.get(f"{API}/firearm-models/", {"manufacturer": "NOPE"}).status_code, 400)

    def test_types_and_parts_by_code(self) -> None:
        client = self.api("alice")
        body = client.get(f"{API}/firearm-types/mortar/").json()
        self.assertEqual((body["category"], body["cifta_class"]), ("light_weapon", "barrelled"))
        essential = rows(client.get(f"{API}/part-types/", {"is_essential": "true"}))
        self.assertEqual({p["code"] for p in essential}, {"frame", "receiver"})

    def test_lists_stay_within_a_query_budget(self) -> None:
        client = self.api("alice")
        for path in ("calibres", "manufacturers", "firearm-models"):
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(client.get(f"{API}/{path}/", {"limit": 1000}).status_code, 200)
            self.assertLess(len(queries), 20, path)


class WriteApiTests(ReferenceTestCase):
    CALIBRE = {"code": "65cm", "designation": "6.5 mm Creedmoor", "kind": "cartridge", "standard": "SAAMI",
               "marking_code": "38", "aliases": ["6.5 Creedmoor", "6.5 CM"]}

    def test_readers_may_not_write(self) -> None:
        for name in ("alice", "bob", "nadia", "carlos", "sam"):
            client = self.api(name)
            before = ObjectChange.unscoped.count()
            self.assertEqual(client.post(f"{API}/calibres/", self.CALIBRE, format="json").status_code, 403, name)
            self.assertEqual(client.patch(f"{API}/calibres/9x19/", {"aliases": []}, format="json").status_code,
                             403, name)
            self.assertEqual(client.post(f"{API}/manufacturers/", {"code": "ACME"}, format="json").status_code,
                             403, name)
            self.assertIn(client.post(f"{API}/firearm-models/", {}, format="json").status_code, (403, 405))
            self.assertEqual(ObjectChange.unscoped.count(), before)
        self.assertEqual(len(Calibre.objects.get(code="9x19").aliases.all()), 7)

    def test_sara_creates_and_changes_a_calibre(self) -> None:
        client = self.api("sara")
        response = client.post(f"{API}/calibres/", self.CALIBRE, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(set(response.json()["aliases"]), {"6.5 mm Creedmoor", "6.5 Creedmoor", "6.5 CM"})
        calibre = Calibre.objects.get(code="65cm")
        self.assertEqual(resolve_calibre("6.5cm"), calibre)
        row = ObjectChange.unscoped.get(object_type="reference.calibre", object_id=calibre.pk)
        self.assertEqual((row.actor_repr, row.source, row.country_id), ("sara", "api", None))
        response = client.patch(f"{API}/calibres/65cm/", {"aliases": ["6.5 CM"], "marking_code": "39"},
                                format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(set(response.json()["aliases"]), {"6.5 mm Creedmoor", "6.5 CM"})
        self.assertEqual(response.json()["marking_code"], "39")
        self.assertIsNone(resolve_calibre("6.5 Creedmoor"))

    def test_an_alias_of_another_calibre_is_a_400_naming_the_field(self) -> None:
        before = ObjectChange.unscoped.count()
        response = self.api("sara").post(f"{API}/calibres/", {**self.CALIBRE, "aliases": ["9 mm Luger"]},
                                         format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("aliases", response.json())
        self.assertEqual(ObjectChange.unscoped.count(), before)
        response = self.api("sara").post(f"{API}/calibres/", {**self.CALIBRE, "code": "9x19"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("code", response.json())

    def test_the_operator_creates_and_changes_a_manufacturer(self) -> None:
        client = self.api("root")
        response = client.post(f"{API}/manufacturers/", {
            "code": "ACME", "name": "Acme Arms", "country_code": "us", "active_from": 1990,
            "aliases": [{"name": "ACME", "role": "brand"}, {"name": "ACME USA", "role": "importer"}],
            "predecessor": {"code": "REMG", "year": 2020}}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["predecessors"], [{"code": "REMG", "name": "Remington", "year": 2020}])
        self.assertEqual(resolve_manufacturer("Acme USA"), Manufacturer.objects.get(code="ACME"))
        response = client.patch(f"{API}/manufacturers/ACME/", {"predecessor": None, "aliases": []}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["predecessors"], [])
        self.assertEqual(response.json()["aliases"], [{"name": "Acme Arms", "role": "manufacturer"}])
        response = client.patch(f"{API}/manufacturers/ACME/", {"country_code": "ZZ"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("country_code", response.json())
