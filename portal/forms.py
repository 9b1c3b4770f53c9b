"""Forms of the insured persons' pages: they check shape; the services decide the rest."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from amo_portal.money import MAX_AMOUNT, is_amount
from claims.models import DocumentKind
from claims.services.documents import MAX_DOCUMENT_BYTES
from claims.services.intake import MAX_DOCUMENTS
from claims.services.pricing import parse_cotation
from portal.digits import DigitsField, DigitsRegexField
from portal.services.accounts import check_password_again
from portal.throttle import address_locked_out
from tariffs.models import Medicine
from tariffs.selectors import medicines_search

DATE_WIDGET = {"type": "date"}
#: Rows of the claim form; more can be added in the browser (progressive enhancement).
LINE_ROWS = 6
MAX_LINE_ROWS = 50
ACCEPTED_FILES = "image/jpeg,image/png,application/pdf"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MoneyField(forms.Field):
    """An amount in dirhams typed the French way ("1 234,50") or with a point; two decimals at most."""

    default_error_messages = {"invalid": _("Saisissez un montant en dirhams, par exemple 250 ou 66,50.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off",
                                                           "maxlength": "16"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        text = str(value).strip() if value is not None else ""
        if text in self.empty_values:
            return None
        if len(text) > 16:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        cleaned = text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
        cleaned = cleaned.removesuffix("DH").removesuffix("dh")
        try:
            amount = Decimal(cleaned)
        except InvalidOperation as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if not amount.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return amount


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (photos of a multi-page document)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPTED_FILES}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class LoginForm(AuthenticationForm):
    """The sign-in form; a client address that failed too many sign-ins is told so (portal.throttle)."""

    username = forms.CharField(label=_("Adresse électronique ou identifiant"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username",
                                                             "autocapitalize": "none"}))
    password = forms.CharField(label=_("Mot de passe"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    error_messages = {
        "invalid_login": _("Identifiant ou mot de passe incorrect. Après plusieurs erreurs, le compte est "
                           "bloqué pendant un moment."),
        "inactive": _("Ce compte est désactivé."),
        "address_locked": _("Trop d'échecs de connexion depuis votre connexion : réessayez dans un moment."),
        "staff": _("Ce compte est un compte du personnel : il se connecte au back-office, avec sa double "
                   "authentification, sur la page de connexion du personnel (%(url)s)."),
    }

    def clean(self):
        if address_locked_out(self.request):
            raise ValidationError(self.error_messages["address_locked"], code="address_locked")
        return super().clean()

    def confirm_login_allowed(self, user):
        """Staff accounts never sign in here: without their second factor they would carry a session that
        is only password-deep. Said only once the password is right, so it tells a stranger nothing."""
        super().confirm_login_allowed(user)
        if user.is_staff_account:
            raise ValidationError(self.error_messages["staff"], code="staff", params={"url": reverse("admin:login")})


class InsuredPasswordResetForm(PasswordResetForm):
    """The insured persons' password reset: a staff address gets nothing, and the page says the same as for
    any address (staff passwords are reset by an administrator, and their second factor stays)."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if not user.is_staff_account)


class SignUpForm(forms.Form):
    registration_number = DigitsField(label=_("N° d'immatriculation AMO"), max_length=32,
                                      help_text=_("Il figure sur votre carte d'immatriculation."))
    cnie = DigitsField(label=_("N° de CNIE"), max_length=12, help_text=_("Par exemple AB123456."))
    birth_date = forms.DateField(label=_("Date de naissance"), widget=DateInput())
    email = forms.EmailField(label=_("Adresse électronique"), max_length=150,
                             help_text=_("Elle servira d'identifiant et recevra le suivi de vos dossiers."),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class NewPasswordForm(forms.Form):
    """The password chosen when the account opens (from the link sent by email)."""

    password1 = forms.CharField(label=_("Mot de passe"), strip=False,
                                help_text=_("Au moins 8 caractères, pas uniquement des chiffres."),
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Mot de passe (confirmation)"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        return data


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


class ContactForm(forms.Form):
    email = forms.EmailField(label=_("Adresse électronique"), max_length=254,
                             help_text=_("Une nouvelle adresse ne remplace l'actuelle qu'une fois confirmée par le "
                                         "lien qui lui est envoyé."))
    phone = DigitsRegexField(label=_("Téléphone"), max_length=20, required=False, regex=r"^\+?[0-9 .-]{6,20}$",
                             error_messages={"invalid": _("Numéro de téléphone invalide (chiffres, espaces, +).")},
                             widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    address = forms.CharField(label=_("Adresse"), max_length=300, required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    city = forms.CharField(label=_("Ville"), max_length=100, required=False)
    password = forms.CharField(label=_("Votre mot de passe (pour changer d'adresse électronique)"), strip=False,
                               required=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, current_email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.current_email = current_email

    def clean(self):
        data = super().clean()
        email = (data.get("email") or "").strip().lower()
        if "email" in data:
            data["email"] = email
        if email and email != self.current_email and not data.get("password"):
            self.add_error("password", _("Pour changer d'adresse électronique, confirmez avec votre mot de passe."))
        return data


class RibForm(forms.Form):
    rib = DigitsField(label=_("Nouveau RIB (24 chiffres)"), max_length=40,
                      help_text=_("Les espaces sont acceptés : 011 780 0000000000000001 23."),
                      widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    password = forms.CharField(label=_("Votre mot de passe (confirmation)"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class PortalPasswordChangeForm(PasswordChangeForm):
    """Django's password change; the current password is checked like a sign-in (django-axes), so that a
    stolen session cannot try passwords here without limit."""

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        try:
            check_password_again(user=self.user, password=old_password, request=self.request,
                                 message=_("Mot de passe actuel incorrect : le mot de passe n'a pas été changé."))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["password"]) from exc
        return old_password
