"""A second factor on every staff surface, in one place.

A staff account (mutuelle, organisme, administrator) whose session is not verified by its second
factor reaches only the steps that verify it: enrolment when it has no authenticator yet, else the
code. Every other page, download or API call of theirs is refused, whatever its URL: pages and
downloads are redirected to the step, API calls answer 403. The rule is by account, not by URL, so a
staff page added later is covered without a word. Token-authenticated API calls (no session, so no
second factor) are refused to staff accounts by SecondFactorForStaff, DRF's default permission.
"""
from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from rest_framework.permissions import BasePermission

from mutuelles.second_factor import has_authenticator, is_staff_account

MSG_SECOND_FACTOR_REQUIRED = ("Double authentification requise : les comptes du personnel se connectent au "
                              "back-office avec leur mot de passe et le code de leur application.")
#: Pages an unverified staff session may still open (by URL name): the steps, and the ways out.
OPEN_URL_NAMES = ("admin:security", "admin:second_factor_verify", "admin:login", "admin:logout",
                  "portal:logout", "portal:set_language")


def session_is_verified(user) -> bool:
    is_verified = getattr(user, "is_verified", None)  # set by django_otp's OTPMiddleware
    return is_verified is not None and is_verified()


class StaffSecondFactorMiddleware:
    """After django_otp.middleware.OTPMiddleware: sends unverified staff sessions to their step."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: frozenset[str] | None = None

    def __call__(self, request):
        user = request.user
        if is_staff_account(user) and not session_is_verified(user) and request.path_info not in self.open_paths():
            return self.refuse(request, user)
        return self.get_response(request)

    def open_paths(self) -> frozenset[str]:
        if self._open_paths is None:
            self._open_paths = frozenset(reverse(name) for name in OPEN_URL_NAMES)
        return self._open_paths

    @staticmethod
    def refuse(request, user):
        if request.path_info.startswith("/api/"):
            return JsonResponse({"message": MSG_SECOND_FACTOR_REQUIRED, "code": "double_authentification_requise",
                                 "extra": {}}, status=403)
        step = "admin:second_factor_verify" if has_authenticator(user) else "admin:security"
        target = reverse(step)
        if request.method in ("GET", "HEAD"):
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        return HttpResponseRedirect(target)


class SecondFactorForStaff(BasePermission):
    """DRF: a staff account must come with a session verified by its second factor (never a bare token)."""

    message = MSG_SECOND_FACTOR_REQUIRED
    code = "double_authentification_requise"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return not is_staff_account(user) or session_is_verified(user)
