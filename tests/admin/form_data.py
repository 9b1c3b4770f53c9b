"""What a browser would post back from an admin page: the fields of its change form, read from the HTML."""
from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: tuple[str, bool] | None = None
        self._select_values: list[str] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and "__prefix__" not in name:
            kind = a.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.fields.append((name, a.get("value") or "on"))
                return
            self.fields.append((name, a.get("value") or ""))
        elif tag == "select" and name and "__prefix__" not in name:
            self._select, self._select_values = (name, "multiple" in a), []
        elif tag == "option" and self._select is not None and "selected" in a:
            self._select_values.append(a.get("value", ""))
        elif tag == "textarea" and name and "__prefix__" not in name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            name, multiple = self._select
            values = self._select_values if multiple else (self._select_values[-1:] or [""])
            self.fields.extend((name, value) for value in values)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None


def change_form_data(html: str, model_name: str) -> dict[str, list[str]]:
    """The fields of the admin's `<form id="<model>_form">`, as a browser would post them."""
    reader = _FormReader(f"{model_name}_form")
    reader.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in reader.fields:
        data.setdefault(name, []).append(value)
    data.pop("csrfmiddlewaretoken", None)
    return data


def inline_prefixes(data: dict) -> list[str]:
    return [name.removesuffix("-TOTAL_FORMS") for name in data if name.endswith("-TOTAL_FORMS")]


def without_inline_rows(data: dict) -> dict:
    """The same form with every inline emptied (an add form has no inline row yet)."""
    prefixes = inline_prefixes(data)
    kept = {k: v for k, v in data.items() if not any(k.startswith(f"{p}-") for p in prefixes)}
    for prefix in prefixes:
        kept.update({f"{prefix}-TOTAL_FORMS": ["0"], f"{prefix}-INITIAL_FORMS": ["0"],
                     f"{prefix}-MIN_NUM_FORMS": ["0"], f"{prefix}-MAX_NUM_FORMS": ["1000"]})
    return kept


def with_new_inline_row(data: dict, prefix: str, **changes: str) -> dict:
    """The same form with one more row in the inline `prefix`, a copy of its first row (no id)."""
    total = int(data[f"{prefix}-TOTAL_FORMS"][0])
    first = {k.removeprefix(f"{prefix}-0-"): v for k, v in data.items() if k.startswith(f"{prefix}-0-")}
    row = {f"{prefix}-{total}-{k}": v for k, v in first.items() if k not in {"id", "DELETE"}}
    row.update({f"{prefix}-{total}-{k}": [v] for k, v in changes.items()})
    return {**data, **row, f"{prefix}-TOTAL_FORMS": [str(total + 1)]}
