"""What the insured person reads about an accord: labels in their language, validity, who it is for."""
from django.utils.translation import gettext_lazy as _

from approvals.models import Accord, AccordStatus
from approvals.services.notifications import describe

STATUS_LABELS = {
    AccordStatus.REQUESTED: _("demandé"), AccordStatus.UNDER_STUDY: _("à l'étude"),
    AccordStatus.GRANTED: _("accordé"), AccordStatus.REFUSED: _("refusé"),
    AccordStatus.EXPIRED: _("expiré"), AccordStatus.RENEWED: _("renouvelé"),
}
TONES = {AccordStatus.GRANTED: "ok", AccordStatus.REFUSED: "bad", AccordStatus.UNDER_STUDY: "warn",
         AccordStatus.REQUESTED: "info", AccordStatus.EXPIRED: "warn", AccordStatus.RENEWED: "info"}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def validity(accord: Accord) -> str:
    if accord.valid_from is None:
        return ""
    if accord.valid_until is None:
        return _("à vie, depuis le %(start)s") % {"start": accord.valid_from.strftime("%d/%m/%Y")}
    return _("du %(start)s au %(end)s") % {"start": accord.valid_from.strftime("%d/%m/%Y"),
                                           "end": accord.valid_until.strftime("%d/%m/%Y")}


def accord_row(accord: Accord) -> dict:
    """One accord as the list and the detail page show it."""
    beneficiary = accord.dependent.full_name if accord.dependent_id else accord.insured.full_name
    return {"accord": accord, "what": describe(accord), "beneficiary": beneficiary,
            "status_label": status_label(accord.status), "tone": TONES.get(accord.status, "info"),
            "validity": validity(accord)}


def history_rows(accord: Accord) -> list[dict]:
    return [{"at": change.created_at, "label": status_label(change.to_status), "reason": change.reason}
            for change in accord.status_changes.order_by("created_at", "pk")]
