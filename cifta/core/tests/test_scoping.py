"""Fail-closed scoping: no scope, no data; the scope decides; writes stay in their country."""

from __future__ import annotations

import pytest
from django.db import transaction

from cifta.core.context import ChangeContextError, Source, change_context
from cifta.core.scoping import ALL_COUNTRIES, ScopeError, country_scope, no_scope
from cifta.directory import services
from cifta.directory.models import Agency, PointOfContact
from cifta.testing.base import WorldTestCase


class ScopeTest(WorldTestCase):
    def test_a_scoped_query_without_scope_raises(self):
        with no_scope():
            for attempt in (
                lambda: list(Agency.objects.all()),
                lambda: Agency.objects.count(),
                lambda: Agency.objects.filter(name="x").exists(),
                lambda: Agency.objects.get(pk=1),
                lambda: list(PointOfContact.objects.filter(agency__in=Agency.objects.all())),
                lambda: Agency.objects.first(),
                lambda: Agency.objects.aggregate(n=__import__("django").db.models.Count("id")),
            ):
                with pytest.raises(ScopeError):
                    attempt()

    def test_none_is_not_a_scope(self):
        with pytest.raises(ValueError), country_scope(None):  # type: ignore[arg-type]
            pass

    def test_querysets_can_be_built_without_scope_but_not_run(self):
        with no_scope():
            qs = Agency.objects.filter(kind="police").order_by("name")
        with pytest.raises(ScopeError):
            list(qs)

    def test_the_scope_decides_what_is_seen(self):
        a, b = self.world.country_a, self.world.country_b
        with country_scope([a.pk]):
            names = set(Agency.objects.values_list("name", flat=True))
        assert "Registry A" in names and "Registry B" not in names
        with country_scope([b.pk]):
            assert not Agency.objects.filter(pk=self.world.agency_a.pk).exists()
        with country_scope(ALL_COUNTRIES):
            assert Agency.objects.filter(pk__in=[self.world.agency_a.pk, self.world.agency_b.pk]).count() == 2

    def test_reverse_relations_are_scoped_too(self):
        with country_scope([self.world.country_a.pk]):
            agency_b = Agency.unscoped.get(pk=self.world.hidden_contact_b.agency_id)
            assert list(agency_b.points_of_contact.all()) == []

    def test_bulk_writes_are_refused(self):
        with country_scope([self.world.country_a.pk]):
            with pytest.raises(ScopeError):
                Agency.objects.filter(pk=self.world.agency_a.pk).update(name="x")
            with pytest.raises(ScopeError):
                Agency.objects.filter(pk=self.world.agency_a.pk).delete()


class WriteRulesTest(WorldTestCase):
    def test_a_write_without_change_context_raises(self):
        with country_scope([self.world.country_a.pk]), transaction.atomic():
            agency = Agency.objects.get(pk=self.world.agency_a.pk)
            agency.city = "Nowhere"
            with pytest.raises(ChangeContextError):
                agency.save()

    def test_a_write_outside_a_transaction_raises(self):
        from cifta.core.chain import NotInTransactionError

        with country_scope([self.world.country_a.pk]), change_context("system:test", Source.COMMAND):
            agency = Agency.objects.get(pk=self.world.agency_a.pk)
            agency.city = "Nowhere"
            # TestCase wraps each test in a transaction; leave it to see the rule.
            connection = transaction.get_connection()
            saved = connection.in_atomic_block
            connection.in_atomic_block = False
            try:
                with pytest.raises(NotInTransactionError):
                    agency.save()
            finally:
                connection.in_atomic_block = saved

    def test_a_scope_cannot_write_another_countrys_record(self):
        with country_scope([self.world.country_a.pk]), change_context("system:test", Source.COMMAND):
            agency_b = Agency.unscoped.get(pk=self.world.agency_b.pk)
            agency_b.city = "Hijacked"
            with pytest.raises(ScopeError), transaction.atomic():
                agency_b.save()
        assert Agency.unscoped.get(pk=self.world.agency_b.pk).city == ""

    def test_a_record_cannot_move_to_another_country(self):
        with country_scope([self.world.country_a.pk, self.world.country_b.pk]), \
                change_context("system:test", Source.COMMAND):
            agency = Agency.objects.get(pk=self.world.agency_a.pk)
            agency.country_id = self.world.country_b.pk
            with pytest.raises(ScopeError), transaction.atomic():
                agency.save()

    def test_a_write_needs_one_country_when_none_is_given(self):
        with country_scope(ALL_COUNTRIES), change_context("system:test", Source.COMMAND):
            with pytest.raises(ScopeError), transaction.atomic():
                services.create_agency(actor="system:test", name="Ambiguous", kind="police")
