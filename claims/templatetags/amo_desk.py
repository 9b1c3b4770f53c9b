"""Template tags of the back office: amounts in dirhams, the queue's rows, the decision forms."""
from django import template
from django.utils import timezone

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


@register.inclusion_tag("admin/claims/claim/decision_fields.html")
def decision_fields(form) -> dict:
    """The fields of a decision form, as plain data (claims.admin_forms.field_views)."""
    from claims.admin_forms import field_views

    return {"errors": form.non_field_errors(), "fields": field_views(form)}


@register.inclusion_tag("admin/claims/claim/queue_rows.html")
def claim_rows(cl) -> dict:
    """The queue's table: same markup as the admin's results table (checkboxes for the actions,
    sortable headers), each row computed once (claims.admin_rows.queue_row). Its cells are in the
    order of claims.admin_rows.QUEUE_COLUMNS, ClaimAdmin's list_display."""
    from django.contrib.admin.templatetags.admin_list import result_headers

    from claims.admin_rows import queue_rows

    if not cl.result_list:
        return {"rows": []}
    return {"headers": list(result_headers(cl)), "rows": queue_rows(cl.result_list, timezone.localdate())}


@register.filter
def reason(code: str) -> str:
    """A coded reason by its label (claims.reason_texts), never the code."""
    return reason_label(code)
