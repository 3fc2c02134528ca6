"""The directory's services: validation, scope, primary contacts, audit trail, atomicity."""

from __future__ import annotations

from contextlib import AbstractContextManager
from unittest import mock

from django.core.exceptions import ObjectDoesNotExist

from cifta.core import audit
from cifta.core.errors import ServiceError
from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.scoping import ALL_COUNTRIES
from cifta.directory import events, services
from cifta.directory.models import Agency, PointOfContact
from cifta.directory.tests.helpers import DirectoryTestCase, acting, changes_since, events_since, last_seq


class ServiceTestCase(DirectoryTestCase):
    """Groups of tests are mixed into one test case below, so the world is built once."""

    __test__ = False

    def in_a(self) -> AbstractContextManager[None]:
        return acting([self.world.country_a.pk], actor=self.world.nadia)

    def in_b(self) -> AbstractContextManager[None]:
        return acting([self.world.country_b.pk], actor=self.world.nico)


class AgencyServiceTests(ServiceTestCase):
    def test_create_agency_refuses_an_empty_name(self) -> None:
        for name in ("", "   "):
            with self.in_a(), self.assertRaises(ServiceError) as caught:
                services.create_agency(actor=self.world.nadia, name=name, kind=Agency.Kind.POLICE)
            self.assertEqual(caught.exception.field, "name")
        with self.in_a(), self.assertRaises(ServiceError) as caught:
            services.create_agency(actor=self.world.nadia, kind=Agency.Kind.POLICE)
        self.assertEqual(caught.exception.field, "name")

    def test_create_agency_refuses_a_duplicate_name_in_the_same_country(self) -> None:
        before = self.changes_count()
        with self.in_a(), self.assertRaises(ServiceError) as caught:
            services.create_agency(actor=self.world.nadia, name="Registry A", kind=Agency.Kind.POLICE)
        self.assertEqual(caught.exception.field, "name")
        self.assertEqual(self.changes_count(), before)

    def test_the_same_name_is_allowed_in_another_country(self) -> None:
        with self.in_b():
            agency = services.create_agency(actor=self.world.nico, name="Registry A", kind=Agency.Kind.REGISTRY)
        self.assertEqual(agency.country_id, self.world.country_b.pk)
        self.assertEqual(Agency.unscoped.filter(name="Registry A").count(), 2)

    def test_create_agency_refuses_an_unknown_field(self) -> None:
        with self.in_a(), self.assertRaises(ServiceError) as caught:
            services.create_agency(actor=self.world.nadia, name="X", kind="police", country=self.world.country_b)
        self.assertEqual(caught.exception.field, "country")

    def test_create_agency_takes_the_country_from_the_scope(self) -> None:
        with self.in_a():
            agency = services.create_agency(actor=self.world.nadia, name="Customs A", kind=Agency.Kind.CUSTOMS)
        self.assertEqual(agency.country_id, self.world.country_a.pk)

    def test_update_agency_of_another_country_is_impossible(self) -> None:
        before = self.changes_count()
        with self.in_a(), self.assertRaises(ObjectDoesNotExist):
            services.update_agency(actor=self.world.nadia, instance=self.world.agency_b, city="Hijacked")
        self.assertEqual(self.changes_count(), before)
        with acting(ALL_COUNTRIES):
            self.assertEqual(Agency.objects.get(pk=self.world.agency_b.pk).city, "")

    def test_update_agency_refuses_a_name_taken_in_the_same_country(self) -> None:
        with self.in_a():
            other = services.create_agency(actor=self.world.nadia, name="Police A", kind=Agency.Kind.POLICE)
            with self.assertRaises(ServiceError) as caught:
                services.update_agency(actor=self.world.nadia, instance=other, name="Registry A")
        self.assertEqual(caught.exception.field, "name")

    def test_update_agency_refuses_an_empty_name_like_create(self) -> None:
        for name in ("", "   "):
            with self.in_a(), self.assertRaises(ServiceError) as caught:
                services.update_agency(actor=self.world.nadia, instance=self.world.agency_a, name=name)
            self.assertEqual(caught.exception.field, "name")
        with self.in_a():
            self.assertEqual(Agency.objects.get(pk=self.world.agency_a.pk).name, "Registry A")


class PointOfContactServiceTests(ServiceTestCase):
    def test_create_point_of_contact_with_another_countrys_agency_raises(self) -> None:
        before = self.changes_count()
        with self.in_a(), self.assertRaises(ObjectDoesNotExist):
            services.create_point_of_contact(
                actor=self.world.nadia, agency=self.world.agency_b, full_name="Smuggled", email="s@a.test")
        self.assertEqual(self.changes_count(), before)
        self.assertFalse(PointOfContact.unscoped.filter(full_name="Smuggled").exists())

    def test_update_point_of_contact_cannot_move_to_another_countrys_agency(self) -> None:
        with self.in_a(), self.assertRaises(ObjectDoesNotExist):
            services.update_point_of_contact(
                actor=self.world.nadia, instance=self.world.contact_a, agency=self.world.agency_b)

    def test_update_point_of_contact_of_another_country_is_impossible_even_when_published(self) -> None:
        with self.in_a(), self.assertRaises(ObjectDoesNotExist):
            services.update_point_of_contact(actor=self.world.nadia, instance=self.world.contact_b, phone="1")

    def test_marking_a_contact_primary_demotes_the_previous_primary_of_the_same_country_only(self) -> None:
        with self.in_a():
            new = services.create_point_of_contact(
                actor=self.world.nadia, agency=self.world.agency_a, full_name="New primary A",
                email="new@a.test", is_primary=True)
        self.assert_primaries(a={new.pk}, b={self.world.contact_b.pk})

    def test_updating_a_contact_to_primary_demotes_the_previous_one(self) -> None:
        with self.in_a():
            second = services.create_point_of_contact(
                actor=self.world.nadia, agency=self.world.agency_a, full_name="Second A", email="2@a.test")
            self.assert_primaries(a={self.world.contact_a.pk}, b={self.world.contact_b.pk})
            services.update_point_of_contact(actor=self.world.nadia, instance=second, is_primary=True)
        self.assert_primaries(a={second.pk}, b={self.world.contact_b.pk})

    def test_a_primary_set_with_every_country_in_scope_demotes_only_its_own_country(self) -> None:
        # System work (a command, an import, the hub operator) runs with ALL_COUNTRIES in scope.
        with acting(ALL_COUNTRIES):
            new = services.create_point_of_contact(
                actor="system:test", agency=self.world.agency_a, full_name="New primary A",
                email="new@a.test", is_primary=True)
        self.assert_primaries(a={new.pk}, b={self.world.contact_b.pk})

    def assert_primaries(self, *, a: set[int], b: set[int]) -> None:
        primaries = PointOfContact.unscoped.filter(is_primary=True)
        self.assertEqual(set(primaries.filter(country=self.world.country_a).values_list("pk", flat=True)), a)
        self.assertEqual(set(primaries.filter(country=self.world.country_b).values_list("pk", flat=True)), b)


class AuditTrailTests(ServiceTestCase):
    def test_create_agency_writes_one_change_and_one_created_event(self) -> None:
        seq_c, seq_e = last_seq(ObjectChange), last_seq(AuditEvent)
        with self.in_a():
            agency = services.create_agency(actor=self.world.nadia, name="Police A", kind=Agency.Kind.POLICE)
        (change,) = changes_since(seq_c)
        self.assertEqual((change.object_type, change.object_id, change.action),
                         ("directory.agency", agency.pk, ObjectChange.Action.CREATE))
        self.assertEqual(change.country_id, self.world.country_a.pk)
        self.assertEqual(change.actor_id, self.world.nadia.pk)
        self.assertIsNone(change.before)
        self.assertEqual((change.after or {})["name"], "Police A")
        (event,) = events_since(seq_e)
        self.assertEqual((event.verb, event.target_id), (events.AGENCY_CREATED, agency.pk))
        self.assertEqual(event.country_id, self.world.country_a.pk)
        self.assertEqual(event.payload, {"name": "Police A", "kind": "police"})
        self.assertEqual(event.request_id, change.request_id)

    def test_update_agency_writes_one_change_and_one_updated_event(self) -> None:
        seq_c, seq_e = last_seq(ObjectChange), last_seq(AuditEvent)
        with self.in_a():
            services.update_agency(actor=self.world.nadia, instance=self.world.agency_a, city="Bogotá")
        (change,) = changes_since(seq_c)
        self.assertEqual((change.object_id, change.action), (self.world.agency_a.pk, ObjectChange.Action.UPDATE))
        self.assertEqual(change.changed_fields(), [("city", "", "Bogotá")])
        (event,) = events_since(seq_e)
        self.assertEqual((event.verb, event.target_id), (events.AGENCY_UPDATED, self.world.agency_a.pk))
        self.assertEqual(event.payload, {"fields": ["city"]})

    def test_create_contact_writes_one_change_and_one_created_event(self) -> None:
        seq_c, seq_e = last_seq(ObjectChange), last_seq(AuditEvent)
        with self.in_a():
            contact = services.create_point_of_contact(
                actor=self.world.nadia, agency=self.world.agency_a, full_name="Second A", email="2@a.test")
        (change,) = changes_since(seq_c)
        self.assertEqual((change.object_type, change.object_id, change.action),
                         ("directory.pointofcontact", contact.pk, ObjectChange.Action.CREATE))
        (event,) = events_since(seq_e)
        self.assertEqual((event.verb, event.target_id), (events.CONTACT_CREATED, contact.pk))

    def test_a_new_primary_contact_logs_one_change_per_saved_row(self) -> None:
        seq_c, seq_e = last_seq(ObjectChange), last_seq(AuditEvent)
        with self.in_a():
            contact = services.create_point_of_contact(
                actor=self.world.nadia, agency=self.world.agency_a, full_name="Primary A2", email="p@a.test",
                is_primary=True)
        changes = changes_since(seq_c)
        self.assertEqual([(c.object_id, c.action) for c in changes],
                         [(contact.pk, "create"), (self.world.contact_a.pk, "update")])
        self.assertEqual(changes[1].changed_fields(), [("is_primary", True, False)])
        self.assertEqual([e.verb for e in events_since(seq_e)], [events.CONTACT_CREATED])

    def test_update_contact_writes_one_change_and_one_updated_event(self) -> None:
        seq_c, seq_e = last_seq(ObjectChange), last_seq(AuditEvent)
        with self.in_a():
            services.update_point_of_contact(actor=self.world.nadia, instance=self.world.contact_a, phone="+57 1")
        (change,) = changes_since(seq_c)
        self.assertEqual(change.changed_fields(), [("phone", "", "+57 1")])
        (event,) = events_since(seq_e)
        self.assertEqual((event.verb, event.target_id), (events.CONTACT_UPDATED, self.world.contact_a.pk))

    def test_an_update_that_changes_nothing_writes_no_change(self) -> None:
        seq_c = last_seq(ObjectChange)
        with self.in_a():
            services.update_agency(actor=self.world.nadia, instance=self.world.agency_a, name="Registry A")
        self.assertEqual(changes_since(seq_c), [])


class AtomicityTests(ServiceTestCase):
    def test_a_crash_after_the_save_leaves_no_agency_and_no_change(self) -> None:
        seq_c, seq_e = last_seq(ObjectChange), last_seq(AuditEvent)
        with mock.patch.object(audit, "emit", side_effect=RuntimeError("boom")), self.in_a(), \
                self.assertRaises(RuntimeError):
            services.create_agency(actor=self.world.nadia, name="Doomed A", kind=Agency.Kind.POLICE)
        self.assertFalse(Agency.unscoped.filter(name="Doomed A").exists())
        self.assertEqual(changes_since(seq_c), [])
        self.assertEqual(events_since(seq_e), [])
        # The chain head rolled back with the rows: the next write links on cleanly.
        with self.in_a():
            services.create_agency(actor=self.world.nadia, name="Survivor A", kind=Agency.Kind.POLICE)
        self.assertEqual([c.seq for c in changes_since(seq_c)], [seq_c + 1])

    def test_a_crash_after_demoting_the_old_primary_keeps_it_primary(self) -> None:
        seq_c = last_seq(ObjectChange)
        with mock.patch.object(audit, "emit", side_effect=RuntimeError("boom")), self.in_a(), \
                self.assertRaises(RuntimeError):
            services.create_point_of_contact(
                actor=self.world.nadia, agency=self.world.agency_a, full_name="Doomed", email="d@a.test",
                is_primary=True)
        self.assertFalse(PointOfContact.unscoped.filter(full_name="Doomed").exists())
        self.assertTrue(PointOfContact.unscoped.get(pk=self.world.contact_a.pk).is_primary)
        self.assertEqual(changes_since(seq_c), [])

    def test_a_crash_in_an_update_leaves_the_agency_as_it_was(self) -> None:
        seq_c = last_seq(ObjectChange)
        with mock.patch.object(audit, "emit", side_effect=RuntimeError("boom")), self.in_a(), \
                self.assertRaises(RuntimeError):
            services.update_agency(actor=self.world.nadia, instance=self.world.agency_a, city="Lost")
        self.assertEqual(Agency.unscoped.get(pk=self.world.agency_a.pk).city, "")
        self.assertEqual(changes_since(seq_c), [])


class DirectoryServicesTest(AgencyServiceTests, PointOfContactServiceTests, AuditTrailTests, AtomicityTests):
    __test__ = True
