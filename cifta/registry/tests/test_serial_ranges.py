"""Serial ranges listed on licences and consignments: the pure parser and matcher, recording a
range (service, page, command line), and the search listing the ranges a read serial falls in,
in its own State only."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cifta.core.context import Source, change_context
from cifta.core.errors import ServiceError
from cifta.core.models import AuditEvent
from cifta.core.scoping import country_scope
from cifta.registry import events
from cifta.registry.models import SerialRange
from cifta.registry.serial_ranges import register_range
from cifta.registry.serial_search import search_serials
from cifta.registry.serials.lookalikes import Folding
from cifta.registry.serials.ranges import RangeError, Reading, contains, parse_range, readings, written
from cifta.testing.registry_world import RegistryWorldTestCase

# --- the pure part ------------------------------------------------------------------------------


def test_a_range_is_a_start_a_running_number_and_an_end() -> None:
    spec = parse_range("BER-000100-X", "BER-000250-X")
    assert (spec.prefix, spec.suffix, spec.width, spec.first, spec.last) == ("BER", "X", 6, 100, 250)
    assert written(spec, 150) == "BER000150X"
    unpadded = parse_range("A99", "A1000")
    assert (unpadded.prefix, unpadded.width, unpadded.first, unpadded.last) == ("A", 0, 99, 1000)
    one = parse_range("TX-0001", "TX-0001")
    assert (one.prefix, one.first, one.last) == ("TX", 1, 1)
    assert parse_range("A0099", "A0100").first == 99  # the whole run of digits, not the differing tail


@pytest.mark.parametrize(("first", "last", "code"), [
    ("", "A1", "empty"), ("ABC", "ABC", "no_number"), ("AB100", "AC100", "differs_outside_number"),
    ("A200", "A100", "reversed"), ("A" * 41 + "1", "A" * 41 + "2", "too_long"),
])
def test_bad_ranges_are_refused_with_a_code(first: str, last: str, code: str) -> None:
    with pytest.raises(RangeError) as caught:
        parse_range(first, last)
    assert caught.value.code == code


def test_a_read_serial_falls_in_a_range_with_its_lookalikes_folded() -> None:
    spec = parse_range("BER000100", "BER000250")

    def inside(key: str, folding: Folding | None = None) -> bool:
        fold = folding or Folding()
        return any(contains(spec, r, fold) for r in readings(key, fold))

    assert inside("BER000150") and inside("BER0OO15O")  # O read for 0
    assert not inside("BER000251") and not inside("BER00150") and not inside("BEX000150")
    assert not inside("BER0OO15O", Folding(["1I"]))  # a State that does not fold O and 0
    assert Reading("8ER", "000150", "") in readings("BER000150")


# --- on the register ----------------------------------------------------------------------------


class SerialRangeTest(RegistryWorldTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with country_scope([cls.world.country_a.pk]), change_context("system:test", Source.COMMAND):
            cls.licence = register_range(actor="system:test", kind="licence", reference="LIC-2024-7",
                                         first_serial="BER000100", last_serial="BER000250", manufacturer="Beretta")

    def search(self, raw: str, country=None, **kwargs: object):
        with country_scope([(country or self.world.country_a).pk]), change_context(self.world.alice, Source.WEB):
            return search_serials(raw, case_reference="CASE-R", **kwargs)  # type: ignore[arg-type]

    def test_the_search_lists_the_ranges_a_serial_falls_in_in_its_own_state_only(self) -> None:
        result = self.search("BER-0OO-17?")
        assert [(h.serial_range.pk, h.serial) for h in result.ranges][:1] == [(self.licence.pk, "BER000170")]
        assert len(result.ranges) == 1 and not result.ranges[0].exact
        assert self.search("BER000170").ranges[0].exact
        assert self.search("BER000170", country=self.world.country_b).ranges == []
        assert self.search("BER000300").ranges == []
        event = AuditEvent.unscoped.filter(verb=events.SERIAL_SEARCHED).order_by("-seq").first()
        assert event.payload["query"]["range_hits"] == 0

    def test_a_bad_range_names_the_field_and_stores_nothing(self) -> None:
        before = SerialRange.unscoped.count()
        with country_scope([self.world.country_a.pk]), change_context("system:test", Source.COMMAND):
            for kwargs, field in (({"first_serial": "A200", "last_serial": "A100"}, "last_serial"),
                                  ({"first_serial": "A1", "last_serial": "A2", "kind": "x"}, "kind"),
                                  ({"first_serial": "A1", "last_serial": "A2", "reference": " "}, "reference"),
                                  ({"first_serial": "A1", "last_serial": "A2", "manufacturer": "Nope"},
                                   "manufacturer")):
                values = {"kind": "licence", "reference": "R", **kwargs}
                with pytest.raises(ServiceError) as caught:
                    register_range(actor="system:test", **values)
                assert caught.value.field == field
        assert SerialRange.unscoped.count() == before

    def test_the_page_lists_records_and_searches_ranges(self) -> None:
        client = self.web("alice")
        page = client.get("/registry/ranges/")
        self.assertContains(page, "LIC-2024-7")
        response = client.post("/registry/ranges/", {"kind": "consignment", "reference": "CONS-9",
                                                     "first_serial": "TX-0100", "last_serial": "TX-0199"})
        self.assertEqual(response.status_code, 302)
        assert SerialRange.unscoped.filter(reference="CONS-9", country=self.world.country_a).exists()
        refused = client.post("/registry/ranges/", {"kind": "consignment", "reference": "CONS-10",
                                                    "first_serial": "TX-0199", "last_serial": "TX-0100"})
        self.assertEqual(refused.status_code, 400)
        self.assertContains(refused, "comes after the last", status_code=400)
        assert self.web("bob").post("/registry/ranges/", {"kind": "licence", "reference": "V",
                                                          "first_serial": "A1", "last_serial": "A2"}).status_code == 403
        assert self.web("carlos").get("/registry/ranges/").content.decode().count("LIC-2024-7") == 0
        found = client.post("/registry/search/", {"q": "BER000170", "case_reference": "C"})
        self.assertContains(found, "LIC-2024-7")
        body = self.api("alice").get("/api/v1/serial-search/", {"q": "BER000170", "case_reference": "C"}).json()
        assert body["ranges"][0]["reference"] == "LIC-2024-7" and body["ranges"][0]["make"] == "Beretta"

    def test_the_command_line_records_lists_and_searches_ranges(self) -> None:
        out = StringIO()
        call_command("serials", "range-add", "--country", "CO", "--kind", "consignment", "--reference", "C-CLI",
                     "--first", "Q10", "--last", "Q20", stdout=out)
        assert "11 serials" in out.getvalue()
        with pytest.raises(CommandError, match="last_serial"):
            call_command("serials", "range-add", "--country", "CO", "--kind", "licence", "--reference", "C-BAD",
                         "--first", "Q20", "--last", "Q10", stdout=StringIO())
        out = StringIO()
        call_command("serials", "ranges", "--country", "CO", "--json", stdout=out)
        assert {json.loads(line)["reference"] for line in out.getvalue().splitlines()} >= {"C-CLI", "LIC-2024-7"}
        out = StringIO()
        call_command("serials", "search", "BER000170", "--country", "CO", "--case", "C", "--json", stdout=out)
        assert json.loads(out.getvalue())["ranges"][0]["serial"] == "BER000170"
