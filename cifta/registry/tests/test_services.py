"""Registry services: registration, natural key, lifecycle refusals, hit notices, markings,
State serials; every write audited and scoped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from cifta.core.context import Source, change_context
from cifta.core.errors import ConflictError, ServiceError
from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.scoping import country_scope
from cifta.registry import services
from cifta.registry.drafts import MarkingDraft, ReferenceIndex, draft_from_row
from cifta.registry.models import Firearm, FirearmEvent, HitNotice, Marking
from cifta.testing.registry_world import RegistryWorldTestCase, register

TODAY = dt.date(2025, 1, 1)


class RegistrationTest(RegistryWorldTestCase):
    def in_a(self):
        return country_scope([self.world.country_a.pk]), change_context(self.world.alice, Source.WEB)

    def draft(self, **row):
        with country_scope([self.world.country_a.pk]):
            return draft_from_row({"type": "pistol", **row}, ReferenceIndex({"Registry A": self.world.agency_a.pk}),
                                  today=TODAY)

    def test_a_registration_resolves_aliases_and_records_everything(self):
        f = self.firearms.glock_a
        assert (f.manufacturer.name, f.model.name, f.calibre.designation) == ("Glock", "17", "9×19 mm")
        assert f.country_id == self.world.country_a.pk and f.status == "registered"
        with country_scope([self.world.country_a.pk]):
            assert [s.key for s in f.serials.all()] == ["ABC123"]
            assert f.markings.get().kind == "manufacture"
            assert list(f.events.values_list("kind", flat=True)) == ["manufactured"]
            assert ObjectChange.objects.filter(object_type="registry.firearm", object_id=f.pk).count() == 1
            assert AuditEvent.objects.filter(verb="registry.firearm.registered", target_id=f.pk).exists()

    @pytest.mark.filterwarnings("ignore")
    def test_bad_input_names_the_field(self):
        cases = [
            ({"serial": ""}, "serial"),
            ({"serial": "X1", "calibre": "9mm Unobtainium"}, "calibre"),
            ({"serial": "X1", "year_of_manufacture": "2031"}, "year_of_manufacture"),
            ({"serial": "X1", "importer_name": "Importer SA"}, "import_country"),
            ({"serial": "X1", "country_of_manufacture": "ZZ"}, "country_of_manufacture"),
            ({"serial": "X1", "type": "catapult"}, "type"),
            ({"serial": "X1", "event": "reported_lost"}, "event"),
            ({"serial": "X1", "event_date": "2030-01-01"}, "event_date"),
            ({"serial": "X1", "holding_agency": "Registry B"}, "holding_agency"),
        ]
        for row, field in cases:
            with pytest.raises(ServiceError) as info:
                self.draft(**row)
            assert info.value.field == field, row

    def test_the_natural_key_refuses_a_duplicate_but_not_in_another_country(self):
        scope, ctx = self.in_a()
        with scope, ctx, pytest.raises(ConflictError) as info:
            services.register_firearm(actor=self.world.alice,
                                      draft=self.draft(make="GLOCK", model="17", serial="abc-123"))
        assert info.value.field == "serial"
        assert self.firearms.glock_b.serial_key == "ABC123"  # B's own record with the same serial exists

    def test_separators_and_case_do_not_make_a_new_serial(self):
        assert self.draft(serial=" ab-1 2/3 ").serial_key == "AB123"


class LifecycleServiceTest(RegistryWorldTestCase):
    def act(self, firearm, kind, **kw):
        with country_scope([self.world.country_a.pk]), change_context(self.world.alice, Source.WEB):
            return services.record_event(actor=self.world.alice, firearm=firearm, kind=kind,
                                         occurred_on=dt.date(2024, 6, 1), **kw)

    def holder(self):
        with country_scope([self.world.country_a.pk]), change_context(self.world.alice, Source.WEB):
            return services.create_civilian_holder(actor=self.world.alice, full_name="Private Person")

    def test_status_follows_events_and_the_holder_moves(self):
        f = self.firearms.glock_a
        holder = self.holder()
        self.act(f, "holder_changed", civilian_holder=holder)
        self.act(f, "reported_stolen", reference="CASE-9")
        f = Firearm.unscoped.get(pk=f.pk)
        assert f.status == "stolen" and f.civilian_holder_id == holder.pk

    def test_a_seized_firearm_cannot_go_to_a_private_holder(self):
        with pytest.raises(ServiceError, match=r"Art\. VII"):
            self.act(self.firearms.seized_a, "holder_changed", civilian_holder=self.holder())
        assert Firearm.unscoped.get(pk=self.firearms.seized_a.pk).civilian_holder_id is None

    def test_a_destroyed_firearm_cannot_be_destroyed_or_transferred_again(self):
        f = self.firearms.seized_a
        self.act(f, "destroyed", reference="DEST-1")
        for kind, extra in (("destroyed", {}), ("exported", {"counterpart_country": "US"}),
                            ("holder_changed", {"agency": self.world.agency_a})):
            with pytest.raises(ServiceError, match="destroyed"):
                self.act(f, kind, **extra)
        assert FirearmEvent.unscoped.filter(firearm=f, kind="destroyed").count() == 1

    def test_events_are_append_only(self):
        from cifta.core.models.audit import AppendOnlyError

        event = self.act(self.firearms.glock_a, "marked")
        with country_scope([self.world.country_a.pk]), change_context("system:t", Source.COMMAND), \
                transaction.atomic(), pytest.raises(AppendOnlyError):
            event.notes = "rewritten"
            event.save()

    def test_future_dates_and_missing_counterparts_are_refused(self):
        with pytest.raises(ServiceError) as info:
            self.act(self.firearms.glock_a, "exported")
        assert info.value.field == "counterpart_country"
        with country_scope([self.world.country_a.pk]), change_context(self.world.alice, Source.WEB), \
                pytest.raises(ServiceError) as info:
            services.record_event(actor=self.world.alice, firearm=self.firearms.glock_a, kind="marked",
                                  occurred_on=dt.date.today() + dt.timedelta(days=2))
        assert info.value.field == "occurred_on"

    def test_another_countrys_firearm_cannot_be_touched(self):
        with pytest.raises(Firearm.DoesNotExist):
            self.act(self.firearms.glock_b, "reported_lost")


class HitNoticeTest(RegistryWorldTestCase):
    def test_registering_a_match_of_a_lost_firearm_notifies_the_reporting_agency(self):
        register(self.world, "A", {"type": "pistol", "make": "Taurus", "serial": "TX 0001", "event": "seized"})
        notice = HitNotice.unscoped.get(firearm=self.firearms.lost_a)
        assert notice.agency_id == self.world.agency_a.pk and notice.trigger == "created"

    def test_a_different_make_is_not_a_match_and_other_countries_are_never_searched(self):
        register(self.world, "A", {"type": "pistol", "make": "Glock", "serial": "TX0001", "event": "seized"})
        register(self.world, "B", {"type": "pistol", "serial": "TX0001", "event": "seized"})
        assert not HitNotice.unscoped.exists()

    def test_search_hits_raise_notices(self):
        with country_scope([self.world.country_a.pk]), change_context(self.world.alice, Source.WEB), \
                transaction.atomic():
            notices = services.raise_search_hits([self.firearms.lost_a, self.firearms.glock_a], query="TX0001")
        assert [n.firearm_id for n in notices] == [self.firearms.lost_a.pk]


class MarkingServiceTest(RegistryWorldTestCase):
    def scope(self):
        return country_scope([self.world.country_a.pk]), change_context(self.world.alice, Source.WEB)

    def test_an_import_marking_needs_its_country_and_adds_a_marked_event(self):
        scope, ctx = self.scope()
        with scope, ctx:
            with pytest.raises(ServiceError) as info:
                services.add_marking(actor=self.world.alice, firearm=self.firearms.glock_a,
                                     marking=MarkingDraft("import", "IMP SA"))
            assert info.value.field == "import_country"
            services.add_marking(actor=self.world.alice, firearm=self.firearms.glock_a,
                                 marking=MarkingDraft("import", "CO 2024 IMP SA", import_country="CO",
                                                      import_year=2024, importer_name="Imp SA",
                                                      importer_address="Calle 1, Bogotá"))
            assert Marking.objects.filter(firearm=self.firearms.glock_a, kind="import").count() == 1
            assert self.firearms.glock_a.events.filter(kind="marked").count() == 1

    def test_state_markings_follow_the_layout_and_never_repeat(self):
        scope, ctx = self.scope()
        with scope, ctx:
            texts = [services.generate_state_marking(actor=self.world.alice, firearm=self.firearms.glock_a, year=2026)
                     for _ in range(5)]
        assert texts[0] == "CO GLCK 26 02 00001 16"
        assert len(set(texts)) == 5
        assert not any(c in t.split()[4] for t in texts for c in "IOQ")
