"""API of the insured person's réclamations: list, detail, and filing one against a decision on
their claim. Scoped: a person sees and contests only their own claims."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from amo_portal.api_input import validated
from amo_portal.documents import check_document
from amo_portal.exceptions import DomainError
from claims.models import DocumentKind, Reclamation
from claims.selectors import reclamations_visible_to
from claims.services.reclamations import MAX_REASON, file_reclamation
from portal.api.views import InsuredApi

ANAM_RECOURSE = ("Vous pouvez saisir l'Agence nationale de l'assurance maladie (ANAM), chargée par la loi 65-00 "
                 "(article 59) d'arbitrer les litiges de l'assurance maladie obligatoire : "
                 "https://www.anam.ma/reglementation/arbitrage/")


class ReclamationInputSerializer(serializers.Serializer):
    claim = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=MAX_REASON)
    lines = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=100)


class ReclamationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    claim = serializers.IntegerField()
    claim_number = serializers.CharField()
    lines = serializers.ListField(child=serializers.IntegerField())
    status = serializers.CharField()
    status_label = serializers.CharField()
    filed_on = serializers.DateField()
    reason = serializers.CharField()
    contested_decision = serializers.CharField()
    contested_on = serializers.DateField()
    documents = serializers.ListField(child=serializers.IntegerField())
    decided_at = serializers.DateTimeField(allow_null=True)
    decision = serializers.CharField()
    next_recourse = serializers.CharField(allow_blank=True)


def payload(reclamation: Reclamation) -> dict:
    dismissed = reclamation.status == "rejetee"
    return {
        "id": reclamation.pk, "claim": reclamation.claim_id, "claim_number": reclamation.claim.number,
        "lines": sorted(line.pk for line in reclamation.lines.all()), "status": reclamation.status,
        "status_label": reclamation.get_status_display(), "filed_on": reclamation.filed_on,
        "reason": reclamation.reason, "contested_decision": reclamation.contested_decision,
        "contested_on": reclamation.contested_on,
        "documents": sorted(document.pk for document in reclamation.documents.all()),
        "decided_at": reclamation.decided_at, "decision": reclamation.decision,
        "next_recourse": ANAM_RECOURSE if dismissed else "",
    }


class ReclamationApi(InsuredApi):
    def own(self, request):
        return (reclamations_visible_to(user=request.user).filter(claim__insured=self.insured(request))
                .select_related("claim").prefetch_related("lines", "documents").order_by("-pk"))


class ReclamationListCreateApi(ReclamationApi):
    """The insured person's réclamations, and a new one (JSON, or multipart with `files`)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses={200: ReclamationSerializer(many=True)})
    def get(self, request):
        return Response([payload(r) for r in self.own(request)])

    @extend_schema(request=ReclamationInputSerializer, responses={201: ReclamationSerializer})
    def post(self, request):
        raw = {"claim": request.data.get("claim"), "reason": request.data.get("reason")}
        lines = request.data.getlist("lines") if hasattr(request.data, "getlist") else request.data.get("lines")
        if lines:
            raw["lines"] = lines
        data = validated(ReclamationInputSerializer, raw)
        claim = self.claim(request, data["claim"])  # 404 for a claim that is not the person's
        files = request.FILES.getlist("files") if hasattr(request.FILES, "getlist") else []
        try:
            documents = [(DocumentKind.OTHER, check_document(f)) for f in files]
        except DjangoValidationError as exc:
            raise DomainError(exc.messages[0], code="piece_refusee", extra={"champs": {"files": exc.messages}}) from exc
        reclamation = file_reclamation(claim=claim, by=request.user, reason=data["reason"],
                                       line_ids=data.get("lines", ()), documents=documents)
        return Response(payload(self.own(request).get(pk=reclamation.pk)), status=201)


class ReclamationDetailApi(ReclamationApi):
    """One of the insured person's réclamations, with the decision and the next recourse."""

    @extend_schema(responses={200: ReclamationSerializer})
    def get(self, request, pk: int):
        reclamation = self.own(request).filter(pk=pk).first()
        if reclamation is None:
            raise NotFound("Réclamation introuvable.")
        return Response(payload(reclamation))


urlpatterns = [
    path("reclamations/", ReclamationListCreateApi.as_view(), name="portal-api-reclamations"),
    path("reclamations/<int:pk>/", ReclamationDetailApi.as_view(), name="portal-api-reclamation"),
]
