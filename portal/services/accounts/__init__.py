"""Online accounts of insured persons: sign-in identifiers, sign-up from the registry, password resets,
contact details, e-mail and RIB changes, and the password checks counted like sign-ins.

Each use case lives in its module; the names callers use are gathered here.
"""
from portal.services.accounts.contact import (
    CONTACT_FIELDS,
    DIRECT_CONTACT_FIELDS,
    MSG_SAME_RIB,
    MSG_WRONG_PASSWORD,
    change_rib,
    remember_language,
    rib_notice_addresses,
    update_contact_details,
)
from portal.services.accounts.email_change import (
    EMAIL_CHANGE_SALT,
    MSG_EMAIL_TAKEN,
    MSG_LINK_EXPIRED,
    MSG_LINK_INVALID,
    MSG_LINK_USED,
    MSG_SAME_EMAIL,
    MSG_WRONG_PASSWORD_EMAIL,
    confirm_email_change,
    current_email,
    email_change_link,
    pending_email_change,
    request_email_change,
)
from portal.services.accounts.lockout import MSG_TOO_MANY_PASSWORDS, check_password_again, lift_lockout
from portal.services.accounts.password_reset import finish_password_reset
from portal.services.accounts.signin import email_taken, sign_in_username
from portal.services.accounts.signup import (
    MSG_SIGNUP_LINK_INVALID,
    SIGNUP_LINK_MAX_AGE,
    SIGNUP_SALT,
    Identity,
    find_registered_insured,
    open_insured_account,
    request_insured_account,
    signup_request_of,
)

__all__ = [
    "CONTACT_FIELDS", "DIRECT_CONTACT_FIELDS", "EMAIL_CHANGE_SALT", "MSG_EMAIL_TAKEN", "MSG_LINK_EXPIRED",
    "MSG_LINK_INVALID", "MSG_LINK_USED", "MSG_SAME_EMAIL", "MSG_SAME_RIB", "MSG_SIGNUP_LINK_INVALID",
    "MSG_TOO_MANY_PASSWORDS", "MSG_WRONG_PASSWORD", "MSG_WRONG_PASSWORD_EMAIL", "SIGNUP_LINK_MAX_AGE", "SIGNUP_SALT",
    "Identity", "change_rib", "check_password_again", "confirm_email_change", "current_email", "email_change_link",
    "email_taken", "find_registered_insured", "finish_password_reset", "lift_lockout", "open_insured_account",
    "pending_email_change", "remember_language", "request_email_change", "request_insured_account",
    "rib_notice_addresses",
    "sign_in_username", "signup_request_of", "update_contact_details",
]
