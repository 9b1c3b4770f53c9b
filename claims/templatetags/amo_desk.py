"""Template filters of the back office: amounts in dirhams, French dates."""
import html

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from amo_portal.money import format_dh, format_rate
from claims.reason_texts import reason_label

register = template.Library()


@register.filter
def dh(value) -> str:
    """1234.5 -> "1 234,50 DH"; None -> "—"."""
    return format_dh(value)


@register.filter
def rate(value) -> str:
    return format_rate(value) if value is not None else "—"


@register.filter
def as_fields(form) -> str:
    from claims.admin_forms import form_html

    return form_html(form)


@register.simple_tag
def claim_rows(cl) -> str:
    """The queue's table in one pass: same markup as the admin's results table (checkboxes for
    the actions, sortable headers), without its per-cell template machinery."""
    from django.contrib.admin.templatetags.admin_list import result_headers
    from django.urls import reverse
    from django.utils import timezone

    from claims.admin_views import queue_cells

    if not cl.result_list:
        return ""
    e = html.escape
    heads = []
    for header in result_headers(cl):
        text = conditional_escape(header["text"])  # the select-all checkbox comes as safe HTML
        if header.get("sortable"):
            text = f'<a href="{e(header["url_primary"])}">{text}</a>'
        heads.append(f'<th scope="col"{header["class_attrib"]}><div class="text">{text}</div>'
                     f'<div class="clear"></div></th>')
    columns = [name for name in cl.list_display if name not in ("action_checkbox", "number")]
    link = reverse("admin:claims_claim_change", args=["__pk__"])
    today = timezone.localdate()
    rows = []
    for claim in cl.result_list:
        cells = queue_cells(claim, today)
        row = [f'<td class="action-checkbox"><input type="checkbox" name="_selected_action" value="{claim.pk}" '
               f'class="action-select" aria-label="Sélectionner le dossier {e(claim.number or "")}"></td>',
               f'<th class="field-number"><a href="{link.replace("__pk__", str(claim.pk))}">'
               f'{e(claim.number or "")}</a></th>']
        row += [f'<td class="field-{name}">{cells[name]}</td>' for name in columns]
        rows.append(f"<tr>{''.join(row)}</tr>")
    return mark_safe(  # noqa: S308 — every value above is escaped
        f'<div class="results"><table id="result_list"><thead><tr>{"".join(heads)}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div>')


@register.filter
def reason(code: str) -> str:
    """A coded reason by its label (claims.reason_texts), never the code."""
    return reason_label(code)
