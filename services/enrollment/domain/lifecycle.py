"""The lifecycle of a person in a scheme-year (DOMAIN §1), as one transition table."""

from __future__ import annotations

from enum import StrEnum

from .errors import ForbiddenTransition


class EnrollmentState(StrEnum):
    """Where a person stands in a scheme-year."""

    PROSPECT = "prospect"
    REGISTERED = "registered"
    PAID = "paid"
    UNPAID = "unpaid"  # arrears (欠费) once the window has closed
    INTERRUPTED = "interrupted"  # 中断/暂停缴费
    RESUMED = "resumed"  # 接续: the relationship is reconnected, payment due again
    SEALED = "sealed"  # 接续封存: frozen for someone who cannot pay
    DUPLICATE = "duplicate"  # insured elsewhere (000:L298)
    TERMINATED = "terminated"


class EnrollmentAction(StrEnum):
    """What can happen to an enrollment."""

    REGISTER = "register"
    COMPLETE_PAYMENT = "complete_payment"  # payments reached the amount due
    REVERSE_PAYMENT = "reverse_payment"  # a reversal (冲正) undid the completion
    CLOSE_WINDOW = "close_window"
    INTERRUPT = "interrupt"
    RESUME = "resume"
    SEAL = "seal"
    FLAG_DUPLICATE = "flag_duplicate"
    TERMINATE = "terminate"


S = EnrollmentState
A = EnrollmentAction

TRANSITIONS: dict[tuple[EnrollmentState, EnrollmentAction], EnrollmentState] = {
    (S.PROSPECT, A.REGISTER): S.REGISTERED,
    (S.REGISTERED, A.COMPLETE_PAYMENT): S.PAID,
    (S.REGISTERED, A.CLOSE_WINDOW): S.UNPAID,
    (S.REGISTERED, A.FLAG_DUPLICATE): S.DUPLICATE,
    # A reversal returns the person to registered; if the window has closed, the use case
    # then applies CLOSE_WINDOW, so late reversals land in arrears.
    (S.PAID, A.REVERSE_PAYMENT): S.REGISTERED,
    (S.PAID, A.FLAG_DUPLICATE): S.DUPLICATE,
    (S.UNPAID, A.COMPLETE_PAYMENT): S.PAID,  # back-payment (补缴) after the window
    (S.UNPAID, A.INTERRUPT): S.INTERRUPTED,
    (S.UNPAID, A.FLAG_DUPLICATE): S.DUPLICATE,
    (S.INTERRUPTED, A.RESUME): S.RESUMED,
    (S.INTERRUPTED, A.SEAL): S.SEALED,
    (S.INTERRUPTED, A.FLAG_DUPLICATE): S.DUPLICATE,
    (S.SEALED, A.RESUME): S.RESUMED,
    (S.SEALED, A.FLAG_DUPLICATE): S.DUPLICATE,
    (S.RESUMED, A.COMPLETE_PAYMENT): S.PAID,
    (S.RESUMED, A.CLOSE_WINDOW): S.UNPAID,
    (S.RESUMED, A.FLAG_DUPLICATE): S.DUPLICATE,
    (S.DUPLICATE, A.TERMINATE): S.TERMINATED,
}


def transition(current: EnrollmentState, action: EnrollmentAction) -> EnrollmentState:
    """The state after `action`; a pair missing from the table is forbidden."""
    new_state = TRANSITIONS.get((current, action))
    if new_state is None:
        raise ForbiddenTransition(f"cannot {action.value} an enrollment that is {current.value}")
    return new_state


def allowed_actions(current: EnrollmentState) -> frozenset[EnrollmentAction]:
    """The actions the table allows from `current`."""
    return frozenset(action for state, action in TRANSITIONS if state is current)


MOVE_REASONS: dict[EnrollmentAction, str] = {
    A.RESUME: "a payment resumed contributions (接续)",
    A.COMPLETE_PAYMENT: "payments reached the amount due",
    A.REVERSE_PAYMENT: "a reversal undid the completion",
    A.CLOSE_WINDOW: "reversed after the window closed: in arrears",
}
"""Why a re-settlement made each move, for the audit trail and the event."""


def moves_after_settlement(
    current: EnrollmentState, complete: bool, window_closed: bool
) -> tuple[EnrollmentAction, ...]:
    """The moves a re-settlement makes once payments or a reversal changed the balance.

    Payments that complete an interrupted or sealed person resume them first (paying is
    how one reconnects, 接续); a reversal that undoes a completion after the window puts
    the person in arrears.
    """
    if complete:
        if current in (S.INTERRUPTED, S.SEALED):
            return (A.RESUME, A.COMPLETE_PAYMENT)
        if current in (S.REGISTERED, S.UNPAID, S.RESUMED):
            return (A.COMPLETE_PAYMENT,)
        return ()
    if current is S.PAID:
        return (A.REVERSE_PAYMENT, A.CLOSE_WINDOW) if window_closed else (A.REVERSE_PAYMENT,)
    return ()
