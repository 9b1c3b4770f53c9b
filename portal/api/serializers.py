"""Shapes of the insured persons' API: input serializers check shape only (French messages),
output serializers document what the views return."""
from datetime import date

from django.utils.translation import gettext
from rest_framework import serializers

from amo_portal.periods import before_amo
from claims.api.serializers import LineInputSerializer
from claims.models import ClaimStatus, DocumentKind
from claims.services.intake import MAX_DOCUMENTS, MAX_LINES, MSG_ALD_CODE_REQUIRED, MSG_ETM_NUMBER_REQUIRED
from portal.digits import ApiDigitsField, ApiDigitsRegexField

#: Database ids are 64-bit integers: anything larger is refused as input, never sent to the database.
MAX_ID = 2**63 - 1
IDEMPOTENCY_KEY_MAX = 80


# --- Input --------------------------------------------------------------------------------------

class TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, label="identifiant ou adresse électronique")
    password = serializers.CharField(max_length=128, trim_whitespace=False, label="mot de passe",
                                     style={"input_type": "password"})
    device = serializers.CharField(max_length=80, required=False, allow_blank=True, default="", label="appareil",
                                   help_text="Nom de l'appareil, montré dans la liste des jetons du compte.")


class EmailChangeInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, label="nouvelle adresse électronique")
    password = serializers.CharField(max_length=128, trim_whitespace=False, label="mot de passe",
                                     style={"input_type": "password"})


class ContactInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, label="adresse électronique")
    phone = ApiDigitsRegexField(r"^\+?[0-9 .-]{6,20}$", max_length=20, required=False, allow_blank=True,
                                label="téléphone",
                                error_messages={"invalid": "Numéro de téléphone invalide (chiffres, espaces, +)."})
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, label="adresse")
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, label="ville")


class RibChangeInputSerializer(serializers.Serializer):
    rib = ApiDigitsField(max_length=40, label="RIB")
    password = serializers.CharField(max_length=128, trim_whitespace=False, label="mot de passe")


class RightsQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, label="date",
                                 help_text="Date à laquelle les droits sont lus (défaut : aujourd'hui).")

    def validate_date(self, value: date) -> date:
        if not date(1900, 1, 1) <= value <= date(2100, 12, 31):
            raise serializers.ValidationError("La date doit être comprise entre 1900 et 2100.")
        return value


class ClaimFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ClaimStatus.choices, required=False, label="statut")
    beneficiary = serializers.RegexField(r"^(assure|[0-9]{1,18})$", required=False, label="bénéficiaire",
                                         help_text="« assure » pour l'assuré, ou l'identifiant d'un ayant droit.",
                                         error_messages={"invalid": "Indiquez « assure » ou l'identifiant d'un "
                                                                    "ayant droit."})
    care_date_from = serializers.DateField(required=False, label="soins à partir du")
    care_date_to = serializers.DateField(required=False, label="soins jusqu'au")


class ClaimInputSerializer(serializers.Serializer):
    beneficiary = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                           max_value=MAX_ID, label="bénéficiaire",
                                           help_text="Identifiant de l'ayant droit soigné ; vide pour l'assuré.")
    care_date = serializers.DateField(label="date des soins")
    treatment_end_date = serializers.DateField(required=False, allow_null=True, default=None,
                                               label="fin du traitement continu")
    prescriber_inpe = ApiDigitsRegexField(r"^[0-9]{6,12}$", label="INPE du prescripteur",
                                          error_messages={"invalid": "L'INPE doit comporter de 6 à 12 chiffres."})
    provider_inpe = ApiDigitsRegexField(r"^[0-9]{6,12}$", required=False, allow_blank=True, default="",
                                        label="INPE du prestataire",
                                        error_messages={"invalid": "L'INPE doit comporter de 6 à 12 chiffres."})
    care_sheet_number = ApiDigitsField(required=False, allow_blank=True, max_length=40, default="",
                                       label="n° de feuille de soins")
    is_ald = serializers.BooleanField(default=False, label="dossier ALD")
    ald_code = serializers.CharField(required=False, allow_blank=True, max_length=8, default="", label="code ALD")
    etm_accord_number = serializers.CharField(required=False, allow_blank=True, max_length=32, default="",
                                              label="n° d'accord ETM")
    lines = LineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES, label="lignes")

    def validate_care_date(self, value: date) -> date:
        if before_amo(value):
            raise serializers.ValidationError("L'AMO n'existait pas avant 2005.")
        return value

    def validate(self, attrs: dict) -> dict:
        """An ALD claim names the ALD code and the ETM accord's number (claims.services.intake)."""
        if attrs.get("is_ald"):
            errors = {name: gettext(message) for name, message in (("ald_code", MSG_ALD_CODE_REQUIRED),
                                                                   ("etm_accord_number", MSG_ETM_NUMBER_REQUIRED))
                      if not attrs.get(name, "").strip()}
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices, default=DocumentKind.OTHER, label="nature")
    files = serializers.ListField(child=serializers.FileField(max_length=200, allow_empty_file=False),
                                  allow_empty=False, max_length=MAX_DOCUMENTS, label="fichiers")


# --- Output -------------------------------------------------------------------------------------

class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Le jeton, montré cette seule fois.")
    id = serializers.IntegerField(help_text="Identifiant du jeton, pour le révoquer.")
    idle_days = serializers.IntegerField(help_text="Jours sans utilisation après lesquels le jeton expire.")


class TokenInfoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prefix = serializers.CharField(help_text="Début du jeton (8 caractères).")
    device = serializers.CharField(help_text="Nom de l'appareil donné à la connexion.")
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(help_text="Expiration si le jeton reste inutilisé d'ici là.")
    current = serializers.BooleanField(help_text="Le jeton de cette requête.")


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()


class PingSerializer(serializers.Serializer):
    ok = serializers.BooleanField()


class OrganisationSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_ar = serializers.CharField()


class PersonSerializer(serializers.Serializer):
    """Who a person is, as the registration card says: the insured person or a dependant."""

    first_name = serializers.CharField()
    last_name = serializers.CharField()
    first_name_ar = serializers.CharField()
    last_name_ar = serializers.CharField()
    birth_date = serializers.DateField()
    sex = serializers.CharField()


class MeSerializer(PersonSerializer):
    registration_number = serializers.CharField()
    affiliation_number = serializers.CharField()
    cnie = serializers.CharField()
    status = serializers.CharField()
    affiliated_on = serializers.DateField()
    card_issued_on = serializers.DateField(allow_null=True)
    mutuelle = OrganisationSerializer()
    regime = OrganisationSerializer(help_text="Le régime AMO dont les tarifs et les taux s'appliquent.")
    fund = OrganisationSerializer(allow_null=True, help_text="L'organisme qui paie la part AMO aujourd'hui "
                                                             "(le payeur du régime).")
    email = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()
    city = serializers.CharField()
    rib_last_digits = serializers.CharField()


class DependentSerializer(PersonSerializer):
    id = serializers.IntegerField()
    relationship = serializers.CharField()
    registered_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)


class RightsSerializer(serializers.Serializer):
    beneficiary = serializers.IntegerField(allow_null=True, help_text="Identifiant de l'ayant droit ; null : l'assuré.")
    name = serializers.CharField()
    relationship = serializers.CharField()
    entitled = serializers.BooleanField()
    code = serializers.CharField()
    message = serializers.CharField()
    ends_on = serializers.DateField(allow_null=True)


class RibChangeSerializer(serializers.Serializer):
    rib_last_digits = serializers.CharField()
    changed_at = serializers.DateTimeField()


class PaymentSerializer(serializers.Serializer):
    batch_number = serializers.CharField()
    status = serializers.CharField()
    paid_on = serializers.DateField(allow_null=True)
    rib_last_digits = serializers.CharField()
    amo = serializers.CharField()
    complementary = serializers.CharField()
    bank_reason = serializers.CharField()


class SharePaymentSerializer(serializers.Serializer):
    payer = serializers.ChoiceField(choices=["amo", "complementaire"],
                                    help_text="amo : part AMO, payée par l'organisme ; complementaire : part "
                                              "complémentaire, payée par la mutuelle.")
    payer_name = serializers.CharField()
    amount = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["paye", "rejete", "en_attente"])
    paid_on = serializers.DateField(allow_null=True, help_text="Date de valeur du virement exécuté.")
    reason_code = serializers.CharField(help_text="Code ISO 20022 du rejet par la banque, vide sinon.")
    message = serializers.CharField(help_text="Ce qu'il en est, en clair : date et RIB, motif du rejet, ou étape.")


class PaymentAttemptSerializer(serializers.Serializer):
    bordereau_number = serializers.CharField()
    rib_last_digits = serializers.CharField()
    shares = SharePaymentSerializer(many=True)


class ClaimSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    beneficiary = serializers.IntegerField(allow_null=True)
    beneficiary_name = serializers.CharField()
    care_date = serializers.DateField()
    filed_on = serializers.DateField(allow_null=True)
    total_paid = serializers.CharField()
    reimbursed = serializers.CharField(allow_null=True)
    payment = PaymentSerializer(allow_null=True)


class ClaimLineSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    kind = serializers.CharField()
    cotation = serializers.CharField()
    code = serializers.CharField()
    quantity = serializers.IntegerField()
    paid = serializers.CharField()
    ald = serializers.BooleanField()
    care_date = serializers.DateField(help_text="Date des soins de la ligne.")
    provider_sector = serializers.CharField(help_text="Secteur du prestataire : prive ou public.")
    tariff = serializers.CharField(allow_null=True)
    base = serializers.CharField(allow_null=True)
    amo = serializers.CharField(allow_null=True)
    complementary = serializers.CharField(allow_null=True)
    patient = serializers.CharField(allow_null=True)
    reason = serializers.CharField()
    reason_message = serializers.CharField()
    explanation = serializers.CharField()


class ClaimDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.CharField(help_text="Téléchargement par l'API (jeton).")
    page_url = serializers.CharField(help_text="Affichage dans le portail (session).")


class TimelineStepSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    at = serializers.DateTimeField()
    detail = serializers.CharField()


class DocumentRequestSerializer(serializers.Serializer):
    missing = serializers.CharField()
    requested_at = serializers.DateTimeField()


class ClaimDetailSerializer(ClaimSummarySerializer):
    treatment_end_date = serializers.DateField(allow_null=True)
    prescriber_inpe = serializers.CharField()
    provider_inpe = serializers.CharField()
    is_ald = serializers.BooleanField()
    ald_code = serializers.CharField()
    etm_accord_number = serializers.CharField()
    total_amo = serializers.CharField(allow_null=True)
    total_complementary = serializers.CharField(allow_null=True)
    total_patient = serializers.CharField(allow_null=True)
    rejection_message = serializers.CharField()
    lines = ClaimLineSerializer(many=True)
    documents = ClaimDocumentSerializer(many=True)
    timeline = TimelineStepSerializer(many=True)
    pending_request = DocumentRequestSerializer(allow_null=True)
    statement_url = serializers.CharField(allow_null=True)
    payment_history = PaymentAttemptSerializer(many=True, help_text="Chaque virement du dossier, du plus ancien "
                                                                    "au plus récent.")
    rib_notice = serializers.CharField(help_text="Après un virement rejeté : que faire pour être payé (vide sinon).")
    paiement_prevu = serializers.DateField(allow_null=True, help_text="Date de paiement prévue d'un dossier en cours "
                                           "(délai actuel de la mutuelle et calendrier des virements), sinon null.")
