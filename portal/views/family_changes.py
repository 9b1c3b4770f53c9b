"""The insured person's family: who is covered today, the changes they declared (pending, accepted from
a date, refused with the reason), a new declaration with its document, a declaration's page, its
withdrawal while pending, and its documents (the person's own only)."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amo_portal.documents import check_document
from amo_portal.exceptions import DomainError
from beneficiaries.family_documents import REQUIRED_DOCUMENT, document_label, document_response
from beneficiaries.models import Dependent
from beneficiaries.models_family import CustodyDirection, FamilyChangeKind
from beneficiaries.selectors_family import request_for_page, requests_of_insured
from beneficiaries.services import family_notices as notices
from beneficiaries.services.family_changes import file_family_change, withdraw_family_change
from portal import presenters, selectors
from portal.forms.family_changes import FamilyChangeForm
from portal.views.common import insured_required, too_many_files

#: What each kind of declaration is for, on the page where the person chooses one.
K = FamilyChangeKind
JOINS, LEAVES = CustodyDirection.JOINS, CustodyDirection.LEAVES
#: The entries of the page where the person chooses what changed: (kind, custody direction), title, purpose.
ENTRIES = [
    (K.BIRTH, "", gettext_lazy("Naissance"), gettext_lazy("Inscrire votre enfant nouveau-né comme ayant droit.")),
    (K.MARRIAGE, "", gettext_lazy("Mariage"), gettext_lazy("Inscrire votre conjoint(e), s'il (elle) n'est pas "
                                                           "couvert(e) par un autre régime.")),
    (K.DIVORCE, "", gettext_lazy("Divorce"), gettext_lazy("Mettre fin aux droits de votre ex-conjoint(e).")),
    (K.CUSTODY, JOINS, gettext_lazy("Un enfant rejoint votre foyer"),
     gettext_lazy("La garde d'un enfant vous est confiée par jugement (ou il revient chez vous).")),
    (K.CUSTODY, LEAVES, gettext_lazy("Un enfant quitte votre foyer"),
     gettext_lazy("La garde d'un enfant est confiée à l'autre parent ou à un tiers, par jugement.")),
    (K.STUDIES, "", gettext_lazy("Certificat d'études supérieures"),
     gettext_lazy("Prolonger les droits d'un enfant étudiant au-delà de la limite d'âge, chaque année universitaire.")),
    (K.DISABILITY, "", gettext_lazy("Maintien des droits d'un enfant en situation de handicap"),
     gettext_lazy("Maintenir les droits d'un enfant en situation de handicap au-delà des limites d'âge.")),
]


def row(change) -> dict:
    """One declaration as the person reads it: what, status, date of effect or reason."""
    return {"change": change, "what": notices.describe(change), "kind": notices.kind_label(change.kind),
            "status_label": notices.status_label(change.status), "tone": notices.STATUS_TONES.get(change.status),
            "effect": notices.effect(change) if change.status == "acceptee" else ""}


@require_GET
@insured_required
def family(request):
    today = timezone.localdate()
    changes = requests_of_insured(user=request.user, insured_id=request.insured.pk)
    return render(request, "portal/family_changes/family.html", {
        "today": today, "rights": selectors.family_rights(insured=request.insured, on=today),
        "rows": [row(change) for change in changes[:50]]})


@require_GET
@insured_required
def family_change_choose(request):
    kinds = [{"url": _new_url(kind, direction), "label": title, "purpose": purpose,
              "document": document_label(REQUIRED_DOCUMENT[kind])} for kind, direction, title, purpose in ENTRIES]
    return render(request, "portal/family_changes/choose.html", {"kinds": kinds})


def _new_url(kind: str, direction: str) -> str:
    url = reverse("portal:family_change_new", args=[kind])
    return f"{url}?sens={direction}" if direction else url


def _entry(kind: str, direction: str) -> tuple[str, str]:
    """The title and the purpose of the form of this kind (and custody direction)."""
    return next((str(title), str(purpose)) for entry_kind, entry_direction, title, purpose in ENTRIES
                if entry_kind == kind and entry_direction == direction)


@require_http_methods(["GET", "POST"])
@insured_required
def family_change_new(request, kind: str):
    if kind not in FamilyChangeKind.values:
        raise Http404
    direction = (request.POST.get("custody_direction") or request.GET.get("sens", "")) if kind == K.CUSTODY else ""
    if kind == K.CUSTODY and direction not in (JOINS, LEAVES):
        return redirect("portal:family_change_choose")  # the direction is chosen in the list
    dependents = list(Dependent.objects.filter(insured=request.insured).order_by("birth_date", "pk"))
    if request.method == "POST" and too_many_files(request):
        form = FamilyChangeForm(kind=kind, dependents=dependents, direction=direction)
        return _form_page(request, form, status=400)
    form = FamilyChangeForm(request.POST or None, request.FILES or None, kind=kind, dependents=dependents,
                            direction=direction, initial={"dependent": request.GET.get("ayant_droit", "")})
    if request.method == "POST" and form.is_valid():
        try:
            documents = [(piece, check_document(upload, field=name)) for name, piece, upload in form.uploads()]
            change = file_family_change(insured=request.insured, data=form.declaration(), documents=documents,
                                        by=request.user)
        except ValidationError as exc:
            presenters.add_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Déclaration %(number)s envoyée à votre mutuelle : vous serez informé(e) "
                                        "de sa décision par courriel.") % {"number": change.number})
            return redirect("portal:family_change_detail", pk=change.pk)
    return _form_page(request, form, status=400 if form.errors else 200)


def _form_page(request, form, *, status: int):
    title, purpose = _entry(form.kind, form.direction)
    return render(request, "portal/family_changes/form.html", {
        "form": form, "kind": form.kind, "kind_label": title, "purpose": purpose}, status=status)


def _own(request, pk: int):
    change = request_for_page(user=request.user, insured_id=request.insured.pk, pk=pk)
    if change is None:
        raise Http404
    return change


@require_GET
@insured_required
def family_change_detail(request, pk: int):
    change = _own(request, pk)
    return render(request, "portal/family_changes/detail.html", {
        **row(change), "documents": change.documents.all(),
        "history": [{"at": event.created_at, "label": notices.status_label(event.to_status) if event.from_status
                     else _("déposée")} for event in change.events.all()]})


@require_POST
@insured_required
def family_change_withdraw(request, pk: int):
    change = _own(request, pk)
    try:
        withdraw_family_change(request_id=change.pk, insured=request.insured, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Déclaration %(number)s retirée.") % {"number": change.number})
    return redirect("portal:family_change_detail", pk=change.pk)


@require_GET
@insured_required
def family_change_document(request, pk: int, document_id: int):
    change = _own(request, pk)
    document = next((d for d in change.documents.all() if d.pk == document_id), None)
    if document is None:
        raise Http404
    return document_response(document, download=request.GET.get("telecharger") == "1")
