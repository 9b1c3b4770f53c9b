"""Entitlement on a date (loi 65-00 art. 5, domain.md §3.2), at the edge days."""
from datetime import date

import pytest

from beneficiaries.models import RightsMaintenance
from beneficiaries.services.entitlement import child_entitlement, dependent_entitlement, insured_entitlement
from tariffs.selectors import EligibilityLimits
from tests.factories.beneficiaries import DependentFactory, ETMAccordFactory, InsuredFactory, StudyCertificateFactory

#: The limits of loi 65-00 art. 5 as tariffs/data/eligibility_rules.csv gives them.
LIMITS = EligibilityLimits(child_age=21, student_age=26, dependents_days_after_death=90)
BORN = date(2003, 5, 4)  # 22nd birthday 2025-05-04, 27th birthday 2030-05-04


@pytest.mark.parametrize(
    ("on", "married", "studying", "disabled", "entitled", "code"),
    [
        (date(2025, 5, 3), False, False, False, True, "ouvert"),  # eve of the 22nd birthday: 21 completed years
        (date(2025, 5, 4), False, False, False, False, "age_depasse_21"),  # the 22nd birthday
        (date(2025, 5, 4), False, True, False, True, "etudiant"),  # studying: up to 26
        (date(2025, 5, 4), True, True, False, False, "enfant_marie"),  # married: no extension
        (date(2030, 5, 3), False, True, False, True, "etudiant"),  # eve of the 27th birthday
        (date(2030, 5, 4), False, True, False, False, "age_depasse_26"),  # the 27th birthday
        (date(2040, 1, 1), False, False, True, True, "handicap_maintien"),  # disabled, maintained: no limit
        (date(2003, 5, 3), False, False, False, False, "non_ne"),
    ],
)
def test_child_entitlement_at_the_age_limits(on, married, studying, disabled, entitled, code):
    # when
    result = child_entitlement(birth_date=BORN, on=on, married=married, studying=studying,
                               disabled_maintained=disabled, limits=LIMITS)
    # then
    assert (result.entitled, result.code) == (entitled, code)
    assert result.message


def test_child_entitlement_tells_when_it_ends():
    result = child_entitlement(birth_date=BORN, on=date(2025, 1, 1), married=False, studying=False,
                               disabled_maintained=False, limits=LIMITS)
    assert result.ends_on == date(2025, 5, 3)


def test_born_on_29_february_turns_22_on_1_march():
    born = date(2004, 2, 29)
    assert child_entitlement(birth_date=born, on=date(2026, 2, 28), married=False, studying=False,
                             disabled_maintained=False, limits=LIMITS).entitled
    assert not child_entitlement(birth_date=born, on=date(2026, 3, 1), married=False, studying=False,
                                 disabled_maintained=False, limits=LIMITS).entitled


@pytest.mark.django_db
def test_student_is_covered_only_on_the_days_of_a_valid_certificate():
    # given: a child of 24 with a certificate for 2025-2026
    child = DependentFactory(birth_date=date(2002, 1, 10))
    StudyCertificateFactory(dependent=child, valid_from=date(2025, 9, 1), valid_until=date(2026, 8, 31))
    # when / then
    assert dependent_entitlement(child, on=date(2026, 8, 31), limits=LIMITS).entitled
    assert not dependent_entitlement(child, on=date(2026, 9, 1), limits=LIMITS).entitled
    assert dependent_entitlement(child, on=date(2026, 9, 1), limits=LIMITS).code == "age_depasse_21"


@pytest.mark.django_db
def test_disabled_child_past_26_needs_a_maintien_des_droits():
    # given
    child = DependentFactory(birth_date=date(1990, 3, 3), disabled=True)
    # then: without a maintien, no rights
    assert not dependent_entitlement(child, on=date(2026, 1, 1), limits=LIMITS).entitled
    # given a maintien from 2020
    RightsMaintenance.objects.create(dependent=child, decision_number="MD-1", valid_from=date(2020, 1, 1))
    assert dependent_entitlement(child, on=date(2026, 1, 1), limits=LIMITS).entitled


@pytest.mark.django_db
def test_struck_off_insured_closes_rights_of_the_whole_family():
    # given
    holder = InsuredFactory(status="radie", status_since=date(2025, 6, 30))
    child = DependentFactory(insured=holder, birth_date=date(2015, 1, 1))
    # then
    assert insured_entitlement(holder, on=date(2025, 6, 29)).entitled
    assert insured_entitlement(holder, on=date(2025, 6, 30)).code == "droits_fermes"
    assert dependent_entitlement(child, on=date(2025, 7, 1), limits=LIMITS).code == "droits_fermes"


@pytest.mark.django_db
def test_spouse_covered_elsewhere_is_not_entitled():
    spouse = DependentFactory(relationship="conjoint", birth_date=date(1982, 1, 1), covered_elsewhere=True)
    assert dependent_entitlement(spouse, on=date(2026, 1, 1), limits=LIMITS).code == "conjoint_autre_regime"


@pytest.mark.django_db
def test_etm_covers_its_first_and_last_day_only():
    # given
    accord = ETMAccordFactory(valid_from=date(2024, 1, 1), valid_until=date(2028, 12, 31))
    # then
    assert not accord.covers(date(2023, 12, 31))
    assert accord.covers(date(2024, 1, 1))
    assert accord.covers(date(2028, 12, 31))
    assert not accord.covers(date(2029, 1, 1))
