"""Changing one's password, and setting a new one through the e-mailed reset link."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from cifta.accounts import events, services
from cifta.accounts.models import User
from cifta.accounts.tests.support import STRONG_PASSWORD, AccountsTestCase

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
LINK = re.compile(r"https?://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)")


class PasswordChangeTest(AccountsTestCase):
    def change(self, client: Client, old: str, new1: str, new2: str | None = None):
        return client.post(reverse("accounts:password_change"), {
            "old_password": old, "new_password1": new1, "new_password2": new1 if new2 is None else new2,
        })

    def test_it_shows_the_form(self):
        response = self.web("alice").get(reverse("accounts:password_change"))
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "accounts/password_change.html")

    def test_it_asks_to_log_in_first(self):
        response = Client().get(reverse("accounts:password_change"))
        self.assertRedirects(response, f"{reverse('accounts:login')}?next={reverse('accounts:password_change')}")

    def test_it_changes_the_password_and_keeps_the_session(self):
        client = self.web("alice")
        response = self.change(client, self.password, STRONG_PASSWORD)
        self.assertRedirects(response, reverse("accounts:profile"))
        alice = User.objects.get(pk=self.world.alice.pk)
        self.assertTrue(alice.check_password(STRONG_PASSWORD))
        self.assertFalse(alice.check_password(self.password))
        self.assertEqual(client.get(reverse("home")).status_code, 200)
        self.assertTrue(alice.password.startswith("argon2"))

    def test_it_records_the_change_without_the_password(self):
        before = self.last_event_seq()
        self.change(self.web("alice"), self.password, STRONG_PASSWORD)
        rows = self.events_since(before, verb=events.PASSWORD_CHANGED)
        self.assertEqual(rows.count(), 1)
        row = rows.get()
        self.assertEqual(row.actor_id, self.world.alice.pk)
        self.assertEqual(row.country_id, self.world.country_a.pk)
        self.assertNotIn(STRONG_PASSWORD, str(row.payload))

    def test_it_lets_the_user_log_in_with_the_new_password_only(self):
        self.change(self.web("alice"), self.password, STRONG_PASSWORD)
        fresh = Client()
        response = fresh.post(reverse("accounts:login"), {"username": "alice", "password": self.password})
        self.assertEqual(response.status_code, 200)
        response = fresh.post(reverse("accounts:login"), {"username": "alice", "password": STRONG_PASSWORD})
        self.assertRedirects(response, reverse("home"))

    def test_it_logs_out_the_users_other_sessions(self):
        here, elsewhere = self.web("alice"), self.web("alice")
        self.assertEqual(elsewhere.get(reverse("home")).status_code, 200)
        self.change(here, self.password, STRONG_PASSWORD)
        self.assertEqual(here.get(reverse("home")).status_code, 200)
        self.assertEqual(elsewhere.get(reverse("home")).status_code, 302)

    def test_it_keeps_the_proven_second_factor_of_the_session(self):
        client = self.web("nadia")
        self.assertRedirects(self.change(client, self.password, STRONG_PASSWORD), reverse("accounts:profile"))
        self.assertEqual(client.get(reverse("accounts:member_list")).status_code, 200)

    def test_it_refuses_a_wrong_old_password(self):
        before = self.last_event_seq()
        response = self.change(self.web("alice"), "not-my-password", STRONG_PASSWORD)
        self.assertEqual(response.status_code, 200)
        self.assertIn("old_password", response.context["form"].errors)
        self.assertTrue(User.objects.get(pk=self.world.alice.pk).check_password(self.password))
        self.assertFalse(self.events_since(before, verb=events.PASSWORD_CHANGED).exists())

    def test_it_refuses_weak_or_mismatched_new_passwords(self):
        client = self.web("alice")
        for new1, new2 in (("short1", None), ("password123", None), ("12345678901", None),
                           ("alice-world-test", None), (STRONG_PASSWORD, STRONG_PASSWORD + "x")):
            with self.subTest(new=new1):
                response = self.change(client, self.password, new1, new2)
                self.assertEqual(response.status_code, 200)
                self.assertIn("new_password2", response.context["form"].errors)
        self.assertTrue(User.objects.get(pk=self.world.alice.pk).check_password(self.password))


@override_settings(EMAIL_BACKEND=LOCMEM)
class PasswordResetTest(AccountsTestCase):
    def request_link(self, email: str, client: Client | None = None):
        return (client or Client()).post(reverse("accounts:password_reset"), {"email": email})

    def link_in(self, message) -> str:
        found = LINK.search(message.body)
        self.assertIsNotNone(found, message.body)
        return found.group(1)

    def set_password_through(self, link: str, password: str, client: Client | None = None):
        client = client or Client()
        response = client.get(link)
        # Django swaps the token for a session marker and redirects to the form.
        self.assertEqual(response.status_code, 302)
        form_url = response["Location"]
        form = client.get(form_url)
        self.assertEqual(form.status_code, 200)
        self.assertTrue(form.context["validlink"])
        return client.post(form_url, {"new_password1": password, "new_password2": password})

    def test_it_shows_the_request_form(self):
        response = Client().get(reverse("accounts:password_reset"))
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "accounts/password_reset.html")

    def test_it_sends_one_email_with_a_link_to_a_known_address(self):
        response = self.request_link("alice@world.test")
        self.assertRedirects(response, reverse("accounts:password_reset_done"))
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["alice@world.test"])
        self.assertIn("cifta", message.subject)
        self.assertIn("alice", message.body)
        self.link_in(message)

    def test_it_matches_the_address_without_regard_to_case(self):
        self.request_link("ALICE@World.Test")
        self.assertEqual(len(mail.outbox), 1)

    def test_it_lets_the_link_set_a_new_password(self):
        self.request_link("alice@world.test")
        response = self.set_password_through(self.link_in(mail.outbox[0]), STRONG_PASSWORD)
        self.assertRedirects(response, reverse("accounts:password_reset_complete"))
        self.assertTrue(User.objects.get(pk=self.world.alice.pk).check_password(STRONG_PASSWORD))
        login = Client().post(reverse("accounts:login"), {"username": "alice", "password": STRONG_PASSWORD})
        self.assertRedirects(login, reverse("home"))

    def test_it_audits_the_request_and_the_new_password(self):
        before = self.last_event_seq()
        self.request_link("alice@world.test")
        self.assertEqual(self.events_since(before, verb=events.PASSWORD_RESET_REQUESTED).count(), 1)
        self.set_password_through(self.link_in(mail.outbox[0]), STRONG_PASSWORD)
        changed = self.events_since(before, verb=events.PASSWORD_CHANGED).get()
        self.assertEqual(changed.actor_id, self.world.alice.pk)
        self.assertEqual(changed.payload["by"], "reset link")

    def test_it_answers_an_unknown_address_the_same_way_and_sends_nothing(self):
        known = self.request_link("alice@world.test")
        mail.outbox.clear()
        unknown = self.request_link("nobody@nowhere.test")
        self.assertRedirects(unknown, reverse("accounts:password_reset_done"))
        self.assertEqual(unknown["Location"], known["Location"])
        self.assertEqual(len(mail.outbox), 0)

    def test_it_sends_nothing_to_an_inactive_user(self):
        User.objects.filter(pk=self.world.alice.pk).update(is_active=False)
        self.assertRedirects(self.request_link("alice@world.test"), reverse("accounts:password_reset_done"))
        self.assertEqual(len(mail.outbox), 0)

    def test_it_ends_existing_sessions_when_the_password_is_reset(self):
        session = self.web("alice")
        self.request_link("alice@world.test")
        self.set_password_through(self.link_in(mail.outbox[0]), STRONG_PASSWORD)
        self.assertEqual(session.get(reverse("home")).status_code, 302)

    def test_it_accepts_a_link_only_once(self):
        self.request_link("alice@world.test")
        link = self.link_in(mail.outbox[0])
        self.set_password_through(link, STRONG_PASSWORD)
        response = Client().get(link, follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.context["validlink"])

    def test_it_refuses_a_tampered_link(self):
        self.request_link("alice@world.test")
        link = self.link_in(mail.outbox[0])
        uid, token = link.rstrip("/").split("/")[-2:]
        response = Client().get(reverse("accounts:password_reset_confirm", args=[uid, token[:-3] + "abc"]))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.context["validlink"])

    def test_it_refuses_a_weak_new_password_through_the_link(self):
        self.request_link("alice@world.test")
        response = self.set_password_through(self.link_in(mail.outbox[0]), "short")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors)
        self.assertTrue(User.objects.get(pk=self.world.alice.pk).check_password(self.password))

    def test_it_sends_a_link_to_a_new_user_who_has_no_password_yet(self):
        # Users created by an administrator have no password until they follow an e-mailed
        # link; when that first link has expired, they must be able to ask for another.
        with self.acting(self.world.nadia, [self.world.country_a]):
            newbie = services.create_user(actor=self.world.nadia, username="newbie", email="newbie@a.test",
                                          agency=self.world.agency_a, role="officer")
        self.assertFalse(newbie.has_usable_password())
        self.request_link("newbie@a.test")
        self.assertEqual(len(mail.outbox), 1)
        self.set_password_through(self.link_in(mail.outbox[0]), STRONG_PASSWORD)
        self.assertTrue(User.objects.get(pk=newbie.pk).check_password(STRONG_PASSWORD))
        login = Client().post(reverse("accounts:login"), {"username": "newbie", "password": STRONG_PASSWORD})
        self.assertRedirects(login, reverse("home"))
