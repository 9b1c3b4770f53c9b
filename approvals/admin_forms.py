"""The forms of the médecins' decisions on a request and of the accords' import upload."""
from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.services.review import REFUSAL_REASONS

DECISIONS = [("pieces", _("Demander des pièces")), ("accorder", _("Accorder")), ("refuser", _("Refuser"))]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Décision"), choices=DECISIONS)
    number = forms.CharField(label=_("N° d'accord"), max_length=32, required=False)
    valid_from = forms.DateField(label=_("Valable du"), required=False)
    valid_until = forms.DateField(label=_("Valable jusqu'au (inclus)"), required=False,
                                  help_text=_("Vide : la durée de la déclinaison d'ALD."))
    lifetime = forms.BooleanField(label=_("À vie"), required=False)
    quantity = forms.IntegerField(label=_("Séances ou quantité accordées"), min_value=1, required=False)
    refusal_code = forms.ChoiceField(label=_("Motif de refus"), required=False,
                                     choices=[("", "—"), *REFUSAL_REASONS.items()])
    comment = forms.CharField(label=_("Commentaire (pièces demandées, précisions)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "accorder":
            for name in ("number", "valid_from"):
                if not data.get(name):
                    self.add_error(name, _("Obligatoire pour accorder."))
        if data.get("decision") == "refuser" and not data.get("refusal_code"):
            self.add_error("refusal_code", _("Obligatoire pour refuser."))
        if data.get("decision") == "pieces" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Dites quelles pièces manquent."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Fichier CSV des accords"))
