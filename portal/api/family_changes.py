"""API of the insured person's family-change declarations: list, filing one (multipart, with its
document), detail, withdrawal while pending, and the person's own documents. The same rules as the
portal's pages (beneficiaries.services.family_changes); another person's declaration is a 404."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from amo_portal.api_input import validated
from amo_portal.documents import check_document
from amo_portal.exceptions import DomainError
from beneficiaries.family_documents import REQUIRED_DOCUMENT, document_response
from beneficiaries.models_family import CustodyDirection, FamilyChangeKind, FamilyDocumentKind
from beneficiaries.selectors_family import request_for_page, requests_of_insured
from beneficiaries.services import family_notices as notices
from beneficiaries.services.family_changes import file_family_change, withdraw_family_change
from beneficiaries.services.family_checks import FamilyChangeInput
from portal.api.views import InsuredApi

MSG_NOT_FOUND = "Déclaration introuvable."
#: The upload fields: the document the kind requires, and one more (optional).
FILE_FIELDS = ("document", "other_document")


class FamilyChangeInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FamilyChangeKind.choices)
    dependent = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    event_date = serializers.DateField(required=False, allow_null=True)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    last_name_ar = serializers.CharField(required=False, allow_blank=True, max_length=100)
    first_name_ar = serializers.CharField(required=False, allow_blank=True, max_length=100)
    birth_date = serializers.DateField(required=False, allow_null=True)
    sex = serializers.ChoiceField(choices=["M", "F", ""], required=False, allow_blank=True)
    cnie = serializers.CharField(required=False, allow_blank=True, max_length=12)
    covered_elsewhere = serializers.BooleanField(required=False, default=False)
    custody_direction = serializers.ChoiceField(choices=[*CustodyDirection.values, ""], required=False,
                                                allow_blank=True)
    academic_year = serializers.CharField(required=False, allow_blank=True, max_length=12)
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    document = serializers.FileField(required=False, help_text="La pièce que la déclaration exige (PDF, JPEG, PNG).")
    other_document = serializers.FileField(required=False, help_text="Une autre pièce, facultative.")


class FamilyChangeDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    size = serializers.IntegerField()


class FamilyChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    what = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    filed_on = serializers.DateField()
    effective_on = serializers.DateField(allow_null=True, help_text="Date d'effet d'une déclaration acceptée.")
    effect = serializers.CharField(allow_blank=True)
    refusal_reason = serializers.CharField(allow_blank=True)
    dependent = serializers.IntegerField(allow_null=True)
    new_dependent = serializers.IntegerField(allow_null=True)
    documents = FamilyChangeDocumentSerializer(many=True)


def payload(change) -> dict:
    accepted = change.status == "acceptee"
    return {
        "id": change.pk, "number": change.number, "kind": change.kind, "kind_label": notices.kind_label(change.kind),
        "what": notices.describe(change), "status": change.status, "status_label": notices.status_label(change.status),
        "filed_on": change.filed_on, "effective_on": change.decided_on if accepted else None,
        "effect": notices.effect(change) if accepted else "", "refusal_reason": change.refusal_reason,
        "dependent": change.dependent_id, "new_dependent": change.new_dependent_id,
        "documents": [{"id": d.pk, "kind": d.kind, "name": d.original_name, "size": d.size}
                      for d in change.documents.all()],
    }


class FamilyChangeApi(InsuredApi):
    def own(self, request, pk: int):
        change = request_for_page(user=request.user, insured_id=self.insured(request).pk, pk=pk)
        if change is None:
            raise NotFound(MSG_NOT_FOUND)
        return change


class FamilyChangeListCreateApi(FamilyChangeApi):
    """The insured person's declarations (newest first), and a new one: multipart, with `document`."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: FamilyChangeSerializer(many=True)})
    def get(self, request):
        changes = requests_of_insured(user=request.user, insured_id=self.insured(request).pk).prefetch_related(
            "documents")
        return Response([payload(change) for change in changes[:200]])

    @extend_schema(request={"multipart/form-data": FamilyChangeInputSerializer},
                   responses={201: FamilyChangeSerializer})
    def post(self, request):
        insured = self.insured(request)
        data = validated(FamilyChangeInputSerializer, request.data)
        kind = data["kind"]
        pieces = {"document": REQUIRED_DOCUMENT[kind], "other_document": FamilyDocumentKind.OTHER}
        try:
            documents = [(pieces[name], check_document(data[name], field=name)) for name in FILE_FIELDS
                         if data.get(name)]
        except DjangoValidationError as exc:
            raise DomainError(exc.messages[0], code="piece_refusee", extra={"champs": exc.message_dict}) from exc
        typed = FamilyChangeInput(kind=kind, dependent_id=data.get("dependent"), event_date=data.get("event_date"),
                                  **{name: data.get(name, "") for name in (
                                      "last_name", "first_name", "last_name_ar", "first_name_ar", "sex", "cnie",
                                      "custody_direction", "academic_year", "note")},
                                  birth_date=data.get("birth_date"), covered_elsewhere=data["covered_elsewhere"])
        change = file_family_change(insured=insured, data=typed, documents=documents, by=request.user)
        return Response(payload(self.own(request, change.pk)), status=status.HTTP_201_CREATED)


class FamilyChangeDetailApi(FamilyChangeApi):
    """One declaration: its status, the date of effect or the reason of the refusal."""

    @extend_schema(responses={200: FamilyChangeSerializer})
    def get(self, request, pk: int):
        return Response(payload(self.own(request, pk)))


class FamilyChangeWithdrawApi(FamilyChangeApi):
    """Withdraw a declaration still pending."""

    @extend_schema(request=None, responses={200: FamilyChangeSerializer})
    def post(self, request, pk: int):
        change = self.own(request, pk)
        withdraw_family_change(request_id=change.pk, insured=self.insured(request), by=request.user)
        return Response(payload(self.own(request, pk)))


class FamilyChangeDocumentApi(FamilyChangeApi):
    """One document of the person's own declaration, as sent."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(response=OpenApiTypes.BINARY)})
    def get(self, request, pk: int, document_id: int):
        document = next((d for d in self.own(request, pk).documents.all() if d.pk == document_id), None)
        if document is None:
            raise NotFound("Pièce introuvable.")
        return document_response(document, download=True)


urlpatterns = [
    path("famille/declarations/", FamilyChangeListCreateApi.as_view(), name="portal-api-family-changes"),
    path("famille/declarations/<int:pk>/", FamilyChangeDetailApi.as_view(), name="portal-api-family-change"),
    path("famille/declarations/<int:pk>/retrait/", FamilyChangeWithdrawApi.as_view(),
         name="portal-api-family-change-withdraw"),
    path("famille/declarations/<int:pk>/pieces/<int:document_id>/", FamilyChangeDocumentApi.as_view(),
         name="portal-api-family-change-document"),
]
