"""The language switch: Django's set_language (cookie, redirect), and for a signed-in insured person
the language kept for what is sent to them later (status and account e-mails)."""
from __future__ import annotations

from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from portal import selectors
from portal.services import accounts


@require_POST
def set_language(request):
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and response.status_code in (204, 302):
        insured = selectors.insured_of(user=request.user)
        if insured is not None:
            accounts.remember_language(insured=insured, language=language)
    return response
