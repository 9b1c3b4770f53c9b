"""Shapes of the claims API (input checking only; business rules live in the services)."""
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from rest_framework import serializers

from amo_portal.money import AMOUNT_FIELD as MONEY
from amo_portal.money import to_centimes
from amo_portal.periods import before_amo
from claims.services.intake import line_date_error

#: How far ahead a simulated filing date may be.
MAX_DAYS_AHEAD = 366


def money_str(value: Decimal | None) -> str | None:
    return None if value is None else f"{to_centimes(value):.2f}"


class LineInputSerializer(serializers.Serializer):
    """One act or medicine line as sent to the API: a claim's (portal) or a simulation's."""

    kind = serializers.ChoiceField(choices=[("acte", "acte"), ("medicament", "médicament")], label="nature")
    cotation = serializers.CharField(required=False, allow_blank=True, max_length=20, default="",
                                     help_text="Lettre clé et coefficient, par exemple « Cs » ou « B 60 ».")
    code = serializers.CharField(required=False, allow_blank=True, max_length=32, default="",
                                 label="code du médicament")
    quantity = serializers.IntegerField(min_value=1, max_value=999, default=1, label="quantité")
    paid = serializers.DecimalField(**MONEY, label="montant payé")
    ald = serializers.BooleanField(default=False, label="lié à l'ALD")
    prior_approval_number = serializers.CharField(required=False, allow_blank=True, max_length=32, default="",
                                                  label="n° d'entente préalable")
    provider_sector = serializers.ChoiceField(choices=[("prive", "privé"), ("public", "public")], default="prive",
                                              label="secteur du prestataire",
                                              help_text="Laboratoire, clinique… public ou privé (privé par défaut).")
    care_date = serializers.DateField(required=False, allow_null=True, default=None, label="date des soins de la ligne",
                                      help_text="Jour de l'acte ou de la délivrance ; par défaut, la date des soins "
                                                "du dossier.")

    def validate(self, attrs):
        if attrs["kind"] == "acte" and not attrs.get("cotation", "").strip():
            raise serializers.ValidationError({"cotation": "Indiquez la cotation de l'acte (ex. « Cs », « B 60 »)."})
        if attrs["kind"] == "medicament" and not attrs.get("code", "").strip():
            raise serializers.ValidationError({"code": "Indiquez le code du médicament."})
        return attrs


class SimulationBeneficiarySerializer(serializers.Serializer):
    relationship = serializers.ChoiceField(choices=[("assure", "assuré"), ("conjoint", "conjoint"),
                                                    ("enfant", "enfant")], label="lien")
    birth_date = serializers.DateField(label="date de naissance")
    student = serializers.BooleanField(default=False)
    married = serializers.BooleanField(default=False)
    disabled = serializers.BooleanField(default=False)

    def validate_birth_date(self, value: date) -> date:
        if value > timezone.localdate() or value.year < 1900:
            raise serializers.ValidationError("La date de naissance doit être passée (et postérieure à 1900).")
        return value


class SimulationETMSerializer(serializers.Serializer):
    ald_code = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    accord_number = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    valid_from = serializers.DateField(label="début de validité")
    valid_to = serializers.DateField(required=False, allow_null=True, default=None, label="fin de validité")

    def validate(self, attrs):
        if attrs.get("valid_to") and attrs["valid_to"] < attrs["valid_from"]:
            raise serializers.ValidationError({"valid_to": "La fin de validité précède son début."})
        return attrs


class SimulationInputSerializer(serializers.Serializer):
    mutuelle = serializers.CharField(max_length=16)
    care_date = serializers.DateField(label="date des soins")
    treatment_end_date = serializers.DateField(required=False, allow_null=True, default=None)
    filing_date = serializers.DateField(required=False, allow_null=True, default=None, label="date de dépôt")
    beneficiary = SimulationBeneficiarySerializer()
    etm = SimulationETMSerializer(required=False, allow_null=True, default=None)
    lines = LineInputSerializer(many=True, allow_empty=False, max_length=50)

    def validate_filing_date(self, value: date | None) -> date | None:
        # A simulation may look ahead ("if I file next month"), not into the next century.
        if value is not None and value > timezone.localdate() + timedelta(days=MAX_DAYS_AHEAD):
            raise serializers.ValidationError("La date de dépôt ne peut pas dépasser d'un an la date du jour.")
        return value

    def validate(self, attrs):
        filing = attrs.get("filing_date") or timezone.localdate()
        attrs["filing_date"] = filing
        if attrs["care_date"] > filing:
            raise serializers.ValidationError({"care_date": "La date des soins ne peut pas suivre la date de dépôt."})
        if before_amo(attrs["care_date"]):
            raise serializers.ValidationError({"care_date": "L'AMO n'existait pas avant 2005."})
        if attrs["care_date"] < attrs["beneficiary"]["birth_date"]:
            raise serializers.ValidationError({"care_date": "La date des soins précède la date de naissance."})
        end = attrs.get("treatment_end_date")
        if end and not attrs["care_date"] <= end <= filing:
            raise serializers.ValidationError(
                {"treatment_end_date": "La fin du traitement doit être entre la date des soins et le dépôt."})
        line_errors = [{"care_date": message} if message else {} for message in (
            line_date_error(line.get("care_date"), care_date=attrs["care_date"], treatment_end_date=end,
                            filed_on=filing) for line in attrs["lines"])]
        if any(line_errors):
            raise serializers.ValidationError({"lines": line_errors})
        return attrs


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class PricedLineSerializer(serializers.Serializer):
    tariff = serializers.CharField(allow_null=True)
    base = serializers.CharField()
    amo = serializers.CharField()
    complementary = serializers.CharField()
    patient = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    explanation = serializers.CharField()


class TotalsSerializer(serializers.Serializer):
    paid = serializers.CharField()
    amo = serializers.CharField()
    complementary = serializers.CharField()
    patient = serializers.CharField()


class SimulationOutputSerializer(serializers.Serializer):
    admissible = serializers.BooleanField()
    reasons = ReasonSerializer(many=True)
    lines = PricedLineSerializer(many=True)
    totals = TotalsSerializer()


class MedicineSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    dci = serializers.CharField()
    presentation = serializers.CharField()
    generic = serializers.BooleanField()
    ppv = serializers.CharField(allow_null=True)
    pbr = serializers.CharField(allow_null=True)
    reimbursable = serializers.BooleanField()
    sample = serializers.BooleanField()
