"""The demo's destruction events: Colombia's certified event, whose certificate verifies as
genuine and whose rifles the registry records as destroyed, and a planned event; built once."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.test import TestCase, override_settings

from cifta.core.context import Source, change_context
from cifta.core.scoping import ALL_COUNTRIES, country_scope
from cifta.demo.world import CERTIFIED_EVENT, DEMO_ACTOR, DESTROYED_FIREARMS, PLANNED_EVENT, build_demo_world
from cifta.destruction import selectors_certificates, selectors_events
from cifta.destruction.models import (
    Certificate,
    CustodyStep,
    DestructionEvent,
    DestructionItem,
    DestructionPhoto,
    SigningKey,
    Witness,
)
from cifta.directory.models import Country
from cifta.registry.models import Firearm

DESTRUCTION_MODELS = (DestructionEvent, DestructionItem, Witness, DestructionPhoto, CustodyStep, SigningKey,
                      Certificate)
MEDIA = tempfile.mkdtemp(prefix="cifta-demo-media-")


@override_settings(MEDIA_ROOT=MEDIA)
class DemoDestructionTest(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.addClassCleanup(shutil.rmtree, MEDIA, ignore_errors=True)
        cls.first = build_demo_world().created

    def counts(self) -> dict[str, int]:
        with country_scope(ALL_COUNTRIES):
            return {model.__name__: model.objects.count() for model in DESTRUCTION_MODELS}

    def test_colombia_has_a_certified_event_whose_certificate_is_genuine(self) -> None:
        self.assertEqual((self.first["destruction_events"], self.first["certificates"]), (2, 1))
        co = Country.objects.get(code="CO")
        with country_scope([co.pk]):
            event = DestructionEvent.objects.get(title=CERTIFIED_EVENT)
            self.assertEqual(event.status, DestructionEvent.Status.CERTIFIED)
            self.assertEqual(event.approved_by, "Admin Demo CO")  # a national administrator approved it
            self.assertLess(event.started_at, event.ended_at)

            # The rifles are destroyed in the registry, for good.
            serials = sorted(s.format(cc="CO") for s in DESTROYED_FIREARMS)
            items = DestructionItem.objects.filter(event=event)
            self.assertEqual(sorted(items.values_list("firearm__serial_key", "status")),
                             [(s, "destroyed") for s in serials])
            self.assertEqual(set(Firearm.objects.filter(serial_key__in=serials).values_list("status", flat=True)),
                             {"destroyed"})

            # Two witnesses of two agencies, an observer, custody under seal, photos with hashes.
            witnesses = Witness.objects.filter(event=event)
            self.assertEqual(sorted(witnesses.values_list("role", flat=True)), ["observer", "witness", "witness"])
            self.assertEqual(witnesses.filter(role="witness").values("agency").distinct().count(), 2)
            self.assertIsNone(selectors_events.witness_shortfall(event))
            steps = list(CustodyStep.objects.filter(event=event))
            self.assertEqual(len(steps), 2)
            self.assertTrue(all(step.seal_numbers == "CO-SEAL-00871, CO-SEAL-00872" for step in steps))
            photos = DestructionPhoto.objects.filter(event=event)
            self.assertEqual(sorted(photos.values_list("stage", flat=True)), ["after", "before"])
            for photo in photos:
                with photo.image.open("rb") as image:
                    data = image.read()
                self.assertTrue(data.startswith(b"\x89PNG\r\n\x1a\n"))
                self.assertEqual(hashlib.sha256(data).hexdigest(), photo.sha256)

            certificate = Certificate.objects.get(event=event)
            self.assertIsNone(certificate.withdrawn_at)
            self.assertEqual(certificate.key.authority.name, "National Firearms Registry (demo)")

            # The planned event waits for its second witness.
            planned = DestructionEvent.objects.get(title=PLANNED_EVENT)
            self.assertEqual(planned.status, DestructionEvent.Status.PLANNED)
            self.assertEqual(sorted(DestructionItem.objects.filter(event=planned).values_list("kind", flat=True)),
                             ["ammunition", "ammunition", "firearm"])
            self.assertIsNotNone(selectors_events.witness_shortfall(planned))

        # Anyone can verify it, by number or from the file.
        verification = selectors_certificates.verify_number(certificate.number)
        assert verification is not None
        self.assertEqual(verification.code, "genuine")
        assert verification.payload is not None
        self.assertEqual(sorted(i["serial"] for i in verification.payload["items"]), serials)
        path = Path(MEDIA) / "certificate.json"
        path.write_text(certificate.envelope, encoding="utf-8")
        out = StringIO()
        call_command("certificate", "verify", str(path), stdout=out, stderr=StringIO())
        self.assertIn(f"Genuine: certificate {certificate.number}", out.getvalue())

    def test_a_second_run_adds_nothing(self) -> None:
        after_first = self.counts()
        with change_context(DEMO_ACTOR, Source.COMMAND):
            second = build_demo_world().created
        self.assertEqual((second["destruction_events"], second["certificates"]), (0, 0))
        self.assertEqual(self.counts(), after_first)
        out = StringIO()
        call_command("audit", "verify", stdout=out, stderr=StringIO())
        self.assertIn("intact", out.getvalue())
