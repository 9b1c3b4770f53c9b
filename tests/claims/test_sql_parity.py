"""The claims' SQL fast paths hold the same rules as their ORM paths, on the same rows.

Claims are filed through the filing service (some liquidated, some rejected as duplicates, some
still waiting for the controls), then hypothesis draws what each statement is given. Each path
runs in its own rolled-back savepoint; what each wrote or read is compared field by field.
"""
import random
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from claims.models import Claim, ClaimStatus, ClaimStatusChange
from claims.services.processing import (
    SQL_DUPLICATE_DOCUMENTS,
    SQL_DUPLICATE_KEYS,
    _earlier_rows,
    _earlier_rows_with_orm,
)
from claims.workflow import ALLOWED_TRANSITIONS, _move_ids_in_sql, _move_ids_with_orm
from tests.factories.beneficiaries import DependentFactory, InsuredFactory
from tests.factories.claims import act, file_claim, with_document
from tests.parity_support import PARITY, apart, postgresql_only, rows_by

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def claims(mgpap, django_capture_on_commit_callbacks):
    """Claims in every status the automatic controls leave: liquidated (one of them with its own
    scan filed again), in control (no document; another person's scan), rejected (the same care
    filed again), and filed but not controlled yet (two of them repeating a liquidated claim's care
    and document)."""
    people = [InsuredFactory(mutuelle=mgpap) for _ in range(3)]
    child = DependentFactory(insured=people[0])
    filed = []

    def file(person, *, dependent=None, paid="250.00", seed=None, controlled=True, day=2):
        documents = with_document(seed) if seed is not None else []
        with django_capture_on_commit_callbacks(execute=controlled):
            claim = file_claim(insured=person, dependent=dependent, lines=[act("Cs", paid)], documents=documents,
                               care_date=date(2026, 2, day))
        filed.append(claim.pk)

    file(people[0], seed=1)
    file(people[0], dependent=child, seed=2, paid="300.00")
    file(people[1], seed=3)
    file(people[2])  # no document: to an agent
    file(people[0], seed=4)  # the same care again: rejected as a duplicate
    file(people[1], seed=3, paid="120.00", day=3)  # the same person's scan again, another care: liquidated
    file(people[2], seed=3, paid="90.00", day=5)  # another person's scan: to an agent
    file(people[0], seed=1, controlled=False)  # the same care and scan, not controlled yet
    file(people[0], seed=1, controlled=False, day=4)
    statuses = list(Claim.objects.filter(pk__in=filed).order_by("pk").values_list("status", flat=True))
    assert statuses == [ClaimStatus.LIQUIDATED] * 3 + [ClaimStatus.IN_CONTROL, ClaimStatus.REJECTED,
                                                        ClaimStatus.LIQUIDATED, ClaimStatus.IN_CONTROL,
                                                        ClaimStatus.SUBMITTED, ClaimStatus.SUBMITTED]
    return list(Claim.objects.filter(pk__in=filed).order_by("pk"))


# --- claims.workflow.transition_ids -----------------------------------------------------------
MOVES = sorted((current, to) for current, targets in ALLOWED_TRANSITIONS.items() for to in targets)
REASONS = st.sampled_from(["", "Dossier inscrit au bordereau de paiement BRD-1.", "motif « accentué » ; l'agent",
                           "x" * 600])


def test_transition_ids_statement_moves_the_claims_the_orm_moves(claims, agent):
    """The PostgreSQL statement of transition_ids (_move_ids_in_sql) against its ORM path
    (_move_ids_with_orm): the same ids moved (in the same order), the same statuses, versions and
    confirmed-paid shares (`settled`, as a settlement records them), updated_at set to the moment of
    the move, and the same audit rows, told or left to tell alike."""
    postgresql_only("transition_ids")
    ids = [claim.pk for claim in claims]

    liquidated = [(claim.pk, claim.total_amo, claim.total_complementary) for claim in claims
                  if claim.total_amo is not None and claim.total_complementary is not None]
    assert liquidated  # some moves record confirmed-paid shares

    def moved_by(move, claim_ids, current, to, by, reason, settled):
        since = ClaimStatusChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        now = timezone.now()
        moved = move(claim_ids, current, to, by, now, "code", reason[:500], settled=settled)
        claims_now = {pk: rest for pk, *rest in Claim.objects.filter(pk__in=ids).values_list(
            "pk", "status", "version", "amo_settled", "complementary_settled", "updated_at")}
        changes = rows_by(ClaimStatusChange.objects.filter(pk__gt=since), "claim_id")
        # Each path stamps its own moment: the claims carry it; the audit rows too, except that
        # the ORM's bulk_create stamps them itself (auto_now_add), a moment later.
        assert all(claims_now[pk].pop() == now for pk in moved)
        assert all(row.pop("changed_at") >= now for row in changes.values())
        # A change never e-mailed (claims.outbox) is written told at the moment of the move.
        assert all(row["notified_at"] in (None, now) for row in changes.values())
        for row in changes.values():
            row["notified_at"] = row["notified_at"] is not None
        return moved, claims_now, changes

    live_moves = [move for move in MOVES if move[0] in {claim.status for claim in claims}]

    @PARITY
    @given(st.integers(0, 2**32), st.sampled_from([agent.pk, None]), REASONS)
    def check(seed, by, reason):
        # seeded choices: some ids (and one that does not exist), a move out of a status claims
        # are in (so that some move) or out of any status
        rng = random.Random(seed)
        claim_ids = rng.sample([*ids, ids[-1] + 1000], rng.randint(0, len(ids)))
        move = rng.choice(live_moves if rng.random() < 0.7 else MOVES)
        settled = {pk: (amo, complementary) for pk, amo, complementary in liquidated if rng.random() < 0.5}
        in_sql = apart(lambda: moved_by(_move_ids_in_sql, claim_ids, *move, by, reason, settled))
        in_orm = apart(lambda: moved_by(_move_ids_with_orm, claim_ids, *move, by, reason, settled))
        assert in_sql == in_orm
        counts.append(len(in_sql[0]))

    counts = []
    check()
    assert max(counts) >= 2 and 0 in counts  # several claims moved at once, and none


# --- claims.services.processing duplicate detection -------------------------------------------
def test_duplicate_statements_find_the_rows_the_orm_finds(claims):
    """SQL_DUPLICATE_KEYS and SQL_DUPLICATE_DOCUMENTS (_earlier_rows on PostgreSQL) against the
    ORM queries of _earlier_rows_with_orm: the same earlier live claims, in the same order (the
    first one found is the claim the rejection message names), for any set of fingerprints and
    document hashes, known or not."""
    postgresql_only("SQL_DUPLICATE_KEYS / SQL_DUPLICATE_DOCUMENTS")
    keys = sorted({claim.duplicate_key for claim in claims})
    shas = sorted({sha for claim in claims for sha in claim.documents.values_list("sha256", flat=True)})
    unknown = "0" * 64

    @PARITY
    @given(st.lists(st.sampled_from([*keys, unknown]), unique=True), st.lists(st.sampled_from([*shas, unknown]),
                                                                             unique=True))
    def check(some_keys, some_shas):
        for sql, values, field in ((SQL_DUPLICATE_KEYS, sorted(some_keys), "duplicate_key"),
                                   (SQL_DUPLICATE_DOCUMENTS, sorted(some_shas), "sha256")):
            expected = list(_earlier_rows_with_orm(values, field)) if values else []
            assert list(_earlier_rows(sql, values, field)) == expected
            found.append(len(expected))

    found = []
    check()
    assert max(found) >= 3  # a care (or a scan) filed three times: which claim is named first matters
