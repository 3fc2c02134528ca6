"""The second factor: administrators (national, Secretariat, the hub superuser) must enrol and
prove a TOTP code before anything else; officers need not."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cifta.accounts import events
from cifta.accounts.tests.support import AccountsTestCase, code_for, wrong_code_for

SETUP = "/accounts/2fa/setup/"
VERIFY = "/accounts/2fa/verify/"
ADMINS = ("nadia", "sara", "root")


class SecondFactorGateTest(AccountsTestCase):
    def assertSentTo(self, response, path: str, next_url: str | None = None) -> None:
        self.assertEqual(response.status_code, 302, getattr(response, "content", b"")[:300])
        location = urlsplit(response["Location"])
        self.assertEqual(location.path, path)
        if next_url is not None:
            self.assertEqual(parse_qs(location.query).get("next"), [next_url])

    def test_it_sends_administrators_without_a_device_to_enrol_from_any_page(self):
        for name in ADMINS:
            client = self.login_without_second_factor(name)
            for page in ("/", "/directory/", reverse("accounts:profile"), reverse("accounts:password_change")):
                with self.subTest(user=name, page=page):
                    self.assertSentTo(client.get(page), SETUP, page)

    def test_it_sends_administrators_with_a_device_but_no_proof_to_verify(self):
        for name in ADMINS:
            self.confirmed_device(name)
            client = self.login_without_second_factor(name)
            for page in ("/", "/directory/", reverse("accounts:member_list")):
                with self.subTest(user=name, page=page):
                    self.assertSentTo(client.get(page), VERIFY, page)

    def test_it_ignores_an_unconfirmed_device_when_choosing_where_to_send(self):
        TOTPDevice.objects.create(user=self.world.nadia, name="half", confirmed=False)
        client = self.login_without_second_factor("nadia")
        self.assertSentTo(client.get("/"), SETUP)

    def test_it_keeps_the_whole_next_address_including_its_query(self):
        client = self.login_without_second_factor("nadia")
        self.assertSentTo(client.get("/directory/?q=a&kind=police"), SETUP, "/directory/?q=a&kind=police")

    def test_it_does_not_ask_officers_viewers_or_auditors_or_analysts(self):
        for name in ("alice", "bob", "aude", "carlos", "sam"):
            with self.subTest(user=name):
                client = self.login_without_second_factor(name)
                self.assertEqual(client.get("/").status_code, 200)
                self.assertEqual(client.get("/api/v1/memberships/me/").status_code, 200)

    def test_it_lets_an_administrator_log_out_and_reach_the_second_factor_pages(self):
        client = self.login_without_second_factor("nadia")
        self.assertEqual(client.get(SETUP).status_code, 200)
        self.assertRedirects(client.post(reverse("accounts:logout")), reverse("accounts:login"))

    def test_it_refuses_session_use_of_the_api_by_an_unverified_administrator(self):
        for name in ADMINS:
            client = self.login_without_second_factor(name)
            for url in ("/api/v1/memberships/me/", "/api/v1/agencies/", "/api/v1/memberships/"):
                with self.subTest(user=name, url=url):
                    response = client.get(url)
                    self.assertEqual(response.status_code, 403)

    def test_it_does_not_let_an_unrelated_authorization_header_bypass_the_gate(self):
        client = self.login_without_second_factor("nadia")
        for header in ("Basic bmFkaWE6eA==", "Digest whatever", "Bearer"):
            with self.subTest(header=header):
                response = client.get("/api/v1/memberships/", HTTP_AUTHORIZATION=header)
                self.assertIn(response.status_code, (401, 403))

    def test_it_lets_a_verified_administrator_use_the_api_with_the_session(self):
        client = self.web("nadia")
        response = client.get("/api/v1/memberships/me/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["role"], "national_admin")


class EnrolmentTest(AccountsTestCase):
    def start(self, name: str = "nadia", next_url: str = "/"):
        client = self.login_without_second_factor(name)
        response = client.get(SETUP, {"next": next_url})
        self.assertEqual(response.status_code, 200)
        device = TOTPDevice.objects.get(user=self.world.user(name), confirmed=False)
        return client, response, device

    def test_it_shows_the_secret_and_a_qr_code(self):
        _client, response, device = self.start()
        secret = base64.b32encode(device.bin_key).decode("ascii")
        self.assertEqual(response.context["secret"], secret)
        self.assertContains(response, secret)
        self.assertContains(response, "data:image/svg+xml;base64,")

    def test_it_confirms_a_right_code_and_lets_the_administrator_through(self):
        for name in ADMINS:
            with self.subTest(user=name):
                client, _response, device = self.start(name, "/directory/")
                before = self.last_event_seq()
                response = client.post(SETUP + "?next=/directory/", {"token": code_for(device), "next": "/directory/"})
                self.assertRedirects(response, "/directory/", fetch_redirect_response=False)
                device.refresh_from_db()
                self.assertTrue(device.confirmed)
                self.assertEqual(client.get("/").status_code, 200)
                self.assertEqual(client.get("/api/v1/memberships/me/").status_code, 200)
                enrolled = self.events_since(before, verb=events.SECOND_FACTOR_ENROLLED)
                self.assertEqual(enrolled.count(), 1)
                self.assertEqual(enrolled.get().actor_id, self.world.user(name).pk)

    def test_it_rejects_a_wrong_code_with_a_form_error_and_keeps_the_gate_shut(self):
        client, _response, device = self.start()
        before = self.last_event_seq()
        response = client.post(SETUP, {"token": wrong_code_for(device)})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors["token"])
        device.refresh_from_db()
        self.assertFalse(device.confirmed)
        self.assertEqual(self.events_since(before, verb=events.SECOND_FACTOR_FAILED).count(), 1)
        self.assertFalse(self.events_since(before, verb=events.SECOND_FACTOR_ENROLLED).exists())
        self.assertEqual(client.get("/").status_code, 302)

    def test_it_rejects_a_code_that_is_not_digits(self):
        client, _response, _device = self.start()
        response = client.post(SETUP, {"token": "abcdef"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors["token"])

    def test_it_keeps_the_same_secret_between_showing_it_and_checking_the_code(self):
        client, _response, device = self.start()
        # Posting must not mint a fresh secret: the code of the device shown is the one checked.
        response = client.post(SETUP, {"token": code_for(device)})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(TOTPDevice.objects.filter(user=self.world.nadia).count(), 1)

    def test_it_replaces_an_unconfirmed_device_on_each_visit(self):
        client, _response, first = self.start()
        client.get(SETUP)
        devices = TOTPDevice.objects.filter(user=self.world.nadia)
        self.assertEqual(devices.count(), 1)
        self.assertNotEqual(devices.get().pk, first.pk)

    def test_it_ignores_a_foreign_next_after_enrolment(self):
        client, _response, device = self.start()
        response = client.post(SETUP, {"token": code_for(device), "next": "https://evil.example/"})
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_it_lets_an_officer_turn_the_second_factor_on_voluntarily(self):
        client, _response, device = self.start("alice")
        response = client.post(SETUP, {"token": code_for(device)})
        self.assertEqual(response.status_code, 302)
        device.refresh_from_db()
        self.assertTrue(device.confirmed)

    def test_it_does_not_let_a_password_alone_enrol_a_new_device_over_a_confirmed_one(self):
        # Someone holding only the password of an enrolled administrator must not be able to
        # register their own authenticator and so skip the second factor.
        existing = self.confirmed_device("nadia")
        client = self.login_without_second_factor("nadia")
        response = client.get(SETUP)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(urlsplit(response["Location"]).path, VERIFY)
        sneaky = TOTPDevice.objects.create(user=self.world.nadia, name="attacker", confirmed=False)
        response = client.post(SETUP, {"token": code_for(sneaky)})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(urlsplit(response["Location"]).path, VERIFY)
        self.assertTrue(TOTPDevice.objects.filter(pk=existing.pk, confirmed=True).exists())
        sneaky.refresh_from_db()
        self.assertFalse(sneaky.confirmed)
        self.assertSentToVerify(client.get("/"))

    def test_it_lets_a_verified_administrator_replace_the_device(self):
        client = self.web("nadia")
        old = TOTPDevice.objects.get(user=self.world.nadia, confirmed=True)
        self.assertEqual(client.get(SETUP).status_code, 200)
        new = TOTPDevice.objects.get(user=self.world.nadia, confirmed=False)
        self.assertEqual(client.post(SETUP, {"token": code_for(new)}).status_code, 302)
        self.assertEqual(list(TOTPDevice.objects.filter(user=self.world.nadia).values_list("pk", flat=True)),
                         [new.pk])
        self.assertFalse(TOTPDevice.objects.filter(pk=old.pk).exists())
        self.assertEqual(client.get("/").status_code, 200)

    def assertSentToVerify(self, response) -> None:
        self.assertEqual(response.status_code, 302)
        self.assertEqual(urlsplit(response["Location"]).path, VERIFY)


class VerificationTest(AccountsTestCase):
    def test_it_lets_an_administrator_through_with_the_right_code(self):
        for name in ADMINS:
            with self.subTest(user=name):
                device = self.confirmed_device(name)
                client = self.login_without_second_factor(name)
                response = client.get(VERIFY, {"next": "/directory/"})
                self.assertEqual(response.status_code, 200)
                response = client.post(VERIFY, {"token": code_for(device), "next": "/directory/"})
                self.assertRedirects(response, "/directory/", fetch_redirect_response=False)
                self.assertEqual(client.get("/").status_code, 200)
                self.assertEqual(client.get("/api/v1/memberships/me/").status_code, 200)

    def test_it_refuses_a_wrong_code_and_audits_the_failure(self):
        device = self.confirmed_device("nadia")
        client = self.login_without_second_factor("nadia")
        before = self.last_event_seq()
        response = client.post(VERIFY, {"token": wrong_code_for(device)})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors["token"])
        failed = self.events_since(before, verb=events.SECOND_FACTOR_FAILED)
        self.assertEqual(failed.count(), 1)
        row = failed.get()
        self.assertEqual(row.actor_id, self.world.nadia.pk)
        self.assertEqual(row.country_id, self.world.country_a.pk)
        self.assertEqual(row.payload["during"], "login")
        self.assertNotIn(wrong_code_for(device), str(row.payload))
        self.assertEqual(client.get("/").status_code, 302)
        self.assertEqual(client.get("/api/v1/agencies/").status_code, 403)

    def test_it_does_not_accept_a_code_of_an_unconfirmed_device(self):
        self.confirmed_device("nadia")
        pending = TOTPDevice.objects.create(user=self.world.nadia, name="pending", confirmed=False)
        client = self.login_without_second_factor("nadia")
        response = client.post(VERIFY, {"token": code_for(pending)})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(client.get("/").status_code, 302)

    def test_it_does_not_accept_another_users_code(self):
        self.confirmed_device("nadia")
        other = self.confirmed_device("nico")
        client = self.login_without_second_factor("nadia")
        self.assertEqual(client.post(VERIFY, {"token": code_for(other)}).status_code, 200)
        self.assertEqual(client.get("/").status_code, 302)

    def test_it_does_not_accept_the_same_code_twice(self):
        device = self.confirmed_device("nadia")
        code = code_for(device)
        first = self.login_without_second_factor("nadia")
        self.assertEqual(first.post(VERIFY, {"token": code}).status_code, 302)
        second = self.login_without_second_factor("nadia")
        self.assertEqual(second.post(VERIFY, {"token": code}).status_code, 200)
        self.assertEqual(second.get("/").status_code, 302)

    def test_it_asks_again_after_logging_out_and_in(self):
        device = self.confirmed_device("nadia")
        client = self.login_without_second_factor("nadia")
        client.post(VERIFY, {"token": code_for(device)})
        self.assertEqual(client.get("/").status_code, 200)
        client.post(reverse("accounts:logout"))
        client.post(reverse("accounts:login"), {"username": "nadia", "password": self.password})
        response = client.get("/")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(urlsplit(response["Location"]).path, VERIFY)

    @override_settings(OTP_TOTP_THROTTLE_FACTOR=600)  # a slow machine must not outlast the pause
    def test_it_throttles_guessing_so_a_right_code_right_after_a_wrong_one_is_refused(self):
        device = self.confirmed_device("nadia")
        client = self.login_without_second_factor("nadia")
        client.post(VERIFY, {"token": wrong_code_for(device)})
        self.assertEqual(client.post(VERIFY, {"token": code_for(device)}).status_code, 200)
        self.assertEqual(client.get("/").status_code, 302)

    def test_it_lets_an_administrators_token_through_without_a_session_second_factor(self):
        # Tokens are created from the profile page, which already needs the second factor.
        _token, key = self.make_token("nadia")
        client = self.login_without_second_factor("nadia")
        response = client.get("/api/v1/memberships/", HTTP_AUTHORIZATION=f"Bearer {key}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(client.get("/api/v1/memberships/").status_code, 403)

