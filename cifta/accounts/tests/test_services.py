"""The accounts services: their rules, their audit events and their change-log rows."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django_otp.plugins.otp_totp.models import TOTPDevice

from cifta.accounts import events, services
from cifta.accounts.models import ApiToken, Membership, User
from cifta.accounts.tests.support import STRONG_PASSWORD, AccountsTestCase, code_for, wrong_code_for
from cifta.core.context import ChangeContextError, Source, change_context
from cifta.core.errors import ConflictError, ServiceError
from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.scoping import ScopeError, country_scope
from cifta.directory import services as directory_services


class CreateUserTest(AccountsTestCase):
    def create(self, **changes):
        data = {"username": "newbie", "email": "newbie@a.test", "agency": self.world.agency_a, "role": "officer"}
        data.update(changes)
        with self.acting(self.world.nadia, [self.world.country_a]):
            return services.create_user(actor=self.world.nadia, **data)

    def assertRefused(self, field: str, **changes) -> ServiceError:
        before_changes, before_events = self.changes_count(), self.events_count()
        with self.assertRaises(ServiceError) as caught:
            self.create(**changes)
        self.assertEqual(caught.exception.field, field, str(caught.exception))
        self.assertEqual(self.changes_count(), before_changes)
        self.assertEqual(self.events_count(), before_events)
        return caught.exception

    def test_it_creates_the_user_and_the_membership(self):
        user = self.create(first_name="New", last_name="Person", preferred_language="es")
        self.assertEqual((user.first_name, user.last_name, user.preferred_language), ("New", "Person", "es"))
        self.assertFalse(user.has_usable_password())
        membership = Membership.unscoped.get(user=user)
        self.assertEqual((membership.agency_id, membership.role, membership.country_id),
                         (self.world.agency_a.pk, "officer", self.world.country_a.pk))

    def test_it_hashes_a_given_password_with_argon2(self):
        user = self.create(password=STRONG_PASSWORD)
        self.assertTrue(user.check_password(STRONG_PASSWORD))
        self.assertTrue(user.password.startswith("argon2$"))

    def test_it_hashes_passwords_with_argon2_in_production(self):
        import cifta.settings as production

        self.assertEqual(production.PASSWORD_HASHERS[0], "django.contrib.auth.hashers.Argon2PasswordHasher")

    def test_it_writes_an_audit_event_and_a_change_row(self):
        change_seq, event_seq = self.last_change_seq(), self.last_event_seq()
        user = self.create()
        membership = Membership.unscoped.get(user=user)
        event = self.events_since(event_seq).get()
        self.assertEqual(event.verb, events.USER_CREATED)
        self.assertEqual((event.target_type, event.target_id), ("accounts.membership", membership.pk))
        self.assertEqual(event.payload, {"username": "newbie", "role": "officer"})
        self.assertEqual(event.actor_id, self.world.nadia.pk)
        self.assertEqual(event.country_id, self.world.country_a.pk)
        change = self.changes_since(change_seq).get()
        self.assertEqual((change.object_type, change.object_id, change.action),
                         ("accounts.membership", membership.pk, "create"))
        self.assertEqual(change.country_id, self.world.country_a.pk)
        self.assertEqual(change.source, Source.COMMAND)

    def test_it_refuses_a_duplicate_username_whatever_its_case(self):
        for name in ("alice", "Alice", "ALICE"):
            with self.subTest(username=name):
                self.assertRefused("username", username=name)

    def test_it_refuses_a_username_of_another_country(self):
        self.assertRefused("username", username="carlos")

    def test_it_refuses_weak_passwords(self):
        for weak in ("short", "password1234", "qwertyuiop", "12345678901234", "newbie2026", "newbie@a.test"):
            with self.subTest(password=weak):
                self.assertRefused("password", password=weak)
        self.assertFalse(User.objects.filter(username="newbie").exists())

    def test_it_refuses_an_invalid_username(self):
        self.assertRefused("username", username="has space")
        self.assertRefused("username", username="x" * 151)

    def test_it_refuses_an_invalid_email(self):
        self.assertRefused("email", email="not-an-address")

    def test_it_refuses_a_role_that_does_not_fit_the_agency(self):
        self.assertRefused("role", role="secretariat_admin")
        self.assertRefused("role", role="secretariat_analyst")
        self.assertRefused("role", role="superuser")
        with self.acting(self.world.sara, [self.world.secretariat]):
            for role in ("officer", "national_admin"):
                with self.subTest(role=role), self.assertRaises(ServiceError) as caught:
                    services.create_user(actor=self.world.sara, username="x", email="x@s.test",
                                         agency=self.world.agency_s, role=role)
                self.assertEqual(caught.exception.field, "role")

    def test_it_refuses_an_agency_outside_the_scope(self):
        before = self.changes_count()
        with self.assertRaises(ObjectDoesNotExist):
            self.create(agency=self.world.agency_b)
        self.assertEqual(self.changes_count(), before)
        self.assertFalse(User.objects.filter(username="newbie").exists())

    def test_it_needs_a_change_context_and_a_scope(self):
        with country_scope([self.world.country_a.pk]), self.assertRaises(ChangeContextError):
            services.create_user(actor=self.world.nadia, username="newbie", email="n@a.test",
                                 agency=self.world.agency_a, role="officer")
        with change_context(self.world.nadia, Source.COMMAND), self.assertRaises(ScopeError):
            services.create_user(actor=self.world.nadia, username="newbie", email="n@a.test",
                                 agency=self.world.agency_a, role="officer")
        self.assertFalse(User.objects.filter(username="newbie").exists())


class MembershipServicesTest(AccountsTestCase):
    def in_a(self):
        return self.acting(self.world.nadia, [self.world.country_a])

    def second_agency(self):
        with self.in_a():
            return directory_services.create_agency(actor=self.world.nadia, name="Police A", kind="police")

    def test_it_grants_a_membership_with_an_event_and_a_change_row(self):
        agency = self.second_agency()
        change_seq, event_seq = self.last_change_seq(), self.last_event_seq()
        with self.in_a():
            membership = services.grant_membership(actor=self.world.nadia, user=self.world.bob, agency=agency,
                                                   role="officer")
        self.assertEqual(membership.country_id, self.world.country_a.pk)
        event = self.events_since(event_seq).get()
        self.assertEqual((event.verb, event.target_id, event.payload),
                         (events.MEMBERSHIP_GRANTED, membership.pk, {"role": "officer"}))
        change = self.changes_since(change_seq).get()
        self.assertEqual((change.object_type, change.action, change.object_id),
                         ("accounts.membership", "create", membership.pk))

    def test_it_refuses_a_second_membership_in_the_same_agency(self):
        before = self.changes_count()
        with self.in_a(), self.assertRaises(ConflictError) as caught:
            services.grant_membership(actor=self.world.nadia, user=self.world.alice, agency=self.world.agency_a,
                                      role="viewer")
        self.assertEqual(caught.exception.field, "agency")
        self.assertEqual(self.changes_count(), before)

    def test_it_refuses_to_grant_in_an_agency_of_another_country(self):
        with self.in_a(), self.assertRaises(ObjectDoesNotExist):
            services.grant_membership(actor=self.world.nadia, user=self.world.alice, agency=self.world.agency_b,
                                      role="viewer")

    def test_it_refuses_a_role_that_does_not_fit_when_granting(self):
        agency = self.second_agency()
        with self.in_a(), self.assertRaises(ServiceError) as caught:
            services.grant_membership(actor=self.world.nadia, user=self.world.bob, agency=agency,
                                      role="secretariat_admin")
        self.assertEqual(caught.exception.field, "role")

    def test_it_changes_a_membership_with_before_and_after(self):
        bob = self.membership("bob")
        change_seq, event_seq = self.last_change_seq(), self.last_event_seq()
        with self.in_a():
            services.change_membership(actor=self.world.nadia, instance=bob, role="auditor")
        change = self.changes_since(change_seq).get()
        self.assertEqual(change.action, "update")
        self.assertEqual(change.changed_fields(), [("role", "viewer", "auditor")])
        event = self.events_since(event_seq).get()
        self.assertEqual(event.verb, events.MEMBERSHIP_CHANGED)
        self.assertEqual(event.payload, {"role": "auditor", "is_active": None})

    def test_it_refuses_to_deactivate_ones_own_membership(self):
        before = self.changes_count()
        with self.in_a(), self.assertRaises(ServiceError) as caught:
            services.change_membership(actor=self.world.nadia, instance=self.membership("nadia"), is_active=False)
        self.assertEqual(caught.exception.field, "is_active")
        self.assertTrue(self.membership("nadia").is_active)
        self.assertEqual(self.changes_count(), before)

    def test_it_refuses_a_membership_of_another_country(self):
        with self.in_a(), self.assertRaises(ObjectDoesNotExist):
            services.change_membership(actor=self.world.nadia, instance=self.membership("carlos"), role="viewer")
        self.assertEqual(self.membership("carlos").role, "officer")

    def test_it_revokes_the_tokens_of_a_deactivated_membership_with_change_rows(self):
        first, _ = self.make_token("alice", label="one")
        second, _ = self.make_token("alice", label="two")
        with self.acting(self.world.alice, [self.world.country_a]):
            services.revoke_api_token(actor=self.world.alice, instance=second)
        already = ApiToken.unscoped.get(pk=second.pk).revoked_at
        change_seq = self.last_change_seq()
        with self.in_a():
            services.change_membership(actor=self.world.nadia, instance=self.membership("alice"), is_active=False)
        self.assertIsNotNone(ApiToken.unscoped.get(pk=first.pk).revoked_at)
        self.assertEqual(ApiToken.unscoped.get(pk=second.pk).revoked_at, already)
        rows = self.changes_since(change_seq)
        self.assertEqual([(r.object_type, r.object_id) for r in rows],
                         [("accounts.membership", self.membership("alice").pk), ("accounts.apitoken", first.pk)])
        token_row = rows.last()
        self.assertEqual([name for name, _old, _new in token_row.changed_fields()], ["revoked_at"])


class TokenServicesTest(AccountsTestCase):
    def test_it_creates_a_token_with_an_event_and_a_masked_change_row(self):
        change_seq, event_seq = self.last_change_seq(), self.last_event_seq()
        token, key = self.make_token("alice", days=10, label="  nightly import  ")
        self.assertEqual(token.name, "nightly import")
        self.assertTrue(token.matches(key))
        self.assertFalse(token.matches(key + "x"))
        event = self.events_since(event_seq).get()
        self.assertEqual((event.verb, event.target_id, event.payload),
                         (events.TOKEN_CREATED, token.pk, {"name": "nightly import", "days": 10}))
        change = self.changes_since(change_seq).get()
        self.assertEqual((change.object_type, change.action), ("accounts.apitoken", "create"))
        self.assertEqual(change.after["key_hash"], "********")
        self.assertEqual(change.after["prefix"], token.prefix)

    def test_it_makes_unique_prefixes_of_the_right_length(self):
        prefixes = {self.make_token("alice", label=f"t{i}")[0].prefix for i in range(5)}
        self.assertEqual(len(prefixes), 5)
        self.assertTrue(all(len(p) == 8 for p in prefixes))

    def test_it_refuses_a_token_for_someone_elses_membership(self):
        with self.acting(self.world.nadia, [self.world.country_a]), self.assertRaises(ServiceError) as caught:
            services.create_api_token(actor=self.world.nadia, membership=self.membership("alice"), name="x")
        self.assertEqual(caught.exception.field, "membership")
        self.assertFalse(ApiToken.unscoped.exists())

    def test_it_refuses_a_blank_name_or_a_lifetime_out_of_range(self):
        alice, membership = self.world.alice, self.membership("alice")
        for field, kwargs in (("name", {"name": "   "}), ("days", {"name": "x", "days": 0}),
                              ("days", {"name": "x", "days": 367}), ("days", {"name": "x", "days": -5})):
            with self.subTest(**kwargs), self.acting(alice, [self.world.country_a]):
                with self.assertRaises(ServiceError) as caught:
                    services.create_api_token(actor=alice, membership=membership, **kwargs)
                self.assertEqual(caught.exception.field, field)
        self.assertFalse(ApiToken.unscoped.exists())

    def test_it_revokes_once_with_one_event_and_one_change_row(self):
        token, _key = self.make_token("alice")
        change_seq, event_seq = self.last_change_seq(), self.last_event_seq()
        with self.acting(self.world.alice, [self.world.country_a]):
            revoked = services.revoke_api_token(actor=self.world.alice, instance=token)
            again = services.revoke_api_token(actor=self.world.alice, instance=token)
        self.assertIsNotNone(revoked.revoked_at)
        self.assertEqual(again.revoked_at, revoked.revoked_at)
        self.assertEqual([e.verb for e in self.events_since(event_seq)], [events.TOKEN_REVOKED])
        change = self.changes_since(change_seq).get()
        self.assertEqual([name for name, _old, _new in change.changed_fields()], ["revoked_at"])
        self.assertFalse(revoked.is_usable)
        self.assertEqual(str(revoked.status()), "revoked")

    def test_it_refuses_to_revoke_a_token_of_another_country(self):
        token, _key = self.make_token("carlos")
        with self.acting(self.world.nadia, [self.world.country_a]), self.assertRaises(ObjectDoesNotExist):
            services.revoke_api_token(actor=self.world.nadia, instance=token)
        self.assertIsNone(ApiToken.unscoped.get(pk=token.pk).revoked_at)

    def test_it_does_not_log_last_use_as_history(self):
        token, key = self.make_token("alice")
        before = self.changes_count()
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        client.get("/api/v1/memberships/me/")
        self.assertIsNotNone(ApiToken.unscoped.get(pk=token.pk).last_used_at)
        self.assertEqual(self.changes_count(), before)


class SecondFactorServicesTest(AccountsTestCase):
    def test_it_starts_an_enrolment_replacing_earlier_unconfirmed_devices(self):
        first = services.start_totp_enrollment(user=self.world.nadia)
        second = services.start_totp_enrollment(user=self.world.nadia)
        self.assertEqual(list(TOTPDevice.objects.filter(user=self.world.nadia).values_list("pk", flat=True)),
                         [second.pk])
        self.assertNotEqual(first.key, second.key)
        self.assertFalse(second.confirmed)

    def test_it_confirms_with_a_right_code_and_records_it(self):
        old = self.confirmed_device("nadia")
        device = services.start_totp_enrollment(user=self.world.nadia)
        before = self.last_event_seq()
        self.assertTrue(services.confirm_totp_enrollment(user=self.world.nadia, device=device,
                                                         token=code_for(device)))
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        self.assertFalse(TOTPDevice.objects.filter(pk=old.pk).exists())
        event = self.events_since(before).get()
        self.assertEqual(event.verb, events.SECOND_FACTOR_ENROLLED)
        self.assertEqual(event.actor_id, self.world.nadia.pk)
        self.assertEqual(event.country_id, self.world.country_a.pk)

    def test_it_refuses_a_wrong_code_and_records_the_failure(self):
        device = services.start_totp_enrollment(user=self.world.nadia)
        before = self.last_event_seq()
        self.assertFalse(services.confirm_totp_enrollment(user=self.world.nadia, device=device,
                                                          token=wrong_code_for(device)))
        device.refresh_from_db()
        self.assertFalse(device.confirmed)
        event = self.events_since(before).get()
        self.assertEqual((event.verb, event.payload), (events.SECOND_FACTOR_FAILED, {"during": "enrollment"}))


class UserEventTest(AccountsTestCase):
    def test_it_records_an_event_for_an_anonymous_caller_as_system_anonymous(self):
        before = self.last_event_seq()
        services.record_user_event(None, events.PASSWORD_RESET_REQUESTED, {})
        event = self.events_since(before).get()
        self.assertEqual((event.actor_id, event.actor_repr, event.country_id), (None, "system:anonymous", None))

    def test_it_records_an_event_under_the_callers_context_when_there_is_one(self):
        before = self.last_event_seq()
        with change_context(self.world.nadia, Source.API) as ctx:
            services.record_user_event(self.world.alice, events.MEMBERSHIP_SWITCHED, {"membership": 1})
        event = self.events_since(before).get()
        self.assertEqual((event.actor_id, event.source, event.request_id), (self.world.nadia.pk, "api",
                                                                            ctx.request_id))
        self.assertEqual(event.country_id, self.world.country_a.pk)

    def test_it_masks_secrets_in_the_payload(self):
        before = self.last_event_seq()
        services.record_user_event(self.world.alice, events.PASSWORD_CHANGED, {"password": "hunter2hunter2"})
        self.assertEqual(self.events_since(before).get().payload, {"password": "********"})

    def test_it_keeps_both_audit_chains_intact(self):
        from cifta.core.chain import verify_chain

        self.make_token("alice")
        with self.acting(self.world.nadia, [self.world.country_a]):
            services.change_membership(actor=self.world.nadia, instance=self.membership("alice"), is_active=False)
        for model in (ObjectChange, AuditEvent):
            result = verify_chain(model)
            self.assertIsNone(result.first_break)
            self.assertEqual(result.rows, model.unscoped.count())
