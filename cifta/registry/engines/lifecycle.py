"""A firearm's life as events. The current status is derived from the events; an event that
cannot happen from the current status is refused with a reason. Pure Python, no Django."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    REGISTERED = "registered"
    EXPORTED = "exported"
    LOST = "lost"
    STOLEN = "stolen"
    SEIZED = "seized"
    CONFISCATED = "confiscated"
    DEACTIVATED = "deactivated"
    DESTROYED = "destroyed"


class Event(StrEnum):
    MANUFACTURED = "manufactured"
    IMPORTED = "imported"
    EXPORTED = "exported"
    REGISTERED = "registered"
    HOLDER_CHANGED = "holder_changed"
    MARKED = "marked"
    REPORTED_LOST = "reported_lost"
    REPORTED_STOLEN = "reported_stolen"
    RECOVERED = "recovered"
    SEIZED = "seized"
    CONFISCATED = "confiscated"
    DEACTIVATED = "deactivated"
    DESTROYED = "destroyed"


NEW = None  # the state before a firearm's first event
S = Status
ANY_ALIVE = frozenset(set(Status) - {Status.DESTROYED})


@dataclass(frozen=True)
class Rule:
    allowed_from: frozenset[Status | None]
    leads_to: Status | None  # None: the status does not change


# One table: which event may follow which status, and where it leads.
RULES: dict[Event, Rule] = {
    Event.MANUFACTURED: Rule(frozenset({NEW}), S.REGISTERED),
    Event.IMPORTED: Rule(frozenset({NEW, S.EXPORTED}), S.REGISTERED),
    Event.REGISTERED: Rule(frozenset({NEW}), S.REGISTERED),
    Event.EXPORTED: Rule(frozenset({S.REGISTERED}), S.EXPORTED),
    Event.HOLDER_CHANGED: Rule(frozenset({S.REGISTERED, S.SEIZED, S.CONFISCATED, S.DEACTIVATED}), None),
    Event.MARKED: Rule(frozenset(ANY_ALIVE), None),
    Event.REPORTED_LOST: Rule(frozenset({S.REGISTERED}), S.LOST),
    Event.REPORTED_STOLEN: Rule(frozenset({S.REGISTERED, S.LOST}), S.STOLEN),
    Event.RECOVERED: Rule(frozenset({S.LOST, S.STOLEN}), S.REGISTERED),
    Event.SEIZED: Rule(frozenset({NEW, S.REGISTERED, S.LOST, S.STOLEN, S.EXPORTED}), S.SEIZED),
    Event.CONFISCATED: Rule(frozenset({S.SEIZED, S.REGISTERED}), S.CONFISCATED),
    Event.DEACTIVATED: Rule(frozenset({S.REGISTERED, S.SEIZED, S.CONFISCATED}), S.DEACTIVATED),
    Event.DESTROYED: Rule(frozenset(ANY_ALIVE), S.DESTROYED),
}
FIRST_EVENTS = frozenset(e for e, r in RULES.items() if NEW in r.allowed_from)


class LifecycleError(ValueError):
    """An event that cannot follow the firearm's history. ``code`` names the rule broken."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Proposed:
    event: Event
    to_civilian_holder: bool = False  # a holder change (or first holder) that is a private person


def status_after(history: Iterable[Event]) -> Status | None:
    status: Status | None = NEW
    for event in history:
        rule = RULES[event]
        if rule.leads_to is not None:
            status = rule.leads_to
    return status


def check(history: list[Event], proposed: Proposed) -> Status | None:
    """The status after ``proposed``, or LifecycleError saying why it cannot happen."""
    current = status_after(history)
    if current is Status.DESTROYED:
        raise LifecycleError("destroyed", "a destroyed firearm has no further life: nothing can be recorded after "
                                          "its destruction")
    rule = RULES[proposed.event]
    if current not in rule.allowed_from:
        if current is NEW:
            raise LifecycleError("not_first", f"'{proposed.event}' cannot be a firearm's first event")
        raise LifecycleError(
            "not_allowed", f"'{proposed.event}' cannot follow the status '{current}'"
        )
    if proposed.to_civilian_holder:
        forfeited = current in (Status.SEIZED, Status.CONFISCATED) or Event.CONFISCATED in history
        if forfeited:
            raise LifecycleError(
                "art_vii", "a seized or confiscated firearm cannot be disposed of to a private holder "
                           "(CIFTA Art. VII)"
            )
    return current if rule.leads_to is None else rule.leads_to
