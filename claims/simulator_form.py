"""The public simulator page's form: from what the visitor typed to the API's payload, and back
from the API's errors to French messages that each name their field ("Ligne 2, cotation : …").

The page goes through the API's own checks (SimulationInputSerializer) and code path
(run_simulation); this module only reads the posted form, finds medicines by name with the
search of the claim form (tariffs.selectors.medicines_search) and names the errors.
"""
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tariffs.models import Medicine
from tariffs.selectors import medicines_search

#: The simulator offers this many line rows.
ROWS = 6
ROW_KEYS = ("kind", "cotation", "code", "quantity", "paid", "ald", "care_date", "provider_sector")

#: The page's fields, by the name of the error the API gives (nested names joined by "_").
FIELD_LABELS = {
    "mutuelle": gettext_lazy("Mutuelle"), "care_date": gettext_lazy("Date des soins"),
    "filing_date": gettext_lazy("Date de dépôt"), "treatment_end_date": gettext_lazy("Fin du traitement"),
    "beneficiary_relationship": gettext_lazy("Lien avec l'assuré"),
    "beneficiary_birth_date": gettext_lazy("Date de naissance"),
    "etm_valid_from": gettext_lazy("Accord ETM valable du"), "etm_valid_to": gettext_lazy("Accord ETM valable au"),
    "lines": gettext_lazy("Actes et médicaments"),
}
#: The fields of a line, as its row shows them.
LINE_LABELS = {"kind": gettext_lazy("nature"), "cotation": gettext_lazy("cotation"),
               "code": gettext_lazy("médicament"), "quantity": gettext_lazy("quantité"),
               "paid": gettext_lazy("montant payé"), "ald": gettext_lazy("ALD"),
               "care_date": gettext_lazy("date des soins de la ligne"),
               "provider_sector": gettext_lazy("prestataire")}
#: The element each field's error links to (the summary's links).
FIELD_IDS = {"mutuelle": "sim-mutuelle", "care_date": "sim-care", "filing_date": "sim-filing",
             "beneficiary_relationship": "sim-rel", "beneficiary_birth_date": "sim-birth",
             "etm_valid_from": "sim-etm-from", "etm_valid_to": "sim-etm-to"}

MSG_CHOOSE_MUTUELLE = gettext_lazy("Choisissez votre mutuelle dans la liste.")
MSG_NO_LINE = gettext_lazy("Indiquez au moins un acte ou un médicament.")
MSG_NO_MEDICINE = gettext_lazy("Indiquez le code ou le nom du médicament (recherchez-le par son nom).")
MSG_MEDICINE_UNKNOWN = gettext_lazy("Aucun médicament de la liste ne correspond à « %(text)s ».")
MSG_MEDICINE_AMBIGUOUS = gettext_lazy("Plusieurs médicaments correspondent, précisez le code : %(names)s")


@dataclass
class Row:
    """One line row of the page, as typed, with its errors already named."""

    i: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)

    @property
    def number(self) -> int:
        return self.i + 1

    @property
    def filled(self) -> bool:
        return bool(self.values["cotation"] or self.values["code"] or self.values["paid"])

    def add_error(self, key: str, message: str) -> None:
        self.errors.append(line_message(self.number, key, message))


@dataclass
class NamedError:
    """An error of the page: its message names its field; `target` is the element to go to."""

    message: str
    target: str


def line_message(number: int, key: str, message: str) -> str:
    label = LINE_LABELS.get(key)
    if label is None:
        return _("Ligne %(n)s : %(message)s") % {"n": number, "message": message}
    return _("Ligne %(n)s, %(field)s : %(message)s") % {"n": number, "field": label, "message": message}


def field_message(name: str, message: str) -> str:
    label = FIELD_LABELS.get(name)
    return f"{label} : {message}" if label else str(message)


def read_rows(posted) -> list[Row]:
    return [Row(i, {key: posted.get(f"l{i}_{key}", "") for key in ROW_KEYS}) for i in range(ROWS)]


def resolve_medicine(row: Row) -> str:
    """The code of the medicine the row names: a code of the list, or a name (or DCI) that designates
    exactly one medicine, as on the claim form; otherwise the row gets an error and keeps its text."""
    text = row.values["code"].strip()
    if not text:
        row.add_error("code", str(MSG_NO_MEDICINE))
        return text
    if Medicine.objects.filter(code=text).exists():
        return text
    matches = list(medicines_search(text=text)[:6])
    if len(matches) == 1:
        return matches[0].code
    if not matches:
        row.add_error("code", MSG_MEDICINE_UNKNOWN % {"text": text})
    else:
        names = " ; ".join(f"{m.name} {m.presentation} ({m.code})".replace("  ", " ") for m in matches[:5])
        row.add_error("code", MSG_MEDICINE_AMBIGUOUS % {"names": names})
    return text


def build_payload(posted, filled: list[Row]) -> dict:
    """The API's payload from the page; empty inputs are absent values, as in the API."""
    def opt(name: str) -> str | None:
        return posted.get(name) or None

    lines = []
    for row in filled:
        kind = row.values["kind"] or "acte"
        code = resolve_medicine(row) if kind == "medicament" else row.values["code"]
        lines.append({"kind": kind, "cotation": row.values["cotation"], "code": code,
                      "quantity": row.values["quantity"] or 1,
                      "paid": row.values["paid"].replace(",", ".").replace(" ", ""), "ald": bool(row.values["ald"]),
                      "care_date": row.values["care_date"] or None,
                      "provider_sector": row.values["provider_sector"] or "prive"})
    return {
        "mutuelle": posted.get("mutuelle", ""), "care_date": posted.get("care_date", ""),
        "filing_date": opt("filing_date"), "treatment_end_date": opt("treatment_end_date"),
        "beneficiary": {"relationship": posted.get("relationship", ""), "birth_date": posted.get("birth_date", ""),
                        "student": "student" in posted, "married": "married" in posted,
                        "disabled": "disabled" in posted},
        "etm": {"valid_from": posted["etm_from"], "valid_to": opt("etm_to")} if posted.get("etm_from") else None,
        "lines": lines,
    }


def field_errors(serializer_errors: dict, filled: list[Row]) -> dict[str, list[str]]:
    """The API's errors, by field of the page (nested names joined by "_"); a line's errors go to
    its row, named after it."""
    errors: dict[str, list[str]] = {}
    for name, value in serializer_errors.items():
        if name == "lines":
            errors.update(_line_errors(value, filled))
        elif isinstance(value, dict):
            errors.update({f"{name}_{key}": [str(m) for m in messages] for key, messages in value.items()})
        else:
            errors[name] = [str(m) for m in value]
    return errors


def _line_errors(value, filled: list[Row]) -> dict[str, list[str]]:
    if not filled:
        return {"lines": [str(MSG_NO_LINE)]}
    by_row = value if isinstance(value, dict) else dict(enumerate(value))
    general = []
    for index, line_errors in by_row.items():
        if isinstance(index, int) and isinstance(line_errors, dict) and index < len(filled):
            for key, messages in line_errors.items():
                for message in messages:
                    filled[index].add_error(key, str(message))
        elif isinstance(line_errors, str):
            general.append(line_errors)
    return {"lines": general} if general else {}


def summary(errors: dict[str, list[str]], rows: list[Row]) -> list[NamedError]:
    """Every error of the page, each naming its field or its line, in the order of the page."""
    named = [NamedError(field_message(name, message), FIELD_IDS.get(name, "simulateur"))
             for name in [*FIELD_LABELS, *[n for n in errors if n not in FIELD_LABELS]] if name != "lines"
             for message in errors.get(name, ())]
    for row in rows:
        named.extend(NamedError(message, f"ligne-{row.number}") for message in row.errors)
    named.extend(NamedError(field_message("lines", message), "lignes") for message in errors.get("lines", ()))
    return named
