"""The queue and the desk are rendered by templates from plain data: every value escaped, each
cell the same wherever it is drawn, and a page's queries independent of its rows."""
import re
from datetime import date

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.admin_rows import QUEUE_COLUMNS
from claims.models import Claim
from claims.services.review import reject_claim
from tests.admin.support import claim_in_control
from tests.factories.beneficiaries import DependentFactory, InsuredFactory
from tests.factories.claims import act, image_document

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:claims_claim_changelist")
HOSTILE = '<script>alert("x")</script>'


def cells_of(page: str, pk: int) -> dict[str, str]:
    """The cells of the queue's row of claim `pk`, whitespace collapsed."""
    row = re.search(rf'<tr><td class="action-checkbox"><input type="checkbox" name="_selected_action" value="{pk}"'
                    r".*?</tr>", page, re.DOTALL)
    assert row is not None
    found = re.findall(r'<td class="field-(\w+)">(.*?)</td>', row.group(0), re.DOTALL)
    return {name: " ".join(html.split()) for name, html in found}


def test_names_typed_by_insured_persons_are_escaped_in_the_queue_and_on_the_desk(login, agent, mgpap):
    # given: names and a document name that would run as a script if they were not escaped
    insured = InsuredFactory(mutuelle=mgpap, first_name=HOSTILE, last_name="Alaoui")
    child = DependentFactory(insured=insured, first_name=HOSTILE)
    claim = claim_in_control(insured=insured, dependent=child,
                             documents=[("feuille_soins", image_document(41, name=f"{HOSTILE}.png"))])
    client = login(agent)
    # when
    queue = client.get(QUEUE, {"statut": "tous"}).content.decode()
    desk = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    # then
    for page in (queue, desk):
        assert HOSTILE not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "ayant droit de &lt;script&gt;" in queue


def test_each_column_callable_draws_the_cell_the_queue_shows(login, agent, insured):
    # given: a dependant's claim waiting for control, and a rejected one
    waiting = claim_in_control(insured=insured, dependent=DependentFactory(insured=insured, first_name="Ilyas"))
    rejected = claim_in_control(insured=insured, care_date=date(2026, 2, 6), lines=[act("C", "80.00")])
    reject_claim(claim=rejected, version=rejected.version, by=agent, reason_code="ordonnance_manquante")
    page = login(agent).get(QUEUE, {"statut": "tous"}).content.decode()
    claim_admin = admin.site._registry[Claim]
    for claim in Claim.objects.filter(pk__in=[waiting.pk, rejected.pk]).select_related("insured", "dependent"):
        # when
        drawn = {column: " ".join(str(getattr(claim_admin, column)(claim)).split()) for column in QUEUE_COLUMNS}
        # then
        assert drawn == cells_of(page, claim.pk)
    assert "ayant droit de" in cells_of(page, waiting.pk)["beneficiary"]
    assert "Ordonnance" in cells_of(page, rejected.pk)["reasons"]


def test_queue_rows_add_no_query(login, agent, insured):
    # given: one claim, then many of every kind (dependants, documents, rejected)
    client = login(agent)
    claim_in_control(insured=insured, lines=[act("C", "80.00")])
    client.get(QUEUE, {"statut": "tous"})
    with CaptureQueriesContext(connection) as one:
        client.get(QUEUE, {"statut": "tous"})
    child = DependentFactory(insured=insured, first_name="Ilyas")
    for day in range(3, 15):
        claim = claim_in_control(insured=insured, dependent=child if day % 2 else None, care_date=date(2026, 2, day),
                                 lines=[act("C", "80.00")])
        if day % 3 == 0:
            reject_claim(claim=claim, version=claim.version, by=agent, reason_code="ordonnance_manquante")
    # when
    with CaptureQueriesContext(connection) as many:
        response = client.get(QUEUE, {"statut": "tous"})
    # then
    assert response.context["cl"].result_count == 13
    assert len(many) == len(one)


def test_a_decision_refused_shows_its_errors_and_keeps_the_choices(login, agent, claim):
    # when: a rejection without its reason
    response = login(agent).post(reverse("admin:claims_claim_decide", args=[claim.pk, "rejeter"]),
                                 {"rejeter-version": claim.version, "rejeter-comment": "Pas d'ordonnance <jointe>"})
    # then: the form comes back with the error, the list of reasons and what was typed, escaped
    page = response.content.decode()
    assert response.status_code == 200
    assert '<select id="id_rejeter-reason_code" name="rejeter-reason_code">' in page
    assert '<option value="ordonnance_manquante">' in page
    assert "Ce champ est obligatoire." in page
    assert "Pas d&#x27;ordonnance &lt;jointe&gt;</textarea>" in page
