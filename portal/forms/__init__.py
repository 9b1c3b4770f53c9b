"""Forms of the insured persons' pages: they check shape; the services decide the rest.

Account forms in accounts.py, claim forms in claims.py, the fields they share in fields.py.
"""
from portal.forms.accounts import (
    ContactForm,
    InsuredPasswordResetForm,
    LoginForm,
    NewPasswordForm,
    PortalPasswordChangeForm,
    RibForm,
    SignUpForm,
)
from portal.forms.claims import (
    LINE_ROWS,
    MAX_AMOUNT,
    MAX_LINE_ROWS,
    BaseLineFormSet,
    ClaimForm,
    DocumentsForm,
    LineForm,
    LineFormSet,
    check_line_dates,
)
from portal.forms.fields import ACCEPTED_FILES, DATE_WIDGET, DateInput, MoneyField, MultipleFileField, MultipleFileInput

__all__ = [
    "ACCEPTED_FILES", "DATE_WIDGET", "LINE_ROWS", "MAX_AMOUNT", "MAX_LINE_ROWS", "BaseLineFormSet", "ClaimForm",
    "ContactForm", "DateInput", "DocumentsForm", "InsuredPasswordResetForm", "LineForm", "LineFormSet", "LoginForm",
    "MoneyField", "MultipleFileField", "MultipleFileInput", "NewPasswordForm", "PortalPasswordChangeForm", "RibForm",
    "SignUpForm", "check_line_dates",
]
