"""The whole payment life as random sequences of real service calls (hypothesis stateful testing):
claims liquidated (some after an agent's adjustment), bordereaux built, presented, approved,
rejected or split, bank returns full, partial per share, rejected, repeated or overlapping, RIBs
changed. After every step: no claim is ever paid more than it was liquidated, per payer; the
confirmed-paid shares are what the lines say; a claim "payé" received exactly its liquidated
total; every bordereau's control totals are what its lines add up to.

Each sequence runs inside a savepoint rolled back at its end, so sequences start from the same
reference data. Workers are replaced by running the tasks' on-commit callbacks in place, as the
other payment tests do.
"""
import itertools
import os
from contextlib import suppress
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.test import TestCase
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from amo_portal.exceptions import DomainError
from claims.models import Claim, ClaimStatus
from claims.payable import PAYABLE_STATUSES
from claims.services.review import accept_claim, adjust_line
from payments.models import BankReturn, BankReturnLine, Bordereau, BordereauLine, BordereauStatus, LineState
from payments.reconciliation import claims_out_of_balance
from payments.services.bank_return import import_bank_return
from payments.services.building import request_bordereau
from payments.services.review import approve_bordereau, present_bordereau, reject_bordereau, split_bordereau
from payments.transfer_file import TransferResult, parse_transfer_order, write_bank_return
from tests.admin.support import claim_in_control
from tests.factories.beneficiaries import InsuredFactory, valid_rib
from tests.payments.support import file_liquidated

pytestmark = pytest.mark.django_db
ZERO = Decimal("0.00")
#: How many sequences and steps CI explores on each database.
SEQUENCES = int(os.environ.get("PAYMENT_LIFE_SEQUENCES", "200"))
STEPS = 30
OPEN = (BordereauStatus.BUILT, BordereauStatus.PRESENTED)
seeds = itertools.count(10_000)


def run_on_commit(call, *args, **kwargs):
    """Call a service and run what it queued for after the commit (the workers' jobs), in place."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return call(*args, **kwargs)


class PaymentLife(RuleBasedStateMachine):
    """One sequence: a few insured persons of one mutuelle, their claims and bordereaux."""

    actors: dict = {}

    def __init__(self):
        super().__init__()
        self._savepoint = transaction.atomic()
        # The services open durable transactions; Django lets them nest only in a test's own
        # atomic block, which this savepoint stands for.
        self._savepoint._from_testcase = True
        self._savepoint.__enter__()
        self.people = [InsuredFactory(mutuelle=self.actors["mutuelle"]) for _ in range(2)]
        self.claim_ids: list[int] = []
        self.bank_days = itertools.count(1)
        self.steps = 0
        self.payable = 0
        self.bordereaux: dict[str, list[int]] = {}

    def teardown(self):
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)
        self.actors["steps"] += self.steps

    def _first(self, *statuses) -> Bordereau:
        return Bordereau.objects.get(pk=min(pk for status in statuses for pk in self.bordereaux.get(status, [])))

    def _has(self, *statuses) -> bool:
        return any(self.bordereaux.get(status) for status in statuses)

    # --- claims -----------------------------------------------------------------------------

    @precondition(lambda self: len(self.claim_ids) < 6)
    @rule(person=st.integers(0, 1), cotation=st.sampled_from(["Cs", "C", "B 60"]))
    def liquidate(self, person, cotation):
        self.steps += 1
        paid = {"Cs": "250.00", "C": "80.00", "B 60": "66.00"}[cotation]
        claim = run_on_commit(file_liquidated, self.people[person], seed=next(seeds), cotation=cotation, paid=paid)
        self.claim_ids.append(claim.pk)

    @precondition(lambda self: len(self.claim_ids) < 6)
    @rule(person=st.integers(0, 1), new_amount=st.sampled_from(["100.00", "180.00", "40.00"]))
    def liquidate_after_adjustment(self, person, new_amount):
        """An agent corrects the amount read on the care sheet (the claim is priced again), then accepts."""
        self.steps += 1
        claim = claim_in_control(insured=self.people[person])
        self.claim_ids.append(claim.pk)
        if claim.status != ClaimStatus.IN_CONTROL:
            return
        line = claim.lines.order_by("pk").first()
        agent = self.actors["agent"]
        run_on_commit(adjust_line, line=line, version=claim.version, by=agent, reason="montant relu",
                      amount_paid=Decimal(new_amount))
        claim.refresh_from_db()
        # a control may refuse it, or a second approval may be needed: then it is not payable, fine
        with suppress(DomainError):
            run_on_commit(accept_claim, claim=claim, version=claim.version, by=agent)

    @rule(person=st.integers(0, 1))
    def change_rib(self, person):
        self.steps += 1
        insured = self.people[person]
        insured.rib = valid_rib(next(seeds))
        insured.save(update_fields=["rib"])

    # --- bordereaux ---------------------------------------------------------------------------

    @precondition(lambda self: self.payable > 0)
    @rule()
    def build(self):
        self.steps += 1
        with suppress(DomainError):  # every payable claim may be held out (RIB unchanged...)
            run_on_commit(request_bordereau, mutuelle=self.actors["mutuelle"], fund=self.actors["fund"],
                          by=self.actors["builder"])

    @precondition(lambda self: self._has(BordereauStatus.BUILT))
    @rule()
    def present(self):
        self.steps += 1
        present_bordereau(bordereau=self._first(BordereauStatus.BUILT), by=self.actors["supervisor"])

    @precondition(lambda self: self._has(BordereauStatus.PRESENTED))
    @rule()
    def approve(self):
        self.steps += 1
        run_on_commit(approve_bordereau, bordereau=self._first(BordereauStatus.PRESENTED),
                      by=self.actors["officer"])

    @precondition(lambda self: self._has(*OPEN))
    @rule()
    def reject(self):
        self.steps += 1
        run_on_commit(reject_bordereau, bordereau=self._first(*OPEN), by=self.actors["officer"],
                      reason="contrôle")

    @precondition(lambda self: self._has(*OPEN))
    @rule(which=st.integers(0, 5))
    def split(self, which):
        self.steps += 1
        bordereau = self._first(*OPEN)
        lines = list(bordereau.lines.filter(state=LineState.PENDING).order_by("pk").values_list("pk", flat=True))
        with suppress(DomainError):  # the last line cannot be split out: the bordereau is rejected instead
            split_bordereau(bordereau=bordereau, line_ids=[lines[which % len(lines)]], by=self.actors["officer"],
                            reason="à vérifier")

    @precondition(lambda self: self._has(BordereauStatus.SENT, BordereauStatus.SETTLED))
    @rule(answers=st.lists(st.sampled_from(["paid", "AC04", "AC01", "none"]), min_size=1, max_size=12),
          repeat=st.booleans())
    def bank_return(self, answers, repeat):
        """The bank answers each transfer of an order: executed, refused (a reason), or not yet;
        an answer already given is repeated as it was (a second, overlapping file)."""
        self.steps += 1
        bordereau = self._first(BordereauStatus.SENT, BordereauStatus.SETTLED)
        order = bordereau.transfer_order
        with order.file.open("rb") as handle:
            transfers = parse_transfer_order(handle.read()).transfers
        known = {f"{reference}-{payer}": accepted for reference, payer, accepted in
                 BankReturnLine.objects.filter(line__bordereau=bordereau)
                 .values_list("line__reference", "payer", "accepted")}
        results = []
        for transfer, answer in zip(transfers, itertools.cycle(answers)):
            if transfer.transfer_id in known:
                if repeat:
                    accepted = known[transfer.transfer_id]
                    results.append(TransferResult(transfer.transfer_id, accepted, transfer.amount,
                                                  "" if accepted else "AC04", "", None))
                continue
            if answer == "none":
                continue
            accepted = answer == "paid"
            results.append(TransferResult(transfer.transfer_id, accepted, transfer.amount,
                                          "" if accepted else answer, "", None))
        if not results:
            return
        content = write_bank_return(bordereau_number=bordereau.number, order_sha256=order.sha256,
                                    processed_on=date(2026, 3, next(self.bank_days) % 28 + 1), results=results)
        for _ in range(2 if repeat else 1):  # the same file twice is one import
            run_on_commit(import_bank_return, bordereau=bordereau, content=content, file_name="retour.txt",
                          by=self.actors["officer"])

    # --- the invariants -------------------------------------------------------------------------

    @invariant()
    def invariants_hold(self):
        """Checked after every step, from a few set-based reads (the snapshot then drives the
        preconditions of the next step)."""
        claims = {row["pk"]: row for row in Claim.objects.filter(pk__in=self.claim_ids).values(
            "pk", "number", "status", "total_amo", "total_complementary", "amo_settled", "complementary_settled")}
        lines = list(BordereauLine.objects.filter(claim_id__in=self.claim_ids).values(
            "claim_id", "bordereau_id", "state", "amo", "complementary", "amo_paid", "complementary_paid"))
        bordereaux = {row["pk"]: row for row in Bordereau.objects.filter(mutuelle=self.actors["mutuelle"]).values(
            "pk", "number", "status", "line_count", "total_amo", "total_complementary")}
        self.never_paid_more_than_liquidated(claims, lines)
        self.control_totals_hold(bordereaux, lines)
        assert not claims_out_of_balance(Claim.objects.filter(pk__in=self.claim_ids)).exists()
        self.payable = sum(1 for c in claims.values() if c["status"] in PAYABLE_STATUSES)
        self.bordereaux = {}
        for row in bordereaux.values():
            self.bordereaux.setdefault(row["status"], []).append(row["pk"])

    @staticmethod
    def never_paid_more_than_liquidated(claims: dict, lines: list[dict]) -> None:
        for claim in claims.values():
            mine = [line for line in lines if line["claim_id"] == claim["pk"]]
            waiting = [line for line in mine if line["state"] == LineState.PENDING]
            total_amo, total_complementary = claim["total_amo"] or ZERO, claim["total_complementary"] or ZERO
            where = claim["number"]
            assert sum((line["amo_paid"] for line in mine), ZERO) == claim["amo_settled"] <= total_amo, where
            assert (sum((line["complementary_paid"] for line in mine), ZERO) == claim["complementary_settled"]
                    <= total_complementary), where
            assert claim["amo_settled"] + sum((line["amo"] for line in waiting), ZERO) <= total_amo, where
            assert (claim["complementary_settled"] + sum((line["complementary"] for line in waiting), ZERO)
                    <= total_complementary), where
            if claim["status"] == ClaimStatus.PAID:
                assert (claim["amo_settled"], claim["complementary_settled"]) == (total_amo, total_complementary)
            assert (claim["status"] == ClaimStatus.IN_BATCH) == bool(waiting), where

    @staticmethod
    def control_totals_hold(bordereaux: dict, lines: list[dict]) -> None:
        for pk, bordereau in bordereaux.items():
            if bordereau["status"] in (BordereauStatus.BUILDING, BordereauStatus.REJECTED):
                assert not [line for line in lines if line["bordereau_id"] == pk
                            and line["state"] == LineState.PENDING], bordereau["number"]
                continue
            kept = [line for line in lines if line["bordereau_id"] == pk and line["state"] != LineState.WITHDRAWN]
            assert (len(kept), sum((line["amo"] for line in kept), ZERO),
                    sum((line["complementary"] for line in kept), ZERO)) == (
                bordereau["line_count"], bordereau["total_amo"], bordereau["total_complementary"]), bordereau["number"]
        answers = dict(BankReturnLine.objects.filter(bank_return__bordereau__in=list(bordereaux))
                       .values("bank_return__bordereau").annotate(n=Count("id"))
                       .values_list("bank_return__bordereau", "n"))
        counted = dict(BankReturn.objects.filter(bordereau__in=list(bordereaux)).values("bordereau")
                       .annotate(n=Sum("accepted_count") + Sum("rejected_count")).values_list("bordereau", "n"))
        assert answers == counted


def test_the_payment_life_never_pays_a_claim_more_than_it_was_liquidated(mgpap, cnops, supervisor, fund_officer,
                                                                          second_officer, agent, payer_accounts):
    # given the actors of a payment: builder, superviseur, approving officer, agent
    PaymentLife.actors = {"mutuelle": mgpap, "fund": cnops, "builder": second_officer, "supervisor": supervisor,
                          "officer": fund_officer, "agent": agent, "steps": 0}
    # when random sequences of real service calls run; then every step keeps the invariants
    run_state_machine_as_test(PaymentLife, settings=settings(
        max_examples=SEQUENCES, stateful_step_count=STEPS, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]))
    print(f"payment life on {connection.vendor}: {SEQUENCES} sequences, {PaymentLife.actors['steps']} steps")
