"""Portal pages of the claims app: the public home, the simulator, and document downloads."""
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from claims.selectors import documents_visible_to


def home(request):
    return render(request, "claims/home.html")


def simulator_page(request):
    return render(request, "claims/simulator.html")


@require_GET
@login_required
def document_download(request, pk: int):
    """A supporting document, only for those who may see its claim (404 for anyone else)."""
    document = get_object_or_404(documents_visible_to(user=request.user), pk=pk)
    as_attachment = request.GET.get("telecharger") == "1"
    response = FileResponse(document.file.open("rb"), content_type=document.content_type,
                            as_attachment=as_attachment, filename=f"{document.claim.number}-{document.pk}."
                                                                    f"{document.extension}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; object-src 'self'"
    response["Cache-Control"] = "private, no-store"
    return response
