"""The draft of the claim being typed: saved by the page's script while the person types, a document
taken off it, or the whole draft given up (portal.services.drafts)."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal.services import drafts
from portal.views.claims import uploads_of
from portal.views.common import insured_required, too_many_files


@require_POST
@insured_required
def draft_autosave(request):
    """Keep what the form holds now (its new files included); answers the documents attached."""
    if too_many_files(request):
        return JsonResponse({"errors": [str(m) for m in messages.get_messages(request)]}, status=400)
    saved = drafts.save_draft(user=request.user, posted=request.POST, uploads=uploads_of(request))
    files = [{"id": row.pk, "name": row.original_name, "size": filesizeformat(row.size)}
             for row in saved.draft.files.all()]
    saved_at = timezone.localtime(saved.draft.updated_at).strftime("%H:%M")
    told = _("Brouillon enregistré à %(time)s.") % {"time": saved_at}
    if files:
        told += " " + ngettext("%(count)s pièce jointe conservée.", "%(count)s pièces jointes conservées.",
                               len(files)) % {"count": len(files)}
    return JsonResponse({"saved": told, "files": files, "errors": saved.errors}, status=400 if saved.errors else 200)


@require_POST
@insured_required
def draft_file_remove(request, pk: int):
    if not drafts.remove_draft_file(user=request.user, file_id=pk):
        raise Http404
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"removed": pk})
    messages.success(request, _("La pièce a été retirée du brouillon."))
    return redirect("portal:claim_new")


@require_POST
@insured_required
def draft_discard(request):
    drafts.discard_draft(user=request.user)
    messages.success(request, _("Le brouillon a été supprimé."))
    return redirect("portal:claim_new")
