"""Pages of the insured persons' portal: thin views over portal.selectors and portal.services.

Claims in claims.py, a filed claim's documents and downloads in documents.py, the account in
account.py, sign-up and password reset in signup.py; what they share in common.py.
"""
from portal.views.account import (
    PasswordChangeView,
    api_token_revoke,
    api_tokens,
    contact_details,
    email_confirm,
    rib_change,
)
from portal.views.claims import claim_detail, claim_list, claim_new, claim_receipt, dashboard
from portal.views.common import insured_required
from portal.views.documents import claim_add_documents, claim_statement, rights_attestation
from portal.views.language import set_language
from portal.views.signup import PasswordResetConfirmView, PasswordResetView, signup, signup_open, signup_sent

__all__ = [
    "PasswordChangeView", "PasswordResetConfirmView", "PasswordResetView", "api_token_revoke", "api_tokens",
    "claim_add_documents", "claim_detail", "claim_list", "claim_new", "claim_receipt", "claim_statement",
    "contact_details", "dashboard", "email_confirm", "insured_required", "rib_change", "rights_attestation",
    "set_language",
    "signup", "signup_open", "signup_sent",
]
