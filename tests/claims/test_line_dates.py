"""Each line has its own care date: its tariffs, prices and filing deadline are those of that day."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from claims.models import Claim, ClaimStatus
from mutuelles.models import Regime
from tariffs.models import LetterKey, LetterKeyValue
from tests.factories.claims import act, file_claim, with_document

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def file_and_process(django_capture_on_commit_callbacks):
    def run(**kwargs):
        kwargs.setdefault("documents", with_document(kwargs.pop("doc_seed", 0)))
        with django_capture_on_commit_callbacks(execute=True):
            claim = file_claim(**kwargs)
        claim.refresh_from_db()
        return claim

    return run


@pytest.fixture
def c_rises_on_march_1st(db):
    """The GP consultation C of the public régime goes from 80 to 100 DH on 1 March 2026 (test data)."""
    regime = Regime.objects.get(code="AMO-PUBLIC")
    key = LetterKey.objects.get(code="C")
    LetterKeyValue.objects.filter(key=key, regime=regime, valid_to__isnull=True).update(valid_to=date(2026, 3, 1))
    LetterKeyValue.objects.create(key=key, regime=regime, value=D("100.00"), valid_from=date(2026, 3, 1))


def test_two_lines_of_one_claim_on_both_sides_of_a_price_change_get_two_prices(insured, file_and_process,
                                                                               c_rises_on_march_1st):
    # when: a consultation in February, the follow-up visit in March, one claim
    claim = file_and_process(insured=insured, care_date=date(2026, 2, 25), filed_on=date(2026, 3, 5),
                             lines=[act("C", "120.00"), act("C", "120.00", care_date=date(2026, 3, 2))])
    # then: each line at the value of its own day
    first, second = claim.lines.order_by("position")
    assert (first.care_date, second.care_date) == (date(2026, 2, 25), date(2026, 3, 2))
    assert (first.tariff, second.tariff) == (D("80.00"), D("100.00"))
    assert (first.amo_amount, second.amo_amount) == (D("64.00"), D("80.00"))
    assert claim.care_date == date(2026, 2, 25)  # the first act's
    assert claim.status == ClaimStatus.LIQUIDATED


def test_a_line_without_a_date_takes_the_claims(insured, file_and_process):
    claim = file_and_process(insured=insured, care_date=date(2026, 2, 2), lines=[act("C", "80.00")])
    assert claim.lines.get().care_date == date(2026, 2, 2)


def test_a_line_filed_too_late_is_refused_alone_the_others_are_paid(insured, file_and_process):
    # given: the consultation on 2 Jan (day 67 at filing), the laboratory on 20 Jan (day 49)
    claim = file_and_process(insured=insured, care_date=date(2026, 1, 2), filed_on=date(2026, 3, 10),
                             lines=[act("C", "80.00"), act("B 60", "66.00", care_date=date(2026, 1, 20))])
    # then
    late, on_time = claim.lines.order_by("position")
    assert claim.status == ClaimStatus.LIQUIDATED
    assert (late.reason_code, late.amo_amount, late.complementary_amount) == ("hors_delai", D("0.00"), D("0.00"))
    assert "hors délai" in late.explanation and "02/01/2026" in late.explanation
    assert (on_time.reason_code, on_time.tariff, on_time.amo_amount) == ("", D("66.00"), D("52.80"))
    assert claim.total_amo == D("52.80")


def test_when_every_line_is_late_the_claim_is_rejected_as_before(insured, file_and_process):
    claim = file_and_process(insured=insured, care_date=date(2026, 1, 2), filed_on=date(2026, 3, 20),
                             lines=[act("C", "80.00"), act("B 60", "66.00", care_date=date(2026, 1, 5))])
    assert claim.status == ClaimStatus.REJECTED
    assert claim.rejection_code == "hors_delai"
    assert "02/01/2026" in claim.rejection_message  # counted from the first act


@pytest.mark.parametrize(("line_date", "words"), [
    (date(2026, 2, 10), "postérieure à la date de dépôt"),
    (date(2026, 1, 31), "ne peut pas précéder la date des soins du dossier (02/02/2026)"),
])
def test_a_bad_line_date_is_refused_naming_the_line_and_nothing_is_written(insured, line_date, words):
    with pytest.raises(ValidationError) as caught:
        file_claim(insured=insured, care_date=date(2026, 2, 2), filed_on=date(2026, 2, 5),
                   lines=[act("C", "80.00"), act("B 60", "66.00", care_date=line_date)])
    text = " ".join(caught.value.messages)
    assert "Ligne 2 — La date des soins de la ligne" in text and words in text
    assert not Claim.objects.exists()


def test_a_line_date_after_the_end_of_treatment_is_refused(insured):
    with pytest.raises(ValidationError, match="fin du traitement"):
        file_claim(insured=insured, care_date=date(2026, 2, 2), filed_on=date(2026, 2, 20),
                   treatment_end_date=date(2026, 2, 10),
                   lines=[act("C", "80.00"), act("B 60", "66.00", care_date=date(2026, 2, 12))])


# --- the simulator ------------------------------------------------------------------------------
SIM = "/api/v1/simulations/"
INSURED = {"relationship": "assure", "birth_date": "1980-04-12"}


def test_the_simulator_prices_each_line_on_its_own_date(c_rises_on_march_1st):
    payload = {"mutuelle": "MGPAP", "care_date": "2026-02-25", "filing_date": "2026-03-05", "beneficiary": INSURED,
               "lines": [{"kind": "acte", "cotation": "C", "paid": "120.00"},
                         {"kind": "acte", "cotation": "C", "paid": "120.00", "care_date": "2026-03-02"}]}
    response = APIClient().post(SIM, payload, format="json")
    assert response.status_code == 200, response.json()
    assert [line["tariff"] for line in response.json()["lines"]] == ["80.00", "100.00"]


def test_the_simulator_refuses_a_line_date_before_the_claims_naming_the_line():
    payload = {"mutuelle": "MGPAP", "care_date": "2026-02-25", "filing_date": "2026-03-05", "beneficiary": INSURED,
               "lines": [{"kind": "acte", "cotation": "C", "paid": "80.00"},
                         {"kind": "acte", "cotation": "C", "paid": "80.00", "care_date": "2026-02-20"}]}
    response = APIClient().post(SIM, payload, format="json")
    assert response.status_code == 400
    assert "précéder la date des soins du dossier" in str(response.json())
    assert "care_date" in str(response.json())


def test_the_simulator_refuses_only_the_late_line():
    payload = {"mutuelle": "MGPAP", "care_date": "2026-01-02", "filing_date": "2026-03-10", "beneficiary": INSURED,
               "lines": [{"kind": "acte", "cotation": "C", "paid": "80.00"},
                         {"kind": "acte", "cotation": "B 60", "paid": "66.00", "care_date": "2026-01-20"}]}
    body = APIClient().post(SIM, payload, format="json").json()
    assert body["admissible"] is True
    assert [line["reason"] for line in body["lines"]] == ["hors_delai", ""]


def test_a_public_laboratory_line_is_filed_and_liquidated_at_the_public_value(insured, file_and_process):
    claim = file_and_process(insured=insured, care_date=date(2026, 2, 2),
                             lines=[act("B 60", "66.00", provider_sector="public"), act("B 60", "66.00")])
    public, private = claim.lines.order_by("position")
    assert (public.provider_sector, public.tariff) == ("public", D("42.00"))
    assert (private.provider_sector, private.tariff) == ("prive", D("66.00"))
