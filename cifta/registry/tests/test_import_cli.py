"""``cifta import firearms``: progress on stderr, a summary, the rejected rows, exit codes."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cifta.core.context import Source, change_context
from cifta.core.models import ObjectChange
from cifta.core.scoping import country_scope
from cifta.registry.importing.mappings import save_mapping
from cifta.registry.models import ImportJob
from cifta.registry.tests.test_import_engine import ImportTestCase


class ImportCommandTest(ImportTestCase):
    def cli(self, *args: str) -> tuple[str, str]:
        out, err = StringIO(), StringIO()
        call_command("import", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_a_file_with_rejected_rows_succeeds_prints_them_and_the_report(self):
        path = self.write("type,make,model,serial\npistol,Glock,19,CLI-1\ncatapult,,,CLI-2\npistol,Glock,19,\n"
                          "pistol,Glock,17,ABC123\n")
        out, err = self.cli("firearms", str(path), "--country", "co", "--batch-size", "2")
        assert "\r[" in err and "100.0%" in err  # the text progress bar
        assert "4 rows read" in out
        assert "created                     1" in out and "already present             1" in out
        assert "rejected                    2" in out
        assert "line 3, type: unknown firearm type 'catapult'" in out.lower()
        assert "line 4, serial: a serial number (frame or receiver) is required" in out.lower()
        assert "Report of rejected rows:" in out and "-rejected.csv" in out
        with country_scope([self.country()]):
            job = ImportJob.objects.owned().get()
            assert job.state == "done"
            change = ObjectChange.objects.filter(object_type="registry.firearm").order_by("-seq").first()
            assert (change.actor_repr, change.source) == ("system:import", "import")

    def test_an_unreadable_file_exits_non_zero(self):
        path = self.write("type;serial;notes\npistol;X-1;Año\n".encode("cp1252"), "win.csv")
        with pytest.raises(CommandError, match="not UTF-8") as info:
            self.cli("firearms", str(path), "--country", "CO")
        assert info.value.returncode == 1
        out, _err = self.cli("firearms", str(path), "--country", "CO", "--encoding", "cp1252")
        assert "created                     1" in out

    def test_a_missing_file_an_unknown_country_or_mapping_exit_non_zero(self):
        with pytest.raises(CommandError, match="no such file"):
            self.cli("firearms", str(self.folder / "nope.csv"), "--country", "CO")
        path = self.write("type,serial\npistol,X-1\n")
        with pytest.raises(CommandError, match="--country"):
            self.cli("firearms", str(path), "--country", "ZZ")
        with pytest.raises(CommandError, match="--mapping"):
            self.cli("firearms", str(path), "--country", "CO", "--mapping", "nothing")
        with pytest.raises(CommandError, match="empty"):
            self.cli("firearms", str(self.write(b"", "empty.csv")), "--country", "CO")

    def test_the_actor_must_be_an_officer_of_that_country(self):
        path = self.write("type,serial\npistol,ACT-1\n")
        self.cli("firearms", str(path), "--country", "CO", "--actor", "alice")
        with country_scope([self.country()]):
            change = ObjectChange.objects.filter(object_type="registry.firearm").order_by("-seq").first()
            assert (change.actor_id, change.source) == (self.world.alice.pk, "import")
        for who in ("bob", "carlos", "nobody"):
            with pytest.raises(CommandError, match="--actor"):
                self.cli("firearms", str(path), "--country", "CO", "--actor", who)

    def test_a_saved_mapping_by_name(self):
        with country_scope([self.country()]), change_context("system:test", Source.COMMAND):
            save_mapping(actor="system:test", name="old system", columns={"type": "K", "serial": "S"})
        path = self.write("K,S\npistol,MAP-1\n")
        out, _err = self.cli("firearms", str(path), "--country", "CO", "--mapping", "old system")
        assert "created                     1" in out
