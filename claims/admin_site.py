"""The back office's admin site: French titles, the desk's style, and the staff's second factor.

Every staff account must use an authenticator app (TOTP, django-otp): the login asks its code (or a
recovery code) with the password. An account without one signs in with the password, then goes
through enrolment (QR code, first code, recovery codes) before anything else: the middleware
mutuelles.middleware sends every unverified staff session to these steps, on every URL of the
portal. Wrong codes count as failed logins for the lockout (django-axes), like wrong passwords.
claims.admin_config makes this site the default one.
"""
from functools import partial, wraps

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import update_session_auth_hash
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from mutuelles import second_factor
from mutuelles.middleware import session_is_verified

MSG_CODE_REQUIRED = ("Double authentification : saisissez le code à 6 chiffres affiché par votre application "
                     "(ou l'un de vos codes de secours).")
MSG_CODE_WRONG = ("Code de double authentification incorrect ou expiré. Après une erreur, attendez quelques "
                  "secondes avant de réessayer.")
MSG_ENROLLED = ("Double authentification activée : le code vous sera demandé à chaque connexion. Vos autres "
                "sessions ont été fermées.")
MSG_CODES_RENEWED = "Nouveaux codes de secours : les anciens ne fonctionnent plus. Vos autres sessions ont été fermées."
MSG_STARTED_CHANGE = "Scannez le code du nouvel appareil : l'ancien reste valable jusqu'à la confirmation."


class StaffLoginForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        label="Code de double authentification", required=False, max_length=20,
        help_text="Le code à 6 chiffres de votre application, ou l'un de vos codes de secours. À la première "
                  "connexion, laissez vide : vous enregistrerez votre application juste après.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
    )

    def clean(self):
        data = super().clean()  # password first: django-axes counts the failures
        user = self.get_user()
        devices = second_factor.confirmed_devices(user) if user is not None else []
        if not devices:
            return data  # first login: the session reaches only the enrolment (mutuelles.middleware)
        code = self.cleaned_data.get("otp_token") or ""
        if not code.strip():
            raise forms.ValidationError(MSG_CODE_REQUIRED, code="code_requis")
        device = second_factor.verify_code(user, devices, code, request=self.request)
        if device is None:
            raise forms.ValidationError(MSG_CODE_WRONG, code="code_invalide")
        user.otp_device = device  # django_otp stores it in the session on login (user_logged_in)
        return data


class AmoAdminSite(admin.AdminSite):
    site_header = "Portail AMO · back-office"
    site_title = "Back-office AMO"
    index_title = "Tableau de bord"
    login_form = StaffLoginForm
    #: The desk needs the width; the home page and the breadcrumbs lead everywhere else.
    enable_nav_sidebar = False

    def each_context(self, request):
        """Django's context, with the list of apps built only if a page shows it (the home page):
        building it reverses every model's URLs on every request."""
        script_name = request.META["SCRIPT_NAME"]
        return {
            "site_title": self.site_title, "site_header": self.site_header,
            "site_url": script_name if self.site_url == "/" and script_name else self.site_url,
            "has_permission": self.has_permission(request),
            "available_apps": partial(self.get_app_list, request),  # templates call it when they need it
            "is_popup": False, "is_nav_sidebar_enabled": self.enable_nav_sidebar,
            "log_entries": self.get_log_entries(request),
            "amo_scope": scope_label(request.user),
        }

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and session_is_verified(request.user)

    def get_urls(self):
        return [path("securite/", self.second_factor_step(security_view), name="security"),
                path("securite/code/", self.second_factor_step(verify_view), name="second_factor_verify"),
                *super().get_urls()]

    def second_factor_step(self, view):
        """The steps that verify a staff session: open to a signed-in staff account not verified yet."""

        @wraps(view)
        def inner(request):
            user = request.user
            if not (user.is_active and second_factor.is_staff_account(user)):
                return HttpResponseRedirect(f"{reverse('admin:login', current_app=self.name)}?next={request.path}")
            return view(self, request)

        return never_cache(csrf_protect(inner))

    def index(self, request, extra_context=None):
        from claims.admin_views import desk_summary

        return super().index(request, {**(extra_context or {}), "amo_desk": desk_summary(request.user)})



_CODES: dict[tuple[str, int], str] = {}


def scope_label(user) -> str:
    """"MGEN · agent de mutuelle" for the header. Mutuelle and organisme codes are reference data
    that never change: they are read once per process, not once per page."""
    if not user.is_authenticated:
        return ""
    from mutuelles.models import AMOFund, Mutuelle

    for model, pk in ((Mutuelle, user.mutuelle_id), (AMOFund, user.fund_id)):
        if pk is None:
            continue
        key = (model.__name__, pk)
        if key not in _CODES:
            _CODES[key] = model.objects.values_list("code", flat=True).get(pk=pk)
        return f"{_CODES[key]} · {user.get_role_display()}"
    return ""


def _qr_svg(url: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308 — generated by qrcode, no user input


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse("admin:index")


def verify_view(site: AmoAdminSite, request):
    """The code step of a session signed in with the password only (enrolled accounts)."""
    from django_otp import login as otp_login

    user = request.user
    if session_is_verified(user):
        return HttpResponseRedirect(_next_url(request))
    if not second_factor.has_authenticator(user):
        return HttpResponseRedirect(reverse("admin:security"))
    error = ""
    if request.method == "POST":
        device = second_factor.verify_code(user, second_factor.confirmed_devices(user), request.POST.get("code", ""),
                                           request=request)
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
        error = MSG_CODE_WRONG
    context = {**site.each_context(request), "title": "Code de double authentification", "error": error,
               "next": _next_url(request)}
    return TemplateResponse(request, "admin/second_factor_verify.html", context, status=400 if error else 200)


def security_view(site: AmoAdminSite, request):
    """Enrol an authenticator (QR code, then a first code), replace it, or renew the recovery codes.

    Without an authenticator, the session goes straight to enrolment (mandatory). With one, the session
    must first be verified by it: otherwise a stolen password could enrol the thief's phone.
    """
    from django_otp import login as otp_login

    user = request.user
    enrolled = second_factor.has_authenticator(user)
    verified = session_is_verified(user)
    if enrolled and not verified:
        return HttpResponseRedirect(f"{reverse('admin:second_factor_verify')}?next={request.path}")
    pending = second_factor.pending_device(user)
    error, codes = "", None
    if request.method == "POST":
        step = request.POST.get("etape")
        code = request.POST.get("code", "")
        current = second_factor.confirmed_devices(user) if enrolled else []
        if step == "commencer" and not enrolled:
            second_factor.start_enrolment(user=user)
            return HttpResponseRedirect(request.get_full_path())
        if step == "changer" and enrolled:
            if second_factor.verify_code(user, current, code, request=request):
                second_factor.start_enrolment(user=user)
                messages.info(request, MSG_STARTED_CHANGE)
                return HttpResponseRedirect(request.get_full_path())
            error = MSG_CODE_WRONG
        if step == "confirmer" and pending is not None:
            codes = second_factor.confirm_enrolment(user=user, device=pending, code=code)
            if codes is not None:
                otp_login(request, pending)
                update_session_auth_hash(request, user)  # this session stays open, the others end
                messages.success(request, MSG_ENROLLED)
            else:
                error = MSG_CODE_WRONG
        if step == "codes" and enrolled:
            if second_factor.verify_code(user, current, code, request=request):
                codes = second_factor.renew_recovery_codes(user=user)
                update_session_auth_hash(request, user)
                messages.success(request, MSG_CODES_RENEWED)
            else:
                error = MSG_CODE_WRONG
        if codes is not None:
            pending = None
    enrolled = enrolled or codes is not None
    context = {
        **site.each_context(request), "title": "Double authentification", "enrolled": enrolled,
        "pending": pending, "error": error, "codes": codes, "next": _next_url(request),
        "qr": _qr_svg(pending.config_url) if pending is not None else "",
        "secret": _spaced_secret(pending) if pending is not None else "",
    }
    return TemplateResponse(request, "admin/security.html", context, status=400 if error else 200)


def _spaced_secret(device) -> str:
    """The base32 secret, for apps that cannot read the QR code, in groups of four."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
