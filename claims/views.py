"""Portal pages of the claims app: the public home, the simulator, and document downloads."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from amo_portal.documents import stored_document_response
from claims.selectors import documents_visible_to


def home(request):
    return render(request, "claims/home.html")


def simulator_page(request):
    """The public simulator in French: the form posts here and goes through the API's own checks
    (SimulationInputSerializer) and code path (run_simulation), so both always give the same answer.
    Every error names its field or its line (claims.simulator_form)."""
    from amo_portal.exceptions import DomainError
    from claims import simulator_form
    from claims.api.serializers import SimulationInputSerializer
    from claims.api.views import run_simulation, simulation_payload, simulation_throttled

    posted = request.POST if request.method == "POST" else {}
    rows = simulator_form.read_rows(posted)
    errors: dict[str, list[str]] = {}
    result = None
    if request.method == "POST" and simulation_throttled(request):
        errors = {"__all__": [_("Trop de simulations depuis votre connexion : réessayez dans une minute.")]}
        return _simulator(request, posted, rows, errors, None, status=429)
    if request.method == "POST":
        filled = [row for row in rows if row.filled]
        serializer = SimulationInputSerializer(data=simulator_form.build_payload(posted, filled))
        valid = serializer.is_valid()
        if not posted.get("mutuelle"):
            errors["mutuelle"] = [str(simulator_form.MSG_CHOOSE_MUTUELLE)]
        if not valid:
            errors = {**simulator_form.field_errors(serializer.errors, filled), **errors}
        elif not errors and not any(row.errors for row in filled):
            try:
                result = simulation_payload(run_simulation(serializer.validated_data))
            except DomainError as exc:
                errors = {k: [v] for k, v in exc.extra.get("champs", {"__all__": exc.message}).items()}
    failed = bool(errors) or any(row.errors for row in rows)
    return _simulator(request, posted, rows, errors, result, status=400 if failed else 200)


def _simulator(request, posted, rows, errors: dict, result, *, status: int):
    from claims import simulator_form
    from mutuelles.models import Mutuelle

    context = {"values": posted, "rows": rows, "errors": errors, "result": result,
               "error_summary": simulator_form.summary(errors, rows),
               "mutuelles": Mutuelle.objects.order_by("code")}
    return render(request, "claims/simulator.html", context, status=status)




@require_GET
@login_required
def document_download(request, pk: int):
    """A supporting document, only for those who may see its claim (404 for anyone else).

    A PDF is always a download (Content-Disposition: attachment): a PDF may carry scripts, forms
    and links, and is never opened as a page of the portal's origin. A JPEG or PNG is shown inline
    (it was recognised from its bytes at upload) under a sandbox policy, unless a download is asked."""
    document = get_object_or_404(documents_visible_to(user=request.user), pk=pk)
    return stored_document_response(document, filename=f"{document.claim.number}-{document.pk}.{document.extension}",
                                    download=request.GET.get("telecharger") == "1")
