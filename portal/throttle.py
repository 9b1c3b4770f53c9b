"""A small counter of attempts per client address, for forms that reveal whether data exists (sign-up)."""
from django.core.cache import cache

#: Attempts allowed per address and scope within WINDOW_SECONDS.
MAX_ATTEMPTS = 10
WINDOW_SECONDS = 15 * 60


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "inconnu"


def too_many_attempts(request, *, scope: str, limit: int = MAX_ATTEMPTS) -> bool:
    """Count this attempt; True once the address has made more than `limit` within the window."""
    key = f"portal:tentatives:{scope}:{client_address(request)}"
    if cache.add(key, 1, timeout=WINDOW_SECONDS):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS)
        return False
    return count > limit
