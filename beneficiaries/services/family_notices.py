"""What the insured person reads about their family-change requests: the request in words, its status,
and the e-mail sent once the mutuelle decides, in the person's language (Insured.language).

Sent after the decision commits, one plain e-mail to one address, as the portal's account notices are
(portal.services.accounts.mail); the greeting and the signature are the claims' status e-mails' own words.
"""
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries.models_family import CustodyDirection, FamilyChangeKind, FamilyChangeRequest, FamilyChangeStatus

K = FamilyChangeKind
STATUS_LABELS: dict[str, Promise] = {
    FamilyChangeStatus.PENDING: gettext_lazy("en attente"),
    FamilyChangeStatus.ACCEPTED: gettext_lazy("acceptée"),
    FamilyChangeStatus.REFUSED: gettext_lazy("refusée"),
    FamilyChangeStatus.WITHDRAWN: gettext_lazy("retirée"),
}
STATUS_TONES: dict[str, str] = {FamilyChangeStatus.PENDING: "info", FamilyChangeStatus.ACCEPTED: "ok",
                FamilyChangeStatus.REFUSED: "bad", FamilyChangeStatus.WITHDRAWN: "warn"}
KIND_LABELS: dict[str, Promise] = {
    K.BIRTH: gettext_lazy("Naissance"), K.MARRIAGE: gettext_lazy("Mariage"), K.DIVORCE: gettext_lazy("Divorce"),
    K.CUSTODY: gettext_lazy("Changement de garde"), K.STUDIES: gettext_lazy("Certificat d'études supérieures"),
    K.DISABILITY: gettext_lazy("Maintien des droits d'un enfant handicapé"),
}
GREETING = gettext_lazy("Bonjour %(name)s,")
SIGNATURE = gettext_lazy("Votre mutuelle")


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def subject_name(request: FamilyChangeRequest) -> str:
    """The person the request is about: the declared one, or the dependant named."""
    for dependent in (request.new_dependent, request.dependent):
        if dependent is not None:
            return dependent.full_name
    return request.declared_name


def _leaves(request: FamilyChangeRequest) -> bool:
    return request.kind == K.CUSTODY and request.custody_direction == CustodyDirection.LEAVES


def describe(request: FamilyChangeRequest) -> str:
    """The request in words, in the active language: "naissance de Yasmine Alaoui"."""
    values = {"name": subject_name(request), "year": request.academic_year}
    if request.kind == K.BIRTH:
        return _("naissance de %(name)s") % values
    if request.kind == K.MARRIAGE:
        return _("mariage avec %(name)s") % values
    if request.kind == K.DIVORCE:
        return _("divorce d'avec %(name)s") % values
    if _leaves(request):
        return _("départ de %(name)s de votre foyer (garde)") % values
    if request.kind == K.CUSTODY:
        return _("arrivée de %(name)s dans votre foyer (garde)") % values
    if request.kind == K.STUDIES:
        return _("certificat d'études supérieures %(year)s de %(name)s") % values
    return _("maintien des droits de %(name)s (handicap)") % values


def effect(request: FamilyChangeRequest) -> str:
    """What an accepted request changed, in the active language."""
    day = request.decided_on.strftime("%d/%m/%Y") if request.decided_on else ""
    values = {"name": subject_name(request), "date": day, "year": request.academic_year, "number": request.number}
    if request.kind == K.STUDIES:
        return _("Le certificat de l'année %(year)s est enregistré : les droits de %(name)s sont prolongés pour "
                 "cette année universitaire.") % values
    if request.kind == K.DISABILITY:
        return _("Les droits de %(name)s sont maintenus à compter du %(date)s (décision n° %(number)s).") % values
    if request.kind == K.DIVORCE or _leaves(request):
        return _("%(name)s n'est plus votre ayant droit à compter du %(date)s.") % values
    return _("%(name)s est votre ayant droit à compter du %(date)s : vous pouvez déposer ses dossiers de soins "
             "depuis votre espace.") % values


def notify_decision_on_commit(request: FamilyChangeRequest) -> None:
    """Queue the decision's e-mail for when the transaction commits (nothing if it rolls back)."""
    transaction.on_commit(partial(send_decision_email, request_id=request.pk))


def send_decision_email(*, request_id: int) -> bool:
    """E-mail the insured person the decision on their request; False when they have no address."""
    request = (FamilyChangeRequest.objects.select_related("insured", "dependent", "new_dependent")
               .get(pk=request_id))
    insured = request.insured
    if not insured.email or request.status not in (FamilyChangeStatus.ACCEPTED, FamilyChangeStatus.REFUSED):
        return False
    with translation.override(insured.language or settings.LANGUAGE_CODE):
        subject, body = decision_message(request)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [insured.email], fail_silently=True)
    return True


def decision_message(request: FamilyChangeRequest) -> tuple[str, str]:
    """The subject and body of the decision's e-mail, in the active language."""
    values = {"number": request.number, "what": describe(request), "reason": request.refusal_reason,
              "url": f"{settings.PORTAL_BASE_URL}/espace/famille/declarations/{request.pk}/"}
    if request.status == FamilyChangeStatus.ACCEPTED:
        subject = _("Votre déclaration %(number)s est acceptée") % values
        text = (_("Votre mutuelle a accepté votre déclaration %(number)s (%(what)s).") % values + "\n\n"
                + effect(request))
    else:
        subject = _("Votre déclaration %(number)s est refusée") % values
        text = (_("Votre mutuelle a refusé votre déclaration %(number)s (%(what)s).") % values + "\n\n"
                + _("Motif du refus :") + "\n" + request.refusal_reason + "\n\n"
                + _("Vous pouvez déposer une nouvelle déclaration, avec les pièces demandées, depuis votre espace."))
    text += "\n\n" + _("Suivez vos déclarations dans votre espace assuré : %(url)s") % values
    body = "\n\n".join([str(GREETING) % {"name": request.insured.full_name}, text, str(SIGNATURE)])
    return subject, body
