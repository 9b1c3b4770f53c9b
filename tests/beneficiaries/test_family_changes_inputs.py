"""Bad declarations get a French error naming the field, and nothing is written: dates in the future, a
child born before its parent, a study certificate for a child under 21 or past the students' limit, a
divorce without a spouse, a missing document, someone else's dependant."""
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from beneficiaries.models_family import FamilyChangeRequest
from beneficiaries.services.family_checks import academic_year_of, academic_year_period
from tests.beneficiaries.family_support import declare, newborn, pieces, registry_state, today
from tests.factories.beneficiaries import DependentFactory, InsuredFactory, StudyCertificateFactory
from tests.factories.mutuelles import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(mgpap):
    return InsuredFactory(mutuelle=mgpap, birth_date=date(1980, 4, 12), user=StaffFactory(role="assure", mutuelle=None))


def years_old(years: int, days: int = 0) -> date:
    born = today().replace(year=today().year - years) if (today().month, today().day) != (2, 29) \
        else date(today().year - years, 3, 1)
    return born - timedelta(days=days)


def refused(person, kind, **fields) -> dict:
    """The errors of a bad declaration, once it is checked that it wrote nothing."""
    before = registry_state()
    with pytest.raises(ValidationError) as error:
        declare(person, kind, **fields)
    assert registry_state() == before
    assert not FamilyChangeRequest.objects.exists()
    return error.value.message_dict


def test_a_birth_in_the_future(person):
    assert refused(person, "naissance", **newborn(birth_date=today() + timedelta(days=1))) == {
        "birth_date": ["Date de naissance : elle ne peut pas être dans le futur."]}


def test_a_child_born_before_its_parent(person):
    errors = refused(person, "naissance", **newborn(birth_date=date(1979, 1, 1)))
    assert errors == {"birth_date": ["Date de naissance : elle précède la vôtre (12/04/1980) : vérifiez-la."]}


def test_a_birth_without_names_nor_sex(person):
    errors = refused(person, "naissance", birth_date=today())
    assert errors == {"first_name": ["Prénom : ce champ est obligatoire."],
                      "last_name": ["Nom : ce champ est obligatoire."], "sex": ["Sexe : ce champ est obligatoire."]}


def test_a_marriage_in_the_future(person):
    errors = refused(person, "mariage", **newborn(first_name="Nora", birth_date=date(1990, 1, 1)),
                     event_date=today() + timedelta(days=3))
    assert errors == {"event_date": ["Date du mariage : elle ne peut pas être dans le futur."]}


def test_a_divorce_without_a_spouse(person):
    errors = refused(person, "divorce", event_date=today())
    assert errors == {"dependent": ["Conjoint : vous n'avez aucun conjoint ayant droit : il n'y a pas de divorce à "
                                    "déclarer."]}


def test_a_divorce_naming_a_child(person):
    child = DependentFactory(insured=person)
    DependentFactory(insured=person, relationship="conjoint", first_name="Salma", birth_date=date(1985, 1, 1))
    errors = refused(person, "divorce", dependent_id=child.pk, event_date=today())
    assert errors == {"dependent": ["Conjoint : cette personne n'est pas parmi vos ayants droit actuels."]}


def test_a_divorce_judgment_in_the_future(person):
    spouse = DependentFactory(insured=person, relationship="conjoint", birth_date=date(1985, 1, 1))
    errors = refused(person, "divorce", dependent_id=spouse.pk, event_date=today() + timedelta(days=1))
    assert errors == {"event_date": ["Date du jugement de divorce : elle ne peut pas être dans le futur."]}


def test_another_persons_dependant_is_not_reachable(person, mgpap):
    theirs = DependentFactory(insured=InsuredFactory(mutuelle=mgpap), birth_date=years_old(30))
    errors = refused(person, "handicap", dependent_id=theirs.pk)
    assert errors == {"dependent": ["Enfant : cette personne n'est pas parmi vos ayants droit actuels."]}


def test_a_study_certificate_for_a_child_under_21(person):
    child = DependentFactory(insured=person, first_name="Adam", birth_date=years_old(19))
    errors = refused(person, "etudes", dependent_id=child.pk, academic_year=academic_year_of(today()))
    assert list(errors) == ["dependent"]
    assert errors["dependent"][0].startswith("Enfant : Adam ")
    assert "couvert(e) sans certificat pendant toute l'année" in errors["dependent"][0]


def test_a_study_certificate_for_a_child_past_the_students_limit(person):
    child = DependentFactory(insured=person, first_name="Adam", birth_date=years_old(28))
    errors = refused(person, "etudes", dependent_id=child.pk, academic_year=academic_year_of(today()))
    assert errors == {"dependent": [f"Enfant : {child.full_name} a passé l'âge limite de la prolongation pour études "
                                    f"(26 ans révolus) avant l'année {academic_year_of(today())}."]}


@pytest.mark.parametrize("year", ["2025", "2025-2027", "next"])
def test_a_study_certificate_with_a_malformed_year(person, year):
    child = DependentFactory(insured=person, birth_date=years_old(23))
    assert refused(person, "etudes", dependent_id=child.pk, academic_year=year) == {
        "academic_year": [f"Année universitaire : écrivez-la comme {academic_year_of(today())}."]}


def test_a_study_certificate_for_a_year_not_begun_or_long_gone(person):
    child = DependentFactory(insured=person, birth_date=years_old(23))
    first = int(academic_year_of(today())[:4])
    assert refused(person, "etudes", dependent_id=child.pk, academic_year=f"{first + 1}-{first + 2}") == {
        "academic_year": [f"Année universitaire : l'année {first + 1}-{first + 2} n'a pas encore commencé."]}
    assert refused(person, "etudes", dependent_id=child.pk, academic_year=f"{first - 3}-{first - 2}") == {
        "academic_year": ["Année universitaire : seules l'année en cours et la précédente peuvent être déclarées."]}


def test_a_study_certificate_already_on_file(person):
    child = DependentFactory(insured=person, first_name="Adam", birth_date=years_old(23))
    year = academic_year_of(today())
    start, end = academic_year_period(year)
    StudyCertificateFactory(dependent=child, academic_year=year, valid_from=start, valid_until=end)
    assert refused(person, "etudes", dependent_id=child.pk, academic_year=year) == {
        "academic_year": [f"Année universitaire : un certificat de l'année {year} est déjà enregistré pour "
                          f"{child.full_name}."]}


@pytest.mark.parametrize("kind", ["naissance", "etudes"])
def test_a_missing_document(person, kind):
    child = DependentFactory(insured=person, birth_date=years_old(23))
    year = academic_year_of(today())
    fields = newborn() if kind == "naissance" else {"dependent_id": child.pk, "academic_year": year}
    errors = refused(person, kind, documents=[], **fields)
    label = {"naissance": "Acte de naissance", "etudes": "Certificat d'études supérieures de l'année"}[kind]
    assert errors == {"document": [f"{label} : joignez le document (PDF, JPEG ou PNG, 10 Mo au plus)."]}


def test_the_wrong_document(person):
    # a marriage act is not a birth certificate
    errors = refused(person, "naissance", documents=pieces("mariage"), **newborn())
    assert list(errors) == ["document"]


def test_a_custody_change_without_its_direction(person):
    assert refused(person, "garde", event_date=today()) == {
        "custody_direction": ["Changement de garde : dites si l'enfant rejoint votre foyer ou le quitte."]}


def test_a_custody_leave_of_a_child_already_gone(person):
    child = DependentFactory(insured=person, birth_date=date(2015, 1, 1), registered_on=date(2015, 1, 1),
                             ended_on=today() - timedelta(days=2))
    assert refused(person, "garde", custody_direction="depart", dependent_id=child.pk, event_date=today()) == {
        "dependent": ["Enfant : cette personne n'est pas parmi vos ayants droit actuels."]}


def test_a_bad_cnie(person):
    errors = refused(person, "naissance", **newborn(cnie="12345"))
    assert errors == {"cnie": ["N° de CNIE : une ou deux lettres suivies de chiffres (ex. AB123456)."]}


def test_a_maintenance_already_in_force(person):
    from beneficiaries.models import RightsMaintenance

    child = DependentFactory(insured=person, first_name="Hamza", birth_date=years_old(30), disabled=True)
    RightsMaintenance.objects.create(dependent=child, decision_number="MD-1", valid_from=date(2020, 1, 1))
    assert refused(person, "handicap", dependent_id=child.pk) == {
        "dependent": [f"Enfant : les droits de {child.full_name} sont déjà maintenus (décision n° MD-1)."]}
