"""Actors of the back office and a logged-in client for each."""
import pytest

from tests.admin.support import claim_in_control
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.mutuelles import StaffFactory


@pytest.fixture
def medical_officer(db, mgpap):
    return StaffFactory(role="medecin", mutuelle=mgpap)


@pytest.fixture
def claim(insured):
    """A MGPAP claim waiting for an agent."""
    return claim_in_control(insured=insured)


@pytest.fixture
def mgen_claim(mgen):
    return claim_in_control(insured=InsuredFactory(mutuelle=mgen, last_name="Zemmouri", first_name="Hind"))
