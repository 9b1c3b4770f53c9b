"""Actors of the back office and a logged-in client for each."""
import pytest

from tests.admin.scope_world import STAFF_ROLES, Side
from tests.admin.support import claim_in_control
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.mutuelles import PASSWORD, StaffFactory


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


@pytest.fixture
def sides(django_capture_on_commit_callbacks):
    """(own, foreign): MGPAP under the CNOPS, whose staff the tests sign in as, and MGEN under the CNSS,
    "another mutuelle" for all of them (neither their mutuelle nor the CNOPS officers' organisme)."""
    own = Side(mutuelle="MGPAP", fund="CNOPS", capture=django_capture_on_commit_callbacks, surname="Bennouna")
    foreign = Side(mutuelle="MGEN", fund="CNSS", capture=django_capture_on_commit_callbacks, surname="Zerhouni")
    return own, foreign


@pytest.fixture
def staff(mgpap):
    """One account of every staff role: role -> user."""
    from mutuelles.models import AMOFund

    cnops = AMOFund.objects.get(code="CNOPS")
    return {role: StaffFactory(role=role, mutuelle=None if role == "organisme" else mgpap,
                               fund=cnops if role == "organisme" else None) for role in STAFF_ROLES}


@pytest.fixture
def superuser(db):
    from mutuelles.models import User

    return User.objects.create_superuser("racine", "racine@example.ma", PASSWORD)
