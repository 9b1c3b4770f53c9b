"""Why a claim or a line pays less than asked, as the insured person reads it: the coded reason's
label (in the active language), the agent's comment or the controls' detail as written, what to do,
and for each adjustment of a line what changed (declared → retained).

Shared by the claim page, the décompte and the status e-mails; the codes and the field names stay
out of what it returns (claims.reason_texts).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _

from amo_portal.money import format_dh
from claims.models import Claim, ClaimDecision, ClaimStatus
from claims.reason_texts import CHANGE_LABELS, correctable, fix_text, reason_label

#: The decisions the insured person is told of.
TOLD_KINDS = (ClaimDecision.Kind.REJECT_CLAIM, ClaimDecision.Kind.REJECT_LINE, ClaimDecision.Kind.ADJUST_LINE)
MONEY_KEYS = ("amount_paid", "amo_amount", "complementary_amount", "patient_amount")


@dataclass(frozen=True)
class ReasonItem:
    """One reason, for the claim (position None) or one of its lines."""

    label: str
    comment: str = ""
    fix: str = ""
    position: int | None = None
    changes: tuple[str, ...] = ()
    correctable: bool = False


def decisions_by_claim(claim_ids: Iterable[int]) -> dict[int, list[ClaimDecision]]:
    """The told decisions of these claims, oldest first, in one query."""
    found: dict[int, list[ClaimDecision]] = {}
    for decision in (ClaimDecision.objects.filter(claim_id__in=list(claim_ids), kind__in=TOLD_KINDS)
                     .select_related("line").only("claim_id", "kind", "reason_code", "comment", "before", "after",
                                                  "decided_at", "line__position")
                     .order_by("claim_id", "decided_at", "pk")):
        found.setdefault(decision.claim_id, []).append(decision)
    return found


def _french_label(code: str) -> str:
    with translation.override("fr"):
        return reason_label(code)


def _own_words(comment: str, code: str) -> str:
    """The agent's comment, unless it only repeats the reason's label (what the review writes
    when no comment was typed)."""
    comment = comment.strip()
    return "" if comment.rstrip(".") == _french_label(code).rstrip(".") else comment


def _shown(key: str, value) -> str:
    if value in (None, ""):
        return "—"
    if key in MONEY_KEYS:
        try:
            return format_dh(Decimal(str(value)))
        except InvalidOperation:
            return "—"
    return str(value)


def _changes(decision: ClaimDecision) -> tuple[str, ...]:
    before, after = decision.before or {}, decision.after or {}
    return tuple(
        _("%(what)s : %(before)s → %(after)s") % {"what": label, "before": _shown(key, before.get(key)),
                                                  "after": _shown(key, after.get(key))}
        for key, label in CHANGE_LABELS.items() if key in after and before.get(key) != after.get(key)
    )


def _claim_rejection(claim: Claim, decisions: Sequence[ClaimDecision]) -> ReasonItem | None:
    if claim.status != ClaimStatus.REJECTED or not claim.rejection_code:
        return None
    code = claim.rejection_code
    by_agent = [d for d in decisions if d.kind == ClaimDecision.Kind.REJECT_CLAIM]
    if by_agent:
        comment = _own_words(by_agent[-1].comment, code)
    else:  # the controls' detail (French, a catalogue msgid when it is a fixed sentence)
        detail = _own_words(claim.rejection_message, code)
        comment = _(detail) if detail else ""
    return ReasonItem(reason_label(code), comment, fix_text(code), None, (), correctable(code))


def _line_item(decision: ClaimDecision) -> ReasonItem:
    position = decision.line.position if decision.line is not None else None
    if decision.kind == ClaimDecision.Kind.ADJUST_LINE:
        return ReasonItem(_("Ligne ajustée par votre mutuelle"), decision.comment.strip(), "", position,
                          _changes(decision))
    code = decision.reason_code
    return ReasonItem(reason_label(code), _own_words(decision.comment, code), fix_text(code), position,
                      _changes(decision))


def claim_reasons(claim: Claim, decisions: Sequence[ClaimDecision]) -> list[ReasonItem]:
    """The claim's rejection first (if rejected), then each line's rejection or adjustment in the
    order they were decided; strings in the active language."""
    items = [item for item in [_claim_rejection(claim, decisions)] if item]
    items += [_line_item(d) for d in decisions if d.kind != ClaimDecision.Kind.REJECT_CLAIM]
    return items


def reasons_text(items: Sequence[ReasonItem]) -> str:
    """The reasons as plain text (status e-mail, décompte), one paragraph each."""
    paragraphs = []
    for item in items:
        head = item.label if item.position is None else _("Ligne %(n)s — %(label)s") % {
            "n": item.position, "label": item.label}
        lines = [head]
        if item.comment:
            lines.append(_("Commentaire : %(comment)s") % {"comment": item.comment})
        lines += [f"  {change}" for change in item.changes]
        if item.fix:
            lines.append(_("Que faire : %(fix)s") % {"fix": item.fix})
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)
