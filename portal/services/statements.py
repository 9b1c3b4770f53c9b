"""PDF documents of the insured person: the décompte of a liquidated claim and the attestation de droits.

The décompte shows each line as it was liquidated (domain.md §1-§2): what was paid, the reference
tariff, the base, the AMO rate and share, the complementary share, what is left to the insured
person, and the rule applied (the explanation written by the liquidation, kept in French as written).

Both documents are in the language of the request (the portal's language switch, else the browser's),
or in `language` when given: French left to right, Arabic right to left (portal.services.pdf_layout),
names in Arabic script where the registry has them.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table
from reportlab.platypus.flowables import KeepTogether

from amo_portal.money import ZERO, format_rate
from beneficiaries.models import Insured
from beneficiaries.selectors import payer_of
from claims.models import Claim, ClaimStatus, LineKind
from claims.reason_texts import reason_label
from claims.services.explanations import claim_reasons, decisions_by_claim
from mutuelles.models import AMOFund
from payments.bank_reasons import bank_reason_text
from payments.models import Payer
from payments.selectors import PaymentAttempt, ShareOutcome, SharePayment
from portal.labels import STATUS_LABELS
from portal.services.pdf_layout import PdfWriter

RELATIONSHIPS = {"assure": gettext_lazy("assuré(e)"), "conjoint": gettext_lazy("conjoint(e)"),
                 "enfant": gettext_lazy("enfant")}


def _in_language(language: str | None):
    return translation.override(language) if language else translation.override(translation.get_language())


def person_name(person, *, rtl: bool) -> str:
    """An insured person's or dependant's name: in Arabic script in an Arabic document when the
    registry has it (both parts), else as registered in Latin script."""
    if rtl and person.first_name_ar and person.last_name_ar:
        return f"{person.first_name_ar} {person.last_name_ar}"
    return person.full_name


def _organisation_name(organisation, *, rtl: bool) -> str:
    return organisation.name_ar if rtl and organisation.name_ar else organisation.name_fr


def _identity_block(writer: PdfWriter, insured: Insured, payer: AMOFund | None) -> Table:
    """Who the person is; `payer` is the organisme that pays the AMO share (the claim's, or the
    régime's on the attestation's date)."""
    rows = [
        [writer.p(_("Assuré(e)")), writer.p(person_name(insured, rtl=writer.rtl))],
        [writer.p(_("N° d'immatriculation AMO")), writer.p(insured.registration_number)],
        [writer.p(_("N° d'affiliation")), writer.p(f"{insured.affiliation_number} ({insured.mutuelle.code})")],
        [writer.p(_("Mutuelle")), writer.p(_organisation_name(insured.mutuelle, rtl=writer.rtl))],
        [writer.p(_("Régime")), writer.p(_organisation_name(insured.regime, rtl=writer.rtl))],
        [writer.p(_("Organisme AMO")), writer.p(_organisation_name(payer, rtl=writer.rtl) if payer else "—")],
    ]
    return writer.grid(rows, [55 * mm, 125 * mm], header=False)


def _line_label(line) -> str:
    if line.kind == LineKind.MEDICINE:
        name = line.medicine.name if line.medicine_id and line.medicine else line.medicine_code
        return _("Médicament %(name)s × %(quantity)s") % {"name": name, "quantity": line.quantity}
    if line.quantity > 1:
        return _("Acte %(cotation)s × %(quantity)s") % {"cotation": line.cotation, "quantity": line.quantity}
    return _("Acte %(cotation)s") % {"cotation": line.cotation}


def _amo_rate(line) -> str:
    if not line.base or line.base <= ZERO or line.amo_amount is None:
        return "—"
    return format_rate((line.amo_amount / line.base).quantize(Decimal("0.0001")))


def _day(value) -> str:
    return f"{value:%d/%m/%Y}" if value else "—"


def claim_statement_pdf(*, claim: Claim, history: Sequence[PaymentAttempt] = (), language: str | None = None) -> bytes:
    """The décompte of a liquidated (or paid) claim, line by line, then its payment: each transfer
    (payments.selectors.payment_history_for_claim), which share was paid, when and to which RIB,
    which was refused and why."""
    with _in_language(language):
        writer = PdfWriter(rtl=translation.get_language_bidi())
        buffer = io.BytesIO()
        doc = writer.document(buffer, _("Décompte %(number)s") % {"number": claim.number})
        mutuelle = _organisation_name(claim.mutuelle, rtl=writer.rtl)
        story: list = [writer.p(_("Décompte de remboursement"), writer.title),
                       writer.p(_("Dossier n° %(number)s — %(mutuelle)s") % {"number": claim.number,
                                                                             "mutuelle": mutuelle}),
                       Spacer(1, 4 * mm), _identity_block(writer, claim.insured, claim.fund)]
        story += [Spacer(1, 3 * mm), _claim_facts(writer, claim)]
        story += [writer.p(_("Détail par ligne"), writer.heading), _lines_table(writer, claim)]
        story += _explanations(writer, claim)
        story += [writer.p(_("Totaux"), writer.heading), _totals_table(writer, claim)]
        story += [writer.p(_("Paiement"), writer.heading), *_payment_block(writer, claim, list(history))]
        story += [Spacer(1, 4 * mm), writer.p(_(
            "Base de remboursement = le plus petit montant entre ce qui a été payé et le tarif national de "
            "référence (TNR) ou le prix base de remboursement (PBR) du médicament. La part AMO est payée par "
            "l'organisme, la part complémentaire par la mutuelle ; le reste demeure à votre charge."), writer.small)]
        doc.build(story, onFirstPage=writer.footer(), onLaterPages=writer.footer())
    return buffer.getvalue()


def _claim_facts(writer: PdfWriter, claim: Claim) -> Table:
    if claim.dependent_id:
        beneficiary = person_name(claim.dependent, rtl=writer.rtl)
    else:
        beneficiary = _("%(name)s (l'assuré)") % {"name": person_name(claim.insured, rtl=writer.rtl)}
    liquidated = timezone.localtime(claim.liquidated_at) if claim.liquidated_at else None
    rows = [
        [writer.p(_("Bénéficiaire des soins")), writer.p(beneficiary)],
        [writer.p(_("Date des soins")), writer.p(_day(claim.care_date))],
        [writer.p(_("Déposé le")), writer.p(_day(claim.filed_on))],
        [writer.p(_("Liquidé le")), writer.p(_day(liquidated))],
        [writer.p(_("Statut")), writer.p(STATUS_LABELS.get(claim.status, claim.get_status_display()))],
    ]
    return writer.grid(rows, [55 * mm, 125 * mm], header=False)


def _lines_table(writer: PdfWriter, claim: Claim) -> Table:
    headers = (_("N°"), _("Prestation"), _("Payé"), _("Tarif"), _("Base"), _("Taux AMO"), _("Part AMO"),
               _("Compl."), _("Reste"))
    rows: list[list] = [[writer.p(h, writer.cell) for h in headers]]
    for line in claim.lines.all():
        rows.append([writer.p(str(line.position), writer.cell), writer.p(_line_label(line), writer.cell),
                     writer.money(line.amount_paid), writer.money(line.tariff), writer.money(line.base),
                     writer.ltr(_amo_rate(line), writer.cell_right), writer.money(line.amo_amount),
                     writer.money(line.complementary_amount), writer.money(line.patient_amount)])
    widths = [7 * mm, 38 * mm, 20 * mm, 20 * mm, 20 * mm, 15 * mm, 20 * mm, 20 * mm, 20 * mm]
    return writer.grid(rows, widths)


def _explanations(writer: PdfWriter, claim: Claim) -> list:
    """Each line's rule. The explanation is stored in French: an Arabic document gives the line's
    reason in Arabic, then the explanation as written, left to right."""
    items = [writer.p(_("Règle appliquée à chaque ligne"), writer.heading)]
    for line in claim.lines.all():
        text = line.explanation or "—"
        if not writer.rtl:
            if line.reason_code:
                text += _(" (motif : %(reason)s)") % {"reason": reason_label(line.reason_code)}
            items.append(KeepTogether(writer.p(_("Ligne %(position)s : %(text)s") % {
                "position": line.position, "text": text}, writer.small)))
            continue
        heading = _("Ligne %(position)s") % {"position": line.position}
        if line.reason_code:
            heading += " : " + reason_label(line.reason_code)
        items.append(KeepTogether([writer.p(heading, writer.small), writer.ltr(text)]))
    return items + _decisions(writer, claim)


def _decisions(writer: PdfWriter, claim: Claim) -> list:
    """What the mutuelle decided on the claim's lines (rejected, adjusted) and why: the reason in
    the document's language, the agent's comment as written."""
    reasons = claim_reasons(claim, decisions_by_claim([claim.pk]).get(claim.pk, []))
    if not reasons:
        return []
    items: list = [writer.p(_("Décisions de votre mutuelle"), writer.heading)]
    for reason in reasons:
        head = reason.label if reason.position is None else _("Ligne %(n)s — %(label)s") % {
            "n": reason.position, "label": reason.label}
        block = [writer.p(head, writer.small)]
        if reason.comment:
            block += [writer.p(_("Commentaire :"), writer.small), writer.ltr(reason.comment)]
        block += [writer.p(change, writer.small) for change in reason.changes]
        if reason.fix:
            block.append(writer.p(_("Que faire : %(fix)s") % {"fix": reason.fix}, writer.small))
        items.append(KeepTogether(block))
    return items


def _totals_table(writer: PdfWriter, claim: Claim) -> Table:
    rows = [
        [writer.p(_("Total payé par vous")), writer.money(claim.total_paid)],
        [writer.p(_("Part AMO (organisme)")), writer.money(claim.total_amo)],
        [writer.p(_("Part complémentaire (mutuelle)")), writer.money(claim.total_complementary)],
        [writer.p(_("Total remboursé"), writer.strong), writer.money(claim.reimbursed)],
        [writer.p(_("Reste à votre charge")), writer.money(claim.total_patient)],
    ]
    return writer.grid(rows, [80 * mm, 40 * mm], header=False)


#: Each share and where its payment stands, in the décompte's words.
SHARE_NAMES = {Payer.AMO.value: gettext_lazy("Part AMO"),
               Payer.COMPLEMENTARY.value: gettext_lazy("Part complémentaire")}
PENDING_WORDS = {"preparation": gettext_lazy("en préparation dans un bordereau"),
                 "approuve": gettext_lazy("bordereau approuvé, virement à émettre"),
                 "emis": gettext_lazy("virement émis, en attente de la réponse de la banque")}


def _outcome_words(share: SharePayment, rib: str) -> str:
    if share.outcome == ShareOutcome.PAID:
        return _("Versée le %(day)s sur le RIB se terminant par %(rib)s") % {"day": _day(share.paid_on), "rib": rib}
    if share.outcome == ShareOutcome.REFUSED:
        words = _("Refusée par la banque : %(reason)s") % {
            "reason": bank_reason_text(share.reason_code, share.reason, translate=_)}
        return words + (_(" (code %(code)s)") % {"code": share.reason_code} if share.reason_code else "")
    return _("En attente : %(step)s") % {"step": PENDING_WORDS.get(share.step, PENDING_WORDS["preparation"])}


def _waiting_words(claim: Claim) -> str:
    if claim.status == ClaimStatus.PAID:
        return _("Payé par virement.")
    if claim.insured.rib:
        return _("En attente de paiement : le remboursement sera viré sur votre RIB se terminant par "
                 "%(rib)s.") % {"rib": claim.insured.rib[-4:]}
    return _("En attente de paiement : le remboursement sera viré sur votre RIB.")


def _payment_block(writer: PdfWriter, claim: Claim, history: list[PaymentAttempt]) -> list:
    """Every transfer of the claim, oldest first; after a refusal, what to do to be paid."""
    if not history:
        return [writer.p(_waiting_words(claim))]
    payers: dict[str, str] = {Payer.AMO: _("%(code)s (organisme)") % {"code": claim.fund.code},
                              Payer.COMPLEMENTARY: _("%(code)s (mutuelle)") % {"code": claim.mutuelle.code}}
    block: list = []
    for attempt in history:
        rows: list[list] = [[writer.p(h, writer.cell) for h in (_("Part"), _("Payeur"), _("Montant"), _("Résultat"))]]
        rows += [[writer.p(SHARE_NAMES[share.payer], writer.cell), writer.p(payers[share.payer], writer.cell),
                  writer.money(share.amount), writer.p(_outcome_words(share, attempt.rib_last_digits), writer.cell)]
                 for share in attempt.shares]
        block += [KeepTogether([
            writer.p(_("Bordereau %(number)s — virement sur le RIB se terminant par %(rib)s") % {
                "number": attempt.bordereau_number, "rib": attempt.rib_last_digits}, writer.small),
            writer.grid(rows, [35 * mm, 30 * mm, 22 * mm, 93 * mm]), Spacer(1, 2 * mm)])]
    if history[-1].refused and claim.status == ClaimStatus.PAYMENT_REJECTED:
        block += [Spacer(1, 2 * mm), writer.p(_(
            "Pour recevoir le montant refusé, enregistrez un nouveau RIB dans votre espace assuré (rubrique « RIB "
            "des remboursements ») : le virement sera présenté de nouveau sur ce RIB."))]
    return block


def _rights_text(entitlement) -> str:
    if entitlement.entitled:
        if entitlement.code == "ouvert":
            return _("Ouverts")
        return _("Ouverts — %(detail)s") % {"detail": entitlement.in_language(_)}
    return _("Fermés — %(detail)s") % {"detail": entitlement.in_language(_)}


def rights_attestation_pdf(*, insured: Insured, rights: list, on: date, language: str | None = None) -> bytes:
    """The attestation de droits: the insured person's and each dependant's rights on a date."""
    with _in_language(language):
        writer = PdfWriter(rtl=translation.get_language_bidi())
        buffer = io.BytesIO()
        doc = writer.document(buffer, _("Attestation de droits %(number)s") % {"number": insured.registration_number})
        story: list = [writer.p(_("Attestation de droits à l'Assurance Maladie Obligatoire"), writer.title),
                       writer.p(_("Situation au %(day)s") % {"day": _day(on)}), Spacer(1, 4 * mm),
                       _identity_block(writer, insured, payer_of(insured, on=on))]
        headers = (_("Bénéficiaire"), _("Lien"), _("Né(e) le"), _("Droits"), _("Jusqu'au"))
        rows: list[list] = [[writer.p(h, writer.cell) for h in headers]]
        for row in rights:
            rows.append([
                writer.p(person_name(row.dependent or insured, rtl=writer.rtl), writer.cell),
                writer.p(RELATIONSHIPS.get(row.relationship, row.relationship), writer.cell),
                writer.p(_day(row.birth_date), writer.cell),
                writer.p(_rights_text(row.entitlement), writer.cell),
                writer.p(_day(row.entitlement.ends_on), writer.cell),
            ])
        story += [writer.p(_("Bénéficiaires"), writer.heading),
                  writer.grid(rows, [45 * mm, 22 * mm, 22 * mm, 68 * mm, 23 * mm])]
        story += [Spacer(1, 6 * mm), writer.p(_(
            "Attestation établie à partir du registre des assurés à la date indiquée. Elle ne vaut pas prise en "
            "charge : chaque dossier est contrôlé à la date des soins."), writer.small)]
        doc.build(story, onFirstPage=writer.footer(), onLaterPages=writer.footer())
    return buffer.getvalue()
