"""The member states and the Secretariat, loaded from ISO 3166 (pycountry) and data/*.csv."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

from cifta.core.models import AuditEvent, ObjectChange
from cifta.core.scoping import ALL_COUNTRIES
from cifta.directory import events, reference_data, services
from cifta.directory.models import Country
from cifta.directory.tests.helpers import DirectoryTestCase, acting, changes_since, events_since, last_seq
from cifta.testing.world import ACTOR

OAS_MEMBERS = {
    "AG", "AR", "BS", "BB", "BZ", "BO", "BR", "CA", "CL", "CO", "CR", "CU", "DM", "DO", "EC", "SV", "GD", "GT",
    "GY", "HT", "HN", "JM", "MX", "NI", "PA", "PY", "PE", "KN", "LC", "VC", "SR", "TT", "US", "UY", "VE",
}
UNKNOWN_IN_SOURCE = {"BB", "CU", "DM", "DO", "GY", "HT", "HN", "JM", "KN", "VC", "SR", "TT"}


class CountrySyncTest(DirectoryTestCase):
    """The world ran ``sync_countries`` once on an empty table; these tests read its result and
    run it again."""

    __test__ = True

    def sync(self) -> dict[str, int]:
        with acting(ALL_COUNTRIES):
            return services.sync_countries(actor=ACTOR)

    def test_sync_creates_exactly_the_35_member_states_and_the_secretariat(self) -> None:
        self.assertEqual(Country.objects.count(), 36)
        members = Country.objects.member_states()
        self.assertEqual(set(members.values_list("code", flat=True)), OAS_MEMBERS)
        self.assertEqual(len(OAS_MEMBERS), 35)
        secretariat = Country.objects.exclude(kind=Country.Kind.MEMBER_STATE).get()
        self.assertEqual(secretariat.code, "OAS")
        self.assertEqual(secretariat.kind, Country.Kind.SECRETARIAT)
        self.assertTrue(secretariat.is_secretariat)
        self.assertEqual(secretariat.name_es, reference_data.SECRETARIAT_NAMES["es"])

    def test_the_first_sync_logged_one_creation_per_country(self) -> None:
        created = ObjectChange.unscoped.filter(object_type="directory.country", action="create")
        self.assertEqual(created.count(), 36)
        self.assertEqual(set(created.values_list("object_id", flat=True)),
                         set(Country.objects.values_list("pk", flat=True)))
        self.assertTrue(AuditEvent.unscoped.filter(verb=events.COUNTRY_SYNCED).exists())

    def test_iso_alpha3_and_numeric_codes_are_set(self) -> None:
        brazil = Country.objects.get(code="BR")
        self.assertEqual((brazil.alpha3, brazil.numeric), ("BRA", "076"))
        self.assertEqual((Country.objects.get(code="US").alpha3, Country.objects.get(code="US").numeric),
                         ("USA", "840"))
        for country in Country.objects.member_states():
            self.assertRegex(country.alpha3, r"^[A-Z]{3}$", country.code)
            self.assertRegex(country.numeric, r"^\d{3}$", country.code)

    def test_names_come_in_four_languages_translated_from_pycountry(self) -> None:
        self.assertEqual(Country.objects.get(code="US").name_es, "Estados Unidos")
        self.assertEqual(Country.objects.get(code="BR").name_fr, "Brésil")
        self.assertEqual(Country.objects.get(code="MX").name_pt, "México")
        self.assertEqual(Country.objects.get(code="CO").name_fr, "Colombie")
        for country in Country.objects.all():
            for lang in ("en", "es", "fr", "pt"):
                self.assertTrue(getattr(country, f"name_{lang}"), f"{country.code} has no {lang} name")

    def test_english_uses_the_common_name_where_iso_has_one(self) -> None:
        self.assertEqual(Country.objects.get(code="BO").name_en, "Bolivia")
        self.assertEqual(Country.objects.get(code="VE").name_en, "Venezuela")
        self.assertEqual(Country.objects.get(code="BR").name_en, "Brazil")  # no common name: the ISO name

    def test_cifta_status_comes_from_the_status_table(self) -> None:
        argentina = Country.objects.get(code="AR")
        self.assertEqual(argentina.cifta_status, Country.CiftaStatus.RATIFIED)
        self.assertEqual(argentina.cifta_signed_on, dt.date(1997, 11, 14))
        self.assertEqual(argentina.cifta_ratified_on, dt.date(2001, 10, 9))
        self.assertIn("disarmament.un.org", argentina.cifta_status_source)
        united_states = Country.objects.get(code="US")
        self.assertEqual(united_states.cifta_status, Country.CiftaStatus.SIGNED)
        self.assertEqual(united_states.cifta_signed_on, dt.date(1997, 11, 14))
        self.assertIsNone(united_states.cifta_ratified_on)
        self.assertEqual(Country.objects.get(code="CA").cifta_status, Country.CiftaStatus.SIGNED)

    def test_rows_marked_unknown_stay_unknown(self) -> None:
        unknown = set(Country.objects.member_states().filter(cifta_status=Country.CiftaStatus.UNKNOWN)
                      .values_list("code", flat=True))
        self.assertEqual(unknown, UNKNOWN_IN_SOURCE)
        cuba = Country.objects.get(code="CU")
        self.assertIsNone(cuba.cifta_signed_on)
        self.assertIsNone(cuba.cifta_ratified_on)
        self.assertEqual(cuba.cifta_status_source, "")
        self.assertEqual(Country.objects.get(code="OAS").cifta_status, Country.CiftaStatus.UNKNOWN)

    def test_running_the_sync_again_creates_and_logs_nothing(self) -> None:
        seq_changes, seq_events = last_seq(ObjectChange), last_seq(AuditEvent)
        self.assertEqual(self.sync(), {"created": 0, "updated": 0})
        self.assertEqual(self.sync(), {"created": 0, "updated": 0})
        self.assertEqual(Country.objects.count(), 36)
        self.assertEqual(changes_since(seq_changes), [])
        self.assertEqual(events_since(seq_events), [])

    def test_a_status_change_in_the_source_updates_only_that_row(self) -> None:
        real_rows = reference_data._data_rows

        def changed_rows(name: str) -> list[dict[str, str]]:
            rows = real_rows(name)
            if name == "cifta_status.csv":
                for row in rows:
                    if row["code"] == "CA":
                        row.update(status="ratified", ratified_on="2030-01-02", source="https://example.test/ca")
            return rows

        canada = Country.objects.get(code="CA")
        others_before = {c.code: c.changelog_data() for c in Country.objects.exclude(code="CA")}
        seq_changes, seq_events = last_seq(ObjectChange), last_seq(AuditEvent)
        with mock.patch.object(reference_data, "_data_rows", side_effect=changed_rows):
            result = self.sync()
        self.assertEqual(result, {"created": 0, "updated": 1})

        canada.refresh_from_db()
        self.assertEqual(canada.cifta_status, Country.CiftaStatus.RATIFIED)
        self.assertEqual(canada.cifta_ratified_on, dt.date(2030, 1, 2))
        self.assertEqual(canada.cifta_status_source, "https://example.test/ca")
        others_after = {c.code: c.changelog_data() for c in Country.objects.exclude(code="CA")}
        self.assertEqual(others_after, others_before)

        (change,) = changes_since(seq_changes)
        self.assertEqual((change.object_type, change.object_id, change.action),
                         ("directory.country", canada.pk, ObjectChange.Action.UPDATE))
        self.assertEqual({field for field, _, _ in change.changed_fields()},
                         {"cifta_status", "cifta_ratified_on", "cifta_status_source"})
        self.assertEqual((change.before or {})["cifta_status"], "signed")
        self.assertEqual((change.after or {})["cifta_status"], "ratified")
        (event,) = events_since(seq_events)
        self.assertEqual(event.verb, events.COUNTRY_SYNCED)
        self.assertEqual(event.payload, {"created": 0, "updated": 1})

        # The source back as it was: the row goes back, and a third run is quiet again.
        self.assertEqual(self.sync(), {"created": 0, "updated": 1})
        self.assertEqual(self.sync(), {"created": 0, "updated": 0})

    def test_facts_name_every_member_state_once(self) -> None:
        facts: list[Any] = reference_data.member_state_facts()
        self.assertEqual(len(facts), 35)
        self.assertEqual({f.code for f in facts}, OAS_MEMBERS)
