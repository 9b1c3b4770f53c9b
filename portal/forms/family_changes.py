"""The insured person's declaration of a family change: one form per kind, showing only the fields that
kind reads (beneficiaries.services.family_checks.KIND_FIELDS) and the document it requires. The form
checks shape; the service checks the rest and names each field in its errors."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amo_portal.documents import MAX_DOCUMENT_BYTES
from beneficiaries.family_documents import REQUIRED_DOCUMENT, document_label
from beneficiaries.models import Dependent, Relationship
from beneficiaries.models_family import CustodyDirection, FamilyChangeKind
from beneficiaries.services.family_checks import KIND_FIELDS, FamilyChangeInput, academic_year_of, label_of
from portal.forms.fields import ACCEPTED_FILES, DateInput

K = FamilyChangeKind
PERSON_ORDER = ("last_name", "first_name", "last_name_ar", "first_name_ar", "birth_date", "sex", "cnie",
                "covered_elsewhere")
SEX_CHOICES = [("", _("— choisir —")), ("F", _("féminin")), ("M", _("masculin"))]
HELP = {
    "first_name_ar": _("Facultatif."), "last_name_ar": _("Facultatif."),
    "cnie": _("Si la personne en a une (facultatif pour un enfant)."),
    "covered_elsewhere": _("Cochez si votre conjoint(e) est déjà couvert(e) par l'AMO au titre de son travail ou "
                           "d'un autre régime : il (elle) n'est alors pas ayant droit."),
    "note": _("Facultatif : ce que votre mutuelle doit savoir."),
}


class FamilyChangeForm(forms.Form):
    custody_direction = forms.ChoiceField(choices=CustodyDirection.choices, required=False)
    dependent = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    event_date = forms.DateField(widget=DateInput(), required=False)
    last_name = forms.CharField(max_length=100, required=False)
    first_name = forms.CharField(max_length=100, required=False)
    last_name_ar = forms.CharField(max_length=100, required=False, widget=forms.TextInput(attrs={"dir": "rtl"}))
    first_name_ar = forms.CharField(max_length=100, required=False, widget=forms.TextInput(attrs={"dir": "rtl"}))
    birth_date = forms.DateField(widget=DateInput(), required=False)
    sex = forms.ChoiceField(choices=SEX_CHOICES, required=False)
    cnie = forms.CharField(max_length=10, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}))
    covered_elsewhere = forms.BooleanField(required=False, label=_("Mon conjoint (ma conjointe) est couvert(e) par "
                                                                   "un autre régime"))
    academic_year = forms.CharField(max_length=9, required=False, widget=forms.TextInput(attrs={"dir": "ltr"}))
    document = forms.FileField(required=False, widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}))
    other_document = forms.FileField(required=False, label=_("Autre pièce (facultatif)"),
                                     widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}))
    note = forms.CharField(max_length=1000, required=False, label=_("Précisions"),
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, kind: str, dependents: list[Dependent], direction: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.direction = kind, direction
        kept = {*KIND_FIELDS[kind], "document", "other_document", "note"}
        if kind == K.CUSTODY and direction == CustodyDirection.LEAVES:
            kept -= set(PERSON_ORDER)
        for name in [name for name in self.fields if name not in kept]:
            del self.fields[name]
        for name, field in self.fields.items():
            if name not in ("covered_elsewhere", "other_document", "note"):
                field.label = label_of(name, kind)
            field.help_text = HELP.get(name, "")
            self._name_field_in_errors(field)
        self._document_field(kind)
        if "dependent" in self.fields:
            self._dependent_field(kind, dependents)
        if "academic_year" in self.fields:
            self.fields["academic_year"].help_text = _("Par exemple %(year)s.") % {"year": academic_year_of_today()}
        if kind == K.CUSTODY:  # the direction is chosen before the form (two entries of the list)
            self.fields["custody_direction"].widget = forms.HiddenInput()
            self.fields["custody_direction"].initial = direction

    def _name_field_in_errors(self, field) -> None:
        """Every error says which field it is about: it reads the same in the summary and the API."""
        values = {"label": field.label, "max": getattr(field, "max_length", None)}
        field.error_messages.update({
            "required": _("%(label)s : ce champ est obligatoire.") % values,
            "invalid": (_("%(label)s : saisissez une date valide (jj/mm/aaaa).") if isinstance(field, forms.DateField)
                        else _("%(label)s : saisie invalide.")) % values,
            "invalid_choice": _("%(label)s : choisissez dans la liste.") % values,
            "empty": _("%(label)s : le fichier envoyé est vide.") % values,
            "max_length": _("%(label)s : %(max)s caractères au plus.") % values,
        })

    def _document_field(self, kind: str) -> None:
        field = self.fields["document"]
        field.label = _("%(document)s (photo ou PDF, 10 Mo au plus)") % {"document": document_label(
            REQUIRED_DOCUMENT[kind])}
        field.widget.attrs["aria-required"] = "true"

    def _dependent_field(self, kind: str, dependents: list[Dependent]) -> None:
        """The dependants the request may name: current spouses for a divorce, current children, or for a
        child coming back, the children who left; a child never registered is typed in full instead."""
        today = timezone.localdate()
        wanted = Relationship.SPOUSE if kind == K.DIVORCE else Relationship.CHILD
        returning = kind == K.CUSTODY and self.direction == CustodyDirection.JOINS
        choices = [(d.pk, f"{d.full_name} ({d.birth_date:%d/%m/%Y})") for d in dependents
                   if d.relationship == wanted and (d.ended_on is not None and d.ended_on <= today) == returning]
        field = self.fields["dependent"]
        if returning and not choices:
            del self.fields["dependent"]
            return
        if returning:
            field.label = _("Un enfant qui a quitté votre foyer et y revient")
            field.help_text = _("Sinon, laissez « non » et remplissez ci-dessous pour un enfant jamais inscrit.")
            field.choices = [("", _("— non —")), *choices]
            return
        if kind == K.CUSTODY:
            field.label = _("Enfant qui quitte votre foyer")
        field.choices = [("", _("— choisir —")), *choices]

    def clean_document(self):
        return self._checked_size(self.cleaned_data.get("document"))

    def clean_other_document(self):
        return self._checked_size(self.cleaned_data.get("other_document"))

    def _checked_size(self, upload):
        if upload is not None and upload.size > MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(_("« %(name)s » dépasse 10 Mo.") % {"name": upload.name})
        return upload

    def declaration(self) -> FamilyChangeInput:
        """What was typed, as the service takes it (fields the kind does not read stay empty)."""
        data = self.cleaned_data
        return FamilyChangeInput(kind=self.kind, dependent_id=data.get("dependent"), event_date=data.get("event_date"),
                                 first_name=data.get("first_name", ""), last_name=data.get("last_name", ""),
                                 first_name_ar=data.get("first_name_ar", ""), last_name_ar=data.get("last_name_ar", ""),
                                 birth_date=data.get("birth_date"), sex=data.get("sex", ""), cnie=data.get("cnie", ""),
                                 covered_elsewhere=data.get("covered_elsewhere", False),
                                 custody_direction=data.get("custody_direction", ""),
                                 academic_year=data.get("academic_year", ""), note=data.get("note", ""))

    @property
    def person_legend(self) -> str:
        """The title of the declared person's fields."""
        if self.kind == K.MARRIAGE:
            return str(_("Votre conjoint(e)"))
        if "dependent" in self.fields:
            return str(_("Ou un enfant jamais inscrit"))
        return str(_("L'enfant"))

    def person_fields(self) -> list:
        """The fields of the person declared (a newborn, a spouse, a child joining), in reading order."""
        return [self[name] for name in PERSON_ORDER if name in self.fields]

    def uploads(self) -> list[tuple[str, str, object]]:
        """(field, kind of document, uploaded file) of each file sent."""
        found = [("document", REQUIRED_DOCUMENT[self.kind], self.cleaned_data.get("document")),
                 ("other_document", "autre", self.cleaned_data.get("other_document"))]
        return [(name, kind, upload) for name, kind, upload in found if upload]


def academic_year_of_today() -> str:
    return academic_year_of(timezone.localdate())
