"""Forms of the claim desk's action bar. Each one checks the shape of what the agent typed and
calls one service of claims.services.review; the rules themselves live in the services."""
from decimal import Decimal, InvalidOperation
from html import escape as e

from django import forms
from django.utils.safestring import mark_safe

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


def _attrs(attrs: dict) -> str:
    return "".join(f' {e(k)}="{e(str(v))}"' for k, v in attrs.items() if v not in (None, False))


def _widget_html(bound) -> str:
    widget, name, value, auto_id = bound.field.widget, bound.html_name, bound.value(), bound.auto_id
    attrs = {**widget.attrs, "id": auto_id, "name": name}
    if isinstance(widget, forms.HiddenInput):
        return f'<input type="hidden"{_attrs({**attrs, "value": "" if value is None else value})}>'
    if isinstance(widget, forms.Textarea):
        return f'<textarea{_attrs({"rows": 2, **attrs})}>{e("" if value is None else str(value))}</textarea>'
    if isinstance(widget, forms.CheckboxSelectMultiple):
        chosen = {str(v) for v in (value or [])}
        boxes = [f'<label><input type="checkbox" name="{e(name)}" value="{e(str(v))}" id="{e(auto_id)}_{i}"'
                 f'{" checked" if str(v) in chosen else ""}> {e(str(label))}</label>'
                 for i, (v, label) in enumerate(bound.field.choices)]
        return f'<div id="{e(auto_id)}" class="amo-checks">{"".join(boxes)}</div>'
    if isinstance(widget, forms.Select):
        options = "".join(f'<option value="{e(str(v))}"{" selected" if str(v) == str(value or "") else ""}>'
                          f"{e(str(label))}</option>" for v, label in bound.field.choices)
        return f"<select{_attrs(attrs)}>{options}</select>"
    return f'<input type="text"{_attrs({**attrs, "value": "" if value is None else value})}>'


def form_html(form: DecisionForm) -> str:
    """The decision forms of the desk, rendered in one pass (the desk renders six of them on
    every page: Django's per-widget templates made them the slowest part of the page).
    Same markup as Django's `as_div`: label, errors, widget, help text."""
    parts = [f'<ul class="errorlist nonfield">{"".join(f"<li>{e(str(m))}</li>" for m in form.non_field_errors())}'
             "</ul>"] if form.non_field_errors() else []
    for bound in form:
        if bound.is_hidden:
            parts.append(_widget_html(bound))
            continue
        errors = "".join(f"<li>{e(str(m))}</li>" for m in bound.errors)
        label_for = "" if isinstance(bound.field.widget, forms.CheckboxSelectMultiple) else f' for="{e(bound.auto_id)}"'
        parts.append(f"<div><label{label_for}>{e(str(bound.label))}</label>"
                     f'{f"<ul class=errorlist>{errors}</ul>" if errors else ""}{_widget_html(bound)}'
                     f'{f"<div class=help>{e(str(bound.help_text))}</div>" if bound.help_text else ""}</div>')
    return mark_safe("".join(parts))  # noqa: S308 — every value above is escaped
