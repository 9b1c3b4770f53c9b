"""The insured person's request for an accord (an ETM or its renewal, an entente préalable), for
themselves or a dependant, with the medical report, or the prescription and the quote."""
from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.models import AccordDocumentKind, AccordKind, ALDDeclination

KIND_CHOICES = [(AccordKind.ETM, _("Exonération du ticket modérateur (ETM) pour une ALD")),
                (AccordKind.PRIOR_APPROVAL, _("Entente préalable (actes ou appareils)"))]
#: The upload fields and the kind of piece each one is.
DOCUMENT_FIELDS = {"medical_report": AccordDocumentKind.MEDICAL_REPORT,
                   "prescription": AccordDocumentKind.PRESCRIPTION, "quote": AccordDocumentKind.QUOTE}


class AccordRequestForm(forms.Form):
    beneficiary = forms.ChoiceField(label=_("Bénéficiaire"))
    kind = forms.ChoiceField(label=_("Demande"), choices=KIND_CHOICES)
    renews = forms.ChoiceField(label=_("Renouvellement de l'accord (facultatif)"), required=False)
    declination = forms.ModelChoiceField(label=_("ALD (code de déclinaison)"), required=False,
                                         queryset=ALDDeclination.objects.order_by("code"), to_field_name="code",
                                         help_text=_("Le code écrit par votre médecin sur le rapport médical."))
    acts = forms.CharField(label=_("Actes ou appareils (entente préalable)"), max_length=200, required=False,
                           help_text=_("Codes séparés par des virgules, par exemple AMK."))
    quantity = forms.IntegerField(label=_("Séances ou quantité demandées"), min_value=1, max_value=999,
                                  required=False)
    medical_report = forms.FileField(label=_("Rapport médical (PDF, JPEG ou PNG)"), required=False)
    prescription = forms.FileField(label=_("Prescription"), required=False)
    quote = forms.FileField(label=_("Devis"), required=False)
    note = forms.CharField(label=_("Précisions (facultatif)"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, beneficiaries: list[tuple[str, str]], renewable: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["beneficiary"].choices = beneficiaries
        self.fields["renews"].choices = [("", _("— aucun —")), *renewable]
        self.fields["declination"].label_from_instance = lambda d: f"{d.code} – {d.label}"

    def clean(self):
        data = super().clean()
        if data.get("kind") == AccordKind.ETM:
            if not data.get("declination") and not data.get("renews"):
                self.add_error("declination", _("Choisissez l'ALD de la demande."))
            if not data.get("medical_report"):
                self.add_error("medical_report", _("Joignez le rapport médical."))
        if data.get("kind") == AccordKind.PRIOR_APPROVAL:
            if not (data.get("acts") or "").strip():
                self.add_error("acts", _("Nommez les actes ou appareils demandés."))
            if not data.get("prescription"):
                self.add_error("prescription", _("Joignez la prescription."))
        return data

    def uploads(self) -> list[tuple[str, str, object]]:
        """(field, kind of piece, uploaded file) of each piece sent."""
        return [(name, kind, self.cleaned_data[name]) for name, kind in DOCUMENT_FIELDS.items()
                if self.cleaned_data.get(name)]
