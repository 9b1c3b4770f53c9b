"""The public simulator page (/simulateur/): no mutuelle chosen in advance, medicines found by
name with the claim form's search, and every error naming its field or its line."""
from datetime import date
from decimal import Decimal

import pytest

from tariffs.models import Medicine, MedicinePrice

pytestmark = pytest.mark.django_db
URL = "/simulateur/"
BASE = {"mutuelle": "MGPAP", "care_date": "2025-06-10", "filing_date": "2025-06-20", "relationship": "assure",
        "birth_date": "1980-01-01"}


@pytest.fixture
def medicines(db):
    """Two medicines whose names share a word, and one alone of its name."""
    for code, name in (("SIM-001", "Zentrafix"), ("SIM-002", "Quorvanil 500"), ("SIM-003", "Quorvanil 850")):
        medicine = Medicine.objects.create(code=code, name=name, is_generic=False, reimbursable_from=date(2005, 9, 1))
        MedicinePrice.objects.create(medicine=medicine, ppv=Decimal("120.00"), pbr=Decimal("80.00"),
                                     valid_from=date(2005, 9, 1))


def post(client, **fields):
    return client.post(URL, {**BASE, **fields})


def test_no_mutuelle_is_chosen_in_advance(client):
    page = client.get(URL).content.decode()
    first_option = page.split('id="sim-mutuelle"', 1)[1].split("<option", 2)[1]
    assert 'value=""' in first_option and "selected" in first_option
    assert "Choisissez votre mutuelle" in first_option
    assert 'name="mutuelle" required' in page


def test_a_simulation_without_mutuelle_is_refused_with_a_clear_error(client):
    response = post(client, mutuelle="", l0_kind="acte", l0_cotation="Cs", l0_paid="250,00")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Mutuelle : Choisissez votre mutuelle dans la liste." in page
    assert "ne peut être vide" not in page
    assert "Résultat" not in page


def test_the_chosen_mutuelle_stays_selected_after_an_error(client):
    page = post(client, care_date="", l0_cotation="Cs", l0_paid="250,00").content.decode()
    assert '<option value="MGPAP" selected>' in page


def test_a_medicine_is_found_by_its_name(client, medicines):
    # when: the visitor types the name, as on the claim form, without JavaScript
    response = post(client, l0_kind="medicament", l0_code="zentrafix", l0_paid="120,00")
    # then: priced at its base of 80.00, 70 % AMO before 2026
    page = response.content.decode()
    assert response.status_code == 200, page
    assert "56,00" in page


def test_a_name_matching_several_medicines_asks_for_the_code_on_its_line(client, medicines):
    page = post(client, l0_kind="acte", l0_cotation="Cs", l0_paid="250,00",
                l1_kind="medicament", l1_code="quorvanil", l1_paid="50,00").content.decode()
    assert "Ligne 2, médicament : Plusieurs médicaments correspondent, précisez le code" in page
    assert "SIM-002" in page and "SIM-003" in page


def test_an_unknown_medicine_name_is_an_error_of_its_line(client, medicines):
    response = post(client, l0_kind="medicament", l0_code="introuvable", l0_paid="50,00")
    assert response.status_code == 400
    assert "Ligne 1, médicament : Aucun médicament de la liste ne correspond à « introuvable »." in \
        response.content.decode()


def test_each_error_names_its_line_and_field(client):
    # when: line 2 has no cotation and line 3 a bad amount; line 1 is right
    response = post(client, l0_kind="acte", l0_cotation="Cs", l0_paid="250,00",
                    l1_kind="acte", l1_cotation="", l1_paid="80,00",
                    l2_kind="acte", l2_cotation="B 60", l2_paid="abc")
    # then
    page = response.content.decode()
    assert response.status_code == 400
    assert "Ligne 2, cotation : Indiquez la cotation de l" in page
    assert "Ligne 3, montant payé : " in page
    assert 'href="#ligne-2"' in page and 'id="ligne-2"' in page


def test_the_line_number_is_the_row_shown_even_after_an_empty_row(client):
    # given: the first row left empty, the error is on the second row of the page
    page = post(client, l1_kind="acte", l1_cotation="", l1_paid="80,00").content.decode()
    assert "Ligne 2, cotation : " in page
    assert "Ligne 1, cotation" not in page


def test_errors_of_the_form_name_their_field(client):
    page = post(client, care_date="", birth_date="", l0_cotation="Cs", l0_paid="250,00").content.decode()
    assert "Date des soins : " in page
    assert "Date de naissance : " in page
    assert 'href="#sim-care"' in page


def test_no_line_at_all_says_so(client):
    page = post(client).content.decode()
    assert "Actes et médicaments : Indiquez au moins un acte ou un médicament." in page


def test_an_unknown_mutuelle_is_named(client):
    page = post(client, mutuelle="XXXX", l0_cotation="Cs", l0_paid="250,00").content.decode()
    assert "Mutuelle : Mutuelle inconnue." in page
