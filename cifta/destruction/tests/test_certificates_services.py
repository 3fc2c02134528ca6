"""Issuing, withdrawing and the keys: what is signed verifies with the engine, the payload lists
what the event destroyed, and the rules refuse what they must, changing nothing."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from cifta.core.errors import ConflictError, ServiceError
from cifta.core.models import AuditEvent
from cifta.destruction import certificates as engine
from cifta.destruction import selectors_certificates as selectors
from cifta.destruction import services_certificates as services
from cifta.destruction.models import Certificate, DestructionEvent, SigningKey
from cifta.destruction.tests._certificate_fixtures import ACTOR, CertificateWorldTestCase, as_state


class IssueTest(CertificateWorldTestCase):
    def test_issued_certificate_is_signed_content_the_engine_verifies(self):
        cert = self.reload(self.cert_a)
        envelope = engine.Envelope.from_json(cert.envelope)
        verification = engine.verify(envelope, selectors.keyring(), now=timezone.now())
        assert verification.ok, verification.message
        assert cert.digest == envelope.payload_digest and envelope.key_id == self.key_a.key_id
        payload = verification.payload
        assert payload["certificate_number"] == cert.number
        assert cert.number.startswith(f"CO-DE-{cert.issued_at.year}-") and cert.number.endswith("00001")
        assert payload["authority"] == str(self.world.agency_a.public_id)
        assert payload["state"] == "CO" and payload["authority_name"] == "Registry A"
        assert payload["order_reference"] == "Resolution DE-A-1" and payload["event"] == "DE-A-1"
        assert payload["site"] == {"name": "Base Tolemaida", "address": "Km 5", "latitude": "4.3",
                                   "longitude": "-74.8"}
        assert [m["code"] for m in payload["methods"]] == ["cutting", "open_detonation"]
        firearm, ammunition = payload["items"]  # the returned firearm is not on the certificate
        assert firearm == {"kind": "firearm", "serial": "ABC123", "category": "pistol", "make": "Glock",
                           "model": "17", "calibre": firearm["calibre"], "quantity": 1, "method": "cutting"}
        assert ammunition["lot"] == "A-762-01" and ammunition["quantity"] == 500
        assert ammunition["category"] == "Cartridge 7.62x51 ball" and ammunition["neq_kg"] == "1.5"
        assert ammunition["method"] == "open_detonation"
        assert [w["name"] for w in payload["witnesses"]] == ["Ana Ruiz", "Juan Pérez"]
        assert len(payload["photos"]) == 2 and payload["photos"][0]["item"] == 0
        assert self.reload(self.event_a).status == DestructionEvent.Status.CERTIFIED
        assert AuditEvent.unscoped.filter(verb="destruction.certificate.issued", target_id=cert.pk).exists()

    def test_refusals_change_nothing(self):
        before = self.changes_count()
        with as_state(self.world.country_a):
            with pytest.raises(ConflictError):  # already certified
                services.issue_certificate(actor=ACTOR, event=self.event_a)
        with as_state(self.world.country_a):
            with pytest.raises(ServiceError):  # another State's event does not exist
                services.issue_certificate(actor=ACTOR, event=self.event_b)
        with as_state(self.world.country_a):
            event = DestructionEvent.objects.owned().get(pk=self.event_a2.pk)
            event.status = DestructionEvent.Status.APPROVED
            event.save()
        with as_state(self.world.country_a):
            with pytest.raises(ConflictError, match="Only an executed event"):
                services.issue_certificate(actor=ACTOR, event=self.event_a2)
        assert self.changes_count() == before + 1  # the status change made for the test only

    def test_withdraw_then_issue_again(self):
        with as_state(self.world.country_a):
            services.withdraw_certificate(actor=ACTOR, certificate=self.cert_a, reason="wrong lot")
        assert self.reload(self.event_a).status == DestructionEvent.Status.EXECUTED
        v = selectors.verify_number(self.cert_a.number)
        assert v is not None and v.code == "withdrawn"
        with as_state(self.world.country_a):
            with pytest.raises(ConflictError):
                services.withdraw_certificate(actor=ACTOR, certificate=self.cert_a, reason="again")
            again = services.issue_certificate(actor=ACTOR, event=self.event_a)
        assert again.number.endswith("00002") and again.number != self.cert_a.number
        assert selectors.verify_number(again.number).ok

    def test_signed_content_never_changes(self):
        with as_state(self.world.country_a):
            cert = Certificate.objects.owned().get(pk=self.cert_a.pk)
            cert.envelope = cert.envelope.replace("ABC123", "XYZ999")
            with pytest.raises(Exception, match="never changes"):
                cert.save()

    def test_private_key_is_encrypted_and_readable_with_the_secret(self):
        key = self.key(self.key_a.key_id)
        assert "ENCRYPTED PRIVATE KEY" in key.private_key_pem
        assert services.private_key(key).key_id == key.key_id


class KeyTest(CertificateWorldTestCase):
    def test_rotation_keeps_old_certificates_valid_and_signs_with_the_new_key(self):
        with as_state(self.world.country_a):
            with pytest.raises(ConflictError):
                services.create_key(actor=ACTOR, authority=self.world.agency_a)
            new = services.rotate_key(actor=ACTOR, authority=self.world.agency_a)
        old = self.key(self.key_a.key_id)
        assert old.valid_until == new.valid_from and old.revoked_at is None
        assert selectors.verify_number(self.cert_a.number).ok
        with as_state(self.world.country_a):
            cert = services.issue_certificate(actor=ACTOR, event=self.event_a2)
        assert cert.key_id == new.pk
        assert selectors.verify_number(cert.number).ok

    def test_revocation_for_compromise_fails_what_the_key_signed_superseded_does_not(self):
        with as_state(self.world.country_b):
            services.revoke_key(actor=ACTOR, key=self.key_b, reason="superseded")
        v = selectors.verify_number(self.cert_b.number)
        assert v.ok and v.warnings == ("key_superseded",)
        with as_state(self.world.country_a):
            services.revoke_key(actor=ACTOR, key=self.key_a, reason="key_compromise")
            with pytest.raises(ConflictError):
                services.revoke_key(actor=ACTOR, key=self.key_a, reason="unspecified")
            with pytest.raises(ServiceError, match="signing key"):  # nothing left to sign with
                services.issue_certificate(actor=ACTOR, event=self.event_a2)
        assert selectors.verify_number(self.cert_a.number).code == "key_revoked"

    def test_keyring_holds_public_parts_only(self):
        ring = selectors.keyring()
        assert {k.key_id for k in ring.keys} == {self.key_a.key_id, self.key_b.key_id}
        text = ring.to_json()
        assert "PRIVATE" not in text
        for key in SigningKey.unscoped.all():
            assert key.private_key_pem.splitlines()[1] not in text
        assert json.loads(text)["format"] == "cifta-keyring/1"


class ChangeLogTest(CertificateWorldTestCase):
    def test_the_change_log_never_holds_the_private_key(self):
        from cifta.core.models import ObjectChange

        key = self.key(self.key_a.key_id)
        rows = ObjectChange.unscoped.filter(object_type="destruction.signingkey", object_id=key.pk)
        assert rows.exists()
        for row in rows:
            assert "PRIVATE KEY" not in json.dumps(row.after) and "PRIVATE KEY" not in json.dumps(row.before)
