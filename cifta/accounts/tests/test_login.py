"""The login page, logout, expired sessions, and the audit trail of all three."""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cifta.accounts import events, services
from cifta.accounts.models import User
from cifta.accounts.tests.support import AccountsTestCase


class LoginPageTest(AccountsTestCase):
    def login(self, client: Client, username: str, password: str, **extra: str):
        return client.post(reverse("accounts:login"), {"username": username, "password": password, **extra})

    def test_it_shows_the_login_form(self):
        response = self.client.get(reverse("accounts:login"))
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "accounts/login.html")
        self.assertContains(response, 'name="username"')
        self.assertContains(response, 'name="password"')

    def test_it_logs_in_with_the_right_password_and_goes_home(self):
        response = self.login(self.client, "alice", self.password)
        self.assertRedirects(response, reverse("home"))
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.world.alice.pk)
        home = self.client.get(reverse("home"))
        self.assertEqual(home.status_code, 200)
        self.assertEqual(home.wsgi_request.principal.username, "alice")

    def test_it_records_a_login_event_for_the_user(self):
        before = self.last_event_seq()
        self.login(self.client, "alice", self.password)
        rows = self.events_since(before, verb=events.USER_LOGGED_IN)
        self.assertEqual(rows.count(), 1)
        row = rows.get()
        self.assertEqual(row.actor_id, self.world.alice.pk)
        self.assertEqual(row.country_id, self.world.country_a.pk)
        self.assertEqual(row.source, "web")
        self.assertEqual(row.payload["address"], "127.0.0.1")

    def test_it_refuses_a_wrong_password_with_a_form_error_and_no_session(self):
        sessions_before = Session.objects.count()
        response = self.login(self.client, "alice", "not-the-password")
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "accounts/login.html")
        self.assertTrue(response.context["form"].non_field_errors())
        self.assertNotIn("sessionid", response.cookies)
        self.assertEqual(Session.objects.count(), sessions_before)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertRedirects(self.client.get(reverse("home")), f"{reverse('accounts:login')}?next=/")

    def test_it_records_a_failed_login_with_the_username_but_never_the_password(self):
        before = self.last_event_seq()
        self.login(self.client, "alice", "not-the-password")
        rows = self.events_since(before, verb=events.USER_LOGIN_FAILED)
        self.assertEqual(rows.count(), 1)
        row = rows.get()
        self.assertIsNone(row.actor_id)
        self.assertEqual(row.actor_repr, "system:anonymous")
        self.assertEqual(row.payload["username"], "alice")
        self.assertNotIn("not-the-password", str(row.payload))
        self.assertFalse(self.events_since(before, verb=events.USER_LOGGED_IN).exists())

    def test_it_refuses_an_unknown_username_the_same_way(self):
        response = self.login(self.client, "nobody", self.password)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].non_field_errors())
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_it_refuses_an_inactive_user_even_with_the_right_password(self):
        User.objects.filter(pk=self.world.alice.pk).update(is_active=False)
        response = self.login(self.client, "alice", self.password)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].non_field_errors())
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_it_refuses_a_user_who_has_not_set_a_password_yet(self):
        with self.acting(self.world.nadia, [self.world.country_a]):
            services.create_user(actor=self.world.nadia, username="newbie", email="newbie@a.test",
                                 agency=self.world.agency_a, role="officer")
        for password in ("", "!", self.password):
            with self.subTest(password=password):
                response = self.login(self.client, "newbie", password)
                self.assertEqual(response.status_code, 200)
                self.assertNotIn("sessionid", response.cookies)

    def test_it_ends_the_session_of_a_user_deactivated_meanwhile(self):
        client = self.web("alice")
        self.assertEqual(client.get(reverse("home")).status_code, 200)
        User.objects.filter(pk=self.world.alice.pk).update(is_active=False)
        self.assertRedirects(client.get(reverse("home")), f"{reverse('accounts:login')}?next=/")
        self.assertEqual(client.get("/api/v1/memberships/me/").status_code, 401)

    def test_it_follows_a_local_next_and_ignores_a_foreign_one(self):
        response = self.login(self.client, "alice", self.password, next="/directory/")
        self.assertRedirects(response, "/directory/", fetch_redirect_response=False)
        other = Client()
        response = self.login(other, "alice", self.password, next="https://evil.example/steal")
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_it_sends_a_logged_in_user_away_from_the_login_page(self):
        client = self.web("alice")
        self.assertRedirects(client.get(reverse("accounts:login")), reverse("home"))

    def test_it_logs_out_on_post_and_records_it(self):
        client = self.web("alice")
        before = self.last_event_seq()
        response = client.post(reverse("accounts:logout"))
        self.assertRedirects(response, reverse("accounts:login"))
        self.assertNotIn("_auth_user_id", client.session)
        rows = self.events_since(before, verb=events.USER_LOGGED_OUT)
        self.assertEqual(rows.count(), 1)
        self.assertEqual(rows.get().actor_id, self.world.alice.pk)
        self.assertRedirects(client.get(reverse("home")), f"{reverse('accounts:login')}?next=/")


class ExpiredSessionTest(AccountsTestCase):
    def expire(self, client: Client) -> None:
        session = client.session
        session.set_expiry(timezone.now() - dt.timedelta(minutes=1))
        session.save()

    def test_it_sends_an_expired_ui_session_to_the_login_page(self):
        client = self.web("alice")
        self.assertEqual(client.get(reverse("home")).status_code, 200)
        self.expire(client)
        self.assertRedirects(client.get(reverse("home")), f"{reverse('accounts:login')}?next=/")
        self.assertRedirects(
            client.get(reverse("accounts:profile")),
            f"{reverse('accounts:login')}?next={reverse('accounts:profile')}",
        )

    def test_it_answers_401_to_an_api_call_with_an_expired_session(self):
        client = self.web("alice")
        self.assertEqual(client.get("/api/v1/memberships/me/").status_code, 200)
        self.expire(client)
        response = client.get("/api/v1/memberships/me/")
        self.assertIn(response.status_code, (401, 403))
        self.assertEqual(response.status_code, 401)
        self.assertIn("Bearer", response["WWW-Authenticate"])

    def test_it_treats_a_flushed_session_as_logged_out(self):
        client = self.web("alice")
        Session.objects.all().delete()
        self.assertRedirects(client.get(reverse("home")), f"{reverse('accounts:login')}?next=/")
        self.assertEqual(client.get("/api/v1/agencies/").status_code, 401)
