"""Forms of a claim: the claim itself, its line rows, and the documents added once it is filed. They
check shape; the services (portal.services.filing, claims.services) decide the rest."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amo_portal.documents import MAX_DOCUMENT_BYTES
from amo_portal.money import MAX_AMOUNT, is_amount
from claims.models import DocumentKind
from claims.services.intake import MAX_DOCUMENTS, MSG_ALD_CODE_REQUIRED, line_date_error
from claims.services.pricing import parse_cotation
from portal.digits import DigitsField
from portal.forms.fields import DateInput, MoneyField, MultipleFileField
from tariffs.models import Medicine
from tariffs.selectors import medicines_search

#: Rows of the claim form; more can be added in the browser (progressive enhancement).
LINE_ROWS = 6
LINES_PREFIX = "lignes"
MAX_LINE_ROWS = 50


class ClaimForm(forms.Form):
    beneficiary = forms.ChoiceField(label=_("Bénéficiaire des soins"))
    care_date = forms.DateField(label=_("Date des soins (premier acte)"), widget=DateInput())
    treatment_end_date = forms.DateField(label=_("Fin du traitement continu (facultatif)"), required=False,
                                         widget=DateInput())
    prescriber_inpe = DigitsField(label=_("INPE du médecin prescripteur"), max_length=12,
                                  help_text=_("Numéro à 6-12 chiffres porté sur le cachet du médecin."),
                                  widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    provider_inpe = DigitsField(label=_("INPE du pharmacien ou du laboratoire (facultatif)"), max_length=12,
                                required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    care_sheet_number = DigitsField(label=_("N° de la feuille de soins (facultatif)"), max_length=40,
                                    required=False)
    is_ald = forms.BooleanField(label=_("Dossier ALD (affection de longue durée)"), required=False)
    ald_code = forms.CharField(label=_("Code ALD (facultatif)"), max_length=8, required=False)
    etm_accord_number = forms.ChoiceField(label=_("Accord ETM"), required=False)
    care_sheet_files = MultipleFileField(label=_("Feuille de soins (photo ou PDF)"))
    prescription_files = MultipleFileField(label=_("Ordonnance (photo ou PDF)"))
    other_files = MultipleFileField(label=_("Factures, résultats, autres pièces"))
    documents_token = forms.CharField(required=False, widget=forms.HiddenInput)
    preview_print = forms.CharField(required=False, widget=forms.HiddenInput)

    FILE_FIELDS = {"care_sheet_files": DocumentKind.CARE_SHEET, "prescription_files": DocumentKind.PRESCRIPTION,
                   "other_files": DocumentKind.OTHER}

    def __init__(self, *args, beneficiaries: list[tuple[str, str]], accords: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["beneficiary"].choices = beneficiaries
        self.fields["etm_accord_number"].choices = [("", _("— aucun —")), *accords]

    def clean(self):
        data = super().clean()
        if data.get("is_ald") and not data.get("etm_accord_number"):
            self.add_error("etm_accord_number", _("Un dossier ALD doit porter le numéro de l'accord ETM."))
        if data.get("is_ald") and not (data.get("ald_code") or "").strip():
            self.add_error("ald_code", _(MSG_ALD_CODE_REQUIRED))
        end, care = data.get("treatment_end_date"), data.get("care_date")
        if end and care and end < care:
            self.add_error("treatment_end_date", _("La fin du traitement ne peut pas précéder la date des soins."))
        files = [f for name in self.FILE_FIELDS for f in data.get(name, [])]
        if len(files) > MAX_DOCUMENTS:
            self.add_error("other_files", _("Joignez au plus %(max)s pièces.") % {"max": MAX_DOCUMENTS})
        for upload in files:
            if upload.size > MAX_DOCUMENT_BYTES:
                self.add_error(None, _("« %(name)s » dépasse 10 Mo.") % {"name": upload.name})
        return data

    def uploads(self) -> list[tuple[str, object]]:
        return [(kind, upload) for name, kind in self.FILE_FIELDS.items() for upload in self.cleaned_data.get(name, [])]


class LineForm(forms.Form):
    kind = forms.ChoiceField(label=_("Nature"), choices=[("acte", _("Acte (cotation)")),
                                                          ("medicament", _("Médicament"))])
    cotation = forms.CharField(label=_("Cotation (Cs, C, B 60…)"), max_length=20, required=False)
    medicine_code = forms.CharField(label=_("Médicament (code ou nom)"), max_length=32, required=False,
                                    widget=forms.TextInput(attrs={"data-medicine-search": "1",
                                                                  "autocomplete": "off"}))
    quantity = forms.IntegerField(label=_("Quantité"), min_value=1, max_value=999, initial=1,
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    amount_paid = MoneyField(label=_("Montant payé (DH)"), required=False)
    ald_linked = forms.BooleanField(label=_("Lié à l'ALD"), required=False)
    provider_sector = forms.ChoiceField(label=_("Prestataire (laboratoire, clinique…)"), required=False,
                                        choices=[("prive", _("privé")), ("public", _("public"))], initial="prive")
    care_date = forms.DateField(label=_("Date des soins de la ligne (facultatif)"), required=False,
                                widget=DateInput(),
                                help_text=_("Jour de l'acte ou de l'achat, s'il diffère de la date des soins du "
                                            "dossier (analyses, pharmacie…)."))

    def has_content(self) -> bool:
        data = self.cleaned_data
        return bool(data.get("cotation") or data.get("medicine_code") or data.get("amount_paid") is not None)

    def clean(self):
        data = super().clean()
        if not (data.get("cotation") or data.get("medicine_code") or data.get("amount_paid") is not None):
            return data  # an empty row is ignored
        if data.get("kind") == "acte" and not data.get("cotation"):
            self.add_error("cotation", _("Indiquez la cotation de l'acte (ex. « Cs », « B 60 »)."))
        elif data.get("kind") == "acte" and not parse_cotation(data["cotation"]):
            self.add_error("cotation", _("Cotation illisible : écrivez la lettre clé puis le coefficient, par "
                                         "exemple « B 60 » ou « Cs »."))
        if data.get("kind") == "medicament":
            self._resolve_medicine(data)
        amount = data.get("amount_paid")
        if amount is None:
            self.add_error("amount_paid", _("Indiquez le montant payé."))
        elif not is_amount(amount):
            self.add_error("amount_paid", _("Le montant payé doit être positif, en dirhams avec au plus deux "
                                            "décimales."))
        elif amount > MAX_AMOUNT:
            self.add_error("amount_paid", _("Le montant payé dépasse 1 000 000 DH : vérifiez la saisie."))
        return data


    def _resolve_medicine(self, data) -> None:
        """Accept a code, or a name that designates exactly one medicine of the list (no JavaScript needed)."""
        text = (data.get("medicine_code") or "").strip()
        if not text:
            self.add_error("medicine_code", _("Indiquez le code du médicament (recherchez-le par son nom)."))
            return
        if Medicine.objects.filter(code=text).exists():
            return
        matches = list(medicines_search(text=text)[:6])
        if len(matches) == 1:
            data["medicine_code"] = matches[0].code
        elif not matches:
            self.add_error("medicine_code", _("Aucun médicament de la liste ne correspond à « %(text)s ».")
                           % {"text": text})
        else:
            names = " ; ".join(f"{m.name} {m.presentation} ({m.code})".strip() for m in matches[:5])
            self.add_error("medicine_code", _("Plusieurs médicaments correspondent, précisez le code : %(names)s")
                           % {"names": names})


def check_line_dates(form: ClaimForm, filled: list[LineForm]) -> bool:
    """Each filled row's own date lies between the claim's date (its first act) and today, and not
    after the end of treatment (claims.services.intake.line_date_error), named on its row."""
    care = form.cleaned_data.get("care_date")
    ok = True
    for line_form in filled if care else []:
        error = line_date_error(line_form.cleaned_data.get("care_date"), care_date=care,
                                treatment_end_date=form.cleaned_data.get("treatment_end_date"),
                                filed_on=timezone.localdate())
        if error:
            line_form.add_error("care_date", error)
            ok = False
    return ok


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not any(form.cleaned_data and form.has_content() for form in self.forms):
            raise ValidationError(_("Ajoutez au moins un acte ou un médicament."))


LineFormSet = forms.formset_factory(LineForm, formset=BaseLineFormSet, extra=LINE_ROWS, max_num=MAX_LINE_ROWS,
                                    validate_max=True, absolute_max=MAX_LINE_ROWS)


class DocumentsForm(forms.Form):
    """Documents added to a filed claim (for instance those the mutuelle asked for)."""

    kind = forms.ChoiceField(label=_("Nature de la pièce"), choices=[
        (DocumentKind.CARE_SHEET, _("feuille de soins")), (DocumentKind.PRESCRIPTION, _("ordonnance")),
        (DocumentKind.INVOICE, _("facture")), (DocumentKind.RESULTS, _("résultats d'analyses ou d'imagerie")),
        (DocumentKind.OTHER, _("autre pièce"))])
    files = MultipleFileField(label=_("Fichiers (photos ou PDF, 10 Mo au plus chacun)"), required=True)

    def clean_files(self):
        """Counted and size-checked from what the upload declared, before any file is read."""
        files = self.cleaned_data["files"]
        if len(files) > MAX_DOCUMENTS:
            raise ValidationError(_("Fichiers : joignez au plus %(max)s pièces.") % {"max": MAX_DOCUMENTS})
        too_large = [upload.name for upload in files if upload.size > MAX_DOCUMENT_BYTES]
        if too_large:
            raise ValidationError([_("« %(name)s » dépasse 10 Mo.") % {"name": name} for name in too_large[:3]])
        return files

