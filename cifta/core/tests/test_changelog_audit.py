"""Change log and audit: one row per change, atomic with it, chained, verifiable."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from cifta.core import audit
from cifta.core.chain import verify_chain
from cifta.core.context import Source, change_context
from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.models.audit import AppendOnlyError
from cifta.core.scoping import country_scope
from cifta.directory import services
from cifta.directory.models import Agency
from cifta.testing.base import WorldTestCase


def _raw(sql: str, params: list) -> None:
    """Tamper with the database directly, as an intruder with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Only a database superuser can switch the append-only triggers off like this.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


class ChangeLogTest(WorldTestCase):
    def _in_a(self):
        return country_scope([self.world.country_a.pk]), change_context(self.world.nadia, Source.WEB)

    def test_create_update_record_before_and_after(self):
        scope, ctx = self._in_a()
        with scope, ctx:
            agency = services.create_agency(actor=self.world.nadia, name="Licensing A", kind="licensing")
            services.update_agency(actor=self.world.nadia, instance=agency, city="Capital")
            rows = list(ObjectChange.objects.filter(object_type="directory.agency", object_id=agency.pk)
                        .order_by("seq"))
        assert [r.action for r in rows] == ["create", "update"]
        assert rows[0].before is None and rows[0].after["name"] == "Licensing A"
        assert rows[1].before["city"] == "" and rows[1].after["city"] == "Capital"
        assert rows[1].changed_fields() == [("city", "", "Capital")]
        assert rows[1].actor_id == self.world.nadia.pk and rows[1].country_id == self.world.country_a.pk

    def test_a_crash_inside_a_service_leaves_neither_record_nor_audit_row(self):
        before_changes, before_events = self.changes_count(), self.events_count()
        scope, ctx = self._in_a()

        def boom(*args, **kwargs):
            raise RuntimeError("crash after the write")

        original = audit.emit
        audit.emit = boom
        try:
            with scope, ctx, pytest.raises(RuntimeError):
                services.create_agency(actor=self.world.nadia, name="Half written", kind="police")
        finally:
            audit.emit = original
        assert not Agency.unscoped.filter(name="Half written").exists()
        assert self.changes_count() == before_changes and self.events_count() == before_events

    def test_audit_rows_are_append_only_in_the_application(self):
        with country_scope([self.world.country_a.pk]):
            row = ObjectChange.objects.first()
            with pytest.raises(AppendOnlyError):
                row.save()
            with pytest.raises(AppendOnlyError):
                row.delete()

    def test_audit_verbs_must_be_namespaced(self):
        with change_context("system:test", Source.COMMAND), transaction.atomic(), pytest.raises(ValueError):
            audit.emit("created")

    def test_secrets_are_masked_in_payloads(self):
        with change_context("system:test", Source.COMMAND), transaction.atomic():
            event = audit.emit("core.test.done", payload={"password": "x", "nested": {"api_key": "y"}, "n": 1})
        assert event.payload == {"password": "********", "nested": {"api_key": "********"}, "n": 1}

    def test_sensitive_reads_are_audited_with_case_reference(self):
        with change_context(self.world.alice, Source.WEB):
            event = audit.audit_read("core.test.searched", country_id=self.world.country_a.pk,
                                     query={"serial": "AB12"}, result_count=3, case_reference="CASE-1")
        assert event.payload == {"query": {"serial": "AB12"}, "case_reference": "CASE-1", "result_count": 3}


class ChainVerificationTest(WorldTestCase):
    def test_postgresql_refuses_updates_of_audit_rows(self):
        if connection.vendor != "postgresql":
            self.skipTest("the append-only triggers exist on PostgreSQL")
        from django.db import DatabaseError

        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE core_objectchange SET object_repr = 'x' WHERE seq = 1")
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL cifta.allow_audit_truncate = 'off'")
            cursor.execute("TRUNCATE core_auditevent")

    def verify_command(self) -> tuple[bool, str]:
        out, err = StringIO(), StringIO()
        try:
            call_command("audit", "verify", stdout=out, stderr=err)
        except CommandError as exc:
            return False, err.getvalue() + str(exc)
        return True, out.getvalue()

    def test_an_intact_chain_verifies(self):
        ok, text = self.verify_command()
        assert ok, text
        assert "intact" in text
        assert verify_chain(ObjectChange).rows == ObjectChange.unscoped.count()

    def test_a_row_edited_in_the_database_is_named(self):
        row = ObjectChange.unscoped.order_by("seq")[3]
        _raw("UPDATE core_objectchange SET object_repr = %s WHERE seq = %s", ["forged", row.seq])
        ok, text = self.verify_command()
        assert not ok
        assert f"seq={row.seq}" in text and "changed" in text

    def test_a_removed_row_is_named(self):
        row = AuditEvent.unscoped.order_by("seq")[2]
        _raw("DELETE FROM core_auditevent WHERE seq = %s", [row.seq])
        ok, text = self.verify_command()
        assert not ok
        assert f"seq={row.seq + 1}" in text

    def test_a_removed_last_row_is_caught_by_the_head(self):
        last = ObjectChange.unscoped.order_by("-seq").first()
        _raw("DELETE FROM core_objectchange WHERE seq = %s", [last.seq])
        ok, text = self.verify_command()
        assert not ok and "chain head" in text

    def test_an_inserted_row_is_caught(self):
        row = ObjectChange.unscoped.order_by("seq")[1]
        _raw("UPDATE core_objectchange SET seq = seq + 1000000 WHERE seq >= %s", [row.seq])
        ok, _ = self.verify_command()
        assert not ok

    def test_audit_head_prints_both_chains(self):
        out = StringIO()
        call_command("audit", "head", stdout=out)
        assert "objectchange:" in out.getvalue() and "auditevent:" in out.getvalue()
