"""Tracing figures per State and year, and SDG indicator 16.4.2. Pure, no Django.

SDG 16.4.2 (UNODC/UNODA metadata, research note 04 §4.3): the share of arms seized, found or
surrendered whose illicit origin was traced or established by a competent authority (for an
illicitly manufactured arm the point of diversion is the manufacture itself). Across States,
numerators and denominators are summed separately, then divided; the coverage says how many
States reported.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from cifta.tracing.engines.workflow import Outcome


@dataclass(frozen=True)
class Trace:
    """One request as the figures see it (either side's view)."""

    sent_at: dt.datetime
    acknowledge_by: dt.datetime
    answer_by: dt.datetime
    acknowledged_at: dt.datetime | None = None
    answered_at: dt.datetime | None = None
    outcome: str = ""  # an Outcome, or empty while unanswered
    failure_reason: str = ""  # why it was not traced, when it was not


@dataclass(frozen=True)
class Timeliness:
    requests: int
    acknowledged_in_time: int
    answered_in_time: int
    median_response_hours: float | None
    traced_share: float | None  # found or partial over answered
    failures: dict[str, int]


def timeliness(traces: Iterable[Trace]) -> Timeliness:
    items = list(traces)
    answered = [t for t in items if t.answered_at is not None]
    hours = [(t.answered_at - t.sent_at).total_seconds() / 3600 for t in answered if t.answered_at]
    traced = sum(1 for t in answered if t.outcome in (Outcome.FOUND, Outcome.PARTIAL))
    return Timeliness(
        requests=len(items),
        acknowledged_in_time=sum(1 for t in items if t.acknowledged_at and t.acknowledged_at <= t.acknowledge_by),
        answered_in_time=sum(1 for t in answered if t.answered_at and t.answered_at <= t.answer_by),
        median_response_hours=round(statistics.median(hours), 1) if hours else None,
        traced_share=round(traced / len(answered), 3) if answered else None,
        failures=dict(Counter(t.failure_reason for t in items if t.failure_reason)),
    )


@dataclass(frozen=True)
class Sdg1642:
    traced_or_established: int
    seized_found_surrendered: int
    states_reporting: int
    states_total: int

    @property
    def value(self) -> float | None:
        """Percent, or None when no arm was seized, found or surrendered."""
        if not self.seized_found_surrendered:
            return None
        return round(100 * self.traced_or_established / self.seized_found_surrendered, 1)

    @property
    def coverage(self) -> float | None:
        return round(self.states_reporting / self.states_total, 3) if self.states_total else None


class FigureError(ValueError):
    """A State's numerator exceeds its denominator (a subtotal is missing somewhere)."""


def sdg_16_4_2(by_state: dict[str, tuple[int, int] | None], states_total: int | None = None) -> Sdg1642:
    """``by_state``: State -> (traced or established, seized + found + surrendered), or None
    when it reported nothing. Sums numerators and denominators separately."""
    reported = {code: pair for code, pair in by_state.items() if pair is not None}
    for code, (traced, total) in reported.items():
        if traced < 0 or total < 0 or traced > total:
            raise FigureError(code)
    return Sdg1642(sum(p[0] for p in reported.values()), sum(p[1] for p in reported.values()), len(reported),
                   states_total if states_total is not None else len(by_state))
