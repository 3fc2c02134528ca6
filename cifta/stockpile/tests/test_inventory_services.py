"""Inventory services: lots, the ledger, stock checks and discrepancies. Balances follow the
movements; every refusal names its field and writes nothing; a resolved discrepancy leaves the
ledger matching the count; rates and destruction candidates come out as expected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.utils import timezone

from cifta.core.context import Source, change_context
from cifta.core.errors import ConflictError, ServiceError
from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.models.audit import AppendOnlyError
from cifta.core.scoping import country_scope
from cifta.registry.models import Firearm, FirearmEvent
from cifta.stockpile import events, ledger
from cifta.stockpile import selectors_inventory as selectors
from cifta.stockpile import services_inventory as services
from cifta.stockpile.models import AmmunitionLot, CountLine, Discrepancy, Movement, StockCheck
from cifta.stockpile.services_facilities import save_storehouse
from cifta.testing.inventory_world import InventoryWorldTestCase

DAY = dt.date(2025, 4, 1)


class InventoryServiceTestCase(InventoryWorldTestCase):
    @contextmanager
    def as_alice(self) -> Iterator[Any]:
        with country_scope([self.world.country_a.pk]), change_context(self.world.alice, Source.WEB):
            yield self.world.alice

    def refused(self, call: Any, field: str, error: type[ServiceError] = ServiceError, **kwargs: Any) -> str:
        """Call a service as alice: it must refuse naming ``field`` and write nothing."""
        before = (ObjectChange.unscoped.count(), AuditEvent.unscoped.count())
        with self.as_alice() as alice, self.assertRaises(error) as caught:
            call(actor=alice, **kwargs)
        self.assertEqual(caught.exception.field, field, str(caught.exception))
        self.assertEqual((ObjectChange.unscoped.count(), AuditEvent.unscoped.count()), before)
        return str(caught.exception)

    def balance(self, store: Any, lot: Any) -> int:
        with country_scope([self.world.country_a.pk]):
            return ledger.balance(store, lot.pk)

    def move(self, **kwargs: Any) -> Movement:
        kwargs.setdefault("occurred_on", DAY)
        with self.as_alice() as alice:
            return services.record_movement(actor=alice, **kwargs)


class LotTest(InventoryServiceTestCase):
    def lot(self, **overrides: Any) -> dict[str, Any]:
        return {"nature": "Cartridge 9x19 ball", "lot_number": "A-919-01", "hazard_division": "1.4",
                "compatibility_group": "S", "neq_per_unit_kg": "0.0004", **overrides}

    def test_a_lot_is_recorded_with_its_codes_normalised(self) -> None:
        with self.as_alice() as alice:
            lot = services.save_lot(actor=alice, un_number="un 0012", year=2019, compatibility_group="s",
                                    **{k: v for k, v in self.lot().items() if k != "compatibility_group"})
            split = services.save_lot(actor=alice, **self.lot(lot_number="A-HE-1", hazard_division="1.2",
                                                              compatibility_group="E", neq_per_unit_kg="1.5"))
        self.assertEqual((lot.un_number, lot.compatibility_group, lot.country_id), ("UN0012", "S",
                                                                                   self.world.country_a.pk))
        self.assertEqual(split.hazard_division, "1.2.1")
        event = AuditEvent.unscoped.filter(verb=events.LOT_SAVED, target_id=lot.pk).get()
        self.assertEqual(event.actor_id, self.world.alice.pk)

    def test_bad_descriptions_are_refused_naming_the_field(self) -> None:
        this_year = timezone.localdate().year
        cases = [
            ({"hazard_division": "2.1"}, "hazard_division"),
            ({"compatibility_group": "M"}, "compatibility_group"),
            ({"hazard_division": "1.1", "compatibility_group": "S"}, "compatibility_group"),  # no code 1.1S
            ({"neq_per_unit_kg": "0"}, "neq_per_unit_kg"),
            ({"neq_per_unit_kg": "-1"}, "neq_per_unit_kg"),
            ({"neq_per_unit_kg": "lots"}, "neq_per_unit_kg"),
            ({"un_number": "UN12"}, "un_number"),
            ({"year": this_year + 1}, "year"),
            ({"year": 2020, "expiry_date": dt.date(2019, 1, 1)}, "expiry_date"),
            ({"nature": " "}, "nature"),
            ({"condition": "broken"}, "condition"),
        ]
        for overrides, field in cases:
            with self.subTest(overrides):
                self.refused(services.save_lot, field, **self.lot(**overrides))

    def test_the_same_lot_twice_is_a_conflict(self) -> None:
        self.refused(services.save_lot, "lot_number", ConflictError,
                     **self.lot(nature="Cartridge 7.62x51 ball", lot_number="A-762-01"))

    def test_a_lot_is_corrected_but_another_states_lot_does_not_exist(self) -> None:
        with self.as_alice() as alice:
            lot = services.save_lot(actor=alice, instance=self.inventory.lot_a1,
                                    **self.lot(nature="Cartridge 7.62x51 ball", lot_number="A-762-01",
                                               condition="suspended"))
        self.assertEqual(AmmunitionLot.unscoped.get(pk=lot.pk).condition, "suspended")
        self.refused(services.save_lot, "lot", instance=self.inventory.lot_b, **self.lot())

    def test_surplus_is_declared_once_and_can_be_withdrawn(self) -> None:
        with self.as_alice() as alice:
            services.declare_surplus(actor=alice, lot=self.inventory.lot_a1, reason="new rifles")
        self.refused(services.declare_surplus, "is_surplus", ConflictError, lot=self.inventory.lot_a1)
        with self.as_alice() as alice:
            services.declare_surplus(actor=alice, lot=self.inventory.lot_a1, surplus=False)
        self.assertFalse(AmmunitionLot.unscoped.get(pk=self.inventory.lot_a1.pk).is_surplus)
        self.refused(services.declare_surplus, "lot", lot=self.inventory.lot_b)


class LedgerTest(InventoryServiceTestCase):
    def test_balances_follow_receipts_issues_moves_and_corrections(self) -> None:
        inv, ar = self.inventory, self.arsenals
        self.assertEqual(self.balance(ar.store_a1, inv.lot_a1), 900)
        self.move(kind="receipt", quantity=100, lot=inv.lot_a1, to_storehouse=ar.store_a1)
        self.move(kind="move", quantity=300, lot=inv.lot_a1, from_storehouse=ar.store_a1, to_storehouse=ar.store_a2)
        self.move(kind="issue", quantity=50, lot=inv.lot_a1, from_storehouse=ar.store_a2)
        wrong = self.move(kind="destruction", quantity=20, lot=inv.lot_a1, from_storehouse=ar.store_a2)
        self.move(kind="correction_in", quantity=20, lot=inv.lot_a1, to_storehouse=ar.store_a2, corrects=wrong,
                  reason="entered against the wrong lot")
        self.move(kind="correction_out", quantity=1, lot=inv.lot_a1, from_storehouse=ar.store_a1,
                  reason="damaged round found at count")
        self.move(kind="transfer_out", quantity=9, lot=inv.lot_a1, from_storehouse=ar.store_a1, reference="EXP-1")
        self.move(kind="loss", quantity=10, lot=inv.lot_a1, from_storehouse=ar.store_a2, reason="flood")
        self.assertEqual(self.balance(ar.store_a1, inv.lot_a1), 900 + 100 - 300 - 1 - 9)
        self.assertEqual(self.balance(ar.store_a2, inv.lot_a1), 300 - 50 - 20 + 20 - 10)
        with country_scope([self.world.country_a.pk]):
            lot = selectors.attach_balances([AmmunitionLot.objects.get(pk=inv.lot_a1.pk)])[0]
        self.assertEqual(lot.total, 690 + 240)  # type: ignore[attr-defined]

    def test_a_balance_never_goes_below_zero_and_the_refusal_writes_nothing(self) -> None:
        inv, ar = self.inventory, self.arsenals
        message = self.refused(services.record_movement, "quantity", kind="issue", occurred_on=DAY, quantity=901,
                               lot=inv.lot_a1, from_storehouse=ar.store_a1)
        self.assertIn("900", message)
        self.refused(services.record_movement, "quantity", kind="move", occurred_on=DAY, quantity=1,
                     lot=inv.lot_a1, from_storehouse=ar.store_a2, to_storehouse=ar.store_a1)
        # Nothing was held before the receipt of 10 January: a backdated issue cannot take it.
        self.refused(services.record_movement, "quantity", kind="issue", occurred_on=dt.date(2025, 1, 5),
                     quantity=1, lot=inv.lot_a1, from_storehouse=ar.store_a1)
        # 1,000 were held on 20 January, but only 900 from 1 February on: a backdated issue of
        # 901 would leave February negative.
        self.refused(services.record_movement, "quantity", kind="issue", occurred_on=dt.date(2025, 1, 20),
                     quantity=901, lot=inv.lot_a1, from_storehouse=ar.store_a1)
        self.move(kind="issue", occurred_on=dt.date(2025, 1, 20), quantity=900, lot=inv.lot_a1,
                  from_storehouse=ar.store_a1)
        self.assertEqual(self.balance(ar.store_a1, inv.lot_a1), 0)

    def test_the_places_must_fit_the_kind_of_movement(self) -> None:
        inv, ar = self.inventory, self.arsenals
        lot = {"lot": inv.lot_a1, "occurred_on": DAY, "quantity": 1}
        cases = [
            ({"kind": "receipt", "from_storehouse": ar.store_a1, "to_storehouse": ar.store_a2}, "from_storehouse"),
            ({"kind": "receipt"}, "to_storehouse"),
            ({"kind": "issue"}, "from_storehouse"),
            ({"kind": "loss", "from_storehouse": ar.store_a1, "to_storehouse": ar.store_a2}, "to_storehouse"),
            ({"kind": "move", "from_storehouse": ar.store_a1}, "to_storehouse"),
            ({"kind": "move", "from_storehouse": ar.store_a1, "to_storehouse": ar.store_a1}, "to_storehouse"),
            ({"kind": "borrowed", "to_storehouse": ar.store_a1}, "kind"),
        ]
        for overrides, field in cases:
            with self.subTest(overrides):
                self.refused(services.record_movement, field, **{**lot, **overrides})

    def test_other_refusals_write_nothing(self) -> None:
        inv, ar, f = self.inventory, self.arsenals, self.firearms
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        base = {"kind": "receipt", "occurred_on": DAY, "quantity": 5, "lot": inv.lot_a1, "to_storehouse": ar.store_a1}
        cases = [
            ({"occurred_on": tomorrow}, "occurred_on"),
            ({"occurred_on": None}, "occurred_on"),
            ({"quantity": 0}, "quantity"),
            ({"quantity": "many"}, "quantity"),
            ({"to_storehouse": ar.store_b1}, "to_storehouse"),  # another State's storehouse
            ({"lot": inv.lot_b}, "lot"),  # another State's lot
            ({"lot": None}, "lot"),  # neither a lot nor a firearm
            ({"firearm": f.glock_a}, "lot"),  # both
            ({"kind": "correction_in"}, "reason"),  # a correction says why
            ({"kind": "correction_in", "reason": " "}, "reason"),
            ({"corrects": inv.receipt_a1}, "corrects"),  # only a correction corrects
            ({"kind": "correction_in", "reason": "x", "corrects": inv.movement_b}, "corrects"),
            ({"kind": "correction_in", "reason": "x", "lot": inv.lot_a2, "corrects": inv.receipt_a1}, "corrects"),
            ({"reference": "R" * 101}, "reference"),
        ]
        for overrides, field in cases:
            with self.subTest(overrides):
                self.refused(services.record_movement, field, **{**base, **overrides})

    def test_an_inactive_storehouse_takes_no_movement(self) -> None:
        ar = self.arsenals
        with self.as_alice() as alice:
            save_storehouse(actor=alice, facility=ar.facility_a, instance=ar.store_a2, name=ar.store_a2.name,
                            kind=ar.store_a2.kind, latitude=ar.store_a2.latitude, longitude=ar.store_a2.longitude,
                            holds_weapons=True, is_active=False)
        self.refused(services.record_movement, "to_storehouse", kind="receipt", occurred_on=DAY, quantity=1,
                     lot=self.inventory.lot_a1, to_storehouse=ar.store_a2)

    def test_a_firearm_is_in_one_place_at_a_time(self) -> None:
        ar, f = self.arsenals, self.firearms
        glock = {"firearm": f.glock_a, "occurred_on": DAY}
        with country_scope([self.world.country_a.pk]):
            self.assertEqual(ledger.firearm_location(f.glock_a), ar.store_a2)
        self.refused(services.record_movement, "firearm", ConflictError, kind="receipt", quantity=1,
                     to_storehouse=ar.store_a2, **glock)
        self.refused(services.record_movement, "from_storehouse", kind="issue", quantity=1,
                     from_storehouse=ar.store_a1, **glock)
        self.refused(services.record_movement, "quantity", kind="issue", quantity=2, from_storehouse=ar.store_a2,
                     **glock)
        self.refused(services.record_movement, "occurred_on", kind="issue", quantity=1, from_storehouse=ar.store_a2,
                     firearm=f.glock_a, occurred_on=dt.date(2025, 1, 1))  # before its receipt
        self.refused(services.record_movement, "to_storehouse", kind="move", quantity=1, from_storehouse=ar.store_a2,
                     to_storehouse=ar.store_a1, **glock)  # store_a1 holds no weapons
        self.refused(services.record_movement, "firearm", kind="receipt", quantity=1, to_storehouse=ar.store_a2,
                     firearm=f.lost_a, occurred_on=DAY)  # reported lost: recover it first
        self.refused(services.record_movement, "firearm", kind="receipt", quantity=1, to_storehouse=ar.store_a2,
                     firearm=f.glock_b, occurred_on=DAY)  # another State's firearm
        self.move(kind="issue", quantity=1, from_storehouse=ar.store_a2, **glock)
        with country_scope([self.world.country_a.pk]):
            self.assertIsNone(ledger.firearm_location(f.glock_a))
        self.refused(services.record_movement, "from_storehouse", kind="issue", quantity=1,
                     from_storehouse=ar.store_a2, **glock)
        self.move(kind="receipt", quantity=1, to_storehouse=ar.store_a2, **glock)
        with country_scope([self.world.country_a.pk]):
            self.assertEqual(ledger.firearm_location(f.glock_a), ar.store_a2)

    def test_a_movement_is_never_changed(self) -> None:
        with country_scope([self.world.country_a.pk]), change_context(self.world.alice, Source.WEB):
            movement = Movement.objects.get(pk=self.inventory.receipt_a1.pk)
            movement.quantity = 1
            with self.assertRaises(AppendOnlyError):
                movement.save()
            with self.assertRaises(AppendOnlyError):
                movement.delete()


class StockCheckTest(InventoryServiceTestCase):
    def count(self, **kwargs: Any) -> CountLine:
        kwargs.setdefault("check", self.inventory.check_a_open)
        with self.as_alice() as alice:
            return services.enter_count(actor=alice, **kwargs)

    def test_counting_snapshots_the_ledger_and_moves_the_status(self) -> None:
        inv, ar, f = self.inventory, self.arsenals, self.firearms
        line = self.count(storehouse=ar.store_a1, lot=inv.lot_a1, counted=900)
        self.assertEqual((line.recorded, line.counted, line.country_id), (900, 900, self.world.country_a.pk))
        self.assertEqual(StockCheck.unscoped.get(pk=inv.check_a_open.pk).status, "counting")
        self.move(kind="issue", quantity=100, lot=inv.lot_a1, from_storehouse=ar.store_a1)
        late = self.count(storehouse=ar.store_a1, lot=inv.lot_a2, counted=49)
        self.assertEqual(late.recorded, 50)
        self.assertEqual(CountLine.unscoped.get(pk=line.pk).recorded, 900)  # the snapshot stays
        absent = self.count(storehouse=ar.store_a2, firearm=f.glock_a, counted=0)
        self.assertEqual((absent.recorded, absent.counted), (1, 0))

    def test_a_count_is_entered_once(self) -> None:
        inv, ar, f = self.inventory, self.arsenals, self.firearms
        self.count(storehouse=ar.store_a1, lot=inv.lot_a1, counted=900)
        self.count(storehouse=ar.store_a2, firearm=f.glock_a, counted=1)
        message = self.refused(services.enter_count, "lot", ConflictError, check=inv.check_a_open,
                               storehouse=ar.store_a1, lot=inv.lot_a1, counted=899)
        self.assertIn("900", message)
        self.refused(services.enter_count, "firearm", ConflictError, check=inv.check_a_open,
                     storehouse=ar.store_a2, firearm=f.glock_a, counted=1)
        # the same lot in another storehouse is another count
        self.count(storehouse=ar.store_a2, lot=inv.lot_a1, counted=0)

    def test_count_refusals_write_nothing(self) -> None:
        inv, ar, f = self.inventory, self.arsenals, self.firearms
        base = {"check": inv.check_a_open, "storehouse": ar.store_a1, "lot": inv.lot_a1, "counted": 1}
        cases = [
            ({"counted": -1}, "counted", ServiceError),
            ({"lot": None, "firearm": f.glock_a, "storehouse": ar.store_a2, "counted": 2}, "counted", ServiceError),
            ({"lot": None}, "lot", ServiceError),
            ({"firearm": f.glock_a}, "lot", ServiceError),
            ({"storehouse": ar.store_b1}, "storehouse", ServiceError),
            ({"lot": inv.lot_b}, "lot", ServiceError),
            ({"check": inv.check_b}, "check", ServiceError),
            ({"check": inv.check_a}, "check", ConflictError),  # closed
        ]
        for overrides, field, error in cases:
            with self.subTest(overrides):
                self.refused(services.enter_count, field, error, **{**base, **overrides})

    def test_a_storehouse_of_another_facility_is_refused(self) -> None:
        from cifta.stockpile.services_facilities import save_facility

        with self.as_alice() as alice:
            other = save_facility(actor=alice, name="Depot A2", kind="depot", operator=self.world.agency_a,
                                  latitude="4.7", longitude="-74.1")
            store = save_storehouse(actor=alice, facility=other, name="M1", kind="open_stack", latitude="4.7",
                                    longitude="-74.1")
        self.refused(services.enter_count, "storehouse", check=self.inventory.check_a_open, storehouse=store,
                     lot=self.inventory.lot_a1, counted=1)

    def test_closing_opens_a_discrepancy_per_differing_count(self) -> None:
        inv, ar, f = self.inventory, self.arsenals, self.firearms
        self.refused(services.close_check, "lines", check=inv.check_a_open)
        self.count(storehouse=ar.store_a1, lot=inv.lot_a1, counted=900)
        self.count(storehouse=ar.store_a1, lot=inv.lot_a2, counted=48)
        self.count(storehouse=ar.store_a2, firearm=f.glock_a, counted=0)
        self.count(storehouse=ar.store_a2, firearm=f.seized_a, counted=1)
        with self.as_alice() as alice:
            check = services.close_check(actor=alice, check=inv.check_a_open, witness="Col. Vega")
        self.assertEqual((check.status, check.closed_on, check.witness), ("closed", timezone.localdate(), "Col. Vega"))
        opened = {(d.line.lot_id, d.line.firearm_id): d.difference
                  for d in Discrepancy.unscoped.filter(line__check_run=check).select_related("line")}
        self.assertEqual(opened, {(inv.lot_a2.pk, None): -2, (None, f.glock_a.pk): -1})
        self.refused(services.close_check, "check", ConflictError, check=check)
        self.refused(services.schedule_check, "facility", facility=ar.facility_b, scheduled_on=DAY)


class DiscrepancyTest(InventoryServiceTestCase):
    def resolve(self, discrepancy: Any, status: str, resolution: str = "Investigated by the inspector.") -> Any:
        with self.as_alice() as alice:
            return services.resolve_discrepancy(actor=alice, discrepancy=discrepancy, status=status,
                                                resolution=resolution, occurred_on=DAY)

    def closed_with(self, **count: Any) -> Discrepancy:
        with self.as_alice() as alice:
            check = services.schedule_check(actor=alice, facility=self.arsenals.facility_a, scheduled_on=DAY)
            line = services.enter_count(actor=alice, check=check, **count)
            services.close_check(actor=alice, check=check, closed_on=DAY)
        return Discrepancy.unscoped.get(line=line)

    def test_found_changes_nothing_in_the_ledger(self) -> None:
        inv = self.inventory
        before = Movement.unscoped.count()
        self.resolve(inv.discrepancy_a, "investigating")
        found = self.resolve(inv.discrepancy_a, "found")
        self.assertEqual((found.status, found.resolved_on, found.settlement), ("found", DAY, None))
        self.assertEqual(Movement.unscoped.count(), before)
        self.assertEqual(self.balance(self.arsenals.store_a1, inv.lot_a1), 900)
        self.refused(services.resolve_discrepancy, "status", ConflictError, discrepancy=found, status="lost",
                     resolution="again")

    def test_a_lost_shortfall_leaves_the_ledger_as_a_loss(self) -> None:
        inv, ar = self.inventory, self.arsenals
        found = self.resolve(inv.discrepancy_a, "lost", "Ten rounds missing; report 55/2025 filed.")
        settlement = Movement.unscoped.get(pk=found.settlement_id)
        self.assertEqual((settlement.kind, settlement.quantity, settlement.from_storehouse_id),
                         ("loss", 10, ar.store_a1.pk))
        self.assertEqual(settlement.reason, "Ten rounds missing; report 55/2025 filed.")
        self.assertEqual(self.balance(ar.store_a1, inv.lot_a1), inv.line_a.counted)
        event = AuditEvent.unscoped.filter(verb=events.DISCREPANCY_RESOLVED).latest("seq")
        self.assertEqual(event.payload["status"], "lost")

    def test_written_off_corrects_the_ledger_either_way(self) -> None:
        inv, ar = self.inventory, self.arsenals
        short = self.resolve(inv.discrepancy_a, "written_off", "Count accepted by the board.")
        self.assertEqual(Movement.unscoped.get(pk=short.settlement_id).kind, "correction_out")
        self.assertEqual(self.balance(ar.store_a1, inv.lot_a1), 890)
        extra = self.closed_with(storehouse=ar.store_a1, lot=inv.lot_a2, counted=53)
        self.assertEqual(extra.difference, 3)
        self.refused(services.resolve_discrepancy, "status", discrepancy=extra, status="stolen", resolution="x")
        self.resolve(extra, "written_off", "Three grenades never entered on receipt.")
        self.assertEqual(self.balance(ar.store_a1, inv.lot_a2), 53)

    def test_a_stolen_firearm_leaves_the_ledger_and_is_reported_in_the_registry(self) -> None:
        f, ar = self.firearms, self.arsenals
        missing = self.closed_with(storehouse=ar.store_a2, firearm=f.glock_a, counted=0)
        self.assertEqual(missing.difference, -1)
        found = self.resolve(missing, "stolen", "Forced locker; police report 77.")
        self.assertEqual(Movement.unscoped.get(pk=found.settlement_id).kind, "loss")
        with country_scope([self.world.country_a.pk]):
            self.assertIsNone(ledger.firearm_location(f.glock_a))
        self.assertEqual(Firearm.unscoped.get(pk=f.glock_a.pk).status, "stolen")
        event = FirearmEvent.unscoped.filter(firearm=f.glock_a).latest("id")
        self.assertEqual((event.kind, event.reference), ("reported_stolen", services.settlement_reference(
            missing.line.check_run)))

    def test_a_registry_refusal_rolls_the_settlement_back(self) -> None:
        # seized_a is confiscated: the registry's life of a firearm cannot report it lost.
        f, ar = self.firearms, self.arsenals
        missing = self.closed_with(storehouse=ar.store_a2, firearm=f.seized_a, counted=0)
        self.refused(services.resolve_discrepancy, "status", discrepancy=missing, status="lost", resolution="gone")
        with country_scope([self.world.country_a.pk]):
            self.assertEqual(ledger.firearm_location(f.seized_a), ar.store_a2)

    def test_resolution_refusals_write_nothing(self) -> None:
        inv = self.inventory
        base = {"discrepancy": inv.discrepancy_a, "status": "found", "resolution": "ok"}
        cases = [
            ({"resolution": ""}, "resolution"),
            ({"status": "open"}, "status"),
            ({"status": "misplaced"}, "status"),
            ({"occurred_on": timezone.localdate() + dt.timedelta(days=1)}, "occurred_on"),
            ({"discrepancy": inv.discrepancy_b}, "discrepancy"),
        ]
        for overrides, field in cases:
            with self.subTest(overrides):
                self.refused(services.resolve_discrepancy, field, **{**base, **overrides})


class FiguresTest(InventoryServiceTestCase):
    def test_a_states_rate_counts_lines_of_checks_closed_in_the_year(self) -> None:
        a = self.world.country_a
        with country_scope([a.pk]):
            rate = selectors.discrepancy_rate(a, 2025)
            self.assertEqual((rate.checks, rate.lines, rate.discrepancies, rate.rate), (1, 2, 1, 0.5))
            self.assertEqual(selectors.discrepancy_rate(self.arsenals.facility_a, 2025), rate)
            self.assertEqual(selectors.discrepancy_rate(a, 2024).rate, None)
            # B's numbers are not A's to read
            self.assertEqual(selectors.discrepancy_rate(self.world.country_b, 2025).lines, 0)
            self.assertEqual([(f.pk, r.lines) for f, r in selectors.facility_rates(2025)],
                             [(self.arsenals.facility_a.pk, 2)])

    def test_the_regional_rates_are_numbers_per_state(self) -> None:
        regional = selectors.regional_discrepancy_rates(2025)
        per_state = {s.country.code: (s.figures.checks, s.figures.lines, s.figures.discrepancies, s.figures.rate)
                     for s in regional.states}
        self.assertEqual(per_state, {"CO": (1, 2, 1, 0.5), "MX": (1, 1, 1, 1.0)})
        self.assertEqual((regional.totals.lines, regional.totals.discrepancies), (3, 2))
        self.assertEqual(regional.states_total, 35)
        self.assertEqual(selectors.regional_discrepancy_rates(2024).states, [])

    def test_destruction_candidates_come_with_their_reasons(self) -> None:
        inv, f = self.inventory, self.firearms
        with country_scope([self.world.country_a.pk]):
            found = {(c.lot_id if c.lot else None, c.firearm.pk if c.firearm else None): (c.quantity, c.reasons)
                     for c in [_ids(c) for c in selectors.destruction_candidates(dt.date(2025, 6, 1))]}
        self.assertEqual(found, {(inv.lot_a2.pk, None): (50, ["expired"]), (None, f.seized_a.pk): (1, ["confiscated"])})
        with country_scope([self.world.country_a.pk]):
            early = selectors.destruction_candidates(dt.date(2024, 12, 30))
        self.assertEqual([c.kind for c in early], ["firearm"])  # the grenades had not expired yet
        with self.as_alice() as alice:
            services.declare_surplus(actor=alice, lot=inv.lot_a1)
            services.save_lot(actor=alice, instance=inv.lot_a2, nature=inv.lot_a2.nature,
                              lot_number=inv.lot_a2.lot_number, hazard_division="1.1", compatibility_group="D",
                              neq_per_unit_kg="0.18", expiry_date=dt.date(2024, 12, 31), condition="unserviceable")
            services.record_movement(actor=alice, kind="destruction", occurred_on=DAY, quantity=50, lot=inv.lot_a2,
                                     from_storehouse=self.arsenals.store_a1)
            candidates = selectors.destruction_candidates(dt.date(2025, 6, 1))
        lots = {c.lot.pk: (c.quantity, c.reasons, c.neq_kg) for c in candidates if c.lot}
        self.assertEqual(list(lots), [inv.lot_a1.pk])  # the grenades are destroyed: none held
        self.assertEqual(lots[inv.lot_a1.pk][:2], (900, ["surplus"]))
        self.assertEqual(str(lots[inv.lot_a1.pk][2]), "2.700000")


def _ids(c: selectors.Candidate) -> Any:
    c.lot_id = c.lot.pk if c.lot else None  # type: ignore[attr-defined]
    return c
