"""The seed tables, the resolution of names as people write them, and the write rules."""

from __future__ import annotations

from cifta.core.errors import ServiceError
from cifta.core.models import AuditEvent, ObjectChange
from cifta.reference import csvio, events, services
from cifta.reference.models import (
    Calibre,
    CalibreAlias,
    FirearmModel,
    FirearmType,
    Manufacturer,
    ManufacturerAlias,
    ManufacturerSuccession,
    ModelVariant,
    PartType,
)
from cifta.reference.normalise import name_key
from cifta.reference.selectors import resolve_calibre, resolve_manufacturer, resolve_model
from cifta.reference.tests.helpers import ReferenceTestCase, acting


def reference_changes() -> int:
    return ObjectChange.unscoped.filter(object_type__startswith="reference.").count()


class SeedTests(ReferenceTestCase):
    def test_the_seed_loads_every_table(self) -> None:
        self.assertEqual(FirearmType.objects.count(), 13)
        self.assertEqual(PartType.objects.count(), 7)
        self.assertEqual(Calibre.objects.count(), 33)
        self.assertEqual(Manufacturer.objects.count(), 20)
        self.assertEqual(FirearmModel.objects.count(), 27)
        self.assertTrue(all(r.ok for r in self.seed_reports), [r.errors for r in self.seed_reports])
        self.assertEqual({r.kind: r.created for r in self.seed_reports},
                         {"types": 13, "parts": 7, "calibres": 33, "manufacturers": 20, "models": 27})

    def test_a_second_load_changes_nothing_and_writes_no_history(self) -> None:
        changes, events_before = reference_changes(), AuditEvent.unscoped.count()
        with acting():
            reports = csvio.load_seed()
        self.assertTrue(all(r.ok for r in reports))
        self.assertEqual([(r.created, r.updated) for r in reports], [(0, 0)] * 5)
        self.assertEqual([r.unchanged for r in reports], [13, 7, 33, 20, 27])
        self.assertEqual(reference_changes(), changes)
        self.assertEqual(AuditEvent.unscoped.count(), events_before)

    def test_every_change_to_reference_data_is_logged_without_a_country(self) -> None:
        logged = ObjectChange.unscoped.filter(object_type__startswith="reference.")
        total = sum(m.objects.count() for m in (FirearmType, PartType, Calibre, CalibreAlias, Manufacturer,
                                                ManufacturerAlias, ManufacturerSuccession, FirearmModel,
                                                ModelVariant))
        self.assertEqual(logged.count(), total)  # one "create" row per record of the seed
        self.assertFalse(logged.filter(country__isnull=False).exists())
        self.assertEqual(set(logged.values_list("actor_repr", "source").distinct()), {("system:test", "command")})
        self.assertEqual(AuditEvent.unscoped.filter(verb=events.IMPORTED).count(), 5)


class CalibreResolutionTests(ReferenceTestCase):
    def code(self, text: str) -> str | None:
        found = resolve_calibre(text)
        return found.code if found else None

    def test_the_names_of_9x19(self) -> None:
        for text in ("9 mm Luger", "9mm Luger", "9mm Parabellum", "9 MM PARA", "9x19", "9×19 mm", "9-MM-NATO"):
            self.assertEqual(self.code(text), "9x19", text)

    def test_near_twins_of_9x19_are_kept_apart(self) -> None:
        for text in (".380 ACP", "380 Auto", "9 mm Kurz", "9 mm Short"):
            self.assertEqual(self.code(text), "9x17", text)
        self.assertEqual(self.code("9x18 Makarov"), "9x18")
        self.assertEqual(self.code("9 mm Makarov"), "9x18")
        self.assertEqual(Calibre.objects.get(code="9x18").designation, "9×18 mm Makarov")

    def test_gauges_are_their_own_kind(self) -> None:
        found = resolve_calibre("12 GA")
        assert found is not None
        self.assertEqual((found.code, found.designation, found.kind), ("12ga", "12 gauge", Calibre.Kind.GAUGE))
        self.assertEqual(self.code("cal. 12"), "12ga")

    def test_nato_and_commercial_twins_are_different_calibres(self) -> None:
        self.assertEqual(self.code("5.56 NATO"), "556x45")
        self.assertEqual(self.code(".223 Remington"), "223rem")
        self.assertNotEqual(resolve_calibre("5.56 NATO"), resolve_calibre(".223 Remington"))
        self.assertNotEqual(self.code("7.62 NATO"), self.code(".308 Winchester"))

    def test_unknown_or_empty_names_resolve_to_nothing(self) -> None:
        self.assertIsNone(resolve_calibre("6.5 Creedmoor"))
        self.assertIsNone(resolve_calibre(" -- "))


class ManufacturerResolutionTests(ReferenceTestCase):
    def test_brands_importers_and_codes(self) -> None:
        smith = resolve_manufacturer("S&W")
        assert smith is not None
        self.assertEqual(smith.name, "Smith & Wesson")
        glock = resolve_manufacturer("GLOCK INC")  # the importer's name stamped on imported guns
        assert glock is not None
        self.assertEqual(glock.code, "GLCK")
        self.assertEqual(ManufacturerAlias.objects.get(key=name_key("GLOCK INC")).role, "importer")
        self.assertEqual(resolve_manufacturer("glck"), glock)
        self.assertEqual(resolve_manufacturer("h&k"), Manufacturer.objects.get(code="HKGE"))
        self.assertIsNone(resolve_manufacturer("Acme Arms"))

    def test_kalashnikov_concern_succeeded_izhmash_in_2013(self) -> None:
        kalashnikov = Manufacturer.objects.get(name="Kalashnikov Concern")
        link = ManufacturerSuccession.objects.get(successor=kalashnikov)
        self.assertEqual((link.predecessor.name, link.year), ("Izhmash", 2013))
        self.assertEqual([s.successor for s in Manufacturer.objects.get(code="IZHM").successions.all()],
                         [kalashnikov])

    def test_models_resolve_by_name_in_any_spelling(self) -> None:
        maker = Manufacturer.objects.get(code="SMWE")
        found = resolve_model(maker, "m&p 9")
        assert found is not None
        self.assertEqual(found.name, "M&P9")


class TemplateIdTests(ReferenceTestCase):
    def test_template_ids_are_stable(self) -> None:
        glock17 = ModelVariant.objects.get(model__manufacturer__code="GLCK", model__name="17")
        # The same on every installation: made from make, model, calibre and action only.
        self.assertEqual(glock17.template_id, "T1140C3075")
        self.assertEqual(services.template_id("GLCK", "17", "9x19", "semi_automatic"), "T1140C3075")
        self.assertEqual(services.template_id("GLCK", " 17 ", "9x19", "semi_automatic"), "T1140C3075")

    def test_template_ids_are_unique_otherwise(self) -> None:
        ids = list(ModelVariant.objects.values_list("template_id", flat=True))
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(len(ids), 32)
        variants = {services.template_id("GLCK", "17", c, a) for c in ("9x19", "9x17") for a in ("semi_automatic",
                                                                                                "select_fire")}
        self.assertEqual(len(variants), 4)
        self.assertNotEqual(services.template_id("GLCK", "17", "9x19", "semi_automatic"),
                            services.template_id("GLCK", "19", "9x19", "semi_automatic"))

    def test_a_model_created_twice_keeps_its_template_id(self) -> None:
        with acting():
            model = services.create_firearm_model(manufacturer_code="BERS", name="TPR9", type_code="pistol",
                                                  variants=[("9x19", "semi_automatic")])
            first = model.variants.get().template_id
            services.update_firearm_model(model=model, type_code="pistol", variants=[])
            self.assertFalse(model.variants.exists())
            services.update_firearm_model(model=model, type_code="pistol", variants=[("9x19", "semi_automatic")])
        self.assertEqual(model.variants.get().template_id, first)
        self.assertEqual(first, services.template_id("BERS", "TPR9", "9x19", "semi_automatic"))


class WriteRuleTests(ReferenceTestCase):
    def test_an_alias_already_used_by_another_calibre_is_refused_naming_the_field(self) -> None:
        before = reference_changes()
        with acting(), self.assertRaises(ServiceError) as caught:
            services.create_calibre(code="9x19x", designation="9x19 Extra", kind="cartridge",
                                    aliases=["9mm Luger"])
        self.assertEqual(caught.exception.field, "aliases")
        self.assertIn("9×19 mm", str(caught.exception))
        self.assertEqual(reference_changes(), before)
        self.assertFalse(Calibre.objects.filter(code="9x19x").exists())
        with acting(), self.assertRaises(ServiceError) as caught:
            services.upsert_calibre(code="223rem", designation=".223 Remington", kind="cartridge",
                                    aliases=["5.56 NATO"])
        self.assertEqual(caught.exception.field, "aliases")

    def test_a_designation_that_names_another_calibre_is_refused(self) -> None:
        with acting(), self.assertRaises(ServiceError) as caught:
            services.update_calibre(code="9x17", designation="9 mm Luger", kind="cartridge")
        self.assertEqual(caught.exception.field, "designation")

    def test_create_refuses_an_existing_code(self) -> None:
        with acting(), self.assertRaises(ServiceError) as caught:
            services.create_calibre(code="9x19", designation="Something", kind="cartridge")
        self.assertEqual(caught.exception.field, "code")
        with acting(), self.assertRaises(ServiceError) as caught:
            services.create_manufacturer(code="GLCK", name="Other", country_code="AT")
        self.assertEqual(caught.exception.field, "code")

    def test_a_bad_country_code_is_refused(self) -> None:
        with acting(), self.assertRaises(ServiceError) as caught:
            services.create_manufacturer(code="ZZZZ", name="Zed Arms", country_code="ZZ")
        self.assertEqual(caught.exception.field, "country_code")

    def test_an_update_replaces_the_aliases_and_logs_each_change(self) -> None:
        calibre = Calibre.objects.get(code="9x18")
        before = ObjectChange.unscoped.count()
        with acting():
            services.update_calibre(code="9x18", designation="9×18 mm Makarov", kind="cartridge", standard="CIP",
                                    marking_code="15", aliases=["9 mm Makarov", "9x18 Makarov", "9 mm PM"])
        names = set(calibre.aliases.values_list("alias", flat=True))
        self.assertEqual(names, {"9×18 mm Makarov", "9 mm Makarov", "9x18 Makarov", "9 mm PM"})
        rows = ObjectChange.unscoped.filter(seq__gt=0).order_by("-seq")[: ObjectChange.unscoped.count() - before]
        self.assertEqual(sorted(r.action for r in rows), ["create", "delete", "delete"])
        self.assertTrue(all(r.country_id is None for r in rows))
        self.assertTrue(AuditEvent.unscoped.filter(verb=events.CHANGED, target_id=calibre.pk).exists())

    def test_an_unchanged_update_writes_nothing(self) -> None:
        calibre = Calibre.objects.get(code="12ga")
        aliases = list(calibre.aliases.values_list("alias", flat=True))
        before, events_before = ObjectChange.unscoped.count(), AuditEvent.unscoped.count()
        with acting():
            services.update_calibre(code="12ga", designation="12 gauge", kind="gauge", standard="SAAMI",
                                    marking_code="50", aliases=aliases)
        self.assertEqual((ObjectChange.unscoped.count(), AuditEvent.unscoped.count()), (before, events_before))

    def test_manufacturer_update_replaces_aliases_and_predecessor(self) -> None:
        with acting():
            maker = services.update_manufacturer(code="SIGS", name="SIG Sauer", country_code="US",
                                                 legal_name="SIG Sauer Inc.", active_from=2007,
                                                 aliases=[("SIG SAUER", "brand")], predecessor=None)
        self.assertEqual(set(maker.aliases.values_list("name", "role")),
                         {("SIG Sauer", "manufacturer"), ("SIG SAUER", "brand")})
        self.assertFalse(ManufacturerSuccession.objects.filter(successor=maker).exists())
        with acting(), self.assertRaises(ServiceError) as caught:
            services.update_manufacturer(code="SIGS", name="SIG Sauer", country_code="US", predecessor=("SIGS", 1))
        self.assertEqual(caught.exception.field, "predecessor")
