"""A filed claim's documents and downloads: pieces added afterwards, the statement, the rights attestation."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from amo_portal.documents import check_document
from amo_portal.exceptions import DomainError
from claims.services.followup import add_claim_documents
from portal import forms, presenters, selectors
from portal.services import statements
from portal.services.quotas import check_document_quota
from portal.views.claims import render_claim_page
from portal.views.common import claim_or_404, insured_required, pdf_download, too_many_files


@require_POST
@insured_required
def claim_add_documents(request, pk: int):
    claim = claim_or_404(request, pk)
    if too_many_files(request):
        return render_claim_page(request, claim, forms.DocumentsForm(), status=400)
    form = forms.DocumentsForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            check_document_quota(insured=request.insured, adding=len(form.cleaned_data["files"]))
            documents = [(form.cleaned_data["kind"], check_document(upload)) for upload in form.cleaned_data["files"]]
            add_claim_documents(claim=claim, documents=documents, by=request.user)
        except ValidationError as exc:
            form.add_error(None, presenters.first_message(exc))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Pièces ajoutées au dossier."))
            return redirect("portal:claim_detail", pk=claim.pk)
    return render_claim_page(request, claim_or_404(request, pk), form, status=400)


@require_GET
@insured_required
def claim_statement(request, pk: int):
    claim = claim_or_404(request, pk)
    if claim.status not in selectors.STATEMENT_STATUSES:
        raise Http404
    pdf = statements.claim_statement_pdf(claim=claim, history=selectors.payment_history(claim=claim))
    return pdf_download(pdf, f"decompte-{claim.number}.pdf")


@require_GET
@insured_required
def rights_attestation(request):
    today = timezone.localdate()
    rights = selectors.family_rights(insured=request.insured, on=today)
    pdf = statements.rights_attestation_pdf(insured=request.insured, rights=rights, on=today)
    return pdf_download(pdf, f"attestation-droits-{request.insured.registration_number}.pdf")
