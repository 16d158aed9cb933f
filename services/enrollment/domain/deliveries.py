"""A delivery's import, as one transition table.

A one-shot delivery (a webhook call, a topic event) is `done` as soon as it is recorded. A
file's is `queued` until its turn comes, `importing` while its chunks are posted, then
`done`; or `stopped` part-way: by a failure or a cancellation its import notices, or by the
sweep that finds it no longer beating (its process is gone). While unfinished it beats,
which keeps its state.
"""

from __future__ import annotations

from enum import StrEnum

from .errors import ForbiddenTransition


class DeliveryState(StrEnum):
    """How far a delivery's import has come."""

    QUEUED = "queued"
    IMPORTING = "importing"
    DONE = "done"
    STOPPED = "stopped"


class DeliveryAction(StrEnum):
    """What happens to a delivery's import."""

    START = "start"  # its turn came
    FINISH = "finish"  # every line is posted
    STOP = "stop"  # posting failed, or was cancelled
    STALL = "stall"  # the sweep found it silent too long
    BEAT = "beat"  # still alive


S = DeliveryState
A = DeliveryAction

TRANSITIONS: dict[tuple[DeliveryState, DeliveryAction], DeliveryState] = {
    (S.QUEUED, A.START): S.IMPORTING,
    (S.QUEUED, A.STOP): S.STOPPED,  # cancelled, or failed, while waiting for its turn
    (S.QUEUED, A.STALL): S.STOPPED,
    (S.QUEUED, A.BEAT): S.QUEUED,
    (S.IMPORTING, A.FINISH): S.DONE,
    (S.IMPORTING, A.STOP): S.STOPPED,
    (S.IMPORTING, A.STALL): S.STOPPED,
    (S.IMPORTING, A.BEAT): S.IMPORTING,
}


def transition(current: DeliveryState, action: DeliveryAction) -> DeliveryState:
    """The state after `action`; a pair missing from the table is forbidden."""
    new_state = TRANSITIONS.get((current, action))
    if new_state is None:
        raise ForbiddenTransition(f"cannot {action.value} a delivery that is {current.value}")
    return new_state


def states_allowing(action: DeliveryAction) -> tuple[DeliveryState, ...]:
    """The states from which the table allows `action`, in their order of definition."""
    return tuple(state for state in DeliveryState if (state, action) in TRANSITIONS)


def opening_state(is_file: bool) -> DeliveryState:
    """A new delivery's state: a file's waits for its turn, a one-shot's is recorded."""
    return S.QUEUED if is_file else S.DONE
