"""Marking sessions and machine logs: each line matched to one firearm of one's own country by
its canonical serial, or kept with the reason it matched none."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from cifta.core.context import Source, change_context
from cifta.core.errors import ServiceError
from cifta.core.models import AuditEvent
from cifta.core.scoping import country_scope
from cifta.registry import marking_ops, services
from cifta.registry.importing.readers import FileProblem
from cifta.registry.models import FirearmEvent, Marking, MarkingSession, MarkingSessionItem
from cifta.registry.tests.test_import_engine import ImportTestCase
from cifta.testing.registry_world import register

LOG = ("Serial,Text marked,Timestamp,Machine ID\n"
       "abc 123,CO PN 24 02 A0001 16,2024-05-02 10:15:00,LASER-7\n"     # glock_a (A's own ABC123)
       "NOPE-1,CO PN 24 02 A0002 16,2024-05-02 10:16:00,LASER-7\n"      # no such serial
       "DUP-9,CO PN 24 02 A0003 16,2024-05-02 10:17:00,LASER-7\n"       # two firearms of A
       "GONE-1,CO PN 24 02 A0004 16,2024-05-02 10:18:00,LASER-7\n"      # destroyed
       "SLIDE-55,CO PN 24 02 A0005 16,02/05/2024 10:19,\n"              # the slide serial of a firearm
       "PRIVATEBRAVO-9,CO PN 24 02 A0006 16,2024-05-02 10:20:00,LASER-7\n"  # B's serial
       "TX-0001,CO PN 24 02 A0007 16,yesterday,LASER-7\n"                # time unreadable
       "TX-0001,CO PN 24 02 A0008 16,2999-01-01 00:00,LASER-7\n")       # time in the future


class MarkingSessionTest(ImportTestCase):
    def in_a(self, actor=None):
        return country_scope([self.country()]), change_context(actor or self.world.alice, Source.WEB)

    def session(self, **kw) -> MarkingSession:
        scope, ctx = self.in_a()
        with scope, ctx:
            return marking_ops.create_marking_session(actor=self.world.alice, agency=self.world.agency_a,
                                                      held_on=dt.date(2024, 5, 2), machine="LASER-7",
                                                      operator="Sgt. Ruiz", **kw)

    def prepare_firearms(self) -> None:
        for maker in ("Glock", "Beretta"):
            register(self.world, "A", {"type": "pistol", "make": maker, "serial": "DUP-9"})
        gone = register(self.world, "A", {"type": "pistol", "make": "Glock", "model": "19", "serial": "GONE-1"})
        register(self.world, "A", {"type": "pistol", "make": "Glock", "model": "22", "serial": "FR-77",
                                   "serial_slide": "SLIDE 55"})
        scope, ctx = self.in_a()
        with scope, ctx:
            services.record_event(actor=self.world.alice, firearm=gone, kind="destroyed",
                                  occurred_on=dt.date(2024, 1, 1))

    def test_a_session_belongs_to_an_agency_of_one_s_own(self):
        session = self.session()
        assert session.country_id == self.world.country_a.pk and session.agency_id == self.world.agency_a.pk
        scope, ctx = self.in_a()
        with scope, ctx:
            assert AuditEvent.objects.filter(verb="registry.marking_session.created", target_id=session.pk).exists()
            with pytest.raises(ServiceError) as info:
                marking_ops.create_marking_session(actor=self.world.alice, agency=self.world.agency_b,
                                                   held_on=dt.date(2024, 5, 2))
            assert info.value.field == "agency"
            with pytest.raises(ServiceError) as info:
                marking_ops.create_marking_session(actor=self.world.alice, agency=self.world.agency_a,
                                                   held_on=dt.date(2999, 1, 1))
            assert info.value.field == "held_on"

    def test_each_log_line_is_matched_or_kept_with_its_reason(self):
        self.prepare_firearms()
        session = self.session()
        path = self.write(LOG, "laser.csv")
        scope, ctx = self.in_a()
        with scope, ctx:
            result = marking_ops.import_marking_log(actor=self.world.alice, session=session, path=path)
            assert (result.matched, result.unmatched) == (2, 6)
            items = {i.text[-8:]: i for i in MarkingSessionItem.objects.filter(session=session)}
            matched = items["A0001 16"]
            assert matched.firearm_id == self.firearms.glock_a.pk and matched.unmatched_reason == ""
            assert matched.machine == "LASER-7" and matched.marked_at.isoformat().startswith("2024-05-02T10:15")
            assert "No firearm of yours" in items["A0002 16"].unmatched_reason
            assert "2 firearms have this serial" in items["A0003 16"].unmatched_reason
            assert "destroyed" in items["A0004 16"].unmatched_reason
            slide = items["A0005 16"]
            assert slide.firearm is not None and slide.firearm.serial_key == "FR77"
            assert slide.machine == "LASER-7"  # the session's machine when the line has none
            assert "No firearm of yours" in items["A0006 16"].unmatched_reason  # B's serial is not A's
            assert "cannot be read" in items["A0007 16"].unmatched_reason
            assert "future" in items["A0008 16"].unmatched_reason
            # The marking, its "marked" event and the audit, through services.add_marking.
            marking = Marking.objects.get(firearm=self.firearms.glock_a, kind="state")
            assert marking.text == "CO PN 24 02 A0001 16" and marking.country_code == "CO" and marking.year == 2024
            event = FirearmEvent.objects.filter(firearm=self.firearms.glock_a, kind="marked").get()
            assert event.occurred_on == dt.date(2024, 5, 2) and event.agency_id == self.world.agency_a.pk
            assert AuditEvent.objects.filter(verb="registry.firearm.marking_added").count() == 2
            assert AuditEvent.objects.filter(verb="registry.marking_session.log_imported").count() == 1
        with country_scope([self.country("B")]):
            assert not Marking.objects.filter(text__startswith="CO PN").exists()

    def test_a_log_without_a_serial_column_is_refused_before_anything(self):
        session = self.session()
        path = self.write("Text,Time\nX,2024-01-01\n", "bad.csv")
        scope, ctx = self.in_a()
        with scope, ctx, pytest.raises(FileProblem, match="serial"):
            marking_ops.import_marking_log(actor=self.world.alice, session=session, path=path)
        with country_scope([self.country()]):
            assert not MarkingSessionItem.objects.exists()

    def test_headers_in_spanish_and_a_kind_column(self):
        session = self.session()
        path = self.write("Número de serie;Texto marcado;Fecha y hora;Tipo de marcaje\n"
                          "ABC123;REMARK 1;2024-05-02T09:00;remark\nABC123;X;2024-05-02T09:00;catapult\n",
                          "es.csv")
        scope, ctx = self.in_a()
        with scope, ctx:
            result = marking_ops.import_marking_log(actor=self.world.alice, session=session, path=path)
            assert (result.matched, result.unmatched) == (1, 1)
            assert Marking.objects.filter(firearm=self.firearms.glock_a, kind="remark").exists()

    def test_the_marking_log_command(self):
        self.prepare_firearms()
        path = self.write(LOG, "laser.csv")
        out = StringIO()
        call_command("import", "marking-log", str(path), "--country", "CO", "--agency", "Registry A",
                     "--date", "2024-05-02", "--machine", "LASER-7", stdout=out, stderr=StringIO())
        text = out.getvalue()
        assert "8 lines, 2 matched, 6 not matched" in text and "NOPE-1: No firearm of yours" in text
        with pytest.raises(CommandError, match="--agency"):
            call_command("import", "marking-log", str(path), "--country", "CO", "--agency", "Registry B",
                         stdout=StringIO(), stderr=StringIO())
        with pytest.raises(CommandError, match="serial"):
            call_command("import", "marking-log", str(self.write("a,b\n1,2\n", "x.csv")), "--country", "CO",
                         "--agency", "Registry A", stdout=StringIO(), stderr=StringIO())
        with country_scope([self.country()]):
            assert MarkingSession.objects.count() == 1  # the refused log made no session

    def test_session_pages(self):
        self.prepare_firearms()
        alice = self.web("alice")
        assert alice.get(reverse("registry:marking_session_new")).status_code == 200
        response = alice.post(reverse("registry:marking_session_new"), {
            "agency": str(self.world.agency_a.public_id), "held_on": "2024-05-02", "machine": "LASER-7",
            "operator": "Sgt. Ruiz", "notes": ""})
        assert response.status_code == 302
        with country_scope([self.country()]):
            session = MarkingSession.objects.get()
        response = alice.post(reverse("registry:marking_log_upload", args=[session.public_id]),
                              {"file": SimpleUploadedFile("laser.csv", LOG.encode()), "encoding": "utf-8"})
        assert response.status_code == 302
        html = alice.get(session.get_absolute_url()).content.decode()
        assert "8 (2 matched, 6 not matched)" in html and "2 firearms have this serial" in html
        html = alice.get(session.get_absolute_url() + "?show=unmatched").content.decode()
        assert "A0001 16" not in html and "A0002 16" in html
        assert "LASER-7" in alice.get(reverse("registry:marking_session_list")).content.decode()
        bad = alice.post(reverse("registry:marking_log_upload", args=[session.public_id]),
                         {"file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n"), "encoding": "utf-8"})
        assert bad.status_code == 400 and "No column was found" in bad.content.decode()
        # A viewer sees the session but may not upload; another country does not see it at all.
        bob = self.web("bob")
        assert bob.get(session.get_absolute_url()).status_code == 200
        assert bob.post(reverse("registry:marking_log_upload", args=[session.public_id]), {}).status_code == 403
        assert bob.get(reverse("registry:marking_session_new")).status_code == 403
        carlos = self.web("carlos")
        assert carlos.get(session.get_absolute_url()).status_code == 404
        assert carlos.post(reverse("registry:marking_log_upload", args=[session.public_id]),
                           {"file": SimpleUploadedFile("laser.csv", LOG.encode()), "encoding": "utf-8"}
                           ).status_code == 404
        # A's agency is not among B's choices.
        assert "Registry A" not in carlos.get(reverse("registry:marking_session_new")).content.decode()
