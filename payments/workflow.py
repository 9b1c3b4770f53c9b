"""The bordereau state machine: one transition table and the only code that changes `Bordereau.status`.

en préparation → constitué → présenté → approuvé → ordre émis → soldé; a constituted or presented
bordereau can be rejected (its claims are given back). Every change leaves an audit row.
"""
from collections.abc import Iterable, Mapping

from payments.exceptions import BordereauStateError
from payments.models import Bordereau, BordereauStatus, BordereauStatusChange

S = BordereauStatus

ALLOWED_TRANSITIONS: Mapping[str, frozenset[str]] = {
    S.BUILDING: frozenset({S.BUILT}),
    S.BUILT: frozenset({S.PRESENTED, S.REJECTED}),
    S.PRESENTED: frozenset({S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.SENT}),
    S.SENT: frozenset({S.SETTLED}),
}

#: What each target status means as an action, for the error when it is not allowed.
ACTIONS = {S.BUILT: "clore sa constitution", S.PRESENTED: "le présenter", S.APPROVED: "l'approuver",
           S.REJECTED: "le rejeter", S.SENT: "émettre son ordre de virement", S.SETTLED: "le solder"}


def can_transition(current: str, to: str) -> bool:
    return to in ALLOWED_TRANSITIONS.get(current, frozenset())


def transition_bordereau(*, bordereau: Bordereau, to: str, by, reason: str = "",
                         extra_fields: Iterable[str] = ()) -> Bordereau:
    """Move a locked bordereau to `to`, or raise BordereauStateError. The caller owns the
    transaction and the lock; other fields set on `bordereau` and named in `extra_fields` are saved
    in the same UPDATE."""
    if not can_transition(bordereau.status, to):
        raise BordereauStateError(bordereau=bordereau, action=ACTIONS.get(to, to))
    BordereauStatusChange.objects.create(bordereau=bordereau, from_status=bordereau.status, to_status=to,
                                         changed_by_id=getattr(by, "pk", by), reason=reason[:500])
    bordereau.status = to
    bordereau.save(update_fields=["status", "updated_at", *extra_fields])
    return bordereau


def record_creation(*, bordereau: Bordereau, by) -> None:
    """The first audit row of a new bordereau ("" → en préparation)."""
    BordereauStatusChange.objects.create(bordereau=bordereau, from_status="", to_status=bordereau.status,
                                         changed_by_id=getattr(by, "pk", by))
