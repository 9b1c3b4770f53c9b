"""Forms of the claim desk's action bar. Each one checks the shape of what the agent typed and
calls one service of claims.services.review; the rules themselves live in the services."""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django import forms

from amo_portal.money import format_dh
from claims.models import Claim, ClaimLine
from claims.services import review

#: Documents an agent most often asks for (domain.md §5.1); free text completes them.
USUAL_DOCUMENTS = [
    ("Feuille de soins originale, datée et signée par l'assuré", "Feuille de soins originale signée"),
    ("Ordonnance signée et cachetée, avec posologie et durée du traitement", "Ordonnance conforme"),
    ("Facture ou note d'honoraires originale", "Facture ou note d'honoraires"),
    ("Résultats des analyses ou de l'imagerie", "Résultats d'analyses ou d'imagerie"),
    ("INPE, cachet et signature du médecin traitant", "INPE, cachet et signature du médecin"),
    ("Code ALD et numéro de l'accord ETM", "Code ALD et n° d'accord ETM"),
]


class DecisionForm(forms.Form):
    """Carries the version of the claim the agent saw: the service refuses it if it changed."""

    action = ""
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, claim: Claim, lines: list[ClaimLine] = (), reasons=(), **kwargs):
        kwargs.setdefault("initial", {"version": claim.version})
        super().__init__(*args, prefix=self.action, **kwargs)
        self.claim = claim
        self.lines = {str(line.pk): line for line in lines}
        if "line" in self.fields:
            self.fields["line"].choices = [("", "— choisir la ligne —"), *[
                (str(line.pk), line_label(line)) for line in lines]]
        if "reason_code" in self.fields:
            self.fields["reason_code"].choices = [("", "— choisir le motif —"), *reasons]

    def chosen_line(self) -> ClaimLine:
        return self.lines[self.cleaned_data["line"]]

    def decide(self, *, by) -> str:
        """Call the service; return the French message telling what happened."""
        raise NotImplementedError


def line_label(line: ClaimLine) -> str:
    what = line.cotation if line.kind == "acte" else (line.medicine.name if line.medicine_id else line.medicine_code)
    return f"n° {line.position} · {what} · payé {format_dh(line.amount_paid)}"


def parse_amount(text: str) -> Decimal | None:
    """'1 234,50', '1234.50 DH' -> Decimal('1234.50'); '' -> None."""
    cleaned = text.replace("DH", "").replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise forms.ValidationError("Montant illisible : écrivez par exemple 120,50.") from None


class AcceptForm(DecisionForm):
    action = "accepter"
    comment = forms.CharField(label="Commentaire (facultatif)", required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def decide(self, *, by) -> str:
        claim = review.accept_claim(claim=self.claim, version=self.cleaned_data["version"], by=by,
                                    comment=self.cleaned_data["comment"])
        if claim.needs_second_approval:
            return (f"Dossier {claim.number} accepté en premier contrôle : au-dessus du seuil du double contrôle, "
                    "un superviseur doit confirmer.")
        return f"Dossier {claim.number} accepté et liquidé : {format_dh(claim.reimbursed)} remboursés."


class ConfirmForm(AcceptForm):
    action = "confirmer"

    def decide(self, *, by) -> str:
        claim = review.confirm_claim(claim=self.claim, version=self.cleaned_data["version"], by=by,
                                     comment=self.cleaned_data["comment"])
        return f"Double contrôle confirmé : dossier {claim.number} liquidé, {format_dh(claim.reimbursed)} remboursés."


class AdjustLineForm(DecisionForm):
    action = "ajuster"
    line = forms.ChoiceField(label="Ligne")
    amount_paid = forms.CharField(label="Nouveau montant payé (DH)", required=False,
                                  widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "ex. 120,00"}))
    cotation = forms.CharField(label="Nouvelle cotation (actes)", required=False, max_length=20,
                               widget=forms.TextInput(attrs={"placeholder": "ex. B 60"}))
    reason = forms.CharField(label="Motif de l'ajustement", widget=forms.Textarea(attrs={"rows": 2}))

    def clean_amount_paid(self) -> Decimal | None:
        return parse_amount(self.cleaned_data["amount_paid"])

    def clean(self):
        data = super().clean()
        if data.get("amount_paid") is None and not (data.get("cotation") or "").strip() and not self.errors:
            raise forms.ValidationError("Indiquez un nouveau montant, une nouvelle cotation, ou les deux.")
        return data

    def decide(self, *, by) -> str:
        line = review.adjust_line(line=self.chosen_line(), version=self.cleaned_data["version"], by=by,
                                  reason=self.cleaned_data["reason"], amount_paid=self.cleaned_data["amount_paid"],
                                  cotation=self.cleaned_data["cotation"] or None)
        return (f"Ligne n° {line.position} ajustée et dossier reliquidé : part AMO {format_dh(line.amo_amount)}, "
                f"part complémentaire {format_dh(line.complementary_amount)}.")


class RejectLineForm(DecisionForm):
    action = "rejeter_ligne"
    line = forms.ChoiceField(label="Ligne")
    reason_code = forms.ChoiceField(label="Motif de rejet")
    comment = forms.CharField(label="Précision (facultatif)", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def decide(self, *, by) -> str:
        line = review.reject_line(line=self.chosen_line(), version=self.cleaned_data["version"], by=by,
                                  reason_code=self.cleaned_data["reason_code"], comment=self.cleaned_data["comment"])
        return f"Ligne n° {line.position} rejetée : elle n'est plus remboursée, le dossier a été reliquidé."


class RejectClaimForm(DecisionForm):
    action = "rejeter"
    reason_code = forms.ChoiceField(label="Motif de rejet")
    comment = forms.CharField(label="Précision pour l'assuré (facultatif)", required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def decide(self, *, by) -> str:
        claim = review.reject_claim(claim=self.claim, version=self.cleaned_data["version"], by=by,
                                    reason_code=self.cleaned_data["reason_code"], comment=self.cleaned_data["comment"])
        return f"Dossier {claim.number} rejeté ({claim.rejection_message}). L'assuré en est informé."


class RequestDocumentsForm(DecisionForm):
    action = "pieces"
    documents = forms.MultipleChoiceField(label="Pièces manquantes", required=False, choices=USUAL_DOCUMENTS,
                                          widget=forms.CheckboxSelectMultiple)
    details = forms.CharField(label="Autres pièces ou précisions (l'assuré lira ce texte)", required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        items = [*data.get("documents", []), *([data["details"].strip()] if data.get("details", "").strip() else [])]
        if not items and not self.errors:
            raise forms.ValidationError("Cochez ou décrivez au moins une pièce manquante.")
        data["missing"] = "\n".join(f"- {item}" for item in items)
        return data

    def decide(self, *, by) -> str:
        review.request_documents(claim=self.claim, version=self.cleaned_data["version"], by=by,
                                 missing=self.cleaned_data["missing"])
        return f"Pièces demandées à l'assuré : le dossier {self.claim.number} attend sa réponse."


FORMS: dict[str, type[DecisionForm]] = {form.action: form for form in (
    AcceptForm, ConfirmForm, AdjustLineForm, RejectLineForm, RejectClaimForm, RequestDocumentsForm)}


@dataclass(frozen=True, slots=True)
class FieldView:
    """One field of a decision form as the template shows it (admin/claims/claim/decision_fields.html):
    the desk renders six forms on every page, and Django's per-widget templates were the slowest part
    of it; the markup is that of Django's `as_div` (label, errors, widget, help text)."""

    kind: str  # "hidden", "text", "textarea", "select" or "checkboxes"
    name: str
    id: str
    label: str
    value: str
    attrs: tuple[tuple[str, str], ...]
    choices: tuple[tuple[str, str, bool], ...]  # (value, label, chosen)
    errors: tuple[str, ...]
    help_text: str


def _kind(widget) -> str:
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.Select):
        return "select"
    return "text"


def field_view(bound) -> FieldView:
    kind, value = _kind(bound.field.widget), bound.value()
    if kind == "checkboxes":
        chosen = {str(v) for v in (value or [])}
        choices = tuple((str(v), str(label), str(v) in chosen) for v, label in bound.field.choices)
    elif kind == "select":
        choices = tuple((str(v), str(label), str(v) == str(value or "")) for v, label in bound.field.choices)
    else:
        choices = ()
    attrs = {"rows": 2} if kind == "textarea" else {}
    attrs.update(bound.field.widget.attrs)
    return FieldView(
        kind=kind, name=bound.html_name, id=bound.auto_id, label=str(bound.label),
        value="" if value is None or kind in ("select", "checkboxes") else str(value),
        attrs=tuple((str(k), str(v)) for k, v in attrs.items() if v not in (None, False)),
        choices=choices, errors=tuple(str(m) for m in bound.errors), help_text=str(bound.help_text or ""))


def field_views(form: DecisionForm) -> list[FieldView]:
    return [field_view(bound) for bound in form]
