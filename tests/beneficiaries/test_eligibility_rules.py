"""The dependants' age limits are dated data per régime (tariffs/data/eligibility_rules.csv), read
from the TariffBook on the care date (loi 65-00 art. 5; law 54-23's 30 years, date unknown)."""
from datetime import date

import pytest

from beneficiaries.services.entitlement import child_entitlement, dependent_entitlement
from mutuelles.models import Regime
from tariffs.models import EligibilityRule
from tariffs.selectors import TariffBook
from tests.factories.beneficiaries import DependentFactory, StudyCertificateFactory

pytestmark = pytest.mark.django_db
BORN = date(2000, 5, 4)  # 22nd birthday 2022-05-04, 27th 2027-05-04, 31st 2031-05-04
#: A made-up start of law 54-23's student limit, for the tests only (its real date is unknown).
LAW_54_23 = date(2026, 1, 1)


def public() -> Regime:
    return Regime.objects.get(code="AMO-PUBLIC")


def with_student_limit_30() -> TariffBook:
    """The 26-year row closed and a 30-year row from LAW_54_23, as the file will say when the date is known."""
    row = EligibilityRule.objects.get(regime=public(), rule="student_age_limit", valid_to=None)
    row.valid_to = LAW_54_23
    row.save()
    EligibilityRule.objects.create(regime=public(), rule="student_age_limit", value=30, valid_from=LAW_54_23,
                                   source="test : loi 54-23, date d'effet supposée")
    return TariffBook.load()


def child(on: date, book: TariffBook, *, studying: bool = False):
    return child_entitlement(birth_date=BORN, on=on, married=False, studying=studying, disabled_maintained=False,
                             limits=book.eligibility_limits(regime_id=public().pk, on=on))


def test_the_loaded_rules_are_21_and_26_years_from_the_start_of_amo_for_both_regimes():
    # given
    book = TariffBook.load()
    # then
    for code in ("AMO-PUBLIC", "AMO-PRIVE"):
        limits = book.eligibility_limits(regime_id=Regime.objects.get(code=code).pk, on=date(2025, 1, 1))
        assert (limits.child_age, limits.student_age, limits.dependents_days_after_death) == (21, 26, 90)
    assert all(r.source for r in EligibilityRule.objects.all())
    assert not EligibilityRule.objects.filter(value=30).exists()  # its date is unknown: a commented row


def test_covered_the_day_before_the_22nd_birthday_and_not_on_it():
    # given
    book = TariffBook.load()
    # when
    eve, birthday = child(date(2022, 5, 3), book), child(date(2022, 5, 4), book)
    # then
    assert eve.entitled and eve.ends_on == date(2022, 5, 3)
    assert not birthday.entitled
    assert birthday.message.startswith("L'enfant a dépassé 21 ans")


def test_a_student_is_not_covered_from_the_27th_birthday_under_the_26_limit():
    # given
    book = TariffBook.load()
    # then
    assert child(date(2027, 5, 3), book, studying=True).entitled
    refused = child(date(2027, 5, 4), book, studying=True)
    assert not refused.entitled and "26 ans" in refused.message


def test_under_the_30_limit_a_student_is_covered_at_27_and_not_from_the_31st_birthday():
    # given
    book = with_student_limit_30()
    # then
    assert child(date(2027, 5, 4), book, studying=True).entitled
    assert child(date(2031, 5, 3), book, studying=True).entitled
    refused = child(date(2031, 5, 4), book, studying=True)
    assert not refused.entitled and refused.message.startswith("L'enfant a dépassé 30 ans")


def test_the_limit_of_the_care_date_applies_when_the_rule_changes_between_two_dates():
    # given: a student born 1998-06-01, 27 on 2025-06-01; the 30 limit starts on LAW_54_23
    book = with_student_limit_30()
    student = DependentFactory(birth_date=date(1998, 6, 1))
    StudyCertificateFactory(dependent=student, valid_from=date(2025, 9, 1), valid_until=date(2026, 8, 31))
    regime = student.insured.regime_id
    before, after = date(2025, 12, 31), date(2026, 1, 1)
    # when
    refused = dependent_entitlement(student, on=before, limits=book.eligibility_limits(regime_id=regime, on=before))
    covered = dependent_entitlement(student, on=after, limits=book.eligibility_limits(regime_id=regime, on=after))
    # then
    assert not refused.entitled and "26 ans" in refused.message
    assert covered.entitled and covered.code == "etudiant"


def test_an_age_limit_row_overlapping_another_is_refused():
    # given
    row = EligibilityRule(regime=public(), rule="child_age_limit", value=22, valid_from=date(2020, 1, 1))
    # then
    with pytest.raises(Exception, match="chevauche"):
        row.full_clean()
