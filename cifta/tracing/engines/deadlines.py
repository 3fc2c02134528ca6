"""Deadlines of a trace request: acknowledge within some working days, answer urgent requests
within some hours and routine ones within some days. The defaults are the hub's; a State may
set its own (shorter or longer: ITI §V fixes no number, research note 01 §2.3). Pure, no Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

WEEKEND = frozenset({5, 6})  # Saturday, Sunday


class DeadlineError(ValueError):
    """``code``: not_positive, in_the_past, unknown_urgency."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Policy:
    acknowledge_working_days: int = 5
    urgent_hours: int = 72
    routine_days: int = 30

    def overridden(self, **values: int | None) -> Policy:
        """This policy with a State's own values where it set them; each must be positive."""
        given = {k: v for k, v in values.items() if v is not None}
        for name, value in given.items():
            if value <= 0:
                raise DeadlineError("not_positive", field=name)
        return replace(self, **given)


def add_working_days(start: dt.datetime, days: int, holidays: Iterable[dt.date] = ()) -> dt.datetime:
    """``start`` moved on by ``days`` working days (weekends and ``holidays`` skipped), same time."""
    off = set(holidays)
    moment = start
    left = days
    while left > 0:
        moment += dt.timedelta(days=1)
        if moment.weekday() not in WEEKEND and moment.date() not in off:
            left -= 1
    return moment


@dataclass(frozen=True)
class Deadlines:
    acknowledge_by: dt.datetime
    answer_by: dt.datetime


def deadlines(sent_at: dt.datetime, urgency: str, policy: Policy, holidays: Iterable[dt.date] = ()) -> Deadlines:
    if urgency == "urgent":
        answer_by = sent_at + dt.timedelta(hours=policy.urgent_hours)
    elif urgency == "routine":
        answer_by = sent_at + dt.timedelta(days=policy.routine_days)
    else:
        raise DeadlineError("unknown_urgency", urgency=urgency)
    # An urgent answer can fall due before the working days to acknowledge have run out; the
    # acknowledgement is then due with the answer, never after it.
    acknowledge_by = min(add_working_days(sent_at, policy.acknowledge_working_days, holidays), answer_by)
    return Deadlines(acknowledge_by, answer_by)


def requested_deadline(wanted: dt.datetime, now: dt.datetime) -> dt.datetime:
    """A deadline the requesting officer sets by hand: never one already past."""
    if wanted <= now:
        raise DeadlineError("in_the_past")
    return wanted


def overdue(due: Deadlines, *, now: dt.datetime, acknowledged: bool, answered: bool) -> list[str]:
    """Which deadlines have passed without the step they ask for: "acknowledge", "answer"."""
    late = []
    if not acknowledged and now > due.acknowledge_by:
        late.append("acknowledge")
    if not answered and now > due.answer_by:
        late.append("answer")
    return late
