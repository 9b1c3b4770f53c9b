"""The accords' state machine: one table, one function, one audit row per change (STYLE rule 10).

requested → under study (more documents asked) → granted or refused; granted → expired (end of
validity) or renewed (a later accord takes over); a request may also be decided at once."""
from collections.abc import Mapping

from django.utils.translation import gettext as _

from amo_portal.exceptions import ConflictError
from approvals.models import Accord, AccordStatus, AccordStatusChange

S = AccordStatus
ALLOWED_TRANSITIONS: Mapping[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.UNDER_STUDY, S.GRANTED, S.REFUSED}),
    S.UNDER_STUDY: frozenset({S.GRANTED, S.REFUSED}),
    S.GRANTED: frozenset({S.EXPIRED, S.RENEWED}),
    S.EXPIRED: frozenset({S.RENEWED}),
}


class InvalidAccordTransition(ConflictError):
    code = "transition_accord_invalide"


def record_initial_status(*, accord: Accord, by, reason: str = "") -> AccordStatusChange:
    return AccordStatusChange.objects.create(accord=accord, from_status="", to_status=accord.status,
                                             changed_by=by, reason=reason)


def transition_accord(*, accord_id: int, to: str, by, reason: str = "",
                      changes: Mapping[str, object] | None = None) -> Accord:
    """Move an accord to `to` (setting `changes` with it), or raise. Caller owns the transaction."""
    accord = Accord.objects.select_for_update(no_key=True).get(pk=accord_id)
    if accord.status == to and not changes:
        return accord
    if to not in ALLOWED_TRANSITIONS.get(accord.status, frozenset()):
        raise InvalidAccordTransition(_("Accord %(number)s : passage de « %(current)s » à « %(to)s » impossible.")
                                      % {"number": accord.accord_number or accord.pk,
                                         "current": accord.get_status_display(), "to": S(to).label})
    AccordStatusChange.objects.create(accord=accord, from_status=accord.status, to_status=to, changed_by=by,
                                      reason=reason)
    for name, value in (changes or {}).items():
        setattr(accord, name, value)
    accord.status = to
    accord.full_clean()
    accord.save()
    return accord
