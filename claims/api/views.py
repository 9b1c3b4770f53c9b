"""API v1 views of the claims app: one view per operation, one service call each."""
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from amo_portal.api_input import validated
from amo_portal.exceptions import DomainError
from claims.api.serializers import (
    MedicineSerializer,
    SimulationInputSerializer,
    SimulationOutputSerializer,
    money_str,
)
from claims.services.pricing import LineInput
from claims.services.simulation import MSG_UNKNOWN_MUTUELLE, SimulatedBeneficiary, SimulatedETM, simulate
from mutuelles.models import Mutuelle
from tariffs.models import Medicine
from tariffs.selectors import medicine_price_on, medicines_search


def simulation_payload(result) -> dict:
    return {
        "admissible": result.admissible,
        "reasons": [{"code": r.code, "message": r.message} for r in result.reasons],
        "lines": [
            {"tariff": money_str(p.amounts.tariff), "base": money_str(p.amounts.base), "amo": money_str(p.amounts.amo),
             "complementary": money_str(p.amounts.complementary), "patient": money_str(p.amounts.patient),
             "reason": p.reason_code, "explanation": p.explanation}
            for p in result.lines
        ],
        "totals": {k: money_str(getattr(result.totals, k)) for k in ("paid", "amo", "complementary", "patient")},
    }


def run_simulation(data: dict):
    mutuelle = Mutuelle.objects.filter(code__iexact=data["mutuelle"].strip()).first()
    if mutuelle is None:
        raise DomainError(MSG_UNKNOWN_MUTUELLE, extra={"champs": {"mutuelle": MSG_UNKNOWN_MUTUELLE}},
                          code="mutuelle_inconnue")
    etm = data.get("etm")
    return simulate(
        mutuelle=mutuelle, care_date=data["care_date"], treatment_end_date=data.get("treatment_end_date"),
        filing_date=data["filing_date"], beneficiary=SimulatedBeneficiary(**data["beneficiary"]),
        etm=SimulatedETM(etm["valid_from"], etm.get("valid_to")) if etm else None,
        lines=[LineInput(kind=line["kind"], amount_paid=line["paid"], quantity=line["quantity"],
                         cotation=line.get("cotation", ""), medicine_code=line.get("code", "").strip(),
                         ald_linked=line["ald"], prior_approval_number=line.get("prior_approval_number", ""),
                         care_date=line.get("care_date"), provider_sector=line.get("provider_sector", "prive"))
               for line in data["lines"]],
    )


class SimulationThrottle(ScopedRateThrottle):
    """The "simulation" rate per client address: the API and the simulator page (claims.views) share
    one counter, so that neither is a way around the other's limit."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def simulation_throttled(request) -> bool:
    """Count one simulation from the page; True once the client address is over the API's rate."""
    return not SimulationThrottle().allow_request(request, SimulationCreateApi)


class SimulationCreateApi(APIView):
    """Simulate the reimbursement of a claim before filing it (public, throttled)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [SimulationThrottle]
    throttle_scope = "simulation"

    @extend_schema(request=SimulationInputSerializer, responses={200: SimulationOutputSerializer})
    def post(self, request):
        return Response(simulation_payload(run_simulation(validated(SimulationInputSerializer, request.data))))


def medicine_payload(medicine: Medicine) -> dict:
    today = timezone.localdate()
    price = medicine_price_on(medicine=medicine, on=today)
    return {
        "code": medicine.code, "name": medicine.name, "dci": medicine.dci, "presentation": medicine.presentation,
        "generic": medicine.is_generic, "ppv": money_str(price.ppv) if price else None,
        "pbr": money_str(price.pbr) if price else None, "reimbursable": medicine.is_reimbursable_on(today),
        "sample": medicine.is_sample,
    }


class MedicineListApi(generics.GenericAPIView):
    """The reimbursable medicine list, searchable by name, DCI or code (public)."""

    permission_classes = [AllowAny]
    serializer_class = MedicineSerializer

    @extend_schema(parameters=[OpenApiParameter("search", str, description="nom, DCI ou code")],
                   responses={200: MedicineSerializer(many=True)})
    def get(self, request):
        search = request.query_params.get("search", "")[:100].replace("\x00", "")  # PostgreSQL refuses NUL
        page = self.paginate_queryset(medicines_search(text=search))
        return self.get_paginated_response([medicine_payload(m) for m in page])


class MedicineDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: MedicineSerializer})
    def get(self, request, code: str):
        medicine = medicines_search().filter(code=code).first()
        if medicine is None:
            raise Http404
        return Response(medicine_payload(medicine))
