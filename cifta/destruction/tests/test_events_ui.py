"""Destruction event pages: the list, plan, items by candidate and by pasted serials, witness,
photo, custody, approve, execute with the check-off, cancel, the witness rule; 404 for another
State's records, 403 for viewers writing and for the Secretariat."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cifta.core.models import ObjectChange
from cifta.destruction.models import DestructionEvent, DestructionItem, DestructionPhoto, Witness
from cifta.registry.models import Firearm
from cifta.testing.destruction_world import DestructionWorldTestCase, png
from cifta.testing.registry_world import register
from cifta.testing.world import MARKER_B


class EventPagesTest(DestructionWorldTestCase):
    def url(self, name: str, obj: object | None = None) -> str:
        return reverse(f"destruction:{name}", args=[obj.public_id] if obj is not None else [])  # type: ignore[attr-defined]

    def test_list_filters_and_shows_own_events_only(self) -> None:
        client = self.web("alice")
        page = client.get(self.url("event_list"))
        self.assertContains(page, self.destructions.event_a.reference)
        self.assertNotContains(page, MARKER_B)
        self.assertNotContains(client.get(self.url("event_list") + "?status=executed"),
                               self.destructions.event_a.reference)
        self.assertContains(client.get(self.url("event_list") + "?year=2025"), self.destructions.event_a.reference)
        self.assertContains(client.get(reverse("home")), self.url("event_list"))

    def test_detail_shows_items_witnesses_photos_custody(self) -> None:
        page = self.web("alice").get(self.url("event_detail", self.destructions.event_a))
        for text in ("DES1001", "A-GR-07", "Mario Arsenal", "UNLIREC", self.destructions.photo_a.sha256, "S-001",
                     "The witnesses meet the rule."):
            self.assertContains(page, text)
        self.assertEqual(self.web("alice").get(self.url("photo_image", self.destructions.photo_a)).status_code, 200)

    def test_another_states_records_are_404_and_the_secretariat_is_refused(self) -> None:
        client = self.web("alice")
        self.assertEqual(client.get(self.url("event_detail", self.destructions.event_b)).status_code, 404)
        self.assertEqual(client.get(self.url("photo_image", self.destructions.photo_b)).status_code, 404)
        before = ObjectChange.unscoped.count()
        self.assertEqual(client.post(self.url("event_cancel", self.destructions.event_b),
                                     {"reason": "x"}).status_code, 404)
        self.assertEqual(ObjectChange.unscoped.count(), before)
        for name in ("sam", "sara"):
            self.assertEqual(self.web(name).get(self.url("event_list")).status_code, 403)

    def test_a_viewer_cannot_write(self) -> None:
        client = self.web("bob")
        before = ObjectChange.unscoped.count()
        self.assertEqual(client.get(self.url("event_new")).status_code, 403)
        self.assertEqual(client.post(self.url("witness_add", self.destructions.event_a),
                                     {"role": "witness", "full_name": "X"}).status_code, 403)
        self.assertEqual(client.post(self.url("event_approve", self.destructions.event_a)).status_code, 403)
        self.assertEqual(self.web("alice").post(self.url("event_approve", self.destructions.event_a)).status_code,
                         403)
        self.assertEqual(ObjectChange.unscoped.count(), before)

    def test_plan_add_items_witnesses_photo_custody_approve_execute(self) -> None:
        client = self.web("alice")
        response = client.post(self.url("event_new"), {
            "title": "Web destruction", "legal_order": "R-77", "planned_on": "2025-11-01", "site_name": "Range 7",
            "responsible_officer": "Maj. Diaz", "weapon_method": "crushing", "ammunition_method": "closed_burning"})
        self.assertEqual(response.status_code, 302, response.content)
        event = DestructionEvent.unscoped.get(title="Web destruction")
        extra = register(self.world, "A", {"type": "pistol", "serial": "WEB-1", "event": "seized",
                                           "event_date": "2024-01-01"})
        page = client.get(self.url("event_detail", event))
        self.assertContains(page, "WEB1")  # a candidate from the registry
        # A candidate ticked and a serial pasted; a serial not found refuses all, naming it.
        bad = client.post(self.url("event_add_firearms", event), {"firearms": [str(extra.public_id)],
                                                                  "serials": "ABC123\nNOPE-9"})
        self.assertEqual(bad.status_code, 400)
        self.assertContains(bad, "NOPE-9", status_code=400)
        self.assertFalse(DestructionItem.unscoped.filter(event=event).exists())
        ok = client.post(self.url("event_add_firearms", event), {"firearms": [str(extra.public_id)],
                                                                 "serials": "ABC123"})
        self.assertEqual(ok.status_code, 302)
        self.assertEqual(DestructionItem.unscoped.filter(event=event).count(), 2)
        too_many = client.post(self.url("event_add_lot", event), {
            "lot": str(self.inventory.lot_a2.public_id), "storehouse": str(self.arsenals.store_a1.public_id),
            "quantity": 31})  # 50 held, 20 listed by event_a
        self.assertContains(too_many, "Not enough", status_code=400)
        client.post(self.url("event_add_lot", event), {
            "lot": str(self.inventory.lot_a2.public_id), "storehouse": str(self.arsenals.store_a1.public_id),
            "quantity": 30})
        self.assertEqual(DestructionItem.unscoped.filter(event=event).count(), 3)
        self.assertEqual(client.post(self.url("witness_add", event), {"role": "witness", "full_name": "W1",
                                                                      "agency": str(self.world.agency_a.public_id)}
                                     ).status_code, 302)
        client.post(self.url("witness_add", event), {"role": "witness", "full_name": "W2",
                                                     "agency": str(self.destructions.arsenal_agency_a.public_id)})
        self.assertEqual(Witness.unscoped.filter(event=event).count(), 2)
        photo = SimpleUploadedFile("before.png", png(b"web"), content_type="image/png")
        self.assertEqual(client.post(self.url("photo_add", event), {"stage": "before", "image": photo}).status_code,
                         302)
        self.assertEqual(DestructionPhoto.unscoped.filter(event=event).count(), 1)
        at = (timezone.localtime() - dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M")
        self.assertEqual(client.post(self.url("custody_add", event), {
            "at": at, "from_place": "Depot A", "to_place": "Range 7", "handed_by": "Sgt. A", "received_by": "Maj. D",
            "seal_numbers": "S-9 S-10"}).status_code, 302)
        admin = self.web("nadia")
        self.assertEqual(admin.post(self.url("event_approve", event)).status_code, 302)
        event.refresh_from_db()
        self.assertEqual(event.status, "approved")
        items = list(DestructionItem.unscoped.filter(event=event).order_by("id"))
        start = (timezone.localtime() - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
        end = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
        data = {"started_at": start, "ended_at": end, "scrap_disposition": "Foundry receipt 9"}
        for item in items:
            data[f"outcome_{item.public_id}"] = "destroyed"
        data[f"outcome_{items[0].public_id}"] = "returned"  # no reason: refused
        refused = client.post(self.url("event_execute", event), data)
        self.assertContains(refused, "say why", status_code=400)
        data[f"reason_{items[0].public_id}"] = "Needed as evidence"
        self.assertEqual(client.post(self.url("event_execute", event), data).status_code, 302)
        event.refresh_from_db()
        self.assertEqual(event.status, "executed")
        self.assertEqual(Firearm.unscoped.get(pk=self.firearms.glock_a.pk).status, "destroyed")
        self.assertEqual(Firearm.unscoped.get(pk=extra.pk).status, "seized")
        page = client.get(self.url("event_detail", event))
        self.assertContains(page, "Needed as evidence")
        self.assertNotContains(page, self.url("event_cancel", event))

    def test_cancel_and_remove(self) -> None:
        client = self.web("alice")
        self.assertEqual(client.post(self.url("item_remove", self.destructions.item_new_a)).status_code, 302)
        self.assertFalse(DestructionItem.unscoped.filter(pk=self.destructions.item_new_a.pk).exists())
        self.assertEqual(client.post(self.url("event_cancel", self.destructions.event_a), {"reason": ""}).status_code,
                         400)
        client.post(self.url("event_cancel", self.destructions.event_a), {"reason": "Order suspended"})
        self.assertEqual(DestructionEvent.unscoped.get(pk=self.destructions.event_a.pk).status, "cancelled")

    def test_the_witness_rule_page(self) -> None:
        self.assertContains(self.web("alice").get(self.url("policy")), "at least 2 witness(es)")
        self.assertEqual(self.web("alice").post(self.url("policy"), {"min_witnesses": 3, "min_agencies": 1}
                                                ).status_code, 403)
        self.assertEqual(self.web("nadia").post(self.url("policy"), {"min_witnesses": 3, "min_agencies": 1}
                                                ).status_code, 302)
        self.assertContains(self.web("alice").get(self.url("policy")), "at least 3 witness(es)")
        self.assertContains(self.web("alice").get(self.url("event_detail", self.destructions.event_a)),
                            "this event has 2 witness(es)")
