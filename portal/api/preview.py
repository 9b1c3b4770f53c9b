"""POST /api/v1/dossiers/apercu/: what POST /api/v1/dossiers/ would liquidate for the signed-in
person, line by line, with nothing written. The same input and the same function as the
portal's preview of a claim (portal.services.filing.preview_claim), whose accords are decided
as the liquidation decides them (approvals.rules)."""
from decimal import Decimal

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from amo_portal.api_input import validated
from claims.api.serializers import money_str
from portal.api import inputs
from portal.api import serializers as s
from portal.api.views import InsuredApi
from portal.services.filing import Preview, preview_claim

PERCENT = Decimal("0.01")


def _rate(share: Decimal, base: Decimal) -> str | None:
    """The share of the base actually paid, in per cent (None on a line with no base)."""
    return f"{(share * 100 / base).quantize(PERCENT)}" if base else None


def preview_payload(preview: Preview) -> dict:
    result = preview.result
    etm = result.etm
    return {
        "admissible": result.admissible,
        "reasons": [{"code": r.code, "message": r.message} for r in result.reasons],
        "etm": None if etm is None else {"covered": etm.covered, "accord": etm.accord.accord_number if etm.accord
                                         else None, "note": etm.note, "reason": etm.reason},
        "lines": [
            {"amount_paid": money_str(p.amounts.amo + p.amounts.complementary + p.amounts.patient),
             "tariff": money_str(p.amounts.tariff), "base": money_str(p.amounts.base),
             "amo": money_str(p.amounts.amo), "amo_rate": _rate(p.amounts.amo, p.amounts.base),
             "complementary": money_str(p.amounts.complementary),
             "complementary_rate": _rate(p.amounts.complementary, p.amounts.base),
             "patient": money_str(p.amounts.patient), "rule": p.reason_code or "rembourse",
             "explanation": p.explanation}
            for p in result.lines
        ],
        "totals": {k: money_str(getattr(result.totals, k)) for k in ("paid", "amo", "complementary", "patient")},
    }


class ClaimPreviewApi(InsuredApi):
    """What the claim would be paid if it were filed now (nothing is written)."""

    @extend_schema(request=s.ClaimInputSerializer,
                   responses={200: inline_serializer("ClaimPreview", {"admissible": serializers.BooleanField(),
                                                                      "lines": serializers.ListField(),
                                                                      "totals": serializers.DictField()})})
    def post(self, request):
        insured = self.insured(request)
        data = validated(s.ClaimInputSerializer, request.data)
        return Response(preview_payload(preview_claim(user=request.user, insured=insured,
                                                      data=inputs.claim_input(data))))
