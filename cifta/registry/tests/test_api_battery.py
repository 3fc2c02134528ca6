"""The standard battery (cifta/testing/battery.py) for every registry model's API endpoint,
with the registry test world plus a few records of each kind in A and in B."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.test import override_settings

from cifta.core.context import Source, change_context
from cifta.core.scoping import country_scope
from cifta.registry import serial_ranges, services
from cifta.registry.drafts import MarkingDraft
from cifta.registry.models import (
    CivilianHolder,
    Firearm,
    FirearmEvent,
    FirearmPhoto,
    HitNotice,
    ImportJob,
    ImportMapping,
    Marking,
    MarkingSequence,
    MarkingSession,
    MarkingSessionItem,
    SerialNumber,
    SerialRange,
)
from cifta.testing.battery import ScopedApiBattery
from cifta.testing.registry_world import RegistryWorldTestCase, register
from cifta.testing.world import MARKER_A, MARKER_B

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
DAY = dt.date(2024, 6, 1)
MEDIA_ROOT = tempfile.mkdtemp(prefix="cifta-registry-tests-")


@dataclass
class Side:
    """One country's extra records."""

    holder: CivilianHolder
    photo: FirearmPhoto
    marking: Marking
    notice: HitNotice
    sequence: MarkingSequence
    session: MarkingSession
    item: MarkingSessionItem
    mapping: ImportMapping
    job: ImportJob
    serial_range: SerialRange


@override_settings(MEDIA_ROOT=MEDIA_ROOT)
class RegistryExtrasTestCase(RegistryWorldTestCase):
    """The registry world plus, in each country, a holder, a photo, a marking, a hit notice, a
    State serial sequence, a marking session with one item, an import mapping and an import job.
    Records of B carry MARKER_B (and of A, MARKER_A) where a field can hold it."""

    a: Side
    b: Side

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.a = cls._side("A", cls.firearms.glock_a, MARKER_A)
        lost_b = register(cls.world, "B", {"type": "pistol", "make": "Taurus", "serial": f"{MARKER_B}-LOST",
                                           "holding_agency": "Registry B", "event_date": "2021-01-01"})
        with cls.acting("B"):
            services.record_event(actor="system:test", firearm=lost_b, kind="reported_lost", occurred_on=DAY,
                                  agency=cls.world.agency_b, reference=MARKER_B)
        cls.b = cls._side("B", cls.firearms.private_b, MARKER_B, lost=Firearm.unscoped.get(pk=lost_b.pk))

    @classmethod
    @contextmanager
    def acting(cls, country: str) -> Iterator[None]:
        c = cls.world.country_a if country == "A" else cls.world.country_b
        with country_scope([c.pk]), change_context("system:test", Source.COMMAND):
            yield

    @classmethod
    def _side(cls, country: str, firearm: Firearm, marker: str, lost: Firearm | None = None) -> Side:
        agency = cls.world.agency_a if country == "A" else cls.world.agency_b
        with cls.acting(country):
            holder = services.create_civilian_holder(actor="system:test", full_name=f"Holder {marker}",
                                                     licence_number=f"LIC-{country}")
            photo = services.add_photo(actor="system:test", firearm=firearm, content=PNG, filename="side.png",
                                       caption=f"Photo {marker}")
            marking = services.add_marking(actor="system:test", firearm=firearm,
                                           marking=MarkingDraft("remark", f"MARK {marker}"), occurred_on=DAY)
            with transaction.atomic():
                notice = services.raise_search_hits([lost or cls.firearms.lost_a], query=marker)[0]
            services.generate_state_marking(actor="system:test", firearm=firearm, year=2024)
            sequence = MarkingSequence.objects.get()
            with transaction.atomic():
                session = MarkingSession(agency=agency, held_on=DAY, machine=f"Machine {marker}")
                session.save()
                item = MarkingSessionItem(session=session, firearm=firearm, serial=firearm.serial_key,
                                          text=f"TEXT {marker}")
                item.save()
                mapping = ImportMapping(name=f"Mapping {marker}", columns={"serial": "Serial"})
                mapping.save()
                job = ImportJob(file_name=f"{marker}.csv", file_sha256="0" * 64)
                job.save()
                serial_range = serial_ranges.register_range(
                    actor="system:test", kind="consignment", reference=f"CONSIGNMENT {marker}",
                    first_serial=f"RG{country}000100", last_serial=f"RG{country}000250", note=marker)
        return Side(holder, photo, marking, notice, sequence, session, item, mapping, job, serial_range)

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA_ROOT, ignore_errors=True)


class FirearmApiTest(RegistryExtrasTestCase, ScopedApiBattery):
    model = Firearm
    basename = "firearm"

    def object_a(self) -> Any:
        return self.firearms.glock_a

    def private_object_a(self) -> Any:
        return self.firearms.seized_a

    def object_b(self) -> Any:
        return self.firearms.private_b

    def create_payload(self) -> dict[str, Any]:
        return {"type": "pistol", "make": "Glock", "model": "19", "calibre": "9mm Luger", "serial": "NEW-0001",
                "holding_agency": str(self.world.agency_a.public_id), "event": "registered"}

    def foreign_fk_payload(self) -> dict[str, Any]:
        return {**self.create_payload(), "holding_agency": str(self.world.agency_b.public_id)}

    def update_payload(self) -> dict[str, Any]:
        return {"storage_location": "Vault 2"}


class SerialNumberApiTest(RegistryExtrasTestCase, ScopedApiBattery):
    model = SerialNumber
    basename = "serialnumber"

    def object_a(self) -> Any:
        return SerialNumber.unscoped.get(firearm=self.firearms.seized_a)

    def object_b(self) -> Any:
        return SerialNumber.unscoped.get(firearm=self.firearms.private_b)


class MarkingApiTest(RegistryExtrasTestCase, ScopedApiBattery):
    model = Marking
    basename = "marking"

    def object_a(self) -> Any:
        return self.a.marking

    def object_b(self) -> Any:
        return self.b.marking


class FirearmEventApiTest(RegistryExtrasTestCase, ScopedApiBattery):
    model = FirearmEvent
    basename = "firearmevent"

    def object_a(self) -> Any:
        return FirearmEvent.unscoped.filter(firearm=self.firearms.seized_a).first()

    def object_b(self) -> Any:
        return FirearmEvent.unscoped.filter(firearm=self.firearms.private_b).first()


class FirearmPhotoApiTest(RegistryExtrasTestCase, ScopedApiBattery):
    model = FirearmPhoto
    basename = "firearmphoto"

    def object_a(self) -> Any:
        return self.a.photo

    def object_b(self) -> Any:
        return self.b.photo

    def test_the_image_is_served_only_within_the_scope(self) -> None:
        from django.urls import reverse

        client = self.api("alice")
        response = client.get(reverse("api:firearmphoto-image", args=[self.a.photo.public_id]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), PNG)
        self.assertEqual(response["Content-Type"], "image/png")
        self.assertEqual(client.get(reverse("api:firearmphoto-image", args=[self.b.photo.public_id])).status_code,
                         404)
        detail = client.get(self.detail_url(self.a.photo)).json()
        self.assertNotIn("/media/", str(detail))
        self.assertEqual(detail["image_url"], reverse("api:firearmphoto-image", args=[self.a.photo.public_id]))


class CivilianHolderApiTest(RegistryExtrasTestCase, ScopedApiBattery):
    model = CivilianHolder
    basename = "civilianholder"

    def object_a(self) -> Any:
        return self.a.holder

    def object_b(self) -> Any:
        return self.b.holder

    def create_payload(self) -> dict[str, Any]:
        return {"full_name": "New Holder", "licence_number": "LIC-9"}

    def test_roles_without_personal_data_are_refused(self) -> None:
        from django.urls import reverse

        for name in ("bob", "aude", "sam"):
            client = self.api(name)
            self.assertEqual(client.get(self.list_url()).status_code, 403, name)
            self.assertEqual(client.get(self.detail_url(self.a.holder)).status_code, 403, name)
        before = self.changes_count()
        response = self.api("sara").post(reverse("api:civilianholder-list"), {"full_name": "X"}, format="json")
        self.assertEqual(response.status_code, 403)  # may add records, may not see personal data
        self.assertEqual(self.changes_count(), before)


class HitNoticeApiTest(RegistryExtrasTestCase, ScopedApiBattery):
    model = HitNotice
    basename = "hitnotice"

    def object_a(self) -> Any:
        return self.a.notice

    def object_b(self) -> Any:
        return self.b.notice

    def test_marking_read_is_for_writers_of_the_same_country(self) -> None:
        from django.urls import reverse

        url_a = reverse("api:hitnotice-read", args=[self.a.notice.public_id])
        url_b = reverse("api:hitnotice-read", args=[self.b.notice.public_id])
        self.assertEqual(self.api("bob").post(url_a).status_code, 403)
        self.assertEqual(self.api("alice").post(url_b).status_code, 404)
        self.assertIsNone(HitNotice.unscoped.get(pk=self.b.notice.pk).read_at)
        response = self.api("alice").post(url_a)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertIsNotNone(response.json()["read_at"])


class MarkingSequenceApiTest(RegistryExtrasTestCase, ScopedApiBattery):
    model = MarkingSequence
    basename = "markingsequence"

    def object_a(self) -> Any:
        return self.a.sequence

    def object_b(self) -> Any:
        return self.b.sequence


class MarkingSessionApiTest(RegistryExtrasTestCase, ScopedApiBattery):
    model = MarkingSession
    basename = "markingsession"

    def object_a(self) -> Any:
        return self.a.session

    def object_b(self) -> Any:
        return self.b.session


class MarkingSessionItemApiTest(RegistryExtrasTestCase, ScopedApiBattery):
    model = MarkingSessionItem
    basename = "markingsessionitem"

    def object_a(self) -> Any:
        return self.a.item

    def object_b(self) -> Any:
        return self.b.item


class ImportMappingApiTest(RegistryExtrasTestCase, ScopedApiBattery):
    model = ImportMapping
    basename = "importmapping"

    def object_a(self) -> Any:
        return self.a.mapping

    def object_b(self) -> Any:
        return self.b.mapping


class ImportJobApiTest(RegistryExtrasTestCase, ScopedApiBattery):
    model = ImportJob
    basename = "importjob"

    def object_a(self) -> Any:
        return self.a.job

    def object_b(self) -> Any:
        return self.b.job


class SerialRangeApiTest(RegistryExtrasTestCase, ScopedApiBattery):
    model = SerialRange
    basename = "serialrange"

    def object_a(self) -> Any:
        return self.a.serial_range

    def object_b(self) -> Any:
        return self.b.serial_range

    def create_payload(self) -> dict[str, Any]:
        return {"kind": "licence", "reference": "LIC-77", "first_serial": "BER000100", "last_serial": "BER000250",
                "make": "Beretta"}

    def test_a_bad_range_is_refused_naming_the_field_and_nothing_is_stored(self) -> None:
        from django.urls import reverse

        before = self.changes_count()
        response = self.api("alice").post(reverse("api:serialrange-list"), {
            "kind": "licence", "reference": "LIC-78", "first_serial": "BER000250", "last_serial": "BER000100"},
            format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("last_serial", response.json())
        self.assertEqual(self.changes_count(), before)
