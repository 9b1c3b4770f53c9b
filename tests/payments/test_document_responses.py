"""The payment files (bordereau PDF, CSV, transfer orders) are downloads, never shown inline."""
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def assert_attachment(response) -> None:
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;"), response["Content-Disposition"]


def test_the_draft_bordereau_pdf_is_an_attachment(login, bordereau, fund_officer):
    # when
    response = login(fund_officer).get(reverse("payments:bordereau_pdf", args=[bordereau.pk]))
    # then
    assert_attachment(response)
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("name", ["bordereau_pdf", "bordereau_csv", "transfer_order", "transfer_order_pain001"])
def test_the_files_of_an_approved_bordereau_are_attachments(login, sent, fund_officer, name):
    # given
    assert sent.bordereau_pdf or name != "bordereau_pdf"
    # when
    response = login(fund_officer).get(reverse(f"payments:{name}", args=[sent.pk]))
    # then
    assert_attachment(response)
