"""Pages of the payments app for staff: bordereau downloads (PDF, CSV, transfer order) and the
CNOPS dashboard. Every object goes through the scoped selectors: others' bordereaux are 404."""
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from payments.dashboard import WEEK_CHOICES, DashboardFilters, dashboard_data
from payments.exports import csv_lines
from payments.models import Bordereau, LineState, TransferOrder
from payments.selectors import bordereaux_visible_to
from payments.services.archive import render_pdf
from payments.services.execution import render_pain001

NO_STORE = "private, no-store"


def _bordereau(request, pk: int):
    return get_object_or_404(bordereaux_visible_to(user=request.user).select_related(
        "mutuelle", "fund", "built_by", "presented_by", "approved_by"), pk=pk)


@require_GET
@staff_member_required
def bordereau_pdf(request, pk: int):
    """The approved bordereau as archived at execution, or a working copy marked "non approuvé"."""
    bordereau = _bordereau(request, pk)
    if bordereau.bordereau_pdf:
        response = FileResponse(bordereau.bordereau_pdf.open("rb"), content_type="application/pdf",
                                as_attachment=True, filename=f"{bordereau.number}.pdf")
    else:
        response = HttpResponse(render_pdf(bordereau), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{bordereau.number}-projet.pdf"'
    response["Cache-Control"] = NO_STORE
    return response


@require_GET
@staff_member_required
def bordereau_csv(request, pk: int):
    bordereau = _bordereau(request, pk)
    rows = (bordereau.lines.order_by("pk")
            .values_list("reference", "claim_number", "payee_name", "patient_name", "rib", "amo", "complementary",
                         "state", "paid_on", "bank_reason").iterator(chunk_size=10000))
    response = StreamingHttpResponse(csv_lines(bordereau.number, rows, dict(LineState.choices)),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{bordereau.number}.csv"'
    response["Cache-Control"] = NO_STORE
    return response


def _issued_order(request, pk: int) -> tuple[Bordereau, TransferOrder]:
    """The bordereau (within the user's scope, else 404) and its transfer order, for those allowed to see it."""
    bordereau = _bordereau(request, pk)
    if not request.user.has_perm("payments.view_transferorder"):
        raise PermissionDenied
    return bordereau, get_object_or_404(TransferOrder, bordereau=bordereau)


@require_GET
@staff_member_required
def transfer_order(request, pk: int):
    _, order = _issued_order(request, pk)
    response = FileResponse(order.file.open("rb"), content_type="text/plain; charset=us-ascii", as_attachment=True,
                            filename=order.file_name)
    response["Cache-Control"] = NO_STORE
    response["X-Content-SHA256"] = order.sha256
    return response


@require_GET
@staff_member_required
def transfer_order_pain001(request, pk: int):
    """The issued transfer order as an ISO 20022 pain.001.001.03 message (same transfers, same ids)."""
    bordereau, order = _issued_order(request, pk)
    response = HttpResponse(render_pain001(bordereau), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{order.file_name.removesuffix(".txt")}.xml"'
    response["Cache-Control"] = NO_STORE
    return response


@require_GET
@staff_member_required
def dashboard(request):
    """Volumes, amounts and delays for CNOPS staff, scoped to their organisme."""
    if not (request.user.is_superuser or request.user.is_fund_officer):
        raise PermissionDenied
    filters = DashboardFilters.from_query(request.GET, user=request.user)
    context = {**admin.site.each_context(request), "data": dashboard_data(filters=filters, user=request.user),
               "filters": filters, "week_choices": WEEK_CHOICES, "title": "Tableau de bord des paiements"}
    return render(request, "payments/dashboard.html", context)
