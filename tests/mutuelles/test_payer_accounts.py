"""Payer accounts: demonstration IBANs valid and flagged, and a change that takes effect only when
a second member of the treasury confirms it (four eyes), each request an audit row."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from mutuelles.models import AMOFund, Mutuelle, PayerAccountChange
from mutuelles.payer_accounts import (
    MSG_OWN_REQUEST,
    PayerAccountConflict,
    PayerAccountError,
    confirm_payer_account_change,
    demo_iban,
    load_demo_payer_accounts,
    refuse_payer_account_change,
    request_payer_account_change,
    validate_payer_iban,
)
from tests.factories.mutuelles import StaffFactory

pytestmark = pytest.mark.django_db
REGISTRY_SAMPLE = "MA64011519000001205000534921"  # the IBAN registry's Moroccan example (domain.md §4.1)
OTHER_VALID = "MA64007780000123450000012369"


@pytest.fixture
def cnops():
    return AMOFund.objects.get(code="CNOPS")


@pytest.fixture
def treasurer(cnops):
    return StaffFactory(role="tresorier", mutuelle=None, fund=cnops, username="tresorier.a")


@pytest.fixture
def second_treasurer(cnops):
    return StaffFactory(role="tresorier", mutuelle=None, fund=cnops, username="tresorier.b")


@pytest.fixture
def demo_accounts():
    load_demo_payer_accounts()


@pytest.mark.parametrize(("value", "expected"), [
    (REGISTRY_SAMPLE, REGISTRY_SAMPLE),
    ("ma64 0115 1900 0001 2050 0053 4921", REGISTRY_SAMPLE),  # printed form, lower case
    (OTHER_VALID, OTHER_VALID),
])
def test_valid_moroccan_ibans_are_kept_in_electronic_form(value, expected):
    # given / when / then
    assert validate_payer_iban(value) == expected


@pytest.mark.parametrize(("value", "code"), [
    ("MA65011519000001205000534921", "iban_invalid"),  # ISO check digits wrong
    ("MA37011519000001205000534922", "rib_key"),  # ISO check digits right, RIB key wrong
    ("MA6401151900000120500053492", "iban_invalid"),  # one digit short
    ("FR1420041010050500013M02606", "iban_country"),  # valid, but not Moroccan
    ("", "iban_country"),
])
def test_invalid_ibans_are_refused_with_the_field_named(value, code):
    # given / when
    with pytest.raises(ValidationError) as refused:
        validate_payer_iban(value)
    # then
    assert refused.value.code == code
    assert refused.value.messages[0].startswith("IBAN")


def test_every_organisme_and_mutuelle_gets_a_valid_demonstration_account_flagged_as_such(demo_accounts):
    # given: the demo loader ran (make run)
    payers = [*AMOFund.objects.all(), *Mutuelle.objects.all()]
    # then: each has its own account, valid by its check digits and its RIB key, flagged
    assert all(p.iban_is_demo for p in payers)
    assert all(validate_payer_iban(p.iban) == p.iban for p in payers)
    assert len({p.iban for p in payers}) == len(payers)
    assert all(p.iban[4:7] == "999" for p in payers)  # bank code of no real bank


def test_the_demonstration_loader_never_replaces_an_account_set_by_the_treasury(cnops):
    # given: the CNOPS account was set for real
    AMOFund.objects.filter(pk=cnops.pk).update(iban=REGISTRY_SAMPLE, iban_is_demo=False)
    # when: the loader runs (again)
    load_demo_payer_accounts()
    second_run = load_demo_payer_accounts()
    # then
    cnops.refresh_from_db()
    assert (cnops.iban, cnops.iban_is_demo) == (REGISTRY_SAMPLE, False)
    assert second_run == 0


def test_a_change_takes_effect_only_when_a_second_treasurer_confirms_it(demo_accounts, cnops, treasurer,
                                                                        second_treasurer):
    # given
    old = AMOFund.objects.get(pk=cnops.pk).iban
    # when: one treasurer requests the change
    change = request_payer_account_change(payer=cnops, new_iban="MA64 0115 1900 0001 2050 0053 4921",
                                          reason="Courrier de la banque n° 2026/118", by=treasurer)
    # then: recorded, not in force
    cnops.refresh_from_db()
    assert cnops.iban == old and cnops.iban_is_demo
    assert (change.status, change.old_iban, change.old_was_demo, change.new_iban, change.requested_by) == (
        PayerAccountChange.Status.PENDING, old, True, REGISTRY_SAMPLE, treasurer)

    # when: the other one confirms it
    confirm_payer_account_change(change=change, by=second_treasurer)
    # then: in force, no longer a demonstration account, the audit row complete
    cnops.refresh_from_db()
    change.refresh_from_db()
    assert (cnops.iban, cnops.iban_is_demo) == (REGISTRY_SAMPLE, False)
    assert (change.status, change.decided_by) == (PayerAccountChange.Status.CONFIRMED, second_treasurer)
    assert change.decided_at is not None and change.reason == "Courrier de la banque n° 2026/118"


def test_the_requester_cannot_confirm_their_own_request_and_is_told_why(demo_accounts, cnops, treasurer):
    # given
    old = AMOFund.objects.get(pk=cnops.pk).iban
    change = request_payer_account_change(payer=cnops, new_iban=REGISTRY_SAMPLE, reason="Banque", by=treasurer)
    # when
    with pytest.raises(PayerAccountError) as refused:
        confirm_payer_account_change(change=change, by=treasurer)
    # then
    assert refused.value.message == MSG_OWN_REQUEST
    cnops.refresh_from_db()
    change.refresh_from_db()
    assert cnops.iban == old
    assert change.status == PayerAccountChange.Status.PENDING


@pytest.mark.parametrize(("new_iban", "reason"), [("MA65011519000001205000534921", "Banque"), (REGISTRY_SAMPLE, "  ")])
def test_an_invalid_request_records_nothing(demo_accounts, cnops, treasurer, new_iban, reason):
    # given / when
    with pytest.raises(ValidationError):
        request_payer_account_change(payer=cnops, new_iban=new_iban, reason=reason, by=treasurer)
    # then
    assert not PayerAccountChange.objects.exists()


def test_only_the_treasury_may_request_or_confirm(demo_accounts, cnops, treasurer, fund_officer):
    # given: a CNOPS officer (approves bordereaux, keeps no accounts)
    # when / then
    with pytest.raises(PayerAccountError):
        request_payer_account_change(payer=cnops, new_iban=REGISTRY_SAMPLE, reason="Banque", by=fund_officer)
    change = request_payer_account_change(payer=cnops, new_iban=REGISTRY_SAMPLE, reason="Banque", by=treasurer)
    with pytest.raises(PayerAccountError):
        confirm_payer_account_change(change=change, by=fund_officer)
    change.refresh_from_db()
    assert change.status == PayerAccountChange.Status.PENDING


def test_a_treasurer_of_another_organisme_cannot_touch_the_account(demo_accounts, cnops, treasurer):
    # given: a CNSS treasurer, and a pending CNOPS request
    cnss_treasurer = StaffFactory(role="tresorier", mutuelle=None, fund=AMOFund.objects.get(code="CNSS"))
    change = request_payer_account_change(payer=cnops, new_iban=REGISTRY_SAMPLE, reason="Banque", by=treasurer)
    # when / then
    with pytest.raises(PayerAccountError):
        confirm_payer_account_change(change=change, by=cnss_treasurer)
    with pytest.raises(PayerAccountError):
        request_payer_account_change(payer=AMOFund.objects.get(code="CNOPS"), new_iban=OTHER_VALID, reason="x",
                                     by=cnss_treasurer)


def test_a_second_request_waits_for_the_first_to_be_decided(demo_accounts, mgpap, treasurer, second_treasurer):
    # given
    first = request_payer_account_change(payer=mgpap, new_iban=REGISTRY_SAMPLE, reason="Banque", by=treasurer)
    # when / then
    with pytest.raises(PayerAccountConflict):
        request_payer_account_change(payer=mgpap, new_iban=OTHER_VALID, reason="Autre", by=second_treasurer)
    # when: the first is refused, a new one may be filed
    refuse_payer_account_change(change=first, by=second_treasurer, reason="RIB non signé par la banque")
    again = request_payer_account_change(payer=mgpap, new_iban=OTHER_VALID, reason="Autre", by=second_treasurer)
    # then
    first.refresh_from_db()
    mgpap.refresh_from_db()
    assert first.status == PayerAccountChange.Status.REFUSED and first.decision_note == "RIB non signé par la banque"
    assert again.status == PayerAccountChange.Status.PENDING
    assert mgpap.iban_is_demo and mgpap.iban != OTHER_VALID


def test_a_decided_request_cannot_be_decided_again(demo_accounts, cnops, treasurer, second_treasurer):
    # given
    change = request_payer_account_change(payer=cnops, new_iban=REGISTRY_SAMPLE, reason="Banque", by=treasurer)
    confirm_payer_account_change(change=change, by=second_treasurer)
    # when / then
    with pytest.raises(PayerAccountConflict):
        refuse_payer_account_change(change=change, by=second_treasurer, reason="Trop tard")


def test_the_demo_iban_helper_gives_the_registry_check_digits_for_the_registry_rib():
    # given: every valid RIB gives the same ISO check digits (the RIB is divisible by 97)
    # when / then
    assert demo_iban(1).startswith("MA64999780")
    assert validate_payer_iban(demo_iban(1)) == demo_iban(1)


def test_the_admin_lists_accounts_with_their_demonstration_flag_and_records_a_request(
        demo_accounts, cnops, treasurer, second_treasurer, client):
    # given
    client.force_login(treasurer)
    # when: the list of organismes
    page = client.get(reverse("admin:mutuelles_amofund_changelist"))
    # then: the account and its flag are shown
    assert page.status_code == 200
    assert "DÉMONSTRATION" in page.content.decode()
    # when: the request action with its form
    answer = client.post(reverse("admin:mutuelles_amofund_changelist"), {
        "action": "request_account_change", "_selected_action": [cnops.pk], "confirm": "1",
        "new_iban": "MA64 0115 1900 0001 2050 0053 4921", "reason": "Courrier de la banque"}, follow=True)
    # then
    assert "Demande enregistrée pour CNOPS" in answer.content.decode()
    change = PayerAccountChange.objects.get()
    assert (change.fund, change.new_iban, change.requested_by) == (cnops, REGISTRY_SAMPLE, treasurer)

    # when: the requester tries to confirm in the admin
    url = reverse("admin:mutuelles_payeraccountchange_changelist")
    refused = client.post(url, {"action": "confirm_changes", "_selected_action": [change.pk]}, follow=True)
    # then: told why, nothing changed
    assert "un autre membre de la trésorerie doit le confirmer" in refused.content.decode()
    cnops.refresh_from_db()
    assert cnops.iban_is_demo

    # when: the second treasurer confirms
    client.force_login(second_treasurer)
    client.post(url, {"action": "confirm_changes", "_selected_action": [change.pk]}, follow=True)
    # then
    cnops.refresh_from_db()
    assert (cnops.iban, cnops.iban_is_demo) == (REGISTRY_SAMPLE, False)


def test_the_admin_shows_an_invalid_iban_on_the_form_and_records_nothing(demo_accounts, cnops, treasurer, client):
    # given
    client.force_login(treasurer)
    # when
    answer = client.post(reverse("admin:mutuelles_amofund_changelist"), {
        "action": "request_account_change", "_selected_action": [cnops.pk], "confirm": "1",
        "new_iban": "MA65011519000001205000534921", "reason": "Courrier"})
    # then
    assert answer.status_code == 200
    assert "chiffres de contrôle incorrects" in answer.content.decode()
    assert not PayerAccountChange.objects.exists()


def test_staff_without_the_treasury_role_are_not_offered_the_request(demo_accounts, fund_officer, client):
    # given
    client.force_login(fund_officer)
    # when
    page = client.get(reverse("admin:mutuelles_amofund_changelist"))
    # then
    assert page.status_code == 200
    assert "request_account_change" not in page.content.decode()


def test_a_request_made_on_an_account_that_changed_since_is_refused(demo_accounts, cnops, treasurer,
                                                                    second_treasurer):
    # given: a request, then the account set by other means (a data fix)
    change = request_payer_account_change(payer=cnops, new_iban=REGISTRY_SAMPLE, reason="Banque", by=treasurer)
    AMOFund.objects.filter(pk=cnops.pk).update(iban=OTHER_VALID, iban_is_demo=False)
    # when / then
    with pytest.raises(PayerAccountConflict, match="a changé depuis la demande"):
        confirm_payer_account_change(change=change, by=second_treasurer)
    cnops.refresh_from_db()
    assert cnops.iban == OTHER_VALID
