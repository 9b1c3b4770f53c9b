"""One mutuelle's side of the back office, for the write-scope tests: an object of every model an
admin shows, built lazily the way production builds it (filing, controls, bordereau, bank return).

`Side(mutuelle="MGEN", fund="CNSS")` is "another mutuelle" for every staff role of MGPAP and CNOPS:
its mutuelle is not theirs and its organisme is not the CNOPS officers'.
"""
import itertools
from datetime import date
from functools import cached_property

from django.test import Client
from django.urls import reverse

from beneficiaries.models import RightsMaintenance
from mutuelles.models import AMOFund, Mutuelle
from tests.admin.support import claim_in_control
from tests.factories.beneficiaries import (
    DependentFactory,
    ETMAccordFactory,
    InsuredFactory,
    StudyCertificateFactory,
    valid_rib,
)
from tests.factories.claims import with_document
from tests.factories.mutuelles import PASSWORD, StaffFactory, regime_paid_by

_SEEDS = itertools.count(500)

#: The staff roles (tests/admin/conftest.py `staff`: one account each, of MGPAP or of the CNOPS).
STAFF_ROLES = ["agent", "medecin", "superviseur", "organisme"]


class Side:
    def __init__(self, *, mutuelle: str, fund: str, capture, surname: str):
        self.mutuelle = Mutuelle.objects.get(code=mutuelle)
        self.fund = AMOFund.objects.get(code=fund)
        self.capture = capture  # django_capture_on_commit_callbacks: the tasks run as in production
        self.surname = surname  # a name found nowhere else, to look for in pages

    # --- people ----------------------------------------------------------------------------------
    def person(self, **kwargs):
        return InsuredFactory(mutuelle=self.mutuelle, fund=self.fund, regime=regime_paid_by(self.fund), **kwargs)

    @cached_property
    def insured(self):
        account = StaffFactory(role="assure", is_staff=False)
        return self.person(last_name=self.surname, first_name="Nour", user=account)

    @cached_property
    def dependent(self):
        return DependentFactory(insured=self.insured, first_name="Ilyas")

    @cached_property
    def etm(self):
        return ETMAccordFactory(insured=self.insured, dependent=self.dependent)

    @cached_property
    def etm_history(self):
        from approvals.workflow import record_initial_status

        return record_initial_status(accord=self.etm, by=None, reason="saisi")

    @cached_property
    def study_certificate(self):
        return StudyCertificateFactory(dependent=self.dependent)

    @cached_property
    def rights_maintenance(self):
        return RightsMaintenance.objects.create(dependent=self.dependent, decision_number=f"MD{next(_SEEDS)}",
                                                valid_from=date(2025, 1, 1))

    @cached_property
    def family_change(self):
        """A birth declared online, waiting for the mutuelle's decision."""
        from django.utils import timezone

        from beneficiaries.services.family_changes import file_family_change
        from beneficiaries.services.family_checks import FamilyChangeInput
        from tests.factories.claims import image_document

        declared = FamilyChangeInput(kind="naissance", first_name="Rim", last_name=self.surname, sex="F",
                                     birth_date=timezone.localdate())
        return file_family_change(insured=self.insured, data=declared, by=self.insured.user,
                                  documents=[("acte_naissance", image_document(next(_SEEDS)))])

    @cached_property
    def rib_change(self):
        from django.test import RequestFactory

        from portal.services.accounts import change_rib

        with self.capture(execute=True):
            return change_rib(insured=self.insured, new_rib=valid_rib(next(_SEEDS)), password=PASSWORD,
                              by=self.insured.user, request=RequestFactory().post("/espace/rib/"))

    @cached_property
    def agent(self):
        return StaffFactory(role="agent", mutuelle=self.mutuelle)

    @cached_property
    def supervisor(self):
        return StaffFactory(role="superviseur", mutuelle=self.mutuelle)

    @cached_property
    def officer(self):
        return StaffFactory(role="organisme", fund=self.fund)

    @cached_property
    def device(self):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        return TOTPDevice.objects.create(user=self.agent, name="téléphone", confirmed=True)

    @cached_property
    def recovery_codes(self):
        from django_otp.plugins.otp_static.models import StaticDevice

        return StaticDevice.objects.create(user=self.agent, name="codes de secours", confirmed=True)

    @cached_property
    def payer_account_change(self):
        from mutuelles.models import PayerAccountChange

        return PayerAccountChange.objects.create(mutuelle=self.mutuelle, old_iban=self.mutuelle.iban,
                                                 new_iban="MA64007780000123450000012369", reason="nouveau compte",
                                                 requested_by=self.agent)

    @cached_property
    def failed_login(self):
        """What a wrong password leaves behind (django-axes): the attempt and its log."""
        Client().post(reverse("admin:login"), {"username": self.agent.username, "password": "mauvais"})
        return self.agent.username

    # --- claims and payments ---------------------------------------------------------------------
    @cached_property
    def claim(self):
        return claim_in_control(insured=self.insured, documents=with_document(next(_SEEDS)))

    @cached_property
    def reclamation(self):
        """The insured person contests an agent's rejection of their claim."""
        from claims.services.reclamations import file_reclamation
        from claims.services.review import reject_claim

        claim = claim_in_control(insured=self.insured)
        claim = reject_claim(claim=claim, version=claim.version, by=self.agent,
                             reason_code="signature_medecin_manquante")
        return file_reclamation(claim=claim, by=self.insured.user, reason="La signature y est.")

    @cached_property
    def document(self):
        return self.claim.documents.get()

    @cached_property
    def bordereau(self):
        """A bordereau of one paid claim, with a second claim held out (its insured person has no RIB)."""
        from mutuelles.services import system_user
        from payments.models import Bordereau
        from payments.services.building import request_bordereau
        from tests.payments.support import file_liquidated, set_payer_accounts

        set_payer_accounts()
        AMOFund.objects.filter(pk=self.fund.pk).update(iban="MA64011519000001205000534921")
        with self.capture(execute=True):
            file_liquidated(self.person(), seed=next(_SEEDS))
            unpaid = file_liquidated(self.person(), seed=next(_SEEDS))
        unpaid.insured.rib = ""
        unpaid.insured.save()
        with self.capture(execute=True):
            bordereau = request_bordereau(mutuelle=self.mutuelle, fund=self.fund, by=system_user())
        return Bordereau.objects.get(pk=bordereau.pk)

    @cached_property
    def held_claim(self):
        from payments.models import HeldClaim

        return HeldClaim.objects.get(last_bordereau=self.bordereau)

    @cached_property
    def line(self):
        return self.bordereau.lines.order_by("pk").first()

    @cached_property
    def transfer_order(self):
        from payments.models import TransferOrder
        from payments.services.review import approve_bordereau, present_bordereau

        present_bordereau(bordereau=self.bordereau, by=self.supervisor)
        with self.capture(execute=True):
            approve_bordereau(bordereau=self.bordereau, by=self.officer)
        return TransferOrder.objects.get(bordereau=self.bordereau)

    @cached_property
    def bank_return(self):
        from payments.services.bank_return import import_bank_return
        from tests.payments.support import bank_answer

        answer = bank_answer(self.transfer_order)  # approved and sent first
        self.bordereau.refresh_from_db()
        with self.capture(execute=True):
            return import_bank_return(bordereau=self.bordereau, content=answer, file_name="retour.txt",
                                      by=self.officer)


def object_of(side: Side, label: str):
    """The object of model `label` on this side. A model an admin shows must be named here: the
    matrix then covers it (tests/admin/test_write_scope.py fails on a model it cannot build)."""
    from axes.models import AccessAttempt
    from django.contrib.auth.models import Group

    from approvals.models import ALDDeclination, DecisionDeadline
    from claims.models import RejectionReason
    from payments.models import PaymentReconciliation

    builders = {
        "beneficiaries.Insured": lambda: side.insured,
        "beneficiaries.Dependent": lambda: side.dependent,
        "approvals.Accord": lambda: side.etm,
        "approvals.AccordStatusChange": lambda: side.etm_history,
        "approvals.ALDDeclination": lambda: ALDDeclination.objects.order_by("pk").first(),
        "approvals.DecisionDeadline": lambda: DecisionDeadline.objects.order_by("pk").first(),
        "beneficiaries.RibChange": lambda: side.rib_change,
        "beneficiaries.StudyCertificate": lambda: side.study_certificate,
        "beneficiaries.RightsMaintenance": lambda: side.rights_maintenance,
        "beneficiaries.FamilyChangeRequest": lambda: side.family_change,
        "claims.Claim": lambda: side.claim,
        "claims.ClaimDocument": lambda: side.document,
        "claims.Reclamation": lambda: side.reclamation,
        "payments.Bordereau": lambda: side.bordereau,
        "payments.BordereauLine": lambda: side.line,
        "payments.HeldClaim": lambda: side.held_claim,
        "payments.TransferOrder": lambda: side.transfer_order,
        "payments.BankReturn": lambda: side.bank_return,
        "mutuelles.Mutuelle": lambda: side.mutuelle,
        "mutuelles.AMOFund": lambda: side.fund,
        "mutuelles.ComplementaryRate": lambda: side.mutuelle.complementary_rates.order_by("pk").first(),
        "mutuelles.MutuelleFundLink": lambda: side.mutuelle.fund_links.order_by("pk").first(),
        "mutuelles.User": lambda: side.agent,
        "otp_totp.TOTPDevice": lambda: side.device,
        "otp_static.StaticDevice": lambda: side.recovery_codes,
        "mutuelles.PayerAccountChange": lambda: side.payer_account_change,
        "payments.PaymentReconciliation": lambda: PaymentReconciliation.objects.get(pk=side.claim.pk),
        # shared by every mutuelle: reference data and the sign-in logs
        "claims.RejectionReason": lambda: RejectionReason.objects.order_by("pk").first(),
        "mutuelles.Regime": lambda: regime_paid_by(side.fund),
        "auth.Group": lambda: Group.objects.order_by("pk").first(),
        "axes.AccessAttempt": lambda: side.failed_login and AccessAttempt.objects.order_by("pk").first(),
        "axes.AccessFailureLog": lambda: _failure_log(side),
        "axes.AccessLog": lambda: _access_log(side),
    }
    if label in builders:
        return builders[label]()
    if label.startswith("tariffs."):  # reference data, the same for every mutuelle
        from django.apps import apps

        return apps.get_model(label).objects.order_by("pk").first()
    raise LookupError(f"{label} : dites dans tests/admin/scope_world.py comment construire un objet de ce modèle.")


def _access_log(side: Side):
    from axes.models import AccessLog

    Client().post(reverse("admin:login"), {"username": side.supervisor.username, "password": PASSWORD})
    return AccessLog.objects.order_by("pk").first()


def _failure_log(side: Side):
    """django-axes writes this log only when configured to; the row is then written as it would."""
    from axes.models import AccessFailureLog

    side.failed_login  # noqa: B018 — the failed attempt itself
    return AccessFailureLog.objects.order_by("pk").first() or AccessFailureLog.objects.create(
        username=side.agent.username, ip_address="127.0.0.1", user_agent="navigateur", path_info="/admin/login/")
