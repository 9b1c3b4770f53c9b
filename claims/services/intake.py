"""Filing a claim: validate what the insured person typed, store it, queue its liquidation."""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from amo_portal.documents import CheckedDocument
from amo_portal.exceptions import ConflictError
from amo_portal.money import MAX_AMOUNT, is_amount
from beneficiaries.models import Dependent, Insured
from beneficiaries.validators import validate_inpe
from claims.exceptions import DocumentRejected
from claims.models import Claim, ClaimDocument, ClaimLine, ClaimStatus, ClaimStatusChange, DocumentKind, LineKind
from claims.queueing import send_after_commit
from claims.services.checks import duplicate_key
from claims.services.pricing import LineInput, parse_cotation
from claims.workflow import creation_change
from mutuelles.selectors import payer_on
from tariffs.models import Medicine, ProviderSector

MAX_LINES = 50
MAX_DOCUMENTS = 10
MSG_FILED = "Dossier déposé."
MSG_ALD_CODE_REQUIRED = gettext_noop("Code ALD : un dossier ALD doit porter le code de l'ALD écrit sur l'accord "
                                     "ETM (par exemple H011).")
MSG_ETM_NUMBER_REQUIRED = gettext_noop("Un dossier ALD doit porter le numéro de l'accord ETM.")
MSG_IDEMPOTENCY_REUSED = "Cette clé d'idempotence a déjà servi pour un autre dossier : utilisez une nouvelle clé."


@dataclass(frozen=True, kw_only=True)
class ClaimContent:
    """What a claim says of the care, whoever the beneficiary (documents: (kind, document) pairs)."""

    care_date: date
    prescriber_inpe: str
    lines: list[LineInput]
    treatment_end_date: date | None = None
    provider_inpe: str = ""
    care_sheet_number: str = ""
    is_ald: bool = False
    ald_code: str = ""
    etm_accord_number: str = ""
    documents: list[tuple[str, CheckedDocument]] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class ClaimDraft(ClaimContent):
    """A claim ready for the intake: its content, the insured person and the dependant treated (None: the insured)."""

    insured: Insured
    dependent: Dependent | None


def _validate_dates(draft: ClaimDraft, filed_on: date, errors: dict) -> None:
    if draft.care_date > filed_on:
        errors["care_date"] = "La date des soins ne peut pas être postérieure à la date de dépôt."
    if draft.treatment_end_date is not None:
        if draft.treatment_end_date < draft.care_date:
            errors["treatment_end_date"] = "La fin du traitement ne peut pas précéder la date des soins."
        elif draft.treatment_end_date > filed_on:
            errors["treatment_end_date"] = "La fin du traitement ne peut pas être postérieure à la date de dépôt."


def _validate_line(index: int, line: LineInput, is_ald: bool) -> str | None:
    if line.kind not in LineKind.values:
        return "Nature inconnue : « acte » ou « medicament »."
    if line.kind == LineKind.ACT and not parse_cotation(line.cotation):
        return "Cotation illisible : écrivez la lettre clé puis le coefficient, par exemple « B 60 » ou « Cs »."
    if line.kind == LineKind.MEDICINE and not line.medicine_code.strip():
        return "Indiquez le code du médicament."
    if not 1 <= line.quantity <= 999:
        return "La quantité doit être comprise entre 1 et 999."
    if not is_amount(line.amount_paid):
        return "Le montant payé doit être positif, en dirhams avec au plus deux décimales."
    if line.amount_paid > MAX_AMOUNT:
        return "Le montant payé dépasse 1 000 000 DH : vérifiez la saisie."
    if line.provider_sector not in ProviderSector.values:
        return "Secteur du prestataire : « public » ou « prive »."
    if line.ald_linked and not is_ald:
        return "Une ligne liée à une ALD suppose un dossier ALD (code ALD et n° d'accord ETM)."
    return None


def line_date_error(on: date | None, *, care_date: date, treatment_end_date: date | None,
                    filed_on: date) -> str | None:
    """A line's own care date lies between the claim's first act and the filing day (and not after
    the end of a continuous treatment)."""
    if on is None:
        return None
    head = f"La date des soins de la ligne ({on:%d/%m/%Y})"
    if on > filed_on:
        return f"{head} ne peut pas être postérieure à la date de dépôt."
    if on < care_date:
        return (f"{head} ne peut pas précéder la date des soins du dossier ({care_date:%d/%m/%Y}), "
                "qui est celle du premier acte.")
    if treatment_end_date is not None and on > treatment_end_date:
        return f"{head} ne peut pas suivre la fin du traitement ({treatment_end_date:%d/%m/%Y})."
    return None


def _line_errors(draft: "ClaimDraft", filed_on: date) -> list[dict]:
    errors = []
    for index, line in enumerate(draft.lines):
        found = {}
        message = _validate_line(index, line, draft.is_ald)
        if message:
            found["line"] = message
        date_error = line_date_error(line.care_date, care_date=draft.care_date,
                                     treatment_end_date=draft.treatment_end_date, filed_on=filed_on)
        if date_error:
            found["care_date"] = f"Ligne {index + 1} — {date_error}"
        errors.append(found)
    return errors


def _validate_ald(draft: ClaimDraft, errors: dict) -> None:
    """An ALD claim carries both what the ALD care sheet names: the code and the accord's number."""
    if not draft.ald_code.strip():
        errors["ald_code"] = gettext(MSG_ALD_CODE_REQUIRED)
    if not draft.etm_accord_number.strip():
        errors["etm_accord_number"] = gettext(MSG_ETM_NUMBER_REQUIRED)


#: No organisme pays the régime on the filing day: the reference data lacks its payer (regimes.yaml).
MSG_NO_PAYER = ("Aucun organisme AMO ne paie le régime de l'assuré à la date du dépôt : le dossier ne peut "
                "pas être déposé aujourd'hui. Contactez votre mutuelle.")


def validate_draft(draft: ClaimDraft, *, filed_on: date) -> None:
    """Raise a ValidationError naming each bad field, in French. Nothing is written."""
    errors: dict[str, str | list] = {}
    if draft.dependent is not None and draft.dependent.insured_id != draft.insured.pk:
        errors["beneficiary"] = "Cette personne n'est pas un ayant droit de l'assuré."
    _validate_dates(draft, filed_on, errors)
    for name in ("prescriber_inpe", "provider_inpe"):
        value = getattr(draft, name)
        if value or name == "prescriber_inpe":
            try:
                validate_inpe(value)
            except ValidationError as exc:
                errors[name] = exc.messages[0]
    if draft.is_ald:
        _validate_ald(draft, errors)
    if not draft.lines:
        errors["lines"] = "Ajoutez au moins un acte ou un médicament."
    elif len(draft.lines) > MAX_LINES:
        errors["lines"] = f"Un dossier compte au plus {MAX_LINES} lignes."
    else:
        line_errors = _line_errors(draft, filed_on)
        if any(line_errors):
            errors["lines"] = line_errors
    if len(draft.documents) > MAX_DOCUMENTS:
        errors["documents"] = f"Joignez au plus {MAX_DOCUMENTS} pièces."
    if errors:
        raise ValidationError(errors)


def fingerprint(draft: ClaimDraft) -> str:
    payload = {
        "dependent": draft.dependent.pk if draft.dependent else None,
        "care_date": draft.care_date.isoformat(),
        "end": draft.treatment_end_date.isoformat() if draft.treatment_end_date else None,
        "prescriber": draft.prescriber_inpe, "provider": draft.provider_inpe, "ald": draft.is_ald,
        "etm": draft.etm_accord_number, "lines": [[l.kind, l.cotation, l.medicine_code, l.quantity,
                                                   str(l.amount_paid), l.ald_linked, *_own_date(l, draft)]
                                                  for l in draft.lines],
        "documents": [d.sha256 for _, d in draft.documents],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _own_date(line: LineInput, draft: ClaimContent) -> list[str]:
    """A line's date in a fingerprint only when it is not the claim's: the prints of claims filed
    before lines had their own date stay the same."""
    own = [line.care_date.isoformat()] if line.care_date and line.care_date != draft.care_date else []
    return own + ([line.provider_sector] if line.provider_sector != ProviderSector.PRIVATE else [])


def _existing_for_key(insured: Insured, key: str, print_: str) -> Claim | None:
    existing = Claim.objects.filter(insured=insured, idempotency_key=key).first()
    if existing is None:
        return None
    if existing.idempotency_fingerprint != print_:
        raise ConflictError(MSG_IDEMPOTENCY_REUSED, code="cle_idempotence_reutilisee")
    return existing


def submit_claim(*, draft: ClaimDraft, by, filed_on: date | None = None, idempotency_key: str | None = None) -> Claim:
    """File a claim (domain.md §5.1): stored as "déposé" and queued for controls and liquidation.

    With an idempotency key, the same key and content return the claim filed the first time.
    The key is not looked up beforehand: the unique constraint on (insured, key) refuses a replay's
    INSERT, and only then is the first claim read (a replay is rare, a first filing is the rule).
    """
    filed_on = filed_on or timezone.localdate()
    validate_draft(draft, filed_on=filed_on)
    print_ = fingerprint(draft)
    try:
        return _create(draft, by=by, filed_on=filed_on, key=idempotency_key, print_=print_)
    except IntegrityError:
        # the same key was used before (a replay, or two requests at once): answer with that claim
        existing = _existing_for_key(draft.insured, idempotency_key, print_) if idempotency_key else None
        if existing is None:
            raise
        return existing


def claim_number(*, mutuelle_code: str, filed_on: date, claim_id: int) -> str:
    """MUTUELLE-YEAR-ID, the id on at least eight digits."""
    return f"{mutuelle_code}-{filed_on.year}-{claim_id:08d}"


def _create(draft: ClaimDraft, *, by, filed_on: date, key: str | None, print_: str) -> Claim:
    """The claim (filed at once: no draft step), its lines and its first audit row, then its documents.

    The number is built from the id, hence written once the claim's row is in. A savepoint inside
    an outer transaction, so that a refused replay leaves it usable."""
    claim, change, lines = filing_rows(draft, by=by, filed_on=filed_on, key=key, print_=print_)
    with transaction.atomic():
        claim.save(force_insert=True)
        claim.number = claim_number(mutuelle_code=draft.insured.mutuelle.code, filed_on=filed_on, claim_id=claim.pk)
        claim.save(update_fields=["number"])
        change.claim = claim
        change.save(force_insert=True)
        for line in lines:
            line.claim = claim
        ClaimLine.objects.bulk_create(lines)
        for kind, document in draft.documents:
            store_document(claim=claim, document=document, kind=kind, by=by)
        queue_liquidation(claim)
    return claim


def filing_rows(draft: ClaimDraft, *, by, filed_on: date, key: str | None,
                print_: str) -> tuple[Claim, ClaimStatusChange, list[ClaimLine]]:
    """The rows a filing writes, unsaved: the claim "déposé", its first audit row and its lines."""
    insured = draft.insured
    payer_id = payer_on(regime_id=insured.regime_id, on=filed_on)
    if payer_id is None:
        raise ValidationError({"beneficiary": MSG_NO_PAYER})
    claim = Claim(
        insured=insured, dependent=draft.dependent, mutuelle_id=insured.mutuelle_id, fund_id=payer_id,
        status=ClaimStatus.SUBMITTED, submitted_at=timezone.now(), care_date=draft.care_date,
        treatment_end_date=draft.treatment_end_date,
        filed_on=filed_on, prescriber_inpe=draft.prescriber_inpe, provider_inpe=draft.provider_inpe,
        care_sheet_number=draft.care_sheet_number, is_ald=draft.is_ald, ald_code=draft.ald_code.strip(),
        etm_accord_number=draft.etm_accord_number.strip(), idempotency_key=key or None,
        idempotency_fingerprint=print_, created_by=by,
        total_paid=sum((line.amount_paid for line in draft.lines), Decimal("0.00")),
        duplicate_key=duplicate_key(
            insured_id=insured.pk, dependent_id=draft.dependent.pk if draft.dependent else None,
            care_date=draft.care_date, prescriber_inpe=draft.prescriber_inpe,
            lines=[(l.kind, l.cotation or l.medicine_code, l.quantity, str(l.amount_paid), *_own_date(l, draft))
                   for l in draft.lines],
        ),
    )
    codes = [l.medicine_code for l in draft.lines if l.kind == LineKind.MEDICINE and l.medicine_code]
    medicines = dict(Medicine.objects.filter(code__in=codes).values_list("code", "pk")) if codes else {}
    lines = [ClaimLine(claim=claim, position=i + 1, kind=l.kind, cotation=l.cotation.strip(),
                       medicine_id=medicines.get(l.medicine_code), medicine_code=l.medicine_code.strip(),
                       quantity=l.quantity, amount_paid=l.amount_paid, ald_linked=l.ald_linked,
                       care_date=l.care_date or draft.care_date, provider_sector=l.provider_sector,
                       prior_approval_number=l.prior_approval_number.strip())
             for i, l in enumerate(draft.lines)]
    return claim, creation_change(claim=claim, by=by, reason=MSG_FILED), lines


def store_document(*, claim: Claim, document: CheckedDocument, kind: str, by) -> ClaimDocument:
    if kind not in DocumentKind.values:
        kind = DocumentKind.OTHER
    if claim.documents.filter(sha256=document.sha256).exists():
        raise DocumentRejected(f"« {document.name} » est déjà jointe à ce dossier.", extra={"champ": "documents"})
    row = ClaimDocument(claim=claim, kind=kind, original_name=document.name, content_type=document.content_type,
                        extension=document.extension, size=document.size, sha256=document.sha256, uploaded_by=by)
    row.file.save(f"{document.sha256}.{document.extension}", document.as_file(), save=False)
    row.save()
    return row


LIQUIDATE_TASK = "claims.tasks.liquidate_claim_task"
#: Who liquidates a claim whose message could not be sent (amo_portal/celery.py, beat schedule).
SWEEP_FALLBACK = "le balayage périodique des dossiers déposés le liquidera"


def queue_liquidation(claim: Claim) -> None:
    """Once committed, the claim goes to the controls and liquidation (Celery). The liquidation
    takes every submitted claim: a message already waiting for it will see this one too, so none
    is sent then (amo_portal.celery.send_unless_waiting). With the broker out of reach, the claim
    is filed all the same and the periodic sweep of submitted claims liquidates it."""
    send_after_commit(LIQUIDATE_TASK, claim.pk, fallback=SWEEP_FALLBACK)
