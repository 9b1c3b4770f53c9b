"""amo_portal.bulk: the PostgreSQL COPY paths write what the row-by-row and bulk_create paths of
other databases write, for the columns the services give them (amounts, dates, text with tabs,
newlines and backslashes, JSON, NULLs)."""
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from amo_portal.bulk import _column_values, _copy_rows_in, _create_rows, _update_from_copy, _update_row_by_row
from claims.models import Claim, ClaimLine, ClaimStatus, ClaimStatusChange
from claims.workflow import CHANGE_COLUMNS
from payments.models import BankReturn, BankReturnLine, Bordereau, BordereauLine, LineState
from payments.services.bank_return import RESULT_COLUMNS
from payments.services.bordereau_lines import LINE_COLUMNS
from tests.factories.beneficiaries import InsuredFactory
from tests.factories.claims import act, file_claim, medicine
from tests.parity_support import PARITY, apart, postgresql_only, rows_by

pytestmark = pytest.mark.django_db
D = Decimal

#: Text as agents, banks and the tariff book write it, with what COPY must escape.
TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=40) | st.sampled_from(
    ["", "a\tb", "ligne 1\nligne 2", "C:\\dossier\\N", "\\N", "« accentué » ; l'agent", "عربي ١٢"])
MOMENTS = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC))
JSON = st.lists(st.one_of(TEXT, st.dictionaries(st.sampled_from(["motif", "ligne"]), TEXT, max_size=2)), max_size=3)


def cents(high: int):
    return st.integers(0, high).map(lambda v: D(v) / 100)


@pytest.fixture
def filed(mgpap, agent):
    """Three claims filed, not controlled yet, with an act and a medicine line each."""
    person = InsuredFactory(mutuelle=mgpap)
    claims = [file_claim(insured=person, by=agent, lines=[act("Cs", "250.00"), medicine("6118000000001", "15.80")],
                         care_date=date(2026, 2, day)) for day in (2, 3, 4)]
    return list(Claim.objects.filter(pk__in=[c.pk for c in claims]).order_by("pk"))


def both_updates(model, pks, columns: dict) -> None:
    """update_columns through COPY and through one UPDATE per row, each apart; same rows after."""
    fields = [model._meta.get_field(name) for name in columns]
    values = [_column_values(field, columns[name]) for field, name in zip(fields, columns, strict=True)]

    def written(update):
        update()
        return rows_by(model.objects.filter(pk__in=pks), "id", without=())

    in_copy = apart(lambda: written(lambda: _update_from_copy(model._meta, fields, pks, values)))
    row_by_row = apart(lambda: written(lambda: _update_row_by_row(model, fields, pks, values)))
    assert in_copy == row_by_row


def test_update_columns_copy_writes_what_row_by_row_updates_write(filed):
    """update_columns on PostgreSQL (COPY into a temporary table, one UPDATE ... FROM) against its
    path on other databases (one UPDATE per row), with the columns the liquidation writes on claims
    (statuses, amounts, NULLs, JSON reasons, moments) and on their lines (amounts, explanations)."""
    postgresql_only("update_columns (COPY)")
    pks = [claim.pk for claim in filed]
    line_pks = list(ClaimLine.objects.filter(claim__in=filed).order_by("pk").values_list("pk", flat=True))

    @st.composite
    def liquidations(draw):
        amo, complementary = draw(cents(10_000)), draw(cents(10_000))
        return {"status": draw(st.sampled_from([ClaimStatus.LIQUIDATED, ClaimStatus.IN_CONTROL])),
                "version": draw(st.integers(1, 9)), "total_paid": D("265.80"), "total_amo": amo,
                "total_complementary": complementary, "total_patient": D("265.80") - amo - complementary,
                "rejection_code": draw(TEXT)[:40], "rejection_message": draw(TEXT), "review_reasons": draw(JSON),
                "liquidated_at": draw(st.none() | MOMENTS), "liquidation_count": draw(st.integers(0, 3)),
                "etm_accord_id": None, "updated_at": draw(MOMENTS)}

    @st.composite
    def pricings(draw):
        return {"letter_key": draw(st.sampled_from(["", "Cs", "B"])), "coefficient": draw(cents(9999).filter(bool)),
                "tariff": draw(st.none() | cents(100_000)), "base": draw(st.none() | cents(1580)),
                "amo_amount": draw(cents(1580)),
                "complementary_amount": D("0.00"), "patient_amount": draw(cents(100_000)),
                "reason_code": draw(TEXT)[:40], "explanation": draw(TEXT)}

    @PARITY
    @given(st.lists(liquidations(), min_size=3, max_size=3), st.lists(pricings(), min_size=6, max_size=6))
    def check(claims, lines):
        both_updates(Claim, pks, {name: [c[name] for c in claims] for name in claims[0]})
        both_updates(ClaimLine, line_pks, {name: [line[name] for line in lines] for name in lines[0]})

    check()


def test_copy_rows_inserts_what_bulk_create_inserts(filed, agent):
    """copy_rows on PostgreSQL (COPY) against its path on other databases (bulk_create), with the
    columns of the services: audit rows (CHANGE_COLUMNS), bordereau lines (LINE_COLUMNS) and the
    bank's results (RESULT_COLUMNS). Every column is compared but one: bulk_create stamps an audit
    row's changed_at itself (auto_now_add), a moment after the one given; COPY keeps the one given."""
    postgresql_only("copy_rows (COPY)")
    Claim.objects.filter(pk__in=[c.pk for c in filed]).update(status=ClaimStatus.LIQUIDATED, total_amo=D("120.00"),
                                                              total_complementary=D("40.00"), total_patient=D("0"))
    bordereau = Bordereau.objects.create(mutuelle=filed[0].mutuelle, fund=filed[0].fund, built_by=agent)
    bank_return = BankReturn.objects.create(bordereau=bordereau, file_name="retour.txt", sha256="0" * 64,
                                            processed_on=date(2026, 3, 2), imported_by=agent)

    def inserted(insert, model, columns, rows, key):
        since = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        insert(model, columns, rows)
        found = rows_by(model.objects.filter(pk__gt=since), key)
        if model is ClaimStatusChange:
            given_at = {row[0]: row[4] for row in rows}
            assert all(row.pop("changed_at") >= given_at[pk] for pk, row in found.items())
        return found

    def both(model, columns, rows, key):
        assert apart(lambda: inserted(_copy_rows_in, model, columns, rows, key)) == apart(
            lambda: inserted(_create_rows, model, columns, rows, key))

    @PARITY
    @given(st.lists(st.tuples(TEXT, TEXT, TEXT, st.booleans(), st.sampled_from([None, date(2026, 3, 2)])),
                    min_size=3, max_size=3), st.data())
    def check(texts, data):
        moment = timezone.now()
        changes = [(claim.pk, ClaimStatus.LIQUIDATED, ClaimStatus.IN_BATCH, agent.pk, moment, code[:40], reason[:500],
                    moment if told else None)
                   for claim, (code, reason, told, *_) in zip(filed, texts, strict=True)]
        both(ClaimStatusChange, CHANGE_COLUMNS, changes, "claim_id")
        lines = [(bordereau.pk, claim.pk, f"REF-{claim.pk}", claim.number, name[:200], reason[:200], "0" * 24,
                  data.draw(cents(12000)), D("40.00"), LineState.PENDING, ClaimStatus.LIQUIDATED, D("0"), D("0"),
                  "", "", code)
                 for claim, (code, reason, name, *_) in zip(filed, texts, strict=True)]
        both(BordereauLine, LINE_COLUMNS, lines, "claim_id")

        def results():
            _create_rows(BordereauLine, LINE_COLUMNS, lines)
            ids = list(BordereauLine.objects.filter(bordereau=bordereau).order_by("pk").values_list("pk", flat=True))
            rows = [(line_id, "A", accepted, D("120.00"), code[:8], reason[:200], booked_on, bank_return.pk)
                    for line_id, (code, reason, _, accepted, booked_on) in zip(ids, texts, strict=True)]
            both(BankReturnLine, RESULT_COLUMNS, rows, "line_id")

        apart(results)

    check()
