"""The back office's admin site: French titles, the desk's style, and a second factor for staff.

Staff who enrolled an authenticator app (TOTP, django-otp) must give its code at login: the
admin refuses a session that is not verified by their device. Staff enrol themselves from
"Double authentification" (QR code). Wrong codes count as failed logins for the lockout
(django-axes), like wrong passwords. claims.admin_config makes this site the default one.
"""
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.safestring import mark_safe

MSG_CODE_REQUIRED = ("Ce compte est protégé par la double authentification : saisissez le code à 6 chiffres "
                     "affiché par votre application.")
MSG_CODE_WRONG = ("Code de double authentification incorrect ou expiré. Après une erreur, attendez quelques "
                  "secondes avant de réessayer.")
MSG_ENROLLED = "Double authentification activée : le code vous sera demandé à chaque connexion."
MSG_DISABLED = "Double authentification désactivée pour votre compte."
DEVICE_NAME = "Application d'authentification"


def confirmed_devices(user) -> list:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not user.is_authenticated:
        return []
    return list(TOTPDevice.objects.devices_for_user(user, confirmed=True))


def verify_code(user, devices: list, code: str):
    """The device that accepts `code`, or None. django-otp throttles repeated failures per device."""
    code = "".join(code.split())
    if not code.isdigit():
        return None
    with transaction.atomic():
        for device in devices:
            allowed, _ = device.verify_is_allowed()
            if allowed and device.verify_token(code):
                return device
    return None


#: Session key remembering that the signed-in user has no second factor (one query less per page).
NO_DEVICE_SESSION_KEY = "amo_sans_double_authentification"


def has_second_factor(request) -> bool:
    """Whether the signed-in user enrolled a device. "No device" is remembered in the session:
    enrolling (security_view) or logging in again asks anew."""
    if request.session.get(NO_DEVICE_SESSION_KEY) == request.user.pk:
        return False
    enrolled = bool(confirmed_devices(request.user))
    if not enrolled:
        request.session[NO_DEVICE_SESSION_KEY] = request.user.pk
    return enrolled


class StaffLoginForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        label="Code de double authentification", required=False, max_length=10,
        help_text="Seulement si vous avez activé la double authentification.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self):
        data = super().clean()  # password first: django-axes counts the failures
        user = self.get_user()
        devices = confirmed_devices(user) if user is not None else []
        if not devices:
            return data
        code = self.cleaned_data.get("otp_token") or ""
        if not code.strip():
            raise forms.ValidationError(MSG_CODE_REQUIRED, code="code_requis")
        device = verify_code(user, devices, code)
        if device is None:
            user_login_failed.send(sender=__name__, credentials={"username": user.get_username()},
                                   request=self.request)
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
        if not super().has_permission(request):
            return False
        user = request.user
        if getattr(user, "is_verified", None) is not None and user.is_verified():
            return True
        return not has_second_factor(request)

    def get_urls(self):
        return [path("securite/", self.admin_view(self.security_view), name="security"), *super().get_urls()]

    def index(self, request, extra_context=None):
        from claims.admin_views import desk_summary

        return super().index(request, {**(extra_context or {}), "amo_desk": desk_summary(request.user)})

    def security_view(self, request):
        return security_view(self, request)


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


def security_view(site: AmoAdminSite, request):
    """Enrol (QR code, then a first code), or switch off the second factor (with a code)."""
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = request.user
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    devices = confirmed_devices(user)
    error = ""
    if request.method == "POST":
        step = request.POST.get("etape")
        code = request.POST.get("code", "")
        if step == "commencer" and not devices:
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
            return HttpResponseRedirect(reverse("admin:security"))
        if step == "confirmer" and pending is not None:
            if verify_code(user, [pending], code):
                pending.confirmed = True
                pending.save(update_fields=["confirmed"])
                request.session.pop(NO_DEVICE_SESSION_KEY, None)
                otp_login(request, pending)
                messages.success(request, MSG_ENROLLED)
                return HttpResponseRedirect(reverse("admin:security"))
            error = MSG_CODE_WRONG
        if step == "desactiver" and devices:
            if verify_code(user, devices, code):
                TOTPDevice.objects.filter(user=user).delete()
                messages.success(request, MSG_DISABLED)
                return HttpResponseRedirect(reverse("admin:security"))
            error = MSG_CODE_WRONG
    context = {
        **site.each_context(request), "title": "Double authentification", "devices": devices,
        "pending": pending if not devices else None, "error": error,
        "qr": _qr_svg(pending.config_url) if pending is not None and not devices else "",
        "secret": _spaced_secret(pending) if pending is not None and not devices else "",
    }
    return TemplateResponse(request, "admin/security.html", context)


def _spaced_secret(device) -> str:
    """The base32 secret, for apps that cannot read the QR code, in groups of four."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
