"""The trace request's pure engines: the transition table (who may do what, from where) and
the deadlines (working days, urgency, a State's own values, overdue lists)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from cifta.tracing.engines.deadlines import (
    DeadlineError,
    Policy,
    add_working_days,
    deadlines,
    overdue,
    requested_deadline,
)
from cifta.tracing.engines.workflow import FINAL, TRANSITIONS, Side, State, WorkflowError, available, take

# --- workflow -----------------------------------------------------------------------------------


def test_a_request_goes_from_draft_to_closed_through_both_sides() -> None:
    state = take(State.DRAFT, "send", Side.REQUESTING, "officer")
    state = take(state, "acknowledge", Side.REQUESTED, "officer")
    state = take(state, "start", Side.REQUESTED, "national_admin")
    state = take(state, "delay", Side.REQUESTED, "officer", reason="ongoing investigation")
    state = take(state, "answer", Side.REQUESTED, "officer")
    assert take(state, "close", Side.REQUESTING, "officer") == State.CLOSED


@pytest.mark.parametrize(("state", "action", "side", "role", "code"), [
    (State.SENT, "answer", Side.REQUESTING, "officer", "wrong_side"),  # a request addressed to another State
    (State.ANSWERED, "answer", Side.REQUESTED, "officer", "wrong_state"),  # answering twice
    (State.WITHDRAWN, "acknowledge", Side.REQUESTED, "officer", "final"),  # acting on a withdrawn request
    (State.SENT, "acknowledge", Side.REQUESTED, "viewer", "role"),
    (State.IN_PROGRESS, "restrict", Side.REQUESTED, "officer", "reason_required"),
    (State.SENT, "approve", Side.REQUESTED, "officer", "unknown_action"),
])
def test_refused_actions_say_why(state: State, action: str, side: Side, role: str, code: str) -> None:
    with pytest.raises(WorkflowError) as caught:
        take(state, action, side, role)
    assert caught.value.code == code


def test_the_table_is_consistent_and_final_states_are_final() -> None:
    assert len({t.action for t in TRANSITIONS}) == len(TRANSITIONS)
    for transition in TRANSITIONS:
        assert transition.target not in transition.sources or transition.action == "start"
        assert not transition.sources & FINAL
    for state, side, role in itertools.product(State, Side, ("officer", "national_admin", "viewer", "auditor")):
        actions = available(state, side, role)
        if state in FINAL or role not in ("officer", "national_admin"):
            assert actions == []
        for action in actions:  # every action offered can be taken (with a reason where one is needed)
            assert take(state, action, side, role, reason="r") in State
    assert available(State.SENT, Side.REQUESTED, "officer") == ["acknowledge"]
    assert available(State.SENT, Side.REQUESTING, "officer") == ["withdraw"]


# --- deadlines ----------------------------------------------------------------------------------

FRIDAY = dt.datetime(2026, 11, 27, 15, 0, tzinfo=dt.UTC)


def test_acknowledgement_counts_working_days_and_holidays() -> None:
    assert add_working_days(FRIDAY, 5) == dt.datetime(2026, 12, 4, 15, 0, tzinfo=dt.UTC)
    assert add_working_days(FRIDAY, 1, holidays=[dt.date(2026, 11, 30)]) == dt.datetime(2026, 12, 1, 15, 0,
                                                                                        tzinfo=dt.UTC)


def test_urgent_and_routine_answers_have_their_defaults_and_a_state_may_change_them() -> None:
    urgent = deadlines(FRIDAY, "urgent", Policy())
    assert urgent.answer_by == FRIDAY + dt.timedelta(hours=72)
    assert deadlines(FRIDAY, "routine", Policy()).answer_by == FRIDAY + dt.timedelta(days=30)
    own = Policy().overridden(urgent_hours=24, routine_days=None)
    assert (own.urgent_hours, own.routine_days) == (24, 30)
    with pytest.raises(DeadlineError) as caught:
        Policy().overridden(acknowledge_working_days=0)
    assert caught.value.params == {"field": "acknowledge_working_days"}
    with pytest.raises(DeadlineError):
        deadlines(FRIDAY, "soon", Policy())


def test_an_acknowledgement_is_never_due_after_the_answer() -> None:
    # Friday + 72 h is Monday; five working days would be the next Friday.
    urgent = deadlines(FRIDAY, "urgent", Policy())
    assert urgent.acknowledge_by == urgent.answer_by == FRIDAY + dt.timedelta(hours=72)
    routine = deadlines(FRIDAY, "routine", Policy())
    assert routine.acknowledge_by == dt.datetime(2026, 12, 4, 15, 0, tzinfo=dt.UTC) < routine.answer_by


def test_overdue_lists_what_is_late_and_a_past_deadline_is_refused() -> None:
    due = deadlines(FRIDAY, "urgent", Policy())
    later = FRIDAY + dt.timedelta(days=10)
    assert overdue(due, now=later, acknowledged=False, answered=False) == ["acknowledge", "answer"]
    assert overdue(due, now=later, acknowledged=True, answered=True) == []
    assert overdue(due, now=FRIDAY, acknowledged=False, answered=False) == []
    with pytest.raises(DeadlineError) as caught:
        requested_deadline(FRIDAY - dt.timedelta(hours=1), now=FRIDAY)
    assert caught.value.code == "in_the_past"


# --- figures ------------------------------------------------------------------------------------

def test_timeliness_counts_what_was_in_time_and_the_share_traced() -> None:
    from cifta.tracing.engines.figures import Trace, timeliness

    hour = dt.timedelta(hours=1)
    due = {"acknowledge_by": FRIDAY + 48 * hour, "answer_by": FRIDAY + 72 * hour}
    figures = timeliness([
        Trace(FRIDAY, **due, acknowledged_at=FRIDAY + hour, answered_at=FRIDAY + 10 * hour, outcome="found"),
        Trace(FRIDAY, **due, acknowledged_at=FRIDAY + 50 * hour, answered_at=FRIDAY + 80 * hour,
              outcome="not_found", failure_reason="no record"),
        Trace(FRIDAY, **due),
    ])
    assert (figures.requests, figures.acknowledged_in_time, figures.answered_in_time) == (3, 1, 1)
    assert figures.median_response_hours == 45.0 and figures.traced_share == 0.5
    assert figures.failures == {"no record": 1}


def test_sdg_16_4_2_sums_numerators_and_denominators_separately_with_coverage() -> None:
    from cifta.tracing.engines.figures import FigureError, sdg_16_4_2

    indicator = sdg_16_4_2({"MX": (22_988, 23_029), "BS": (421, 567), "JM": None}, states_total=34)
    assert indicator.value == round(100 * (22_988 + 421) / (23_029 + 567), 1)
    assert (indicator.states_reporting, indicator.coverage) == (2, round(2 / 34, 3))
    assert sdg_16_4_2({"MX": (0, 0)}).value is None
    with pytest.raises(FigureError):
        sdg_16_4_2({"BR": (596, 337)})  # a numerator above its denominator: a subtotal is missing
