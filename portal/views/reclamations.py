"""The insured person's réclamations: contest a decision on one of their claims, follow it, and
read the mutuelle's answer with the next recourse (ANAM arbitration, law 65-00)."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from amo_portal.documents import check_document
from amo_portal.exceptions import DomainError
from amo_portal.money import ZERO, format_dh
from claims.models import DocumentKind
from claims.selectors import reclamations_visible_to
from claims.services.reclamations import (
    CONTESTABLE,
    file_reclamation,
    line_is_contestable,
    reclamation_window,
)
from portal import presenters
from portal.forms.reclamations import ReclamationForm
from portal.labels import STATUS_LABELS
from portal.views.common import claim_or_404, insured_required, too_many_files


def own_reclamations(request):
    return (reclamations_visible_to(user=request.user).filter(claim__insured=request.insured)
            .select_related("claim", "decided_by").order_by("-pk"))


def _line_choices(claim) -> list:
    choices = []
    for line in claim.lines.all():
        if not line_is_contestable(line):
            continue
        what = line.cotation or (line.medicine.name if line.medicine_id else line.medicine_code)
        reimbursed = (line.amo_amount or ZERO) + (line.complementary_amount or ZERO)
        choices.append((line, _("n° %(position)s · %(what)s · payé %(paid)s · remboursé %(reimbursed)s") % {
            "position": line.position, "what": what, "paid": format_dh(line.amount_paid),
            "reimbursed": format_dh(reimbursed)}))
    return choices


def _page(request, claim, form, status: int = 200):
    window = reclamation_window(claim) if claim.status in CONTESTABLE else None
    today = timezone.localdate()
    return render(request, "portal/reclamation_form.html", {
        "claim": claim, "form": form, "window": window, "window_open": bool(window and window.is_open(today)),
        "contestable": claim.status in CONTESTABLE, "status_label": STATUS_LABELS.get(claim.status, claim.status),
        "reclamations": own_reclamations(request).filter(claim=claim),
    }, status=status)


@require_http_methods(["GET", "POST"])
@insured_required
def reclamation_new(request, pk: int):
    claim = claim_or_404(request, pk)
    lines = _line_choices(claim)
    if request.method == "GET":
        return _page(request, claim, ReclamationForm(lines=lines))
    if too_many_files(request):
        return _page(request, claim, ReclamationForm(lines=lines), status=400)
    form = ReclamationForm(request.POST, request.FILES, lines=lines)
    if form.is_valid():
        try:
            documents = [(DocumentKind.OTHER, check_document(upload)) for upload in form.cleaned_data["files"]]
            reclamation = file_reclamation(claim=claim, by=request.user, reason=form.cleaned_data["reason"],
                                           line_ids=form.cleaned_data.get("lines") or (), documents=documents)
        except ValidationError as exc:
            form.add_error(None, presenters.first_message(exc))
        except DomainError as exc:
            form.add_error(None, _(exc.message))
        else:
            return redirect("portal:reclamation_detail", pk=reclamation.pk)
    return _page(request, claim_or_404(request, pk), form, status=400)


@require_GET
@insured_required
def reclamation_detail(request, pk: int):
    reclamation = own_reclamations(request).filter(pk=pk).first()
    if reclamation is None:
        raise Http404
    return render(request, "portal/reclamation_detail.html", {
        "reclamation": reclamation, "claim": reclamation.claim,
        "lines": reclamation.lines.order_by("position"), "documents": reclamation.documents.all(),
    })


@require_GET
@insured_required
def reclamation_list(request):
    return render(request, "portal/reclamation_list.html", {"reclamations": own_reclamations(request)})
