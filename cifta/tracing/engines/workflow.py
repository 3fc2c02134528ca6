"""The life of an international trace request as data: which side and which roles may take
each action from which states (ITI §V, CIFTA Art. XII-XIV, MOSAIC 05.31). Pure, no Django.

The requesting State drafts, sends, withdraws and closes; the requested State acknowledges,
works on it, answers (found, not found or partial), or delays or restricts its answer with a
reason. A refused action raises WorkflowError with a code the interface turns into a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"  # fully or partly: see Outcome
    DELAYED = "delayed"
    RESTRICTED = "restricted"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


class Side(StrEnum):
    REQUESTING = "requesting"
    REQUESTED = "requested"


class Outcome(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    PARTIAL = "partial"


OFFICERS = frozenset({"officer", "national_admin"})  # national roles that act on traces
FINAL = frozenset({State.WITHDRAWN, State.CLOSED})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[State]
    target: State
    side: Side
    roles: frozenset[str] = OFFICERS
    needs_reason: bool = False


OPEN_ON_REQUESTED_SIDE = frozenset({State.ACKNOWLEDGED, State.IN_PROGRESS, State.DELAYED})

TRANSITIONS: tuple[Transition, ...] = (
    Transition("send", frozenset({State.DRAFT}), State.SENT, Side.REQUESTING),
    Transition("withdraw", frozenset({State.DRAFT, State.SENT, State.ACKNOWLEDGED, State.IN_PROGRESS,
                                      State.DELAYED}), State.WITHDRAWN, Side.REQUESTING, needs_reason=True),
    Transition("acknowledge", frozenset({State.SENT}), State.ACKNOWLEDGED, Side.REQUESTED),
    Transition("start", frozenset({State.ACKNOWLEDGED, State.DELAYED}), State.IN_PROGRESS, Side.REQUESTED),
    Transition("answer", OPEN_ON_REQUESTED_SIDE, State.ANSWERED, Side.REQUESTED),
    Transition("delay", frozenset({State.ACKNOWLEDGED, State.IN_PROGRESS}), State.DELAYED, Side.REQUESTED,
               needs_reason=True),
    Transition("restrict", OPEN_ON_REQUESTED_SIDE, State.RESTRICTED, Side.REQUESTED, needs_reason=True),
    Transition("close", frozenset({State.ANSWERED, State.RESTRICTED}), State.CLOSED, Side.REQUESTING),
)
BY_ACTION = {t.action: t for t in TRANSITIONS}


class WorkflowError(ValueError):
    """``code``: unknown_action, final (withdrawn or closed), wrong_side, role, wrong_state,
    reason_required."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def take(state: State, action: str, side: Side, role: str, reason: str = "") -> State:
    """The state after ``action``, or WorkflowError saying why it cannot be taken."""
    transition = BY_ACTION.get(action)
    if transition is None:
        raise WorkflowError("unknown_action", action=action)
    if state in FINAL:
        raise WorkflowError("final", state=state.value)
    if side != transition.side:
        raise WorkflowError("wrong_side", action=action, side=transition.side.value)
    if role not in transition.roles:
        raise WorkflowError("role", action=action, role=role)
    if state not in transition.sources:
        raise WorkflowError("wrong_state", action=action, state=state.value)
    if transition.needs_reason and not reason.strip():
        raise WorkflowError("reason_required", action=action)
    return transition.target


def available(state: State, side: Side, role: str) -> list[str]:
    """The actions this side and role may take now, in table order."""
    if state in FINAL:
        return []
    return [t.action for t in TRANSITIONS if t.side == side and role in t.roles and state in t.sources]
