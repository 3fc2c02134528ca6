"""The directory's filter sets (shared by the pages and the API) and its API endpoints."""

from __future__ import annotations

from typing import Any

from cifta.core.models import ObjectChange
from cifta.directory.filtersets import AgencyFilterSet, CountryFilterSet, PointOfContactFilterSet
from cifta.directory.models import Agency, Country, PointOfContact
from cifta.directory.tests.helpers import DirectoryTestCase, acting
from cifta.testing.world import MARKER_B


def rows(response: Any) -> list[dict[str, Any]]:
    return response.json()["results"]  # type: ignore[no-any-return]


class FilterSetTests(DirectoryTestCase):
    __test__ = False

    def countries(self, **params: str) -> set[str]:
        return set(CountryFilterSet(params, queryset=Country.objects.all()).qs.values_list("code", flat=True))

    def test_country_search_matches_names_in_every_language_and_the_code(self) -> None:
        for query in ("Brazil", "Brasil", "Brésil", "brésil", "BR", "br"):
            self.assertIn("BR", self.countries(q=query), query)
        self.assertEqual(self.countries(q="Brésil"), {"BR"})
        self.assertEqual(self.countries(q="Mexique"), {"MX"})
        self.assertEqual(self.countries(q="Estados Unidos"), {"US"})
        self.assertEqual(self.countries(q="Colômbia"), {"CO"})
        self.assertEqual(self.countries(q="Secretaría"), {"OAS"})

    def test_country_filter_by_status_and_kind(self) -> None:
        self.assertEqual(self.countries(cifta_status="signed"), {"CA", "US"})
        self.assertEqual(self.countries(kind="secretariat"), {"OAS"})

    def test_agency_filter_by_kind_stays_in_the_scope(self) -> None:
        with acting([self.world.country_a.pk]):
            found = AgencyFilterSet({"kind": "registry"}, queryset=Agency.objects.all()).qs
            self.assertEqual([a.pk for a in found], [self.world.agency_a.pk])
            found = AgencyFilterSet({"q": "arsenal"}, queryset=Agency.objects.all()).qs
            self.assertEqual([a.country_id for a in found], [self.world.country_a.pk])

    def test_agency_filter_refuses_an_unknown_kind(self) -> None:
        with acting([self.world.country_a.pk]):
            filterset = AgencyFilterSet({"kind": "spaceship"}, queryset=Agency.objects.all())
            self.assertFalse(filterset.is_valid())
            self.assertIn("kind", filterset.errors)

    def test_contact_filter_by_country_code_shows_only_what_the_scope_may_read(self) -> None:
        with acting([self.world.country_a.pk]):
            for code in ("MX", "mx"):
                found = PointOfContactFilterSet({"country": code}, queryset=PointOfContact.objects.all()).qs
                self.assertEqual([c.pk for c in found], [self.world.contact_b.pk])
            found = PointOfContactFilterSet({"country": "CO"}, queryset=PointOfContact.objects.all()).qs
            self.assertEqual({c.pk for c in found}, {self.world.contact_a.pk, self.world.hidden_contact_a.pk})


class ApiFilterTests(DirectoryTestCase):
    __test__ = False

    def test_country_search_on_the_api(self) -> None:
        for query in ("Brasil", "Brésil", "Brazil"):
            response = self.api("alice").get("/api/v1/countries/", {"q": query})
            self.assertEqual(response.status_code, 200)
            self.assertEqual([r["code"] for r in rows(response)], ["BR"], query)

    def test_agency_kind_filter_on_the_api(self) -> None:
        response = self.api("alice").get("/api/v1/agencies/", {"kind": "registry"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual([r["public_id"] for r in rows(response)], [str(self.world.agency_a.public_id)])
        self.assertEqual(rows(self.api("alice").get("/api/v1/agencies/", {"kind": "police"})), [])

    def test_an_unknown_agency_kind_filter_is_400_naming_the_field(self) -> None:
        response = self.api("alice").get("/api/v1/agencies/", {"kind": "spaceship"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("kind", response.json())

    def test_contact_country_filter_on_the_api_returns_only_published_contacts_of_b(self) -> None:
        response = self.api("alice").get("/api/v1/points-of-contact/", {"country": "MX"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual([r["public_id"] for r in rows(response)], [str(self.world.contact_b.public_id)])
        self.assertNotIn(MARKER_B, response.content.decode())
        self.assertEqual(rows(response)[0]["country"], "MX")


class CountryApiTests(DirectoryTestCase):
    __test__ = False

    def test_country_list_shows_36_rows_to_any_authenticated_user(self) -> None:
        for name in ("alice", "bob", "nadia", "carlos", "sam", "root"):
            response = self.api(name).get("/api/v1/countries/")
            self.assertEqual(response.status_code, 200, name)
            self.assertEqual(response.json()["count"], 36, name)
        self.assertIn(self.api(None).get("/api/v1/countries/").status_code, (401, 403))

    def test_countries_are_read_only(self) -> None:
        before = self.changes_count()
        body = {"code": "ZZ", "name_en": "Nowhere", "name_es": "x", "name_fr": "x", "name_pt": "x"}
        for name in ("alice", "bob", "sara", "root"):
            client = self.api(name)
            self.assertIn(client.post("/api/v1/countries/", body, format="json").status_code, (403, 405), name)
            self.assertIn(client.patch("/api/v1/countries/BR/", {"name_en": "X"}, format="json").status_code,
                          (403, 405), name)
            self.assertIn(client.delete("/api/v1/countries/BR/").status_code, (403, 405), name)
        self.assertFalse(Country.objects.filter(code="ZZ").exists())
        self.assertEqual(Country.objects.get(code="BR").name_en, "Brazil")
        self.assertEqual(self.changes_count(), before)

    def test_country_detail_by_code(self) -> None:
        response = self.api("carlos").get("/api/v1/countries/BR/")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual((body["code"], body["alpha3"], body["numeric"]), ("BR", "BRA", "076"))
        self.assertEqual((body["name_fr"], body["cifta_status"]), ("Brésil", "ratified"))
        self.assertEqual(self.api("carlos").get("/api/v1/countries/OAS/").json()["kind"], "secretariat")
        self.assertEqual(self.api("carlos").get("/api/v1/countries/ZZ/").status_code, 404)


class AgencyApiWriteTests(DirectoryTestCase):
    __test__ = False

    def test_officer_without_manage_directory_cannot_create_an_agency(self) -> None:
        before = self.changes_count()
        response = self.api("alice").post("/api/v1/agencies/", {"name": "Police A", "kind": "police"}, format="json")
        self.assertEqual(response.status_code, 403)
        response = self.api("alice").patch(f"/api/v1/agencies/{self.world.agency_a.public_id}/",
                                           {"city": "X"}, format="json")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Agency.unscoped.filter(name="Police A").exists())
        self.assertEqual(self.changes_count(), before)

    def test_a_malformed_body_is_400_naming_the_field_and_writes_nothing(self) -> None:
        before, events = self.changes_count(), self.events_count()
        response = self.api("nadia").post("/api/v1/agencies/", {"name": "Police A", "kind": "spaceship"},
                                          format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.json()), {"kind"})
        self.assertFalse(Agency.unscoped.filter(name="Police A").exists())
        self.assertEqual((self.changes_count(), self.events_count()), (before, events))

    def test_an_empty_or_duplicate_name_is_400_naming_the_field(self) -> None:
        before = self.changes_count()
        for name in ("", "   ", "Registry A"):
            response = self.api("nadia").post("/api/v1/agencies/", {"name": name, "kind": "police"}, format="json")
            self.assertEqual(response.status_code, 400, name)
            self.assertEqual(set(response.json()), {"name"}, name)
        response = self.api("nadia").patch(f"/api/v1/agencies/{self.world.agency_a.public_id}/",
                                           {"name": " "}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("name", response.json())
        self.assertEqual(self.changes_count(), before)

    def test_national_admin_creates_an_agency_through_the_api(self) -> None:
        response = self.api("nadia").post("/api/v1/agencies/", {"name": "Police A", "kind": "police"}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["country"], "CO")
        agency = Agency.unscoped.get(public_id=response.json()["public_id"])
        change = ObjectChange.unscoped.get(object_type="directory.agency", object_id=agency.pk)
        self.assertEqual((change.source, change.actor_id), ("api", self.world.nadia.pk))


class DirectoryFiltersAndApiTest(FilterSetTests, ApiFilterTests, CountryApiTests, AgencyApiWriteTests):
    __test__ = True
