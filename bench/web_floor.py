"""The durable floor of claim creation, for bench/web_bench.py only.

POST /api/v1/banc/plancher-durable/ authenticates the API token as the claims' endpoint does
(portal.api.authentication), then commits the rows a filing commits, one INSERT each in one
transaction: the claim, its audit row, its lines (from the body's "lines"). Nothing else: no
validation, no quota, no number, no message to the broker. What filing a claim cannot cost less than
on this stack, durably.

Routed only when the server's environment sets AMO_BENCH_DURABLE_FLOOR=1 (amo_portal/urls.py), which
only the benchmark's gunicorn does.
"""
from decimal import Decimal

from django.db import transaction
from django.urls import path
from django.utils import timezone
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.web_setup import FLOOR_PATH
from claims.models import Claim, ClaimLine, ClaimStatus, ClaimStatusChange
from portal.api.authentication import InsuredTokenAuthentication


class DurableFloorApi(APIView):
    authentication_classes = [InsuredTokenAuthentication]

    def post(self, request):
        insured, body, now = request.auth.insured, request.data, timezone.now()
        lines = body["lines"]
        claim = Claim(insured=insured, mutuelle_id=insured.mutuelle_id, fund_id=insured.fund_id,
                      status=ClaimStatus.SUBMITTED, submitted_at=now, care_date=body["care_date"],
                      filed_on=timezone.localdate(), prescriber_inpe=body["prescriber_inpe"],
                      idempotency_key=request.headers.get("Idempotency-Key"), created_by=request.user,
                      total_paid=sum((Decimal(line["paid"]) for line in lines), Decimal("0.00")))
        with transaction.atomic():
            claim.save(force_insert=True)
            ClaimStatusChange(claim=claim, from_status="", to_status=claim.status, changed_by=request.user).save(
                force_insert=True)
            ClaimLine.objects.bulk_create([
                ClaimLine(claim=claim, position=i + 1, kind=line["kind"], cotation=line.get("cotation", ""),
                          amount_paid=Decimal(line["paid"]), care_date=claim.care_date)
                for i, line in enumerate(lines)])
        return Response({"id": claim.pk}, status=status.HTTP_201_CREATED)


urlpatterns = [path(FLOOR_PATH.removeprefix("/"), DurableFloorApi.as_view(), name="bench-durable-floor")]
