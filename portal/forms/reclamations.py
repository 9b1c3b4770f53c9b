"""The insured person's réclamation against a decision on their claim."""
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from amo_portal.documents import MAX_DOCUMENT_BYTES
from claims.services.reclamations import MAX_REASON, MAX_RECLAMATION_DOCUMENTS
from portal.forms.fields import MultipleFileField


class ReclamationForm(forms.Form):
    lines = forms.TypedMultipleChoiceField(label=_("Lignes contestées"), coerce=int, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label=_("Pourquoi contestez-vous la décision ?"), max_length=MAX_REASON,
                             widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField(label=_("Pièces (photos ou PDF, 10 Mo au plus chacune ; facultatif)"), required=False)

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [(line.pk, label) for line, label in lines]
        if not lines:
            del self.fields["lines"]

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if len(files) > MAX_RECLAMATION_DOCUMENTS:
            raise ValidationError(_("Fichiers : joignez au plus %(max)s pièces.") % {"max": MAX_RECLAMATION_DOCUMENTS})
        if any(upload.size > MAX_DOCUMENT_BYTES for upload in files):
            raise ValidationError(_("Chaque fichier doit faire 10 Mo au plus."))
        return files
