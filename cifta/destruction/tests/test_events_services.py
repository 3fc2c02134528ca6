"""Destruction event services: planning, listing items, the witness rule, approval, execution
and its effects on the registry and the ledger; every refusal names the field and writes
nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cifta.core.context import Source, change_context
from cifta.core.errors import ConflictError, ServiceError
from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.scoping import country_scope
from cifta.destruction import selectors_events as selectors
from cifta.destruction import services_events as services
from cifta.destruction.models import DestructionEvent, DestructionItem, DestructionPhoto
from cifta.registry import services as registry_services
from cifta.registry.models import Firearm
from cifta.stockpile import ledger
from cifta.stockpile.models import Movement
from cifta.testing.destruction_world import DestructionWorldTestCase, png
from cifta.testing.registry_world import register
from cifta.tracing import services as tracing_services

NOW = timezone.now()
STARTED, ENDED = NOW - dt.timedelta(hours=3), NOW - dt.timedelta(hours=1)


class EventServicesTest(DestructionWorldTestCase):
    def setUp(self) -> None:
        super().setUp()
        self._scope = country_scope([self.world.country_a.pk])
        self._context = change_context(self.world.alice, Source.WEB)
        self._scope.__enter__()
        self._context.__enter__()

    def tearDown(self) -> None:
        self._context.__exit__(None, None, None)
        self._scope.__exit__(None, None, None)
        super().tearDown()

    @property
    def event(self) -> DestructionEvent:
        return DestructionEvent.objects.get(pk=self.destructions.event_a.pk)

    def refused(self, call: Any, field: str, error: type[ServiceError] = ServiceError) -> ServiceError:
        changes, audits = ObjectChange.unscoped.count(), AuditEvent.unscoped.count()
        with self.assertRaises(error) as caught:
            call()
        self.assertEqual(caught.exception.field, field, str(caught.exception))
        self.assertEqual((ObjectChange.unscoped.count(), AuditEvent.unscoped.count()), (changes, audits))
        return caught.exception

    def approve(self) -> DestructionEvent:
        return services.approve_event(actor=self.world.nadia, event=self.event)

    def execute(self, **kwargs: Any) -> DestructionEvent:
        kwargs.setdefault("default", "destroyed")
        return services.execute_event(actor=self.world.alice, event=self.event, started_at=STARTED, ended_at=ENDED,
                                      **kwargs)

    # --- planning ----------------------------------------------------------------------------
    def test_plan_numbers_events_per_state_and_year(self) -> None:
        event = services.plan_event(actor=self.world.alice, title="Second", legal_order="R-2", site_name="Range",
                                    planned_on="2025-09-01", responsible_officer="Maj. Diaz")
        year = timezone.now().year
        self.assertEqual(self.destructions.event_a.reference, f"DE-CO-{year}-00001")
        self.assertEqual(event.reference, f"DE-CO-{year}-00002")
        self.assertEqual(event.status, "planned")
        self.assertTrue(AuditEvent.unscoped.filter(verb="destruction.event.planned", target_id=str(event.pk)).exists())

    def test_plan_refuses_a_method_of_the_wrong_class(self) -> None:
        self.refused(lambda: services.plan_event(actor="system:t", title="X", legal_order="R", site_name="S",
                                                 planned_on="2025-09-01", responsible_officer="O",
                                                 weapon_method="open_detonation"), "weapon_method")

    def test_update_only_while_planned(self) -> None:
        services.update_event(actor=self.world.alice, event=self.event, site_name="Foundry B")
        self.assertEqual(self.event.site_name, "Foundry B")
        services.cancel_event(actor=self.world.alice, event=self.event, reason="Postponed")
        self.refused(lambda: services.update_event(actor=self.world.alice, event=self.event, title="Y"), "status",
                     ConflictError)

    # --- items -------------------------------------------------------------------------------
    def test_serials_are_resolved_and_every_problem_is_named(self) -> None:
        event = services.plan_event(actor=self.world.alice, title="By serials", legal_order="R", site_name="S",
                                    planned_on="2025-09-01", responsible_officer="O")
        exc = self.refused(lambda: services.add_firearms(
            actor=self.world.alice, event=event, serials=["abc-123", "NOPE-1", "TX-0001", "DES 1001"]), "serials")
        message = str(exc)
        self.assertIn("NOPE-1", message)  # not found
        self.assertIn("TX-0001", message)  # lost: not in hand
        self.assertIn("DES 1001", message)  # listed in the open event_a
        self.assertIn(self.destructions.event_a.reference, message)
        problems = {p.serial for p in exc.problems}  # type: ignore[attr-defined]
        self.assertEqual(problems, {"NOPE-1", "TX-0001", "DES 1001"})
        added = services.add_firearms(actor=self.world.alice, event=event, serials=["abc-123"])
        self.assertEqual([i.firearm_id for i in added.items], [self.firearms.glock_a.pk])

    def test_a_firearm_of_another_state_is_not_found(self) -> None:
        exc = self.refused(lambda: services.add_firearms(actor=self.world.alice, event=self.event,
                                                         firearms=[self.firearms.private_b]), "firearms")
        self.assertNotIn("PRIVATEBRAVO", str(exc))
        self.refused(lambda: services.add_firearms(actor=self.world.alice, event=self.event,
                                                   serials=["PRIVATEBRAVO-9"]), "serials")

    def test_a_firearm_already_destroyed_is_refused(self) -> None:
        firearm = self.firearms.glock_a
        registry_services.record_event(actor=self.world.alice, firearm=firearm, kind="destroyed")
        exc = self.refused(lambda: services.add_firearms(actor=self.world.alice, event=self.event,
                                                         serials=["ABC123"]), "serials")
        self.assertIn("already destroyed", str(exc))

    def test_a_firearm_under_an_open_trace_is_refused_until_the_trace_ends(self) -> None:
        firearm = self.firearms.glock_a
        case = tracing_services.open_case(actor=self.world.alice, case_reference="C-9", illicit_reason="crime",
                                          legal_basis="Code", recovered_on=dt.date(2025, 1, 1),
                                          recovered_place="Street", firearm=firearm)
        exc = self.refused(lambda: services.add_firearms(actor=self.world.alice, event=self.event,
                                                         firearms=[firearm]), "firearms")
        self.assertIn(case.reference, str(exc))
        self.assertIn("ABC123", str(exc))
        tracing_services.close_case(actor=self.world.alice, case=case, conclusion="untraced")
        services.add_firearms(actor=self.world.alice, event=self.event, firearms=[firearm])

    def test_a_lot_quantity_above_the_balance_is_refused(self) -> None:
        event = services.plan_event(actor=self.world.alice, title="Ammo", legal_order="R", site_name="S",
                                    planned_on="2025-09-01", responsible_officer="O")
        # 50 grenades held, 20 listed by event_a: 30 left.
        exc = self.refused(lambda: services.add_lot(actor=self.world.alice, event=event, lot=self.inventory.lot_a2,
                                                    storehouse=self.arsenals.store_a1, quantity=31), "quantity")
        self.assertIn("50", str(exc))
        item = services.add_lot(actor=self.world.alice, event=event, lot=self.inventory.lot_a2,
                                storehouse=self.arsenals.store_a1, quantity=30)
        self.assertEqual(item.quantity, 30)
        self.refused(lambda: services.add_lot(actor=self.world.alice, event=event, lot=self.inventory.lot_b,
                                              storehouse=self.arsenals.store_a1, quantity=1), "lot")

    def test_remove_an_item_while_planned(self) -> None:
        services.remove_item(actor=self.world.alice, item=self.destructions.item_new_a)
        self.assertFalse(DestructionItem.objects.filter(pk=self.destructions.item_new_a.pk).exists())
        self.approve()
        self.refused(lambda: services.remove_item(actor=self.world.alice, item=self.destructions.item_lot_a), "status",
                     ConflictError)

    # --- witnesses, photos, custody ----------------------------------------------------------
    def test_witness_needs_an_agency_observer_does_not(self) -> None:
        self.refused(lambda: services.add_witness(actor=self.world.alice, event=self.event, full_name="W",
                                                  organisation="Police"), "agency")
        observer = services.add_witness(actor=self.world.alice, event=self.event, full_name="OAS observer",
                                        role="observer", organisation="OAS")
        self.assertIsNone(observer.agency_id)
        self.refused(lambda: services.add_witness(actor=self.world.alice, event=self.event, full_name="W",
                                                  agency=self.world.agency_b), "agency")

    def test_photo_hash_is_recorded_and_only_images_up_to_10_mb(self) -> None:
        import hashlib

        photo = services.add_photo(actor=self.world.alice, event=self.event, stage="before", content=png(b"x"),
                                   filename="p.png")
        self.assertEqual(photo.sha256, hashlib.sha256(png(b"x")).hexdigest())
        name = str(photo.image.name)
        self.assertTrue(name.startswith(f"destruction/{photo.country_id}/{photo.sha256}"))
        self.assertTrue(name.endswith(".png"))
        self.refused(lambda: services.add_photo(actor=self.world.alice, event=self.event, stage="before",
                                                content=b"%PDF-1.4 not an image", filename="x.pdf"), "image")
        big = png() + b"\0" * (10 * 1024 * 1024)
        self.refused(lambda: services.add_photo(actor=self.world.alice, event=self.event, stage="before",
                                                content=big, filename="big.png"), "image")
        self.refused(lambda: services.add_photo(actor=self.world.alice, event=self.event, stage="after",
                                                content=png(), filename="a.png"), "stage")

    def test_custody_keeps_the_seals(self) -> None:
        step = services.record_custody(actor=self.world.alice, event=self.event, at=NOW - dt.timedelta(hours=5),
                                       from_place="Gate", to_place="Furnace", handed_by="A", received_by="B",
                                       seal_numbers="S-9\nS-10 S-9")
        self.assertEqual(step.seal_numbers, "S-9, S-10")
        self.assertEqual(self.destructions.custody_a.seal_numbers, "S-001, S-002")

    def test_policy_bounds(self) -> None:
        self.refused(lambda: services.save_policy(actor=self.world.nadia, min_witnesses=0, min_agencies=1),
                     "min_witnesses")
        self.refused(lambda: services.save_policy(actor=self.world.nadia, min_witnesses=2, min_agencies=3),
                     "min_agencies")
        policy = services.save_policy(actor=self.world.nadia, min_witnesses=3, min_agencies=1)
        self.assertEqual(policy.pk, self.destructions.policy_a.pk)

    # --- approval ----------------------------------------------------------------------------
    def test_approval_needs_the_role_items_and_witnesses(self) -> None:
        self.refused(lambda: services.approve_event(actor=self.world.alice, event=self.event), "actor")
        services.save_policy(actor=self.world.nadia, min_witnesses=3, min_agencies=2)
        exc = self.refused(self.approve, "witnesses")
        self.assertIn("3", str(exc))
        services.save_policy(actor=self.world.nadia, min_witnesses=2, min_agencies=2)
        empty = services.plan_event(actor=self.world.alice, title="Empty", legal_order="R", site_name="S",
                                    planned_on="2025-09-01", responsible_officer="O")
        self.refused(lambda: services.approve_event(actor=self.world.nadia, event=empty), "items")
        event = self.approve()
        self.assertEqual((event.status, event.approved_by), ("approved", "Nadia PRIVATEALPHA"))
        self.assertIsNotNone(event.approved_at)

    def test_two_witnesses_of_one_agency_do_not_meet_the_default_rule(self) -> None:
        event = services.plan_event(actor=self.world.alice, title="One agency", legal_order="R", site_name="S",
                                    planned_on="2025-09-01", responsible_officer="O", weapon_method="cutting")
        services.add_firearms(actor=self.world.alice, event=event, serials=["ABC123"])
        for name in ("W1", "W2"):
            services.add_witness(actor=self.world.alice, event=event, full_name=name, agency=self.world.agency_a)
        services.add_witness(actor=self.world.alice, event=event, full_name="Obs", role="observer",
                             organisation="UN")
        self.refused(lambda: services.approve_event(actor=self.world.nadia, event=event), "witnesses")

    # --- execution ---------------------------------------------------------------------------
    def test_execution_destroys_in_the_registry_and_takes_stock_out_of_the_ledger(self) -> None:
        seized, new = self.firearms.seized_a, self.destructions.new_a
        store, lot = self.arsenals.store_a1, self.inventory.lot_a2
        self.assertEqual(ledger.balance(store, lot.pk), 50)
        self.approve()
        event = self.execute(outcomes={self.destructions.item_new_a: ("returned", "Court asked for it back")},
                             scrap_disposition="Sold to foundry, receipt 77")
        self.assertEqual(event.status, "executed")
        self.assertEqual(Firearm.objects.get(pk=seized.pk).status, "destroyed")
        self.assertEqual(Firearm.objects.get(pk=new.pk).status, "seized")
        self.assertEqual(ledger.balance(store, lot.pk), 30)
        self.assertIsNone(ledger.firearm_location(seized))  # it left Armoury 2
        out = Movement.objects.filter(reference=event.reference, kind="destruction")
        self.assertEqual(out.count(), 2)
        items = {i.pk: i for i in DestructionItem.objects.filter(event=event)}
        self.assertEqual(items[self.destructions.item_new_a.pk].status, "returned")
        self.assertEqual(items[self.destructions.item_new_a.pk].return_reason, "Court asked for it back")
        self.assertEqual(items[self.destructions.item_lot_a.pk].status, "destroyed")
        # Irreversible: nothing can be recorded after destruction, and it cannot be listed again.
        for kind in ("holder_changed", "exported", "destroyed", "marked"):
            with self.assertRaises(ServiceError):
                registry_services.record_event(actor=self.world.alice, firearm=seized, kind=kind,
                                               agency=self.world.agency_a, counterpart_country="US")
        again = services.plan_event(actor=self.world.alice, title="Again", legal_order="R", site_name="S",
                                    planned_on="2025-09-01", responsible_officer="O")
        self.refused(lambda: services.add_firearms(actor=self.world.alice, event=again, firearms=[seized]),
                     "firearms")

    def test_execute_twice_is_a_conflict_and_writes_nothing(self) -> None:
        self.approve()
        self.execute()
        self.refused(self.execute, "status", ConflictError)

    def test_execute_refuses_a_planned_event(self) -> None:
        self.refused(self.execute, "status", ConflictError)

    def test_execute_without_the_witnesses_writes_nothing(self) -> None:
        self.approve()
        services.save_policy(actor=self.world.nadia, min_witnesses=4, min_agencies=2)
        self.refused(self.execute, "witnesses")
        self.assertEqual(Firearm.objects.get(pk=self.firearms.seized_a.pk).status, "confiscated")

    def test_execute_refuses_an_item_not_in_the_event(self) -> None:
        self.approve()
        self.refused(lambda: self.execute(outcomes={self.destructions.item_b.public_id: "destroyed"}), "outcomes")
        self.refused(lambda: self.execute(outcomes={"not-an-item": "destroyed"}), "outcomes")

    def test_execute_needs_an_outcome_and_a_reason_for_each_return(self) -> None:
        self.approve()
        self.refused(lambda: self.execute(default=None), "outcomes")
        self.refused(lambda: self.execute(outcomes={self.destructions.item_new_a: "returned"}), "outcomes")

    def test_execute_refuses_a_quantity_above_the_balance_and_writes_nothing(self) -> None:
        self.approve()
        # 40 of the 50 grenades leave before the destruction: 10 left for the 20 listed.
        services_inventory_issue(self, quantity=40)
        exc = self.refused(self.execute, "quantity")
        self.assertIn("A-GR-07", str(exc))
        self.assertEqual(Firearm.objects.get(pk=self.firearms.seized_a.pk).status, "confiscated")

    def test_execute_refuses_a_firearm_put_under_trace_after_approval(self) -> None:
        self.approve()
        tracing_services.open_case(actor=self.world.alice, case_reference="C-1", illicit_reason="crime",
                                   legal_basis="Code", recovered_on=dt.date(2025, 1, 1), recovered_place="Street",
                                   firearm=self.destructions.new_a)
        exc = self.refused(self.execute, "outcomes")
        self.assertIn("DES1001", str(exc))
        event = self.execute(outcomes={self.destructions.item_new_a: {"status": "returned", "reason": "evidence"}})
        self.assertEqual(event.status, "executed")

    def test_execute_refuses_a_firearm_destroyed_meanwhile(self) -> None:
        self.approve()
        registry_services.record_event(actor=self.world.alice, firearm=self.destructions.new_a, kind="destroyed")
        self.refused(self.execute, "outcomes")

    def test_cancel_with_a_reason_and_never_after_execution(self) -> None:
        self.refused(lambda: services.cancel_event(actor=self.world.alice, event=self.event, reason=" "), "reason")
        services.cancel_event(actor=self.world.alice, event=self.event, reason="Court order suspended")
        self.assertEqual(self.event.status, "cancelled")
        # Its firearms may go to another event now.
        other = services.plan_event(actor=self.world.alice, title="Next", legal_order="R", site_name="S",
                                    planned_on="2025-09-01", responsible_officer="O")
        services.add_firearms(actor=self.world.alice, event=other, firearms=[self.destructions.new_a])
        services.add_witness(actor=self.world.alice, event=other, full_name="W1", agency=self.world.agency_a)
        services.add_witness(actor=self.world.alice, event=other, full_name="W2",
                             agency=self.destructions.arsenal_agency_a)
        services.update_event(actor=self.world.alice, event=other, weapon_method="crushing")
        services.approve_event(actor=self.world.nadia, event=other)
        services.execute_event(actor=self.world.alice, event=other, started_at=STARTED, ended_at=ENDED,
                               default="destroyed")
        self.refused(lambda: services.cancel_event(actor=self.world.alice, event=other, reason="x"), "status",
                     ConflictError)

    def test_candidates_leave_out_listed_and_traced_firearms(self) -> None:
        extra = register(self.world, "A", {"type": "pistol", "serial": "CAND-1", "event": "seized",
                                           "event_date": "2024-01-01"})
        found = {c.firearm.pk for c in selectors.registry_candidates(self.event)}
        self.assertIn(extra.pk, found)
        self.assertNotIn(self.destructions.new_a.pk, found)  # listed in event_a
        self.assertNotIn(self.firearms.glock_b.pk, found)

    def test_photo_of_an_item_of_another_event_is_refused(self) -> None:
        other = services.plan_event(actor=self.world.alice, title="Other", legal_order="R", site_name="S",
                                    planned_on="2025-09-01", responsible_officer="O")
        self.refused(lambda: services.add_photo(actor=self.world.alice, event=other, stage="before", content=png(),
                                                item=self.destructions.item_new_a), "item")
        self.assertEqual(DestructionPhoto.objects.filter(event=other).count(), 0)


def services_inventory_issue(test: EventServicesTest, *, quantity: int) -> None:
    from cifta.stockpile import services_inventory

    services_inventory.record_movement(actor=test.world.alice, kind="issue", occurred_on=timezone.localdate(),
                                       quantity=quantity, lot=test.inventory.lot_a2,
                                       from_storehouse=test.arsenals.store_a1)
