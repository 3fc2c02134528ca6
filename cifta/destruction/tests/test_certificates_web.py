"""Certificate pages: the public verification (anonymous; shows the signed content and nothing
else), published keys, the register with its exports, a certificate's documents, withdrawal,
issuing, keys, totals (a State's; the Secretariat's numbers only), and isolation."""

from __future__ import annotations

import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from cifta.core.models import AuditEvent
from cifta.destruction import selectors_certificates as selectors
from cifta.destruction.certificates_pdf import certificate_pdf
from cifta.destruction.models import Certificate, DestructionEvent
from cifta.destruction.tests._certificate_fixtures import CertificateWorldTestCase
from cifta.testing.world import MARKER_A, MARKER_B


class PublicPagesTest(CertificateWorldTestCase):
    def test_one_address_checks_only_so_fast(self):
        from django.test import override_settings

        url = reverse("destruction:verify_number", args=[self.cert_a.number])
        with override_settings(CIFTA_PUBLIC_VERIFY_PER_MINUTE=2):
            codes = [Client().get(url).status_code for _ in range(3)]
            api = [self.api(None).post("/api/v1/certificate-verify/", {"number": self.cert_a.number},
                                       format="json").status_code for _ in range(1)]
        self.assertEqual(codes, [200, 200, 429])
        self.assertEqual(api, [429])

    def test_anonymous_verification_by_number_shows_the_signed_content_only(self):
        anonymous = Client()
        response = anonymous.get(reverse("destruction:verify_number", args=[self.cert_b.number]))
        assert response.status_code == 200
        text = response.content.decode()
        assert 'data-code="genuine"' in text
        assert "PRIVATEBRAVO-9" in text and f"Witness {MARKER_B}" in text  # what the certificate says
        assert self.cert_b.digest in text
        # ... and nothing that is not in the certificate: the lot's other fields, the event's
        # officer, B's other records.
        assert "Col. Vargas" not in text  # the event's responsible officer is not on the certificate
        assert "Registry B" in text  # the issuing authority is
        assert "Beretta" in text  # make, printed on the certificate
        assert "needed as evidence" not in text
        qr = anonymous.get(f"/destruction/verify/{self.cert_b.number}")  # the QR's URL, no slash
        assert qr.status_code == 200 and 'data-code="genuine"' in qr.content.decode()

    def test_unknown_number_says_not_found_and_shows_nothing_else(self):
        response = Client().get(reverse("destruction:verify_number", args=["CO-DE-1999-00001"]))
        assert response.status_code == 404
        text = response.content.decode()
        assert "No certificate has the number CO-DE-1999-00001" in text
        assert "ABC123" not in text and MARKER_B not in text and "data-code" not in text

    def test_upload_pdf_and_tampered_json_anonymously(self):
        pdf = certificate_pdf(selectors.envelope_of(self.cert_a), language="fr", base_url="http://testserver/destruction")
        client = Client()
        response = client.post(reverse("destruction:verify"),
                               {"file": SimpleUploadedFile("c.pdf", pdf, content_type="application/pdf")})
        assert response.status_code == 200 and 'data-code="genuine"' in response.content.decode()
        forged = self.reload(self.cert_a).envelope.replace('"quantity": 500', '"quantity": 50')
        response = client.post(reverse("destruction:verify"), {"file": SimpleUploadedFile("c.json", forged.encode())})
        text = response.content.decode()
        assert 'data-code="tampered"' in text and "A-762-01" not in text
        response = client.post(reverse("destruction:verify"), {"number": self.cert_a.number})
        assert response.status_code == 302
        assert client.post(reverse("destruction:verify"), {}).status_code == 400

    def test_published_keys_html_and_json(self):
        response = Client().get(reverse("destruction:public_keys"))
        assert response.status_code == 200 and self.key_a.key_id in response.content.decode()
        ring = Client().get(reverse("destruction:public_keys_json")).json()
        assert {k["key_id"] for k in ring["keys"]} == {self.key_a.key_id, self.key_b.key_id}
        assert "PRIVATE" not in json.dumps(ring)
        assert Client().get(reverse("destruction:public_keys") + "?format=json").json() == ring

    def test_a_pdf_carries_the_qr_url_and_the_envelope(self):
        response = self.web("alice").get(reverse("destruction:certificate_pdf", args=[self.cert_a.public_id])
                                         + "?lang=pt")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        verification = selectors.verify_bytes(response.content)
        assert verification.ok
        assert AuditEvent.unscoped.filter(verb="destruction.certificate.exported").exists()
        assert self.web("alice").get(reverse("destruction:certificate_pdf", args=[self.cert_a.public_id])
                                     + "?lang=xx").status_code == 404


class SignedInPagesTest(CertificateWorldTestCase):
    def test_register_filters_and_exports(self):
        alice = self.web("alice")
        response = alice.get(reverse("destruction:certificate_list"))
        text = response.content.decode()
        assert response.status_code == 200 and self.cert_a.number in text and self.cert_b.number not in text
        listed_2024 = alice.get(reverse("destruction:certificate_list") + "?year=2024").content.decode()
        assert self.cert_a.number not in listed_2024
        assert self.cert_a.number in alice.get(reverse("destruction:certificate_list")
                                               + "?year=2025&method=cutting").content.decode()
        csv = alice.get(reverse("destruction:certificate_export_csv")).content.decode("utf-8-sig")
        assert csv.splitlines()[0].startswith("number,event") and self.cert_a.number in csv
        assert self.cert_b.number not in csv
        xlsx = alice.get(reverse("destruction:certificate_export_xlsx"))
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[1][0] == self.cert_a.number and rows[1][7] == 1 and rows[1][9] == 500
        assert self.web("bob").get(reverse("destruction:certificate_export_csv")).status_code == 403

    def test_detail_json_and_isolation(self):
        alice = self.web("alice")
        response = alice.get(self.cert_a.get_absolute_url())
        assert response.status_code == 200 and self.cert_a.digest in response.content.decode()
        assert alice.get(self.cert_b.get_absolute_url()).status_code == 404
        assert alice.get(reverse("destruction:certificate_json", args=[self.cert_b.public_id])).status_code == 404
        assert alice.get(reverse("destruction:certificate_pdf", args=[self.cert_b.public_id])).status_code == 404
        exported = alice.get(reverse("destruction:certificate_json", args=[self.cert_a.public_id]))
        assert exported.content.decode() == self.reload(self.cert_a).envelope
        for url in (reverse("destruction:certificate_list"), reverse("destruction:totals"),
                    reverse("destruction:key_list"), self.cert_a.get_absolute_url()):
            assert MARKER_B not in alice.get(url).content.decode()

    def test_withdraw_needs_approve_and_a_reason(self):
        url = reverse("destruction:certificate_withdraw", args=[self.cert_a.public_id])
        assert self.web("alice").post(url, {"reason": "x"}).status_code == 403
        nadia = self.web("nadia")
        assert nadia.post(reverse("destruction:certificate_withdraw", args=[self.cert_b.public_id]),
                          {"reason": "x"}).status_code == 404
        nadia.post(url, {"reason": ""})
        assert self.reload(self.cert_a).withdrawn_at is None
        nadia.post(url, {"reason": "wrong event"})
        assert self.reload(self.cert_a).withdrawn_at is not None

    def test_issue_page_and_keys_page(self):
        nadia = self.web("nadia")
        url = reverse("destruction:certificate_issue", args=[self.event_a2.public_id])
        assert self.web("alice").get(url).status_code == 403
        assert nadia.get(url).status_code == 200
        response = nadia.post(url, {"authority": self.world.agency_a.pk})
        assert response.status_code == 302
        assert self.reload(self.event_a2).status == DestructionEvent.Status.CERTIFIED
        assert nadia.get(reverse("destruction:certificate_issue", args=[self.event_b.public_id])).status_code == 404
        keys = nadia.get(reverse("destruction:key_list")).content.decode()
        assert self.key_a.key_id in keys and self.key_b.key_id not in keys
        nadia.post(reverse("destruction:key_rotate"), {"authority": self.world.agency_a.pk})
        assert Certificate.unscoped.count() == 3
        response = nadia.post(reverse("destruction:key_revoke", args=[self.key_b.public_id]), {"reason": "superseded"})
        assert response.status_code == 404 and self.key(self.key_b.key_id).revoked_at is None

    def test_totals_state_and_secretariat(self):
        text = self.web("alice").get(reverse("destruction:totals") + "?year=2025").content.decode()
        assert "<svg" in text and "Cartridge 7.62x51 ball" in text and "Mortar bomb" not in text
        sam = self.web("sam")
        response = sam.get(reverse("destruction:totals") + "?year=2025")
        text = response.content.decode()
        assert response.status_code == 200 and "<svg" in text
        assert self.cert_a.number not in text and self.cert_b.number not in text
        assert "ABC123" not in text and MARKER_A not in text and MARKER_B not in text
        csv = sam.get(reverse("destruction:totals_export_csv") + "?year=2025").content.decode("utf-8-sig")
        assert "CO,2025,ammunition,Cartridge 7.62x51 ball,open_detonation,500,1" in csv
        assert "MX,2025,firearm,pistol,cutting,1,1" in csv
        assert sam.get(reverse("destruction:certificate_list")).status_code == 403
        assert self.web("alice").get(reverse("destruction:totals_export_xlsx") + "?year=2025").status_code == 200
