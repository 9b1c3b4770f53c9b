"""Insured persons with an online account, another family's data, and signed-in clients."""
from datetime import date, timedelta

import pytest
from rest_framework.test import APIClient

from portal.services.tokens import issue_token
from tests.factories.beneficiaries import DependentFactory, InsuredFactory
from tests.factories.claims import act, file_claim, with_document
from tests.factories.mutuelles import StaffFactory

#: A care date inside the 60-day window of the filing dates used below.
CARE_DATE = date(2026, 2, 2)


def liquidated_claim(insured, *, seed: int = 0, lines=None, dependent=None):
    """A claim filed with a document and run through the automatic controls and liquidation."""
    from claims.services.processing import liquidate_pending_claims
    from mutuelles.services import system_user

    claim = file_claim(insured=insured, lines=lines or [act("Cs", "150.00")], documents=with_document(seed=seed),
                       care_date=CARE_DATE, filed_on=CARE_DATE, dependent=dependent)
    liquidate_pending_claims(by=system_user())
    claim.refresh_from_db()
    return claim


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Attempt counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def member(db, mgpap):
    """The insured person signed in during the tests, with two children."""
    person = InsuredFactory(mutuelle=mgpap, user=StaffFactory(role="assure", mutuelle=None, username="karim.test"))
    DependentFactory(insured=person, first_name="Adam", birth_date=date(2015, 5, 1))
    return person


@pytest.fixture
def stranger(db, mgpap):
    """Another insured person of the same mutuelle, with a claim and a document of their own."""
    person = InsuredFactory(mutuelle=mgpap, first_name="Hind",
                            user=StaffFactory(role="assure", mutuelle=None, username="hind.test"))
    liquidated_claim(person, seed=901)
    return person


@pytest.fixture
def member_client(client, member):
    client.force_login(member.user)
    return client


@pytest.fixture
def api(member):
    """An API client authenticated with the member's token, as a mobile app is."""
    api_client = APIClient()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=member.user, name='téléphone')[1]}")
    return api_client


def recent_care_date() -> date:
    from django.utils import timezone

    return timezone.localdate() - timedelta(days=5)


def claim_payload(**overrides) -> dict:
    payload = {
        "care_date": recent_care_date().isoformat(), "prescriber_inpe": "123456789",
        "lines": [{"kind": "acte", "cotation": "Cs", "paid": "250.00"},
                  {"kind": "acte", "cotation": "B 60", "paid": "66.00"}],
    }
    payload.update(overrides)
    return payload
