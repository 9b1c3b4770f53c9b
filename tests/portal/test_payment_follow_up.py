"""The insured person follows the claim to the payment: which bordereau, paid on which day, to
which RIB (payments.selectors.claim_payments), on the pages and through the API."""
import pytest

from claims.models import ClaimStatus
from payments.services.bank_return import import_bank_return
from payments.services.building import request_bordereau
from payments.services.review import approve_bordereau, present_bordereau
from tests.payments.support import bank_answer, file_liquidated, set_payer_accounts

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_claim(member, mgpap, supervisor, fund_officer, django_capture_on_commit_callbacks):
    """A claim of the member, liquidated, put in a bordereau, approved, and paid by the bank."""
    from mutuelles.models import AMOFund
    from mutuelles.services import system_user

    set_payer_accounts()
    with django_capture_on_commit_callbacks(execute=True):
        claim = file_liquidated(member, seed=4242)
    with django_capture_on_commit_callbacks(execute=True):
        bordereau = request_bordereau(mutuelle=mgpap, fund=AMOFund.objects.get(code="CNOPS"), by=system_user())
    bordereau.refresh_from_db()
    present_bordereau(bordereau=bordereau, by=supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        approve_bordereau(bordereau=bordereau, by=fund_officer)
    bordereau.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        import_bank_return(bordereau=bordereau, content=bank_answer(bordereau.transfer_order),
                           file_name="retour.txt", by=fund_officer)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    return claim, bordereau


def test_claim_page_says_which_bordereau_paid_it_when_and_to_which_rib(member_client, member, paid_claim):
    # given
    claim, bordereau = paid_claim
    # when
    page = member_client.get(f"/espace/dossiers/{claim.pk}/").content.decode()
    # then
    assert bordereau.number in page
    assert "02/03/2026" in page
    assert member.rib[-4:] in page
    assert "payé" in page


def test_home_shows_the_payment_date_of_the_last_claims(member_client, paid_claim):
    # when
    page = member_client.get("/espace/").content.decode()
    # then
    assert "payé le 02/03/2026" in page


def test_api_claim_detail_carries_the_payment(api, member, paid_claim):
    # given
    claim, bordereau = paid_claim
    # when
    body = api.get(f"/api/v1/dossiers/{claim.pk}/").json()
    # then
    assert body["payment"]["batch_number"] == bordereau.number
    assert body["payment"]["paid_on"] == "2026-03-02"
    assert body["payment"]["rib_last_digits"].endswith(member.rib[-4:])
    assert body["statement_url"] == f"/api/v1/dossiers/{claim.pk}/decompte/"


def test_statement_of_a_paid_claim_is_a_pdf(member_client, paid_claim):
    # given
    claim, _ = paid_claim
    # when
    response = member_client.get(f"/espace/dossiers/{claim.pk}/decompte.pdf")
    # then
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
