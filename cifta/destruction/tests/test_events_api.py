"""The destruction event API end to end: plan, add items by serial (with every problem named),
add a lot, witnesses, approve (national administrators), execute with a check-off, a second
execution 409; cancel; 404 for another State's event; the Secretariat writes nothing."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from cifta.core.models import ObjectChange
from cifta.registry.models import Firearm
from cifta.testing.destruction_world import DestructionWorldTestCase


class EventApiTest(DestructionWorldTestCase):
    def action(self, name: str, event: object) -> str:
        return reverse(f"api:destructionevent-{name}", args=[event.public_id])  # type: ignore[attr-defined]

    def test_from_plan_to_execution(self) -> None:
        alice = self.api("alice")
        created = alice.post(reverse("api:destructionevent-list"), {
            "title": "API destruction", "legal_order": "R-5", "site_name": "Range 5", "planned_on": "2025-10-10",
            "responsible_officer": "Maj. Diaz", "weapon_method": "shredding", "ammunition_method": "open_burning"},
            format="json")
        self.assertEqual(created.status_code, 201, created.content)
        body = created.json()
        self.assertTrue(body["reference"].startswith("DE-CO-"))
        event_url = reverse("api:destructionevent-detail", args=[body["public_id"]])

        class E:
            public_id = body["public_id"]

        refused = alice.post(self.action("add-items", E), {"serials": ["ABC123", "NOPE-1", "TX-0001"]}, format="json")
        self.assertEqual(refused.status_code, 400)
        self.assertEqual({p["serial"] for p in refused.json()["problems"]}, {"NOPE-1", "TX-0001"})
        added = alice.post(self.action("add-items", E), {"serials": ["abc-123"]}, format="json")
        self.assertEqual(added.status_code, 201, added.content)
        self.assertEqual(added.json()[0]["serial"], "ABC123")
        lot = alice.post(reverse("api:destructionitem-list"), {
            "event": body["public_id"], "lot": str(self.inventory.lot_a1.public_id),
            "storehouse": str(self.arsenals.store_a1.public_id), "quantity": 901}, format="json")
        self.assertEqual(lot.status_code, 400)
        self.assertIn("quantity", lot.json())
        lot = alice.post(reverse("api:destructionitem-list"), {
            "event": body["public_id"], "lot": str(self.inventory.lot_a1.public_id),
            "storehouse": str(self.arsenals.store_a1.public_id), "quantity": 100}, format="json")
        self.assertEqual(lot.status_code, 201, lot.content)
        for name, agency in (("W1", self.world.agency_a), ("W2", self.destructions.arsenal_agency_a)):
            response = alice.post(reverse("api:witness-list"), {"event": body["public_id"], "full_name": name,
                                                                "agency": str(agency.public_id)}, format="json")
            self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(alice.post(self.action("approve", E)).status_code, 403)
        approved = self.api("nadia").post(self.action("approve", E))
        self.assertEqual(approved.status_code, 200, approved.content)
        self.assertEqual(approved.json()["status"], "approved")
        now = timezone.now()
        payload = {"started_at": (now - dt.timedelta(hours=2)).isoformat(),
                   "ended_at": (now - dt.timedelta(hours=1)).isoformat(), "all_destroyed": True,
                   "outcomes": [{"item": lot.json()["public_id"], "status": "returned", "reason": "Serviceable"}]}
        executed = alice.post(self.action("execute", E), payload, format="json")
        self.assertEqual(executed.status_code, 200, executed.content)
        detail = alice.get(event_url).json()
        self.assertEqual(detail["status"], "executed")
        self.assertEqual({i["status"] for i in detail["items"]}, {"destroyed", "returned"})
        self.assertEqual(Firearm.unscoped.get(pk=self.firearms.glock_a.pk).status, "destroyed")
        before = ObjectChange.unscoped.count()
        again = alice.post(self.action("execute", E), payload, format="json")
        self.assertEqual(again.status_code, 409)
        self.assertEqual(ObjectChange.unscoped.count(), before)
        self.assertEqual(alice.post(self.action("cancel", E), {"reason": "x"}, format="json").status_code, 409)

    def test_execute_without_the_witnesses_is_refused(self) -> None:
        event = self.destructions.event_a
        self.api("nadia").post(self.action("approve", event))
        self.api("nadia").patch(reverse("api:destructionpolicy-detail", args=[self.destructions.policy_a.public_id]),
                                {"min_witnesses": 5}, format="json")
        now = timezone.now()
        response = self.api("alice").post(self.action("execute", event), {
            "started_at": (now - dt.timedelta(hours=2)).isoformat(), "ended_at": now.isoformat(),
            "all_destroyed": True}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("witnesses", response.json())

    def test_another_states_event_and_the_secretariat(self) -> None:
        event_b = self.destructions.event_b
        self.assertEqual(self.api("alice").post(self.action("cancel", event_b), {"reason": "x"},
                                                format="json").status_code, 404)
        self.assertEqual(self.api("alice").post(self.action("add-items", event_b), {"serials": ["ABC123"]},
                                                format="json").status_code, 404)
        self.assertEqual(self.api("sara").post(reverse("api:destructionevent-list"), {
            "title": "X", "legal_order": "R", "site_name": "S", "planned_on": "2025-10-10",
            "responsible_officer": "O"}, format="json").status_code, 403)
        self.assertEqual(self.api("sam").get(reverse("api:destructionevent-list")).json()["results"], [])

    def test_filters(self) -> None:
        rows = self.api("alice").get(reverse("api:destructionevent-list") + "?status=planned&year=2025").json()
        self.assertEqual([r["reference"] for r in rows["results"]], [self.destructions.event_a.reference])
        self.assertEqual(self.api("alice").get(reverse("api:destructionevent-list") + "?status=executed"
                                               ).json()["results"], [])
        url = reverse("api:destructionitem-list") + f"?event={self.destructions.event_a.public_id}"
        items = self.api("alice").get(url)
        self.assertEqual(len(items.json()["results"]), 3)
