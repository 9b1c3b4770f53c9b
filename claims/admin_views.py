"""The claim desk: one page from which an agent controls a claim and decides, and its history.

Reads are scoped (claims.selectors) and their number is fixed, whatever the size of the claim
or of the base; writes are the services of claims.services.review, called by the action-bar
forms (claims.admin_forms). A decision refused because the claim changed meanwhile shows the
page again, up to date, with what the agent typed still in the form.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from amo_portal.exceptions import ConflictError, DomainError
from approvals.models import ETMAccord
from beneficiaries.services.entitlement import beneficiary_entitlement
from claims.admin_forms import FORMS, DecisionForm
from claims.admin_rows import PROCESSING_TARGET_DAYS, URGENT_DAYS, countdown_of, days_left, document_preview
from claims.models import Claim, ClaimDocument, ClaimStatus, RejectionReason
from claims.reason_texts import reason_label
from claims.selectors import claims_visible_to
from claims.services.bulk_acceptance import needs_document_confirmation
from claims.services.review import REJECTABLE, four_eyes_required
from mutuelles.models import StaffRole
from tariffs.models import ALDCondition
from tariffs.selectors import TariffBook

#: How many earlier claims of the beneficiary and possible duplicates the desk lists.
RELATED_LIMIT = 10


@dataclass(frozen=True)
class Event:
    """One row of a claim's history: a status change, a decision or a request for documents."""

    at: datetime
    who: str
    what: str
    detail: str
    kind: str


def _name(user) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.username


def history_of(claim: Claim) -> list[Event]:
    """Status changes, decisions (with before → after) and document requests, oldest first."""
    events = [Event(c.changed_at, _name(c.changed_by), f"{c.get_from_status_display() or 'création'} → "
                    f"{c.get_to_status_display()}", c.reason, "statut")
              for c in claim.status_changes.select_related("changed_by")]
    for d in claim.decisions.select_related("decided_by", "line"):
        target = f" (ligne n° {d.line.position})" if d.line_id else ""
        events.append(Event(d.decided_at, _name(d.decided_by), f"{d.get_kind_display().capitalize()}{target}",
                            _decision_detail(d), "decision"))
    for r in claim.document_requests.select_related("requested_by"):
        state = f"fournies le {timezone.localtime(r.fulfilled_at):%d/%m/%Y}" if r.fulfilled_at else "en attente"
        events.append(Event(r.created_at, _name(r.requested_by), f"Pièces demandées ({state})", r.missing, "pieces"))
    return sorted(events, key=lambda e: e.at)


#: The values a decision changed, named as the agents read them (never the field names).
DECISION_VALUES = {"amount_paid": "montant payé", "cotation": "cotation", "amo_amount": "part AMO",
                   "complementary_amount": "part complémentaire", "total_amo": "part AMO du dossier",
                   "total_complementary": "part complémentaire du dossier"}


def _decision_detail(decision) -> str:
    parts = [decision.comment] if decision.comment else []
    if decision.reason_code:
        parts.append(f"motif : {reason_label(decision.reason_code)}")
    changed = [f"{label} : {decision.before.get(key) or '—'} → {decision.after.get(key) or '—'}"
               for key, label in DECISION_VALUES.items()
               if key in decision.after and decision.before.get(key) != decision.after.get(key)]
    return " ; ".join(parts + changed)


def _related(claim: Claim, visible) -> tuple[list[Claim], list[tuple[Claim, str]]]:
    """Earlier claims of the same beneficiary, and claims that may be the same care filed twice:
    same fingerprint, a same document, or the same beneficiary on the same day. Each lookup is
    an indexed one; the claims are then read in one query."""
    same_person = visible.filter(insured_id=claim.insured_id, dependent_id=claim.dependent_id).exclude(pk=claim.pk)
    earlier = list(same_person.order_by("-care_date", "-pk")[:RELATED_LIMIT])
    why: dict[int, str] = {}
    for other in earlier:
        if other.care_date == claim.care_date:
            why[other.pk] = "même bénéficiaire, même date de soins"
    shas = [d.sha256 for d in claim.documents.all()]
    if shas:
        for pk in (ClaimDocument.objects.filter(sha256__in=shas).exclude(claim_id=claim.pk)
                   .values_list("claim_id", flat=True)[:RELATED_LIMIT]):
            why[pk] = "une même pièce justificative"
    if claim.duplicate_key:
        for pk in (Claim.objects.filter(duplicate_key=claim.duplicate_key).exclude(pk=claim.pk)
                   .values_list("pk", flat=True)[:RELATED_LIMIT]):
            why[pk] = "mêmes soins déclarés (même bénéficiaire, date, prescripteur et lignes)"
    suspects = visible.filter(pk__in=list(why)).order_by("-pk") if why else []
    return earlier, [(other, why[other.pk]) for other in suspects]


def _next_in_queue(claim: Claim, visible) -> Claim | None:
    if claim.filed_on is None:
        return None
    # a row comparison, so that the queue index (mutuelle, status, filed_on, id) starts right after
    # this claim instead of reading every older one (an OR of two conditions would)
    return (visible.filter(status=ClaimStatus.IN_CONTROL)
            .extra(where=['("claims_claim"."filed_on", "claims_claim"."id") > (%s, %s)'],  # noqa: S610
                   params=[claim.filed_on, claim.pk])
            .order_by("filed_on", "pk").only("pk", "number").first())


def _rights(claim: Claim):
    limits = TariffBook.current().eligibility_limits(regime_id=claim.insured.regime_id, on=claim.care_date)
    entitlement = beneficiary_entitlement(insured=claim.insured, dependent=claim.dependent, on=claim.care_date,
                                          limits=limits)
    accords = list(ETMAccord.objects.filter(insured_id=claim.insured_id, dependent_id=claim.dependent_id)
                   .select_related("ald").order_by("-valid_from"))
    ald = ALDCondition.objects.filter(code=claim.ald_code).first() if claim.ald_code else None
    return entitlement, accords, ald


def _claim_for_desk(model_admin, request, object_id) -> Claim:
    claim = (model_admin.get_queryset(request)
             .select_related("insured", "dependent", "mutuelle", "fund", "etm_accord__ald", "first_approved_by")
             .filter(pk=object_id if str(object_id).isdigit() else None).first())
    if claim is None:
        raise Http404("Dossier introuvable.")
    return claim


def _reason_choices() -> tuple[list, list]:
    rows = list(RejectionReason.objects.filter(active=True).values_list("code", "label", "scope", "automatic"))
    claim_scopes = (RejectionReason.Scope.CLAIM, RejectionReason.Scope.BOTH)
    line_scopes = (RejectionReason.Scope.LINE, RejectionReason.Scope.BOTH)
    for_claim = [(code, label) for code, label, scope, _ in rows if scope in claim_scopes]
    for_line = [(code, label) for code, label, scope, automatic in rows if scope in line_scopes and not automatic]
    return for_claim, for_line


def desk_actions(claim: Claim, user, may_decide: bool) -> dict:
    """The decisions this user may take on the claim, and only those. Once a decision above the
    four-eyes threshold is proposed, nobody accepts it again: the person who proposed it waits,
    a superviseur of the mutuelle, another person, confirms it."""
    in_control = may_decide and claim.status == ClaimStatus.IN_CONTROL
    waiting = in_control and claim.needs_second_approval
    proposed_by_me = waiting and claim.first_approved_by_id == user.pk
    can_confirm = waiting and not proposed_by_me and user.role == StaffRole.SUPERVISOR
    can_reject = may_decide and claim.status in REJECTABLE
    panels = {"accepter": in_control and not waiting, "confirmer": can_confirm, "ajuster": in_control,
              "rejeter_ligne": in_control, "rejeter": can_reject, "pieces": in_control}
    return {"can_decide": in_control, "can_accept": panels["accepter"], "can_confirm": can_confirm,
            "can_reject": can_reject, "proposed_by_me": proposed_by_me,
            "waiting_for_supervisor": waiting and not proposed_by_me and not can_confirm, "panels": panels}


def desk_context(model_admin, request, claim: Claim, *, bound: DecisionForm | None = None) -> dict:
    visible = claims_visible_to(user=request.user)
    lines = list(claim.lines.select_related("medicine").order_by("position"))
    documents = list(claim.documents.all())
    claim._prefetched_objects_cache = {"documents": documents}
    reasons_claim, reasons_line = _reason_choices()
    choices = {"rejeter": reasons_claim, "rejeter_ligne": reasons_line}
    forms = {action: form_class(claim=claim, lines=lines, reasons=choices.get(action, ())) for action, form_class
             in FORMS.items()}
    if bound is not None:
        forms[bound.action] = bound
    entitlement, accords, ald = _rights(claim)
    earlier, duplicates = _related(claim, visible)
    actions = desk_actions(claim, request.user, model_admin.has_decide_permission(request, claim))
    today = timezone.localdate()
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts, "title": f"Dossier {claim.number}", "claim": claim, "lines": lines,
        "documents": [(d, document_preview(d)) for d in documents], "history": history_of(claim),
        "entitlement": entitlement, "accords": [(a, a.covers(claim.care_date)) for a in accords], "ald": ald,
        "earlier": earlier, "duplicates": duplicates, "next_claim": _next_in_queue(claim, visible),
        "countdown": countdown_of(claim, today), "days_left": days_left(claim, today),
        "four_eyes": four_eyes_required(claim), "forms": forms, "open_panel": bound.action if bound else "",
        **actions, "without_document": needs_document_confirmation(claim),
        # a refusal of a decision whose button this user no longer sees is said at the top of the page
        "refused": bound.non_field_errors() if bound is not None and not actions["panels"].get(bound.action) else [],
        "is_popup": False, "has_view_permission": True,
    }


#: The home page counts the queue up to this many claims, then says "more than".
SUMMARY_CAP = 1000


def _capped(queryset) -> tuple[int, bool]:
    count = queryset[:SUMMARY_CAP + 1].count()
    return min(count, SUMMARY_CAP), count > SUMMARY_CAP


def desk_summary(user) -> dict | None:
    """The home page of mutuelle staff: their queue at a glance and their last decisions."""
    if not getattr(user, "is_mutuelle_staff", False):
        return None
    from claims.models import ClaimDecision

    mine = claims_visible_to(user=user).filter(status=ClaimStatus.IN_CONTROL)
    urgent_before = timezone.localdate() - timedelta(days=PROCESSING_TARGET_DAYS - URGENT_DAYS)
    return {
        "to_control": _capped(mine), "urgent": _capped(mine.filter(filed_on__lte=urgent_before)),
        # what they may confirm: their own proposals wait for someone else
        "to_confirm": (_capped(mine.filter(needs_second_approval=True).exclude(first_approved_by=user))
                       if user.role == StaffRole.SUPERVISOR else None),
        "waiting_documents": _capped(claims_visible_to(user=user).filter(status=ClaimStatus.DOCUMENTS_REQUESTED)),
        "decisions": list(ClaimDecision.objects.filter(decided_by=user).select_related("claim", "line")
                          .order_by("-decided_at")[:10]),
        "urgent_days": URGENT_DAYS,
    }


def desk_view(model_admin, request, object_id):
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied
    claim = _claim_for_desk(model_admin, request, object_id)
    context = desk_context(model_admin, request, claim)
    return TemplateResponse(request, "admin/claims/claim/desk.html", context)


def decide_view(model_admin, request, object_id, action):
    """POST of one action-bar form: the service decides; the page comes back with the outcome."""
    form_class = FORMS.get(action)
    if form_class is None:
        raise Http404("Action inconnue.")
    claim = _claim_for_desk(model_admin, request, object_id)  # 404 before 403: say nothing of others' claims
    if not model_admin.has_decide_permission(request, claim):
        raise PermissionDenied
    desk_url = reverse("admin:claims_claim_change", args=[claim.pk])
    if request.method != "POST":
        return HttpResponseRedirect(desk_url)
    lines = list(claim.lines.select_related("medicine").order_by("position"))
    reasons_claim, reasons_line = _reason_choices()
    reasons = {"rejeter": reasons_claim, "rejeter_ligne": reasons_line}.get(action, ())
    form = form_class(request.POST, claim=claim, lines=lines, reasons=reasons)
    status = 200
    if form.is_valid():
        try:
            messages.success(request, form.decide(by=request.user))
            return HttpResponseRedirect(desk_url)
        except DomainError as exc:
            status = 409 if isinstance(exc, ConflictError) else 400
            form.add_error(None, exc.message)
            form = _keep_input(form, claim, lines, reasons, stale=exc.code == "dossier_modifie")
    claim = _claim_for_desk(model_admin, request, object_id)  # fresh: it may have changed meanwhile
    context = desk_context(model_admin, request, claim, bound=form)
    return TemplateResponse(request, "admin/claims/claim/desk.html", context, status=status)


def _keep_input(form: DecisionForm, claim: Claim, lines, reasons, *, stale: bool) -> DecisionForm:
    """The agent's input survives a refusal. After a concurrent change the form carries the new
    version, so that sending it again is a decision taken knowingly on the claim as it is now."""
    if not stale:
        return form
    claim.refresh_from_db(fields=["version"])
    data = form.data.copy()
    data[form.add_prefix("version")] = str(claim.version)
    errors = form.non_field_errors()
    renewed = type(form)(data, claim=claim, lines=lines, reasons=reasons)
    renewed.is_valid()
    for error in errors:
        renewed.add_error(None, error)
    renewed.stale = True
    return renewed


def history_view(model_admin, request, object_id):
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied
    claim = _claim_for_desk(model_admin, request, object_id)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts, "title": f"Historique du dossier {claim.number}", "claim": claim,
        "history": history_of(claim), "is_popup": False,
    }
    return TemplateResponse(request, "admin/claims/claim/history.html", context)


