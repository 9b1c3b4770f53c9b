"""Django's Redis cache, degraded rather than failing while Redis is down.

The cache holds nothing that must survive (attempt counters, throttle histories): with Redis
unreachable, a read finds nothing, a write is dropped, and the request goes on. The counters then
count nothing, so the limits they enforce are lifted until Redis is back; a warning says so.
(django-redis's IGNORE_EXCEPTIONS does the same but answers None from incr and add, which callers
would take for a count; here each method answers what it answers for a missing key.)
"""
import logging
from functools import wraps

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

#: What an unreachable or silent Redis raises.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def _degrades(answer=None):
    """The method answers `answer` (the caller's `default` for get) while Redis is down;
    incr raises ValueError, as for a missing key."""

    def decorate(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except REDIS_DOWN as exc:
                logger.warning("Cache Redis injoignable (%s) : %s sans cache.", exc.__class__.__name__, method.__name__)
                if method.__name__ == "incr":
                    raise ValueError("cache indisponible") from exc
                if method.__name__ == "get":
                    return args[1] if len(args) > 1 else kwargs.get("default")
                return answer() if callable(answer) else answer

        return wrapper

    return decorate


class DegradingRedisCacheClient(RedisCacheClient):
    add = _degrades(False)(RedisCacheClient.add)
    get = _degrades()(RedisCacheClient.get)
    set = _degrades()(RedisCacheClient.set)
    touch = _degrades(False)(RedisCacheClient.touch)
    delete = _degrades(False)(RedisCacheClient.delete)
    get_many = _degrades(dict)(RedisCacheClient.get_many)
    has_key = _degrades(False)(RedisCacheClient.has_key)
    incr = _degrades()(RedisCacheClient.incr)
    set_many = _degrades()(RedisCacheClient.set_many)
    delete_many = _degrades()(RedisCacheClient.delete_many)
    clear = _degrades(False)(RedisCacheClient.clear)


class DegradingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = DegradingRedisCacheClient
