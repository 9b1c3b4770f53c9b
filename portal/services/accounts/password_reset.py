"""What follows a new password chosen from a reset link sent to the account's address."""
from __future__ import annotations

from portal.services.accounts.lockout import lift_lockout
from portal.services.tokens import revoke_all_tokens


def finish_password_reset(*, user) -> None:
    """The reset proves the person holds the account's address: every API token of the account is
    revoked (a thief's device with it), and the account's lockout after failed sign-ins is lifted."""
    revoke_all_tokens(user=user)
    lift_lockout(user=user)
