"""PDF documents of the insured person: the décompte of a liquidated claim and the attestation de droits.

The décompte shows each line as it was liquidated (domain.md §1-§2): what was paid, the reference
tariff, the base, the AMO rate and share, the complementary share, what is left to the insured
person, and the rule applied (the explanation written by the liquidation).
"""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import KeepTogether

from amo_portal.money import ZERO, format_dh, format_rate
from beneficiaries.models import Insured
from claims.models import Claim, ClaimStatus, LineKind
from payments.bank_reasons import bank_reason_text
from payments.models import Payer
from payments.selectors import PaymentAttempt, ShareOutcome, SharePayment

#: A TrueType font with the French narrow no-break space; Vera (shipped with reportlab) otherwise.
_FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
]
RELATIONSHIPS = {"assure": "assuré(e)", "conjoint": "conjoint(e)", "enfant": "enfant"}


_registered: dict[str, bool] = {}


def _fonts() -> tuple[str, str, bool]:
    """(regular, bold, has the narrow no-break space) — registered once per process."""
    if "full" not in _registered:
        regular, bold = next(((r, b) for r, b in _FONT_CANDIDATES if Path(r).exists() and Path(b).exists()),
                             (None, None))
        if regular is None:
            import reportlab

            base = Path(reportlab.__file__).parent / "fonts"
            regular, bold = str(base / "Vera.ttf"), str(base / "VeraBd.ttf")
        pdfmetrics.registerFont(TTFont("PortalSans", regular))
        pdfmetrics.registerFont(TTFont("PortalSans-Bold", bold))
        _registered["full"] = "dejavu" in regular.lower()
    return "PortalSans", "PortalSans-Bold", _registered["full"]


class _Writer:
    """Paragraph styles and text cleaning shared by the two documents."""

    def __init__(self) -> None:
        regular, bold, full = _fonts()
        self.full = full
        sheet = getSampleStyleSheet()
        self.body = ParagraphStyle("body", parent=sheet["BodyText"], fontName=regular, fontSize=9, leading=12)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=7.5, leading=9.5)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=8, leading=10)
        self.cell_right = ParagraphStyle("cell_right", parent=self.cell, alignment=TA_RIGHT)
        self.title = ParagraphStyle("title", parent=sheet["Title"], fontName=bold, fontSize=15, leading=19)
        self.heading = ParagraphStyle("heading", parent=sheet["Heading3"], fontName=bold, fontSize=10.5,
                                      leading=13, spaceBefore=8, spaceAfter=4)
        self.bold = bold
        self.regular = regular

    def text(self, value) -> str:
        text = "" if value is None else str(value)
        if not self.full:
            text = text.replace("\u202f", " ").replace("\u00a0", " ")
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def p(self, value, style=None) -> Paragraph:
        return Paragraph(self.text(value), style or self.body)

    def money(self, value: Decimal | None) -> Paragraph:
        return Paragraph(self.text(format_dh(value)), self.cell_right)

    def grid(self, rows: list[list], widths: list[float], header: bool = True) -> Table:
        table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
        style = [
            ("FONTNAME", (0, 0), (-1, -1), self.regular),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
        if header:
            style += [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6eef5")),
                      ("FONTNAME", (0, 0), (-1, 0), self.bold)]
        table.setStyle(TableStyle(style))
        return table


def _document(buffer: io.BytesIO, title: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                             bottomMargin=15 * mm, title=title, author="Portail AMO", lang="fr")


def _footer(writer: _Writer):
    printed = timezone.localtime().strftime("%d/%m/%Y %H:%M")

    def draw(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(writer.regular, 7)
        canvas.drawString(15 * mm, 8 * mm, writer.text(f"Portail AMO — édité le {printed}"))
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"page {doc.page}")
        canvas.restoreState()

    return draw


def _identity_block(writer: _Writer, insured: Insured) -> Table:
    rows = [
        [writer.p("Assuré(e)"), writer.p(f"{insured.full_name}")],
        [writer.p("N° d'immatriculation AMO"), writer.p(insured.registration_number)],
        [writer.p("N° d'affiliation"), writer.p(f"{insured.affiliation_number} ({insured.mutuelle.code})")],
        [writer.p("Mutuelle"), writer.p(insured.mutuelle.name_fr)],
        [writer.p("Organisme AMO"), writer.p(insured.fund.name_fr)],
    ]
    return writer.grid(rows, [55 * mm, 125 * mm], header=False)


def _line_label(line) -> str:
    if line.kind == LineKind.MEDICINE:
        name = line.medicine.name if line.medicine_id and line.medicine else line.medicine_code
        return f"Médicament {name} × {line.quantity}"
    return f"Acte {line.cotation}" + (f" × {line.quantity}" if line.quantity > 1 else "")


def _amo_rate(line) -> str:
    if not line.base or line.base <= ZERO or line.amo_amount is None:
        return "—"
    return format_rate((line.amo_amount / line.base).quantize(Decimal("0.0001")))


def claim_statement_pdf(*, claim: Claim, history: list[PaymentAttempt] = ()) -> bytes:
    """The décompte of a liquidated (or paid) claim, line by line, then its payment: each transfer
    (payments.selectors.payment_history_for_claim), which share was paid, when and to which RIB,
    which was refused and why."""
    writer = _Writer()
    buffer = io.BytesIO()
    doc = _document(buffer, f"Décompte {claim.number}")
    story: list = [writer.p("Décompte de remboursement", writer.title),
                   writer.p(f"Dossier n° {claim.number} — {claim.mutuelle.name_fr}"), Spacer(1, 4 * mm),
                   _identity_block(writer, claim.insured)]
    beneficiary = claim.dependent.full_name if claim.dependent_id else f"{claim.insured.full_name} (l'assuré)"
    facts = [
        [writer.p("Bénéficiaire des soins"), writer.p(beneficiary)],
        [writer.p("Date des soins"), writer.p(f"{claim.care_date:%d/%m/%Y}")],
        [writer.p("Déposé le"), writer.p(f"{claim.filed_on:%d/%m/%Y}" if claim.filed_on else "—")],
        [writer.p("Liquidé le"),
         writer.p(f"{timezone.localtime(claim.liquidated_at):%d/%m/%Y}" if claim.liquidated_at else "—")],
        [writer.p("Statut"), writer.p(claim.get_status_display())],
    ]
    story += [Spacer(1, 3 * mm), writer.grid(facts, [55 * mm, 125 * mm], header=False)]
    story += [writer.p("Détail par ligne", writer.heading), _lines_table(writer, claim)]
    story += _explanations(writer, claim)
    story += [writer.p("Totaux", writer.heading), _totals_table(writer, claim)]
    story += [writer.p("Paiement", writer.heading), *_payment_block(writer, claim, list(history))]
    story += [Spacer(1, 4 * mm), writer.p(
        "Base de remboursement = le plus petit montant entre ce qui a été payé et le tarif national de référence "
        "(TNR) ou le prix base de remboursement (PBR) du médicament. La part AMO est payée par l'organisme, la part "
        "complémentaire par la mutuelle ; le reste demeure à votre charge.", writer.small)]
    doc.build(story, onFirstPage=_footer(writer), onLaterPages=_footer(writer))
    return buffer.getvalue()


def _lines_table(writer: _Writer, claim: Claim) -> Table:
    rows: list[list] = [[writer.p(h, writer.cell) for h in
                         ("N°", "Prestation", "Payé", "Tarif", "Base", "Taux AMO", "Part AMO", "Compl.", "Reste")]]
    for line in claim.lines.all():
        rows.append([writer.p(str(line.position), writer.cell), writer.p(_line_label(line), writer.cell),
                     writer.money(line.amount_paid), writer.money(line.tariff), writer.money(line.base),
                     Paragraph(writer.text(_amo_rate(line)), writer.cell_right), writer.money(line.amo_amount),
                     writer.money(line.complementary_amount), writer.money(line.patient_amount)])
    widths = [7 * mm, 38 * mm, 20 * mm, 20 * mm, 20 * mm, 15 * mm, 20 * mm, 20 * mm, 20 * mm]
    return writer.grid(rows, widths)


def _explanations(writer: _Writer, claim: Claim) -> list:
    items = [writer.p("Règle appliquée à chaque ligne", writer.heading)]
    for line in claim.lines.all():
        text = line.explanation or "—"
        if line.reason_code:
            text = f"{text} (motif : {line.reason_code})"
        items.append(KeepTogether(writer.p(f"Ligne {line.position} : {text}", writer.small)))
    return items


def _totals_table(writer: _Writer, claim: Claim) -> Table:
    reimbursed = claim.reimbursed
    rows = [
        [writer.p("Total payé par vous"), writer.money(claim.total_paid)],
        [writer.p("Part AMO (organisme)"), writer.money(claim.total_amo)],
        [writer.p("Part complémentaire (mutuelle)"), writer.money(claim.total_complementary)],
        [Paragraph(writer.text("Total remboursé"), ParagraphStyle("b", parent=writer.body, fontName=writer.bold)),
         writer.money(reimbursed)],
        [writer.p("Reste à votre charge"), writer.money(claim.total_patient)],
    ]
    return writer.grid(rows, [80 * mm, 40 * mm], header=False)


#: Each share, its payer and its outcome, in the décompte's words (French, like the whole document).
SHARE_NAMES = {Payer.AMO: "Part AMO", Payer.COMPLEMENTARY: "Part complémentaire"}
PENDING_WORDS = {"preparation": "en préparation dans un bordereau",
                 "approuve": "bordereau approuvé, virement à émettre",
                 "emis": "virement émis, en attente de la réponse de la banque"}


def _outcome_words(share: SharePayment, rib: str) -> str:
    if share.outcome == ShareOutcome.PAID:
        day = f"{share.paid_on:%d/%m/%Y}" if share.paid_on else "—"
        return f"Versée le {day} sur le RIB se terminant par {rib}"
    if share.outcome == ShareOutcome.REFUSED:
        code = f" (code {share.reason_code})" if share.reason_code else ""
        return f"Refusée par la banque : {bank_reason_text(share.reason_code, share.reason)}{code}"
    return f"En attente : {PENDING_WORDS.get(share.step, PENDING_WORDS['preparation'])}"


def _payment_block(writer: _Writer, claim: Claim, history: list[PaymentAttempt]) -> list:
    """Every transfer of the claim, oldest first; after a refusal, what to do to be paid."""
    if not history:
        return [writer.p("Payé par virement." if claim.status == ClaimStatus.PAID else
                         "En attente de paiement : le remboursement sera viré sur votre RIB"
                         + (f" se terminant par {claim.insured.rib[-4:]}." if claim.insured.rib else "."))]
    payers = {Payer.AMO: f"{claim.fund.code} (organisme)", Payer.COMPLEMENTARY: f"{claim.mutuelle.code} (mutuelle)"}
    block: list = []
    for attempt in history:
        rows: list[list] = [[writer.p(h, writer.cell) for h in ("Part", "Payeur", "Montant", "Résultat")]]
        rows += [[writer.p(SHARE_NAMES[share.payer], writer.cell), writer.p(payers[share.payer], writer.cell),
                  writer.money(share.amount), writer.p(_outcome_words(share, attempt.rib_last_digits), writer.cell)]
                 for share in attempt.shares]
        block += [KeepTogether([
            writer.p(f"Bordereau {attempt.bordereau_number} — virement sur le RIB se terminant par "
                     f"{attempt.rib_last_digits}", writer.small),
            writer.grid(rows, [35 * mm, 30 * mm, 22 * mm, 93 * mm]), Spacer(1, 2 * mm)])]
    if history[-1].refused and claim.status == ClaimStatus.PAYMENT_REJECTED:
        block += [Spacer(1, 2 * mm), writer.p(
            "Pour recevoir le montant refusé, enregistrez un nouveau RIB dans votre espace assuré (rubrique « RIB "
            "des remboursements ») : le virement sera présenté de nouveau sur ce RIB.")]
    return block


def _rights_text(entitlement) -> str:
    if entitlement.entitled:
        return "Ouverts" if entitlement.code == "ouvert" else f"Ouverts — {entitlement.message}"
    return f"Fermés — {entitlement.message}"


def rights_attestation_pdf(*, insured: Insured, rights: list, on: date) -> bytes:
    """The attestation de droits: the insured person's and each dependant's rights on a date."""
    writer = _Writer()
    buffer = io.BytesIO()
    doc = _document(buffer, f"Attestation de droits {insured.registration_number}")
    story: list = [writer.p("Attestation de droits à l'Assurance Maladie Obligatoire", writer.title),
                   writer.p(f"Situation au {on:%d/%m/%Y}"), Spacer(1, 4 * mm), _identity_block(writer, insured)]
    rows: list[list] = [[writer.p(h, writer.cell) for h in ("Bénéficiaire", "Lien", "Né(e) le", "Droits", "Jusqu'au")]]
    for row in rights:
        entitlement = row.entitlement
        rows.append([
            writer.p(row.name, writer.cell),
            writer.p(RELATIONSHIPS.get(row.relationship, row.relationship), writer.cell),
            writer.p(f"{row.birth_date:%d/%m/%Y}", writer.cell),
            writer.p(_rights_text(entitlement), writer.cell),
            writer.p(f"{entitlement.ends_on:%d/%m/%Y}" if entitlement.ends_on else "—", writer.cell),
        ])
    story += [writer.p("Bénéficiaires", writer.heading),
              writer.grid(rows, [45 * mm, 22 * mm, 22 * mm, 68 * mm, 23 * mm])]
    story += [Spacer(1, 6 * mm), writer.p(
        "Attestation établie à partir du registre des assurés à la date indiquée. Elle ne vaut pas prise en "
        "charge : chaque dossier est contrôlé à la date des soins.", writer.small)]
    doc.build(story, onFirstPage=_footer(writer), onLaterPages=_footer(writer))
    return buffer.getvalue()
