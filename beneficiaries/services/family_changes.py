"""Family changes declared online: the insured person files a request with its documents (portal page
or API, the same rules), an agent of their mutuelle accepts it (the registry changes from that day, in
the same transaction as the history row) or refuses it with a reason shown to the person; the person
may withdraw a request still pending. Each step is one transaction and leaves a FamilyChangeEvent row;
the person is e-mailed each decision (beneficiaries.services.family_notices).

Rules: domain.md §3.2 (who is a dependant; a child under one insured person only:
beneficiaries.services.duplicates), the checks of beneficiaries.services.family_checks, and the
registry's changes of beneficiaries.services.family_registry.
"""
from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from amo_portal.documents import CheckedDocument
from amo_portal.exceptions import ConflictError, DomainError
from beneficiaries.family_documents import attach_documents, check_documents_given
from beneficiaries.models import Insured
from beneficiaries.models_family import FamilyChangeEvent, FamilyChangeRequest, FamilyChangeStatus
from beneficiaries.selectors_family import family_requests_visible_to
from beneficiaries.services.duplicates import ChildAlreadyDeclared, check_child_not_declared, lock_child
from beneficiaries.services.family_checks import CheckedDeclaration, FamilyChangeInput, check_declaration
from beneficiaries.services.family_notices import notify_decision_on_commit
from beneficiaries.services.family_registry import apply_accepted_change

DECIDE_PERMISSION = "beneficiaries.decide_familychangerequest"
S = FamilyChangeStatus
ALLOWED_TRANSITIONS: Mapping[str, frozenset[str]] = {S.PENDING: frozenset({S.ACCEPTED, S.REFUSED, S.WITHDRAWN})}

MSG_ALREADY_PENDING = gettext_noop("Une déclaration de même nature pour la même personne est déjà en attente "
                                   "(n° %(number)s) : attendez la décision de votre mutuelle, ou retirez-la pour "
                                   "en déposer une autre.")
MSG_NOT_FOUND = gettext_noop("Déclaration introuvable.")
MSG_NOT_WITHDRAWABLE = gettext_noop("Cette déclaration a déjà fait l'objet d'une décision : elle ne peut plus être "
                                    "retirée.")
MSG_NOT_ALLOWED = "Votre rôle ne permet pas de décider des déclarations familiales."
MSG_ALREADY_DECIDED = "La déclaration {number} est déjà {status} : elle ne peut plus changer."
MSG_REASON_REQUIRED = "Motif du refus : il est obligatoire (en français, il est montré tel quel à l'assuré)."
MSG_CANNOT_ACCEPT = "La déclaration ne peut pas être acceptée en l'état : {detail}"


class FamilyChangeConflict(ConflictError):
    code = "declaration_deja_decidee"


def _record(request: FamilyChangeRequest, *, to: str, by, detail: str = "", **changes) -> FamilyChangeRequest:
    """Move the request (locked by the caller) to `to` with `changes`, and write the history row."""
    if to not in ALLOWED_TRANSITIONS.get(request.status, frozenset()):
        raise FamilyChangeConflict(MSG_ALREADY_DECIDED.format(number=request.number,
                                                              status=request.get_status_display()))
    FamilyChangeEvent.objects.create(request=request, from_status=request.status, to_status=to, changed_by=by,
                                     detail=detail)
    for name, value in changes.items():
        setattr(request, name, value)
    request.status = to
    request.full_clean()
    request.save()
    return request


def _pending_twin(insured: Insured, checked: CheckedDeclaration) -> FamilyChangeRequest | None:
    return FamilyChangeRequest.objects.filter(insured=insured, kind=checked.data.kind, status=S.PENDING,
                                              subject_key=checked.subject_key).first()


def _checked_with_documents(insured: Insured, data: FamilyChangeInput,
                            documents: Sequence[tuple[str, CheckedDocument]], on) -> CheckedDeclaration:
    """The declaration and its documents checked together: every wrong field is named at once."""
    errors: dict[str, list[str]] = {}
    checked = None
    try:
        checked = check_declaration(insured=insured, data=data, on=on)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        check_documents_given(data.kind, documents)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors or checked is None:
        raise ValidationError(errors)
    return checked


@transaction.atomic(durable=True)
def file_family_change(*, insured: Insured, data: FamilyChangeInput,
                       documents: Sequence[tuple[str, CheckedDocument]], by) -> FamilyChangeRequest:
    """Record the insured person's request, pending the decision of their mutuelle. Nothing is written
    when a field is wrong (ValidationError naming it), a document is missing, the same request is
    already pending (ConflictError) or the child is already declared (ChildAlreadyDeclared)."""
    today = timezone.localdate()
    checked = _checked_with_documents(insured, data, documents, today)
    twin = _pending_twin(insured, checked)
    if twin is not None:
        raise ConflictError(_(MSG_ALREADY_PENDING) % {"number": twin.number}, code="declaration_deja_en_attente")
    if checked.child is not None:
        check_child_not_declared(checked.child, insured=insured, on=today)
    typed = checked.data
    request = FamilyChangeRequest(
        kind=typed.kind, status=S.PENDING, insured=insured, dependent=checked.dependent, event_date=typed.event_date,
        first_name=typed.first_name, last_name=typed.last_name, first_name_ar=typed.first_name_ar,
        last_name_ar=typed.last_name_ar, birth_date=typed.birth_date, sex=typed.sex, cnie=typed.cnie,
        covered_elsewhere=typed.covered_elsewhere, custody_direction=typed.custody_direction,
        academic_year=typed.academic_year, note=typed.note, subject_key=checked.subject_key, filed_on=today,
        filed_by=by)
    request.full_clean(exclude=["number", "subject_key"])  # the pending twin: the constraint, below
    try:
        with transaction.atomic():  # the same request filed twice at once: the constraint keeps one
            request.save()
    except IntegrityError as error:
        twin = _pending_twin(insured, checked)
        raise ConflictError(_(MSG_ALREADY_PENDING) % {"number": twin.number if twin else "—"},
                            code="declaration_deja_en_attente") from error
    request.number = f"DF-{today.year}-{request.pk:07d}"
    request.save(update_fields=["number"])
    attach_documents(request, documents)
    FamilyChangeEvent.objects.create(request=request, from_status="", to_status=S.PENDING, changed_by=by,
                                     detail="Déclaration déposée en ligne.")
    return request


def _locked_for_decision(*, request_id: int, by) -> FamilyChangeRequest:
    if not by.has_perm(DECIDE_PERMISSION):
        raise DomainError(MSG_NOT_ALLOWED, code="decision_non_autorisee")
    request = (family_requests_visible_to(user=by).select_for_update(no_key=True, of=("self",))
               .select_related("insured", "insured__mutuelle", "dependent").filter(pk=request_id).first())
    if request is None:  # another mutuelle's request is, to this agent, one that does not exist
        raise DomainError(_(MSG_NOT_FOUND), code="introuvable")
    return request


def _recheck(request: FamilyChangeRequest, on, *, lock: bool) -> None:
    """The request checked again against the family as it is now, with the staff's wording; `lock`
    (the acceptance) holds the child's identity until the transaction ends (duplicates.lock_child)."""
    data = FamilyChangeInput(
        kind=request.kind, dependent_id=request.dependent_id, event_date=request.event_date,
        first_name=request.first_name, last_name=request.last_name, first_name_ar=request.first_name_ar,
        last_name_ar=request.last_name_ar, birth_date=request.birth_date, sex=request.sex, cnie=request.cnie,
        covered_elsewhere=request.covered_elsewhere, custody_direction=request.custody_direction,
        academic_year=request.academic_year, note=request.note)
    try:
        checked = check_declaration(insured=request.insured, data=data, on=on)
    except ValidationError as error:
        detail = " ; ".join(error.messages)
        raise DomainError(MSG_CANNOT_ACCEPT.format(detail=detail), extra={"pour_assure": detail},
                          code="declaration_invalide") from error
    if checked.child is not None:
        if lock:
            lock_child(checked.child.birth_date)
        check_child_not_declared(checked.child, insured=request.insured, on=on)


def acceptance_problem(request: FamilyChangeRequest) -> tuple[str, str]:
    """Why the request cannot be accepted today, in the agent's words, and a reason of refusal fit for
    the insured person's eyes (no other family named); ("", "") when it can. Read-only: the decision
    page shows it before the agent decides."""
    try:
        _recheck(request, timezone.localdate(), lock=False)
    except ChildAlreadyDeclared as error:
        return error.staff_message, error.message
    except DomainError as error:
        return error.message, error.extra.get("pour_assure", "")
    return "", ""


@transaction.atomic(durable=True)
def accept_family_change(*, request_id: int, by) -> FamilyChangeRequest:
    """Accept the request: the registry changes from today, in this transaction, with the history row
    naming what changed. Refused (DomainError, nothing written) when the request is not the agent's
    mutuelle's, is decided already, or no longer holds (ChildAlreadyDeclared names the other family)."""
    request = _locked_for_decision(request_id=request_id, by=by)
    if request.status != S.PENDING:
        raise FamilyChangeConflict(MSG_ALREADY_DECIDED.format(number=request.number,
                                                              status=request.get_status_display()))
    # DOMAIN-UNCERTAIN: domain.md §3.2; the change takes effect on the day of acceptance: no public source
    # was found for a retroactive effect to the event's date (beneficiaries.services.family_registry)
    today = timezone.localdate()
    _recheck(request, today, lock=True)
    detail, registered = apply_accepted_change(request, on=today)
    accepted = _record(request, to=S.ACCEPTED, by=by, detail=detail, decided_on=today, decided_by=by,
                       new_dependent=registered)
    notify_decision_on_commit(accepted)
    return accepted


@transaction.atomic(durable=True)
def refuse_family_change(*, request_id: int, by, reason: str) -> FamilyChangeRequest:
    """Refuse the request with a reason the person reads as written; the registry does not change."""
    reason = reason.strip()
    if not reason:
        raise DomainError(MSG_REASON_REQUIRED, code="motif_requis", extra={"champs": {"reason": [MSG_REASON_REQUIRED]}})
    request = _locked_for_decision(request_id=request_id, by=by)
    refused = _record(request, to=S.REFUSED, by=by, detail=reason, decided_on=timezone.localdate(), decided_by=by,
                      refusal_reason=reason)
    notify_decision_on_commit(refused)
    return refused


@transaction.atomic(durable=True)
def withdraw_family_change(*, request_id: int, insured: Insured, by) -> FamilyChangeRequest:
    """The insured person withdraws their own pending request (declared by mistake, or to file it again)."""
    request = (family_requests_visible_to(user=by).select_for_update(no_key=True, of=("self",))
               .filter(pk=request_id, insured=insured).first())
    if request is None:
        raise DomainError(_(MSG_NOT_FOUND), code="introuvable")
    if request.status != S.PENDING:
        raise FamilyChangeConflict(_(MSG_NOT_WITHDRAWABLE))
    return _record(request, to=S.WITHDRAWN, by=by, detail="Retirée en ligne par l'assuré.")
