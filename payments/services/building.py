"""Constitution of bordereaux: the liquidated claims of one mutuelle for one organisme go into one
payment batch, chunk by chunk, each claim into at most one open bordereau (what a chunk does:
services.bordereau_lines).

Several workers can fill one bordereau side by side: each chunk locks its own claims (skipping
those another chunk holds) and shares the bordereau row with the other chunks; the bordereau is
closed, with its control totals, once every chunk in flight has committed.
"""
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Min, Sum
from django.db.models.functions import Greatest
from django.utils import timezone

from claims.models import Claim
from claims.payable import PAYABLE_STATUSES
from mutuelles.models import AMOFund, Mutuelle
from payments.events import Event, Happened, announce
from payments.exceptions import NothingToPay
from payments.lock_objects import close_bordereau_for_building, share_bordereau_for_building
from payments.models import Bordereau, BordereauStatus, LineState
from payments.services.bordereau_lines import take_chunk
from payments.services.payers import move_to_current_payers
from payments.workflow import record_creation, transition_bordereau

#: Claims locked and written per transaction: the fixed costs of a chunk (statements, commit)
#: spread over many claims; a 20,000-claim chunk commits in about a second.
CHUNK = 20000
#: Constitution tasks queued per bordereau: the two processes of a worker fill it side by side
#: (most of a chunk's time is PostgreSQL's, which then works on both cores).
BUILDERS = 2
STEP_BUILDING = "constitution du bordereau"
MSG_NOTHING_TO_PAY = "Aucun dossier liquidé n'attend de paiement pour la mutuelle {mutuelle} et l'organisme {fund}."


def bordereau_number(bordereau: Bordereau) -> str:
    """BRD-<organisme>-<mutuelle>-<date>-<id>: readable, and unique because of the id."""
    day = timezone.localdate(bordereau.created_at)
    return f"BRD-{bordereau.fund.code}-{bordereau.mutuelle.code}-{day:%Y%m%d}-{bordereau.pk:06d}"


def start_bordereau(*, mutuelle: Mutuelle, fund: AMOFund, by) -> Bordereau:
    """Open a bordereau for the payer pair, or return the one being built (one builder per pair,
    so the nightly run and an officer's request never make two bordereaux of the same claims)."""
    building = Bordereau.objects.filter(mutuelle=mutuelle, fund=fund, status=BordereauStatus.BUILDING).first()
    if building is not None:
        return building
    try:
        with transaction.atomic():
            bordereau = Bordereau.objects.create(mutuelle=mutuelle, fund=fund, built_by=by)
            bordereau.number = bordereau_number(bordereau)
            bordereau.progress_step = STEP_BUILDING
            bordereau.progress_total = Claim.objects.filter(
                mutuelle=mutuelle, fund=fund, status__in=PAYABLE_STATUSES,
            ).count()
            bordereau.progress_at = timezone.now()
            bordereau.save(update_fields=["number", "progress_step", "progress_total", "progress_at"])
            record_creation(bordereau=bordereau, by=by)
    except IntegrityError:  # another request opened it between our read and our insert
        return Bordereau.objects.get(mutuelle=mutuelle, fund=fund, status=BordereauStatus.BUILDING)
    return bordereau


def fill_bordereau(*, bordereau_id: int, limit: int = CHUNK) -> tuple[int, bool]:
    """Add the next chunk of payable claims to a bordereau being built; returns (examined, maybe_more).

    Claims another worker holds are skipped: another chunk of this bordereau puts them in, or,
    held by someone else, they join the next bordereau. The chunk that finds the claims run out
    closes the bordereau.
    """
    with transaction.atomic(durable=True):
        bordereau = share_bordereau_for_building(bordereau_id)
        if bordereau is None or bordereau.status != BordereauStatus.BUILDING:
            return 0, False  # replay of a finished build
        examined, last_id, held = take_chunk(bordereau, limit)
        count_chunk(bordereau_id, examined=examined, last_id=last_id, held=held)
    more = examined == limit
    if not more:
        close_bordereau(bordereau_id=bordereau_id, limit=limit)
    return examined, more


def count_chunk(bordereau_id: int, *, examined: int, last_id: int, held: int) -> None:
    """Progress of the constitution, added up by F() (chunks of several workers commit in any order)."""
    if examined:
        now = timezone.now()
        Bordereau.objects.filter(pk=bordereau_id).update(
            build_cursor=Greatest(F("build_cursor"), last_id), progress_done=F("progress_done") + examined,
            held_count=F("held_count") + held, progress_at=now, updated_at=now)


def close_bordereau(*, bordereau_id: int, limit: int = CHUNK) -> None:
    """Once the chunks in flight have committed: put in what they left (the claims of a chunk
    that failed after the others went past them), then compute the control totals and the
    period. A bordereau that received nothing is dropped."""
    with transaction.atomic(durable=True):
        bordereau = close_bordereau_for_building(bordereau_id)
        if bordereau is None or bordereau.status != BordereauStatus.BUILDING:
            return
        while True:
            examined, last_id, held = take_chunk(bordereau, limit)
            count_chunk(bordereau_id, examined=examined, last_id=last_id, held=held)
            if examined < limit:
                break
        bordereau.refresh_from_db()
        totals = bordereau.lines.filter(state=LineState.PENDING).aggregate(
            count=Count("id"), amo=Sum("amo"), complementary=Sum("complementary"))
        if not totals["count"]:
            bordereau.delete()
            return
        period = Claim.objects.filter(payment_lines__bordereau=bordereau).aggregate(
            start=Min("liquidated_at"), end=Max("liquidated_at"))
        bordereau.line_count = totals["count"]
        bordereau.total_amo = totals["amo"]
        bordereau.total_complementary = totals["complementary"]
        bordereau.period_start = timezone.localdate(period["start"]) if period["start"] else None
        bordereau.period_end = timezone.localdate(period["end"]) if period["end"] else None
        bordereau.built_at = timezone.now()
        bordereau.progress_step = ""
        transition_bordereau(bordereau=bordereau, to=BordereauStatus.BUILT, by=bordereau.built_by_id,
                             extra_fields=["line_count", "total_amo", "total_complementary", "period_start",
                                           "period_end", "built_at", "progress_step"])


def payer_pairs_with_payable_claims(*, by=None) -> list[tuple[int, int]]:
    """(mutuelle id, organisme id) of every pair that has liquidated or transfer-rejected claims, once
    those claims went to their régime's payer of today (payments.services.payers)."""
    move_to_current_payers(on=timezone.localdate(), by=by)
    return sorted(set(
        Claim.objects.filter(status__in=PAYABLE_STATUSES)
        .values_list("mutuelle_id", "fund_id").distinct()
    ))


def request_bordereau(*, mutuelle: Mutuelle, fund: AMOFund, by) -> Bordereau:
    """Constitution on demand (an officer's or a superviseur's request): open or join, then build in a worker."""
    move_to_current_payers(on=timezone.localdate(), by=by)
    payable = Claim.objects.filter(mutuelle=mutuelle, fund=fund,
                                   status__in=PAYABLE_STATUSES)
    if not payable.exists():
        raise NothingToPay(MSG_NOTHING_TO_PAY.format(mutuelle=mutuelle, fund=fund))
    bordereau = start_bordereau(mutuelle=mutuelle, fund=fund, by=by)
    announce(Event(Happened.BUILD_REQUESTED, bordereau.pk))
    return bordereau
