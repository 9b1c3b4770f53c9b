"""Portal pages of the claims app: the public home, the simulator, and document downloads."""
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from claims.selectors import documents_visible_to

#: Types shown in the browser rather than downloaded: images only.
INLINE_TYPES = frozenset({"image/jpeg", "image/png"})


def home(request):
    return render(request, "claims/home.html")


def simulator_page(request):
    """The public simulator in French: the form posts here and goes through the API's own checks
    (SimulationInputSerializer) and code path (run_simulation), so both always give the same answer."""
    from amo_portal.exceptions import DomainError
    from claims.api.serializers import SimulationInputSerializer
    from claims.api.views import run_simulation, simulation_payload, simulation_throttled
    from mutuelles.models import Mutuelle

    posted = request.POST if request.method == "POST" else {}
    rows = [{"i": i, **{k: posted.get(f"l{i}_{k}", "") for k in ("kind", "cotation", "code", "quantity", "paid",
                                                                    "ald")}} for i in range(6)]
    labels = {"kind": "nature", "code": "médicament", "quantity": "quantité", "paid": "montant payé", "ald": "ALD"}
    errors: dict = {}
    result = None
    if request.method == "POST" and simulation_throttled(request):
        errors = {"__all__": ["Trop de simulations depuis votre connexion : réessayez dans une minute."]}
        context = {"values": posted, "rows": rows, "errors": errors, "result": None,
                   "mutuelles": Mutuelle.objects.order_by("code")}
        return render(request, "claims/simulator.html", context, status=429)
    if request.method == "POST":
        filled = [r for r in rows if r["cotation"] or r["code"] or r["paid"]]
        def opt(name):  # noqa: E306 - empty inputs are absent values, as in the API
            return posted.get(name) or None
        payload = {
            "mutuelle": posted.get("mutuelle", ""), "care_date": posted.get("care_date", ""),
            "filing_date": opt("filing_date"), "treatment_end_date": opt("treatment_end_date"),
            "beneficiary": {"relationship": posted.get("relationship", ""), "birth_date": posted.get("birth_date", ""),
                            "student": "student" in posted, "married": "married" in posted,
                            "disabled": "disabled" in posted},
            "etm": {"valid_from": posted["etm_from"], "valid_to": opt("etm_to")} if posted.get("etm_from") else None,
            "lines": [{"kind": r["kind"] or "acte", "cotation": r["cotation"], "code": r["code"],
                       "quantity": r["quantity"] or 1, "paid": r["paid"].replace(",", ".").replace(" ", ""),
                       "ald": bool(r["ald"])} for r in filled],
        }
        serializer = SimulationInputSerializer(data=payload)
        if serializer.is_valid():
            try:
                result = simulation_payload(run_simulation(serializer.validated_data))
            except DomainError as exc:
                errors = {k: [v] for k, v in exc.extra.get("champs", {"__all__": exc.message}).items()}
        else:
            for name, value in serializer.errors.items():
                if name == "lines":
                    by_row = value if isinstance(value, dict) else dict(enumerate(value))
                    for index, line_errors in by_row.items():
                        if isinstance(index, int) and isinstance(line_errors, dict) and index < len(filled):
                            filled[index]["errors"] = [f"{labels.get(k, k)} : {m}"
                                                       for k, msgs in line_errors.items() for m in msgs]
                    errors["lines"] = [m for m in by_row.values() if isinstance(m, str)] or [
                        "Corrigez les lignes signalées."]
                elif isinstance(value, dict):
                    errors.update({f"{name}_{k}": v for k, v in value.items()})
                else:
                    errors[name] = value
    context = {"values": posted, "rows": rows, "errors": errors, "result": result,
               "mutuelles": Mutuelle.objects.order_by("code")}
    return render(request, "claims/simulator.html", context, status=400 if errors else 200)


#: Images are shown in the page that links them, each in a sandbox with nothing to run or load.
IMAGE_SANDBOX = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


@require_GET
@login_required
def document_download(request, pk: int):
    """A supporting document, only for those who may see its claim (404 for anyone else).

    A PDF is always a download (Content-Disposition: attachment): a PDF may carry scripts, forms
    and links, and is never opened as a page of the portal's origin. A JPEG or PNG is shown inline
    (it was recognised from its bytes at upload) under a sandbox policy, unless a download is asked."""
    document = get_object_or_404(documents_visible_to(user=request.user), pk=pk)
    inline = document.content_type in INLINE_TYPES and request.GET.get("telecharger") != "1"
    response = FileResponse(document.file.open("rb"), content_type=document.content_type,
                            as_attachment=not inline, filename=f"{document.claim.number}-{document.pk}."
                                                                 f"{document.extension}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = IMAGE_SANDBOX
    response["Cache-Control"] = "private, no-store"
    return response
