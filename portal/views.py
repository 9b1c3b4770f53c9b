"""Pages of the insured persons' portal: thin views over portal.selectors and portal.services."""
from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import TooManyFilesSent, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amo_portal.exceptions import DomainError
from claims.models import ClaimStatus
from claims.services.documents import check_document
from claims.services.followup import add_claim_documents
from portal import forms, presenters, selectors
from portal.services import accounts, statements, tokens
from portal.services.filing import file_claim_online, preview_claim
from portal.services.quotas import check_document_quota
from portal.services.uploads import discard_stash, stash_documents, stashed_documents
from portal.throttle import too_many_attempts, too_many_password_resets

#: Claims shown per page in "Mes dossiers".
PAGE_SIZE = 10
MSG_TOO_MANY_FILES = gettext_lazy("Fichiers : envoyez au plus %(max)s fichiers à la fois.")


def insured_required(view):
    """The page needs a signed-in insured person; staff accounts are sent to their own space."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        insured = selectors.insured_of(user=request.user)
        if insured is None:
            return render(request, "portal/not_insured.html", status=403)
        request.insured = insured
        return view(request, *args, **kwargs)

    return wrapper


def _claim_or_404(request, pk: int):
    claim = selectors.claim_for_page(user=request.user, insured=request.insured, pk=pk)
    if claim is None:
        raise Http404
    return claim


@require_http_methods(["GET", "POST"])
def signup(request):
    """Ask for an account. Whatever the registry says, the answer is the same page (details by email)."""
    if request.user.is_authenticated:
        return redirect("portal:dashboard")
    form = forms.SignUpForm(request.POST or None)
    if request.method == "POST" and too_many_attempts(request, scope="inscription"):
        form.is_valid()
        form.add_error(None, _("Trop de tentatives : réessayez dans quelques minutes."))
        return render(request, "registration/signup.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        identity = accounts.Identity(data["registration_number"], data["cnie"], data["birth_date"])
        accounts.request_insured_account(identity=identity, email=data["email"])
        return redirect("portal:signup_sent")
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def signup_sent(request):
    return render(request, "registration/signup_sent.html")


@require_http_methods(["GET", "POST"])
def signup_open(request, token: str):
    """The link of the sign-up email: choose the password, and the account opens."""
    found = accounts.signup_request_of(token)
    form = forms.NewPasswordForm(request.POST or None)
    if found is not None and request.method == "POST" and form.is_valid():
        try:
            user = accounts.open_insured_account(token=token, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            presenters.add_errors(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Votre compte est ouvert. Bienvenue dans votre espace assuré."))
            return redirect("portal:dashboard")
    context = {"form": form, "valid": found is not None, "email": found[1] if found else ""}
    return render(request, "registration/signup_open.html", context,
                  status=400 if form.errors or found is None else 200)


@require_GET
@insured_required
def dashboard(request):
    insured = request.insured
    today = timezone.localdate()
    claims = list(selectors.own_claims(user=request.user, insured=insured)[:5])
    context = {
        "insured": insured, "today": today,
        "rights": selectors.family_rights(insured=insured, on=today),
        "accords": selectors.etm_accords_of(insured=insured),
        "claims": presenters.claim_rows(claims, selectors.payments_of(claim_ids=[c.pk for c in claims])),
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
    if request.method == "POST" and _too_many_files(request):
        form, lines = presenters.claim_forms(request, unbound=True)
        return _claim_form_page(request, form, lines, status=400)
    form, lines = presenters.claim_forms(request)
    if request.method == "GET" or not (form.is_valid() & lines.is_valid()) or not presenters.cross_check(form, lines):
        return _claim_form_page(request, form, lines, status=200 if request.method == "GET" else 400)
    documents = _documents_of(request, form)
    if documents is None:
        return _claim_form_page(request, form, lines, status=400)
    data = presenters.claim_input(form, lines, documents)
    print_ = presenters.input_print(data)
    token = form.cleaned_data.get("documents_token", "")
    try:
        if request.POST.get("action") == "envoyer" and form.cleaned_data.get("preview_print") == print_:
            claim = file_claim_online(user=request.user, insured=request.insured, data=data,
                                      idempotency_key=f"web-{token}")
            discard_stash(user=request.user, token=token)
            return redirect("portal:claim_receipt", pk=claim.pk)
        preview = preview_claim(user=request.user, insured=request.insured, data=data)
    except ValidationError as exc:
        presenters.add_claim_errors(form, exc)
        return _claim_form_page(request, form, lines, status=400)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _claim_form_page(request, form, lines, status=400)
    new_token = stash_documents(user=request.user, documents=documents)
    discard_stash(user=request.user, token=token)
    form = presenters.rebound_for_confirmation(form, token=new_token, print_=print_)
    return _claim_form_page(request, form, lines, preview=preview, documents=documents)


def _documents_of(request, form):
    """Documents kept from the preview plus the new uploads, each checked by content; None on error."""
    documents = stashed_documents(user=request.user, token=form.cleaned_data.get("documents_token", ""))
    try:
        check_document_quota(insured=request.insured, adding=len(form.uploads()))
    except DomainError as exc:
        form.add_error(None, exc.message)
        return None
    ok = True
    for kind, upload in form.uploads():
        try:
            documents.append((kind, check_document(upload)))
        except ValidationError as exc:
            form.add_error(None, presenters.first_message(exc))
            ok = False
    return documents if ok else None


def _claim_form_page(request, form, lines, *, status: int = 200, preview=None, documents=()):
    context = {"form": form, "lines": lines, "preview": preview, "documents": documents,
               "formset_errors": presenters.line_errors(lines) if lines.is_bound else [],
               "preview_rows": presenters.preview_rows(preview, lines) if preview else [],
               "preview_total": preview.result.totals.amo + preview.result.totals.complementary if preview else None}
    return render(request, "portal/claim_form.html", context, status=status)


@require_GET
@insured_required
def claim_receipt(request, pk: int):
    claim = _claim_or_404(request, pk)
    return render(request, "portal/claim_receipt.html", {"claim": claim})


@require_GET
@insured_required
def claim_detail(request, pk: int):
    return _claim_page(request, _claim_or_404(request, pk), forms.DocumentsForm())


def _claim_page(request, claim, documents_form, status: int = 200):
    payment = selectors.payments_of(claim_ids=[claim.pk]).get(claim.pk)
    context = presenters.claim_page(claim, payment, selectors.payment_history(claim=claim))
    context["documents_form"] = documents_form
    return render(request, "portal/claim_detail.html", context, status=status)


def _too_many_files(request) -> bool:
    """More files than Django reads in one request (DATA_UPLOAD_MAX_NUMBER_FILES): the request was
    refused while parsed, before the files past the limit were received; the page says why."""
    try:
        request.FILES  # noqa: B018 - parsing the upload is what may refuse it
    except TooManyFilesSent:
        messages.error(request, MSG_TOO_MANY_FILES % {"max": settings.DATA_UPLOAD_MAX_NUMBER_FILES})
        return True
    return False


@require_POST
@insured_required
def claim_add_documents(request, pk: int):
    claim = _claim_or_404(request, pk)
    if _too_many_files(request):
        return _claim_page(request, claim, forms.DocumentsForm(), status=400)
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
    return _claim_page(request, _claim_or_404(request, pk), form, status=400)


@require_GET
@insured_required
def claim_statement(request, pk: int):
    claim = _claim_or_404(request, pk)
    if claim.status not in selectors.STATEMENT_STATUSES:
        raise Http404
    pdf = statements.claim_statement_pdf(claim=claim, history=selectors.payment_history(claim=claim))
    return _pdf(pdf, f"decompte-{claim.number}.pdf")


@require_GET
@insured_required
def rights_attestation(request):
    today = timezone.localdate()
    rights = selectors.family_rights(insured=request.insured, on=today)
    pdf = statements.rights_attestation_pdf(insured=request.insured, rights=rights, on=today)
    return _pdf(pdf, f"attestation-droits-{request.insured.registration_number}.pdf")


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@insured_required
def contact_details(request):
    insured = request.insured
    email = accounts.current_email(user=request.user, insured=insured)
    initial = {"email": email, "phone": insured.phone, "address": insured.address, "city": insured.city}
    form = forms.ContactForm(request.POST or None, initial=initial, current_email=email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["email"] != email:  # first: a wrong password leaves everything as it was
                accounts.request_email_change(user=request.user, insured=insured, new_email=data["email"],
                                              password=data["password"], request=request)
                messages.info(request, _("Un lien de confirmation a été envoyé à %(email)s : votre adresse "
                                         "électronique changera quand vous l'aurez ouvert. D'ici là, elle reste "
                                         "%(old)s.") % {"email": data["email"], "old": email})
            accounts.update_contact_details(insured=insured, phone=data["phone"], address=data["address"],
                                            city=data["city"])
        except ValidationError as exc:
            presenters.add_errors(form, exc)
        else:
            messages.success(request, _("Vos coordonnées sont enregistrées."))
            return redirect("portal:contact")
    return render(request, "portal/contact.html", {"form": form, "insured": insured},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def email_confirm(request, token: str):
    """The link sent to a new e-mail address: shows what it confirms; the button (POST) confirms it.

    No sign-in needed: the link itself proves the new address is the person's. A GET changes nothing,
    so that a mail scanner opening the link does not confirm it.
    """
    try:
        change = accounts.pending_email_change(token)
        if request.method == "POST":
            accounts.confirm_email_change(token=token)
            messages.success(request, _("Votre adresse électronique est désormais %(email)s.")
                             % {"email": change.new_email})
            return redirect("portal:dashboard" if request.user.is_authenticated else "portal:login")
    except ValidationError as exc:
        return render(request, "portal/email_confirm.html", {"error": exc.messages[0]}, status=400)
    return render(request, "portal/email_confirm.html", {"change": change})


@require_http_methods(["GET", "POST"])
@insured_required
def rib_change(request):
    insured = request.insured
    form = forms.RibForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.change_rib(insured=insured, new_rib=form.cleaned_data["rib"],
                                password=form.cleaned_data["password"], by=request.user, request=request)
        except ValidationError as exc:
            presenters.add_errors(form, exc)
        else:
            messages.success(request, _("Votre nouveau RIB est enregistré ; il servira aux prochains paiements."))
            return redirect("portal:dashboard")
    return render(request, "portal/rib.html", {"form": form, "insured": insured},
                  status=400 if form.errors else 200)


@require_GET
@insured_required
def api_tokens(request):
    """The account's API tokens (one per device of the mobile app), each with a button to revoke it."""
    return render(request, "portal/tokens.html", {"tokens": list(tokens.tokens_of(user=request.user)),
                                                  "idle_days": settings.API_TOKEN_IDLE_DAYS})


@require_POST
@insured_required
def api_token_revoke(request, pk: int):
    if tokens.revoke_token(user=request.user, token_id=pk):
        messages.success(request, _("Le jeton est révoqué : l'appareil qui l'utilisait devra se reconnecter."))
    else:
        messages.error(request, _("Ce jeton n'existe plus."))
    return redirect("portal:tokens")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, limited per e-mail address and per client address (the answer is the
    same whether or not an account has the address)."""

    def form_valid(self, form):
        if too_many_password_resets(self.request, email=form.cleaned_data["email"]):
            form.add_error("email", _("Trop de demandes de nouveau mot de passe pour cette adresse ou depuis "
                                      "votre connexion : réessayez dans une heure."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


@method_decorator(insured_required, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """A new password chosen in the personal space: this session stays signed in; every other session
    and every API token of the account ends."""

    form_class = forms.PortalPasswordChangeForm
    template_name = "portal/password_change.html"
    success_url = reverse_lazy("portal:contact")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        tokens.revoke_all_tokens(user=form.user)
        messages.success(self.request, _("Votre mot de passe est changé ; les appareils connectés devront se "
                                         "reconnecter."))
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's new password from a reset link; every API token of the account is revoked with it. A
    reset link of a staff account is not valid here (staff passwords are reset by an administrator)."""

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return None if user is not None and user.is_staff_account else user

    def form_valid(self, form):
        response = super().form_valid(form)
        tokens.revoke_all_tokens(user=form.user)
        return response
