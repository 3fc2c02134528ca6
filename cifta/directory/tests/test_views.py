"""The directory's pages: who sees what, in which language, and who may write."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.urls import reverse

from cifta.core.models import ObjectChange
from cifta.directory.models import Agency, Country
from cifta.directory.tests.helpers import DirectoryTestCase
from cifta.testing.world import MARKER_A, MARKER_B

COUNTRY_LINK = re.compile(r'href="/directory/countries/([A-Z]{2,3})/"')


def field_block(html: str, field: str) -> str:
    """The ``<div class="field">`` of one form field, as rendered by core/_form.html."""
    for block in html.split('<div class="field">')[1:]:
        if f'name="{field}"' in block:
            return block
    raise AssertionError(f"no field {field!r} in the form")


class CountryPagesTests(DirectoryTestCase):
    __test__ = False

    def test_country_list_shows_the_35_member_states_to_any_logged_in_user(self) -> None:
        members = set(Country.objects.member_states().values_list("code", flat=True))
        for name in ("alice", "bob", "nadia", "aude", "carlos", "sam", "sara", "root"):
            response = self.web(name).get(reverse("directory:country_list"))
            self.assertEqual(response.status_code, 200, name)
            self.assertEqual(len(response.context["countries"]), 35, name)
            self.assertEqual(set(COUNTRY_LINK.findall(response.content.decode())), members, name)

    def test_country_list_needs_a_login(self) -> None:
        response = self.client.get(reverse("directory:country_list"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse(settings.LOGIN_URL)))

    def test_country_list_is_in_spanish_when_the_browser_asks_for_it(self) -> None:
        html = self.web("alice").get(reverse("directory:country_list"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
        self.assertIn("Estados Unidos", html)
        self.assertIn("Brasil", html)
        self.assertNotIn("United States", html)
        self.assertNotIn("Brazil", html)

    def test_country_list_follows_the_language_chosen_in_the_session(self) -> None:
        client = self.web("bob")
        response = client.post(reverse("set_language"), {"language": "es", "next": "/directory/"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(client.cookies[settings.LANGUAGE_COOKIE_NAME].value, "es")
        html = client.get(reverse("directory:country_list")).content.decode()
        self.assertIn("Estados Unidos", html)
        self.assertNotIn("United States", html)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
        self.assertIn("Brésil", client.get(reverse("directory:country_list")).content.decode())

    def test_country_list_filters_by_status(self) -> None:
        response = self.web("alice").get(reverse("directory:country_list"), {"cifta_status": "signed"})
        self.assertEqual({c.code for c in response.context["countries"]}, {"CA", "US"})

    def test_country_detail_of_b_shows_its_published_contact_only(self) -> None:
        for name in ("alice", "sam"):
            response = self.web(name).get(reverse("directory:country_detail", args=["MX"]))
            self.assertEqual(response.status_code, 200)
            html = response.content.decode()
            self.assertIn("Contact B", html)
            self.assertIn("contact@b.test", html)
            self.assertNotIn("Internal B", html)
            self.assertNotIn(MARKER_B, html)
            self.assertEqual(list(response.context["agencies"]), [])

    def test_country_detail_of_ones_own_country_lists_its_agencies(self) -> None:
        response = self.web("alice").get(reverse("directory:country_detail", args=["co"]))
        self.assertEqual({a.name for a in response.context["agencies"]}, {"Registry A", f"Arsenal A {MARKER_A}"})
        # A's own unpublished contact is listed to A.
        self.assertEqual({c.full_name for c in response.context["contacts"]}, {"Contact A", f"Internal A {MARKER_A}"})
        self.assertNotIn(MARKER_B, response.content.decode())

    def test_country_detail_of_an_unknown_code_is_404(self) -> None:
        self.assertEqual(self.web("alice").get(reverse("directory:country_detail", args=["ZZ"])).status_code, 404)


class AgencyPagesTests(DirectoryTestCase):
    __test__ = False

    def new_agency_payload(self, **overrides: Any) -> dict[str, Any]:
        return {"name": "Customs A", "acronym": "", "kind": "customs", "city": "", "email": "", "phone": "",
                "is_active": "on", **overrides}

    def test_agency_list_shows_ones_own_agencies_only(self) -> None:
        response = self.web("alice").get(reverse("directory:agency_list"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual({a.name for a in response.context["page"]}, {"Registry A", f"Arsenal A {MARKER_A}"})
        html = response.content.decode()
        self.assertNotIn("Registry B", html)
        self.assertNotIn(MARKER_B, html)
        self.assertNotIn("Secretariat unit", html)

    def test_agency_list_filters_by_kind(self) -> None:
        response = self.web("alice").get(reverse("directory:agency_list"), {"kind": "armed_forces"})
        self.assertEqual([a.name for a in response.context["page"]], [f"Arsenal A {MARKER_A}"])

    def test_agency_detail_of_another_country_is_404(self) -> None:
        client = self.web("alice")
        self.assertEqual(client.get(self.world.agency_a.get_absolute_url()).status_code, 200)
        self.assertEqual(client.get(self.world.agency_b.get_absolute_url()).status_code, 404)

    def test_national_admin_creates_an_agency_of_her_country(self) -> None:
        client = self.web("nadia")
        self.assertEqual(client.get(reverse("directory:agency_new")).status_code, 200)
        response = client.post(reverse("directory:agency_new"), self.new_agency_payload())
        agency = Agency.unscoped.get(name="Customs A")
        self.assertRedirects(response, agency.get_absolute_url())
        self.assertEqual(agency.country_id, self.world.country_a.pk)
        self.assertEqual(agency.kind, Agency.Kind.CUSTOMS)
        change = ObjectChange.unscoped.get(object_type="directory.agency", object_id=agency.pk)
        self.assertEqual((change.action, change.source, change.actor_id), ("create", "web", self.world.nadia.pk))
        self.assertContains(client.get(reverse("directory:agency_list")), "Customs A")

    def test_an_empty_name_is_answered_400_with_the_error_beside_the_field(self) -> None:
        before = self.changes_count()
        response = self.web("nadia").post(reverse("directory:agency_new"), self.new_agency_payload(name="  "))
        self.assertEqual(response.status_code, 400)
        self.assertIn("name", response.context["form"].errors)
        html = response.content.decode()
        self.assertIn('role="alert"', field_block(html, "name"))
        self.assertIn("This field is required.", field_block(html, "name"))
        self.assertNotIn('role="alert"', field_block(html, "kind"))
        self.assertIn('value="customs" selected', html)  # what was typed is kept
        self.assertEqual(self.changes_count(), before)

    def test_a_duplicate_name_is_answered_400_beside_the_name_field(self) -> None:
        before = self.changes_count()
        response = self.web("nadia").post(reverse("directory:agency_new"), self.new_agency_payload(name="Registry A"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("already exists", field_block(response.content.decode(), "name"))
        self.assertEqual(self.changes_count(), before)

    def test_a_bad_kind_is_answered_400_beside_the_kind_field(self) -> None:
        response = self.web("nadia").post(reverse("directory:agency_new"), self.new_agency_payload(kind="spaceship"))
        self.assertEqual(response.status_code, 400)
        self.assertIn('role="alert"', field_block(response.content.decode(), "kind"))
        self.assertFalse(Agency.unscoped.filter(name="Customs A").exists())

    def test_viewer_and_officer_may_not_create_agencies(self) -> None:
        before = self.changes_count()
        for name in ("bob", "alice", "aude"):
            client = self.web(name)
            self.assertEqual(client.get(reverse("directory:agency_new")).status_code, 403, name)
            self.assertEqual(client.post(reverse("directory:agency_new"), self.new_agency_payload()).status_code,
                             403, name)
            self.assertEqual(client.get(reverse("directory:agency_edit", args=[self.world.agency_a.public_id]))
                             .status_code, 403, name)
        self.assertFalse(Agency.unscoped.filter(name="Customs A").exists())
        self.assertEqual(self.changes_count(), before)

    def test_national_admin_edits_her_own_agency(self) -> None:
        client = self.web("nadia")
        url = reverse("directory:agency_edit", args=[self.world.agency_a.public_id])
        self.assertEqual(client.get(url).status_code, 200)
        response = client.post(url, self.new_agency_payload(name="Registry A", kind="registry", city="Bogotá"))
        self.assertRedirects(response, self.world.agency_a.get_absolute_url())
        self.assertEqual(Agency.unscoped.get(pk=self.world.agency_a.pk).city, "Bogotá")

    def test_editing_another_countrys_agency_is_404(self) -> None:
        before = self.changes_count()
        url = reverse("directory:agency_edit", args=[self.world.agency_b.public_id])
        client = self.web("nadia")
        self.assertEqual(client.get(url).status_code, 404)
        self.assertEqual(client.post(url, self.new_agency_payload(name="Hijacked")).status_code, 404)
        self.assertEqual(Agency.unscoped.get(pk=self.world.agency_b.pk).name, "Registry B")
        self.assertEqual(self.changes_count(), before)


class ContactAndHistoryPagesTests(DirectoryTestCase):
    __test__ = False

    def test_contact_list_shows_own_and_published_contacts(self) -> None:
        response = self.web("alice").get(reverse("directory:contact_list"))
        names = {c.full_name for c in response.context["page"]}
        self.assertIn("Contact A", names)
        self.assertIn(f"Internal A {MARKER_A}", names)
        self.assertIn("Contact B", names)
        self.assertNotIn(MARKER_B, response.content.decode())

    def test_contact_list_filters_by_country_code(self) -> None:
        response = self.web("alice").get(reverse("directory:contact_list"), {"country": "mx"})
        self.assertEqual([c.full_name for c in response.context["page"]], ["Contact B"])

    def test_published_contact_of_b_is_readable_but_its_edit_page_is_404(self) -> None:
        client = self.web("nadia")
        detail = client.get(self.world.contact_b.get_absolute_url())
        self.assertEqual(detail.status_code, 200)
        edit_url = reverse("directory:contact_edit", args=[self.world.contact_b.public_id])
        self.assertNotContains(detail, edit_url)
        before = self.changes_count()
        self.assertEqual(client.get(edit_url).status_code, 404)
        response = client.post(edit_url, {"agency": self.world.agency_a.pk, "full_name": "Hijacked",
                                          "email": "h@a.test", "published": "on", "is_active": "on"})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.changes_count(), before)

    def test_unpublished_contact_of_b_is_404(self) -> None:
        client = self.web("nadia")
        self.assertEqual(client.get(self.world.hidden_contact_b.get_absolute_url()).status_code, 404)

    def test_contact_form_offers_only_ones_own_agencies(self) -> None:
        response = self.web("nadia").get(reverse("directory:contact_new"))
        self.assertEqual(response.status_code, 200)
        choices = set(response.context["form"].fields["agency"].queryset.values_list("name", flat=True))
        self.assertEqual(choices, {"Registry A", f"Arsenal A {MARKER_A}"})
        self.assertNotIn("Registry B", response.content.decode())

    def test_contact_form_refuses_an_agency_of_another_country(self) -> None:
        before = self.changes_count()
        response = self.web("nadia").post(reverse("directory:contact_new"), {
            "agency": self.world.agency_b.pk, "full_name": "Smuggled", "email": "s@a.test", "is_active": "on"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("agency", response.context["form"].errors)
        self.assertEqual(self.changes_count(), before)

    def test_history_tab_shows_the_creation_of_ones_own_agency(self) -> None:
        url = reverse("history", args=["directory.agency", self.world.agency_a.public_id])
        response = self.web("alice").get(url)
        self.assertEqual(response.status_code, 200)
        changes = list(response.context["changes"])
        self.assertEqual([c.action for c in changes], ["create"])
        self.assertEqual(changes[0].object_id, self.world.agency_a.pk)
        self.assertContains(response, "system:test-world")
        self.assertContains(response, "directory.agency.created")

    def test_history_tab_of_another_countrys_agency_is_404(self) -> None:
        url = reverse("history", args=["directory.agency", self.world.agency_b.public_id])
        self.assertEqual(self.web("alice").get(url).status_code, 404)
        self.assertEqual(self.web("carlos").get(url).status_code, 200)


class DirectoryPagesTest(CountryPagesTests, AgencyPagesTests, ContactAndHistoryPagesTests):
    __test__ = True
