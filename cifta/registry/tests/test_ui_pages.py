"""Registry pages: the list, a firearm's record, who may see and do what."""

from __future__ import annotations

from django.urls import reverse

from cifta.registry.models import Firearm
from cifta.registry.tests.test_api_battery import PNG, RegistryExtrasTestCase
from cifta.testing.world import MARKER_A, MARKER_B


def field_block(html: str, field: str) -> str:
    """The ``<div class="field">`` of one form field."""
    for block in html.split('<div class="field">')[1:]:
        if f'name="{field}"' in block:
            return block.split('<div class="field">')[0]
    raise AssertionError(f"no field {field!r} in the form")


class FirearmListPageTest(RegistryExtrasTestCase):
    url = reverse("registry:firearm_list")

    def test_the_list_shows_ones_own_firearms_only(self) -> None:
        for name in ("alice", "bob", "aude"):
            response = self.web(name).get(self.url)
            self.assertEqual(response.status_code, 200, name)
            self.assertEqual({f.pk for f in response.context["page"]},
                             {self.firearms.glock_a.pk, self.firearms.lost_a.pk, self.firearms.seized_a.pk}, name)
            html = response.content.decode()
            self.assertNotIn(MARKER_B, html)
            self.assertIn('<th scope="col">', html)

    def test_the_list_needs_a_login_and_gives_the_secretariat_nothing(self) -> None:
        self.assertEqual(self.client.get(self.url).status_code, 302)
        response = self.web("sam").get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(list(response.context["page"]), [])
        self.assertNotIn(MARKER_A, response.content.decode())

    def test_filters_and_sort(self) -> None:
        client = self.web("alice")

        def serials(**params: str) -> list[str]:
            return [f.serial_key for f in client.get(self.url, params).context["page"]]

        self.assertEqual(serials(q="abc 123"), ["ABC123"])
        self.assertEqual(serials(q="nothing-like-it"), [])
        self.assertEqual(serials(status="lost"), ["TX0001"])
        self.assertEqual(serials(make="GLCK"), ["ABC123"])
        self.assertEqual(serials(calibre="9x19", ordering="-serial"), ["TX0001", "ABC123"])
        self.assertEqual(serials(compliant="true"), ["ABC123"])
        self.assertEqual(set(serials(compliant="false")), {"TX0001", self.firearms.seized_a.serial_key})
        self.assertEqual(serials(holding_agency=str(self.world.agency_a.public_id), ordering="serial"),
                         ["ABC123", "TX0001"])

    def test_export_links_only_for_roles_that_may_export(self) -> None:
        self.assertContains(self.web("alice").get(self.url, {"status": "lost"}),
                            reverse("registry:firearm_export_csv") + "?status=lost")
        self.assertNotContains(self.web("bob").get(self.url), reverse("registry:firearm_export_csv"))

    def test_a_list_longer_than_the_count_cap_says_more_than_and_pages_up_to_the_cap(self) -> None:
        client = self.web("alice")
        with self.settings(CIFTA_LIST_COUNT_CAP=2):
            response = client.get(self.url)
            page = response.context["page"]
            self.assertTrue(page.paginator.capped)
            self.assertEqual(page.paginator.count, 2)
            self.assertContains(response, "More than 2 firearms")
            self.assertEqual(len(page), 2)  # 50 a page, but no further than the cap
            self.assertContains(client.get(self.url, {"page": "9"}), "More than 2 firearms")
            exact = client.get(self.url, {"status": "lost"})
            self.assertFalse(exact.context["page"].paginator.capped)
            self.assertContains(exact, "1 firearm")
        with self.settings(CIFTA_LIST_COUNT_CAP=3):
            self.assertFalse(client.get(self.url).context["page"].paginator.capped)  # exactly at the cap

    def test_the_list_stays_within_a_query_budget(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = self.web("alice")
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(client.get(self.url, {"compliant": "false"}).status_code, 200)
        self.assertLessEqual(len(queries), 15, [q["sql"] for q in queries.captured_queries])


class FirearmDetailPageTest(RegistryExtrasTestCase):
    def test_the_record_shows_serials_markings_photos_timeline_and_history_tab(self) -> None:
        glock = self.firearms.glock_a
        response = self.web("bob").get(glock.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        for text in ("ABC123", "Glock", "GLOCK AUSTRIA ABC123", f"MARK {MARKER_A}", "manufactured", "marked",
                     reverse("registry:photo_image", args=[self.a.photo.public_id]),
                     reverse("history", args=["registry.firearm", glock.public_id])):
            self.assertIn(text, html)
        self.assertNotIn("/media/", html)
        self.assertNotIn(MARKER_B, html)

    def test_another_countrys_firearm_is_404_everywhere(self) -> None:
        client = self.web("alice")
        b = self.firearms.private_b
        for name in ("firearm_detail", "firearm_edit", "event_add", "marking_add", "photo_add", "state_marking"):
            url = reverse(f"registry:{name}", args=[b.public_id])
            self.assertEqual(client.get(url).status_code, 404, name)
            self.assertEqual(client.post(url, {"kind": "destroyed", "occurred_on": "2024-01-01"}).status_code, 404,
                             name)
        self.assertEqual(client.get(reverse("registry:photo_image", args=[self.b.photo.public_id])).status_code, 404)
        self.assertEqual(Firearm.unscoped.get(pk=b.pk).status, "registered")

    def test_a_photo_is_served_through_the_scope(self) -> None:
        response = self.web("bob").get(reverse("registry:photo_image", args=[self.a.photo.public_id]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), PNG)
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")

    def test_a_viewer_sees_no_action_and_gets_403_on_write_pages(self) -> None:
        glock = self.firearms.glock_a
        client = self.web("bob")
        html = client.get(glock.get_absolute_url()).content.decode()
        self.assertNotIn(reverse("registry:event_add", args=[glock.public_id]), html)
        before = self.changes_count()
        for name in ("firearm_edit", "event_add", "marking_add", "photo_add", "state_marking"):
            url = reverse(f"registry:{name}", args=[glock.public_id])
            self.assertEqual(client.get(url).status_code, 403, name)
            self.assertEqual(client.post(url, {"kind": "reported_lost", "occurred_on": "2024-01-01",
                                               "text": "X", "notes": "x"}).status_code, 403, name)
        for name in ("firearm_register", "holder_new"):
            self.assertEqual(client.get(reverse(f"registry:{name}")).status_code, 403, name)
        self.assertEqual(client.post(reverse("registry:hit_read", args=[self.a.notice.public_id])).status_code, 403)
        self.assertEqual(self.changes_count(), before)

    def test_the_secretariat_keeps_no_firearms(self) -> None:
        client = self.web("sara")  # a Secretariat administrator may add records elsewhere
        self.assertEqual(client.get(reverse("registry:firearm_register")).status_code, 403)
        self.assertEqual(client.get(reverse("registry:holder_new")).status_code, 403)

    def test_an_officer_sees_the_actions(self) -> None:
        glock = self.firearms.glock_a
        html = self.web("alice").get(glock.get_absolute_url()).content.decode()
        for name in ("event_add", "marking_add", "photo_add", "state_marking", "firearm_edit"):
            self.assertIn(reverse(f"registry:{name}", args=[glock.public_id]), html)

    def test_personal_data_is_hidden_from_roles_without_it(self) -> None:
        glock = self.firearms.glock_a
        client = self.web("alice")
        response = client.post(reverse("registry:event_add", args=[glock.public_id]),
                               {"kind": "holder_changed", "occurred_on": "2024-08-01",
                                "civilian_holder": str(self.a.holder.public_id)})
        self.assertEqual(response.status_code, 302, response.content)
        self.assertContains(client.get(glock.get_absolute_url()), f"Holder {MARKER_A}")
        for name in ("bob", "aude"):
            html = self.web(name).get(glock.get_absolute_url()).content.decode()
            self.assertNotIn(f"Holder {MARKER_A}", html, name)
            self.assertNotIn("LIC-A", html, name)
            self.assertIn("licensed civilian holder (hidden)", html, name)
            self.assertEqual(self.web(name).get(self.a.holder.get_absolute_url()).status_code, 403, name)

    def test_the_holder_pages(self) -> None:
        client = self.web("alice")
        self.assertContains(client.get(reverse("registry:holder_list")), f"Holder {MARKER_A}")
        self.assertNotContains(client.get(reverse("registry:holder_list")), MARKER_B)
        self.assertEqual(client.get(self.b.holder.get_absolute_url()).status_code, 404)
        response = client.post(reverse("registry:holder_new"), {"full_name": "  ", "licence_number": "L"})
        self.assertEqual(response.status_code, 400)
        self.assertIn('role="alert"', field_block(response.content.decode(), "full_name"))
        response = client.post(reverse("registry:holder_new"), {"full_name": "Ana Pérez", "licence_number": "L-1"})
        self.assertEqual(response.status_code, 302)
        self.assertContains(client.get(response["Location"]), "Ana Pérez")
