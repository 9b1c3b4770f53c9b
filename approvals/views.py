"""Portal pages of the accords: the insured person's accords and requests, a new request with its
pieces, an accord's page with its history; and the pieces of a request, for the mutuelle's staff."""
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from amo_portal.documents import check_document
from amo_portal.exceptions import DomainError
from approvals import presenters, selectors
from approvals.forms import AccordRequestForm
from approvals.models import AccordDocument, AccordKind
from approvals.services.review import request_accord
from beneficiaries.models import Dependent
from beneficiaries.selectors import insured_visible_to

#: A piece is never shown as a page of the portal's origin: a download, with nothing to run.
DOWNLOAD_POLICY = "sandbox; default-src 'none'"


def insured_required(view):
    """The page needs a signed-in insured person (their own record); anyone else gets a 404."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.insured = insured_visible_to(user=request.user).filter(user=request.user).first()
        if request.insured is None:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@insured_required
def accord_list(request):
    rows = [presenters.accord_row(a) for a in selectors.accords_of_family(insured_id=request.insured.pk)]
    return render(request, "approvals/accord_list.html", {"rows": rows})


@require_GET
@insured_required
def accord_detail(request, pk: int):
    accord = get_object_or_404(selectors.accords_of_family(insured_id=request.insured.pk), pk=pk)
    return render(request, "approvals/accord_detail.html", {
        **presenters.accord_row(accord), "history": presenters.history_rows(accord),
        "documents": accord.documents.order_by("pk"), "is_etm": accord.kind == AccordKind.ETM})


@require_http_methods(["GET", "POST"])
@insured_required
def accord_new(request):
    insured = request.insured
    dependents = list(Dependent.objects.filter(insured=insured).order_by("birth_date", "pk"))
    renewable = {str(a.pk): a for a in selectors.renewable_accords(insured_id=insured.pk)}
    form = AccordRequestForm(request.POST or None, request.FILES or None,
                             initial={"renews": request.GET.get("renouvelle", "")},
                             beneficiaries=[("0", insured.full_name), *((str(d.pk), d.full_name) for d in dependents)],
                             renewable=[(pk, f"{a.accord_number} – {presenters.accord_row(a)['what']}")
                                        for pk, a in renewable.items()])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        renews = renewable.get(data["renews"])
        try:
            accord = request_accord(
                insured=insured, dependent=next((d for d in dependents if str(d.pk) == data["beneficiary"]), None),
                kind=renews.kind if renews else data["kind"], by=request.user,
                declination=data["declination"] or (renews.declination if renews else None),
                acts=data["acts"].strip().upper(), quantity=data["quantity"], renews=renews, note=data["note"],
                documents=[(kind, check_document(upload, field=name)) for name, kind, upload in form.uploads()],
                language=translation.get_language() or "")
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Demande envoyée à votre mutuelle. Vous serez informé par e-mail."))
            return redirect("approvals:accord_detail", pk=accord.pk)
    return render(request, "approvals/accord_form.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
@login_required
def accord_document(request, pk: int):
    """A piece of a request, for the staff of the mutuelle (or organisme) that sees the accord; always a
    download. Insured persons, their own requests' included, get a 404: they sent the pieces."""
    if not request.user.is_staff_account:
        raise Http404
    document = get_object_or_404(AccordDocument.objects.filter(
        accord__in=selectors.accords_visible_to(user=request.user)), pk=pk)
    response = FileResponse(document.file.open("rb"), content_type=document.content_type, as_attachment=True,
                            filename=f"accord-{document.accord_id}-{document.pk}.{document.extension}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    response["Cache-Control"] = "private, no-store"
    return response
