"""The pure engines: lifecycle rules, marking compliance, State marking codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cifta.registry.engines import compliance, state_marking
from cifta.registry.engines.lifecycle import (
    FIRST_EVENTS,
    RULES,
    Event,
    LifecycleError,
    Proposed,
    Status,
    check,
    status_after,
)


def test_a_life_from_manufacture_to_destruction():
    history: list[Event] = []
    for event, expected in [
        (Event.MANUFACTURED, Status.REGISTERED), (Event.MARKED, Status.REGISTERED),
        (Event.REPORTED_STOLEN, Status.STOLEN), (Event.RECOVERED, Status.REGISTERED),
        (Event.SEIZED, Status.SEIZED), (Event.CONFISCATED, Status.CONFISCATED), (Event.DESTROYED, Status.DESTROYED),
    ]:
        assert check(history, Proposed(event)) == expected
        history.append(event)
    assert status_after(history) is Status.DESTROYED


@pytest.mark.parametrize("event", list(Event))
def test_nothing_follows_destruction(event):
    with pytest.raises(LifecycleError) as info:
        check([Event.REGISTERED, Event.DESTROYED], Proposed(event))
    assert info.value.code == "destroyed"


def test_a_destroyed_firearm_cannot_be_transferred_or_destroyed_again():
    history = [Event.IMPORTED, Event.DESTROYED]
    for event in (Event.EXPORTED, Event.HOLDER_CHANGED, Event.DESTROYED):
        with pytest.raises(LifecycleError):
            check(history, Proposed(event))


@pytest.mark.parametrize("history", [[Event.SEIZED], [Event.REGISTERED, Event.CONFISCATED],
                                     [Event.SEIZED, Event.CONFISCATED, Event.DEACTIVATED]])
def test_seized_or_confiscated_firearms_never_reach_a_private_holder(history):
    with pytest.raises(LifecycleError) as info:
        check(history, Proposed(Event.HOLDER_CHANGED, to_civilian_holder=True))
    assert info.value.code == "art_vii"
    # ... while a State agency may hold them
    check(history, Proposed(Event.HOLDER_CHANGED))


def test_a_first_event_must_be_a_beginning():
    with pytest.raises(LifecycleError) as info:
        check([], Proposed(Event.REPORTED_LOST))
    assert info.value.code == "not_first"
    assert {Event.MANUFACTURED, Event.IMPORTED, Event.REGISTERED, Event.SEIZED} == FIRST_EVENTS


@given(st.lists(st.sampled_from(list(Event)), max_size=30))
def test_any_accepted_history_never_leaves_destroyed_and_status_is_derived(events):
    accepted: list[Event] = []
    for event in events:
        try:
            status = check(accepted, Proposed(event))
        except LifecycleError:
            continue
        accepted.append(event)
        assert status_after(accepted) == status
    if Event.DESTROYED in accepted:
        assert accepted[-1] is Event.DESTROYED
    assert all(RULES[e].allowed_from for e in accepted)


FULL = compliance.FirearmFacts(
    has_manufacturer=True, has_primary_serial=True, country_of_manufacture="AT", was_imported=True,
    marks=[compliance.MarkFacts("manufacture", "GLOCK AUSTRIA 123"),
           compliance.MarkFacts("import", "CO 2021", importer_name="Imp SA", importer_address="Calle 1",
                                import_country="CO", import_year=2021)],
)


def test_a_fully_marked_import_is_compliant():
    assert compliance.check(FULL) == []


def test_each_missing_element_is_named_with_its_rule():
    facts = compliance.FirearmFacts(
        has_manufacturer=False, has_primary_serial=False, country_of_manufacture="", was_imported=True,
        was_confiscated_for_official_use=True,
        marks=[compliance.MarkFacts("import", "X")],
    )
    codes = {i.code for i in compliance.check(facts)}
    assert codes == {"no_manufacture_mark", "no_manufacturer", "no_place_of_manufacture", "no_serial",
                     "import_mark_no_importer", "import_mark_no_country", "import_mark_no_year",
                     "no_confiscation_mark"}
    assert all(i.rule for i in compliance.check(facts))


def test_destructive_devices_are_marked_if_possible_only():
    facts = compliance.FirearmFacts(False, False, "", False, destructive_device=True)
    assert compliance.check(facts) == []


@given(st.integers(0, state_marking.CAPACITY - 1))
def test_state_serials_round_trip_and_avoid_i_o_q(number):
    text = state_marking.encode_serial(number)
    assert len(text) == state_marking.SERIAL_LENGTH
    assert not set(text) & {"I", "O", "Q"}
    assert state_marking.decode_serial(text) == number


def test_state_serials_are_ordered_and_distinct():
    texts = [state_marking.encode_serial(n) for n in range(2000)]
    assert len(set(texts)) == 2000 and texts == sorted(texts)


def test_the_0530_layout_and_a_national_variant():
    code = state_marking.compose(country="co", maker="GLCK", year=2026, type_code="02", number=34, calibre="16")
    assert code == "CO GLCK 26 02 00011 16"
    variant = state_marking.Layout(parts=("country", "year", "serial", "maker"), separator="-")
    assert state_marking.compose(country="MX", maker="AB", year=2001, type_code="3", number=1, calibre="",
                                 layout=variant) == "MX-01-00001-ABXX"
