"""The checklist as data and its scoring: structure, sources, weights, N/A and "not assessed"
excluded, bands, the worst gaps first; and every text of it listed for the translators."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cifta.stockpile import security_checklist as checklist
from cifta.stockpile.selectors_security import checklist_strings

CODES = list(checklist.ITEMS)
REQUIRED_SECTIONS = {"PER", "DOR", "KEY", "TPR", "ALM", "LGT", "GRD", "REC", "FIR", "LPS", "SEP"}


# --- the data ----------------------------------------------------------------------------------
def test_the_sections_asked_for_are_there_in_order_and_none_is_empty() -> None:
    assert [s.code for s in checklist.CHECKLIST] == ["PER", "DOR", "KEY", "TPR", "ALM", "LGT", "GRD", "REC", "FIR",
                                                     "LPS", "SEP"]
    assert set(checklist.SECTIONS) == REQUIRED_SECTIONS
    assert all(s.items for s in checklist.CHECKLIST)


def test_codes_are_stable_unique_and_belong_to_their_section() -> None:
    assert len(CODES) == len(set(CODES)) == 41
    for section in checklist.CHECKLIST:
        for n, item in enumerate(section.items, 1):
            assert item.code == f"{section.code}-{n:02d}"
            assert re.fullmatch(r"[A-Z]{3}-\d{2}", item.code)
            assert item.section == section.code


def test_every_item_has_a_question_a_weight_and_a_source() -> None:
    for item in checklist.all_items():
        assert item.text.endswith("?"), item.code
        assert item.weight in (1, 2, 3), item.code
        assert item.standard and item.reference, item.code
        # A verified item names a source the research note verified ([V] or [V2]); an item that is
        # not verified says it is marked [R] or not covered by the note.
        if item.verified:
            assert "[V]" in item.reference or "[V2]" in item.reference, item.code
        else:
            assert "[R]" in item.reference or item.reference == checklist.NOT_IN_NOTE, item.code


def test_what_the_note_marks_r_is_not_verified() -> None:
    # Research note 02 §3: two-person rule, key register, separate storage of weapons and
    # ammunition, annual count and spot checks, immediate reporting of discrepancies.
    for code in ("TPR-01", "TPR-02", "TPR-03", "KEY-02", "SEP-01", "REC-03", "REC-05"):
        assert not checklist.item(code).verified, code
    # and what it verified is: Belarus armoury measures, AR 190-11 monthly alarm test, OSCE guide.
    for code in ("KEY-01", "KEY-03", "ALM-03", "DOR-03", "GRD-04", "LPS-01", "FIR-01"):
        assert checklist.item(code).verified, code
    assert checklist.counts() == {"sections": 11, "items": 41, "verified": 22}


def test_the_module_stays_pure() -> None:
    source = Path(checklist.__file__).read_text(encoding="utf-8")
    imported = {alias.name.split(".")[0] for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.Import | ast.ImportFrom)
                for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])}
    assert imported <= {"__future__", "collections", "dataclasses"}, imported


def test_every_text_is_listed_for_the_catalogues_and_nothing_else() -> None:
    texts = [s.title for s in checklist.CHECKLIST] + [i.text for i in checklist.all_items()]
    assert sorted(checklist_strings()) == sorted(texts)


# --- scoring -----------------------------------------------------------------------------------
def test_weights_count_and_na_and_missing_items_do_not() -> None:
    # PER-01 weight 3 met (6/6), PER-02 weight 2 partly (2/4), PER-03 N/A, PER-04 not assessed.
    result = checklist.score({"PER-01": 2, "PER-02": 1, "PER-03": None})
    per = result.section("PER")
    assert (per.earned, per.possible, per.scored, per.not_applicable, per.not_assessed) == (8, 10, 2, 1, 1)
    assert per.percent == 80.0
    assert result.percent == 80.0
    assert result.section("KEY").percent is None
    assert result.not_assessed == len(CODES) - 3
    # The same answers with a heavier item not met: 8 of 16.
    assert checklist.score({"PER-01": 2, "PER-02": 1, "PER-03": None, "DOR-01": 0}).percent == 50.0


def test_weighting_differs_from_a_plain_average() -> None:
    # KEY-01 (weight 3) not met, KEY-04 (weight 1) met: plain average 50 %, weighted 25 %.
    assert checklist.score({"KEY-01": 0, "KEY-04": 2}).percent == 25.0


def test_nothing_applicable_gives_no_score() -> None:
    assert checklist.score({}).percent is None
    assert checklist.score({"PER-01": None}).percent is None


@pytest.mark.parametrize("value", [3, -1, 1.5, "2", True])
def test_a_score_outside_0_to_2_is_refused(value: object) -> None:
    assert not checklist.valid_score(value)
    with pytest.raises(ValueError):
        checklist.score({"PER-01": value})  # type: ignore[dict-item]


def test_codes_of_another_version_are_listed_and_not_counted() -> None:
    result = checklist.score({"PER-01": 2, "OLD-01": 0})
    assert result.unknown == ("OLD-01",)
    assert result.percent == 100.0


def test_bands() -> None:
    assert [checklist.band(v) for v in (None, 0.0, 59.9, 60.0, 84.9, 85.0, 100.0)] == [
        None, "poor", "poor", "fair", "fair", "good", "good"]


def test_gaps_are_worst_first() -> None:
    gaps = checklist.gaps({"KEY-04": 0, "PER-01": 1, "KEY-01": 0, "PER-02": 2, "LPS-01": None, "OLD-01": 0})
    assert [g.code for g in gaps] == ["KEY-01", "KEY-04", "PER-01"]


answers = st.dictionaries(st.sampled_from(CODES), st.one_of(st.none(), st.sampled_from(checklist.SCORES)))


@given(answers)
def test_a_score_is_a_percentage_and_sections_add_up(given_answers: dict[str, int | None]) -> None:
    result = checklist.score(given_answers)
    assert result.earned == sum(s.earned for s in result.sections)
    assert result.scored + result.not_applicable + result.not_assessed == len(CODES)
    if result.percent is not None:
        assert 0 <= result.percent <= 100
    assert (result.percent is None) == all(v is None for v in given_answers.values())


@given(answers, st.sampled_from(CODES))
def test_marking_an_unanswered_item_not_applicable_changes_no_score(given_answers: dict[str, int | None],
                                                                     code: str) -> None:
    before = dict(given_answers)
    before.pop(code, None)
    after = {**before, code: None}
    assert checklist.score(before).percent == checklist.score(after).percent


@given(st.sets(st.sampled_from(CODES), min_size=1))
def test_all_met_is_100_and_all_not_met_is_0(codes: set[str]) -> None:
    assert checklist.score(dict.fromkeys(codes, 2)).percent == 100.0
    assert checklist.score(dict.fromkeys(codes, 0)).percent == 0.0
