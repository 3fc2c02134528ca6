"""API tokens: created from the profile page, shown once, stored as SHA-256 only, bound to one
membership (whose country is the caller's scope), and refused once revoked or expired."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cifta.accounts import events, services
from cifta.accounts.models import ApiToken
from cifta.accounts.tests.support import AccountsTestCase
from cifta.core.models import AuditEvent, ObjectChange
from cifta.directory import services as directory_services
from cifta.directory.models import Agency

ME = "/api/v1/memberships/me/"
AGENCIES = "/api/v1/agencies/"


class TokenCreationTest(AccountsTestCase):
    def create_through_profile(self, as_user: str = "alice", **data):
        client = self.web(as_user)
        return client, client.post(reverse("accounts:token_create"), {"name": "import script", "days": 30, **data})

    def test_it_offers_token_creation_on_the_profile_page(self):
        response = self.web("alice").get(reverse("accounts:profile"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, reverse("accounts:token_create"))

    def test_it_shows_the_key_once_after_creation(self):
        client, response = self.create_through_profile()
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "accounts/token_created.html")
        key = response.context["key"]
        self.assertContains(response, key)
        token = ApiToken.unscoped.get(user=self.world.alice)
        self.assertTrue(key.startswith(token.prefix + "."))
        self.assertEqual(token.name, "import script")
        self.assertEqual(token.membership_id, self.membership("alice").pk)
        self.assertEqual(token.country_id, self.world.country_a.pk)
        self.assertAlmostEqual(token.expires_at, timezone.now() + dt.timedelta(days=30),
                               delta=dt.timedelta(minutes=1))
        profile = client.get(reverse("accounts:profile"))
        self.assertContains(profile, token.prefix)
        self.assertNotContains(profile, key)

    def test_it_stores_only_the_sha256_of_the_key(self):
        _client, response = self.create_through_profile()
        key = response.context["key"]
        token = ApiToken.unscoped.get(user=self.world.alice)
        self.assertEqual(token.key_hash, hashlib.sha256(key.encode()).hexdigest())
        secret_part = key.split(".", 1)[1]
        row = ApiToken.unscoped.filter(pk=token.pk).values().get()
        for value in row.values():
            self.assertNotIn(secret_part, str(value))
        # Neither the change log nor the audit log keeps the key or its hash.
        for change in ObjectChange.unscoped.filter(object_type="accounts.apitoken", object_id=token.pk):
            dumped = json.dumps([change.before, change.after])
            self.assertNotIn(secret_part, dumped)
            self.assertNotIn(token.key_hash, dumped)
            self.assertEqual(change.after["key_hash"], "********")
        for event in AuditEvent.unscoped.filter(target_type="accounts.apitoken", target_id=token.pk):
            self.assertNotIn(secret_part, json.dumps(event.payload))

    def test_it_audits_the_creation(self):
        before = self.last_event_seq()
        self.create_through_profile()
        created = self.events_since(before, verb=events.TOKEN_CREATED)
        self.assertEqual(created.count(), 1)
        self.assertEqual(created.get().actor_id, self.world.alice.pk)
        self.assertEqual(created.get().source, "web")

    def test_it_refuses_a_form_without_a_name_or_with_too_many_days(self):
        for data in ({"name": ""}, {"days": 0}, {"days": 1000}):
            with self.subTest(data=data):
                _client, response = self.create_through_profile(**data)
                self.assertEqual(response.status_code, 400)
                self.assertTrue(response.context["token_form"].errors)
        self.assertFalse(ApiToken.unscoped.filter(user=self.world.alice).exists())

    def test_it_shows_the_whole_profile_again_when_the_form_is_refused(self):
        _client, response = self.create_through_profile("nadia", name="")
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["has_totp"])
        self.assertEqual([m.pk for m in response.context["memberships"]], [self.membership("nadia").pk])

    def test_it_refuses_a_get_to_the_creation_address(self):
        self.assertEqual(self.web("alice").get(reverse("accounts:token_create")).status_code, 405)

    def test_it_gives_the_hub_superuser_no_token_since_it_has_no_membership(self):
        response = self.web("root").post(reverse("accounts:token_create"), {"name": "x", "days": 1})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(ApiToken.unscoped.exists())


class TokenAuthenticationTest(AccountsTestCase):
    def bearer(self, key: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return client

    def test_it_authenticates_a_fresh_key_from_the_profile_page(self):
        response = self.web("alice").post(reverse("accounts:token_create"), {"name": "cli", "days": 7})
        key = response.context["key"]
        answer = self.bearer(key).get(ME)
        self.assertEqual(answer.status_code, 200, answer.content)
        body = answer.json()
        self.assertEqual(body["username"], "alice")
        self.assertEqual(body["role"], "officer")
        self.assertEqual(body["country"], self.world.country_a.code)

    def test_it_accepts_the_token_keyword_as_well_as_bearer(self):
        _token, key = self.make_token("alice")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        self.assertEqual(client.get(ME).status_code, 200)

    def test_it_records_when_the_token_was_last_used(self):
        token, key = self.make_token("alice")
        self.assertIsNone(token.last_used_at)
        self.bearer(key).get(ME)
        self.assertIsNotNone(ApiToken.unscoped.get(pk=token.pk).last_used_at)

    def test_it_scopes_a_token_to_its_membership_country(self):
        _token, key = self.make_token("alice")
        response = self.bearer(key).get(AGENCIES)
        self.assertEqual(response.status_code, 200)
        names = {row["name"] for row in response.json()["results"]}
        self.assertIn("Registry A", names)
        self.assertNotIn("Registry B", names)
        self.assertFalse(any("PRIVATEBRAVO" in n for n in names))
        detail = self.bearer(key).get(f"{AGENCIES}{self.world.agency_b.public_id}/")
        self.assertEqual(detail.status_code, 404)

    def test_it_applies_the_role_of_the_membership_to_writes(self):
        _token, key = self.make_token("bob")  # a viewer
        before = self.changes_count()
        response = self.bearer(key).post(AGENCIES, {"name": "Sneaky", "kind": "police"}, format="json")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.changes_count(), before)

    def test_it_writes_with_source_api_and_the_token_user_as_actor(self):
        _token, key = self.make_token("nadia")
        before = self.last_change_seq()
        response = self.bearer(key).post(AGENCIES, {"name": "Customs A", "kind": "customs"}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        change = self.changes_since(before, object_type="directory.agency").get()
        self.assertEqual(change.source, "api")
        self.assertEqual(change.actor_id, self.world.nadia.pk)
        self.assertEqual(change.country_id, self.world.country_a.pk)

    def test_it_refuses_a_revoked_token(self):
        token, key = self.make_token("alice")
        self.assertEqual(self.bearer(key).get(ME).status_code, 200)
        with self.acting(self.world.alice, [self.world.country_a]):
            services.revoke_api_token(actor=self.world.alice, instance=token)
        self.assertEqual(self.bearer(key).get(ME).status_code, 401)

    def test_it_refuses_an_expired_token(self):
        token, key = self.make_token("alice")
        ApiToken.unscoped.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        response = self.bearer(key).get(ME)
        self.assertEqual(response.status_code, 401)
        self.assertIn("Bearer", response["WWW-Authenticate"])

    def test_it_accepts_a_token_without_expiry(self):
        _token, key = self.make_token("alice", days=None)
        self.assertEqual(self.bearer(key).get(ME).status_code, 200)

    def test_it_refuses_a_wrong_key_with_a_valid_prefix(self):
        token, key = self.make_token("alice")
        forged = f"{token.prefix}.{'x' * len(key.split('.', 1)[1])}"
        self.assertEqual(self.bearer(forged).get(ME).status_code, 401)
        self.assertEqual(self.bearer(token.prefix).get(ME).status_code, 401)
        self.assertEqual(self.bearer(key + "x").get(ME).status_code, 401)

    def test_it_refuses_an_unknown_prefix(self):
        _token, key = self.make_token("alice")
        self.assertEqual(self.bearer("ffffffff." + key.split(".", 1)[1]).get(ME).status_code, 401)

    def test_it_refuses_malformed_headers(self):
        _token, key = self.make_token("alice")
        for header in ("Bearer", "Bearer ", f"Bearer {key} extra", "Bearer short", f"Bearer .{key}",
                       "Token", "Basic YWxpY2U6d29ybGQtcGFzc3dvcmQtMjAyNg==", key):
            with self.subTest(header=header):
                client = APIClient()
                client.credentials(HTTP_AUTHORIZATION=header)
                self.assertEqual(client.get(ME).status_code, 401)

    def test_it_does_not_fall_back_to_the_session_when_a_token_is_wrong(self):
        client = self.web("alice")
        self.assertEqual(client.get(ME).status_code, 200)
        self.assertEqual(client.get(ME, HTTP_AUTHORIZATION="Bearer ffffffff.not-a-key").status_code, 401)

    def test_it_refuses_anonymous_api_calls_with_401(self):
        response = APIClient().get(ME)
        self.assertEqual(response.status_code, 401)

    def test_it_refuses_the_token_of_a_deactivated_user(self):
        from cifta.accounts.models import User

        _token, key = self.make_token("alice")
        User.objects.filter(pk=self.world.alice.pk).update(is_active=False)
        self.assertEqual(self.bearer(key).get(ME).status_code, 401)

    def test_it_revokes_the_tokens_of_a_deactivated_membership(self):
        token, key = self.make_token("alice")
        with self.acting(self.world.nadia, [self.world.country_a]):
            services.change_membership(actor=self.world.nadia, instance=self.membership("alice"), is_active=False)
        token = ApiToken.unscoped.get(pk=token.pk)
        self.assertIsNotNone(token.revoked_at)
        self.assertEqual(self.bearer(key).get(ME).status_code, 401)
        # Reactivating the membership does not bring the token back.
        with self.acting(self.world.nadia, [self.world.country_a]):
            services.change_membership(actor=self.world.nadia, instance=self.membership("alice"), is_active=True)
        self.assertEqual(self.bearer(key).get(ME).status_code, 401)

    def test_it_refuses_a_token_whose_agency_was_closed(self):
        _token, key = self.make_token("alice")
        with self.acting(self.world.nadia, [self.world.country_a]):
            directory_services.update_agency(actor=self.world.nadia, instance=self.world.agency_a, is_active=False)
        # A session of the same user loses the membership; the token must not outlive it.
        self.assertEqual(self.web("alice").get("/").status_code, 403)
        self.assertIn(self.bearer(key).get(ME).status_code, (401, 403))

    def test_it_uses_the_token_membership_even_when_a_session_is_also_present(self):
        # alice works in two agencies of A; the session has chosen the second one (viewer), the
        # token belongs to the first (officer). The token decides.
        with self.acting(self.world.nadia, [self.world.country_a]):
            second = directory_services.create_agency(actor=self.world.nadia, name="Police A",
                                                      kind=Agency.Kind.POLICE)
            viewer = services.grant_membership(actor=self.world.nadia, user=self.world.alice, agency=second,
                                               role="viewer")
        token, key = self.make_token_for(self.membership_of("alice", self.world.agency_a))
        client = APIClient()
        client.force_login(self.world.alice)
        session = client.session
        session["cifta_membership"] = viewer.pk
        session.save()
        self.assertEqual(client.get(ME).json()["role"], "viewer")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        body = client.get(ME).json()
        self.assertEqual(body["role"], "officer")
        self.assertEqual(body["membership"]["public_id"], str(token.membership.public_id))

    def membership_of(self, name: str, agency: Agency):
        from cifta.accounts.models import Membership

        return Membership.unscoped.get(user=self.world.user(name), agency=agency)

    def make_token_for(self, membership):
        user = membership.user
        with self.acting(user, [membership.country]):
            return services.create_api_token(actor=user, membership=membership, name="t", days=5)


class TokenRevocationTest(AccountsTestCase):
    def revoke(self, client, token):
        return client.post(reverse("accounts:token_revoke", args=[token.public_id]))

    def test_it_lets_the_owner_revoke_from_the_profile_page(self):
        token, key = self.make_token("alice")
        before = self.last_event_seq()
        response = self.revoke(self.web("alice"), token)
        self.assertRedirects(response, reverse("accounts:profile"), fetch_redirect_response=False)
        self.assertIsNotNone(ApiToken.unscoped.get(pk=token.pk).revoked_at)
        self.assertEqual(self.events_since(before, verb=events.TOKEN_REVOKED).count(), 1)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        self.assertEqual(client.get(ME).status_code, 401)

    def test_it_does_not_let_a_colleague_revoke_someone_elses_token(self):
        token, _key = self.make_token("alice")
        for name in ("bob", "aude"):
            with self.subTest(user=name):
                self.assertEqual(self.revoke(self.web(name), token).status_code, 403)
        self.assertIsNone(ApiToken.unscoped.get(pk=token.pk).revoked_at)

    def test_it_answers_404_to_users_of_another_country(self):
        token, _key = self.make_token("alice")
        for name in ("carlos", "nico", "sam", "sara"):
            with self.subTest(user=name):
                self.assertEqual(self.revoke(self.web(name), token).status_code, 404)
        self.assertIsNone(ApiToken.unscoped.get(pk=token.pk).revoked_at)

    def test_it_lets_the_national_administrator_of_the_same_country_revoke_it(self):
        token, _key = self.make_token("alice")
        before = self.last_event_seq()
        self.assertEqual(self.revoke(self.web("nadia"), token).status_code, 302)
        self.assertIsNotNone(ApiToken.unscoped.get(pk=token.pk).revoked_at)
        event = self.events_since(before, verb=events.TOKEN_REVOKED).get()
        self.assertEqual(event.actor_id, self.world.nadia.pk)

    def test_it_ignores_a_foreign_next_after_revoking(self):
        token, _key = self.make_token("alice")
        response = self.web("alice").post(reverse("accounts:token_revoke", args=[token.public_id]),
                                          {"next": "https://evil.example/"})
        self.assertRedirects(response, reverse("accounts:profile"), fetch_redirect_response=False)

    def test_it_ignores_a_second_revocation(self):
        token, _key = self.make_token("alice")
        client = self.web("alice")
        self.revoke(client, token)
        first = ApiToken.unscoped.get(pk=token.pk).revoked_at
        before = self.last_event_seq()
        self.assertEqual(self.revoke(client, token).status_code, 302)
        self.assertEqual(ApiToken.unscoped.get(pk=token.pk).revoked_at, first)
        self.assertFalse(self.events_since(before, verb=events.TOKEN_REVOKED).exists())

    def test_it_lets_the_owner_revoke_through_the_api_with_the_token_itself(self):
        token, key = self.make_token("alice")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        listed = client.get("/api/v1/tokens/").json()["results"]
        self.assertEqual([row["prefix"] for row in listed], [token.prefix])
        self.assertNotIn("key_hash", listed[0])
        response = client.post(f"/api/v1/tokens/{token.public_id}/revoke/")
        self.assertEqual(response.status_code, 200)
        self.assertIsNotNone(response.json()["revoked_at"])
        self.assertEqual(client.get(ME).status_code, 401)

    def test_it_hides_a_colleagues_token_from_the_token_api(self):
        token, _key = self.make_token("alice")
        _other, bob_key = self.make_token("bob")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {bob_key}")
        prefixes = [row["prefix"] for row in client.get("/api/v1/tokens/").json()["results"]]
        self.assertNotIn(token.prefix, prefixes)
        self.assertEqual(client.post(f"/api/v1/tokens/{token.public_id}/revoke/").status_code, 404)
        self.assertIsNone(ApiToken.unscoped.get(pk=token.pk).revoked_at)
