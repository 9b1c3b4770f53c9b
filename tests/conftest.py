"""Shared fixtures: reference data, actors (agents, insured persons, dependants)."""
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from tests.factories.beneficiaries import DependentFactory, InsuredFactory
from tests.factories.mutuelles import PASSWORD, StaffFactory, enrol_second_factor, next_step, totp_code


class PortalClient(Client):
    """Django's test client, with staff accounts signed in as in production: on the staff login page, with
    their password and the code of their authenticator (enrolled first, as at a first login, if they have
    none), so that their session is verified by the second factor. Other accounts: Django's force_login."""

    def force_login(self, user, backend=None):
        if not user.is_staff_account:
            return super().force_login(user, backend)
        return self.sign_in_staff(user)

    def password_only_login(self, user) -> None:
        """A staff session opened with the password alone (what a stolen password gives, before the code)."""
        super().force_login(user)

    def sign_in_staff(self, user) -> None:
        from django.urls import reverse
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device, _ = enrol_second_factor(user)
        code = totp_code(device, step=next_step(device))
        response = self.post(reverse("admin:login"), {"username": user.get_username(), "password": PASSWORD,
                                                      "otp_token": code})
        assert response.status_code == 302, (user.get_username(), response.context["form"].errors)


def _ensure_reference_data() -> None:
    from tariffs.models import LetterKey

    if not LetterKey.objects.exists():
        call_command("load_reference_data", verbosity=0)
        call_command("setup_roles", verbosity=0)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the reference data once, in the test database, as `make run` does."""
    with django_db_blocker.unblock():
        _ensure_reference_data()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Tests that flush the database (transaction=True) get the reference data back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        _ensure_reference_data()


@pytest.fixture(scope="session", autouse=True)
def _clean_media():
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture
def mgpap():
    from mutuelles.models import Mutuelle

    return Mutuelle.objects.get(code="MGPAP")


@pytest.fixture
def mgen():
    from mutuelles.models import Mutuelle

    return Mutuelle.objects.get(code="MGEN")


@pytest.fixture
def insured(db, mgpap):
    return InsuredFactory(mutuelle=mgpap)


@pytest.fixture
def dependent(insured):
    return DependentFactory(insured=insured)


@pytest.fixture
def agent(db, mgpap):
    return StaffFactory(role="agent", mutuelle=mgpap)


@pytest.fixture
def other_agent(db, mgen):
    return StaffFactory(role="agent", mutuelle=mgen)


@pytest.fixture
def supervisor(db, mgpap):
    return StaffFactory(role="superviseur", mutuelle=mgpap)


@pytest.fixture
def fund_officer(db):
    from mutuelles.models import AMOFund

    return StaffFactory(role="organisme", mutuelle=None, fund=AMOFund.objects.get(code="CNOPS"))


@pytest.fixture
def client():
    return PortalClient()


@pytest.fixture
def login(client):
    """login(user) -> the test client, signed in as that user (staff: with password and second factor)."""
    def as_user(user):
        client.force_login(user)
        return client

    return as_user
