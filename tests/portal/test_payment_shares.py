"""What the insured person reads of the payment: each payer's share, paid (when, to which RIB) or
refused (the bank's reason in words), the history of transfers, and the way to a new RIB; on the
claim page (French and Arabic), through the API and in the décompte (text as a PDF reader extracts it)."""
import io
import re
from html import unescape

import pytest
from django.test import RequestFactory
from django.utils import translation
from pypdf import PdfReader

from claims.models import ClaimStatus
from mutuelles.models import AMOFund
from payments.bank_reasons import BANK_REASON_SENTENCES
from payments.selectors import ShareOutcome, payment_history_for_claim
from payments.services.bank_return import import_bank_return
from payments.services.building import request_bordereau
from payments.services.review import approve_bordereau, present_bordereau
from portal.services.accounts import change_rib
from tests.factories.beneficiaries import valid_rib
from tests.factories.mutuelles import PASSWORD
from tests.payments.support import bank_answer, file_liquidated, set_payer_accounts

pytestmark = pytest.mark.django_db


@pytest.fixture
def pay(mgpap, supervisor, fund_officer, django_capture_on_commit_callbacks):
    """pay(rejected={"A": "AC04"}) -> the next MGPAP bordereau built, approved and answered by the
    bank, which refuses the named payers' transfers ("A" AMO, "C" complementary) with those codes."""
    from mutuelles.services import system_user

    def run(*, rejected: dict[str, str] | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            bordereau = request_bordereau(mutuelle=mgpap, fund=AMOFund.objects.get(code="CNOPS"), by=system_user())
        bordereau.refresh_from_db()
        present_bordereau(bordereau=bordereau, by=supervisor)
        with django_capture_on_commit_callbacks(execute=True):
            approve_bordereau(bordereau=bordereau, by=fund_officer)
        bordereau.refresh_from_db()
        refused = {f"{ref}-{payer}": code for ref in bordereau.lines.values_list("reference", flat=True)
                   for payer, code in (rejected or {}).items()}
        with django_capture_on_commit_callbacks(execute=True):
            import_bank_return(bordereau=bordereau, content=bank_answer(bordereau.transfer_order, rejected=refused),
                               file_name=f"retour-{bordereau.pk}.txt", by=fund_officer)
        return bordereau

    return run


@pytest.fixture
def claim(member, django_capture_on_commit_callbacks):
    """A liquidated Cs at 250 DH of the member: 120 DH AMO (CNOPS), 40 DH complementary (MGPAP)."""
    set_payer_accounts()
    with django_capture_on_commit_callbacks(execute=True):
        return file_liquidated(member, seed=5151)


@pytest.fixture
def half_refused(claim, pay):
    """The bank pays the complementary share and refuses the AMO share: account closed (AC04)."""
    bordereau = pay(rejected={"A": "AC04"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAYMENT_REJECTED
    return claim, bordereau


def page_text(client, claim) -> str:
    """The page's text as read on screen (tags out, white space collapsed), links kept as href=."""
    html = client.get(f"/espace/dossiers/{claim.pk}/").content.decode()
    html = re.sub(r'<a [^>]*(href="[^"]*")[^>]*>', r" \1 ", html)
    html = re.sub(r'<[^>]*id="paiement"[^>]*>', ' id="paiement" ', html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split()).replace(" .", ".").replace(" )", ")")


def test_a_paid_claim_shows_each_share_paid_with_its_payer_date_and_rib(member_client, member, claim, pay):
    # given
    bordereau = pay()
    # when
    page = page_text(member_client, claim)
    # then
    rib = member.rib[-4:]
    assert "Part AMO (CNOPS) · 120,00 DH versée" in page
    assert f"Versée par CNOPS le 02/03/2026 sur le RIB se terminant par …{rib}." in page
    assert "Part complémentaire (MGPAP) · 40,00 DH versée" in page
    assert f"Versée par MGPAP le 02/03/2026 sur le RIB se terminant par …{rib}." in page
    assert bordereau.number in page
    assert "Changer de RIB" not in page.split('id="paiement"')[1]


def test_a_half_refused_transfer_shows_the_share_paid_and_the_share_refused_with_the_bank_reason_in_words(
        member_client, member, half_refused):
    # given
    claim, _ = half_refused
    # when
    page = page_text(member_client, claim)
    # then
    assert f"Versée par MGPAP le 02/03/2026 sur le RIB se terminant par …{member.rib[-4:]}." in page
    assert "Refusée par la banque : Le compte bancaire est clôturé." in page
    assert "(AC04)" in page
    assert "Pour recevoir le montant refusé, enregistrez un nouveau RIB" in page
    assert 'href="/espace/rib/"' in page


def test_after_a_new_rib_the_next_transfer_pays_the_refused_share_and_the_page_shows_both_in_order(
        member_client, member, half_refused, pay):
    # given the insured person changes the RIB, and the next bordereau pays the AMO share
    claim, first = half_refused
    old_rib = member.rib[-4:]
    new_rib = valid_rib(7777)
    change_rib(insured=member, new_rib=new_rib, password=PASSWORD, by=member.user,
               request=RequestFactory().post("/espace/rib/"))
    page_after_change = page_text(member_client, claim)
    second = pay()
    # when
    page = page_text(member_client, claim)
    # then
    assert f"Votre nouveau RIB se terminant par …{new_rib[-4:]} servira au prochain virement" in page_after_change
    payment = page.split('id="paiement"')[1]
    assert payment.index(first.number) < payment.index(second.number)
    assert payment.index(f"…{old_rib}") < payment.index("Le compte bancaire est clôturé")
    assert payment.index("Le compte bancaire est clôturé") < payment.index(
        f"Versée par CNOPS le 02/03/2026 sur le RIB se terminant par …{new_rib[-4:]}.")
    assert "Part complémentaire (MGPAP)" not in payment.split(second.number)[1]  # paid once, by the first
    assert "Changer de RIB" not in payment


def test_the_arabic_page_gives_the_bank_reason_in_arabic(member_client, half_refused):
    # given
    claim, _ = half_refused
    member_client.post("/langue/setlang/", {"language": "ar", "next": "/espace/"})
    # when
    page = page_text(member_client, claim)
    # then
    assert "رفضها البنك: الحساب البنكي مغلق." in page
    assert "Le compte bancaire est clôturé." not in page


def test_the_api_claim_detail_carries_each_transfer_and_share(api, member, half_refused):
    # given
    claim, bordereau = half_refused
    # when
    body = api.get(f"/api/v1/dossiers/{claim.pk}/").json()
    # then
    [attempt] = body["payment_history"]
    assert (attempt["bordereau_number"], attempt["rib_last_digits"]) == (bordereau.number, f"…{member.rib[-4:]}")
    amo, complementary = attempt["shares"]
    assert (amo["payer"], amo["payer_name"], amo["amount"], amo["outcome"], amo["paid_on"], amo["reason_code"]) == (
        "amo", "CNOPS", "120.00", "rejete", None, "AC04")
    assert amo["message"] == "Refusée par la banque : Le compte bancaire est clôturé."
    assert (complementary["outcome"], complementary["paid_on"], complementary["amount"]) == (
        "paye", "2026-03-02", "40.00")
    assert body["rib_notice"].startswith("Pour recevoir le montant refusé")


def pdf_lines(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_statement_says_which_share_was_paid_and_which_refused_and_why(member_client, member, half_refused):
    # given
    claim, bordereau = half_refused
    # when
    response = member_client.get(f"/espace/dossiers/{claim.pk}/decompte.pdf")
    # then
    text = " ".join(pdf_lines(response.content).split())
    assert "Refusée par la banque : Le compte bancaire est clôturé. (code AC04)" in text
    assert f"Versée le 02/03/2026 sur le RIB se terminant par …{member.rib[-4:]}" in text
    assert "CNOPS (organisme)" in text and "MGPAP (mutuelle)" in text
    assert "enregistrez un nouveau RIB" in text
    assert bordereau.number in text


def test_while_the_bank_has_not_answered_the_shares_wait_at_their_step(member_client, claim, mgpap,
                                                                      django_capture_on_commit_callbacks):
    # given a bordereau built, not yet approved
    from mutuelles.services import system_user

    with django_capture_on_commit_callbacks(execute=True):
        request_bordereau(mutuelle=mgpap, fund=AMOFund.objects.get(code="CNOPS"), by=system_user())
    # when
    history = payment_history_for_claim(claim_id=claim.pk)
    page = page_text(member_client, claim)
    # then
    assert [(s.outcome, s.step) for s in history[0].shares] == [(ShareOutcome.PENDING, "preparation")] * 2
    assert page.count("Le paiement est en préparation dans un bordereau.") >= 2


def test_the_history_is_read_in_two_queries(claim, pay, django_assert_num_queries):
    # given
    pay(rejected={"C": "MD07"})
    # when
    with django_assert_num_queries(2):
        history = payment_history_for_claim(claim_id=claim.pk)
    # then
    assert [share.outcome for share in history[0].shares] == [ShareOutcome.PAID, ShareOutcome.REFUSED]
    assert history[0].shares[1].reason_code == "MD07"


@pytest.mark.parametrize("code", sorted(BANK_REASON_SENTENCES))
def test_every_bank_reason_has_an_arabic_translation(code):
    # when
    with translation.override("ar"):
        translated = translation.gettext(BANK_REASON_SENTENCES[code])
    # then
    assert translated != BANK_REASON_SENTENCES[code]
