"""An objection (异议) or credit-repair (信用修复) request, as one transition table."""

from __future__ import annotations

from enum import StrEnum

from .errors import ScoringError


class RequestStatus(StrEnum):
    """Where a request stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class RequestAction(StrEnum):
    """A decider's decision on a request."""

    ACCEPT = "accept"
    REJECT = "reject"


class RequestAlreadyDecided(ScoringError):
    """The request was decided before (a conflict with its state)."""

    code = "request_already_decided"


class NotADecision(ScoringError):
    """The decision asked for is neither acceptance nor rejection."""

    code = "decision_invalid"


S = RequestStatus
A = RequestAction

TRANSITIONS: dict[tuple[RequestStatus, RequestAction], RequestStatus] = {
    (S.PENDING, A.ACCEPT): S.ACCEPTED,
    (S.PENDING, A.REJECT): S.REJECTED,
}

DECISIONS: dict[RequestStatus, RequestAction] = {S.ACCEPTED: A.ACCEPT, S.REJECTED: A.REJECT}
"""The action of each status a decision may ask for."""


def allowed_actions(current: RequestStatus) -> frozenset[RequestAction]:
    """The actions the table allows from `current`."""
    return frozenset(action for state, action in TRANSITIONS if state is current)


def transition(request_id: object, current: RequestStatus, action: RequestAction) -> RequestStatus:
    """The status after `action`; a pair missing from the table is a conflict."""
    new_state = TRANSITIONS.get((current, action))
    if new_state is None:
        raise RequestAlreadyDecided(f"Request {request_id} was already {current.value}.")
    return new_state


def decision_outcome(
    request_id: object, current: RequestStatus, decision: RequestStatus
) -> RequestStatus:
    """The status a decision asking for `decision` leaves the request in. A request already
    decided refuses any decision, before the decision itself is judged."""
    if not allowed_actions(current):
        raise RequestAlreadyDecided(f"Request {request_id} was already {current.value}.")
    action = DECISIONS.get(decision)
    if action is None:
        raise NotADecision("A decision is accepted or rejected.")
    return transition(request_id, current, action)
