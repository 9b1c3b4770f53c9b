"""Fixtures of the payments tests: payer accounts, liquidated claims, a built bordereau."""
import itertools

import pytest

from mutuelles.models import AMOFund
from payments.models import Bordereau
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.mutuelles import StaffFactory
from tests.payments.support import file_liquidated, set_payer_accounts


@pytest.fixture
def cnops(db):
    return AMOFund.objects.get(code="CNOPS")


@pytest.fixture
def payer_accounts(db):
    set_payer_accounts()


@pytest.fixture
def second_officer(cnops):
    return StaffFactory(role="organisme", mutuelle=None, fund=cnops)


@pytest.fixture
def liquidated(django_capture_on_commit_callbacks, mgpap):
    """make(n) -> n liquidated MGPAP claims (Cs at 250 DH: 120 AMO + 40 complementary in 2026)."""

    seeds = itertools.count(1)  # every scan distinct: the same document twice is a duplicate claim

    def make(n: int, *, mutuelle=None, **kwargs):
        claims = []
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(n):
                person = kwargs.pop("insured", None) or InsuredFactory(mutuelle=mutuelle or mgpap)
                claims.append(file_liquidated(person, seed=next(seeds), **kwargs))
        for claim in claims:
            claim.refresh_from_db()
        return claims

    return make


@pytest.fixture
def build(django_capture_on_commit_callbacks, cnops):
    """build(mutuelle, by=None) -> the bordereau built on demand for (mutuelle, CNOPS)."""
    from mutuelles.services import system_user
    from payments.services.building import request_bordereau

    def run(mutuelle, *, by=None):
        with django_capture_on_commit_callbacks(execute=True):
            bordereau = request_bordereau(mutuelle=mutuelle, fund=cnops, by=by or system_user())
        return Bordereau.objects.filter(pk=bordereau.pk).first()

    return run


@pytest.fixture
def presented(build, supervisor, mgpap):
    """present(n) -> a presented MGPAP bordereau of n liquidated claims."""
    from payments.services.review import present_bordereau

    def make(claims):
        bordereau = build(mgpap)
        return present_bordereau(bordereau=bordereau, by=supervisor)

    return make


@pytest.fixture
def bordereau(liquidated, build, mgpap, payer_accounts):
    """A bordereau of two liquidated MGPAP claims, built (test_review overrides it with three)."""
    liquidated(2)
    return build(mgpap)


@pytest.fixture
def sent(bordereau, supervisor, fund_officer, django_capture_on_commit_callbacks):
    """The bordereau presented and approved: its transfer order issued."""
    from payments.services.review import approve_bordereau, present_bordereau

    present_bordereau(bordereau=bordereau, by=supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        approve_bordereau(bordereau=bordereau, by=fund_officer)
    bordereau.refresh_from_db()
    return bordereau
