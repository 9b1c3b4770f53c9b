"""E-mails to the insured person about their accords: each decision on a request, an automatic
renewal, and the reminders before an accord ends. Sent after commit, in the language the person
used when asking (no preference is stored on the account), else the site's language."""
from enum import StrEnum
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from approvals.models import Accord


class Event(StrEnum):
    DOCUMENTS = "pieces"
    GRANTED = "accorde"
    REFUSED = "refuse"
    RENEWED = "renouvele"
    REMINDER = "rappel"


def notify_on_commit(accord: Accord, event: Event, days_left: int | None = None) -> None:
    """Queue the e-mail about `accord` for when the transaction commits (nothing if it rolls back)."""
    transaction.on_commit(partial(send_accord_email, accord_id=accord.pk, event=event, days_left=days_left))


def send_accord_email(*, accord_id: int, event: Event, days_left: int | None = None) -> bool:
    """Send one e-mail about the accord as it is now; False when the person has no address."""
    accord = Accord.objects.select_related("insured", "dependent", "declination", "ald").get(pk=accord_id)
    if not accord.insured.email:
        return False
    with translation.override(accord.language or settings.LANGUAGE_CODE):
        subject, body = _message(accord, event, days_left)
        url = f"{settings.PORTAL_BASE_URL}/espace/accords/{accord.pk}/"
        body = f"{body}\n\n" + _("Suivez vos accords dans votre espace assuré : %(url)s") % {"url": url}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [accord.insured.email], fail_silently=True)
    return True


def _message(accord: Accord, event: Event, days_left: int | None) -> tuple[str, str]:
    from approvals.services.review import REFUSAL_REASONS

    values = {"what": describe(accord), "number": accord.accord_number,
              "start": accord.valid_from.strftime("%d/%m/%Y") if accord.valid_from else "",
              "end": accord.valid_until.strftime("%d/%m/%Y") if accord.valid_until else "",
              "days": days_left, "reason": str(REFUSAL_REASONS.get(accord.refusal_code, accord.refusal_code)),
              "missing": _last_reason(accord)}
    if event == Event.DOCUMENTS:
        return (_("Votre demande d'accord : des pièces sont à fournir") % values,
                _("Votre demande (%(what)s) est à l'étude. Le médecin de votre mutuelle demande :\n%(missing)s")
                % values)
    if event == Event.GRANTED:
        validity = (_("valable du %(start)s au %(end)s") if accord.valid_until else _("valable à vie depuis le "
                                                                                      "%(start)s")) % values
        return (_("Accord n°%(number)s donné") % values,
                _("Votre demande (%(what)s) est accordée : accord n°%(number)s, %(validity)s.")
                % {**values, "validity": validity})
    if event == Event.REFUSED:
        return (_("Votre demande d'accord est refusée") % values,
                _("Votre demande (%(what)s) est refusée.") % values + "\n" + _("Motif :") + " " + str(values["reason"]))
    if event == Event.RENEWED:
        return (_("Accord n°%(number)s renouvelé") % values,
                _("Votre accord (%(what)s) est renouvelé : accord n°%(number)s, valable du %(start)s au %(end)s.")
                % values)
    return (_("Votre accord n°%(number)s prend fin le %(end)s") % values,
            _("Votre accord (%(what)s) prend fin dans %(days)s jours, le %(end)s. Demandez son renouvellement "
              "depuis votre espace avec un rapport médical récent.") % values)


def describe(accord: Accord) -> str:
    """The accord in words, for the insured person: its kind, its ALD or acts, and who it is for."""
    if accord.kind == "etm":
        named = accord.declination if accord.declination is not None else accord.ald
        code, label = (named.code, named.label) if named is not None else ("", "")
        what = _("ETM pour l'ALD %(code)s (%(label)s)") % {"code": code, "label": label}
    else:
        what = _("entente préalable pour %(acts)s") % {"acts": ", ".join(accord.act_codes)}
    if accord.dependent is not None:
        what += _(", pour %(name)s") % {"name": accord.dependent.first_name}
    return what


def _last_reason(accord: Accord) -> str:
    change = accord.status_changes.order_by("-created_at", "-pk").first()
    return change.reason if change else ""
