"""Login throttling (django-axes): a username+address pair is locked after repeated failures."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from cifta.accounts import events
from cifta.accounts.tests.support import AccountsTestCase


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
class LoginThrottlingTest(AccountsTestCase):
    def attempt(self, username: str, password: str, address: str = "127.0.0.1", client: Client | None = None):
        client = client or self.client
        return client.post(reverse("accounts:login"), {"username": username, "password": password},
                           REMOTE_ADDR=address)

    def fail(self, times: int, username: str = "alice", address: str = "127.0.0.1") -> None:
        for _ in range(times):
            response = self.attempt(username, "wrong-password", address)
            self.assertIn(response.status_code, (200, 429))

    def test_it_uses_a_limit_of_five_by_default(self):
        self.assertEqual(settings.AXES_FAILURE_LIMIT, 5)

    def test_it_refuses_even_the_right_password_once_the_limit_is_reached(self):
        self.fail(5)
        response = self.attempt("alice", self.password)
        self.assertEqual(response.status_code, 429)
        self.assertTemplateUsed(response, "accounts/locked_out.html")
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertFalse(self.events(events.USER_LOGGED_IN, actor=self.world.alice).exists())

    def test_it_still_lets_the_right_password_in_below_the_limit_and_then_forgets_the_failures(self):
        self.fail(4)
        response = self.attempt("alice", self.password)
        self.assertRedirects(response, reverse("home"))
        # A success resets the count: four more failures do not lock the account.
        other = Client()
        for _ in range(4):
            self.assertEqual(self.attempt("alice", "wrong-password", client=other).status_code, 200)
        self.assertRedirects(self.attempt("alice", self.password, client=Client()), reverse("home"))

    def test_it_answers_the_locked_out_page_to_further_wrong_passwords_too(self):
        self.fail(5)
        response = self.attempt("alice", "wrong-password")
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "Too many failed log-in attempts", status_code=429)

    def test_it_locks_only_that_username_from_that_address(self):
        self.fail(5)
        self.assertEqual(self.attempt("alice", self.password).status_code, 429)
        # Another user from the same address is not affected ...
        self.assertRedirects(self.attempt("bob", self.password, client=Client()), reverse("home"))
        # ... nor the same user from another address.
        self.assertRedirects(self.attempt("alice", self.password, "10.9.8.7", client=Client()), reverse("home"))

    def test_it_keeps_the_attempts_in_the_database(self):
        self.fail(3)
        attempt = AccessAttempt.objects.get(username="alice")
        self.assertEqual(attempt.failures_since_start, 3)
        self.assertEqual(attempt.ip_address, "127.0.0.1")

    def test_it_audits_every_failed_attempt(self):
        before = self.last_event_seq()
        self.fail(5)
        self.assertEqual(self.events_since(before, verb=events.USER_LOGIN_FAILED).count(), 5)

    @override_settings(AXES_FAILURE_LIMIT=2)
    def test_it_follows_the_configured_limit(self):
        self.fail(2)
        self.assertEqual(self.attempt("alice", self.password).status_code, 429)
