"""The register of accords: decisions for the claims side, sessions consumed once, the import."""
from datetime import date

import pytest
from django.db import IntegrityError, transaction

from approvals.models import Accord, AccordConsumption, AccordKind, AccordStatus, ALDDeclination
from approvals.services.decisions import ald_decision, consume_sessions, entente_decision, find_accord
from approvals.services.imports import AccordImportRefused, import_accords
from approvals.services.review import grant_accord, refuse_accord, request_accord
from tests.factories.beneficiaries import DependentFactory, InsuredFactory

pytestmark = pytest.mark.django_db

HEADER = "organisme;mutuelle;numero;type;immatriculation;ayant_droit_prenom;ayant_droit_naissance;declinaison;" \
         "actes;quantite;debut;fin\n"


def granted_etm(beneficiary, *, number="ETM-1", code="H011", until=date(2028, 12, 31)):
    insured = getattr(beneficiary, "insured", beneficiary)
    dependent = beneficiary if beneficiary is not insured else None
    accord = request_accord(insured=insured, dependent=dependent, kind=AccordKind.ETM, by=None,
                            declination=ALDDeclination.objects.get(code=code))
    return grant_accord(accord=accord, by=None, number=number, valid_from=date(2024, 1, 1), valid_until=until,
                        lifetime=until is None)


def test_an_accord_of_the_typed_declination_covers_the_care_date():
    insured = InsuredFactory()
    accord = granted_etm(insured)
    decision = ald_decision(insured, "H011", " etm-1 ", date(2025, 3, 1))
    assert decision.covered and decision.accord == accord and decision.note == ""


def test_a_different_code_is_covered_with_a_note_for_the_agent():
    insured = InsuredFactory()
    granted_etm(insured)
    decision = ald_decision(insured, "J040", "ETM-1", date(2025, 3, 1))
    assert decision.covered
    assert "J040" in decision.note and "H011" in decision.note


def test_the_heading_code_is_covered_and_the_note_names_the_declination():
    insured = InsuredFactory()
    granted_etm(insured)
    decision = ald_decision(insured, "9", "ETM-1", date(2025, 3, 1))
    assert decision.covered and "déclinaison accordée est H011" in decision.note


def test_an_expired_accord_does_not_cover_care_after_its_end():
    insured = InsuredFactory()
    granted_etm(insured, until=date(2024, 12, 31))
    decision = ald_decision(insured, "H011", "ETM-1", date(2025, 1, 1))
    assert not decision.covered and "ne couvre pas" in decision.reason
    assert ald_decision(insured, "H011", "ETM-1", date(2024, 12, 31)).covered


def test_a_lifetime_accord_never_ends():
    insured = InsuredFactory()
    accord = granted_etm(insured, until=None)
    assert accord.valid_until is None
    assert ald_decision(insured, "H011", "ETM-1", date(2090, 1, 1)).covered


def test_the_default_validity_comes_from_the_declination():
    insured = InsuredFactory()
    accord = request_accord(insured=insured, dependent=None, kind=AccordKind.ETM, by=None,
                            declination=ALDDeclination.objects.get(code="L407"))  # 6 mois
    accord = grant_accord(accord=accord, by=None, number="ETM-6M", valid_from=date(2025, 1, 31))
    assert accord.valid_until == date(2025, 7, 30)
    assert list(accord.status_changes.values_list("to_status", flat=True)) == ["demande", "accorde"]


def test_an_accord_of_a_dependant_does_not_cover_the_insured_person():
    child = DependentFactory()
    granted_etm(child)
    assert ald_decision(child, "H011", "ETM-1", date(2025, 3, 1)).covered
    assert not ald_decision(child.insured, "H011", "ETM-1", date(2025, 3, 1)).covered


def test_a_refused_request_covers_nothing():
    insured = InsuredFactory()
    accord = request_accord(insured=insured, dependent=None, kind=AccordKind.ETM, by=None,
                            declination=ALDDeclination.objects.get(code="H011"))
    refuse_accord(accord=accord, by=None, code="PIECES")
    assert find_accord(insured, "", date(2025, 1, 1)) is None
    accord.refresh_from_db()
    assert accord.status == AccordStatus.REFUSED and accord.refusal_code == "PIECES"


def physiotherapy(insured, sessions=10):
    accord = request_accord(insured=insured, dependent=None, kind=AccordKind.PRIOR_APPROVAL, by=None,
                            acts="AMK", quantity=sessions)
    return grant_accord(accord=accord, by=None, number="EP-1", valid_from=date(2025, 1, 1),
                        valid_until=date(2025, 6, 30))


def test_sessions_are_consumed_once_per_claim_line():
    insured = InsuredFactory()
    accord = physiotherapy(insured)
    consume_sessions(accord, claim_line_id=41, quantity=4)
    consume_sessions(accord, claim_line_id=41, quantity=4)  # re-liquidation of the same line
    accord.refresh_from_db()
    assert accord.quantity_consumed == 4
    assert AccordConsumption.objects.filter(accord=accord).count() == 1
    assert entente_decision(insured, "amk", date(2025, 2, 1), quantity=6).covered
    assert not entente_decision(insured, "AMK", date(2025, 2, 1), quantity=7).covered


def test_the_database_refuses_a_second_consumption_row_for_a_line():
    accord = physiotherapy(InsuredFactory())
    AccordConsumption.objects.create(accord=accord, claim_line_id=7, quantity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        AccordConsumption.objects.create(accord=accord, claim_line_id=7, quantity=1)


def test_an_entente_outside_its_dates_covers_nothing():
    insured = InsuredFactory()
    physiotherapy(insured)
    assert not entente_decision(insured, "AMK", date(2025, 7, 1)).covered


# --- import ------------------------------------------------------------------------------------------
def good_file(insured, child) -> str:
    return HEADER + (
        f"CNOPS;MGPAP;ETM-A;ETM;{insured.registration_number};;;H011;;;2024-01-01;2028-12-31\n"
        f"CNOPS;MGPAP;ETM-B;ETM;{insured.registration_number};{child.first_name};{child.birth_date};J040;;;"
        "2024-02-01;\n"
        f"CNOPS;MGPAP;EP-9;entente;{insured.registration_number};;;;AMK|AMM;12;2025-01-01;2025-06-30\n")


def test_a_good_file_is_imported_then_a_second_time_writes_nothing():
    insured = InsuredFactory()
    child = DependentFactory(insured=insured)
    report = import_accords(content=good_file(insured, child), file_name="accords.csv", by=None)
    assert (report.created, report.unchanged) == (3, 0)
    accord = Accord.objects.get(accord_number="ETM-B")
    assert accord.dependent == child and accord.valid_until is None and accord.ald.code == "37"
    assert accord.status_changes.get().reason == "Accord importé du fichier accords.csv."
    assert ald_decision(child, "J040", "ETM-B", date(2030, 1, 1)).covered
    before = list(Accord.objects.order_by("pk").values_list())
    again = import_accords(content=good_file(insured, child), file_name="accords.csv", by=None)
    assert (again.created, again.unchanged) == (0, 3)
    assert list(Accord.objects.order_by("pk").values_list()) == before


def test_bad_rows_are_reported_with_their_line_and_nothing_is_loaded():
    insured = InsuredFactory()
    content = HEADER + (
        f"CNOPS;MGPAP;ETM-OK;ETM;{insured.registration_number};;;H011;;;2024-01-01;\n"
        f"CNOPS;MGPAP;ETM-X;ETM;{insured.registration_number};;;Z999;;;2024-01-01;\n"
        "CNOPS;MGPAP;ETM-Y;ETM;INCONNU;;;H011;;;2024-01-01;\n"
        f"CNOPS;MGEN;ETM-Z;ETM;{insured.registration_number};;;H011;;;2024-01-01;\n"
        f"CNOPS;MGPAP;ETM-OK;ETM;{insured.registration_number};;;H011;;;2024-01-01;\n"
        f"CNOPS;MGPAP;EP-1;entente;{insured.registration_number};;;;;;2024-13-01;\n")
    with pytest.raises(AccordImportRefused) as refused:
        import_accords(content=content, file_name="accords.csv", by=None)
    lines = dict(refused.value.errors)
    assert sorted(lines) == [3, 4, 5, 6, 7]
    assert "Z999" in lines[3] and "INCONNU" in lines[4] and "adhérent" in lines[5]
    assert "ligne 2" in lines[6] and "acte" in lines[7]
    assert not Accord.objects.filter(accord_number__startswith="ETM-").exists()


def test_an_accord_recorded_with_other_values_is_refused():
    insured = InsuredFactory()
    content = HEADER + f"CNOPS;MGPAP;ETM-A;ETM;{insured.registration_number};;;H011;;;2024-01-01;2028-12-31\n"
    import_accords(content=content, file_name="a.csv", by=None)
    with pytest.raises(AccordImportRefused) as refused:
        import_accords(content=content.replace("2028-12-31", "2029-12-31"), file_name="a.csv", by=None)
    assert refused.value.errors[0][0] == 2
    assert Accord.objects.get(accord_number="ETM-A").valid_until == date(2028, 12, 31)
