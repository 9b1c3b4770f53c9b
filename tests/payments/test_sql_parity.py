"""The payments' SQL fast paths hold the same rules as their Python paths, on the same rows.

Claims get a payment past the way production gives them one (filed, liquidated, put in a
bordereau, approved, answered by the bank with partial rejections), then hypothesis varies what a
fast path must decide on: RIBs (none, a bad key, too short, spaced, Arabic digits, the refused one
again, a new one), payees' names, dependants, confirmed-paid shares, the bank's answers and the
chunk size. Each path runs in its own rolled-back savepoint; what each wrote is compared field by
field.
"""
import itertools
import random
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import example, given
from hypothesis import strategies as st

from beneficiaries.models import Insured
from claims.models import Claim, ClaimStatus, ClaimStatusChange
from claims.payable import DUE_SQL, due_expressions, still_due
from payments.lock_objects import lock_payable_claims
from payments.models import Bordereau, BordereauStatus, HeldClaim, LineState
from payments.services.bank_return import BANK_REASONS, import_bank_return
from payments.services.bordereau_lines import PAYABLE_FIELDS, add_claims, copy_plain_claims, take_chunk
from payments.services.building import start_bordereau
from payments.services.review import approve_bordereau, present_bordereau
from payments.services.settlement import (
    _move_claims,
    close_if_settled,
    settle_bordereau,
    settle_lines,
    settle_lines_in_sql,
    settled_shares,
)
from payments.transfer_file import TransferResult, parse_transfer_order, write_bank_return
from tests.factories.beneficiaries import DependentFactory, InsuredFactory, valid_rib
from tests.factories.claims import act, file_claim, with_document
from tests.parity_support import PARITY, apart, postgresql_only, rolled_back, rows_by
from tests.payments.support import bank_answer

pytestmark = pytest.mark.django_db
D = Decimal

#: What a payee may be called in the registry (accents, apostrophes, double spaces, nothing).
NAMES = ["Karim", "Aïcha", "Jean  Pierre", "O'Neil", "", "Ḥasan"]
#: What the registry may hold as an insured person's RIB (a column of 24 characters).
RIB_KINDS = ["keep", "new", "bad key", "short", "empty", "spaced", "dashed", "arabic digits", "letters"]
#: Confirmed-paid shares given to a liquidated claim (settlement writes them; here the service does).
SETTLED_KINDS = ["none", "amo", "complementary", "both", "half"]
_ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def registry_rib(kind: str, current: str, seed: int) -> str:
    new = valid_rib(seed)
    return {
        "keep": current, "new": new, "empty": "", "short": new[:23],
        "bad key": new[:22] + f"{(int(new[22:]) + 1) % 100:02d}",
        "spaced": f"{new[:10]} {new[10:23]}", "dashed": f"{new[:11]}-{new[11:23]}",
        "arabic digits": new.translate(_ARABIC), "letters": new[:10] + "AB" + new[12:],
    }[kind]


@pytest.fixture
def life(mgpap, cnops, supervisor, fund_officer, second_officer, payer_accounts, django_capture_on_commit_callbacks):
    """The steps of a claim's payment life, each run the way the workers run it."""
    seeds = itertools.count(1)
    capture = django_capture_on_commit_callbacks

    class Life:
        @staticmethod
        def claim(insured, *, dependent=None, cotation="Cs", paid="250.00", day=2) -> Claim:
            with capture(execute=True), transaction.atomic():
                claim = file_claim(insured=insured, dependent=dependent, lines=[act(cotation, paid)],
                                   care_date=date(2026, 2, day), documents=with_document(next(seeds)))
            claim = Claim.objects.get(pk=claim.pk)
            assert claim.status == ClaimStatus.LIQUIDATED, claim.review_reasons
            return claim

        @staticmethod
        def build() -> Bordereau:
            from payments.services.building import request_bordereau

            with capture(execute=True):
                bordereau = request_bordereau(mutuelle=mgpap, fund=cnops, by=second_officer)
            return Bordereau.objects.get(pk=bordereau.pk)

        @staticmethod
        def send(bordereau: Bordereau) -> Bordereau:
            present_bordereau(bordereau=bordereau, by=supervisor)
            with capture(execute=True):
                approve_bordereau(bordereau=bordereau, by=fund_officer)
            bordereau.refresh_from_db()
            return bordereau

        @staticmethod
        def answer(bordereau: Bordereau, rejected: dict[str, str]) -> None:
            content = bank_answer(bordereau.transfer_order, rejected=rejected)
            with capture(execute=True):
                import_bank_return(bordereau=bordereau, content=content, file_name="retour.txt", by=fund_officer)

    return Life


@pytest.fixture
def history(life, mgpap):
    """MGPAP claims with a payment past. A first bordereau paid four claims, refused claim 0's AMO
    transfer (complementary paid), claim 1's complementary transfer (AMO paid) and both of claim
    2's, and held out claim 5 (its insured person had no RIB then); three claims were liquidated
    since. Returns (payable claims, their insured persons)."""
    people = [InsuredFactory(mutuelle=mgpap) for _ in range(8)]
    child = DependentFactory(insured=people[1])
    spouse = DependentFactory(insured=people[4], relationship="conjoint", first_name="Aïcha",
                              last_name="Aït Ben Haddou", birth_date=date(1984, 3, 1))
    amounts = [("Cs", "250.00"), ("C", "80.00"), ("Cs", "150.00"), ("C", "100.00"), ("Cs", "250.00"),
               ("Cs", "300.00")]
    first = [life.claim(person, dependent=child if i == 1 else None, cotation=amounts[i][0], paid=amounts[i][1])
             for i, person in enumerate(people[:6])]
    no_rib = people[5].rib
    Insured.objects.filter(pk=people[5].pk).update(rib="")
    bordereau = life.send(life.build())
    assert HeldClaim.objects.filter(claim=first[5], reason_code=HeldClaim.Reason.NO_RIB).exists()
    refs = dict(bordereau.lines.values_list("claim_id", "reference"))
    life.answer(bordereau, rejected={f"{refs[first[0].pk]}-A": "AC04", f"{refs[first[1].pk]}-C": "AC01",
                                     f"{refs[first[2].pk]}-A": "MD07", f"{refs[first[2].pk]}-C": "MD07"})
    Insured.objects.filter(pk=people[5].pk).update(rib=no_rib)
    fresh = [life.claim(people[6], cotation="C", paid="80.00"), life.claim(people[4], dependent=spouse, day=9),
             life.claim(people[7], cotation="Cs", paid="180.00")]
    payable = [*first[:3], first[5], *fresh]
    statuses = [c.status for c in Claim.objects.filter(pk__in=[c.pk for c in payable]).order_by("pk")]
    assert statuses == [ClaimStatus.PAYMENT_REJECTED] * 3 + [ClaimStatus.LIQUIDATED] * 4
    return payable, [people[i] for i in (0, 1, 2, 5, 6, 4, 7)]


def snapshot(bordereau: Bordereau, since: int) -> dict:
    """What a constitution chunk wrote: lines, held-out claims, claim statuses and audit rows."""
    changes = ClaimStatusChange.objects.filter(pk__gt=since)
    assert not changes.filter(changed_at__isnull=True).exists()
    return {
        "lines": rows_by(bordereau.lines.all(), "claim_id"),
        "held": rows_by(HeldClaim.objects.all(), "claim_id", without=("id", "created_at", "updated_at")),
        "claims": {pk: (status, version) for pk, status, version in
                   Claim.objects.values_list("pk", "status", "version")},
        "changes": sorted(changes.values_list("claim_id", "from_status", "to_status", "changed_by_id", "reason_code",
                                              "reason")),
    }


def build_in_python(bordereau: Bordereau, limit: int) -> tuple[int, int, int]:
    """The constitution chunk of take_chunk on other databases: every rule in Python."""
    rows = lock_payable_claims(bordereau=bordereau, limit=limit, fields=PAYABLE_FIELDS)
    return len(rows), (rows[-1][0] if rows else 0), (add_claims(bordereau, rows) if rows else 0)


def build_all(chunk, bordereau: Bordereau, limit: int) -> list[tuple[int, int, int]]:
    """Chunks until the claims run out, as fill_bordereau and close_bordereau call them."""
    results = [chunk(bordereau, limit)]
    while results[-1][0] == limit:
        results.append(chunk(bordereau, limit))
    return results


def vary(payable, people, draw) -> None:
    """The registry and the ledger as hypothesis draws them."""
    for person in people:
        kind, seed = draw(st.sampled_from(RIB_KINDS)), draw(st.integers(0, 10_000))
        Insured.objects.filter(pk=person.pk).update(rib=registry_rib(kind, person.rib, seed),
                                                    first_name=draw(st.sampled_from(NAMES)))
    settled = {}
    for claim in payable[3:]:
        kind = draw(st.sampled_from(SETTLED_KINDS))
        amo = claim.total_amo if kind in ("amo", "both") else (claim.total_amo / 2).quantize(D("0.01")) \
            if kind == "half" else D("0.00")
        complementary = claim.total_complementary if kind in ("complementary", "both") else D("0.00")
        settled[claim.pk] = (amo, complementary)
    for pk, (amo, complementary) in settled.items():  # as earlier settlements would have left them
        Claim.objects.filter(pk=pk).update(amo_settled=amo, complementary_settled=complementary)


def test_plain_claims_sql_writes_the_lines_holds_and_moves_of_add_claims(history, mgpap, cnops, second_officer):
    """PLAIN_CLAIMS_SQL (copy_plain_claims, through take_chunk on PostgreSQL) against add_claims
    after lock_payable_claims (the rule in Python, the SQLite path): the same lines, every column
    but the id; the same claims held out, for the same reasons; the same claim statuses, versions
    and audit rows; the same (examined, last id, held) per chunk."""
    postgresql_only("PLAIN_CLAIMS_SQL")
    payable, people = history

    @PARITY
    @given(st.data(), st.integers(1, 9))
    def check(data, limit):
        with rolled_back():
            vary(payable, people, data.draw)
            bordereau = start_bordereau(mutuelle=mgpap, fund=cnops, by=second_officer)
            since = ClaimStatusChange.objects.order_by("-pk").values_list("pk", flat=True)[0]
            in_sql = apart(lambda: (build_all(take_chunk, bordereau, limit), snapshot(bordereau, since)))
            in_python = apart(lambda: (build_all(build_in_python, bordereau, limit), snapshot(bordereau, since)))
            assert in_sql == in_python
            seen.update(line["entered_from"] for line in in_sql[1]["lines"].values())
            seen.update(held["reason_code"] for held in in_sql[1]["held"].values())

    seen = set()
    check()
    # the examples went through every outcome: both kinds of line, every reason to hold a claim out
    assert seen >= {ClaimStatus.LIQUIDATED, ClaimStatus.PAYMENT_REJECTED, *HeldClaim.Reason.values}


def test_plain_claims_sql_writes_exactly_the_lines_add_claims_writes_for_plain_claims(history, mgpap, cnops,
                                                                                        second_officer):
    """PLAIN_CLAIMS_SQL alone against add_claims: the claims it writes are those add_claims puts in
    the bordereau from "liquidé", with the same line; the claims it leaves are all the others."""
    postgresql_only("PLAIN_CLAIMS_SQL")
    payable, people = history

    @PARITY
    @given(st.data())
    def check(data):
        with rolled_back():
            vary(payable, people, data.draw)
            bordereau = start_bordereau(mutuelle=mgpap, fund=cnops, by=second_officer)

            def in_sql():
                examined, last_id, written, others = copy_plain_claims(bordereau, 100)
                return examined, last_id, written, others, rows_by(bordereau.lines.all(), "claim_id")

            def in_python():
                rows = lock_payable_claims(bordereau=bordereau, limit=100, fields=PAYABLE_FIELDS)
                add_claims(bordereau, rows)
                lines = rows_by(bordereau.lines.filter(entered_from=ClaimStatus.LIQUIDATED), "claim_id")
                written = sorted(lines)
                return len(rows), rows[-1][0], written, [r[0] for r in rows if r[0] not in lines], lines

            assert apart(in_sql) == apart(in_python)

    check()


def _due_in_python() -> dict[int, tuple[Decimal, Decimal]]:
    due = {}
    for pk, *shares in Claim.objects.values_list("pk", "total_amo", "total_complementary", "amo_settled",
                                                 "complementary_settled"):
        rule = still_due(total_amo=shares[0], total_complementary=shares[1], amo_settled=shares[2],
                         complementary_settled=shares[3])
        due[pk] = (rule.amo, rule.complementary)
    return due


@st.composite
def ledgers(draw, total_paid: Decimal):
    """(total AMO, total complementary, AMO settled, complementary settled) a claim may hold."""
    if draw(st.booleans()) and draw(st.booleans()):
        return None, None, D("0.00"), D("0.00")  # not liquidated yet
    cents = int(total_paid * 100)
    amo = draw(st.integers(0, cents))
    complementary = draw(st.integers(0, cents - amo))
    amo_settled = draw(st.sampled_from([0, amo, amo // 2, draw(st.integers(0, amo))]))
    complementary_settled = draw(st.sampled_from([0, complementary, draw(st.integers(0, complementary))]))
    return tuple(D(v) / 100 for v in (amo, complementary, amo_settled, complementary_settled))


def test_due_expressions_and_due_sql_owe_what_still_due_owes(liquidated):
    """claims.payable: due_expressions (the ORM annotation) and, on PostgreSQL, DUE_SQL (the
    fragment of PLAIN_CLAIMS_SQL) against still_due (the Python rule), claim by claim, per payer,
    on liquidated claims, claims not liquidated yet, and every confirmed-paid share."""
    claims = liquidated(4)

    @PARITY
    @given(st.lists(ledgers(D("250.00")), min_size=len(claims), max_size=len(claims)))
    @example([(D("245.38"), D("4.62"), D("245.35"), D("0.00"))] * len(claims))  # 0.0299999999999999 on SQLite
    def check(shares):
        with rolled_back():
            for claim, (amo, complementary, amo_settled, complementary_settled) in zip(claims, shares, strict=True):
                Claim.objects.filter(pk=claim.pk).update(total_amo=amo, total_complementary=complementary,
                                                         amo_settled=amo_settled,
                                                         complementary_settled=complementary_settled)
            expected = _due_in_python()
            annotated = {pk: (amo, complementary) for pk, amo, complementary in Claim.objects.annotate(
                **due_expressions()).values_list("pk", "due_amo", "due_complementary")}
            assert annotated == expected
            if connection.vendor == "postgresql":
                due = ", ".join(DUE_SQL[share].format(c="c") for share in ("amo", "complementary"))
                sql = f"SELECT c.id, {due} FROM {Claim._meta.db_table} c"  # noqa: S608 (names from the code)
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                    assert {pk: (amo, complementary) for pk, amo, complementary in cursor.fetchall()} == expected

    check()


# --- settlement -------------------------------------------------------------------------------
@pytest.fixture
def second_bordereau(history, life):
    """The history's second bordereau, sent: claims 0 and 1 (new RIBs) for the share the bank
    refused only, claim 5 and the fresh claims for both; claim 2 held (same RIB as refused)."""
    payable, people = history
    for person in people[:2]:
        Insured.objects.filter(pk=person.pk).update(rib=valid_rib(person.pk + 7))
    bordereau = life.send(life.build())
    shares = {claim_id: (amo, complementary) for claim_id, amo, complementary in
              bordereau.lines.values_list("claim_id", "amo", "complementary")}
    assert shares[payable[0].pk][1] == 0 and shares[payable[1].pk][0] == 0 and payable[2].pk not in shares
    return bordereau


#: What the bank may say of one transfer: paid, or refused with a reason (known or not).
REFUSALS = [*BANK_REASONS, "XX99"]
VALUE_DATES = [None, date(2026, 3, 2), date(2026, 3, 4)]


def bank_files(bordereau: Bordereau, rng: random.Random) -> list[bytes]:
    """One or two return files answering every transfer of the order (one time in two), or some:
    paid (on one value date or another) or refused, each answer in the first file, the second, or
    both. Seeded random choices: hypothesis draws the seed."""
    with bordereau.transfer_order.file.open("rb") as handle:
        transfers = parse_transfer_order(handle.read()).transfers
    every_transfer = rng.random() < 0.5
    files: list[list[TransferResult]] = [[], []]
    for transfer in transfers:
        if not every_transfer and rng.random() < 0.3:
            continue
        paid = rng.random() < 0.6
        result = TransferResult(transfer.transfer_id, paid, transfer.amount, "" if paid else rng.choice(REFUSALS), "",
                                rng.choice(VALUE_DATES) if paid else None)
        for index in rng.choice([(0,), (1,), (0, 1)]):
            files[index].append(result)
    return [write_bank_return(bordereau_number=bordereau.number, order_sha256=bordereau.transfer_order.sha256,
                              processed_on=date(2026, 3, 1 + i), results=results)
            for i, results in enumerate(files) if results]


def claims_after_settlement(bordereau: Bordereau, since: int) -> dict:
    """What a settlement chunk changed beyond the lines: claims, audit rows, the bordereau."""
    return {
        "claims": {pk: rest for pk, *rest in Claim.objects.values_list(
            "pk", "status", "version", "amo_settled", "complementary_settled")},
        "changes": sorted(ClaimStatusChange.objects.filter(pk__gt=since).values_list(
            "claim_id", "from_status", "to_status", "changed_by_id", "reason_code", "reason")),
        "bordereau": Bordereau.objects.filter(pk=bordereau.pk).values_list("status", flat=True).get(),
        "lines": rows_by(bordereau.lines.all(), "claim_id"),
    }


def test_settle_sql_settles_lines_and_claims_as_settle_lines(second_bordereau, fund_officer):
    """SETTLE_SQL (settle_lines_in_sql, through settle_bordereau on PostgreSQL) against settle_lines
    (the rule in Python, the SQLite path, followed by what settle_bordereau does with its result):
    each line's state, amo_paid, complementary_paid, paid_on, bank_reason_code and bank_reason;
    the returned (claim, state, reason code, reason); then the claims' confirmed-paid shares,
    statuses, versions and audit rows, and the bordereau's status."""
    postgresql_only("SETTLE_SQL")
    bordereau = second_bordereau

    def in_python(limit: int) -> list[tuple]:
        """settle_bordereau's chunk on other databases: settle_lines, then the claims."""
        settled = settle_lines(bordereau_id=bordereau.pk, limit=limit)
        _move_claims(settled, Bordereau.objects.get(pk=bordereau.pk), settled_shares([row[0] for row in settled]))
        if len(settled) < limit:
            close_if_settled(bordereau_id=bordereau.pk)
        return settled

    @PARITY
    @given(st.integers(0, 2**32), st.integers(1, 8))
    def check(seed, limit):
        with rolled_back():
            for content in bank_files(bordereau, random.Random(seed)):
                import_bank_return(bordereau=bordereau, content=content, file_name="retour.txt", by=fund_officer)
            since = ClaimStatusChange.objects.order_by("-pk").values_list("pk", flat=True)[0]
            lines = bordereau.lines.all()
            # the statements alone: lines written and tuples returned
            in_sql = apart(lambda: (sorted(settle_lines_in_sql(bordereau_id=bordereau.pk, limit=limit)),
                                    rows_by(lines, "claim_id")))
            in_python_only = apart(lambda: (sorted(settle_lines(bordereau_id=bordereau.pk, limit=limit)),
                                            rows_by(lines, "claim_id")))
            assert in_sql == in_python_only
            # and the claims once settle_bordereau has applied them
            whole_sql = apart(lambda: (settle_bordereau(bordereau_id=bordereau.pk, limit=limit)[0],
                                       claims_after_settlement(bordereau, since)))
            whole_python = apart(lambda: (len(in_python(limit)), claims_after_settlement(bordereau, since)))
            assert whole_sql == whole_python
            seen.update(line["state"] for line in in_sql[1].values())
            seen.add(whole_sql[1]["bordereau"])

    seen = set()
    check()
    # the examples paid, refused, left lines waiting, and settled the bordereau
    assert seen >= {LineState.PAID, LineState.BANK_REJECTED, LineState.PENDING, BordereauStatus.SENT,
                    BordereauStatus.SETTLED}
