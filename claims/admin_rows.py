"""What the agents' queue and desk show of a claim, as plain data: each value is computed once
per claim, here; the HTML, with every value escaped, is the templates' (admin/claims/claim/).

The queue renders up to 100 rows per page from already loaded claims (list_select_related:
insured and dependent), so nothing here queries the database.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from django.urls import reverse

from amo_portal.money import format_dh
from claims.admin_filters import REVIEW_REASON_LABELS, REVIEW_REASONS
from claims.models import Claim, ClaimDocument, ClaimStatus

#: Claims are to be paid within 60 days of filing (domain.md §7: the legal 60 days, met for 76 %
#: of the CNOPS files in 2023); the queue and the desk count the days left before that mark.
PROCESSING_TARGET_DAYS = 60
#: At or under this many days left, the countdown is shown in red.
URGENT_DAYS = 7
WAITING = (ClaimStatus.SUBMITTED, ClaimStatus.IN_CONTROL, ClaimStatus.DOCUMENTS_REQUESTED)

#: The queue's columns after the claim number, in the order admin/claims/claim/queue_rows.html shows them.
QUEUE_COLUMNS = ("beneficiary", "registration", "care", "filed", "countdown", "paid", "reimbursement", "state",
                 "reasons")

_REASON_SHORT = {text: REVIEW_REASON_LABELS[key] for key, text in REVIEW_REASONS.items()}
#: Plain lookups: Django's get_FOO_display and strftime were half of the time spent on each row.
_STATUS_LABELS = dict(ClaimStatus.choices)


def days_left(claim: Claim, today: date) -> int | None:
    if claim.filed_on is None:
        return None
    return (claim.filed_on + timedelta(days=PROCESSING_TARGET_DAYS) - today).days


@dataclass(frozen=True, slots=True)
class Countdown:
    """"12 j" before the 60-day mark, red from 7 days, "dépassé de 3 j" once passed; no badge
    (None) for a claim that no longer waits (admin/claims/claim/countdown.html)."""

    days: int
    css: str

    @property
    def late(self) -> bool:
        return self.days < 0

    @property
    def overdue(self) -> int:
        return -self.days


def countdown_of(claim: Claim, today: date) -> Countdown | None:
    left = days_left(claim, today)
    if left is None or claim.status not in WAITING:
        return None
    if left < 0:
        return Countdown(left, "amo-late")
    css = "amo-urgent" if left <= URGENT_DAYS else ("amo-soon" if left <= 2 * URGENT_DAYS else "amo-ok")
    return Countdown(left, css)


def day(value: date | None) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year}" if value else "—"


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One line of the queue (admin/claims/claim/queue_row.html)."""

    pk: int
    url: str  # the claim's desk
    number: str
    version: int
    person: str
    holder: str  # the insured person, when the beneficiary is a dependant; else ""
    registration: str
    care: str
    filed: str
    countdown: Countdown | None
    paid: str
    reimbursement: str
    status: str
    status_label: str
    second_approval: bool
    ald: bool
    rejected: bool
    rejection: str  # why a rejected claim was rejected
    reasons: tuple[str, ...]  # short labels of what the automatic controls flagged


def queue_row(claim: Claim, today: date, url: str) -> QueueRow:
    insured = claim.insured
    insured_name = f"{insured.first_name} {insured.last_name}"
    if claim.dependent_id:
        dependent = claim.dependent
        person, holder = f"{dependent.first_name} {dependent.last_name}", insured_name
    else:
        person, holder = insured_name, ""
    status = claim.status
    rejected = status == ClaimStatus.REJECTED
    return QueueRow(
        pk=claim.pk, url=url, number=claim.number or "", version=claim.version, person=person, holder=holder,
        registration=insured.registration_number, care=day(claim.care_date), filed=day(claim.filed_on),
        countdown=countdown_of(claim, today), paid=format_dh(claim.total_paid),
        reimbursement=format_dh(claim.reimbursed), status=status, status_label=_STATUS_LABELS.get(status, status),
        second_approval=claim.needs_second_approval, ald=claim.is_ald, rejected=rejected,
        rejection=(claim.rejection_message or "") if rejected else "",
        reasons=() if rejected else tuple(_REASON_SHORT.get(text, text) for text in claim.review_reasons or []),
    )


def queue_rows(claims, today: date) -> list[QueueRow]:
    """The rows of a page of the queue; the desk's URL is reversed once for the page."""
    link = reverse("admin:claims_claim_change", args=["__pk__"])
    return [queue_row(claim, today, link.replace("__pk__", str(claim.pk))) for claim in claims]


@dataclass(frozen=True, slots=True)
class DocumentPreview:
    """A supporting document on the desk (admin/claims/claim/document_preview.html): an image is
    shown, a PDF is a link that downloads it (claims.views.document_download never serves a PDF
    inline: it may carry scripts), both served by the scoped download view."""

    url: str
    name: str
    is_image: bool
    size: int


def document_preview(document: ClaimDocument) -> DocumentPreview:
    return DocumentPreview(url=reverse("claims:document", args=[document.pk]), name=document.original_name,
                           is_image=document.content_type.startswith("image/"), size=document.size)
