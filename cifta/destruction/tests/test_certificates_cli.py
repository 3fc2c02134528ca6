"""``cifta certificate``: the PDF and JSON round trip through ``verify`` (genuine, tampered,
truncated, withdrawn, revoked key), issuing, keys and totals from the command line."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.test import RequestFactory

from cifta.core.models import ObjectChange
from cifta.destruction import selectors_certificates as selectors
from cifta.destruction import services_certificates as services
from cifta.destruction.certificates.pdf_embed import END, MARKER
from cifta.destruction.certificates_pdf import certificate_pdf
from cifta.destruction.models import Certificate, SigningKey
from cifta.destruction.tests._certificate_fixtures import ACTOR, CertificateWorldTestCase, as_state


def cli(*args: str) -> str:
    out = io.StringIO()
    call_command("certificate", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


class VerifyCliTest(CertificateWorldTestCase):
    def setUp(self) -> None:
        self.dir = Path(self.enterContext(__import__("tempfile").TemporaryDirectory()))

    def pdf(self, certificate: Certificate, language: str = "es") -> bytes:
        return certificate_pdf(selectors.envelope_of(certificate), language=language,
                               base_url="https://hub.example.org/destruction")

    def write(self, name: str, data: bytes) -> str:
        path = self.dir / name
        path.write_bytes(data)
        return str(path)

    def refused(self, path: str, reason: str) -> None:
        before = ObjectChange.unscoped.count()
        with pytest.raises(CommandError, match=reason) as info:
            cli("verify", path)
        assert info.value.returncode == 1
        assert ObjectChange.unscoped.count() == before

    def test_genuine_pdf_in_every_language_prints_the_signed_content(self):
        for language in ("en", "es", "fr", "pt"):
            out = cli("verify", self.write(f"a-{language}.pdf", self.pdf(self.cert_a, language)))
            assert out.startswith(f"Genuine: certificate {self.cert_a.number}")
            payload = json.loads(out[out.index("{"):])
            assert payload["items"][0]["serial"] == "ABC123" and payload["event"] == "DE-A-1"

    def test_genuine_json_export_and_system_exit_codes(self):
        path = self.write("a.json", self.reload(self.cert_a).envelope.encode())
        assert "Genuine" in cli("verify", path)
        bad = self.write("cut.json", self.reload(self.cert_a).envelope.encode()[:200])
        # A command run from the command line closes the database connections when it ends;
        # inside a test that would end the test's own transaction (PostgreSQL), so not here.
        with mock.patch("django.core.management.base.connections.close_all"):
            execute_from_command_line(["cifta", "certificate", "verify", path])  # success: no SystemExit
            with pytest.raises(SystemExit) as info:
                execute_from_command_line(["cifta", "certificate", "verify", bad])
        assert info.value.code == 1

    def test_a_byte_changed_in_the_embedded_payload_is_tampered(self):
        data = self.pdf(self.cert_a)
        match = re.search(re.escape(MARKER.encode()) + rb"([A-Za-z0-9_-]+)" + re.escape(END.encode()), data)
        assert match is not None
        inner = base64.urlsafe_b64decode(match.group(1) + b"=" * (-len(match.group(1)) % 4))
        changed = inner.replace(b"ABC123", b"ABC124")
        assert changed != inner
        encoded = base64.urlsafe_b64encode(changed).rstrip(b"=")
        forged = data[:match.start(1)] + encoded + data[match.end(1):]
        self.refused(self.write("forged.pdf", forged), "Tampered")

    def test_a_byte_flipped_anywhere_in_the_marker_is_refused(self):
        data = bytearray(self.pdf(self.cert_a))
        start = data.index(MARKER.encode()) + len(MARKER) + 300
        data[start] = ord("A") if data[start] != ord("A") else ord("B")
        with pytest.raises(CommandError) as info:
            cli("verify", self.write("flipped.pdf", bytes(data)))
        assert re.match(r"(Tampered|Malformed|Bad signature)", str(info.value))

    def test_truncated_pdf_and_json(self):
        data = self.pdf(self.cert_a)
        self.refused(self.write("half.pdf", data[: len(data) // 2]), "Truncated")
        self.refused(self.write("half.json", self.reload(self.cert_a).envelope.encode()[:-40]), "Truncated")
        self.refused(self.write("empty.json", b""), "Truncated")
        self.refused(self.write("junk.pdf", b"hello"), "Malformed")

    def test_withdrawn_and_revoked_key(self):
        path_a = self.write("a.pdf", self.pdf(self.cert_a))
        path_b = self.write("b.pdf", self.pdf(self.cert_b))
        with as_state(self.world.country_a):
            services.withdraw_certificate(actor=ACTOR, certificate=self.cert_a, reason="error in the lot")
        self.refused(path_a, "Withdrawn")
        with as_state(self.world.country_b):
            services.revoke_key(actor=ACTOR, key=self.key_b, reason="key_compromise")
        self.refused(path_b, "Key revoked")

    def test_unknown_key(self):
        path = self.write("b.json", self.reload(self.cert_b).envelope.encode())
        # A key the hub never published: the same certificate re-signed by a stranger's key.
        from cifta.destruction import certificates as engine

        stranger = engine.SigningKey.generate(str(self.world.agency_b.public_id))
        envelope = engine.sign(selectors.envelope_of(self.cert_b).payload, stranger,
                               signed_at=selectors.envelope_of(self.cert_b).signed_at)
        self.refused(self.write("stranger.json", envelope.to_json().encode()), "Unknown key")
        assert "Genuine" in cli("verify", path)

    def test_missing_file(self):
        with pytest.raises(CommandError, match="cannot read"):
            cli("verify", str(self.dir / "nothing.pdf"))


class CommandsTest(CertificateWorldTestCase):
    def test_issue_keys_and_totals(self):
        with pytest.raises(CommandError, match="may not"):
            cli("issue", "--event", "DE-A-2", "--country", "CO", "--actor", "alice")
        out = cli("issue", "--event", "DE-A-2", "--country", "CO", "--actor", "nadia")
        assert "Issued CO-DE-" in out
        with pytest.raises(CommandError, match="no destruction event"):
            cli("issue", "--event", "DE-B-1", "--country", "CO", "--actor", "nadia")
        out = cli("key-rotate", "--country", "CO", "--authority", "Registry A", "--actor", "nadia")
        new_id = out.split()[1]
        assert SigningKey.unscoped.get(key_id=new_id).valid_until is None
        assert "revoked" in cli("key-revoke", "--country", "CO", "--key", new_id, "--reason", "superseded",
                                "--actor", "nadia")
        ring = json.loads(cli("keyring"))
        assert len(ring["keys"]) == 3 and "PRIVATE" not in json.dumps(ring)
        data = json.loads(cli("totals", "--year", "2025", "--country", "CO", "--json"))
        assert (data["firearms"], data["ammunition"], data["certificates"]) == (2, 500, 2)
        regional = json.loads(cli("totals", "--year", "2025", "--all", "--json"))
        assert {s["country"]: s["firearms"] for s in regional["states"]} == {"CO": 2, "MX": 1}
        assert "CO-DE-" in cli("list", "--country", "CO")
        out = cli("withdraw", self.cert_a.number, "--country", "CO", "--actor", "nadia", "--reason", "typo")
        assert "Withdrawn" in out


def test_request_factory_base_url_is_under_destruction():
    from cifta.destruction.certificates_pdf import public_base

    assert public_base(RequestFactory().get("/")) == "http://testserver/destruction"
