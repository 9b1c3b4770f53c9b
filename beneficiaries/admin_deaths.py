"""The admin actions that follow an insured person's death (beneficiaries.services.deaths): record
the death, affiliate the surviving spouse in their own right, close the dependants' rights. Each
shows a confirmation page in French; the service does all or nothing and writes the audit row."""
from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from amo_portal.exceptions import DomainError
from beneficiaries.models import Dependent, Insured, Relationship
from beneficiaries.services.deaths import (
    DEATH_PERMISSION,
    affiliate_survivor,
    close_dependants_rights,
    record_death,
)

MSG_ONE_PERSON = "Choisissez un seul assuré pour cette action."


def _required(form: forms.Form) -> None:
    for field in form.fields.values():
        field.error_messages["required"] = f"{field.label} : ce champ est obligatoire."
        field.error_messages["invalid"] = f"{field.label} : date invalide (JJ/MM/AAAA)."


class DeathForm(forms.Form):
    died_on = forms.DateField(label="Date du décès")

    def __init__(self, *args, insured: Insured, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self)


class SurvivorForm(forms.Form):
    spouse = forms.ModelChoiceField(label="Conjoint survivant", queryset=Dependent.objects.none())
    affiliated_on = forms.DateField(label="Affilié(e) en propre à partir du")
    registration_number = forms.CharField(label="N° d'immatriculation AMO du conjoint", max_length=32)
    affiliation_number = forms.CharField(label="N° d'affiliation à la mutuelle du conjoint", max_length=32)
    cnie = forms.CharField(label="N° de CNIE du conjoint (si absent de sa fiche)", max_length=10, required=False)
    children = forms.ModelMultipleChoiceField(label="Enfants rattachés au conjoint à la même date",
                                              queryset=Dependent.objects.none(), required=False,
                                              widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, insured: Insured, **kwargs):
        super().__init__(*args, **kwargs)
        open_rows = insured.dependents.filter(ended_on__isnull=True)
        self.fields["spouse"].queryset = open_rows.filter(relationship=Relationship.SPOUSE)
        self.fields["children"].queryset = open_rows.filter(relationship=Relationship.CHILD)
        _required(self)
        self.fields["spouse"].error_messages["invalid_choice"] = "Conjoint survivant : choisissez un conjoint déclaré."


class CloseForm(forms.Form):
    ended_on = forms.DateField(label="Fin des droits des ayants droit à partir du")

    def __init__(self, *args, insured: Insured, **kwargs):
        super().__init__(*args, **kwargs)
        _required(self)


def _record(insured: Insured, data: dict, by):
    return record_death(insured=insured, died_on=data["died_on"], by=by)


def _affiliate(insured: Insured, data: dict, by):
    return affiliate_survivor(insured=insured, spouse=data["spouse"], affiliated_on=data["affiliated_on"],
                              registration_number=data["registration_number"],
                              affiliation_number=data["affiliation_number"], cnie=data["cnie"],
                              children=list(data["children"]), by=by)


def _close(insured: Insured, data: dict, by):
    return close_dependants_rights(insured=insured, ended_on=data["ended_on"], by=by)


#: action name -> (title, form, service, submit label)
DEATH_ACTIONS = {
    "record_death_action": ("Enregistrer le décès de l'assuré", DeathForm, _record, "Enregistrer le décès"),
    "affiliate_survivor_action": ("Affilier le conjoint survivant en propre", SurvivorForm, _affiliate,
                                  "Affilier le conjoint"),
    "close_dependants_action": ("Fermer les droits des ayants droit", CloseForm, _close, "Fermer les droits"),
}


class DeathActionsMixin:
    """Actions of InsuredAdmin; the queryset is already scoped to the agent's mutuelle, and the
    service checks the scope and the permission again."""

    def has_record_death_permission(self, request) -> bool:
        return request.user.has_perm(DEATH_PERMISSION)

    def _death_action(self, request, queryset, name: str):
        title, form_class, service, submit = DEATH_ACTIONS[name]
        people = list(queryset[:2])
        if len(people) != 1:
            self.message_user(request, MSG_ONE_PERSON, messages.ERROR)
            return None
        insured = people[0]
        form = form_class(request.POST if "confirm" in request.POST else None, insured=insured)
        if form.is_valid():
            try:
                event = service(insured, form.cleaned_data, request.user)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(request, f"{insured} : {event.details}", messages.SUCCESS)
                return None
        context = {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta,
                   "insured": insured, "form": form, "action": name, "submit": submit,
                   "selected": [str(insured.pk)]}
        return TemplateResponse(request, "admin/beneficiaries/insured/death_action.html", context)

    @admin.action(description="Enregistrer le décès de l'assuré (tracé)", permissions=["record_death"])
    def record_death_action(self, request, queryset):
        return self._death_action(request, queryset, "record_death_action")

    @admin.action(description="Affilier le conjoint survivant en propre (tracé)", permissions=["record_death"])
    def affiliate_survivor_action(self, request, queryset):
        return self._death_action(request, queryset, "affiliate_survivor_action")

    @admin.action(description="Fermer les droits des ayants droit d'un assuré décédé (tracé)",
                  permissions=["record_death"])
    def close_dependants_action(self, request, queryset):
        return self._death_action(request, queryset, "close_dependants_action")
