"""Claims waiting for an agent, built the way production builds them (filing, then the controls)."""
from datetime import date

from django.db import transaction

from claims.models import Claim
from claims.tasks import liquidate_claim_task
from tests.factories.claims import act, file_claim


def claim_in_control(*, insured, lines=None, care_date: date = date(2026, 2, 2), filed_on: date | None = None,
                     **kwargs) -> Claim:
    """File a claim without any supporting document and run the controls: with no document the
    controls send it to an agent ("en contrôle") with its amounts already computed."""
    with transaction.atomic():
        claim = file_claim(insured=insured, lines=lines or [act("Cs", "250.00"), act("B 60", "66.00")],
                           care_date=care_date, filed_on=filed_on, **kwargs)
    liquidate_claim_task.apply(args=(claim.pk,))
    claim.refresh_from_db()
    return claim
