"""What the portal's pages share: the insured person's guard, a claim of theirs or 404, the answer of a
form page, files refused while the request was parsed, PDF downloads."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import TooManyFilesSent, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from portal import presenters, selectors

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


def claim_or_404(request, pk: int):
    claim = selectors.claim_for_page(user=request.user, insured=request.insured, pk=pk)
    if claim is None:
        raise Http404
    return claim


def form_page(request, template: str, form, **context) -> HttpResponse:
    """A form's page: 400 while the form carries errors (a service's included), 200 otherwise."""
    return render(request, template, {"form": form, **context}, status=400 if form.errors else 200)


def applied(request, form, change: Callable[[], object], *, success: str) -> bool:
    """Run `change` (service calls); its ValidationError goes on the form, else `success` is told.
    True once the change is done."""
    try:
        change()
    except ValidationError as exc:
        presenters.add_errors(form, exc)
        return False
    messages.success(request, success)
    return True


def too_many_files(request) -> bool:
    """More files than Django reads in one request (DATA_UPLOAD_MAX_NUMBER_FILES): the request was
    refused while parsed, before the files past the limit were received; the page says why."""
    try:
        request.FILES  # noqa: B018 - parsing the upload is what may refuse it
    except TooManyFilesSent:
        messages.error(request, MSG_TOO_MANY_FILES % {"max": settings.DATA_UPLOAD_MAX_NUMBER_FILES})
        return True
    return False


def pdf_download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
