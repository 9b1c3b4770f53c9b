"""A bank return whose amounts are not amounts ("sNaN", "Infinity", "NaN"...) is refused with the
line at fault, whatever the record: the desk answers with the reason, never a 500."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from payments.exceptions import BankReturnRejected
from payments.models import BankReturn, BankReturnLine, BordereauStatus
from payments.services.bank_return import import_bank_return
from payments.transfer_file import SEP, TransferFileError, parse_bank_return
from tests.payments.support import bank_answer

pytestmark = pytest.mark.django_db

NOT_AMOUNTS = ["sNaN", "NaN", "Infinity", "-Infinity", "1E+3", "-0.00", "1_000.00", "²³.00", " 12.00"]


def with_field(content: bytes, *, record: str, index: int, value: str) -> bytes:
    """The return with field `index` of its first `record` record replaced by `value`."""
    lines = content.decode("ascii").split("\r\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(record + SEP))
    fields = lines[at].split(SEP)
    fields[index] = value
    lines[at] = SEP.join(fields)
    return "\r\n".join(lines).encode("utf-8")


@pytest.mark.parametrize("value", NOT_AMOUNTS)
@pytest.mark.parametrize(("record", "index"), [("RS", 3), ("FI", 2), ("FI", 3)])
def test_an_amount_that_is_not_an_amount_is_refused_by_the_parser(sent, record, index, value):
    # given
    content = with_field(bank_answer(sent.transfer_order), record=record, index=index, value=value)
    # when / then
    with pytest.raises(TransferFileError):
        parse_bank_return(content)


@pytest.mark.parametrize("value", ["sNaN", "Infinity", "NaN"])
@pytest.mark.parametrize(("record", "index"), [("RS", 3), ("FI", 2), ("FI", 3)])
def test_the_import_refuses_it_and_records_nothing(sent, fund_officer, record, index, value):
    # given
    content = with_field(bank_answer(sent.transfer_order), record=record, index=index, value=value)
    # when / then
    with pytest.raises(BankReturnRejected, match="illisible"):
        import_bank_return(bordereau=sent, content=content, file_name="retour.txt", by=fund_officer)
    assert not BankReturn.objects.exists()
    assert not BankReturnLine.objects.exists()


def test_the_desk_answers_a_signalling_nan_in_the_totals_with_the_reason(login, sent, fund_officer):
    # given
    content = with_field(bank_answer(sent.transfer_order), record="FI", index=2, value="sNaN")
    upload = SimpleUploadedFile("retour.txt", content, content_type="text/plain")
    # when
    response = login(fund_officer).post(reverse("admin:payments_bordereau_return", args=[sent.pk]),
                                        {"file": upload}, follow=True)
    # then
    assert response.status_code == 200
    assert "montant « sNaN » illisible" in response.content.decode()
    sent.refresh_from_db()
    assert sent.status == BordereauStatus.SENT
    assert not BankReturnLine.objects.exists()
