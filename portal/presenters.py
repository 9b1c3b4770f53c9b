"""What the portal's pages show, shaped from domain objects (no queries beyond what is prefetched),
and the glue between forms and services (form data in, field errors out)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.models import ClaimStatus
from claims.reason_texts import reason_label
from claims.services.pricing import REASON_MESSAGES
from payments.bank_reasons import bank_reason_text
from payments.models import Payer
from payments.selectors import PaymentAttempt, ShareOutcome
from portal import corrections, forms, selectors
from portal.labels import DOCUMENT_KIND_LABELS, STATUS_HELP, STATUS_LABELS, STATUS_TONES
from portal.services.filing import ClaimInput, LineData
from tariffs.models import Medicine

INSURED_CHOICE = "assure"


# --- Forms in, errors out -----------------------------------------------------

def first_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        for messages in exc.message_dict.values():
            if messages:
                return messages[0]
    return exc.messages[0] if exc.messages else _("Saisie invalide.")


def add_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the named field when the form has it."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, _(message))
        return
    for name, messages in exc.message_dict.items():
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, _(message))


def _beneficiary_choices(insured) -> list[tuple[str, str]]:
    choices = [(INSURED_CHOICE, _("%(name)s (moi-même, l'assuré)") % {"name": insured.full_name})]
    for dependent in selectors.family_members(insured=insured):
        relationship = _("conjoint(e)") if dependent.relationship == "conjoint" else _("enfant")
        choices.append((str(dependent.pk), f"{dependent.full_name} ({relationship})"))
    return choices


def _accord_choices(insured) -> list[tuple[str, str]]:
    return [(a.accord_number, f"{a.accord_number} — ALD {a.ald.code}"
             + (f" ({a.dependent.full_name})" if a.dependent_id else ""))
            for a in selectors.etm_accords_of(insured=insured)]


def claim_forms(request, data=None, *, unbound: bool = False):
    """The claim form and its line rows, bound to the POST (or `data`) when there is one."""
    insured = request.insured
    posted = request.method == "POST" and not unbound
    bound = data if data is not None else (request.POST if posted else None)
    files = request.FILES if posted and data is None else None
    initial, line_initial = {"beneficiary": INSURED_CHOICE}, None
    rejected = corrections.rejected_to_correct(request) if bound is None else None
    if rejected is not None:  # "Corriger et déposer à nouveau": the rejected claim's values
        initial, line_initial = corrections.prefill(rejected)
    form = forms.ClaimForm(bound, files, beneficiaries=_beneficiary_choices(insured),
                           accords=_accord_choices(insured), initial=initial)
    lines = forms.LineFormSet(bound, prefix="lignes", initial=line_initial)
    return form, lines


def rebound_for_confirmation(form, *, token: str, print_: str):
    """The same form, carrying the token of the kept documents and the print of what was previewed."""
    data = form.data.copy()
    data["documents_token"] = token
    data["preview_print"] = print_
    rebound = type(form)(data, beneficiaries=form.fields["beneficiary"].choices,
                         accords=[c for c in form.fields["etm_accord_number"].choices if c[0]])
    rebound.is_valid()
    return rebound


def _filled_lines(lines) -> list[tuple[int, forms.LineForm]]:
    return [(i, f) for i, f in enumerate(lines.forms) if f.cleaned_data and f.has_content()]


def cross_check(form, lines) -> bool:
    """Rules across the claim and its rows: each row's own date; a row linked to an ALD needs an ALD claim."""
    ok = forms.check_line_dates(form, [f for _, f in _filled_lines(lines)])
    if form.cleaned_data.get("is_ald"):
        return ok
    for _index, line_form in _filled_lines(lines):
        if line_form.cleaned_data.get("ald_linked"):
            line_form.add_error("ald_linked", _("Une ligne liée à une ALD suppose un dossier ALD (code ALD et n° "
                                                "d'accord ETM)."))
            ok = False
    return ok


def claim_input(form, lines, documents) -> ClaimInput:
    data = form.cleaned_data
    beneficiary = data["beneficiary"]
    return ClaimInput(
        beneficiary=None if beneficiary == INSURED_CHOICE else int(beneficiary),
        care_date=data["care_date"], treatment_end_date=data.get("treatment_end_date"),
        prescriber_inpe=data["prescriber_inpe"], provider_inpe=data.get("provider_inpe", ""),
        care_sheet_number=data.get("care_sheet_number", ""), is_ald=data.get("is_ald", False),
        ald_code=data.get("ald_code", ""), etm_accord_number=data.get("etm_accord_number", "") or "",
        lines=[LineData(kind=f.cleaned_data["kind"], amount_paid=f.cleaned_data["amount_paid"],
                        quantity=f.cleaned_data.get("quantity") or 1, cotation=f.cleaned_data.get("cotation", ""),
                        medicine_code=f.cleaned_data.get("medicine_code", ""),
                        ald_linked=f.cleaned_data.get("ald_linked", False),
                        care_date=f.cleaned_data.get("care_date"),
                        provider_sector=f.cleaned_data.get("provider_sector") or "prive")
               for _, f in _filled_lines(lines)],
        documents=list(documents),
    )


def input_print(data: ClaimInput) -> str:
    """A fingerprint of what was typed and attached: the claim is sent only as it was previewed."""
    payload = {
        "b": data.beneficiary, "d": data.care_date.isoformat(),
        "e": data.treatment_end_date.isoformat() if data.treatment_end_date else None,
        "i": [data.prescriber_inpe, data.provider_inpe, data.care_sheet_number],
        "a": [data.is_ald, data.ald_code, data.etm_accord_number],
        "l": [[l.kind, l.cotation, l.medicine_code, l.quantity, str(l.amount_paid), l.ald_linked,
               l.care_date.isoformat() if l.care_date else None, l.provider_sector] for l in data.lines],
        "f": [[kind, doc.sha256] for kind, doc in data.documents],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def add_claim_errors(form, exc: ValidationError) -> None:
    """The intake's field errors on the claim form's fields (line errors, already checked row by row by
    the line form, are listed at the top: the intake's messages do not carry the row)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, first_message(exc))
        return
    add_errors(form, exc)


# --- Pages out ------------------------------------------------------------------

@dataclass(frozen=True)
class ClaimRow:
    claim: object
    status_label: str
    tone: str
    reimbursed: Decimal | None  # None until the amount is final (liquidated)
    payment: object


def claim_rows(claims, payments: dict) -> list[ClaimRow]:
    return [ClaimRow(c, str(STATUS_LABELS.get(c.status, c.status)), STATUS_TONES.get(c.status, "info"),
                     c.reimbursed if c.status in selectors.STATEMENT_STATUSES else None, payments.get(c.pk))
            for c in claims]


def status_filter_choices() -> list[tuple[str, str]]:
    return [(value, str(STATUS_LABELS[value])) for value in ClaimStatus.values if value != ClaimStatus.DRAFT]


def line_errors(lines) -> list[dict]:
    """Errors of the line rows for the summary at the top of the form, each linking to its field."""
    items = [{"anchor": "lignes", "text": str(e)} for e in lines.non_form_errors()]
    for index, line_form in enumerate(lines.forms):
        for name, errors in line_form.errors.items():
            field = line_form.fields.get(name)
            anchor = line_form[name].auto_id if field else f"ligne-{index + 1}"
            label = f"{field.label} : " if field else ""
            for error in errors:
                items.append({"anchor": anchor, "text": _("Ligne %(n)s — %(label)s%(error)s")
                              % {"n": index + 1, "label": label, "error": error}})
    return items


def reason_text(code: str) -> str:
    message = REASON_MESSAGES.get(code)
    return _(message) if message else ""


def preview_rows(preview, lines) -> list[dict]:
    filled = _filled_lines(lines)
    codes = [f.cleaned_data.get("medicine_code") for _, f in filled if f.cleaned_data.get("medicine_code")]
    names = {m.code: f"{m.name} {m.presentation}".strip() for m in Medicine.objects.filter(code__in=codes)}
    rows = []
    for (_index, line_form), priced in zip(filled, preview.result.lines, strict=False):
        data = line_form.cleaned_data
        if data["kind"] == "medicament":
            label = names.get(data.get("medicine_code"), data.get("medicine_code"))
        else:
            label = data.get("cotation")
        rows.append({"label": label, "kind": data["kind"], "paid": data["amount_paid"], "amounts": priced.amounts,
                     "reason": reason_text(priced.reason_code), "explanation": priced.explanation})
    return rows


def timeline(claim) -> tuple[list[dict], object]:
    """The claim's steps as the insured person reads them, and the documents request still open."""
    request = selectors.pending_request(claim)
    last_request = next(iter(claim.document_requests.all()), None)
    steps = []
    for change in claim.status_changes.all():
        if change.to_status == ClaimStatus.DRAFT:
            continue
        detail = ""
        if change.to_status == ClaimStatus.DOCUMENTS_REQUESTED and last_request:
            detail = last_request.missing
        elif change.to_status == ClaimStatus.REJECTED:
            detail = reason_label(claim.rejection_code) if claim.rejection_code else ""
        steps.append({"status": change.to_status, "label": STATUS_LABELS.get(change.to_status, change.to_status),
                      "help": STATUS_HELP.get(change.to_status, ""), "at": timezone.localtime(change.changed_at),
                      "detail": detail, "tone": STATUS_TONES.get(change.to_status, "info")})
    return steps, request


#: Each payer's share and how it stands, as the insured person reads them.
SHARE_LABELS = {Payer.AMO: gettext_lazy("Part AMO"), Payer.COMPLEMENTARY: gettext_lazy("Part complémentaire")}
OUTCOME_LABELS = {ShareOutcome.PAID: gettext_lazy("versée"), ShareOutcome.REFUSED: gettext_lazy("refusée"),
                  ShareOutcome.PENDING: gettext_lazy("en attente")}
OUTCOME_TONES = {ShareOutcome.PAID: "ok", ShareOutcome.REFUSED: "bad", ShareOutcome.PENDING: "info"}
PENDING_TEXTS = {
    "preparation": gettext_lazy("Le paiement est en préparation dans un bordereau."),
    "approuve": gettext_lazy("Bordereau approuvé : le virement va être émis."),
    "emis": gettext_lazy("Virement émis : en attente de la réponse de la banque."),
}


def payer_names(claim) -> dict[str, str]:
    """Who pays each share: the organisme the AMO share, the mutuelle the complementary share."""
    return {Payer.AMO: claim.fund.code, Payer.COMPLEMENTARY: claim.mutuelle.code}


def share_text(share, payer: str, rib: str) -> str:
    if share.outcome == ShareOutcome.PAID:
        day = share.paid_on.strftime("%d/%m/%Y") if share.paid_on else "—"
        return _("Versée par %(payer)s le %(day)s sur le RIB se terminant par %(rib)s.") % {
            "payer": payer, "day": day, "rib": rib}
    if share.outcome == ShareOutcome.REFUSED:
        return _("Refusée par la banque : %(reason)s") % {
            "reason": bank_reason_text(share.reason_code, share.reason, translate=_)}
    return str(PENDING_TEXTS.get(share.step, PENDING_TEXTS["preparation"]))


def payment_items(claim, history: list[PaymentAttempt]) -> list[dict]:
    """The claim's transfers, oldest first: for each bordereau line, the RIB and each share's outcome."""
    payers = payer_names(claim)
    return [{
        "bordereau": attempt.bordereau_number, "rib": attempt.rib_last_digits, "refused": attempt.refused,
        "shares": [{"label": SHARE_LABELS[share.payer], "payer": payers[share.payer], "amount": share.amount,
                    "outcome": share.outcome, "outcome_label": OUTCOME_LABELS[share.outcome],
                    "tone": OUTCOME_TONES[share.outcome], "code": share.reason_code,
                    "text": share_text(share, payers[share.payer], attempt.rib_last_digits)}
                   for share in attempt.shares],
    } for attempt in history]


def rib_notice(claim, history: list[PaymentAttempt]) -> str:
    """What to do when the last transfer was refused: "" otherwise. The next bordereau takes the
    claim once the RIB has changed since the refusal."""
    if not history or not history[-1].refused or claim.status != ClaimStatus.PAYMENT_REJECTED:
        return ""
    current = claim.insured.rib_last_digits
    if current and current != history[-1].rib_last_digits:
        return _("Votre nouveau RIB se terminant par %(rib)s servira au prochain virement du montant refusé.") % {
            "rib": current}
    return _("Pour recevoir le montant refusé, enregistrez un nouveau RIB : le virement sera présenté de nouveau "
             "sur ce RIB.")


def claim_page(claim, payment, history: list[PaymentAttempt] = ()) -> dict:
    steps, request = timeline(claim)
    lines = []
    for line in claim.lines.all():
        reason = reason_text(line.reason_code)
        explanation = "" if line.explanation == REASON_MESSAGES.get(line.reason_code) else line.explanation
        lines.append({"line": line, "reason": reason, "explanation": explanation})
    documents = [{"document": d, "kind": DOCUMENT_KIND_LABELS.get(d.kind, d.kind)} for d in claim.documents.all()]
    return {
        "claim": claim, "status_label": STATUS_LABELS.get(claim.status, claim.status),
        "tone": STATUS_TONES.get(claim.status, "info"), "timeline": steps, "lines": lines,
        "documents": documents, "pending_request": request, "payment": payment,
        "payments": payment_items(claim, list(history)), "rib_notice": rib_notice(claim, list(history)),
        "can_add_documents": claim.status in selectors.DOCUMENT_STATUSES,
        "statement_available": claim.status in selectors.STATEMENT_STATUSES,
        "liquidated": claim.total_amo is not None and claim.status != ClaimStatus.SUBMITTED,
        **corrections.corrections_context(claim),
    }

