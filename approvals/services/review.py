"""What the médecins of the mutuelle do with a request (ask for documents, grant, refuse), how a
request is recorded, and the end of accords past their validity. Each is one transaction."""
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from amo_portal.exceptions import DomainError
from approvals.models import GRANTED_STATUSES, Accord, AccordDocument, AccordKind, AccordStatus, ALDDeclination
from approvals.services.notifications import Event, notify_on_commit
from approvals.workflow import record_initial_status, transition_accord
from beneficiaries.models import Dependent, Insured

#: Coded reasons for refusing a request (shown to the insured person).
REFUSAL_REASONS = {
    "PIECES": gettext_lazy("pièces médicales insuffisantes"),
    "CRITERES": gettext_lazy("critères médicaux de l'ALD non remplis"),
    "NON_ALD": gettext_lazy("affection hors de la liste des ALD"),
    "DROITS": gettext_lazy("bénéficiaire sans droits ouverts"),
    "DOUBLON": gettext_lazy("accord déjà en cours pour la même affection"),
    "ACTE": gettext_lazy("acte ou appareil non pris en charge"),
}


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def default_valid_until(declination: ALDDeclination | None, valid_from: date) -> date | None:
    """The end of the declination's coverage period (inclusive), None for a lifetime one."""
    if declination is None or declination.validity_months is None:
        return None
    return add_months(valid_from, declination.validity_months) - timedelta(days=1)


def _check_renewal(renews: Accord, insured: Insured, dependent: Dependent | None, kind: str) -> None:
    if (renews.insured_id, renews.dependent_id) != (insured.pk, dependent.pk if dependent else None) \
            or renews.kind != kind or renews.status not in GRANTED_STATUSES:
        raise DomainError(_("Renouvellement : l'accord choisi n'est pas un accord donné à ce bénéficiaire."))


@transaction.atomic(durable=True)
def request_accord(*, insured: Insured, dependent: Dependent | None, kind: str, by,
                   declination: ALDDeclination | None = None, acts: str = "", quantity: int | None = None,
                   renews: Accord | None = None, document=None, note: str = "",
                   documents: Sequence[tuple[str, Any]] = (), language: str = "") -> Accord:
    """A request made by the insured person (or typed for them): it waits in the médecins' queue.
    `documents` are (kind, checked document) pairs (amo_portal.documents.check_document)."""
    if renews is not None:
        _check_renewal(renews, insured, dependent, kind)
    if kind == AccordKind.ETM and declination is None:
        raise DomainError(_("Une demande d'ETM nomme l'ALD (sa déclinaison)."))
    accord = Accord(insured=insured, dependent=dependent, mutuelle_id=insured.mutuelle_id, fund_id=insured.fund_id,
                    kind=kind, status=AccordStatus.REQUESTED,
                    declination=declination, ald=declination.heading if declination else None, acts=acts,
                    quantity_granted=quantity, renews=renews, requested_on=timezone.localdate(), language=language)
    if document is not None:
        accord.document = document
    accord.full_clean()
    accord.save()
    _attach(accord, documents)
    record_initial_status(accord=accord, by=by, reason=note or _("Demande déposée."))
    return accord


def _attach(accord: Accord, documents: Sequence[tuple[str, Any]]) -> None:
    seen: set[str] = set()
    for kind, checked in documents:
        if checked.sha256 in seen:  # the same file chosen twice is kept once
            continue
        seen.add(checked.sha256)
        row = AccordDocument(accord=accord, kind=kind, original_name=checked.name, content_type=checked.content_type,
                             extension=checked.extension, size=checked.size, sha256=checked.sha256)
        row.file.save(f"{checked.sha256}.{checked.extension}", checked.as_file(), save=False)
        row.full_clean()
        row.save()


@transaction.atomic(durable=True)
def ask_for_documents(*, accord: Accord, by, reason: str) -> Accord:
    if not reason.strip():
        raise DomainError(_("Dites quelles pièces manquent."))
    studied = transition_accord(accord_id=accord.pk, to=AccordStatus.UNDER_STUDY, by=by, reason=reason)
    notify_on_commit(studied, Event.DOCUMENTS)
    return studied


@transaction.atomic(durable=True)
def grant_accord(*, accord: Accord, by, number: str, valid_from: date, valid_until: date | None = None,
                 lifetime: bool = False, quantity: int | None = None, reason: str = "") -> Accord:
    """Grant the request; without an end date, the declination's default period applies."""
    if not number.strip():
        raise DomainError(_("Le numéro de l'accord est obligatoire."))
    if valid_until is None and not lifetime:
        valid_until = default_valid_until(accord.declination, valid_from)
    changes = {"accord_number": number.strip(), "valid_from": valid_from, "valid_until": valid_until,
               "decided_on": timezone.localdate()}
    if quantity is not None:
        changes["quantity_granted"] = quantity
    granted = transition_accord(accord_id=accord.pk, to=AccordStatus.GRANTED, by=by,
                                reason=reason or _("Accord donné."), changes=changes)
    if granted.renews_id is not None:
        previous = Accord.objects.get(pk=granted.renews_id)
        if previous.status in (AccordStatus.GRANTED, AccordStatus.EXPIRED):
            transition_accord(accord_id=previous.pk, to=AccordStatus.RENEWED, by=by,
                              reason=_("Renouvelé par l'accord n°%(number)s.") % {"number": granted.accord_number})
    notify_on_commit(granted, Event.GRANTED)
    return granted


@transaction.atomic(durable=True)
def refuse_accord(*, accord: Accord, by, code: str, comment: str = "") -> Accord:
    if code not in REFUSAL_REASONS:
        raise DomainError(_("Motif de refus inconnu : « %(code)s ».") % {"code": code})
    reason = f"{code} – {REFUSAL_REASONS[code]}" + (f" : {comment.strip()}" if comment.strip() else "")
    refused = transition_accord(accord_id=accord.pk, to=AccordStatus.REFUSED, by=by, reason=reason,
                                changes={"refusal_code": code, "decided_on": timezone.localdate()})
    notify_on_commit(refused, Event.REFUSED)
    return refused


def expire_accords(*, on: date, by=None) -> int:
    """Granted accords whose last day is before `on` become expired (lifetime ones never do)."""
    ids = list(Accord.objects.filter(status=AccordStatus.GRANTED, valid_until__lt=on).values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            transition_accord(accord_id=pk, to=AccordStatus.EXPIRED, by=by, reason=_("Fin de validité."))
    return len(ids)
