"""User management by administrators: list, create (with a set-password e-mail), edit, all
inside the administrator's own country."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from cifta.accounts import events
from cifta.accounts.models import ApiToken, Membership, User
from cifta.accounts.tests.support import STRONG_PASSWORD, AccountsTestCase
from cifta.directory import services as directory_services
from cifta.directory.models import Agency

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class MemberListTest(AccountsTestCase):
    def test_it_lists_only_the_memberships_of_the_administrators_country(self):
        response = self.web("nadia").get(reverse("accounts:member_list"))
        self.assertEqual(response.status_code, 200)
        listed = {m.user.username for m in response.context["memberships"]}
        self.assertEqual(listed, {"alice", "bob", "nadia", "aude"})
        self.assertNotContains(response, "carlos")
        self.assertNotContains(response, "PRIVATEBRAVO")

    def test_it_lists_the_other_country_to_its_own_administrator(self):
        response = self.web("nico").get(reverse("accounts:member_list"))
        self.assertEqual({m.user.username for m in response.context["memberships"]}, {"carlos", "nico"})
        self.assertNotContains(response, "PRIVATEALPHA")

    def test_it_lists_the_secretariat_to_the_secretariat_administrator(self):
        response = self.web("sara").get(reverse("accounts:member_list"))
        self.assertEqual({m.user.username for m in response.context["memberships"]}, {"sam", "sara"})

    def test_it_refuses_the_pages_to_roles_that_do_not_manage_users(self):
        alice_membership = self.membership("alice")
        pages = (reverse("accounts:member_list"), reverse("accounts:member_new"),
                 reverse("accounts:member_edit", args=[alice_membership.public_id]))
        for name in ("alice", "bob", "aude", "sam"):
            client = self.web(name)
            for page in pages:
                with self.subTest(user=name, page=page):
                    self.assertEqual(client.get(page).status_code, 403)
        before = self.changes_count()
        response = self.web("alice").post(pages[2], {"role": "national_admin", "is_active": "on"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.changes_count(), before)

    def test_it_asks_anonymous_visitors_to_log_in(self):
        response = Client().get(reverse("accounts:member_list"))
        self.assertRedirects(response, f"{reverse('accounts:login')}?next={reverse('accounts:member_list')}")

    def test_it_needs_a_proven_second_factor(self):
        client = self.login_without_second_factor("nadia")
        self.assertEqual(client.get(reverse("accounts:member_list")).status_code, 302)


@override_settings(EMAIL_BACKEND=LOCMEM)
class MemberCreationTest(AccountsTestCase):
    def payload(self, **changes):
        data = {"username": "newbie", "first_name": "New", "last_name": "Officer", "email": "newbie@a.test",
                "agency": self.world.agency_a.pk, "role": "officer"}
        data.update(changes)
        return {k: v for k, v in data.items() if v is not None}

    def setUp(self):
        super().setUp()
        self.nadia = self.web("nadia")  # logging in is audited: done before counting rows

    def create(self, client: Client | None = None, **changes):
        return (client or self.nadia).post(reverse("accounts:member_new"), self.payload(**changes))

    def assertNothingWritten(self, before_changes: int, before_events: int) -> None:
        self.assertFalse(User.objects.filter(username="newbie").exists())
        self.assertEqual(self.changes_count(), before_changes)
        self.assertEqual(self.events_count(), before_events)
        self.assertEqual(len(mail.outbox), 0)

    def test_it_offers_only_own_active_agencies_and_national_roles(self):
        with self.acting(self.world.nadia, [self.world.country_a]):
            closed = directory_services.create_agency(actor=self.world.nadia, name="Closed A", kind="police")
            directory_services.update_agency(actor=self.world.nadia, instance=closed, is_active=False)
        response = self.web("nadia").get(reverse("accounts:member_new"))
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        with self.as_all():
            agencies = set(form.fields["agency"].queryset.values_list("name", flat=True))
        self.assertIn("Registry A", agencies)
        self.assertNotIn("Registry B", agencies)
        self.assertNotIn("Closed A", agencies)
        roles = {value for value, _label in form.fields["role"].choices}
        self.assertEqual(roles, {"national_admin", "officer", "viewer", "auditor"})
        self.assertNotContains(response, "Registry B")

    def test_it_creates_a_user_without_a_password_and_emails_a_link(self):
        before = self.last_event_seq()
        response = self.create()
        self.assertRedirects(response, reverse("accounts:member_list"))
        user = User.objects.get(username="newbie")
        self.assertFalse(user.has_usable_password())
        self.assertEqual(user.email, "newbie@a.test")
        membership = Membership.unscoped.get(user=user)
        self.assertEqual(membership.agency_id, self.world.agency_a.pk)
        self.assertEqual(membership.country_id, self.world.country_a.pk)
        self.assertEqual(membership.role, "officer")
        self.assertTrue(membership.is_active)
        created = self.events_since(before, verb=events.USER_CREATED).get()
        self.assertEqual(created.actor_id, self.world.nadia.pk)
        self.assertEqual(created.source, "web")
        self.assertEqual(created.country_id, self.world.country_a.pk)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["newbie@a.test"])
        self.assertRegex(mail.outbox[0].body, r"http://testserver/accounts/password/reset/[^/\s]+/[^/\s]+/")

    def test_it_writes_only_to_the_new_user_even_when_the_address_is_shared(self):
        response = self.create(email="alice@world.test")
        self.assertRedirects(response, reverse("accounts:member_list"))
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("newbie", mail.outbox[0].body)
        self.assertNotIn("alice", mail.outbox[0].body.replace("alice@world.test", ""))

    def test_it_lets_the_new_user_set_a_password_from_the_email_and_log_in(self):
        self.create()
        link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
        client = Client()
        form_url = client.get(link)["Location"]
        response = client.post(form_url, {"new_password1": STRONG_PASSWORD, "new_password2": STRONG_PASSWORD})
        self.assertRedirects(response, reverse("accounts:password_reset_complete"))
        login = client.post(reverse("accounts:login"), {"username": "newbie", "password": STRONG_PASSWORD})
        self.assertRedirects(login, reverse("home"))
        me = client.get("/api/v1/memberships/me/").json()
        self.assertEqual((me["role"], me["country"]), ("officer", self.world.country_a.code))

    def test_it_writes_the_membership_to_the_change_log(self):
        before = self.last_change_seq()
        self.create()
        user = User.objects.get(username="newbie")
        change = self.changes_since(before, object_type="accounts.membership").get()
        self.assertEqual(change.action, "create")
        self.assertEqual(change.after["user_id"], user.pk)
        self.assertEqual(change.actor_id, self.world.nadia.pk)

    def test_it_refuses_an_agency_of_another_country(self):
        before_changes, before_events = self.changes_count(), self.events_count()
        response = self.create(agency=self.world.agency_b.pk)
        self.assertEqual(response.status_code, 400)
        self.assertIn("agency", response.context["form"].errors)
        self.assertNothingWritten(before_changes, before_events)

    def test_it_refuses_a_secretariat_role_for_a_national_agency(self):
        before_changes, before_events = self.changes_count(), self.events_count()
        for role in ("secretariat_admin", "secretariat_analyst", "superuser", "nonsense"):
            with self.subTest(role=role):
                response = self.create(role=role)
                self.assertEqual(response.status_code, 400)
                self.assertIn("role", response.context["form"].errors)
        self.assertNothingWritten(before_changes, before_events)

    def test_it_refuses_a_taken_username_whatever_its_case(self):
        before_changes, before_events = self.changes_count(), self.events_count()
        response = self.create(username="ALICE")
        self.assertEqual(response.status_code, 400)
        self.assertIn("username", response.context["form"].errors)
        self.assertEqual(self.changes_count(), before_changes)
        self.assertEqual(self.events_count(), before_events)
        self.assertEqual(len(mail.outbox), 0)

    def test_it_refuses_a_username_with_forbidden_characters_with_a_form_error(self):
        before_changes, before_events = self.changes_count(), self.events_count()
        response = self.create(username="new bie!")
        self.assertEqual(response.status_code, 400)
        self.assertIn("username", response.context["form"].errors)
        self.assertFalse(User.objects.filter(username="new bie!").exists())
        self.assertEqual(self.changes_count(), before_changes)
        self.assertEqual(self.events_count(), before_events)

    def test_it_refuses_a_missing_or_malformed_email(self):
        for email in ("", "not-an-address"):
            with self.subTest(email=email):
                response = self.create(email=email)
                self.assertEqual(response.status_code, 400)
                self.assertIn("email", response.context["form"].errors)
        self.assertFalse(User.objects.filter(username="newbie").exists())

    def test_it_lets_the_secretariat_administrator_create_secretariat_staff_only(self):
        client = self.web("sara")
        form = client.get(reverse("accounts:member_new")).context["form"]
        self.assertEqual({v for v, _l in form.fields["role"].choices}, {"secretariat_admin", "secretariat_analyst"})
        response = self.create(client, agency=self.world.agency_a.pk, role="secretariat_analyst")
        self.assertEqual(response.status_code, 400)
        self.assertIn("agency", response.context["form"].errors)
        response = self.create(client, agency=self.world.agency_s.pk, role="officer")
        self.assertEqual(response.status_code, 400)
        self.assertIn("role", response.context["form"].errors)
        response = self.create(client, agency=self.world.agency_s.pk, role="secretariat_analyst")
        self.assertRedirects(response, reverse("accounts:member_list"))
        self.assertEqual(Membership.unscoped.get(user__username="newbie").country_id, self.world.secretariat.pk)

    def test_it_lets_the_command_line_bootstrap_a_national_administrator_who_sets_a_password_by_email(self):
        # `cifta users add` is how a State's first administrator is created: no password, and
        # the login page's "Forgotten your password?" link must then reach them.
        from io import StringIO

        from django.core.management import call_command

        out = StringIO()
        call_command("users", "add", "firstadmin", "--country", self.world.country_b.code, "--agency", "Registry B",
                     "--role", "national_admin", "--email", "first@b.test", stdout=out)
        user = User.objects.get(username="firstadmin")
        self.assertFalse(user.has_usable_password())
        response = Client().post(reverse("accounts:password_reset"), {"email": "first@b.test"})
        self.assertRedirects(response, reverse("accounts:password_reset_done"))
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["first@b.test"])

    def test_it_answers_a_bad_username_on_the_command_line_with_a_clear_error(self):
        from django.core.management import CommandError, call_command

        with self.assertRaisesMessage(CommandError, "--username"):
            call_command("users", "add", "bad name!", "--country", self.world.country_a.code, "--agency",
                         "Registry A", "--role", "officer", "--email", "bad@a.test")
        self.assertFalse(User.objects.filter(username="bad name!").exists())


class MemberEditTest(AccountsTestCase):
    def edit(self, client: Client, name: str, **data):
        url = reverse("accounts:member_edit", args=[self.membership(name).public_id])
        payload = {"role": self.membership(name).role, "is_active": "on", **data}
        if payload.get("is_active") is False:
            payload.pop("is_active")
        return client.post(url, payload)

    def test_it_shows_the_edit_form_with_the_current_values(self):
        response = self.web("nadia").get(reverse("accounts:member_edit", args=[self.membership("bob").public_id]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["form"].initial, {"role": "viewer", "is_active": True})

    def test_it_changes_a_role_and_logs_it(self):
        before_change, before_event = self.last_change_seq(), self.last_event_seq()
        response = self.edit(self.web("nadia"), "bob", role="officer")
        self.assertRedirects(response, reverse("accounts:member_list"))
        self.assertEqual(self.membership("bob").role, "officer")
        change = self.changes_since(before_change, object_type="accounts.membership").get()
        self.assertEqual(change.changed_fields(), [("role", "viewer", "officer")])
        event = self.events_since(before_event, verb=events.MEMBERSHIP_CHANGED).get()
        self.assertEqual(event.payload["role"], "officer")
        self.assertEqual(event.actor_id, self.world.nadia.pk)
        # bob's next request already carries the new role.
        self.assertEqual(self.web("bob").get("/api/v1/memberships/me/").json()["role"], "officer")

    def test_it_answers_404_for_a_membership_of_another_country(self):
        carlos = self.membership("carlos")
        url = reverse("accounts:member_edit", args=[carlos.public_id])
        client = self.web("nadia")
        before = self.changes_count()
        self.assertEqual(client.get(url).status_code, 404)
        self.assertEqual(client.post(url, {"role": "viewer"}).status_code, 404)
        self.assertEqual(self.changes_count(), before)
        self.assertEqual(self.membership("carlos").role, "officer")
        self.assertTrue(self.membership("carlos").is_active)

    def test_it_answers_404_for_an_unknown_membership(self):
        url = reverse("accounts:member_edit", args=["00000000-0000-4000-8000-000000000000"])
        self.assertEqual(self.web("nadia").get(url).status_code, 404)

    def test_it_does_not_let_an_administrator_deactivate_their_own_membership(self):
        before = self.changes_count()
        response = self.edit(self.web("nadia"), "nadia", is_active=False)
        self.assertEqual(response.status_code, 400)
        self.assertIn("is_active", response.context["form"].errors)
        self.assertTrue(self.membership("nadia").is_active)
        self.assertEqual(self.changes_count(), before)

    def test_it_deactivates_a_colleague_who_then_loses_access_and_tokens(self):
        token, _key = self.make_token("alice")
        alice = self.web("alice")
        self.assertEqual(alice.get("/").status_code, 200)
        response = self.edit(self.web("nadia"), "alice", is_active=False)
        self.assertRedirects(response, reverse("accounts:member_list"))
        self.assertFalse(self.membership("alice").is_active)
        self.assertIsNotNone(ApiToken.unscoped.get(pk=token.pk).revoked_at)
        self.assertEqual(alice.get("/").status_code, 403)
        self.assertEqual(alice.get("/api/v1/agencies/").status_code, 403)

    def test_it_refuses_a_secretariat_role_on_a_national_membership(self):
        response = self.edit(self.web("nadia"), "bob", role="secretariat_admin")
        self.assertEqual(response.status_code, 400)
        self.assertIn("role", response.context["form"].errors)
        self.assertEqual(self.membership("bob").role, "viewer")

    def test_it_writes_nothing_when_nothing_changed(self):
        before = self.changes_count()
        response = self.edit(self.web("nadia"), "bob")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.changes_count(), before)


class MemberAgencyChoicesTest(AccountsTestCase):
    def test_it_offers_the_other_countrys_administrator_exactly_their_own_active_agencies(self):
        # Agency choices are computed per request inside the scope: B's administrator sees B's.
        response = self.web("nico").get(reverse("accounts:member_new"))
        with self.as_all():
            names = set(response.context["form"].fields["agency"].queryset.values_list("name", flat=True))
        self.assertEqual(names, set(Agency.unscoped.filter(country=self.world.country_b, is_active=True)
                                    .values_list("name", flat=True)))
