"""Lookups are scoped like lists: a raw-id field, its popup list and the autocomplete name nothing of
another mutuelle, whatever id or term is typed; and the scope is checked again when saving.

Generated from the admin registry like the write matrix (tests/admin/test_write_scope.py).
"""
import html

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from approvals.models import Accord as ETMAccord
from beneficiaries.models import Dependent
from mutuelles.admin import ReferenceDataAdmin
from mutuelles.admin_scope import scoped_models
from tests.admin.scope_world import object_of
from tests.admin.test_write_scope import admin_request, registered_admins

pytestmark = pytest.mark.django_db


def raw_id_fields() -> list[tuple[type, str]]:
    return [(model, name) for model, model_admin in registered_admins() for name in model_admin.raw_id_fields
            if model._meta.get_field(name).related_model in scoped_models()]


def autocomplete_fields() -> list[tuple[type, str]]:
    """Every foreign key of a registered model towards a scoped model whose admin can search. The
    organismes and mutuelles themselves are reference data that their readers see whole (their
    admin is read-only): only the choices offered in a form are narrowed to the user's own."""
    found = []
    for model, _ in registered_admins():
        for f in model._meta.concrete_fields:
            target = f.related_model if f.is_relation else None
            if target in scoped_models() and admin.site.is_registered(target) \
                    and admin.site.get_model_admin(target).search_fields \
                    and not isinstance(admin.site.get_model_admin(target), ReferenceDataAdmin):
                found.append((model, f.name))
    return found




def label_of(obj) -> str:
    return html.escape(str(obj))


@pytest.mark.parametrize(("model", "name"), raw_id_fields(), ids=lambda v: getattr(v, "__name__", v))
def test_a_raw_id_field_names_nothing_of_another_mutuelle(login, sides, staff, model, name):
    # given: an id of another mutuelle typed into the field (the add form takes it from the URL)
    own, foreign = sides
    target = model._meta.get_field(name).related_model._meta.label
    theirs, ours = object_of(foreign, target), object_of(own, target)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    shown = {}
    for role, user in staff.items():
        client = login(user)
        # when
        foreign_page = client.get(url, {name: theirs.pk})
        own_page = client.get(url, {name: ours.pk})
        # then: never the other mutuelle's label; the own one where the role may add at all
        assert label_of(theirs) not in foreign_page.content.decode(), role
        shown[role] = own_page.status_code == 200 and label_of(ours) in own_page.content.decode()
    writers = {role for role, user in staff.items()
               if admin.site.get_model_admin(model).has_add_permission(admin_request(user))}
    assert {role for role, seen in shown.items() if seen} == writers


@pytest.mark.parametrize(("model", "name"), raw_id_fields(), ids=lambda v: getattr(v, "__name__", v))
def test_the_popup_list_of_a_raw_id_field_holds_nothing_of_another_mutuelle(login, sides, staff, model, name):
    # given
    own, foreign = sides
    target = model._meta.get_field(name).related_model
    theirs, ours = object_of(foreign, target._meta.label), object_of(own, target._meta.label)
    url = reverse(f"admin:{target._meta.app_label}_{target._meta.model_name}_changelist")
    listed = {}
    for role, user in staff.items():
        # when
        response = login(user).get(url, {"_popup": "1", "_to_field": "id"})
        # then
        if response.status_code != 200:
            assert response.status_code == 403, role
            continue
        ids = {obj.pk for obj in response.context["cl"].result_list}
        assert theirs.pk not in ids, role
        listed[role] = ours.pk in ids
    assert listed and all(listed.values())  # the list works: the own object is there


@pytest.mark.parametrize(("model", "name"), autocomplete_fields(), ids=lambda v: getattr(v, "__name__", v))
def test_the_autocomplete_finds_nothing_of_another_mutuelle(login, sides, staff, model, name):
    # given
    own, foreign = sides
    target = model._meta.get_field(name).related_model
    theirs, ours = object_of(foreign, target._meta.label), object_of(own, target._meta.label)
    url = reverse("admin:autocomplete")
    params = {"app_label": model._meta.app_label, "model_name": model._meta.model_name, "field_name": name}
    found = {}
    for role, user in staff.items():
        client = login(user)
        for term in ("", foreign.surname, str(theirs.pk)):
            # when
            response = client.get(url, {**params, "term": term})
            # then
            if response.status_code != 200:
                assert response.status_code == 403, role
                continue
            assert str(theirs.pk) not in {row["id"] for row in response.json()["results"]}, (role, term)
        response = client.get(url, {**params, "term": ""})
        if response.status_code == 200:
            found[role] = str(ours.pk) in {row["id"] for row in response.json()["results"]}
    assert all(found.values())


# --- the scope checked again on save, whatever the form let through ---------------------------------
def test_saving_an_object_pointing_to_another_mutuelle_is_refused_even_past_the_form(sides, supervisor):
    # given: a dependant whose form would have let another mutuelle's insured person through
    own, foreign = sides
    model_admin = admin.site.get_model_admin(Dependent)
    dependent = Dependent(insured=foreign.insured, relationship="enfant", first_name="Ines", last_name="X",
                          birth_date=own.insured.birth_date, sex="F", registered_on=own.insured.affiliated_on)
    # when / then
    with pytest.raises(PermissionDenied, match="Assuré : cet enregistrement n'est pas de votre ressort"):
        model_admin.save_model(admin_request(supervisor), dependent, form=None, change=False)
    assert not Dependent.objects.filter(first_name="Ines").exists()


def test_moving_an_object_out_of_the_scope_is_refused_even_past_the_form(sides, supervisor):
    # given: the supervisor's own dependant, moved in memory to another mutuelle's insured person
    own, foreign = sides
    model_admin = admin.site.get_model_admin(Dependent)
    dependent = own.dependent
    dependent.insured = foreign.insured
    # when / then
    with pytest.raises(PermissionDenied):
        model_admin.save_model(admin_request(supervisor), dependent, form=None, change=True)
    dependent.refresh_from_db()
    assert dependent.insured_id == own.insured.pk


def test_deleting_another_mutuelles_object_is_refused_even_past_the_list(sides, superuser_free_medical_officer):
    # given
    own, foreign = sides
    model_admin = admin.site.get_model_admin(ETMAccord)
    request = admin_request(superuser_free_medical_officer)
    # when / then
    with pytest.raises(PermissionDenied):
        model_admin.delete_model(request, foreign.etm)
    with pytest.raises(PermissionDenied):
        model_admin.delete_queryset(request, ETMAccord.objects.filter(pk__in=[own.etm.pk, foreign.etm.pk]))
    assert ETMAccord.objects.filter(pk__in=[own.etm.pk, foreign.etm.pk]).count() == 2


@pytest.fixture
def superuser_free_medical_officer(medical_officer):
    """A médecin contrôleur of MGPAP (no superuser rights)."""
    assert not medical_officer.is_superuser
    return medical_officer


# --- the attacks of the probe, as they were made ----------------------------------------------------
def test_a_medecin_cannot_grant_an_etm_accord_to_another_mutuelles_member(login, sides, medical_officer):
    # given
    own, foreign = sides
    client = login(medical_officer)
    data = {"accord_number": "ETM-FORGE-1", "kind": "etm", "insured": foreign.insured.pk, "dependent": "",
            "ald": own.etm.ald_id,
            "valid_from": "2026-01-01", "valid_until": ""}
    # when
    response = client.post(reverse("admin:approvals_accord_add"), data)
    # then
    assert response.status_code == 200
    assert "Assuré : ce choix n'existe pas ou n'est pas de votre ressort" in html.unescape(response.content.decode())
    assert foreign.insured.last_name not in response.content.decode()
    assert not ETMAccord.objects.filter(accord_number="ETM-FORGE-1").exists()


def test_an_etm_accord_names_a_dependant_of_its_own_insured_person(login, sides, medical_officer):
    # given: two families of the médecin's own mutuelle
    own, _ = sides
    other_family = own.person()
    client = login(medical_officer)
    data = {"accord_number": "ETM-MELANGE-1", "kind": "etm", "insured": other_family.pk, "dependent": own.dependent.pk,
            "ald": own.etm.ald_id, "valid_from": "2026-01-01", "valid_until": ""}
    # when
    response = client.post(reverse("admin:approvals_accord_add"), data)
    # then
    assert "Ayant droit : cette personne n'est pas un ayant droit de l'assuré choisi." in \
        html.unescape(response.content.decode())
    assert not ETMAccord.objects.filter(accord_number="ETM-MELANGE-1").exists()


def test_a_supervisor_cannot_add_a_dependant_to_another_mutuelles_insured_person(login, sides, supervisor):
    # given
    own, foreign = sides
    before = Dependent.objects.filter(insured=foreign.insured).count()
    data = {"insured": foreign.insured.pk, "relationship": "enfant", "last_name": "Zerhouni", "first_name": "Adam",
            "birth_date": "2015-03-02", "sex": "M", "registered_on": "2015-03-02",
            "study_certificates-TOTAL_FORMS": "0", "study_certificates-INITIAL_FORMS": "0",
            "rights_maintenances-TOTAL_FORMS": "0", "rights_maintenances-INITIAL_FORMS": "0"}
    # when
    response = login(supervisor).post(reverse("admin:beneficiaries_dependent_add"), data)
    # then
    assert response.status_code == 200
    assert "Assuré : ce choix n'existe pas ou n'est pas de votre ressort" in html.unescape(response.content.decode())
    assert label_of(foreign.insured) not in response.content.decode()  # the raw-id label names nobody
    assert Dependent.objects.filter(insured=foreign.insured).count() == before


def test_the_bordereau_form_offers_and_takes_only_the_users_own_mutuelle(login, sides, supervisor):
    # given
    own, foreign = sides
    from payments.models import Bordereau

    url = reverse("admin:payments_bordereau_build")
    client = login(supervisor)
    # when
    offered = client.get(url).context["form"].fields["mutuelle"].queryset
    response = client.post(url, {"mutuelle": foreign.mutuelle.pk, "fund": own.fund.pk})
    # then
    assert list(offered) == [own.mutuelle]
    assert response.status_code == 200
    assert not Bordereau.objects.filter(mutuelle=foreign.mutuelle).exists()
