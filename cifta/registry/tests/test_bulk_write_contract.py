"""The fast bulk write path (``core.bulkwrite``) keeps the contract of single saves: every
record stored as the ORM would store it, one change row per record whose ``after`` and text are
what a save would log, one unbroken hash chain, scope and transaction enforced."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
from django.db import transaction

from cifta.core import bulkwrite, chain
from cifta.core.context import ChangeContextError, Source, change_context
from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.scoping import ScopeError, country_scope
from cifta.reference.models import PartType
from cifta.registry import services
from cifta.registry.drafts import ReferenceIndex, draft_from_row
from cifta.registry.models import Firearm, FirearmEvent, Marking, SerialNumber
from cifta.testing.registry_world import RegistryWorldTestCase

ROWS = [
    {"type": "pistol", "make": "Glock", "model": "17", "calibre": "9mm Luger", "serial": "BW-0001",
     "serial_slide": "BW-0001S", "manufacture_mark": "GLOCK AUSTRIA BW-0001", "country_of_manufacture": "AT",
     "year_of_manufacture": "2019", "event": "imported", "event_date": "2021-03-04",
     "import_country": "CO", "import_year": "2021", "importer_name": "Importadora Ñandú S.A.S.",
     "notes": "«nota» con acentos"},
    {"type": "revolver", "make": "Taurus", "calibre": ".38 Special", "serial": "BW 0002",
     "storage_location": "Depósito 1"},
]


class BulkWriteContractTest(RegistryWorldTestCase):
    def bulk(self, rows: list[dict[str, str]]) -> list[int]:
        with country_scope([self.world.country_a.pk]), change_context("system:bulk-test", Source.IMPORT):
            index = ReferenceIndex({})
            drafts = [draft_from_row(row, index, default_source="bulk_import") for row in rows]
            with transaction.atomic():
                return services.bulk_register(actor="system:bulk-test", drafts=drafts,
                                              country_id=self.world.country_a.pk, source_name="file.csv",
                                              batch_number=1)

    def test_each_record_is_logged_as_a_save_would_log_it_and_the_chain_verifies(self):
        ids = self.bulk(ROWS)
        with country_scope([self.world.country_a.pk]):
            stored = list(Firearm.objects.filter(pk__in=ids).order_by("id"))
            children = [*SerialNumber.objects.filter(firearm_id__in=ids), *Marking.objects.filter(firearm_id__in=ids),
                        *FirearmEvent.objects.filter(firearm_id__in=ids)]
        assert [f.serial_key for f in stored] == ["BW0001", "BW0002"]
        assert len(children) == 3 + 2 + 2  # serials (frame, slide, frame); markings; first events
        for record in [*stored, *children]:
            change = ObjectChange.unscoped.get(object_type=record._meta.label_lower, object_id=record.pk)
            assert change.action == "create"
            assert change.after == record.changelog_data(), record
            assert change.object_repr == str(record)
            assert change.country_id == self.world.country_a.pk
            assert change.actor_repr == "system:bulk-test" and change.source == Source.IMPORT
            assert change.message == "file.csv"
            assert isinstance(record.public_id, uuid.UUID) and record.public_id.version == 7
            assert record.created_at <= dt.datetime.now(dt.UTC)
        first_status = {e.firearm_id: e.status_after for e in children if isinstance(e, FirearmEvent)}
        assert [f.status for f in stored] == [first_status[f.pk] for f in stored]
        for model in (ObjectChange, AuditEvent):
            assert chain.verify_chain(model).ok

    def test_public_ids_are_fresh_time_ordered_uuids(self):
        before_ms = int(time.time() * 1000)
        made = bulkwrite.new_public_ids(2000)
        later = bulkwrite.new_public_ids(1)[0]
        assert len(set(made)) == 2000
        for value in made:
            parsed = uuid.UUID(value)
            assert str(parsed) == value and parsed.version == 7 and parsed.variant == uuid.RFC_4122
            assert abs((parsed.int >> 80) - before_ms) < 5000  # its first 48 bits are the time in ms
        assert max(made)[:13] <= later[:13]  # later ids sort after (millisecond prefix)

    def test_another_country_or_no_actor_is_refused_and_nothing_is_written(self):
        row = {"country_id": self.world.country_b.pk, "firearm_id": self.firearms.glock_b.pk,
               "component_id": PartType.objects.get(code="frame").pk, "value": "X", "key": "X", "is_primary": False}
        before = ObjectChange.unscoped.count()
        with country_scope([self.world.country_a.pk]), change_context("system:t", Source.IMPORT):
            with pytest.raises(ScopeError), transaction.atomic():
                bulkwrite.create_rows(SerialNumber, [dict(row)], ["X"])
        with country_scope([self.world.country_a.pk]), pytest.raises(ChangeContextError), transaction.atomic():
            bulkwrite.create_rows(SerialNumber, [dict(row, country_id=self.world.country_a.pk)], ["X"])
        assert ObjectChange.unscoped.count() == before
