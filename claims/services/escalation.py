"""Claims that risk passing 60 days from filing unpaid: the mutuelle's supervisors are alerted, one
digest per mutuelle, and each insured person is told once (claims.tasks, daily).

A claim is at risk when its expected payment date (claims.services.expected_payment) is beyond
filing + 60 days, or when it is already WARN_AFTER_DAYS old. The claims of a mutuelle are locked,
the e-mails sent and `delay_escalated_at` set in one transaction: a claim escalates once, and an
SMTP failure rolls the mutuelle's batch back to the next run.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from claims.models import Claim
from claims.services.expected_payment import IN_PROGRESS, expected_payment_date, is_at_risk, load_calendar

logger = logging.getLogger(__name__)

WARN_AFTER_DAYS = 50
#: Claims listed in a digest; the others are counted.
DIGEST_LINES = 200
SUPERVISOR_ROLE = "superviseur"


@dataclass(frozen=True)
class EscalationResult:
    digests: int
    notices: int
    claims: int


def claims_at_risk(*, today: date) -> dict[int, list[int]]:
    """Ids of the claims at risk not yet escalated, by mutuelle."""
    found: dict[int, list[int]] = defaultdict(list)
    calendars: dict = {}
    rows = (Claim.objects.filter(status__in=IN_PROGRESS, delay_escalated_at__isnull=True, filed_on__isnull=False)
            .values_list("pk", "mutuelle_id", "status", "filed_on", "liquidated_at").order_by("pk"))
    for pk, mutuelle_id, status, filed_on, liquidated_at in rows.iterator(chunk_size=2000):
        if filed_on is None:  # excluded by the query; narrows the type
            continue
        if mutuelle_id not in calendars:
            calendars[mutuelle_id] = load_calendar(mutuelle_id=mutuelle_id, today=today)
        expected = expected_payment_date(
            status=status, filed_on=filed_on, today=today, calendar=calendars[mutuelle_id],
            liquidated_on=timezone.localdate(liquidated_at) if liquidated_at else None)
        if is_at_risk(filed_on=filed_on, expected=expected, today=today, warn_after_days=WARN_AFTER_DAYS):
            found[mutuelle_id].append(pk)
    return found


def escalate_late_claims(*, today: date) -> EscalationResult:
    """Alert the supervisors of every mutuelle with claims at risk, and tell their insured persons."""
    digests = notices = escalated = 0
    for mutuelle_id, claim_ids in claims_at_risk(today=today).items():
        sent_digest, sent_notices, count = _escalate_mutuelle(mutuelle_id=mutuelle_id, claim_ids=claim_ids,
                                                              today=today)
        digests += sent_digest
        notices += sent_notices
        escalated += count
    return EscalationResult(digests=digests, notices=notices, claims=escalated)


@transaction.atomic
def _escalate_mutuelle(*, mutuelle_id: int, claim_ids: list[int], today: date) -> tuple[int, int, int]:
    claims = list(Claim.objects.filter(pk__in=claim_ids, delay_escalated_at__isnull=True)
                  .select_for_update(of=("self",), skip_locked=True)
                  .select_related("insured", "mutuelle").order_by("filed_on", "pk"))
    if not claims:
        return 0, 0, 0
    supervisors = list(get_user_model().objects.filter(
        role=SUPERVISOR_ROLE, mutuelle_id=mutuelle_id, is_active=True, is_staff=True)
        .exclude(email="").values_list("email", flat=True))
    with override(settings.LANGUAGE_CODE):
        messages = [_notice(claim) for claim in claims if claim.insured.email]
        if supervisors:
            messages.append(_digest(claims, supervisors, today))
        else:
            logger.warning("Aucun superviseur avec une adresse pour la mutuelle %s : %d dossiers en retard "
                           "non signalés", claims[0].mutuelle, len(claims))
    if messages:
        send_mass_mail(messages, fail_silently=False)
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(delay_escalated_at=timezone.now())
    return int(bool(supervisors)), len(messages) - int(bool(supervisors)), len(claims)


def _base_url() -> str:
    return getattr(settings, "PORTAL_BASE_URL", "http://127.0.0.1:8000")


def _notice(claim: Claim) -> tuple[str, str, str, list[str]]:
    subject = _("Votre dossier %(number)s prend du retard") % {"number": claim.number}
    body = _("Bonjour %(name)s,\n\nVotre dossier %(number)s prend du retard ; votre mutuelle a été alertée.\n\n"
             "Suivez-le dans votre espace : %(url)s\n\nVotre mutuelle") % {
        "name": claim.insured.full_name, "number": claim.number,
        "url": f"{_base_url()}/espace/dossiers/{claim.pk}/"}
    return subject, body, settings.DEFAULT_FROM_EMAIL, [claim.insured.email]


def _digest(claims: list[Claim], supervisors: list[str], today: date) -> tuple[str, str, str, list[str]]:
    subject = _("%(count)d dossiers risquent de dépasser 60 jours sans paiement (%(mutuelle)s)") % {
        "count": len(claims), "mutuelle": claims[0].mutuelle.code}
    lines = [_("%(number)s — déposé le %(filed)s (%(days)d jours), %(status)s : %(url)s") % {
        "number": claim.number, "filed": claim.filed_on.strftime("%d/%m/%Y") if claim.filed_on else "—",
        "days": (today - claim.filed_on).days if claim.filed_on else 0, "status": claim.get_status_display(),
        "url": _base_url() + reverse("admin:claims_claim_change", args=[claim.pk])}
        for claim in claims[:DIGEST_LINES]]
    if len(claims) > DIGEST_LINES:
        lines.append(_("… et %(count)d autres dossiers.") % {"count": len(claims) - DIGEST_LINES})
    body = _("Ces dossiers risquent de dépasser le délai de 60 jours entre le dépôt et le paiement ; les assurés "
             "ont été informés que leur mutuelle est alertée.") + "\n\n" + "\n".join(lines)
    return subject, body, settings.DEFAULT_FROM_EMAIL, supervisors
