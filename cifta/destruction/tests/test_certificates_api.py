"""The certificate API: the standard battery for signing keys and certificates (the private
key never in any answer), issuing and withdrawing, documents, public verification and totals."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cifta.destruction.models import Certificate, SigningKey
from cifta.destruction.tests._certificate_fixtures import CertificateWorldTestCase
from cifta.testing.battery import ScopedApiBattery
from cifta.testing.world import MARKER_A, MARKER_B


def assert_no_private_key(test: Any, *responses: Any) -> None:
    pems = [k.private_key_pem for k in SigningKey.unscoped.all()]
    for response in responses:
        body = response.content.decode()
        assert "PRIVATE KEY" not in body and "private_key" not in body
        for pem in pems:
            for line in pem.splitlines()[1:-1]:
                assert line not in body


class SigningKeyBatteryTest(ScopedApiBattery, CertificateWorldTestCase):
    model = SigningKey
    basename = "signingkey"
    writer_a = "nadia"

    def object_a(self) -> Any:
        return self.key_a

    def object_b(self) -> Any:
        return self.key_b

    def create_payload(self) -> dict[str, Any]:
        # Registry A already has a key in force: create one for A's other agency.
        from cifta.directory.models import Agency

        other = Agency.unscoped.filter(country=self.world.country_a).exclude(pk=self.world.agency_a.pk).first()
        return {"authority": str(other.public_id)}

    def foreign_fk_payload(self) -> dict[str, Any]:
        return {"authority": str(self.world.agency_b.public_id)}

    def test_no_answer_carries_the_private_key(self):
        nadia = self.api("nadia")
        responses = [nadia.get(self.list_url()), nadia.get(self.detail_url(self.key_a)),
                     nadia.post(reverse("api:signingkey-rotate"), {"authority": str(self.world.agency_a.public_id)},
                                format="json")]
        assert responses[-1].status_code == 201, responses[-1].content
        responses.append(nadia.post(reverse("api:signingkey-revoke", args=[responses[-1].json()["public_id"]]),
                                    {"reason": "key_compromise"}, format="json"))
        assert responses[-1].status_code == 200 and responses[-1].json()["revocation_reason"] == "key_compromise"
        assert_no_private_key(self, *responses)

    def test_officer_cannot_manage_keys(self):
        response = self.api("alice").post(reverse("api:signingkey-rotate"),
                                          {"authority": str(self.world.agency_a.public_id)}, format="json")
        assert response.status_code == 403


class CertificateBatteryTest(ScopedApiBattery, CertificateWorldTestCase):
    model = Certificate
    basename = "certificate"

    def object_a(self) -> Any:
        return self.cert_a

    def object_b(self) -> Any:
        return self.cert_b

    def test_issue_withdraw_and_documents(self):
        nadia = self.api("nadia")
        assert self.api("alice").post(reverse("api:certificate-issue"), {"event": str(self.event_a2.public_id)},
                                      format="json").status_code == 403
        foreign = nadia.post(reverse("api:certificate-issue"), {"event": str(self.event_b.public_id)}, format="json")
        assert foreign.status_code == 404
        response = nadia.post(reverse("api:certificate-issue"), {"event": str(self.event_a2.public_id)}, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["payload"]["items"][0]["serial"] == f"{MARKER_A}-77" and body["event_reference"] == "DE-A-2"
        again = nadia.post(reverse("api:certificate-issue"), {"event": str(self.event_a2.public_id)}, format="json")
        assert again.status_code == 409
        pdf = nadia.get(reverse("api:certificate-pdf", args=[body["public_id"]]) + "?lang=es")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
        exported = nadia.get(reverse("api:certificate-json", args=[body["public_id"]]))
        assert json.loads(exported.content)["payload_digest"] == body["digest"]
        withdrawn = nadia.post(reverse("api:certificate-withdraw", args=[body["public_id"]]), {"reason": "dup"},
                               format="json")
        assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"]
        assert nadia.post(reverse("api:certificate-withdraw", args=[self.cert_b.public_id]), {"reason": "x"},
                          format="json").status_code == 404
        assert self.api("alice").get(reverse("api:certificate-pdf", args=[self.cert_b.public_id])).status_code == 404
        assert_no_private_key(self, response, exported, withdrawn)

    def test_list_filters(self):
        alice = self.api("alice")
        assert self.ids(alice.get(self.list_url() + "?year=2025")) == {str(self.cert_a.public_id)}
        assert self.ids(alice.get(self.list_url() + "?year=2024")) == set()
        assert self.ids(alice.get(self.list_url() + "?status=withdrawn")) == set()
        assert alice.get(self.list_url() + "?year=abc").status_code == 400


class VerifyAndTotalsApiTest(CertificateWorldTestCase):
    def test_anonymous_verification_by_number_and_file(self):
        anonymous = self.api(None)
        url = reverse("api:certificate-verify-list")
        response = anonymous.post(url, {"number": self.cert_a.number}, format="json")
        assert response.status_code == 200 and response.json()["genuine"] is True
        assert response.json()["payload"]["certificate_number"] == self.cert_a.number
        assert anonymous.post(url, {"number": self.cert_a.number, "fingerprint": "0" * 64},
                              format="json").json()["code"] == "tampered"
        missing = anonymous.post(url, {"number": "ZZ-1"}, format="json")
        assert missing.status_code == 404 and missing.json()["payload"] is None
        forged = self.reload(self.cert_b).envelope.replace("Pedro Soto", "Pedro Sota").encode()
        response = anonymous.post(url, {"file": SimpleUploadedFile("c.json", forged)}, format="multipart")
        assert response.json()["code"] == "tampered" and response.json()["payload"] is None
        assert anonymous.post(url, {}, format="json").status_code == 400
        assert_no_private_key(self, response)

    def test_totals_state_and_secretariat_numbers_only(self):
        body = self.api("alice").get(reverse("api:destruction-totals-list") + "?year=2025").json()
        assert (body["firearms"], body["ammunition"], body["certificates"]) == (1, 500, 1)
        response = self.api("sam").get(reverse("api:destruction-totals-list") + "?year=2025")
        text = response.content.decode()
        assert {s["country"] for s in response.json()["states"]} == {"CO", "MX"}
        assert MARKER_B not in text and MARKER_A not in text and self.cert_b.number not in text
        assert self.api("sara").get(reverse("api:destruction-totals-list")).status_code == 200
        assert self.api(None).get(reverse("api:destruction-totals-list")).status_code in (401, 403)
