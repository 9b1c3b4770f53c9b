"""The insured person's claims: the dashboard, the list, a claim's page, and filing a new claim
(typed, previewed with what would be reimbursed, then sent as previewed)."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from amo_portal.exceptions import DomainError
from beneficiaries.selectors import payer_of
from claims.models import ClaimStatus
from portal import corrections, forms, presenters, selectors
from portal.forms.claims import LINES_PREFIX
from portal.services import drafts
from portal.services.filing import file_claim_online, preview_claim
from portal.services.quotas import check_document_quota
from portal.views.common import claim_or_404, insured_required, too_many_files

#: Claims shown per page in "Mes dossiers".
PAGE_SIZE = 10


@require_GET
@insured_required
def dashboard(request):
    insured = request.insured
    today = timezone.localdate()
    claims = list(selectors.own_claims(user=request.user, insured=insured)[:5])
    context = {
        "insured": insured, "today": today, "payer": payer_of(insured, on=today),
        "rights": selectors.family_rights(insured=insured, on=today),
        "accords": selectors.etm_accords_of(insured=insured),
        "claims": presenters.claim_rows(claims, selectors.payments_of(claim_ids=[c.pk for c in claims])),
        "draft": drafts.draft_of(user=request.user),
    }
    return render(request, "portal/dashboard.html", context)


@require_GET
@insured_required
def claim_list(request):
    status = request.GET.get("statut", "")
    claims = selectors.own_claims(user=request.user, insured=request.insured)
    if status in ClaimStatus.values:
        claims = claims.filter(status=status)
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = presenters.claim_rows(page.object_list, selectors.payments_of(claim_ids=[c.pk for c in page]))
    return render(request, "portal/claim_list.html", {"page": page, "rows": rows, "status": status,
                                                       "statuses": presenters.status_filter_choices()})


@require_http_methods(["GET", "POST"])
@insured_required
def claim_new(request):
    """The claim typed, previewed, then sent as previewed. Every post that does not file the claim
    keeps what was typed, and the documents, in the account's draft (portal.services.drafts)."""
    if request.method == "POST" and too_many_files(request):
        form, lines = presenters.claim_forms(request, unbound=True)
        return _claim_form_page(request, form, lines, status=400, draft=drafts.draft_of(user=request.user))
    if request.method == "GET":
        return _resumed_page(request)
    saved = drafts.save_draft(user=request.user, posted=request.POST, uploads=uploads_of(request))
    form, lines = presenters.claim_forms(request)
    valid = form.is_valid() & lines.is_valid() and presenters.cross_check(form, lines)
    for message in saved.errors:
        form.add_error(None, message)
    if not valid or saved.errors:
        return _claim_form_page(request, form, lines, status=400, draft=saved.draft)
    return _preview_or_file(request, form, lines, saved.draft)


def _preview_or_file(request, form, lines, draft):
    documents = drafts.draft_documents(draft)
    data = presenters.claim_input(form, lines, documents)
    print_ = presenters.input_print(data)
    try:
        check_document_quota(insured=request.insured, adding=len(documents))
        if request.POST.get("action") == "envoyer" and form.cleaned_data.get("preview_print") == print_:
            claim = file_claim_online(user=request.user, insured=request.insured, data=data,
                                      idempotency_key=f"web-{draft.key}")
            _close(documents)
            corrections.link_if_correcting(request, claim)
            drafts.discard_draft(user=request.user)
            return redirect("portal:claim_receipt", pk=claim.pk)
        preview = preview_claim(user=request.user, insured=request.insured, data=data)
    except ValidationError as exc:
        presenters.add_claim_errors(form, exc)
        return _claim_form_page(request, form, lines, status=400, draft=draft)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _claim_form_page(request, form, lines, status=400, draft=draft)
    finally:
        _close(documents)
    form = presenters.rebound_for_confirmation(form, token="", print_=print_)
    return _claim_form_page(request, form, lines, preview=preview, documents=documents, draft=draft)


def uploads_of(request) -> list[tuple[str, object]]:
    """The files of the post, with the kind of document their field stands for."""
    return [(kind, upload) for name, kind in forms.ClaimForm.FILE_FIELDS.items()
            for upload in request.FILES.getlist(name)]


def _close(documents) -> None:
    for _kind, document in documents:
        document.file.close()


def _resumed_page(request):
    """The empty form, or the account's draft in it: what was typed, and the documents attached."""
    form, lines = presenters.claim_forms(request)
    draft = drafts.draft_of(user=request.user)
    if draft is not None:
        claim_values, rows = drafts.resumed_values(draft)
        form.initial.update(claim_values)
        lines = forms.LineFormSet(initial=rows, prefix=LINES_PREFIX)
    return _claim_form_page(request, form, lines, draft=draft)


def _claim_form_page(request, form, lines, *, status: int = 200, preview=None, documents=(), draft=None):
    context = {"form": form, "lines": lines, "preview": preview, "documents": documents, "draft": draft,
               "formset_errors": presenters.line_errors(lines) if lines.is_bound else [],
               "preview_rows": presenters.preview_rows(preview, lines) if preview else [],
               "preview_total": preview.result.totals.amo + preview.result.totals.complementary if preview else None}
    return render(request, "portal/claim_form.html", context, status=status)


@require_GET
@insured_required
def claim_receipt(request, pk: int):
    claim = claim_or_404(request, pk)
    return render(request, "portal/claim_receipt.html", {"claim": claim})


@require_GET
@insured_required
def claim_detail(request, pk: int):
    return render_claim_page(request, claim_or_404(request, pk), forms.DocumentsForm())


def render_claim_page(request, claim, documents_form, status: int = 200):
    payment = selectors.payments_of(claim_ids=[claim.pk]).get(claim.pk)
    context = presenters.claim_page(claim, payment, selectors.payment_history(claim=claim))
    context["documents_form"] = documents_form
    return render(request, "portal/claim_detail.html", context, status=status)

