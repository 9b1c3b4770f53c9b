"""The insured person's death: their own rights cover the day of death and end after it; their
dependants keep the régime's days (eligibility_rules.csv, DOMAIN-UNCERTAIN); the controls, the preview
and the admin actions follow the same rule (beneficiaries.services.entitlement, .deaths)."""
from datetime import date, timedelta

import pytest
from django.urls import reverse

from beneficiaries.models import DeathEvent, Dependent, Insured
from beneficiaries.services.deaths import record_death
from beneficiaries.services.entitlement import beneficiary_entitlement, insured_entitlement
from claims.models import ClaimStatus
from claims.reason_texts import FIX_TEXTS, REASON_LABELS
from portal.services.filing import ClaimInput, preview_claim
from tariffs.selectors import TariffBook
from tests.factories.beneficiaries import DependentFactory
from tests.factories.claims import act, file_claim, with_document

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:beneficiaries_insured_changelist")
DIED = date(2026, 11, 10)


def limits(insured, on):
    return TariffBook.load().eligibility_limits(regime_id=insured.regime_id, on=on)


@pytest.fixture
def deceased(insured, agent):
    record_death(insured=insured, died_on=DIED, by=agent)
    insured.refresh_from_db()
    return insured


def test_own_rights_cover_the_day_of_death_and_not_the_day_after(deceased):
    # when
    that_day, next_day = insured_entitlement(deceased, on=DIED), insured_entitlement(deceased, on=DIED + timedelta(1))
    # then
    assert that_day.entitled
    assert not next_day.entitled and next_day.code == "assure_decede"
    assert next_day.message.startswith("L'assuré est décédé le 10/11/2026 : ")


def test_a_dependant_is_covered_for_the_regimes_days_after_the_death_and_refused_after(deceased):
    # given: 90 days in tariffs/data/eligibility_rules.csv
    child = DependentFactory(insured=deceased, birth_date=date(2015, 1, 1))
    last = DIED + timedelta(days=90)
    # when
    within = beneficiary_entitlement(insured=deceased, dependent=child, on=last, limits=limits(deceased, last))
    after = beneficiary_entitlement(insured=deceased, dependent=child, on=last + timedelta(1),
                                    limits=limits(deceased, last))
    # then
    assert within.entitled and within.ends_on == last
    assert not after.entitled and after.code == "assure_decede" and "08/02/2027" in after.message


def test_a_claim_for_care_after_the_death_is_rejected_by_the_controls_and_the_day_of_death_is_paid(
        deceased, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        covered = file_claim(insured=deceased, care_date=DIED, lines=[act("C", "80")], documents=with_document(1))
        refused = file_claim(insured=deceased, care_date=DIED + timedelta(1), lines=[act("C", "80")],
                             documents=with_document(2))
    covered.refresh_from_db()
    refused.refresh_from_db()
    # then
    assert covered.rejection_code == ""
    assert refused.status == ClaimStatus.REJECTED and refused.rejection_code == "assure_decede"
    assert refused.rejection_message.startswith("L'assuré est décédé le 10/11/2026 : ")
    assert "assure_decede" in REASON_LABELS and "assure_decede" in FIX_TEXTS


def test_the_preview_refuses_care_after_the_death_as_the_controls_do(deceased):
    # given
    data = ClaimInput(beneficiary=None, care_date=DIED + timedelta(1), prescriber_inpe="123456789",
                      lines=[act("C", "80")])
    # when
    preview = preview_claim(user=deceased.user, insured=deceased, data=data)
    # then
    assert not preview.result.admissible
    assert preview.entitlement.code == "assure_decede"
    assert "assure_decede" in [r.code for r in preview.result.reasons]


def post(client, action, insured, **form):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [str(insured.pk)], "index": "0",
                                    "confirm": "1", **form}, follow=True)


def test_an_agent_records_the_death_and_it_is_audited(login, agent, insured):
    # given
    client = login(agent)
    # when
    page = client.post(CHANGELIST, {"action": "record_death_action", "_selected_action": [insured.pk], "index": "0"})
    done = post(client, "record_death_action", insured, died_on="2026-11-10")
    # then
    assert "Date du décès" in page.content.decode()
    assert done.status_code == 200
    insured.refresh_from_db()
    assert (insured.status, insured.status_since) == ("decede", DIED)
    event = DeathEvent.objects.get(insured=insured)
    assert (event.kind, event.effective_on, event.recorded_by) == ("deces", DIED, agent)


@pytest.mark.parametrize(("died_on", "message"), [
    ("2099-01-01", "Date du décès : elle ne peut pas être postérieure"),
    ("1970-01-01", "Date du décès : elle ne peut pas précéder la date de naissance"),
    ("", "Date du décès : ce champ est obligatoire."),
])
def test_a_bad_date_of_death_is_refused_and_nothing_is_written(login, agent, insured, died_on, message):
    # when
    page = post(login(agent), "record_death_action", insured, died_on=died_on)
    # then
    assert message in page.content.decode().replace("&#x27;", "'")
    insured.refresh_from_db()
    assert insured.status == "actif" and not DeathEvent.objects.exists()


def test_an_agent_of_another_mutuelle_cannot_record_the_death(login, other_agent, insured):
    # when
    post(login(other_agent), "record_death_action", insured, died_on="2026-11-10")
    # then
    insured.refresh_from_db()
    assert insured.status == "actif" and not DeathEvent.objects.exists()


def test_the_surviving_spouse_is_affiliated_and_the_children_move_under_them(login, agent, deceased):
    # given
    spouse = DependentFactory(insured=deceased, relationship="conjoint", birth_date=date(1982, 3, 3),
                              cnie="", first_name="Amina")
    child = DependentFactory(insured=deceased, birth_date=date(2015, 1, 1))
    start = date(2026, 12, 1)
    # when
    post(login(agent), "affiliate_survivor_action", deceased, spouse=spouse.pk, affiliated_on="2026-12-01",
         registration_number="IMMSURV0001", affiliation_number="AFFSURV01", cnie="BK123456", children=[child.pk])
    # then
    survivor = Insured.objects.get(registration_number="IMMSURV0001")
    assert (survivor.affiliated_on, survivor.mutuelle_id, survivor.regime_id) == (start, deceased.mutuelle_id,
                                                                                 deceased.regime_id)
    spouse.refresh_from_db()
    child.refresh_from_db()
    assert spouse.ended_on == start and child.ended_on == start
    moved = Dependent.objects.get(insured=survivor)
    assert (moved.first_name, moved.registered_on) == (child.first_name, start)
    assert beneficiary_entitlement(insured=survivor, dependent=moved, on=start, limits=limits(survivor, start)).entitled
    assert DeathEvent.objects.get(insured=deceased, kind="conjoint_affilie").survivor == survivor


def test_a_survivor_affiliation_before_the_death_is_refused_and_nothing_is_written(login, agent, deceased):
    # given
    spouse = DependentFactory(insured=deceased, relationship="conjoint", birth_date=date(1982, 3, 3), cnie="")
    count = Insured.objects.count()
    # when
    page = post(login(agent), "affiliate_survivor_action", deceased, spouse=spouse.pk, affiliated_on="2026-11-01",
                registration_number="IMMSURV0002", affiliation_number="AFFSURV02", cnie="BK123457")
    # then
    assert "Date d'affiliation du conjoint : elle doit être postérieure" in page.content.decode().replace("&#x27;",
                                                                                                         "'")
    spouse.refresh_from_db()
    assert Insured.objects.count() == count and spouse.ended_on is None
    assert not DeathEvent.objects.filter(kind="conjoint_affilie").exists()


def test_the_dependants_rights_are_closed_at_a_date_after_the_death(login, agent, deceased):
    # given
    child = DependentFactory(insured=deceased, birth_date=date(2015, 1, 1))
    # when
    post(login(agent), "close_dependants_action", deceased, ended_on="2026-12-01")
    # then
    child.refresh_from_db()
    assert child.ended_on == date(2026, 12, 1)
    assert DeathEvent.objects.get(insured=deceased, kind="droits_fermes").effective_on == date(2026, 12, 1)
    assert not beneficiary_entitlement(insured=deceased, dependent=child, on=date(2026, 12, 1),
                                       limits=limits(deceased, date(2026, 12, 1))).entitled
