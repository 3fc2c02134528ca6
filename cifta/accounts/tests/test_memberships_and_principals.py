"""How a request becomes a Principal, and switching between one's memberships."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from cifta.accounts import events, services
from cifta.accounts.models import Membership, User
from cifta.accounts.principals import SESSION_MEMBERSHIP_KEY, active_memberships, principal_for_request
from cifta.accounts.tests.support import AccountsTestCase
from cifta.core.context import Source, change_context
from cifta.core.permissions import SUPERUSER_ROLE, Action
from cifta.core.scoping import ALL_COUNTRIES, country_scope
from cifta.directory import services as directory_services
from cifta.directory.models import Agency

ME = "/api/v1/memberships/me/"


class _FakeRequest:
    def __init__(self, session: dict | None = None) -> None:
        self.session = session or {}


class MembershipSwitchingTest(AccountsTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        w = cls.world
        with change_context(w.nadia, Source.COMMAND), country_scope([w.country_a.pk]):
            cls.police_a = directory_services.create_agency(actor=w.nadia, name="Police A", kind=Agency.Kind.POLICE)
            cls.second = services.grant_membership(actor=w.nadia, user=w.alice, agency=cls.police_a, role="viewer")
        cls.first = Membership.unscoped.get(user=w.alice, agency=w.agency_a)

    def switch(self, client: Client, membership_id):
        return client.post(reverse("accounts:switch_membership"), {"membership": membership_id})

    def test_it_starts_with_the_oldest_active_membership(self):
        client = self.web("alice")
        self.assertEqual(client.get(ME).json()["role"], "officer")

    def test_it_offers_the_choice_on_the_profile_page(self):
        response = self.web("alice").get(reverse("accounts:profile"))
        self.assertEqual([m.pk for m in response.context["memberships"]], [self.first.pk, self.second.pk])
        self.assertContains(response, "Work as the selected membership")

    def test_it_switches_to_another_own_membership_and_the_role_follows(self):
        client = self.web("alice")
        before = self.last_event_seq()
        response = self.switch(client, self.second.pk)
        self.assertRedirects(response, reverse("home"))
        self.assertEqual(client.session[SESSION_MEMBERSHIP_KEY], self.second.pk)
        me = client.get(ME).json()
        self.assertEqual(me["role"], "viewer")
        self.assertEqual(me["membership"]["agency"], "Police A")
        home = client.get(reverse("home"))
        self.assertEqual(home.wsgi_request.principal.membership_id, self.second.pk)
        self.assertEqual(home.context["current_membership"].pk, self.second.pk)
        switched = self.events_since(before, verb=events.MEMBERSHIP_SWITCHED).get()
        self.assertEqual(switched.actor_id, self.world.alice.pk)
        self.assertEqual(switched.payload["membership"], self.second.pk)

    def test_it_applies_the_new_roles_permissions(self):
        client = self.web("alice")
        self.assertTrue(client.get("/").wsgi_request.principal.can(Action.ADD))
        self.switch(client, self.second.pk)
        self.assertFalse(client.get("/").wsgi_request.principal.can(Action.ADD))
        self.switch(client, self.first.pk)
        self.assertTrue(client.get("/").wsgi_request.principal.can(Action.ADD))
        self.assertEqual(client.get(ME).json()["role"], "officer")

    def test_it_binds_a_new_token_to_the_membership_being_worked_as(self):
        client = self.web("alice")
        self.switch(client, self.second.pk)
        response = client.post(reverse("accounts:token_create"), {"name": "as viewer", "days": 5})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["token"].membership_id, self.second.pk)
        api = Client(HTTP_AUTHORIZATION=f"Bearer {response.context['key']}")
        self.assertEqual(api.get(ME).json()["role"], "viewer")

    def test_it_refuses_a_membership_that_is_not_the_users(self):
        client = self.web("alice")
        before = self.last_event_seq()
        for other in (self.membership("bob").pk, self.membership("carlos").pk, 999999, "", "abc"):
            with self.subTest(membership=other):
                self.assertEqual(self.switch(client, other).status_code, 403)
        self.assertNotIn(SESSION_MEMBERSHIP_KEY, client.session)
        self.assertEqual(client.get(ME).json()["role"], "officer")
        self.assertFalse(self.events_since(before, verb=events.MEMBERSHIP_SWITCHED).exists())

    def test_it_refuses_an_inactive_membership_of_the_user(self):
        with self.acting(self.world.nadia, [self.world.country_a]):
            services.change_membership(actor=self.world.nadia, instance=self.second, is_active=False)
        client = self.web("alice")
        self.assertEqual(self.switch(client, self.second.pk).status_code, 403)

    def test_it_falls_back_when_the_chosen_membership_is_deactivated(self):
        client = self.web("alice")
        self.switch(client, self.second.pk)
        with self.acting(self.world.nadia, [self.world.country_a]):
            services.change_membership(actor=self.world.nadia, instance=self.second, is_active=False)
        self.assertEqual(client.get(ME).json()["role"], "officer")

    def test_it_accepts_only_post(self):
        self.assertEqual(self.web("alice").get(reverse("accounts:switch_membership")).status_code, 405)

    def test_it_asks_for_the_second_factor_after_switching_to_an_administrator_membership(self):
        with self.acting(self.world.nadia, [self.world.country_a]):
            customs = directory_services.create_agency(actor=self.world.nadia, name="Customs A", kind="customs")
            admin = services.grant_membership(actor=self.world.nadia, user=self.world.alice, agency=customs,
                                              role="national_admin")
        client = self.web("alice")
        self.switch(client, admin.pk)
        response = client.get("/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/2fa/setup/"))

    def test_it_changes_country_with_a_membership_in_another_state(self):
        with self.acting(self.world.nico, [self.world.country_b]):
            in_b = services.grant_membership(actor=self.world.nico, user=self.world.alice,
                                             agency=self.world.agency_b, role="viewer")
        client = self.web("alice")
        self.switch(client, in_b.pk)
        self.assertEqual(client.get(ME).json()["country"], self.world.country_b.code)
        names = {a["name"] for a in client.get("/api/v1/agencies/").json()["results"]}
        self.assertIn("Registry B", names)
        self.assertNotIn("Registry A", names)


class PrincipalResolutionTest(AccountsTestCase):
    def lonely_user(self) -> User:
        """A user whose only membership has been deactivated."""
        with self.acting(self.world.nadia, [self.world.country_a]):
            user = services.create_user(actor=self.world.nadia, username="lonely", email="lonely@a.test",
                                        agency=self.world.agency_a, role="officer", password="Lonely-pass-2026x")
            services.change_membership(actor=self.world.nadia, instance=Membership.unscoped.get(user=user),
                                       is_active=False)
        return user

    def test_it_gives_an_officer_their_membership_role_and_country(self):
        principal = principal_for_request(_FakeRequest(), self.world.alice)
        self.assertEqual(principal.role, "officer")
        self.assertEqual(principal.country_id, self.world.country_a.pk)
        self.assertEqual(principal.scope, frozenset({self.world.country_a.pk}))
        self.assertEqual(principal.membership_id, self.membership("alice").pk)
        self.assertFalse(principal.is_secretariat)
        self.assertFalse(principal.needs_second_factor)

    def test_it_marks_secretariat_staff_and_administrators(self):
        sam = principal_for_request(_FakeRequest(), self.world.sam)
        self.assertTrue(sam.is_secretariat)
        self.assertEqual(sam.scope, frozenset({self.world.secretariat.pk}))
        for name in ("nadia", "nico", "sara"):
            self.assertTrue(principal_for_request(_FakeRequest(), self.world.user(name)).needs_second_factor)

    def test_it_gives_the_hub_superuser_all_countries(self):
        principal = principal_for_request(_FakeRequest(), self.world.root)
        self.assertIs(principal.scope, ALL_COUNTRIES)
        self.assertTrue(principal.sees_all_countries)
        self.assertEqual(principal.role, SUPERUSER_ROLE)
        self.assertIsNone(principal.membership_id)
        self.assertTrue(principal.needs_second_factor)

    def test_it_lets_the_verified_superuser_see_every_country(self):
        client = self.web("root")
        self.assertEqual(client.get("/").status_code, 200)
        names = {a["name"] for a in client.get("/api/v1/agencies/?limit=500").json()["results"]}
        self.assertTrue({"Registry A", "Registry B", "Secretariat unit"} <= names)

    def test_it_gives_no_principal_without_an_active_membership(self):
        user = self.lonely_user()
        self.assertEqual(active_memberships(user), [])
        self.assertIsNone(principal_for_request(_FakeRequest(), user))

    def test_it_refuses_the_dashboard_and_the_api_to_a_user_without_membership(self):
        user = self.lonely_user()
        client = Client()
        response = client.post(reverse("accounts:login"), {"username": "lonely", "password": "Lonely-pass-2026x"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(int(client.session["_auth_user_id"]), user.pk)
        self.assertEqual(client.get("/").status_code, 403)
        response = client.get(ME)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(client.get("/api/v1/agencies/").status_code, 403)
        self.assertEqual(client.get(reverse("accounts:member_list")).status_code, 403)
        self.assertEqual(client.get("/directory/").status_code, 403)

    def test_it_ignores_memberships_of_closed_agencies(self):
        with self.acting(self.world.nadia, [self.world.country_a]):
            directory_services.update_agency(actor=self.world.nadia, instance=self.world.agency_a, is_active=False)
        self.assertIsNone(principal_for_request(_FakeRequest(), self.world.alice))
        self.assertEqual(self.web("alice").get("/").status_code, 403)

    def test_it_ignores_a_session_choice_that_is_not_one_of_the_users_memberships(self):
        carlos = self.membership("carlos")
        principal = principal_for_request(_FakeRequest({SESSION_MEMBERSHIP_KEY: carlos.pk}), self.world.alice)
        self.assertEqual(principal.membership_id, self.membership("alice").pk)
        self.assertEqual(principal.country_id, self.world.country_a.pk)

    def test_it_refuses_anonymous_and_inactive_users(self):
        from django.contrib.auth.models import AnonymousUser

        from cifta.core.principals import resolve_principal

        self.assertIsNone(resolve_principal(_FakeRequest(), AnonymousUser()))
        self.assertIsNone(resolve_principal(_FakeRequest(), None))
        alice = User.objects.get(pk=self.world.alice.pk)
        alice.is_active = False
        self.assertIsNone(resolve_principal(_FakeRequest(), alice))

    def test_it_does_not_reuse_a_principal_cached_for_another_user(self):
        request = _FakeRequest()
        self.assertEqual(principal_for_request(request, self.world.alice).username, "alice")
        self.assertEqual(principal_for_request(request, self.world.carlos).username, "carlos")
